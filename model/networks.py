"""Keras 3 builders for the actor, critic and generator. No training code here.

The actor and critic are deep LSTMs written as *per-step cells*: a functional model with inputs
(x_t, h_1, c_1, ..., h_L, c_L) and outputs (y_t, h_1', c_1', ..., h_L', c_L'). Training unrolls the cell
over the T decisions; the FPGA core computes exactly one call of it per decision and keeps the state
between calls. Each layer is a standard LSTM (gates i, f, g, o; forget-gate bias initialised to 1):

    [i, f, g, o] = W x + U h + b,   c' = sigmoid(f) * c + sigmoid(i) * tanh(g),   h' = sigmoid(o) * tanh(c')
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from model.geometry import ScanGeometry
from model.observation import ACTION_DIM, obs_dim


@dataclass(frozen=True)
class RecurrentSpec:
    units: int = 256
    """LSTM units per layer"""
    depth: int = 2
    """stacked LSTM layers"""


@dataclass(frozen=True)
class GeneratorSpec:
    channels: int = 32
    """channels of the first convolution (the paper's generator: 32, widening to 4x at 1/4 resolution)"""
    residual_blocks: int = 5
    """residual blocks of three 3x3 convolutions at 1/4 resolution"""


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


def build_generator(geometry: ScanGeometry, spec: GeneratorSpec = GeneratorSpec()) -> keras.Model:
    """Residual CNN completing a partial scan (H, W, 2: values and mask) into an image (H, W, 1)."""
    c = spec.channels
    conv = lambda n, stride=1, act='relu': layers.Conv2D(n, 3, strides=stride, padding='same', activation=act)  # noqa: E731
    s = keras.Input((geometry.image_size, geometry.image_size, 2), name='partial_scan')
    x = conv(c)(s)
    x = conv(2 * c, 2)(x)
    x = conv(4 * c, 2)(x)
    for _ in range(spec.residual_blocks):
        r = conv(4 * c)(x)
        r = conv(4 * c)(r)
        r = conv(4 * c, act=None)(r)
        x = layers.Activation('relu')(layers.Add()([x, r]))
    x = layers.Conv2DTranspose(2 * c, 3, strides=2, padding='same', activation='relu')(x)
    x = layers.Conv2DTranspose(c, 3, strides=2, padding='same', activation='relu')(x)
    x = conv(c)(x)
    out = layers.Conv2D(1, 3, padding='same', name='completion')(x)
    return keras.Model(s, out, name='generator')


def zero_state(spec: RecurrentSpec, batch: int):
    """Initial (all-zero) recurrent state list for a batch: [h_1, c_1, ..., h_L, c_L]."""
    return [keras.ops.zeros((batch, spec.units)) for _ in range(2 * spec.depth)]
