"""The NumPy interpreter of the traced core equals da4ml's compiled one integer for integer, and the board's host program
runs with it where neither da4ml, HGQ2, Keras nor TensorFlow is installed."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from host_helpers import PYTHON, ROOT

from hls.build_hls import random_inputs
from hls.integer_graph import IntegerGraph
from hls.reference import Da4mlGraph, ReferenceActor

ACTOR = ROOT / 'hls' / 'actors' / 'default'


def test_numpy_interpreter_equals_da4ml_on_every_output():
    inputs, _ = random_inputs(ReferenceActor.from_file(ACTOR, engine='numpy'), 3000, seed=0)  # whole formats, extremes
    x = np.concatenate(inputs, 1).astype(np.float64)
    expected = Da4mlGraph(ACTOR / 'comb_logic.json')(x)
    got = IntegerGraph.load(ACTOR / 'comb_logic.json')(x)
    assert np.array_equal(got, expected)
    assert len(np.unique(expected[:, 0])) > 10  # outputs vary, the comparison is not trivially of constants


def test_numpy_and_da4ml_reference_scan_identically():
    from hls.scan import reference_scans
    from training.data import load_split

    images = load_split('procedural', 'test')[:6].astype(np.float32)
    a = reference_scans(ReferenceActor.from_file(ACTOR, engine='numpy'), images)
    b = reference_scans(ReferenceActor.from_file(ACTOR, engine='da4ml'), images)
    for key in ('action', 'h', 'c', 'obs'):
        assert np.array_equal(a[key], b[key]), key


def test_not_a_comb_logic_file_is_refused(tmp_path):
    (tmp_path / 'bad.json').write_text(json.dumps({'ops': []}))
    with pytest.raises(ValueError, match='comb_logic'):
        IntegerGraph.load(tmp_path / 'bad.json')
    data = json.loads((ACTOR / 'comb_logic.json').read_text())
    data[5][-1][2] = 10  # a bitwise op this interpreter does not implement
    with pytest.raises(ValueError, match='opcodes \\[10\\]'):
        IntegerGraph(data)
    with pytest.raises(ValueError, match='engine'):
        ReferenceActor.from_file(ACTOR, engine='verilog')


BOARD = """
import runpy, sys
for name in ('tensorflow', 'keras', 'da4ml', 'hgq', 'hls4ml'):
    sys.modules[name] = None  # as on the PYNQ-Z2: importing any of them raises ImportError
sys.argv = ['host/run_scan.py', *sys.argv[1:]]
runpy.run_path('host/run_scan.py', run_name='__main__')
"""


def test_host_reference_backend_runs_without_da4ml_or_tensorflow(tmp_path):
    from host.store import ScanStore
    from training.data import load_split

    args = ['--actor', 'reference', '--scans', '3', '--server', 'none', '--dwell-us', '0', '--out', str(tmp_path)]
    r = subprocess.run([PYTHON, '-c', BOARD, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    store = ScanStore(tmp_path)
    ids = sorted(store.pending_ids())
    assert len(ids) == 3
    # the same decisions as the da4ml-backed reference on the same (noiseless) images
    from hls.scan import reference_scans

    images = load_split('procedural', 'test')[:3].astype(np.float32)
    ref = reference_scans(ReferenceActor.from_file(ACTOR, engine='da4ml'), images)
    for n, scan_id in enumerate(ids):
        arrays, _ = store.load(scan_id)
        assert np.array_equal(arrays['actions_q'], ref['action'][n])


@pytest.mark.parametrize(
    'mode, wraps, expected', [('WRAP', 4, [[-8, 5], [3, 6], [-7, 7]]), ('SAT', 0, [[-8, 7], [3, 6], [7, -8]])]
)
def test_the_wrap_counter_counts_overflows(tmp_path, mode, wraps, expected):
    """3 x over 4-bit integers: a wrapping quantizer overflows on 4 of 6 elements (and is counted), a saturating one clips
    them and counts none; both as da4ml computes them."""
    from da4ml.trace import FixedVariableArrayInput, comb_trace

    x = FixedVariableArrayInput((2,)).quantize(1, 3, 0)
    logic = comb_trace(x, (x * 3).quantize(1, 3, 0, mode))
    logic.save(tmp_path / 'g.json')
    graph = IntegerGraph.load(tmp_path / 'g.json')
    inputs = np.array([[-8.0, 7.0], [1.0, 2.0], [3.0, -3.0]])
    assert graph(inputs).tolist() == expected == logic.predict(inputs).tolist()
    assert graph.wraps == wraps
