"""The integer reference actor equals the HGQ2 cell bit for bit over full closed-loop scans of real test images."""

from pathlib import Path

import numpy as np
import pytest

ACTOR = Path(__file__).resolve().parents[1] / 'hls' / 'actors' / 'default'


@pytest.fixture(scope='module')
def actor_and_model():
    import hgq  # noqa: F401  (registers the HGQ2 layers)
    import keras

    from hls.reference import ReferenceActor

    return ReferenceActor.from_file(ACTOR), keras.models.load_model(ACTOR / 'model.keras', compile=False)


def test_reference_equals_hgq2_model_over_full_scans(actor_and_model):
    from hls.scan import reference_scans
    from training.data import load_split

    actor, model = actor_and_model
    images = load_split('procedural', 'test')[:16].astype(np.float32)
    scans = reference_scans(actor, images, model)
    assert scans['mismatches'] == 0
    assert scans['action'].shape == (16, actor.contract.geometry.segments, 2)
    assert len(np.unique(scans['action'].reshape(-1, 2), axis=0)) > 1  # the actor reacts to what it sees


def test_every_internal_datalane_saturates(actor_and_model):
    """The committed cell: no quantizer but the three input ones (whose inputs are on their grids) may wrap."""
    from hls.quantized_actor import INPUT_QUANTIZERS

    _, model = actor_and_model
    modes = {}
    for layer in model.layers:
        for sub in layer._flatten_layers():
            if hasattr(sub, 'overflow_mode') and not getattr(sub, '_is_weight', True):
                modes.setdefault(layer.name, set()).add(sub.overflow_mode)
    wrapping = sorted(name for name, m in modes.items() if 'WRAP' in m)
    assert wrapping == sorted(INPUT_QUANTIZERS)
    assert len(modes) > 20  # every layer with datalane quantizers was looked at


def test_never_wraps_and_equals_the_saturating_keras_cell_at_the_extremes(actor_and_model):
    """Extreme observations (all max, all min, zero, alternating, uniform over the whole grid) with h and c drawn over
    their whole formats, and the sequencer's whole scans of saturated, dark, negative full-scale, salt-and-pepper and
    uniform detector images: the integer graph counts 0 wraps, and the HGQ2 Keras cell (float arithmetic, saturating
    quantizers: a reference independent of da4ml's graph, which the Verilog is generated from) gives the same integers."""
    from hls.build_hls import extreme_scan_inputs, mismatches
    from hls.extremes import extreme_observations
    from hls.integer_graph import IntegerGraph

    actor, model = actor_and_model
    c = actor.contract
    rng = np.random.default_rng(4)
    obs = extreme_observations(c, 400, seed=4)
    h = rng.integers(actor.h_format.qmin, actor.h_format.qmax + 1, (len(obs), c.units))
    cs = rng.integers(actor.c_format.qmin, actor.c_format.qmax + 1, (len(obs), c.units))
    h[:4], cs[:4] = actor.h_format.qmax, actor.c_format.qmin  # the fixed patterns with the state at its ends
    refs = actor.cell(obs, h, cs)
    inputs = [np.float32(f.to_float(q)) for f, q in zip((c.input, actor.h_format, actor.c_format), (obs, h, cs))]
    scan_in, scan_refs = extreme_scan_inputs(actor)
    assert mismatches(model.predict(inputs, verbose=0), actor, refs) == {'action': 0, 'h': 0, 'c': 0}
    assert mismatches(model.predict(scan_in, verbose=0), actor, scan_refs) == {'action': 0, 'h': 0, 'c': 0}
    graph = IntegerGraph.load(ACTOR / 'comb_logic.json')
    graph(np.concatenate([np.concatenate(inputs, 1), np.concatenate(scan_in, 1)]).astype(np.float64))
    assert graph.wraps == 0
    assert len(np.unique(refs[0], axis=0)) > 10 and len(np.unique(scan_refs[0], axis=0)) > 3  # not constant outputs


