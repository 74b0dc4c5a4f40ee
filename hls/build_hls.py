"""`make hls`: the quantized cell as an hls4ml Vitis HLS project, C-simulated bit-exactly against the Python reference.

    python -m hls.build_hls --actor hls/build/actor_q --out hls/build/hls4ml --images 16

Converts the HGQ2 model (backend Vitis, io_parallel), compiles the C simulation with g++ and runs full closed-loop scans
of test images: the observations and the state come from the integer reference; the C simulation gets the same
(obs, h, c) every step and its (action, h', c') must equal the reference's integers. Then whole scans of the sequencer at
the extremes of the detector word (hls.extremes: saturated, zero, negative full scale, salt and pepper, uniform) and
inputs drawn over the whole of each format (all-minimum and all-maximum included). Where `vitis_hls` is on PATH it also
runs C synthesis; otherwise it says so.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from hls.export import missing_actor_file


def convert(model, out: Path):
    import hls4ml

    config = hls4ml.utils.config_from_keras_model(model, granularity='name', backend='Vitis')
    hls_model = hls4ml.converters.convert_from_keras_model(
        model,
        hls_config=config,
        output_dir=str(out),
        backend='Vitis',
        io_type='io_parallel',
        part='xc7z020clg400-1',
        clock_period=10,
    )
    restore_saturation_bounds(hls_model)
    hls_model.compile()
    return hls_model


def restore_saturation_bounds(hls_model) -> None:
    """Give saturating quantizers back the widths the model declares.

    hls4ml 1.3's bit-exact pass narrows each quantizer, element by element, to the bits its input can carry. That is exact
    for rounding and wrapping, but for saturation it moves the bound 2**i - 2**-f: an element of c' whose input had 6
    fractional bits saturated at 7.984 in C++ and at 7.996 in Keras, da4ml and the RTL. The declared widths stay in the
    node's attributes: restore them and regenerate the node's C++ with hls4ml's own backend pass. (Uniform quantizers
    that hls4ml fuses into the previous layer are not nodes any more; `make hls` compares every output word with the
    reference, so a case this misses still fails loudly.)
    """
    from hls4ml.backends.fpga.passes.hgq_proxy_model import ProcessFixedPointQuantizerLayer

    for node in hls_model.get_layers():
        if node.class_name == 'FixedPointQuantizer' and node.SAT != 'WRAP':
            node.mask_kbi = node.attributes['mask_kbi']
            ProcessFixedPointQuantizerLayer().transform(hls_model, node)


def decision_inputs(actor, obs, h, c, action) -> tuple[list[np.ndarray], tuple]:
    """Scans' integer records (N, T, ...) -> the cell's float inputs [obs, h, c] per decision (h and c before it: zero
    at t = 0) and the reference's integer outputs (action, h', c')."""
    n, t_max = obs.shape[:2]
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], 1)
    c_prev = np.concatenate([np.zeros_like(c[:, :1]), c[:, :-1]], 1)
    flat = lambda a: a.reshape(n * t_max, -1)  # noqa: E731
    inputs = [
        actor.contract.input.to_float(flat(obs)),
        actor.h_format.to_float(flat(h_prev)),
        actor.c_format.to_float(flat(c_prev)),
    ]
    return [np.ascontiguousarray(x, np.float32) for x in inputs], (flat(action), flat(h), flat(c))


def scan_inputs(actor, images: np.ndarray) -> tuple[list[np.ndarray], tuple]:
    """decision_inputs of full closed-loop reference scans of images."""
    from hls.scan import reference_scans

    s = reference_scans(actor, images)
    return decision_inputs(actor, s['obs'], s['h'], s['c'], s['action'])


def extreme_scan_inputs(actor) -> tuple[list[np.ndarray], tuple]:
    """decision_inputs of the sequencer's whole scans of hls.extremes' detector images."""
    from hls.extremes import extreme_scans
    from hls.sequencer_model import run_scans

    runs = [run_scans(actor, raw[None], cal) for _, raw, cal in extreme_scans(actor.contract.geometry.image_size)]
    obs, h, c, act = (np.concatenate([r[k] for r in runs]) for k in ('observations', 'h', 'c', 'actions'))
    return decision_inputs(actor, obs, h, c, act)


