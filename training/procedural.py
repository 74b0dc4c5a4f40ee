"""Procedural STEM images: the embedded default data set (NumPy/SciPy only, seeded, deterministic).

Each 96 x 96 image is a field of view built as a *scattering map* (projected mass: 0 in vacuum, about 1 at an atom
column), rendered with a detector's contrast, then given shot and detector noise. Structure sits in *some* places, so where a
sparse scan looks matters. Scene types, with their probabilities:
  - crystal (0.15): one lattice across the field on a thin amorphous support;
  - grains (0.15): 2-3 crystal grains, each with its own lattice, separated by straight or slightly bent boundaries;
  - nanoparticles (0.20): 1-6 crystalline particles (round or elliptical, radius 5-24 px) on the support;
  - mixed scales (0.15): 1-2 coarse features (a large particle with a coarse lattice, or a thick amorphous blob) beside
    3-10 small particles with fine lattices (spacing 2-4 px);
  - vacuum edge (0.15): a crystal or particles on support, with 30-80 % of the field empty vacuum behind an irregular edge;
  - thick amorphous (0.20): a crystal or particles on support, with 30-80 % of the field a thick, nearly uniform
    amorphous region behind an irregular edge.
Every lattice has its own kind, orientation, column width, brightness, vacancies and brighter substitutional columns,
and sometimes an edge dislocation (displacement u = b/(2 pi) * atan2 around the core). Column spacings (the shortest
lattice translation) are drawn log-uniformly from 2-15 px.
Contrast, after a thickness gradient of up to +-20 % across the field: HAADF-like (bright columns on a dark vacuum,
a random contrast curve) or ABF-like (dark columns on a bright, slowly varying background; vacuum brightest, thick
amorphous regions dark).
Noise: Poisson shot noise at a random dose of 20-400 electrons at the brightest pixel, plus detector read noise.

Two families of scene settings (`FAMILIES`):
  - 'seen' (training and test): lattices square, hexagonal, rectangular, centred; 30 % of images ABF, 70 % HAADF;
  - 'unseen' (the held-out generalisation set): lattices honeycomb and dumbbell only, never drawn for 'seen', and every
    image ABF. The scene types and all other settings are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import ndimage

SIZE = 96
SPACINGS = (2.0, 15.0)  # px: range of column spacings, drawn log-uniformly
DOSES = (20.0, 400.0)  # electrons at the brightest pixel


@dataclass(frozen=True)
class Lattice:
    """A 2-D lattice of atom columns; vectors in units of the shortest translation (the column spacing)."""

    a1: tuple[float, float]
    a2: tuple[float, float]
    basis: tuple[tuple[float, float], ...] = ((0.0, 0.0),)  # columns in one cell, in fractions of a1 and a2

    @property
    def cell_area(self) -> float:
        """Cell area in units of spacing**2; the widest lattice-plane spacing is cell_area * spacing."""
        return abs(self.a1[0] * self.a2[1] - self.a1[1] * self.a2[0])


LATTICES = {
    'square': Lattice((1.0, 0.0), (0.0, 1.0)),
    'hexagonal': Lattice((1.0, 0.0), (0.5, np.sqrt(3) / 2)),
    'rectangular': Lattice((1.0, 0.0), (0.0, 1.6)),
    'centred': Lattice((1.0, 0.0), (np.cos(np.radians(70)), np.sin(np.radians(70)))),  # rhombic = centred rectangular
    'honeycomb': Lattice((1.0, 0.0), (0.5, np.sqrt(3) / 2), ((0.0, 0.0), (1 / 3, 1 / 3))),  # graphene-like
    'dumbbell': Lattice((1.0, 0.0), (0.0, 1.3), ((0.0, 0.0), (0.0, 0.27))),  # column pairs, like Si or GaAs [110]
}


@dataclass(frozen=True)
class Family:
    """Which scene settings the generator draws from."""

    lattices: tuple[str, ...]
    abf_probability: float
    stream: int  # separates the families' random streams


FAMILIES = {
    'seen': Family(('square', 'hexagonal', 'rectangular', 'centred'), abf_probability=0.3, stream=0),
    'unseen': Family(('honeycomb', 'dumbbell'), abf_probability=1.0, stream=1),
}


class Sample(NamedTuple):
    """One generated image and what went into it."""

    image: np.ndarray  # (SIZE, SIZE) float32, raw detector signal with noise
    structure: np.ndarray  # (SIZE, SIZE) the scattering map before contrast and noise
    scene: str
    contrast: str  # 'haadf' or 'abf'
    lattices: list[tuple[str, float]]  # (kind, spacing in px) of every lattice drawn


# ---- fields and regions ---------------------------------------------------------------------------------------------
def _grid() -> tuple[np.ndarray, np.ndarray]:
    return np.mgrid[:SIZE, :SIZE].astype(float)


def _smooth_field(rng, scale: float) -> np.ndarray:
    """A random field with unit standard deviation that varies over about `scale` px (a spline through coarse noise)."""
    coarse = rng.normal(size=(int(SIZE / scale) + 4,) * 2)
    coords = np.arange(SIZE) / scale + 1.5
    field = ndimage.map_coordinates(coarse, np.meshgrid(coords, coords, indexing='ij'), order=3, mode='nearest')
    return field / (field.std() + 1e-9)


def _region(rng, coverage: float, roughness: float) -> np.ndarray:
    """Mask (0-1, a 1 px soft edge) of one side of a random boundary covering `coverage` of the field.

    roughness 0 gives a straight edge; larger values bend it along a smooth random field.
    """
    r, c = _grid() - SIZE / 2
    angle = rng.uniform(0, 2 * np.pi)
    distance = r * np.sin(angle) + c * np.cos(angle) + 0.15 * SIZE * roughness * _smooth_field(rng, 24)
    return np.clip(distance - np.quantile(distance, 1 - coverage) + 0.5, 0, 1)


def _ellipse(rng, centre: np.ndarray, radius: float) -> np.ndarray:
    """Soft-edged (1 px) mask of a randomly elongated and oriented ellipse."""
    r, c = _grid()
    angle, ecc = rng.uniform(0, np.pi), rng.uniform(0.6, 1.0)
    u = (r - centre[0]) * np.cos(angle) + (c - centre[1]) * np.sin(angle)
    v = -(r - centre[0]) * np.sin(angle) + (c - centre[1]) * np.cos(angle)
    rho = np.hypot(u / radius, v / (radius * ecc))
    return np.clip((1 - rho) * radius + 0.5, 0, 1)


def _thin_support(rng) -> np.ndarray:
    """Thin amorphous carbon film: fine random texture, weak (0.05-0.3 of a column)."""
    tex = ndimage.gaussian_filter(rng.normal(size=(SIZE, SIZE)), rng.uniform(1.0, 3.0))
    return (tex - tex.min()) / (np.ptp(tex) + 1e-9) * rng.uniform(0.05, 0.3)


def _thick_amorphous(rng) -> np.ndarray:
    """Thick amorphous material: about as much mass as a column's peak (0.3-1.0), nearly uniform, slowly varying."""
    level = rng.uniform(0.3, 1.0)
    return level * (1 + 0.08 * _smooth_field(rng, 30)) + 0.03 * _thin_support(rng)


