"""The quantized per-step actor cell (HGQ2): (observation, h, c) -> (action, h', c'), one decision per call.

hls4ml's LSTM resets its state every call and its Keras parser takes no state inputs, and hls4ml lists recurrent layers as
unsupported with HGQ2; so the cell is composed of layers that HGQ2, hls4ml and da4ml all support (DESIGN.md section 6):
per gate a QDense on the observation plus a bias-free QDense on h, a QAdd, a table-based sigmoid/tanh
(QUnaryFunctionLUT); c' = f*c + i*g with QMultiply/QAdd; h' = o*tanh(c_sum), where c' is c_sum saturated to its format.
The recurrent state lives in the wrapper.

The gate matrices are ~80 % of the core's logic. Their QDense layers keep their input quantizers: HGQ2 counts a layer's
EBOPs (bits of input x bits of weight, summed over the multiply-adds) only where it has one, and beta0 times the EBOPs is
the training penalty that prunes weight and input bits. The head keeps none: its input is h', whose saturating quantizer
hls4ml would otherwise fuse with the head's and lose.

Fixed formats where values cross the core's boundary (so the wrapper can feed h', c' back bit for bit):
  observation: the contract's input grid (ap_fixed<10,2>), h and h': `h_format`, c and c': `c_format`, action: the
  contract's output grid; all saturating. Everything inside (weights, gate sums, tables) has learned bit widths.

Saturate, never wrap: training keeps HGQ2's WRAP datalanes (their integer bits are what `hgq.utils.trace_minmax` measures
on calibration inputs); the exported cell is `saturating(model)`, the same weights and bit widths with every datalane
saturating at those bounds instead. A value beyond them (a saturated detector, an input nobody calibrated for) is clipped
in Keras, in hls4ml's C++ and in da4ml's graph and Verilog (a compare and a multiplexer per element), where WRAP flipped
its sign: the gate pre-activations in front of the sigmoid/tanh tables flipped gates. The datalanes saturate
symmetrically (SAT_SYM, +-(2**i - 2**-f), as the weights and the tables' outputs do): hls4ml 1.3's bit-exact pass keeps a
SAT_SYM quantizer's declared bounds wherever its input can exceed them, while it narrows a SAT one to its input's bits,
which moves the bound 2**i - 2**-f and mis-indexes the tables behind it (every output word differed). Only the three
input quantizers stay WRAP: their inputs are on their grids already (the contract's words), where WRAP and SAT are the
same function.
"""

from __future__ import annotations

import json

import keras
from hgq.config import LayerConfigScope, QuantizerConfig, QuantizerConfigScope
from hgq.layers import QAdd, QDense, QMultiply, Quantizer, QUnaryFunctionLUT

from hls.contract import ActorContract, FixedPoint

GATES = (('i', 'sigmoid'), ('f', 'sigmoid'), ('g', 'tanh'), ('o', 'sigmoid'))
INPUT_QUANTIZERS = ('obs_q', 'h_q', 'c_q')


def fixed_quantizer(fmt: FixedPoint, name: str, overflow: str = 'SAT') -> Quantizer:
    """A non-trainable quantizer onto a fixed grid: k sign bit, i integer bits (excl. sign), f fractional bits.

    Inputs use WRAP (da4ml cannot saturate a raw input; the contract puts inputs on the grid already, where WRAP = SAT).
    """
    config = QuantizerConfig(
        'kif', 'datalane', k0=int(fmt.signed), i0=fmt.integer - int(fmt.signed), f0=fmt.frac,
        round_mode='RND', overflow_mode=overflow, trainable=False, ic=None, fc=None,
    )  # fmt: skip
    return Quantizer(config, name=name)


