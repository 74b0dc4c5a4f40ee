"""Hardware benchmark: float vs quantized actor scan quality, core latency and resources -> bench/results/hardware.json.

    python -m bench.hardware --actor hls/build/actor_q --rtl hls/build/rtl --hls hls/build/hls4ml --images 500

Each run adds (or replaces) one variant row in hardware.json and rewrites the table bench/results/hardware.md.

Scan quality: both actors scan the same held-out test images closed-loop (the quantized one through the bit-exact
integer reference), the trained generator completes the partial scans, MSE against the full images. RTL simulation
counts come from the cocotb testbenches' benchmark runs, bench/results/rtl_sim/<simulator>.json (make bench-rtl-sim).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

RESULTS = Path('bench/results/hardware.json')
TABLE = Path('bench/results/hardware.md')
DEFAULT_ACTOR = 'hls/actors/default'


def scan_quality(actor_dir: Path, checkpoint: Path, n_images: int) -> dict:
    import hgq  # noqa: F401
    import keras

    from hls.reference import ReferenceActor
    from hls.scan import reference_scans
    from training.checkpoint import load_actor, load_config, load_generator
    from training.data import load_split
    from training.evaluate import actor_scans, complete_and_score

    images = load_split('procedural', 'test')[:n_images].astype(np.float32)
    geometry = load_config(checkpoint).geometry
    generator = load_generator(checkpoint)
    float_scores = complete_and_score(
        generator, actor_scans(load_actor(checkpoint), images, geometry)['partial_scan'], images
    )
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


def weight_bits(model) -> dict:
    """HGQ2's learned bit widths of the gate and head weights: mean over all weights, max, and the share pruned to 0 bits."""
    import keras

    bits = np.concatenate(
        [np.ravel(keras.ops.convert_to_numpy(layer.kq.bits)) for layer in model.layers if hasattr(layer, 'kq')]
    )
    return {
        'weights': int(bits.size),
        'mean_bits': round(float(bits.mean()), 2),
        'max_bits': int(bits.max()),
        'pruned_fraction': round(float(np.mean(bits <= 0)), 3),
    }


def table(variants: list[dict]) -> str:
    """The readable view of hardware.json: one row per actor variant."""
    head = (
        '| variant | H | mean / max weight bits (pruned) | float MSE | quantized MSE | ratio | latency (cycles) | II | LUT | FF | DSP | BRAM36 '
        '| hls4ml C-sim mismatches | RTL sim mismatches |\n|' + '---|' * 14 + '\n'
    )
    rows = []
    for v in variants:
        w, res, core = v.get('weight_bits', {}), v.get('resources', {}), v.get('core', {})
        csim = v.get('hls4ml_csim')
        csim_txt = f'{sum(csim["mismatches"].values())} of {csim["decisions"]}' if isinstance(csim, dict) else 'not run'
        sim = v.get('rtl_sim')
        sim_txt = (
            ', '.join(f'{r["simulator"]}: {r["mismatches"]} of {r["decisions"]}' for r in sim.values())
            if isinstance(sim, dict)
            else 'not run'
        )
        lut = f'{res["LUT"]:,} ({100 * res["LUT"] / 53200:.1f} %)' if res else '-'
        rows.append(
            f'| {v["variant"]}{" (default)" if v.get("actor") == DEFAULT_ACTOR else ""} | {v["units"]} | {w.get("mean_bits", "-")} / {w.get("max_bits", "-")} ({100 * w.get("pruned_fraction", 0):.0f} %) '
            f'| {v["float_mse"]:.5f} | {v["quantized_mse"]:.5f} | {v["mse_ratio"]:.3f} | {core.get("latency_cycles", "-")} '
            f'| {v.get("initiation_interval_cycles", "-")} | {lut} | {res.get("FF", "-")} | {res.get("DSP", "-")} | {res.get("BRAM36", "-")} '
            f'| {csim_txt} | {sim_txt} |'
        )
    return head + '\n'.join(rows) + '\n'


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path('hls/build/actor_q'))
    p.add_argument('--rtl', type=Path, default=Path('hls/build/rtl'), help='make rtl output (core.json, resources.json)')
    p.add_argument('--hls', type=Path, default=None, help='make hls output (csim.json), if it was run for this actor')
    p.add_argument(
        '--rtl-sim',
        type=Path,
        default=None,
        help='folder of make bench-rtl-sim results (one JSON per simulator); runs of this actor count',
    )
    p.add_argument('--checkpoint', type=Path, default=Path('checkpoints/small'))
    p.add_argument('--images', type=int, default=500)
    p.add_argument('--name', default='default', help='row name; a rerun with the same name replaces the row')
    args = p.parse_args(argv)
    for f in (args.actor / 'comb_logic.json', args.checkpoint / 'generator.keras'):
        if not f.exists():
            print(f'error: {f} missing (python -m hls.distill / make train first)', file=sys.stderr)
            return 2
    contract = json.loads((args.actor / 'contract.json').read_text())
    row = {
        'variant': args.name,
        'actor': str(args.actor),
        'units': contract['units'],
        'input': contract['input'],
        'output': contract['output'],
        'state_formats': contract['state_formats'],
        **scan_quality(args.actor, args.checkpoint, args.images),
    }
    import hgq  # noqa: F401
    import keras

    row['weight_bits'] = weight_bits(keras.models.load_model(args.actor / 'model.keras', compile=False))
    for name in ('core.json', 'resources.json'):
        if (args.rtl / name).exists():
            d = json.loads((args.rtl / name).read_text())
            row[name.removesuffix('.json')] = {k: v for k, v in d.items() if k not in ('cells', 'input_kifs', 'output_kifs')}
    row['initiation_interval_cycles'] = 1  # da4ml cores are fully pipelined: one decision per clock
    if args.hls is not None and (args.hls / 'csim.json').exists():
        row['hls4ml_csim'] = json.loads((args.hls / 'csim.json').read_text())
    if args.rtl_sim is not None and args.rtl_sim.is_dir():
        runs = {f.stem: json.loads(f.read_text()) for f in sorted(args.rtl_sim.glob('*.json'))}
        row['rtl_sim'] = {k: v for k, v in runs.items() if Path(v.get('actor', '')).resolve() == args.actor.resolve()}
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {'variants': []}
    results['variants'] = [v for v in results['variants'] if v['variant'] != args.name] + [row]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    TABLE.write_text(table(results['variants']))
    print(json.dumps(row, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
