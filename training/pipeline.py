"""tf.data input pipeline and the paper's 8-fold flip/rotation augmentation in TensorFlow."""

from __future__ import annotations

import tensorflow as tf


def augment_tf(images: tf.Tensor, k) -> tf.Tensor:
    """Flip/rotate images (N, H, W) by k in 0..7 (scalar or per image): k % 4 quarter turns, k >= 4 transposed first."""
    images = tf.convert_to_tensor(images)
    k = tf.broadcast_to(tf.convert_to_tensor(k, tf.int32), tf.shape(images)[:1])
    transposed = tf.transpose(images, [0, 2, 1])
    variants = [tf.image.rot90(im[..., None], r)[..., 0] for im in (images, transposed) for r in range(4)]
    return tf.gather(tf.stack(variants, 1), k, batch_dims=1)
