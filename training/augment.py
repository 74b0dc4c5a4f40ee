"""The 16-fold augmentation of training images in `keras.ops` (any backend): the paper's 8 flips/rotations x inversion.

k in 0..15: k % 4 quarter turns, (k // 4) % 2 = 1 transposed first, k >= 8 contrast inverted (-I: dark columns on a
bright background, ABF-like, from a HAADF-like image). `training.data.augment` is the same map in NumPy.
"""

from __future__ import annotations

from keras import ops

FLIPS = 8
"""the paper's flips and quarter turns; k >= FLIPS adds the contrast inversion"""


def _quarter_turns(images, turns: int):
    """np.rot90(image, turns) for a batch (N, H, W): counter-clockwise quarter turns."""
    for _ in range(turns):
        images = ops.flip(ops.transpose(images, (0, 2, 1)), axis=1)
    return images


def augment(images, k):
    """Images (N, H, W) -> the k-th variant of each (k: (N,) int32 in 0..15)."""
    transposed = ops.transpose(images, (0, 2, 1))
    variants = ops.stack([_quarter_turns(base, r) for base in (images, transposed) for r in range(4)], axis=1)
    k = ops.cast(k, 'int32')
    picked = ops.take_along_axis(variants, ops.reshape(k % FLIPS, (-1, 1, 1, 1)), axis=1)[:, 0]
    return ops.where(ops.reshape(k >= FLIPS, (-1, 1, 1)), -picked, picked)