# ---- crystals ---------------------------------------------------------------------------------------------------------
def _columns(rng, lattice: Lattice, spacing: float, shape: tuple[int, int]) -> np.ndarray:
    """Column positions (K, 2) in px of a randomly placed and rotated lattice covering `shape` (with a margin)."""
    angle = rng.uniform(0, 2 * np.pi)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    a = spacing * np.array([lattice.a1, lattice.a2]) @ rot.T  # rows: the two lattice vectors
    # a point p = i a1 + j a2 has |i| = |p x a2| / |a1 x a2| <= |p| |a2| / cell area (and likewise j): cover the diagonal
    reach = np.hypot(*shape) + 3
    n = int(reach * np.linalg.norm(a, axis=1).max() / (spacing**2 * lattice.cell_area)) + 2
    ij = np.stack(np.meshgrid(np.arange(-n, n + 1), np.arange(-n, n + 1), indexing='ij'), -1).reshape(-1, 2)
    cells = rng.uniform(0, 1, 2) * np.array(shape) + ij @ a
    pts = (cells[:, None, :] + (np.array(lattice.basis) @ a)[None]).reshape(-1, 2)
    keep = np.all((pts > -12) & (pts < np.array(shape) + 12), axis=1)
    return pts[keep]


def _dislocation(points: np.ndarray, core: np.ndarray, burgers: float, angle: float) -> np.ndarray:
    """Displace columns by an edge dislocation's field along the slip direction."""
    d = points - core
    theta = np.arctan2(d[:, 0], d[:, 1]) - angle
    shift = burgers / (2 * np.pi) * theta
    return points + shift[:, None] * np.array([np.sin(angle), np.cos(angle)])


