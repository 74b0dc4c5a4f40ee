"""Judging one method against another over the same images (NumPy only): the ratio of mean errors with its 95 %
bootstrap interval over images, and the share of images on which the first wins."""

from __future__ import annotations

import numpy as np

BOOTSTRAP = 2000


def bootstrap_ratio(a, b, rng, n: int = BOOTSTRAP) -> list[float]:
    """95 % interval of mean(a) / mean(b) over images resampled with replacement (a, b: per-image values)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    idx = rng.integers(0, len(a), (n, len(a)))
    ratios = a[idx].mean(1) / b[idx].mean(1)
    return [float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))]


def compare(a, b, seed: int = 0) -> dict:
    """Method a against method b (per-image errors, lower is better): ratio of means, 95 % interval, win rate, verdict."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    ratio = float(a.mean() / b.mean())
    low, high = bootstrap_ratio(a, b, np.random.default_rng(seed))
    verdict = 'better' if high < 1 else 'worse' if low > 1 else 'not distinguishable'
    return {
        'ratio': ratio,
        'interval_95': [low, high],
        'win_rate': float(np.mean(a < b)),
        'verdict': verdict,
        'n_images': len(a),
    }
