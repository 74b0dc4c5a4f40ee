"""Saturating vs wrapping core -> bench/results/saturation.json: what saturation changes, counted.

    git show 47a503f:hls/actors/default/comb_logic.json > /tmp/wrap/comb_logic.json   # the last wrapping export
    git show 47a503f:hls/actors/default/contract.json > /tmp/wrap/contract.json
    python -m bench.saturation --wrapping-actor /tmp/wrap

Both integer graphs (NumPy interpreter, which counts wraps: elements a quantize or ReLU step changed beyond truncation)
scan the same held-out images closed loop, run the sequencer model's whole scans of hls.extremes' detector images, and
take inputs drawn uniformly over the whole formats (hls.build_hls.random_inputs). Reported per set: decisions, how many
of them differ between the two cores, scans whose path differs, and each core's wrap count.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

RESULTS = Path('bench/results/saturation.json')


def compare(old, new, run) -> dict:
    """run(actor) -> actions (N, T, 2); both actors' wrap counters are reset first."""
    old.graph.wraps = new.graph.wraps = 0
    a, b = run(old), run(new)
    differ = np.any(a != b, -1)
    return {
        'decisions': int(differ.size), 'decisions_differing': int(differ.sum()), 'scans': int(len(differ)),
        'scans_with_another_path': int(differ.any(1).sum()), 'wraps_wrapping_core': old.graph.wraps,
        'wraps_saturating_core': new.graph.wraps,
    }  # fmt: skip


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--wrapping-actor', type=Path, required=True, help='actor folder of a wrapping export')
    p.add_argument('--actor', type=Path, default=Path('hls/actors/default'), help='the saturating actor')
    p.add_argument('--checkpoint', type=Path, default=Path('checkpoints/quality'), help='whose held-out images')
    p.add_argument('--images', type=integer(1, 10**6), default=500)
    p.add_argument('--random', type=integer(1, 10**7), default=20000, help='inputs drawn over the whole formats')
    args = p.parse_args(argv)
    from hls.build_hls import random_inputs
    from hls.export import missing_actor_file
    from hls.extremes import extreme_scans
    from hls.reference import ReferenceActor
    from hls.scan import reference_scans
    from hls.sequencer_model import run_scans
    from training.checkpoint import load_config
    from training.data import load_config_split

    for folder in (args.wrapping_actor, args.actor):
        if message := missing_actor_file(folder):
            print(f'error: {message}', file=sys.stderr)
            return 2
    old = ReferenceActor.from_file(args.wrapping_actor, engine='numpy')
    new = ReferenceActor.from_file(args.actor, engine='numpy')
    cfg = load_config(args.checkpoint)
    images = load_config_split(cfg, 'test')[: args.images]
    result = {'wrapping_actor': str(args.wrapping_actor), 'actor': str(args.actor)}
    result['held_out_images'] = compare(old, new, lambda a: reference_scans(a, images.astype(np.float32))['action'])
    for name, raw, cal in extreme_scans(cfg.geometry.image_size):
        result[f'extreme_{name}'] = compare(old, new, lambda a: run_scans(a, raw[None], cal)['actions'])
    result['random_whole_format'] = compare(old, new, lambda a: random_inputs(a, args.random)[1][0][:, None])
    RESULTS.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