def _splat(points: np.ndarray, weights: np.ndarray, shape: tuple[int, int], margin: int) -> np.ndarray:
    """Bilinear deposit of point weights onto the pixel grid of `shape` widened by `margin` px on every side."""
    h, w = shape[0] + 2 * margin, shape[1] + 2 * margin
    r0, c0 = np.floor(points[:, 0] + margin).astype(int), np.floor(points[:, 1] + margin).astype(int)
    fr, fc = points[:, 0] + margin - r0, points[:, 1] + margin - c0
    img = np.zeros(h * w)
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr, cc = r0 + dr, c0 + dc
            ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            img += np.bincount(rr[ok] * w + cc[ok], (weights * wr * wc)[ok], minlength=h * w)
    return img.reshape(h, w)


def _crystal(rng, family: Family, shape: tuple[int, int], spacings=SPACINGS) -> tuple[np.ndarray, tuple[str, float]]:
    """One grain's columns (Gaussians of peak about 1) over `shape`, with vacancies, substitutions, maybe a dislocation.

    Returns the map and (lattice kind, spacing in px). Column width grows with the spacing, as both scale with the
    magnification.
    """
    kind = str(rng.choice(family.lattices))
    spacing = float(np.exp(rng.uniform(*np.log(spacings))))
    pts = _columns(rng, LATTICES[kind], spacing, shape)
    if rng.random() < 0.3:
        core = rng.uniform(0.2, 0.8, 2) * np.array(shape)
        pts = _dislocation(pts, core, spacing, rng.uniform(0, np.pi))
    weights = np.full(len(pts), rng.uniform(0.8, 1.2))
    weights[rng.random(len(pts)) < rng.uniform(0.0, 0.06)] = 0.0  # vacancies
    weights[rng.random(len(pts)) < rng.uniform(0.0, 0.04)] *= rng.uniform(1.5, 2.5)  # heavier substitutions
    sigma = max(0.4, spacing * rng.uniform(0.1, 0.22))
    margin = int(3 * sigma) + 2  # so that columns just outside the field still spread into it
    columns = ndimage.gaussian_filter(_splat(pts, weights, shape, margin), sigma) * (2 * np.pi * sigma**2)
    return columns[margin:-margin, margin:-margin], (kind, spacing)


def _add_particle(rng, family: Family, structure: np.ndarray, radius: float, spacings=SPACINGS) -> tuple[str, float]:
    """Add a crystalline particle of about `radius` px at a random place (rendered only in its bounding box)."""
    centre = rng.uniform(0.05, 0.95, 2) * SIZE
    mask = _ellipse(rng, centre, radius)
    lo = np.clip(np.floor(centre - radius - 2).astype(int), 0, SIZE)
    hi = np.clip(np.ceil(centre + radius + 2).astype(int), 0, SIZE)
    box = (slice(lo[0], hi[0]), slice(lo[1], hi[1]))
    columns, lattice = _crystal(rng, family, tuple(hi - lo), spacings)
    structure[box] += mask[box] * columns * rng.uniform(0.6, 1.4)
    return lattice


