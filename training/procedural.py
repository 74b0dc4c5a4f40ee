"""Procedural STEM images: the embedded default data set (NumPy/SciPy only, seeded, deterministic).

Each 96 x 96 image is a HAADF-like field of view built from parts that put structure in *some* places, so that where a
sparse scan looks matters:
  - amorphous support: smooth random texture, sometimes with a vacuum region (empty, dark);
  - 1-3 crystal grains separated by straight grain boundaries, each with its own lattice (square, hexagonal, rectangular
    or centred-rectangular), spacing 3-9 px, orientation, column width and brightness;
  - point defects (vacancies, brighter substitutional columns) and sometimes an edge dislocation (displacement field
    u = b/(2 pi) * atan2 around the core);
  - sometimes crystalline nanoparticles (round or elliptical) on the support instead of a continuous crystal;
  - a background gradient, a random contrast curve and Poisson shot noise at a random dose.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

LATTICES = {
    'square': ((1.0, 0.0), (0.0, 1.0)),
    'hexagonal': ((1.0, 0.0), (0.5, np.sqrt(3) / 2)),
    'rectangular': ((1.0, 0.0), (0.0, 1.6)),
    'centred': ((1.0, 0.0), (0.5, 0.8)),
}


def _lattice_points(rng, size: int, spacing: float, kind: str, angle: float) -> np.ndarray:
    """Atom column positions (K, 2) of one lattice covering the image (with a margin)."""
    a1, a2 = (np.array(v) * spacing for v in LATTICES[kind])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    a1, a2 = rot @ a1, rot @ a2
    n = int(2 * size / spacing) + 4
    i, j = np.meshgrid(np.arange(-n, n), np.arange(-n, n), indexing='ij')
    origin = rng.uniform(0, size, 2)
    pts = origin + i.reshape(-1, 1) * a1 + j.reshape(-1, 1) * a2
    keep = np.all((pts > -4) & (pts < size + 4), axis=1)
    return pts[keep]


def _dislocation(points: np.ndarray, core: np.ndarray, burgers: float, angle: float) -> np.ndarray:
    """Displace columns by an edge dislocation's field along the slip direction."""
    d = points - core
    theta = np.arctan2(d[:, 0], d[:, 1]) - angle
    shift = burgers / (2 * np.pi) * theta
    return points + shift[:, None] * np.array([np.sin(angle), np.cos(angle)])


def _splat(points: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Bilinear deposit of point weights onto the pixel grid."""
    img = np.zeros((size + 2, size + 2))
    r0, c0 = np.floor(points[:, 0]).astype(int), np.floor(points[:, 1]).astype(int)
    fr, fc = points[:, 0] - r0, points[:, 1] - c0
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr, cc = r0 + dr + 1, c0 + dc + 1
            ok = (rr >= 0) & (rr < size + 2) & (cc >= 0) & (cc < size + 2)
            np.add.at(img, (rr[ok], cc[ok]), (weights * wr * wc)[ok])
    return img[1:-1, 1:-1]


def _crystal(rng, size: int) -> np.ndarray:
    """One grain's lattice image (columns as Gaussians), with vacancies, substitutions and maybe a dislocation."""
    spacing = rng.uniform(3.0, 9.0)
    kind = rng.choice(list(LATTICES))
    pts = _lattice_points(rng, size, spacing, kind, rng.uniform(0, np.pi))
    if rng.random() < 0.35:
        pts = _dislocation(pts, rng.uniform(0.2 * size, 0.8 * size, 2), spacing, rng.uniform(0, np.pi))
    weights = rng.uniform(0.8, 1.2) * np.ones(len(pts))
    weights[rng.random(len(pts)) < rng.uniform(0.0, 0.06)] = 0.0  # vacancies
    weights[rng.random(len(pts)) < rng.uniform(0.0, 0.04)] *= rng.uniform(1.5, 2.5)  # heavier substitutions
    sigma = rng.uniform(0.5, 0.25 * spacing)
    return ndimage.gaussian_filter(_splat(pts, weights, size), sigma) * (2 * np.pi * sigma**2)


def _support(rng, size: int) -> np.ndarray:
    """Amorphous support: smooth random texture in [0, 1]."""
    tex = ndimage.gaussian_filter(rng.normal(size=(size, size)), rng.uniform(1.0, 3.0))
    tex = (tex - tex.min()) / (np.ptp(tex) + 1e-9)
    return tex


def _half_plane(size: int, rng) -> np.ndarray:
    """A random straight boundary: boolean mask of one side."""
    r, c = np.mgrid[:size, :size]
    angle = rng.uniform(0, 2 * np.pi)
    offset = rng.uniform(0.25, 0.75) * size
    return (r - size / 2) * np.sin(angle) + (c - size / 2) * np.cos(angle) + size / 2 > offset


def generate_image(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    """One raw (unnormalised, noisy) procedural STEM image."""
    support = _support(rng, size) * rng.uniform(0.05, 0.35)
    scene = rng.random()
    if scene < 0.45:  # grains of crystal, separated by grain boundaries, maybe beside vacuum
        img = _crystal(rng, size)
        for _ in range(rng.integers(0, 3)):
            img = np.where(_half_plane(size, rng), _crystal(rng, size), img)
        if rng.random() < 0.4:
            img = np.where(_half_plane(size, rng), support * 0.3, img + support)
        else:
            img = img + support
    elif scene < 0.85:  # nanoparticles on amorphous support
        img = support.copy()
        r, c = np.mgrid[:size, :size]
        for _ in range(rng.integers(1, 5)):
            centre = rng.uniform(0.1 * size, 0.9 * size, 2)
            radius = rng.uniform(6, 24)
            ecc = rng.uniform(0.6, 1.0)
            mask = ((r - centre[0]) / radius) ** 2 + ((c - centre[1]) / (radius * ecc)) ** 2 < 1
            mask = ndimage.gaussian_filter(mask.astype(float), 1.0)
            img = img * (1 - mask) + mask * (_crystal(rng, size) * rng.uniform(0.6, 1.4) + support)
    else:  # mostly vacuum with one crystalline edge
        img = np.where(_half_plane(size, rng), _crystal(rng, size) + support, support * 0.1)
    r, c = np.mgrid[:size, :size] / size
    img = img + rng.uniform(-0.2, 0.2) * r + rng.uniform(-0.2, 0.2) * c  # thickness / background gradient
    img = np.clip(img - img.min(), 0, None) ** rng.uniform(0.7, 1.4)  # contrast curve
    dose = rng.uniform(20, 400)  # electrons per pixel at the brightest column
    return (rng.poisson(img / (img.max() + 1e-9) * dose) / dose).astype(np.float32)


def generate_images(n: int, seed: int, size: int = 96) -> np.ndarray:
    """n images (n, size, size) float32, deterministic for a seed (image k depends only on (seed, k))."""
    return (
        np.stack([generate_image(np.random.default_rng([seed, k]), size) for k in range(n)])
        if n
        else np.zeros((0, size, size), np.float32)
    )
