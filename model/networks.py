"""Keras 3 builders for the actor, critic and generator. No training code here.

The actor and critic are deep LSTMs written as *per-step cells*: a functional model with inputs
(x_t, h_1, c_1, ..., h_L, c_L) and outputs (y_t, h_1', c_1', ..., h_L', c_L'). Training unrolls the cell
over the T decisions; the FPGA core computes exactly one call of it per decision and keeps the state
between calls. Each layer is a standard LSTM (gates i, f, g, o; forget-gate bias initialised to 1):

    [i, f, g, o] = W x + U h + b,   c' = sigmoid(f) * c + sigmoid(i) * tanh(g),   h' = sigmoid(o) * tanh(c')
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from model.geometry import ScanGeometry
from model.observation import ACTION_DIM, obs_dim
from model.specs import GeneratorSpec, RecurrentSpec

GATES = (('i', 'sigmoid'), ('f', 'sigmoid'), ('g', 'tanh'), ('o', 'sigmoid'))


def _lstm_layer(x, h, c, units: int, name: str):
    """One LSTM step, one dense pair per gate (the layout the quantized hardware cell copies)."""
    act = {}
    for gate, activation in GATES:
        pre = layers.Add(name=f'{name}_{gate}_pre')(
            [
                layers.Dense(units, name=f'{name}_{gate}_x', bias_initializer='ones' if gate == 'f' else 'zeros')(x),
                layers.Dense(units, use_bias=False, name=f'{name}_{gate}_h', kernel_initializer='orthogonal')(h),
            ]
        )
        act[gate] = layers.Activation(activation, name=f'{name}_{gate}')(pre)
    c_new = layers.Add(name=f'{name}_c')([layers.Multiply()([act['f'], c]), layers.Multiply()([act['i'], act['g']])])
    h_new = layers.Multiply(name=f'{name}_h')([act['o'], layers.Activation('tanh')(c_new)])
    return h_new, c_new


def build_recurrent_cell(input_dim: int, output_dim: int, spec: RecurrentSpec, name: str) -> keras.Model:
    """A deep-LSTM step: (x, h_1, c_1, ..., h_L, c_L) -> (y, h_1', c_1', ..., h_L', c_L')."""
    x_in = keras.Input((input_dim,), name='x')
    state_in = []
    for layer in range(spec.depth):
        state_in += [keras.Input((spec.units,), name=f'h{layer}'), keras.Input((spec.units,), name=f'c{layer}')]
    x, state_out = x_in, []
    for layer in range(spec.depth):
        h, c = _lstm_layer(x, state_in[2 * layer], state_in[2 * layer + 1], spec.units, f'lstm{layer}')
        state_out += [h, c]
        x = h
    y = layers.Dense(output_dim, name='head')(x)
    return keras.Model([x_in, *state_in], [y, *state_out], name=name)


def build_actor(geometry: ScanGeometry, spec: RecurrentSpec = RecurrentSpec()) -> keras.Model:
    """Actor mu: observation x_t -> action vector (2 numbers, direction = v / |v|), plus the new state."""
    return build_recurrent_cell(obs_dim(geometry), ACTION_DIM, spec, 'actor')


def build_critic(geometry: ScanGeometry, spec: RecurrentSpec = RecurrentSpec()) -> keras.Model:
    """Critic Q: (observation x_t, direction a_t) -> predicted discounted future loss, plus the new state."""
    return build_recurrent_cell(obs_dim(geometry) + ACTION_DIM, 1, spec, 'critic')


def build_generator(geometry: ScanGeometry, spec: GeneratorSpec = GeneratorSpec(), in_channels: int = 2) -> keras.Model:
    """Residual CNN completing a partial scan (H, W, 2: values and mask) into an image (H, W, 1).

    conv c -> conv 2c /2 -> conv 4c /2 -> residual blocks at 1/4 resolution -> transposed conv 2c x2 -> c x2 -> conv c
    -> conv 1 (the paper's generator for c = 32, 5 blocks). With `skips`, a U-Net: the features of each encoder
    resolution (and the partial scan itself) are concatenated to the decoder's at the same resolution. `in_channels`:
    the same layout over more input planes (the ERD network's, training/erd.py).
    """
    c = spec.channels
    conv = lambda n, stride=1, act='relu': layers.Conv2D(n, 3, strides=stride, padding='same', activation=act)  # noqa: E731
    up = lambda n: layers.Conv2DTranspose(n, 3, strides=2, padding='same', activation='relu')  # noqa: E731
    join = lambda x, skip: layers.Concatenate()([x, skip]) if spec.skips else x  # noqa: E731
    s = keras.Input((geometry.image_size, geometry.image_size, in_channels), name='partial_scan')
    full = conv(c)(s)
    half = conv(2 * c, 2)(full)
    x = conv(4 * c, 2)(half)
    for _ in range(spec.residual_blocks):
        r = conv(4 * c)(x)
        r = conv(4 * c)(r)
        r = conv(4 * c, act=None)(r)
        x = layers.Activation('relu')(layers.Add()([x, r]))
    x = up(2 * c)(x)
    x = up(c)(join(x, half))
    x = conv(c)(join(x, layers.Concatenate()([full, s]) if spec.skips else full))
    out = layers.Conv2D(1, 3, padding='same', name='completion')(x)
    return keras.Model(s, out, name='generator')


def initialise(model: keras.Model, seed: int) -> None:
    """Draw every weight afresh from its layer's initializer with a NumPy generator.

    Keras initializers draw from each backend's own random generator, so the same seed gives different weights on
    TensorFlow and JAX; drawn here, a seed gives the same network on every backend. The builders above use only these
    initializers: Glorot uniform (Keras's default), orthogonal, zeros and ones.
    """
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for name in ('kernel', 'bias'):
            var = getattr(layer, name, None)
            if var is None:
                continue
            init = layer.get_config()[f'{name}_initializer']['class_name']
            var.assign(_draw(init, tuple(var.shape), rng).astype(np.float32))


def _draw(initializer: str, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    if initializer in ('Zeros', 'Ones'):
        return np.full(shape, 1.0 if initializer == 'Ones' else 0.0)
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    if initializer == 'GlorotUniform':
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape)
    if initializer == 'Orthogonal':
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        return (q if rows >= cols else q.T).reshape(shape)
    raise ValueError(f'no NumPy initializer for {initializer!r}')
