"""Iterations per second of the compiled CRDPG iteration (tf.function graph), per preset, on this machine's device.

    python bench/train_speed.py [--presets small paper] [--iterations 20]

XLA (jit_compile) of the update is not offered: on TensorFlow 2.21 CPU it compiled for 100 s, ran 10 % faster and
turned the actor's gradients into NaN after one step (the same graph without XLA stays finite).

Writes bench/results/train_speed.json and train_speed.md. The paper's reference: 1e6 iterations in 2 days on a
GTX 1080 Ti + i7-6700 (about 5.8 it/s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAPER_IT_PER_S = 1e6 / (2 * 24 * 3600)


def measure(preset: str, iterations: int) -> dict:
    import numpy as np

    from training.config import load_config
    from training.crdpg import CRDPG

    cfg = load_config(preset)
    images = np.random.default_rng(0).uniform(-1, 1, (256, 96, 96)).astype(np.float32)
    agent = CRDPG(cfg, images)
    t = time.perf_counter()
    metrics = agent.iteration()  # trace + compile
    compile_s = time.perf_counter() - t
    for _ in range(2):
        agent.iteration()
    t = time.perf_counter()
    for _ in range(iterations):
        metrics = agent.iteration()
    float(metrics['losses/generator_mse'])  # wait for the device
    elapsed = time.perf_counter() - t
    finite = all(np.isfinite(float(v)) for v in metrics.values())
    return {
        'preset': preset,
        'iterations_timed': iterations,
        'iterations_per_second': iterations / elapsed,
        'first_call_seconds': compile_s,
        'losses_finite': finite,
        'batch_size': cfg.batch_size,
        'rollouts_per_iteration': cfg.rollouts_per_iteration,
        'actor_units': cfg.actor.units,
        'generator_params': agent.generator.count_params(),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--presets', nargs='+', default=['small', 'paper'])
    p.add_argument('--iterations', type=int, default=20)
    p.add_argument('--out', default='bench/results')
    args = p.parse_args(argv)
    import tensorflow as tf

    gpus = tf.config.list_physical_devices('GPU')
    device = tf.config.experimental.get_device_details(gpus[0]).get('device_name', 'GPU') if gpus else f'CPU ({os.cpu_count()} cores, {platform.processor() or platform.machine()})'
    rows = [measure(preset, args.iterations) for preset in args.presets]
    for r in rows:
        r['speedup_vs_paper'] = r['iterations_per_second'] / PAPER_IT_PER_S
    result = {
        'device': device,
        'tensorflow': tf.__version__,
        'paper_iterations_per_second': PAPER_IT_PER_S,
        'load_average_1min_at_end': os.getloadavg()[0],  # other work on the machine slows these numbers
        'runs': rows,
    }
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / 'train_speed.json').write_text(json.dumps(result, indent=2))
    lines = [f'Device: {device}', '', '| preset | it/s | first call (s) | finite | x paper |', '|---|---|---|---|---|']
    lines += [f"| {r['preset']} | {r['iterations_per_second']:.2f} | {r['first_call_seconds']:.0f} | {r['losses_finite']} | {r['speedup_vs_paper']:.2f} |" for r in rows]
    (out / 'train_speed.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())