# ---- scenes: each returns (scattering map, lattices drawn) ------------------------------------------------------------
def _scene_crystal(rng, family):
    columns, lattice = _crystal(rng, family, (SIZE, SIZE))
    return columns + _thin_support(rng), [lattice]


def _scene_grains(rng, family):
    structure, lattice = _crystal(rng, family, (SIZE, SIZE))
    lattices = [lattice]
    for _ in range(rng.integers(1, 3)):
        columns, lattice = _crystal(rng, family, (SIZE, SIZE))
        inside = _region(rng, rng.uniform(0.25, 0.6), rng.uniform(0, 0.3))
        structure = inside * columns + (1 - inside) * structure
        lattices.append(lattice)
    return structure + _thin_support(rng), lattices


def _scene_nanoparticles(rng, family):
    structure = _thin_support(rng)
    lattices = [_add_particle(rng, family, structure, rng.uniform(5, 24)) for _ in range(rng.integers(1, 7))]
    return structure, lattices


def _scene_mixed_scales(rng, family):
    structure = _thin_support(rng)
    lattices = []
    for _ in range(rng.integers(1, 3)):
        radius = rng.uniform(14, 30)
        if rng.random() < 0.5:
            lattices.append(_add_particle(rng, family, structure, radius, spacings=(8.0, 15.0)))
        else:
            structure += _ellipse(rng, rng.uniform(0.1, 0.9, 2) * SIZE, radius) * _thick_amorphous(rng)
    lattices += [_add_particle(rng, family, structure, rng.uniform(3, 9), (2.0, 4.0)) for _ in range(rng.integers(3, 11))]
    return structure, lattices


def _material(rng, family):
    """What sits beside a large uniform region: a crystal (60 %) or nanoparticles, on the support."""
    return _scene_crystal(rng, family) if rng.random() < 0.6 else _scene_nanoparticles(rng, family)


def _scene_vacuum_edge(rng, family):
    structure, lattices = _material(rng, family)
    return (1 - _region(rng, rng.uniform(0.3, 0.8), rng.uniform(0.2, 1.0))) * structure, lattices


def _scene_thick_amorphous(rng, family):
    structure, lattices = _material(rng, family)
    thick = _region(rng, rng.uniform(0.3, 0.8), rng.uniform(0.2, 1.0))
    return thick * _thick_amorphous(rng) + (1 - thick) * structure, lattices


SCENES = {
    'crystal': (0.15, _scene_crystal),
    'grains': (0.15, _scene_grains),
    'nanoparticles': (0.20, _scene_nanoparticles),
    'mixed scales': (0.15, _scene_mixed_scales),
    'vacuum edge': (0.15, _scene_vacuum_edge),
    'thick amorphous': (0.20, _scene_thick_amorphous),
}


# ---- detector contrast and noise ----------------------------------------------------------------------------------------
def _thickness(rng, structure: np.ndarray) -> np.ndarray:
    """The scattering map times a linear thickness gradient of up to +-20 % across the field."""
    r, c = _grid() / SIZE
    return structure * (1 + rng.uniform(-0.2, 0.2) * r + rng.uniform(-0.2, 0.2) * c)


def _haadf(rng, structure: np.ndarray) -> np.ndarray:
    """HAADF-like: signal grows with projected mass (zero in vacuum), through a random contrast curve."""
    return np.clip(_thickness(rng, structure), 0, None) ** rng.uniform(0.7, 1.4)


