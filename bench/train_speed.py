"""Training and completion speed per Keras backend, preset and loop style, on this machine's device.

    python bench/train_speed.py                                   # this CPU: TensorFlow and JAX, small and paper
    python bench/train_speed.py --backends jax --loops python scan --presets small paper   # a GPU machine

Each (backend, preset, loop) runs in its own process (the backend is fixed when Keras is imported): the compiled CRDPG
iteration on random images is called once (trace and compile, timed), twice more to warm up, then timed over
`--iterations` calls; then the generator's completions per second through the completion service's completer at
batch 1, 32 and 256. Results go into bench/results/train_speed.json under this device's kind ('cpu' or 'gpu', so a GPU
run adds to a CPU one), and train_speed.md is rewritten from the whole file. The paper's reference: 1e6 iterations in
2 days on a GTX 1080 Ti + i7-6700 (about 5.8 it/s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAPER_IT_PER_S = 1e6 / (2 * 24 * 3600)


def device() -> tuple[str, str]:
    """(kind, description) of the device the Keras backend in use computes on."""
    import keras

    if keras.backend.backend() == 'jax':
        import jax

        d = jax.devices()[0]
        return ('gpu' if d.platform == 'gpu' else 'cpu'), (d.device_kind if d.platform == 'gpu' else cpu_name())
    import tensorflow as tf

    gpus = tf.config.list_physical_devices('GPU')
    return (
        ('gpu', tf.config.experimental.get_device_details(gpus[0]).get('device_name', 'GPU'))
        if gpus
        else ('cpu', cpu_name())
    )


def cpu_name() -> str:
    try:
        model = next(line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name'))
    except (OSError, StopIteration):
        model = platform.processor() or platform.machine()
    return f'CPU ({os.cpu_count()} cores, {model})'


def measure(preset: str, loop: str, iterations: int) -> dict:
    """One configuration, in this process."""
    import keras
    import numpy as np

    from host.workstation import GeneratorCompleter
    from training import checkpoint
    from training.config import load_config
    from training.crdpg import CRDPG

    cfg = load_config(preset, loop=loop)
    trainer = CRDPG(cfg)
    images = keras.ops.convert_to_tensor(np.random.default_rng(0).uniform(-1, 1, (256, 96, 96)).astype(np.float32))
    state, rng = trainer.initial_state(), np.random.default_rng(0)
    step = trainer.step_function('crdpg')

    def run(n):
        nonlocal state
        for _ in range(n):
            state, metrics = step(state, trainer.draws(rng, 0, 256), images)
        return {k: float(v) for k, v in metrics.items()}  # waits for the device

    t = time.perf_counter()
    run(1)
    compile_s = time.perf_counter() - t
    run(2)
    t = time.perf_counter()
    metrics = run(iterations)
    elapsed = time.perf_counter() - t
    kind, name = device()
    row = {
        'backend': keras.backend.backend(), 'device_kind': kind, 'device': name, 'preset': preset, 'loop': loop,
        'iterations_timed': iterations, 'iterations_per_second': iterations / elapsed, 'first_call_seconds': compile_s,
        'losses_finite': all(np.isfinite(v) for v in metrics.values()), 'batch_size': cfg.batch_size,
        'rollouts_per_iteration': cfg.rollouts_per_iteration, 'actor_units': cfg.actor.units,
        'generator_params': trainer.generator.count_params(), 'speedup_vs_paper': iterations / elapsed / PAPER_IT_PER_S,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint.save(trainer, trainer.backend.to_numpy(state), rng, tmp)
        completer = GeneratorCompleter(tmp)
        rates = {}
        for batch in (1, 32, 256):
            scans = np.zeros((batch, 96, 96, 2), np.float32)
            completer(scans)  # compile this batch size
            repeats = max(3, 512 // batch)
            t = time.perf_counter()
            for _ in range(repeats):
                completer(scans)
            rates[str(batch)] = batch * repeats / (time.perf_counter() - t)
    row['completions_per_second'] = rates
    return row


def table(result: dict) -> str:
    lines = []
    for kind in ('cpu', 'gpu'):
        rows = result.get(kind, [])
        if not rows:
            continue
        lines += [
            f'## {kind.upper()}: {rows[0]["device"]}',
            '',
            '| backend | preset | loop | it/s | first call (s) | x paper | completions/s at batch 1 / 32 / 256 |',
            '|---|---|---|---|---|---|---|',
        ]
        for r in rows:
            c = r['completions_per_second']
            lines.append(
                f'| {r["backend"]} | {r["preset"]} | {r["loop"]} | {r["iterations_per_second"]:.2f} | {r["first_call_seconds"]:.0f} | {r["speedup_vs_paper"]:.2f} | {c["1"]:.0f} / {c["32"]:.0f} / {c["256"]:.0f} |'
            )
        for preset in ('small', 'paper'):
            speed = {
                r['backend']: r['iterations_per_second'] for r in rows if r['preset'] == preset and r['loop'] == 'python'
            }
            if {'jax', 'tensorflow'} <= set(speed):
                lines.append(f'\n{preset}: JAX / TensorFlow = {speed["jax"] / speed["tensorflow"]:.2f}')
        lines.append('')
    return '\n'.join(lines)


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--backends', nargs='+', default=['tensorflow', 'jax'], choices=['tensorflow', 'jax'])
    p.add_argument('--presets', nargs='+', default=['small', 'paper'])
    p.add_argument('--loops', nargs='+', default=['python'], choices=['python', 'scan'])
    p.add_argument('--iterations', type=integer(1, 10**9), default=20, help='timed iterations per configuration')
    p.add_argument('--out', default='bench/results')
    p.add_argument('--one', nargs=3, metavar=('PRESET', 'LOOP', 'ITERATIONS'), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print('RESULT ' + json.dumps(measure(args.one[0], args.one[1], int(args.one[2]))), flush=True)
        return 0
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'train_speed.json'
    result = json.loads(path.read_text()) if path.is_file() else {}
    result = {k: v for k, v in result.items() if k in ('cpu', 'gpu') or k.endswith('_load_average_1min_at_end')}
    rows = []
    for backend in args.backends:
        for preset in args.presets:
            for loop in args.loops:
                env = {**os.environ, 'KERAS_BACKEND': backend, 'TF_CPP_MIN_LOG_LEVEL': '3'}
                cmd = [sys.executable, __file__, '--one', preset, loop, str(args.iterations)]
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
                line = next((ln for ln in done.stdout.splitlines() if ln.startswith('RESULT ')), None)
                if line is None:
                    print(f'{backend} {preset} {loop} failed:\n{done.stderr[-3000:]}', file=sys.stderr)
                    continue
                rows.append(json.loads(line[7:]))
                r = rows[-1]
                print(
                    f'{backend:10s} {preset:6s} {loop:6s} {r["iterations_per_second"]:8.2f} it/s  first call {r["first_call_seconds"]:.0f} s',
                    flush=True,
                )
                kind = r['device_kind']  # written after every configuration: a run cut short keeps what it measured
                result[kind] = rows
                result[f'{kind}_load_average_1min_at_end'] = os.getloadavg()[0]  # other work on the machine slows these
                result['paper_iterations_per_second'] = PAPER_IT_PER_S
                path.write_text(json.dumps(result, indent=2))
                (out / 'train_speed.md').write_text(table(result))
    if not rows:
        return 1
    print(table(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
