"""Every mistake on the host command lines exits 2 with one line that says what to do, never a traceback."""

from __future__ import annotations

import contextlib
import io
import math
import subprocess

import numpy as np
import pytest
from host_helpers import PYTHON, ROOT, free_port, smooth_images
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from host import generator_service, run_scan


def one_line_exit_2(main, argv: list[str]) -> str:
    """Run a CLI's main in this process; it must exit 2 (returned or raised) with one line on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    lines = err.getvalue().strip().splitlines()
    assert code == 2 and len(lines) == 1 and 'Traceback' not in err.getvalue(), (code, err.getvalue())
    return lines[0]


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp('cli')
    np.save(d / 'good.npy', smooth_images(2))
    np.save(d / 'strings.npy', np.array([['a'] * 96] * 96)[None].repeat(2, 0))
    np.save(d / 'digits.npy', smooth_images(2).astype(str))
    np.save(d / 'complex.npy', smooth_images(2).astype(np.complex64))
    huge = np.full((1, 96, 96), 1.7e308)
    huge[0, :48] = -1.7e308
    np.save(d / 'huge.npy', huge)
    (d / 'a_file').write_text('not a folder')
    (d / 'broken.npz').write_bytes(b'PK\x03\x04 truncated')
    return d


RUN_SCAN_MISTAKES = [
    (['--dose', '0'], '--dose'),
    (['--dose', 'nan'], '--dose'),
    (['--jitter', '-1'], '--jitter'),
    (['--jitter', 'inf'], '--jitter'),
    (['--dwell-us', '1e300'], '--dwell-us'),
    (['--scans', '-1'], '--scans'),
    (['--scans', '1.5'], 'whole number'),
    (['--timeout', '0'], '--timeout'),
    (['--retries', '-2'], '--retries'),
    (['--seed', '-3'], '--seed'),
    (['--first-image', 'x'], '--first-image'),
    (['--server', '127.0.0.1:abc'], '--server'),
    (['--server', '127.0.0.1:99999'], '65535'),
    (['--server', 'nohostport'], 'HOST:PORT'),
    (['--server', ':5555'], 'HOST:PORT'),
    (['--actor', 'nonsense'], 'invalid choice'),
    (['--bogus'], 'unrecognized'),
    (['--complete-pending', '--server', 'none'], 'needs --server'),
    (['--out', '{files}/a_file/scans'], 'pass --out a writable folder'),
    (['--out', '{files}/a_file'], 'pass --out a writable folder'),
    (['--out', '/proc/scans'], 'pass --out a writable folder'),  # not writable, even for root
    (['--server', '127.0.0.1:5555', '--keys', '{files}/no_keys'], 'python -m host.keys'),
    (['--images', '{files}/strings.npy'], 'must be real numbers'),
    (['--images', '{files}/digits.npy'], 'must be real numbers'),
    (['--images', '{files}/complex.npy'], 'must be real numbers'),
    (['--images', '{files}/huge.npy'], 'too large to normalise'),
    (['--images', '{files}/broken.npz'], 'not a readable NumPy file'),
    (['--images', '{files}/missing.npy'], 'does not exist'),
    (['--images', '{files}/a_file'], 'unsupported format'),
    (['--policy', 'nonsense'], 'pass --policy one of'),
    (['--images', '{files}/good.npy', '--pixel-size', '0.1nm'], 'no pixel calibration'),
]


@pytest.mark.parametrize('argv, hint', RUN_SCAN_MISTAKES)
def test_run_scan_mistakes(files, tmp_path, argv, hint):
    argv = [a.format(files=files) for a in argv]
    defaults = ['--server', 'none', '--out', str(tmp_path / 'scans'), '--actor', 'scripted', '--scans', '1']
    line = one_line_exit_2(run_scan.main, defaults + argv)
    assert hint in line


SERVICE_MISTAKES = [
    (['--port', '99999'], '65535'),
    (['--port', '0'], '--port'),
    (['--image-size', '0'], '--image-size'),
    (['--image-size', '100000'], '--image-size'),
    (['--max-batch', '0'], '--max-batch'),
    (['--batch-wait-ms', 'nan'], '--batch-wait-ms'),
    (['--max-connections', '0'], '--max-connections'),
    (['--message-timeout', '0'], '--message-timeout'),
    (['--bind', '0.0.0.0'], '--keys'),
    (['--completer', 'magic'], 'invalid choice'),
    (['--keys', '{files}/no_keys', '--completer', 'interpolate', '--port', '{port}'], 'python -m host.keys'),
    (['--checkpoint', '{files}/no_checkpoint'], 'cannot load the generator'),
]


@pytest.mark.parametrize('argv, hint', SERVICE_MISTAKES)
def test_service_mistakes(files, argv, hint):
    argv = [a.format(files=files, port=free_port()) for a in argv]
    assert hint in one_line_exit_2(generator_service.main, argv)


def test_service_port_out_of_range_is_refused_not_wrapped():
    """ZeroMQ would bind 99999 - 65536 = 34463; the service must refuse instead, before it binds anything."""
    r = subprocess.run(
        [PYTHON, '-m', 'host.generator_service', '--completer', 'interpolate', '--port', '99999'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'ready' not in r.stderr


def test_keys_mistakes(files, tmp_path):
    from host import keys

    assert 'must be letters' in one_line_exit_2(keys.main, [str(tmp_path), '--client', '../escape'])
    assert 'error' in one_line_exit_2(keys.main, [str(files / 'a_file')])


# ---- property-based: any value of any numeric option is either accepted within its range or refused in one line ----
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=12),
    st.sampled_from(['0', '-0', '1e-320', '1e309', '0x10', '1_000', ' 5 ', '5\n', '-', '--', '', 'NaN', '-inf']),
)
RUN_SCAN_RANGES = {
    '--dose': ('dose', 0, 1e9, False),
    '--jitter': ('jitter', 0, 96, True),
    '--dwell-us': ('dwell_us', 0, 1e6, True),
    '--timeout': ('timeout', 0, 3600, False),
    '--device-timeout': ('device_timeout', 0, 3600, False),
    '--drain': ('drain', 0, 1e6, True),
    '--scans': ('scans', 0, 10**9, True),
    '--retries': ('retries', 0, 100, True),
    '--seed': ('seed', 0, 2**63, True),
    '--first-image': ('first_image', 0, 2**31, True),
    '--server': ('server', None, None, None),
}
SERVICE_RANGES = {
    '--port': ('port', 1, 65535, True),
    '--image-size': ('image_size', 4, 1024, True),
    '--max-batch': ('max_batch', 1, 1024, True),
    '--batch-wait-ms': ('batch_wait_ms', 0, 10_000, True),
}


def accepted_in_range(parse, ranges: dict, option: str, value: str, extra: list[str]) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            args = parse([*extra, option, value])
        except SystemExit as e:
            assert e.code == 2 and len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
            return
    dest, low, high, closed = ranges[option]
    got = getattr(args, dest)
    if dest == 'server':
        if got == 'none':
            return
        host, port = got.rsplit(':', 1)
        assert host and 1 <= int(port) <= 65535
        return
    assert math.isfinite(got) and (low <= got if closed else low < got) and got <= high, (option, value, got)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(option=st.sampled_from(sorted(RUN_SCAN_RANGES)), value=NUMBERS)
def test_run_scan_numbers_property(option, value):
    accepted_in_range(run_scan.parse_args, RUN_SCAN_RANGES, option, value, [])


@settings(max_examples=200, deadline=None)
@given(option=st.sampled_from(sorted(SERVICE_RANGES)), value=NUMBERS)
def test_service_numbers_property(option, value):
    accepted_in_range(generator_service.parse_args, SERVICE_RANGES, option, value, [])


@settings(max_examples=100, deadline=None)
@given(host=st.text(max_size=20), port=NUMBERS)
def test_server_endpoint_property(host, port):
    accepted_in_range(run_scan.parse_args, RUN_SCAN_RANGES, '--server', f'{host}:{port}', [])
