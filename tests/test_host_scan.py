"""Scan loop, simulated microscope and scan store: the acquired data equals the reference environment's."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from host_helpers import PYTHON, ROOT, smooth_images

from host.actors import ScriptedActor
from host.microscope import SimulatedMicroscope, load_images, normalise
from host.scan import acquire
from host.store import CorruptScan, DuplicateScan, ScanStore
from model.geometry import DEFAULT_GEOMETRY
from model.microscopy_files import DataError
from model.scan_numpy import rollout


def test_noiseless_scan_equals_the_numpy_environment():
    images = smooth_images(2)
    arrays, meta = acquire(ScriptedActor(), SimulatedMicroscope(images, dwell_s=0), DEFAULT_GEOMETRY)
    ref = rollout(images[0], arrays['actions'], DEFAULT_GEOMETRY)
    assert np.array_equal(arrays['positions'], ref['positions'])
    assert np.array_equal(arrays['values'], ref['values'])
    assert np.array_equal(arrays['partial_scan'], ref['partial_scan'])
    # the actor saw x_0 = zeros, then the observation after each segment
    assert np.array_equal(arrays['observations'][1:], ref['observations'][:-1])
    assert not arrays['observations'][0].any()
    assert meta['image_id'] == 0 and meta['backend'] == 'scripted'


def test_dose_jitter_and_dwell():
    image = np.zeros((1, 96, 96), np.float32)  # signal 0 -> mean dose/2 electrons per probe
    positions = np.full((20000, 2), 48.0, np.float32)
    scope = SimulatedMicroscope(image, dose=50.0, dwell_s=0)
    scope.begin_scan()
    values = scope.scan_segment(positions)
    electrons = (values + 1) * 50 / 2
    assert np.allclose(electrons, np.round(electrons), atol=1e-4)  # whole electrons
    assert abs(electrons.mean() - 25) < 0.3 and abs(electrons.var() - 25) < 1.5  # Poisson: mean = variance
    ramp = np.tile(np.linspace(-1, 1, 96, dtype=np.float32), (96, 1))[None]
    scope = SimulatedMicroscope(ramp, jitter_px=2.0, dwell_s=0)
    scope.begin_scan()
    shifted = scope.scan_segment(np.full((4000, 2), 48.0, np.float32))
    assert 0.03 < shifted.std() < 0.07  # columns spread by ~2 px of a 2/95 per px ramp
    scope = SimulatedMicroscope(ramp, dwell_s=1e-3)
    scope.begin_scan()
    t = time.perf_counter()
    scope.scan_segment(np.zeros((20, 2), np.float32))
    assert 0.02 <= time.perf_counter() - t < 0.05


def test_load_images_from_npy_and_tiff(tmp_path):
    import tifffile

    raw = np.random.default_rng(0).uniform(0, 1000, (3, 96, 96, 1))
    raw[0, 0, 0, 0] = np.nan
    np.save(tmp_path / 'a.npy', raw)
    images = load_images(str(tmp_path / 'a.npy'))
    assert images.shape == (3, 96, 96) and images.min() == -1 and images.max() == 1
    expected = raw[..., 0].copy()
    expected[0, 0, 0] = np.nanmean(raw[0])  # the shared loader fills a non-finite pixel with its image's mean, and says so
    np.testing.assert_allclose(images, normalise(expected), atol=1e-6)  # crops are float32
    tifffile.imwrite(tmp_path / 'b.tif', raw[1, :, :, 0].repeat(2, 0).repeat(2, 1).astype(np.float32))  # 192x192
    tiles = load_images(str(tmp_path / 'b.tif'))
    assert tiles.shape == (4, 96, 96)
    with pytest.raises(DataError, match='no 2-D image of at least 96x96 px'):
        np.save(tmp_path / 'c.npy', raw[:, :50])
        load_images(str(tmp_path / 'c.npy'))


def test_store_is_atomic_exactly_once_and_sets_corrupt_files_aside(tmp_path):
    store = ScanStore(tmp_path)
    arrays, meta = acquire(ScriptedActor(), SimulatedMicroscope(smooth_images(1), dwell_s=0), DEFAULT_GEOMETRY)
    store.add('a', arrays, meta)
    with pytest.raises(DuplicateScan):
        store.add('a', arrays, meta)
    loaded, loaded_meta = store.load('a')
    assert all(np.array_equal(loaded[k], arrays[k]) for k in arrays) and loaded_meta['scan_id'] == 'a'
    assert not list(tmp_path.rglob('*.tmp'))
    image = np.arange(96 * 96, dtype=np.float32).reshape(96, 96)
    assert store.complete('a', image) is True
    assert store.complete('a', image + 1) is False  # duplicate: detected, first result kept
    assert store.duplicates == 1 and (tmp_path / 'duplicates.log').read_text() == 'a\n'
    assert np.array_equal(store.completion('a'), image) and store.pending_ids() == [] and store.done_ids() == ['a']
    with pytest.raises(DuplicateScan):
        store.add('a', arrays, meta)
    (store.pending / 'bad.npz').write_bytes(b'PK\x03\x04 truncated')
    with pytest.raises(CorruptScan, match='bad.npz'):
        store.load('bad')


def test_run_scan_script_help_and_bad_arguments():
    for args in (['host/run_scan.py'], ['-m', 'host.run_scan']):
        r = subprocess.run([PYTHON, *args, '--help'], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and '--complete-pending' in r.stdout and 'pending/' in r.stdout
    r = subprocess.run([PYTHON, 'host/run_scan.py', '--server', 'nohostport'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and 'HOST:PORT' in r.stderr


def test_no_tensorflow_under_host():
    pattern = re.compile(r'^\s*(import|from)\s+(tensorflow|keras)\b', re.M)
    offenders = [str(p) for p in Path(ROOT, 'host').rglob('*.py') if pattern.search(p.read_text())]
    assert offenders == []
    code = (
        'import sys, host.run_scan, host.generator_service, host.actors, host.microscope, host.sender;'
        'assert not {"tensorflow", "keras"} & set(sys.modules), "TensorFlow imported"'
    )
    subprocess.run([PYTHON, '-c', code], cwd=ROOT, check=True, timeout=60)


def test_board_program_runs_without_scipy_or_training(tmp_path):
    """A whole run on the board's path (reference actor, .npy images, a TIFF-free store) imports neither."""
    np.save(tmp_path / 'images.npy', smooth_images(2))
    code = (
        'import sys; from host import run_scan;'
        f'rc = run_scan.main(["--images", {str(tmp_path / "images.npy")!r}, "--server", "none", "--scans", "2",'
        f' "--out", {str(tmp_path / "scans")!r}]);'
        'loaded = sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "training", "tensorflow", "keras"});'
        'assert rc == 0 and not loaded, (rc, loaded)'
    )
    subprocess.run([PYTHON, '-c', code], cwd=ROOT, check=True, timeout=120)
    assert len(list((tmp_path / 'scans' / 'pending').glob('*.npz'))) == 2
