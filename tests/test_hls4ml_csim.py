"""`make hls`: the hls4ml C simulation of the committed quantized actor equals the integer reference, word for word."""

import json

from host_helpers import ROOT

ACTOR = ROOT / 'hls' / 'actors' / 'default'


def test_hls4ml_csim_is_bit_exact_over_scans_and_extremes(tmp_path):
    """Scans of test images, whole sequencer scans at the detector's extremes (6 kinds) and random whole-format inputs:
    C++ = Keras = the integer reference, and no quantize step of the core wrapped."""
    from hls.build_hls import main

    status = main(['--actor', str(ACTOR), '--out', str(tmp_path / 'hls4ml'), '--images', '6', '--random', '600'])
    report = json.loads((tmp_path / 'hls4ml' / 'csim.json').read_text())
    assert report['scan_decisions'] == 6 * 20 and report['extreme_scan_decisions'] == 6 * 20
    assert report['decisions'] == 6 * 20 + 6 * 20 + 600 + 2
    assert report['mismatches'] == {'action': 0, 'h': 0, 'c': 0}
    assert report['keras_mismatches'] == {'action': 0, 'h': 0, 'c': 0}
    assert report['wraps'] == 0
    assert status == 0
    assert (tmp_path / 'hls4ml' / 'firmware' / 'myproject.cpp').exists()  # the Vitis HLS project, ready for C synthesis


def test_missing_actor_exits_2(tmp_path, capsys):
    from hls.build_hls import main

    assert main(['--actor', str(tmp_path), '--out', str(tmp_path / 'out')]) == 2
    assert 'hls.distill' in capsys.readouterr().err