def random_inputs(actor, n: int, seed: int = 0) -> tuple[list[np.ndarray], tuple]:
    """n cell inputs [obs, h, c] drawn uniformly over each whole format, plus the all-minimum and all-maximum vectors
    (where sums saturate and tables are read at their ends), and the reference's integer outputs for them."""
    rng = np.random.default_rng(seed)
    c = actor.contract
    fmts = ((c.input, c.obs_dim), (actor.h_format, c.units), (actor.c_format, c.units))
    ints = [
        np.concatenate([rng.integers(f.qmin, f.qmax + 1, (n, d)), np.full((1, d), f.qmin), np.full((1, d), f.qmax)])
        for f, d in fmts
    ]
    refs = actor.cell(*ints)
    return [np.ascontiguousarray(f.to_float(q), np.float32) for (f, _), q in zip(fmts, ints)], refs


def mismatches(outputs, actor, refs) -> dict:
    """Integer mismatches per output (action, h, c) of float outputs vs the reference integers."""
    fmts = (actor.contract.output, actor.h_format, actor.c_format)
    return {
        name: int(np.sum(np.round(np.asarray(o, np.float64).reshape(r.shape) * 2.0**f.frac).astype(np.int64) != r))
        for name, o, f, r in zip(('action', 'h', 'c'), outputs, fmts, refs)
    }


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path('hls/build/actor_q'))
    p.add_argument('--out', type=Path, default=Path('hls/build/hls4ml'))
    p.add_argument(
        '--images', type=integer(1, 10**9), default=16, help='test images scanned closed-loop (20 decisions each)'
    )
    p.add_argument(
        '--random', type=integer(0, 10**9), default=2000, help='extra decisions on inputs drawn over the whole formats'
    )
    args = p.parse_args(argv)
    if message := missing_actor_file(args.actor, 'model.keras'):
        print(f'error: {message}', file=sys.stderr)
        return 2
    import hgq  # noqa: F401
    import keras

    from hls.integer_graph import IntegerGraph
    from hls.reference import ReferenceActor
    from training.data import load_split

    model = keras.models.load_model(args.actor / 'model.keras', compile=False)
    actor = ReferenceActor.from_file(args.actor)
    images = load_split('procedural', 'test')[: args.images].astype(np.float32)
    parts = [scan_inputs(actor, images), extreme_scan_inputs(actor), random_inputs(actor, args.random)]
    inputs = [np.concatenate(xs) for xs in zip(*(p[0] for p in parts))]
    refs = tuple(np.concatenate(rs) for rs in zip(*(p[1] for p in parts)))
    keras_bad = mismatches(model.predict(inputs, verbose=0), actor, refs)
    hls_model = convert(model, args.out)
    csim_bad = mismatches(hls_model.predict([x.astype(np.float64) for x in inputs]), actor, refs)
    bad = sum(csim_bad.values())
    counter = IntegerGraph.load(args.actor / 'comb_logic.json')
    counter(np.concatenate(inputs, 1).astype(np.float64))
    report = {
        'decisions': len(inputs[0]),
        'scan_decisions': len(parts[0][0][0]),
        'extreme_scan_decisions': len(parts[1][0][0]),
        'mismatches': csim_bad,
        'keras_mismatches': keras_bad,
        'wraps': counter.wraps,
        'csynth': None,
    }
    if shutil.which('vitis_hls'):
        hls_model.build(csim=False, synth=True)
        import hls4ml

        report['csynth'] = hls4ml.report.read_vivado_report(str(args.out))
    else:
        print('vitis_hls not on PATH: C synthesis skipped (the C simulation needs only g++)')
    (args.out / 'csim.json').write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
    return 0 if bad == 0 and counter.wraps == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
