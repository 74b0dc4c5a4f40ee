"""How much of a lattice's contrast the paper's target blur keeps: the 5 x 5 Gaussian kernel (sigma 2.5 px) applied to
ideal cosine lattices of each period, the contrast after over the contrast before (a negative value: inverted).

    python bench/target_blur.py        # -> bench/results/target_blur.json and .md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.data import BLUR_SIGMA, BLUR_SIZE, blur_kernel  # noqa: E402

PERIODS = (2, 2.5, 3, 4, 5, 6, 8, 10, 15)


def kept(period: float, square: bool) -> float:
    """Contrast kept: (cos lattice along x, or cos x * cos y for a square lattice) blurred, projected on the lattice."""
    y, x = np.mgrid[0:240, 0:240].astype(np.float64)
    lattice = np.cos(2 * np.pi * x / period) * (np.cos(2 * np.pi * y / period) if square else 1)
    blurred = ndimage.correlate(lattice, blur_kernel(), mode='wrap')
    inner = (slice(20, -20),) * 2
    return float(np.sum(blurred[inner] * lattice[inner]) / np.sum(lattice[inner] ** 2))


def main() -> int:
    rows = [{'period_px': p, 'fringes': kept(p, False), 'square_lattice': kept(p, True)} for p in PERIODS]
    result = {'kernel_px': BLUR_SIZE, 'sigma_px': BLUR_SIGMA, 'contrast_kept': rows}
    out = ROOT / 'bench' / 'results'
    (out / 'target_blur.json').write_text(json.dumps(result, indent=2) + '\n')
    lines = [
        f'# Contrast the target blur keeps ({BLUR_SIZE} x {BLUR_SIZE} Gaussian, sigma {BLUR_SIGMA} px; `python bench/target_blur.py`)',
        '',
        '| lattice period (px) | fringes (cos x) | square lattice (cos x cos y) |',
        '|---|---|---|',
        *[f'| {r["period_px"]:g} | {r["fringes"]:+.3f} | {r["square_lattice"]:+.3f} |' for r in rows],
        '',
        'A negative value: the blurred lattice is inverted (bright columns become dark).',
    ]
    (out / 'target_blur.md').write_text('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())
