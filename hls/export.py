"""Export a trained quantized cell: calibrate its integer bits, make it saturate there, trace it with da4ml, write the
actor folder.

The caller (hls.distill) scans with the cell and passes the observations; this module needs neither TensorFlow's scanner
nor the data set.

    python -m hls.export --actor hls/actors/default   # an actor exported before saturation: saturate it, trace again

Folder contents (default hls/build/actor_q/):
    contract.json     the fixed-point contract (hls.contract.ActorContract)
    model.keras       the HGQ2 Keras model (inputs [obs, h, c], outputs [action, h', c'])
    comb_logic.json   the integer dataflow graph da4ml traced from it (hls.reference.ReferenceActor runs it)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from hls.contract import ActorContract, FixedPoint


def missing_actor_file(actor_dir: str | Path, name: str = 'comb_logic.json') -> str | None:
    """None when the actor folder holds `name`; otherwise the message that says how to make it."""
    path = Path(actor_dir) / name
    return None if path.exists() else f'{path} missing: export a quantized actor first (python -m hls.distill)'


def state_formats(contract: ActorContract) -> tuple[FixedPoint, FixedPoint]:
    return FixedPoint(**contract.state_formats['h']), FixedPoint(**contract.state_formats['c'])


def calibration_inputs(model, contract: ActorContract, observations: np.ndarray) -> list[np.ndarray]:
    """[obs, h, c] the cell meets on closed-loop scans (observations (N, T, obs_dim), e.g. hls.distill.closed_loop's),
    the states it reaches on them, plus the saturation extremes of every format."""
    units = contract.units
    h_fmt, c_fmt = state_formats(contract)
    obs = np.asarray(observations, np.float32)
    hs, cs, h, c = [], [], np.zeros((len(obs), units), np.float32), np.zeros((len(obs), units), np.float32)
    for t in range(obs.shape[1]):
        hs.append(h)
        cs.append(c)
        _, h, c = (np.asarray(a) for a in model([obs[:, t], h, c]))
    flat = [obs.reshape(-1, obs.shape[-1]), np.concatenate(hs), np.concatenate(cs)]
    lo = [
        np.full((1, d), fmt.to_float(fmt.qmin), np.float32)
        for d, fmt in ((contract.obs_dim, contract.input), (units, h_fmt), (units, c_fmt))
    ]
    hi = [
        np.full((1, d), fmt.to_float(fmt.qmax), np.float32)
        for d, fmt in ((contract.obs_dim, contract.input), (units, h_fmt), (units, c_fmt))
    ]
    return [np.concatenate([f, a, b]) for f, a, b in zip(flat, lo, hi)]


def trace(model):
    """da4ml CombLogic of the cell; inputs [obs | h | c] flattened, outputs [action | h' | c']."""
    from da4ml.converter import trace_model
    from da4ml.trace import comb_trace

    inp, out = trace_model(model)
    return comb_trace(inp, out, keep_dead_inputs=True)


def export(model, contract: ActorContract, out: Path, observations: np.ndarray) -> None:
    """Calibrate the cell's integer bits on closed-loop observations (N, T, obs_dim), make every datalane saturate at
    them (hls.quantized_actor.saturating), trace it, write the actor folder."""
    from hgq.utils import trace_minmax

    from hls.quantized_actor import saturating

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    trace_minmax(model, calibration_inputs(model, contract, observations), batch_size=4096)
    write_actor(saturating(model), contract, out)


def write_actor(model, contract: ActorContract, out: Path) -> None:
    """model.keras, comb_logic.json (da4ml's trace of the model) and contract.json into out."""
    model.save(out / 'model.keras')
    trace(model).save(out / 'comb_logic.json')
    contract.save(out / 'contract.json')


def main(argv=None) -> int:
    """Re-export an actor folder's cell saturating (its traced integer bits kept): how hls/actors/default was rebuilt."""
    from model.cli import Parser

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, required=True, help='actor folder (model.keras, contract.json)')
    args = p.parse_args(argv)
    if message := missing_actor_file(args.actor, 'model.keras'):
        print(f'error: {message}', file=sys.stderr)
        return 2
    import hgq  # noqa: F401  (registers the HGQ2 layers)
    import keras

    from hls.quantized_actor import saturating

    model = keras.models.load_model(args.actor / 'model.keras', compile=False)
    write_actor(saturating(model), ActorContract.from_json(args.actor / 'contract.json'), args.actor)
    print(f'wrote {args.actor}: every internal datalane saturates')
    return 0


if __name__ == '__main__':
    sys.exit(main())