def _abf(rng, structure: np.ndarray) -> np.ndarray:
    """ABF-like: mass scatters electrons out of the bright beam, so columns and thick regions are dark and vacuum is
    brightest; the beam's background itself varies slowly by up to a few % (detector response, descan)."""
    background = 1 + rng.uniform(0.0, 0.03) * _smooth_field(rng, 40)
    return background * np.exp(-rng.uniform(0.3, 0.9) * _thickness(rng, structure))


def _noise(rng, signal: np.ndarray) -> np.ndarray:
    """Poisson counts at a random dose (electrons at the brightest pixel), back in units of that dose, plus the
    detector's Gaussian read noise (0-2 % of the brightest pixel), so that even vacuum is not exactly flat."""
    dose = rng.uniform(*DOSES)
    counts = rng.poisson(signal / (signal.max() + 1e-9) * dose) / dose
    return counts + rng.normal(0, rng.uniform(0, 0.02), signal.shape)


def family_settings(family: str) -> Family:
    """The settings of a named family, or a clear error."""
    if family not in FAMILIES:
        raise ValueError(f'family must be one of {sorted(FAMILIES)}, got {family!r}')
    return FAMILIES[family]


def generate_sample(rng: np.random.Generator, family: str = 'seen') -> Sample:
    """One raw (unnormalised, noisy) procedural STEM image and its settings."""
    fam = family_settings(family)
    names = list(SCENES)
    scene = names[rng.choice(len(names), p=[SCENES[s][0] for s in names])]
    structure, lattices = SCENES[scene][1](rng, fam)
    contrast = 'abf' if rng.random() < fam.abf_probability else 'haadf'
    signal = _abf(rng, structure) if contrast == 'abf' else _haadf(rng, structure)
    return Sample(_noise(rng, signal).astype(np.float32), structure, scene, contrast, lattices)


def generate_samples(n: int, seed: int, family: str = 'seen') -> Iterator[Sample]:
    """n samples, one at a time; sample k depends only on (seed, family, k)."""
    stream = family_settings(family).stream
    return (generate_sample(np.random.default_rng([seed, stream, k]), family) for k in range(n))


def generate_images(n: int, seed: int, family: str = 'seen') -> np.ndarray:
    """n raw images (n, 96, 96) float32 of a family ('seen' or 'unseen'); image k depends only on (seed, family, k)."""
    images = np.zeros((n, SIZE, SIZE), np.float32)
    for k, sample in enumerate(generate_samples(n, seed, family)):
        images[k] = sample.image
    return images


def save_examples(path, seed: int = 0, per_row: int = 8) -> None:
    """A grey-scale PNG grid of raw examples: one row per scene type of the 'seen' family, then a row of 'unseen'."""
    import io

    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from PIL import Image

    rows = {scene: [] for scene in SCENES}
    for sample in generate_samples(60 * per_row, seed):
        if len(rows[sample.scene]) < per_row:
            rows[sample.scene].append(sample)
    rows['unseen family'] = list(generate_samples(per_row, seed, 'unseen'))
    fig, axes = plt.subplots(len(rows), per_row, figsize=(1.6 * per_row, 1.75 * len(rows)))
    for ax_row, (name, samples) in zip(axes, rows.items()):
        for ax, sample in zip(ax_row, samples):
            spacings = ','.join(f'{s:.0f}' for _, s in sample.lattices[:3])
            ax.imshow(sample.image, cmap='gray', interpolation='nearest')
            ax.set_title(f'{sample.contrast.upper()} {spacings}px' if spacings else sample.contrast.upper(), fontsize=7)
            ax.set_xticks([]), ax.set_yticks([])
        ax_row[0].set_ylabel(name, fontsize=8)
    fig.suptitle(
        'procedural STEM images (raw, 96 x 96 px): scene type per row; title: contrast, lattice spacings', fontsize=9
    )
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=90)
    plt.close(fig)
    Image.open(buffer).convert('L').save(path, optimize=True)  # grey scale: a third of the size of RGBA