def test_first_decision_resets_state(actor_and_model):
    actor, _ = actor_and_model
    rng = np.random.default_rng(1)
    obs = rng.integers(actor.contract.input.qmin, actor.contract.input.qmax + 1, (5, 22))
    actor.reset()
    a = [actor.step(o, first=i == 0) for i, o in enumerate(obs)]
    for o in obs[:3]:
        actor.step(o)  # state far from zero
    b = [actor.step(o, first=i == 0) for i, o in enumerate(obs)]
    assert np.array_equal(np.array(a), np.array(b))


def test_batch_equals_single(actor_and_model):
    actor, _ = actor_and_model
    rng = np.random.default_rng(2)
    obs = rng.integers(actor.contract.input.qmin, actor.contract.input.qmax + 1, (4, 3, 22))
    actor.reset(4)
    batch = np.stack([actor.step(obs[:, t], first=t == 0) for t in range(3)], 1)
    for n in range(4):
        single = np.stack([actor.step(obs[n, t], first=t == 0) for t in range(3)])
        assert np.array_equal(single, batch[n])


def test_missing_actor_folder_says_what_to_do(tmp_path):
    from hls.reference import ReferenceActor

    with pytest.raises(FileNotFoundError, match='hls.distill'):
        ReferenceActor.from_file(tmp_path)


def test_every_gate_matrix_carries_the_bit_pruning_penalty():
    """HGQ2 counts EBOPs only in layers with an input quantizer: without it the gate matrices (most of the core's logic)
    would train at full width whatever beta0 is."""
    import keras

    from hls.contract import DEFAULT_CONTRACT, FixedPoint
    from hls.quantized_actor import GATES, build_quantized_actor

    model = build_quantized_actor(DEFAULT_CONTRACT, 4, FixedPoint(8, 1), FixedPoint(12, 4), beta0=1e-6)
    model([np.zeros((2, 22), np.float32), np.zeros((2, 4), np.float32), np.zeros((2, 4), np.float32)], training=True)
    for gate, _ in GATES:
        for part in ('x', 'h'):
            layer = model.get_layer(f'{gate}_{part}')
            assert layer.enable_ebops and float(keras.ops.convert_to_numpy(layer.ebops)) > 0, layer.name
    assert len(model.losses) > 0


def test_export_writes_an_actor_folder_the_reference_runs(tmp_path):
    """hls.export on a small fresh cell, calibrated on given observations (it scans nothing itself): the folder loads
    and the integer reference equals the cell on the calibration inputs."""
    import hgq  # noqa: F401
    import keras

    from hls.contract import C_FORMAT, H_FORMAT, ActorContract
    from hls.export import calibration_inputs, export
    from hls.quantized_actor import build_quantized_actor
    from hls.reference import ReferenceActor

    keras.utils.set_random_seed(0)
    contract = ActorContract(units=4, state_formats={'h': vars(H_FORMAT), 'c': vars(C_FORMAT)})
    model = build_quantized_actor(contract, 4, H_FORMAT, C_FORMAT)
    obs = contract.input.to_float(np.random.default_rng(0).integers(-256, 256, (3, 20, contract.obs_dim)))
    export(model, contract, tmp_path, obs)
    ref = ReferenceActor.from_file(tmp_path)
    x = calibration_inputs(model, contract, obs)
    ints = [contract.input.quantize(x[0]), H_FORMAT.quantize(x[1]), C_FORMAT.quantize(x[2])]
    action, h, c = ref.cell(*ints)
    kv, kh, kc = (np.asarray(a, np.float64) for a in model([f.to_float(q).astype(np.float32) for f, q in
                                                             zip((contract.input, H_FORMAT, C_FORMAT), ints)]))  # fmt: skip
    assert np.array_equal(action, contract.output.quantize(kv)) and np.array_equal(h, H_FORMAT.quantize(kh))
    assert np.array_equal(c, C_FORMAT.quantize(kc))
