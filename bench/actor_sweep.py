"""Co-design sweep of the quantized actor: sizes and bit-width pressure vs scan quality, resources and latency.

    python -m bench.actor_sweep --variants 8:1e-7 8:1e-6 16:1e-6 --images 500

Each variant UNITS:BETA (LSTM units H, HGQ2's EBOPs weight beta: larger beta prunes more bits) is distilled from the
float actor into hls/build/sweep/h<UNITS>_b<BETA>/ (skipped when that folder already holds an exported actor), turned
into Verilog with Yosys resource counts in <folder>/rtl (hls.build_rtl), C-simulated with hls4ml against the reference
(hls.build_hls), and scored by bench.hardware, which adds its quality row to bench/results/hardware.json and the table
bench/results/hardware.md (the board numbers there are the default actor's: make bench-hw).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SWEEP = Path('hls/build/sweep')


def parse_variant(text: str) -> tuple[int, float]:
    try:
        units, beta = text.split(':')
        return int(units), float(beta)
    except ValueError:
        raise argparse.ArgumentTypeError(f'variant must be UNITS:BETA, e.g. 8:1e-6, not {text!r}') from None


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--variants', type=parse_variant, nargs='+', default=[(8, 1e-6), (16, 1e-6)])
    p.add_argument('--checkpoint', type=Path, default=Path('checkpoints/quality'))
    p.add_argument('--images', type=integer(1, 10**9), default=500, help='held-out images for the scan MSE')
    p.add_argument('--distill-images', type=integer(1, 10**9), default=2048)
    p.add_argument('--rounds', type=integer(1, 10**9), default=4)
    p.add_argument('--epochs', type=integer(1, 10**9), default=25)
    args = p.parse_args(argv)
    from bench import hardware
    from hls import build_hls, build_rtl, distill

    for units, beta in args.variants:
        name = f'h{units}_b{beta:g}'
        folder = SWEEP / name
        if not (folder / 'comb_logic.json').exists():
            distill_args = ['--checkpoint', str(args.checkpoint), '--out', str(folder), '--units', str(units)]
            distill_args += ['--beta', str(beta), '--images', str(args.distill_images)]
            distill_args += ['--rounds', str(args.rounds), '--epochs', str(args.epochs)]
            if distill.main(distill_args):
                return 1
        if build_rtl.main(['--actor', str(folder), '--out', str(folder / 'rtl')]):
            return 1
        if build_hls.main(['--actor', str(folder), '--out', str(folder / 'hls4ml')]) == 2:  # 1: mismatches, in the row
            return 1
        quality = ['--checkpoint', str(args.checkpoint), '--images', str(args.images), '--name', name]
        if hardware.main(['--actor', str(folder), '--hls', str(folder / 'hls4ml'), '--no-fabric', *quality]):
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
