"""`make bitstream`: the generated Vivado Tcl names existing files and the right part; no Vivado -> exit 2 + message."""

import re
import shutil
import subprocess
import sys

import pytest

from hls import bitstream

ACTOR = bitstream.ROOT / 'hls' / 'actors' / 'default'


@pytest.fixture(scope='module')
def tcl(tmp_path_factory):
    return bitstream.write_tcl(ACTOR, tmp_path_factory.mktemp('bitstream'))


def test_tcl_names_existing_files_and_part(tcl):
    text = tcl.read_text()
    assert '@' not in re.sub(r'#.*', '', text), 'unreplaced template placeholder'
    assert re.search(r'^set part xc7z020clg400-1$', text, re.M)
    named = re.findall(r'add_files -norecurse \{([^}]*)\}', text)
    files = [f for group in named for f in group.split()]
    assert any(f.endswith('actor_axis.v') for f in files) and any(f.endswith('.mem') for f in files)
    assert [f for f in files if not bitstream.Path(f).is_file()] == []
    assert 'CONFIG.c_include_sg {0}' in text and 'PCW_FPGA0_PERIPHERAL_FREQMHZ {100}' in text


@pytest.mark.skipif(shutil.which('iverilog') is None, reason='iverilog not installed')
def test_board_top_elaborates(tcl):
    """The module the block design references (actor_axis_dma) elaborates with the generated parameters."""
    text = tcl.read_text()
    sources = re.search(r'add_files -norecurse \{([^}]*)\}', text).group(1).split()
    params = dict(re.findall(r'CONFIG\.([A-Z_]+) \{(\d+)\}', text))
    cmd = [
        'iverilog',
        '-g2012',
        '-o',
        str(tcl.parent / 'top.vvp'),
        '-s',
        'actor_axis_dma',
        *[f'-Pactor_axis_dma.{k}={v}' for k, v in params.items()],
        *sources,
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_without_vivado_exits_2_with_message(tmp_path):
    env = {'PATH': str(tmp_path), 'TF_CPP_MIN_LOG_LEVEL': '2'}
    res = subprocess.run([sys.executable, '-m', 'hls.bitstream', '--actor', str(ACTOR), '--out', str(tmp_path / 'bs')],
                         cwd=bitstream.ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert res.returncode == 2, res.stderr
    assert 'vivado not found on PATH' in res.stderr and 'vivado -mode batch -source' in res.stderr
    assert (tmp_path / 'bs' / 'pynq_z2.tcl').is_file()
