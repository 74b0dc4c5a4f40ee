"""Hardware benchmark: float vs quantized actor scan quality, core latency and resources -> bench/results/hardware.json.

    python -m bench.hardware --actor hls/build/actor_q --rtl hls/build/rtl --images 500

Scan quality: both actors scan the same held-out test images closed-loop (the quantized one through the bit-exact
integer reference), the trained generator completes the partial scans, MSE against the full images. RTL simulation
counts come from the cocotb testbenches' bench/results/rtl_sim.json when it exists.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

RESULTS = Path('bench/results/hardware.json')


def scan_quality(actor_dir: Path, checkpoint: Path, n_images: int) -> dict:
    import keras

    import hgq  # noqa: F401
    from hls.reference import ReferenceActor
    from hls.scan import reference_scans
    from training.checkpoint import load_actor, load_config, load_generator
    from training.data import load_split
    from training.evaluate import actor_scans, complete_and_score

    images = load_split('procedural', 'test')[:n_images].astype(np.float32)
    geometry = load_config(checkpoint).geometry
    generator = load_generator(checkpoint)
    float_scores = complete_and_score(generator, actor_scans(load_actor(checkpoint), images, geometry)['partial_scan'], images)
    ref = ReferenceActor.from_file(actor_dir)
    model = keras.models.load_model(actor_dir / 'model.keras', compile=False)
    q = reference_scans(ref, images, model)
    q_scores = complete_and_score(generator, q['partial_scan'], images)
    return {
        'images': n_images,
        'float_mse': float(float_scores['mse']),
        'quantized_mse': float(q_scores['mse']),
        'mse_ratio': float(q_scores['mse'] / float_scores['mse']),
        'float_psnr': float(float_scores['psnr']),
        'quantized_psnr': float(q_scores['psnr']),
        'python_decisions': int(n_images * geometry.segments),
        'python_vs_hgq2_mismatches': int(q['mismatches']),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path('hls/build/actor_q'))
    p.add_argument('--rtl', type=Path, default=Path('hls/build/rtl'))
    p.add_argument('--checkpoint', type=Path, default=Path('checkpoints/small'))
    p.add_argument('--images', type=int, default=500)
    p.add_argument('--name', default='default')
    args = p.parse_args(argv)
    for f in (args.actor / 'comb_logic.json', args.checkpoint / 'generator.keras'):
        if not f.exists():
            print(f'error: {f} missing (python -m hls.distill / make train first)', file=sys.stderr)
            return 2
    contract = json.loads((args.actor / 'contract.json').read_text())
    row = {
        'variant': args.name,
        'units': contract['units'],
        'input': contract['input'],
        'output': contract['output'],
        'state_formats': contract['state_formats'],
        **scan_quality(args.actor, args.checkpoint, args.images),
    }
    for name in ('core.json', 'resources.json'):
        if (args.rtl / name).exists():
            d = json.loads((args.rtl / name).read_text())
            row[name.removesuffix('.json')] = {k: v for k, v in d.items() if k not in ('cells', 'input_kifs', 'output_kifs')}
    row['initiation_interval_cycles'] = 1  # da4ml cores are fully pipelined: one decision per clock
    sim = Path('bench/results/rtl_sim.json')
    row['rtl_sim'] = json.loads(sim.read_text()) if sim.exists() else 'bench/results/rtl_sim.json not written yet (make bench-rtl-sim)'
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {'variants': []}
    results['variants'] = [v for v in results['variants'] if v['variant'] != args.name] + [row]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(json.dumps(row, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
