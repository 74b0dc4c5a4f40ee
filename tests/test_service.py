"""The completion service in its own process: correct completions, batching, and errors that never take it down."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import types

import numpy as np
import pytest
from host_helpers import (
    PYTHON,
    ROOT,
    curve_flood,
    flood,
    free_port,
    held_bound,
    memory_bytes,
    service_log,
    smooth_images,
    start_service,
    stop,
    wait_for_log,
)

from host import schema
from host.client import CompletionClient, ServiceUnavailable
from model.interpolation import interpolate


def partial_of(image: np.ndarray, n: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    idx = rng.choice(image.size, n, replace=False)
    out = np.zeros(image.shape + (2,), np.float32)
    out.reshape(-1, 2)[idx, 0] = image.reshape(-1)[idx]
    out.reshape(-1, 2)[idx, 1] = 1
    return out


@pytest.fixture(scope='module')
def service():
    port = free_port()
    proc = start_service(port, '--completer', 'interpolate', '--max-batch', '4', '--batch-wait-ms', '50')
    yield proc, f'tcp://127.0.0.1:{port}'
    stop(proc)


def raw_call(address: str, frames: list[bytes], timeout_ms: int = 5000) -> list[bytes]:
    import zmq

    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(address)
    sock.send_multipart(frames)
    assert sock.poll(timeout_ms), 'no reply'
    reply = sock.recv_multipart()
    sock.close(0)
    return reply


def test_completion_equals_interpolation(service):
    _, address = service
    partial = partial_of(smooth_images(1)[0])
    client = CompletionClient(address, timeout_s=10)
    image = client.complete('scan-1', partial)
    client.close()
    assert image.dtype == np.float32 and image.shape == (96, 96)
    assert np.array_equal(image, interpolate(partial[None])[0])


def test_concurrent_requests_are_batched_and_answered_by_id(service):
    import zmq

    _, address = service
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(address)
    partials = [partial_of(img, seed=i) for i, img in enumerate(smooth_images(6, seed=1))]
    for i, p in enumerate(partials):
        sock.send_multipart(schema.request(f's{i}', p))
    got = {}
    while len(got) < len(partials):
        assert sock.poll(10000)
        scan_id, image = schema.parse_reply(sock.recv_multipart(), (96, 96))
        got[scan_id] = image
    sock.close(0)
    expected = interpolate(np.stack(partials))
    for i in range(len(partials)):
        assert np.array_equal(got[f's{i}'], expected[i])


def _header(**overrides) -> bytes:
    h = {
        'schema': schema.SCHEMA,
        'version': schema.VERSION,
        'kind': 'complete',
        'scan_id': 'x',
        'shape': [96, 96, 2],
        'dtype': 'float32',
        **overrides,
    }
    return json.dumps(h).encode()


def payload(value: float = 0.0, mask: float = 1.0) -> bytes:
    scan = np.zeros((96, 96, 2), np.float32)
    scan[::4, ::4] = value, mask
    return scan.tobytes()


GOOD = payload()


@pytest.mark.parametrize(
    'frames, reason',
    [
        ([b'not json', GOOD], 'not JSON'),
        ([_header(version=1), GOOD], 'unsupported schema version'),
        ([_header(shape=[96, 96, 1]), GOOD], 'shape'),
        ([_header(shape=[96.0, 96.0, 2.0]), GOOD], 'shape'),
        ([_header(shape=[96, '96', 2]), GOOD], 'shape'),
        ([_header(dtype='float64'), GOOD], 'dtype'),
        ([_header(), GOOD[:-4]], 'payload has'),
        ([_header(), GOOD[:100]], 'payload has'),
        ([_header(), payload(np.nan)], 'NaN'),
        ([_header(), payload(3e38)], 'beyond'),
        ([_header(), payload(mask=0.5)], 'mask'),
        ([_header(), payload(mask=0.0)], 'no probes'),
        ([_header(scan_id='../../etc/passwd'), GOOD], 'scan_id'),
        ([_header(scan_id='x\n'), GOOD], 'scan_id'),
        ([_header(scan_id='été'), GOOD], 'scan_id'),
        ([_header(kind='pickle'), GOOD], 'unknown message kind'),
        ([_header(kind='été', token='été'), GOOD], 'unknown message kind'),
        ([_header()], '2 frames'),
        ([_header(), GOOD, GOOD], 'frames'),
        ([_header()] + [b'\0' * 8] * 30, 'message of 31 frames'),
        ([b'{' * 5000, b''], 'exceeds'),
        ([b'{' * 5000, GOOD], 'bytes: at most'),
        ([b'[' * 2048, GOOD], 'nested too deeply'),
        ([_header(extra=[[[[1]]]] * 10), GOOD[:8]], 'payload has'),
        ([b'\xff\xfe', GOOD], 'not JSON'),
        ([b'1' * 4096, GOOD], 'not'),
    ],
)
def test_bad_requests_get_an_error_and_the_service_stays_up(service, frames, reason):
    proc, address = service
    header = schema.parse_header(raw_call(address, frames)[0])
    assert header['kind'] == 'error' and reason in header['error']
    client = CompletionClient(address, timeout_s=10)
    client.ping()
    client.close()
    assert proc.poll() is None


def test_message_over_the_size_limit_is_dropped_and_the_service_stays_up(service):
    import zmq

    proc, address = service
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(address)
    sock.send_multipart([_header(), b'\0' * (5 << 20)])
    assert not sock.poll(500), 'an oversized message must be dropped before parsing'
    sock.close(0)
    client = CompletionClient(address, timeout_s=10)
    client.ping()
    client.close()
    assert proc.poll() is None


def test_a_bad_scan_in_a_batch_fails_only_itself():
    """One probe passes validation but cannot be interpolated: it fails, the three good scans of its batch do not.
    The service waits up to 10 s for a batch of 4, so the four requests make one batch however loaded the machine."""
    import zmq

    port = free_port()
    proc = start_service(port, '--completer', 'interpolate', '--max-batch', '4', '--batch-wait-ms', '10000')
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f'tcp://127.0.0.1:{port}')
    partials = {f'good{i}': partial_of(img, seed=i) for i, img in enumerate(smooth_images(3, seed=2))}
    partials['bad'] = np.zeros((96, 96, 2), np.float32)
    partials['bad'][5, 5] = 0.5, 1
    got, failed = {}, []
    try:
        for scan_id in ('good0', 'bad', 'good1', 'good2'):
            sock.send_multipart(schema.request(scan_id, partials[scan_id]))
        while len(got) + len(failed) < 4:
            assert sock.poll(120_000), 'a scan got no reply'
            try:
                scan_id, image = schema.parse_reply(sock.recv_multipart(), (96, 96))
                got[scan_id] = image
            except schema.ServiceError as e:
                failed.append(e.scan_id)
    finally:
        sock.close(0)
        stop(proc)
    assert failed == ['bad'] and sorted(got) == ['good0', 'good1', 'good2']
    for scan_id, image in got.items():
        assert np.array_equal(image, interpolate(partials[scan_id][None])[0])
    assert 'a batch of 4 failed' in service_log(proc)


def test_listening_beyond_loopback_requires_keys():
    r = subprocess.run(
        [PYTHON, '-m', 'host.generator_service', '--bind', '0.0.0.0', '--completer', 'interpolate'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and '--keys' in r.stderr and 'python -m host.keys' in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def make_keys(folder, client: str = 'board') -> None:
    r = subprocess.run(
        [PYTHON, '-m', 'host.keys', str(folder), '--client', client], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr


def test_curve_keys_admit_only_known_boards(tmp_path):
    keys, other = tmp_path / 'keys', tmp_path / 'other'
    make_keys(keys)
    make_keys(keys, 'board2')
    make_keys(other)
    assert oct((keys / 'service' / 'server.key_secret').stat().st_mode & 0o777) == '0o600'
    assert sorted(p.name for p in (keys / 'service' / 'clients').iterdir()) == ['board.key', 'board2.key']
    port = free_port()
    address = f'tcp://127.0.0.1:{port}'
    proc = start_service(port, '--completer', 'interpolate', '--keys', str(keys / 'service'), keys=keys / 'board')
    try:
        partial = partial_of(smooth_images(1)[0])
        for board in ('board', 'board2'):
            client = CompletionClient(address, keys / board, timeout_s=10)
            assert np.array_equal(client.complete(f'k-{board}', partial), interpolate(partial[None])[0])
            client.close()
        for intruder in (other / 'board', None):  # another service's board, and a client without keys
            client = CompletionClient(address, intruder, timeout_s=1)
            with pytest.raises(ServiceUnavailable):
                client.complete('intruder', partial)
            client.close()
        client = CompletionClient(address, keys / 'board', timeout_s=10)
        client.ping()
        client.close()
        assert proc.poll() is None
        proc.terminate()  # SIGTERM: the service stops cleanly and logs its summary
        assert proc.wait(30) == 0
    finally:
        stop(proc)
    assert 'CURVE keys' in service_log(proc) and 'served 2 completions in 2 batches, 0 errors' in service_log(proc)
    r = subprocess.run([PYTHON, '-m', 'host.keys', str(keys)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and 'already exists' in r.stderr  # a board's keys are never overwritten


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    r = subprocess.run(
        [PYTHON, '-m', 'host.generator_service', '--checkpoint', str(tmp_path / 'none'), '--port', str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and 'cannot load the generator' in r.stderr


@pytest.mark.parametrize('backend', ['tensorflow', 'jax'])
def test_trained_generator_service(tmp_path, backend):
    """The real path: a generator checkpoint (random weights here) loaded by the service under either Keras backend,
    compared with Keras (TensorFlow) in this process."""
    import keras

    from model.geometry import DEFAULT_GEOMETRY
    from model.networks import GeneratorSpec, build_generator
    from training.checkpoint import write_manifest

    generator = build_generator(DEFAULT_GEOMETRY, GeneratorSpec(channels=8, residual_blocks=1))
    generator.save(tmp_path / 'generator.keras')
    write_manifest(tmp_path)
    port = free_port()
    proc = start_service(port, '--checkpoint', str(tmp_path), wait_s=120, env={'KERAS_BACKEND': backend})
    try:
        partial = partial_of(smooth_images(1)[0])
        client = CompletionClient(f'tcp://127.0.0.1:{port}', timeout_s=30)
        image = client.complete('gen-1', partial)
        client.close()
    finally:
        stop(proc)
    model = keras.models.load_model(tmp_path / 'generator.keras', compile=False)
    expected = np.asarray(model(partial[None], training=False))[0, ..., 0]
    np.testing.assert_allclose(image, expected, atol=1e-5)
    assert 'completer=generator' in service_log(proc) and f'backend={backend}' in service_log(proc)


def test_fuzzed_messages_never_stop_the_service(service):
    """A few hundred generated messages (valid, mutated, oversized, nested, too many frames, garbage); the full-size
    run of 10,000+ is bench/reliability.py."""
    from fuzz_messages import fuzz

    proc, address = service
    result = fuzz(address, proc, 300, seed=12)
    assert result['crashes'] == 0 and result['unanswered'] == 0 and result['wrong'] == 0, result
    assert min(result['by_kind'].values()) > 0 and result['completions'] > 0 and result['dropped'] > 0, result
    client = CompletionClient(address, timeout_s=10)
    client.ping()
    client.close()


@pytest.mark.parametrize('version', [2.0, True, '2'])
def test_only_the_integer_version_is_version_2(service, version):
    _, address = service
    header = schema.parse_header(raw_call(address, [_header(version=version), GOOD])[0])
    assert header['kind'] == 'error' and 'unsupported schema version' in header['error']


def test_a_request_breaking_the_schema_is_refused_for_good_naming_its_scan(service):
    """The board moves such scans to refused/ instead of resending them forever: the reply says permanent, and whose."""
    _, address = service
    header = schema.parse_header(raw_call(address, [_header(scan_id='s7'), payload(mask=0.0)])[0])
    assert header['kind'] == 'error' and header['permanent'] is True and header['scan_id'] == 's7'


@pytest.mark.parametrize('keyed', [False, True], ids=['keyless', 'keyed'])
def test_floods_unfinished_messages_and_many_connections_stay_under_the_memory_bound(tmp_path, keyed):
    """Clients each sending a 100 MB message of 1 KiB frames at once (ZeroMQ bounds a frame, not a message), keyless
    ones whose last frame never comes, and more connections than the service admits: the service's peak memory stays
    under the bound it announces (admitted connections x what one may hold), and it completes scans after."""
    from concurrent.futures import ThreadPoolExecutor

    port = free_port()
    keys = tmp_path / 'keys'
    extra = ('--completer', 'interpolate', '--max-connections', '16', '--message-timeout', '2')
    if keyed:
        make_keys(keys)
        proc = start_service(port, *extra, '--keys', str(keys / 'service'), keys=keys / 'board')
    else:
        proc = start_service(port, *extra)
    address, board = f'tcp://127.0.0.1:{port}', keys / 'board' if keyed else None
    sockets = []
    try:
        partial = partial_of(smooth_images(1)[0])
        client = CompletionClient(address, board, timeout_s=30)
        client.complete('warm', partial)
        rss, start_peak = memory_bytes(proc.pid, 'VmRSS'), memory_bytes(proc.pid, 'VmHWM')
        with ThreadPoolExecutor(4) as pool:
            if keyed:  # boards holding a valid key; keyless clients are refused by CURVE before any frame
                floods = list(pool.map(lambda _: curve_flood(address, board, 100_000), range(2)))
                sockets += floods + [flood(port, 50, finish=False)[0] for _ in range(30)]
                cuts = 2
            else:
                floods = list(pool.map(lambda finish: flood(port, 100_000, finish=finish), [True, True, False, False]))
                assert all(sent < 10 << 20 for _, sent in floods), 'the service must stop reading a flood'
                sockets += [s for s, _ in floods] + [flood(port, 50, finish=False)[0] for _ in range(30)]
                cuts = 4
        log = wait_for_log(proc, 'closed the connection of', cuts)
        peak, bound = memory_bytes(proc.pid, 'VmHWM'), held_bound(proc)
        assert peak <= max(rss, start_peak) + bound, f'peak {peak >> 20} MB, {rss >> 20} MB before, bound {bound >> 20} MB'
        assert keyed or 'connections open: refusing more' in log
        assert np.array_equal(client.complete('after', partial), interpolate(partial[None])[0])
        client.close()
        print(f'peak {peak / 2**20:.1f} MB, {rss / 2**20:.1f} MB before the floods, bound {bound / 2**20:.1f} MB')
    finally:
        for sock in sockets:
            sock.close()
        stop(proc)


def test_a_ping_announces_what_the_service_completes(service):
    _, address = service
    client = CompletionClient(address, timeout_s=10)
    assert client.ping() == {'image_size': 96, 'max_bytes': schema.max_message_bytes(96), 'max_frames': 2}
    client.close()


def test_requests_nobody_waits_for_are_not_computed():
    """Under overload the service drops a request whose client stopped waiting (its timeout_ms has passed) and answers
    "busy" to one it cannot complete in time, instead of computing answers for nobody."""
    import zmq

    port = free_port()
    proc = start_service(port, '--completer', 'interpolate', '--max-batch', '1', '--batch-wait-ms', '0')
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f'tcp://127.0.0.1:{port}')
    partials = [partial_of(img, seed=i) for i, img in enumerate(smooth_images(40, seed=3))]
    try:
        for i, p in enumerate(partials):
            sock.send_multipart(schema.request(f'r{i}', p, timeout_s=0.001))
        answered = busy = 0
        while sock.poll(3000):
            try:
                schema.parse_reply(sock.recv_multipart(), (96, 96))
                answered += 1
            except schema.ServiceError as e:
                assert e.busy and not e.permanent and e.retry_after_s > 0, e
                busy += 1
        proc.terminate()
        assert proc.wait(30) == 0
    finally:
        sock.close(0)
        stop(proc)
    log = service_log(proc)
    served = int(re.search(r'served (\d+) completions', log).group(1))
    expired = int(re.search(r'(\d+) dropped unanswered', log).group(1))
    assert served == answered < 40 and expired > 0 and served + busy + expired == 40, log[-2000:]


def test_a_malformed_board_key_stops_the_service_at_start_naming_the_file(tmp_path):
    keys = tmp_path / 'keys'
    make_keys(keys)
    (keys / 'service' / 'clients' / 'broken.key').write_text('not a key\n')
    r = subprocess.run(
        [PYTHON, '-m', 'host.generator_service', '--completer', 'interpolate', '--keys', str(keys / 'service'),
         '--port', str(free_port())],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 2 and 'broken.key' in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_the_service_announces_its_own_key_and_checks_every_key_before_starting(tmp_path):
    """The board-key check reused the variable holding the service's public key (the last board's key was announced as
    the service's), and a key with a character outside Z85 made the service hang at start (its ZAP thread was never
    stopped)."""
    import zmq
    import zmq.auth

    from host.keys import serve_securely

    keys = tmp_path / 'keys'
    make_keys(keys)
    make_keys(keys, 'board2')
    context, sock = zmq.Context(), types.SimpleNamespace()  # records the options set (libzmq cannot read them back)
    authenticator = serve_securely(context, sock, keys / 'service')
    try:
        assert sock.curve_publickey == zmq.auth.load_certificate(keys / 'service' / 'server.key')[0] and sock.curve_server
    finally:
        authenticator.stop()
        context.term()
    public, _ = zmq.auth.load_certificate(keys / 'service' / 'clients' / 'board2.key')
    text = (keys / 'service' / 'clients' / 'board2.key').read_text()
    (keys / 'service' / 'clients' / 'board2.key').write_text(text.replace(public.decode(), '~' + public.decode()[1:]))
    r = subprocess.run(
        [PYTHON, '-m', 'host.generator_service', '--completer', 'interpolate', '--keys', str(keys / 'service'),
         '--port', str(free_port())],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 2 and 'board2.key holds a malformed key' in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_ctrl_c_stops_the_service_with_one_line_at_any_point(tmp_path):
    """Ctrl-C while the generator loads, and while a keyed service serves: no traceback, the service stops at once."""
    keys = tmp_path / 'keys'
    make_keys(keys)
    port = free_port()
    env = {**os.environ, 'PYTHONPATH': str(ROOT), 'TF_CPP_MIN_LOG_LEVEL': '3'}
    args = [PYTHON, '-m', 'host.generator_service', '--checkpoint', 'checkpoints/quality', '--port', str(port)]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while 'tensorflow' not in open(f'/proc/{proc.pid}/maps').read():  # the generator is loading (Keras, lazily)
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=120)[1]
    finally:
        proc.kill()  # never left serving when the test fails
    assert proc.returncode in (0, 130) and 'Traceback' not in err, err
    proc = start_service(port, '--completer', 'interpolate', '--keys', str(keys / 'service'), keys=keys / 'board')
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    assert 'Traceback' not in service_log(proc) and 'served 0 completions' in service_log(proc)


def test_the_service_listens_on_ipv6_loopback():
    port = free_port()
    proc = start_service(port, '--completer', 'interpolate', '--bind', '::1', host='[::1]')
    try:
        partial = partial_of(smooth_images(1)[0])
        client = CompletionClient(f'tcp://[::1]:{port}', timeout_s=10)
        assert np.array_equal(client.complete('v6', partial), interpolate(partial[None])[0])
        client.close()
    finally:
        stop(proc)