def build_quantized_actor(
    contract: ActorContract, units: int, h_format: FixedPoint, c_format: FixedPoint, beta0: float = 1e-6
) -> keras.Model:
    """The HGQ2 per-step cell; inputs [obs, h, c], outputs [action, h', c']."""
    with (
        QuantizerConfigScope(place='weight', q_type='kbi', overflow_mode='SAT_SYM', round_mode='RND'),
        QuantizerConfigScope(place='bias', q_type='kbi', overflow_mode='SAT_SYM', round_mode='RND'),
        QuantizerConfigScope(place='datalane', q_type='kif', overflow_mode='WRAP', round_mode='RND'),
        LayerConfigScope(enable_ebops=True, beta0=beta0),
    ):
        obs_in = keras.Input((contract.obs_dim,), name='obs')
        h_in = keras.Input((units,), name='h')
        c_in = keras.Input((units,), name='c')
        obs, h, c = (
            fixed_quantizer(fmt, name, 'WRAP')(x)
            for fmt, name, x in zip((contract.input, h_format, c_format), INPUT_QUANTIZERS, (obs_in, h_in, c_in))
        )
        act = {}
        for gate, activation in GATES:
            pre = QAdd(name=f'{gate}_pre')(
                [
                    QDense(units, name=f'{gate}_x', bias_initializer='ones' if gate == 'f' else 'zeros')(obs),
                    QDense(units, name=f'{gate}_h', use_bias=False)(h),
                ]
            )
            act[gate] = QUnaryFunctionLUT(activation, name=f'{gate}_act', allow_heterogeneous_table=False)(pre)
        # c_sum keeps every fractional bit of f*c and i*g (no input quantizers), so c' is rounded and saturated onto
        # c_format from a finer grid. (hls4ml 1.3 narrows a saturating quantizer to its input's grid, which moves the
        # saturation bound 2**i - 2**-f off the contract's value when the input is coarser.)
        c_sum = QAdd(name='c_sum', enable_iq=False)(
            [QMultiply(name='fc')([act['f'], c]), QMultiply(name='ig')([act['i'], act['g']])]
        )
        c_new = fixed_quantizer(c_format, 'c_out')(c_sum)
        # tanh reads the sum before c' saturates (tanh is flat out there): two quantizers in a row (c_out, then the table's
        # input quantizer) would be fused into one by hls4ml, losing c''s saturation and shifting the table's index width
        tanh_c = QUnaryFunctionLUT('tanh', name='tanh_c', allow_heterogeneous_table=False)(c_sum)
        h_new = fixed_quantizer(h_format, 'h_out')(QMultiply(name='h_mul')([act['o'], tanh_c]))
        action = fixed_quantizer(contract.output, 'action_q')(QDense(2, name='head', enable_iq=False)(h_new))
    return keras.Model([obs_in, h_in, c_in], [action, h_new, c_new], name='quantized_actor')


def _saturate_datalanes(config):
    """Set every WRAP datalane quantizer config inside a (nested) layer config to SAT_SYM, in place."""
    if isinstance(config, dict):
        inner = config.get('config')
        if config.get('class_name') == 'QuantizerConfig' and inner.get('place') == 'datalane':
            if inner.get('overflow_mode') == 'WRAP':
                inner['overflow_mode'] = 'SAT_SYM'
        for value in config.values():
            _saturate_datalanes(value)
    elif isinstance(config, list):
        for value in config:
            _saturate_datalanes(value)


def saturating(model: keras.Model) -> keras.Model:
    """The same cell (weights, bit widths, integer bits as traced) with every internal datalane saturating (SAT_SYM)
    instead of wrapping (see the module docstring). Quantizer variables are copied sublayer by sublayer; WRAP's i_decay_speed,
    which only tracing uses, has no SAT counterpart."""
    config = json.loads(json.dumps(model.get_config()))
    for layer in config['layers']:
        if layer['name'] not in INPUT_QUANTIZERS:
            _saturate_datalanes(layer)
    sat = keras.Model.from_config(config)

    def own(layer):
        return {v.name: v for v in layer._trainable_variables + layer._non_trainable_variables}

    for layer in model.layers:
        old, new = list(layer._flatten_layers()), list(sat.get_layer(layer.name)._flatten_layers())
        if [type(x) for x in old] != [type(x) for x in new]:
            raise ValueError(f'layer {layer.name}: sublayers differ after the overflow change')
        for a, b in zip(old, new):
            source = own(a)
            for name, var in own(b).items():
                var.assign(source[name])
    return sat
