"""tf.data input pipeline and the paper's 8-fold flip/rotation augmentation in TensorFlow."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def augment_tf(images: tf.Tensor, k) -> tf.Tensor:
    """Flip/rotate images (N, H, W) by k in 0..7 (scalar or per image): k % 4 quarter turns, k >= 4 transposed first."""
    images = tf.convert_to_tensor(images)
    k = tf.broadcast_to(tf.convert_to_tensor(k, tf.int32), tf.shape(images)[:1])
    transposed = tf.transpose(images, [0, 2, 1])
    variants = [tf.image.rot90(im[..., None], r)[..., 0] for im in (images, transposed) for r in range(4)]
    return tf.gather(tf.stack(variants, 1), k, batch_dims=1)


def image_dataset(images: np.ndarray, batch: int, seed: int, augment: bool = True, shuffle: bool = True) -> tf.data.Dataset:
    """Endless batches (batch, H, W) of prepared images, reshuffled every epoch and each image flipped/rotated at random.

    Deterministic for a seed: the same seed gives the same sequence of batches.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 3 or len(images) < batch:
        raise ValueError(f'need prepared images (N, H, W) with N >= batch={batch}, got shape {list(images.shape)}')
    ds = tf.data.Dataset.from_tensor_slices(images)
    if shuffle:
        ds = ds.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    ds = ds.repeat().batch(batch, drop_remainder=True)
    if augment:
        ks = tf.data.Dataset.random(seed=seed).map(lambda r: tf.cast(r % 8, tf.int32)).batch(batch)
        ds = tf.data.Dataset.zip((ds, ks)).map(augment_tf, num_parallel_calls=1, deterministic=True)
    return ds.prefetch(2)
