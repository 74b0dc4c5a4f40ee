"""The fixed-point contract (rounding, saturation, AXI-Stream packing) and `make rtl` (Verilog + Yosys count)."""

from pathlib import Path

import numpy as np
import pytest

from hls.contract import DEFAULT_CONTRACT, ActorContract, FixedPoint


def test_quantize_rounds_half_up_and_saturates():
    fmt = FixedPoint(10, 2)  # step 1/256, range [-2, 2)
    x = np.array([0.0, 1 / 512, -1 / 512, 3 / 512, 1.999, 2.5, -2.0, -7.0, 0.3])
    assert fmt.quantize(x).tolist() == [0, 1, 0, 2, 511, 511, -512, -512, 77]


def test_to_float_inverts_quantize_on_the_grid():
    fmt = FixedPoint(10, 2)
    q = np.arange(fmt.qmin, fmt.qmax + 1)
    assert np.array_equal(fmt.quantize(fmt.to_float(q)), q)


def test_quantize_rejects_nan():
    with pytest.raises(ValueError, match='non-finite'):
        FixedPoint(8, 1).quantize([np.nan])


def test_pack_unpack_round_trip_at_extremes():
    c = DEFAULT_CONTRACT
    rng = np.random.default_rng(0)
    for obs_q in (np.full(22, c.input.qmin), np.full(22, c.input.qmax), rng.integers(c.input.qmin, c.input.qmax + 1, 22)):
        for first in (True, False):
            beats = c.pack_decision(obs_q, first)
            assert len(beats) == c.beats_in and beats[0][2] == 1 and beats[0][1] == int(first)
            assert beats[0][0] < 1 << c.tdata_in_bits
            back, back_first = c.unpack_decision(beats)
            assert np.array_equal(back, obs_q) and back_first == first


def test_feature_k_sits_in_bits_10k():
    c = DEFAULT_CONTRACT
    obs_q = np.zeros(22, np.int64)
    obs_q[3] = -1
    ((tdata, _, _),) = c.pack_decision(obs_q, False)
    assert tdata == ((1 << 10) - 1) << 30


def test_direction_round_trip():
    c = DEFAULT_CONTRACT
    for out_q in ([c.output.qmin, c.output.qmax], [-1, 1], [0, 0]):
        assert c.unpack_direction([c.pack_direction(out_q)]).tolist() == out_q


def test_pack_rejects_out_of_range():
    with pytest.raises(ValueError, match='integers in'):
        DEFAULT_CONTRACT.pack_decision(np.full(22, 600), True)


def test_contract_json_round_trip(tmp_path):
    c = ActorContract(units=8, state_formats={'h': {'bits': 8, 'integer': 1, 'signed': True}})
    c.save(tmp_path / 'contract.json')
    assert ActorContract.from_json(tmp_path / 'contract.json') == c


def test_contract_rejects_too_narrow_bus():
    with pytest.raises(ValueError, match='do not fit'):
        ActorContract(tdata_in_bits=128)


def test_yosys_stat_parsing_counts_luts_srls_ffs_dsps_brams():
    from hls.build_rtl import count_resources

    stat = '    27473 cells\n     3016   CARRY4\n       24   DSP48E1\n     2966   FDRE\n       48   FDSE\n     7814   LUT2\n' \
           '      245   INV\n     1580   LUT6\n        2   RAMB18E1\n        1   RAMB36E1\n      165   SRL16E\n' \
           '       16   RAM32M\n'  # fmt: skip
    r = count_resources(stat)
    assert (r['LUT'], r['FF'], r['DSP'], r['BRAM36']) == (7814 + 1580 + 165 + 16, 3014, 24, 2.0)


@pytest.mark.timeout(3600)  # a Yosys synthesis: far longer on a loaded 2-core machine than make test's --timeout 900
def test_make_rtl_writes_verilog_and_a_yosys_count_that_fits(tmp_path):
    """`make rtl` end to end on the committed actor (one Yosys run: the core, tables in LUTs), in a temporary folder."""
    import json

    from hls.build_rtl import main

    actor = Path(__file__).resolve().parents[1] / 'hls' / 'actors' / 'default'
    out = tmp_path / 'rtl'
    assert main(['--actor', str(actor), '--out', str(out), '--tops', 'actor_core', '--tables', 'lut']) == 0
    core = json.loads((out / 'core.json').read_text())
    res = json.loads((out / 'resources.json').read_text())['actor_core']['lut']
    assert core['inputs'] == 22 + 2 * 16 and core['outputs'] == 2 + 2 * 16
    assert core['latency_cycles'] == core['pipeline_stages'] + 1 == len(core['stage_delays']) + 1
    assert core['worst_stage_ns'] <= core['cut_ns']
    assert (out / 'da4ml' / 'src' / 'actor_core.v').exists()
    assert 0 < res['LUT'] < 0.5 * 53200 and res['DSP'] > 0 and res['BRAM36'] == 0  # tables in LUTs, under half the chip
