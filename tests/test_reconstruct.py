"""Users' files through the one loader, and training.reconstruct: whole images back, stitched, with their calibration.

Files are written by rosettasciio and tifffile into pytest's tmp_path (outside the repository), and the commands run
from there, as a microscopist runs them from a data folder."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model import microscopy_files as mf
from model import policies
from training import reconstruct as rc

ROOT = Path(__file__).resolve().parent.parent
rsciio_hspy = pytest.importorskip('rsciio.hspy')
tifffile = pytest.importorskip('tifffile')


def write_hspy(path, data, scale=0.05, units='nm', offset=(1.0, 2.0)):
    """A calibrated HyperSpy file written by rosettasciio: a 2-D image, or a stack along a navigation axis."""
    from model.microscopy_files import Axis
    from model.signal_files import signal

    axes = (Axis('y', scale, offset[0], units), Axis('x', scale, offset[1], units))
    rsciio_hspy.file_writer(str(path), signal(data, axes, 'specimen', {}))


def lattice(h, w, period=7.0, seed=0):
    y, x = np.mgrid[0:h, 0:w]
    noise = np.random.default_rng(seed).normal(0, 0.05, (h, w))
    return (1000 + 300 * np.cos(2 * np.pi * x / period) * np.cos(2 * np.pi * y / period) + 300 * noise).astype(np.float32)


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, 'PYTHONPATH': str(ROOT)},
    )


# ---- the loader ----------------------------------------------------------------------------------------------------
def test_calibration_is_read_from_files_written_by_rosettasciio_and_tifffile(tmp_path):
    write_hspy(tmp_path / 'a.hspy', lattice(120, 100))
    (image,) = mf.read_file(tmp_path / 'a.hspy')
    assert image.data.shape == (120, 100) and [(a.scale, a.offset, a.units) for a in image.axes] == [
        (0.05, 1.0, 'nm'),
        (0.05, 2.0, 'nm'),
    ]
    tifffile.imwrite(
        tmp_path / 'b.tif', lattice(80, 90), resolution=(1 / 0.2, 1 / 0.2), imagej=True, metadata={'unit': 'nm'}
    )
    (image,) = mf.read_file(tmp_path / 'b.tif')
    assert np.isclose(image.axes[0].scale, 0.2) and np.isclose(image.axes[1].scale, 0.2)


def test_every_input_kind_gives_the_same_crops(tmp_path, caplog):
    image = lattice(200, 300)
    stack = np.stack([image, image[::-1]])
    np.save(tmp_path / 'stack.npy', stack)
    np.savez(tmp_path / 'stack.npz', images=stack)
    tifffile.imwrite(tmp_path / 'stack.tif', stack)
    write_hspy(tmp_path / 'stack.hspy', stack)
    crops = {suffix: mf.load_microscopy(tmp_path / f'stack.{suffix}') for suffix in ('npy', 'npz', 'tif', 'hspy')}
    for suffix, got in crops.items():
        assert got.shape == (2 * 2 * 3, 96, 96), suffix
        np.testing.assert_array_equal(got, crops['npy'], err_msg=suffix)
    assert 'the last 8 row(s) and 12 column(s)' in caplog.text  # the trimmed edges are named
    rgb = (np.random.default_rng(0).random((100, 110, 3)) * 255).astype(np.uint8)
    tifffile.imwrite(tmp_path / 'rgb.tif', rgb, photometric='rgb')
    (grey,) = mf.read_file(tmp_path / 'rgb.tif')
    np.testing.assert_allclose(grey.data, rgb.mean(-1))


def test_a_folder_of_npy_files_is_read_and_other_files_are_named_once(tmp_path, caplog):
    for i in range(3):
        np.save(tmp_path / f'{i}.npy', lattice(96, 96, seed=i))
    (tmp_path / 'notes.txt').write_text('not an image')
    (tmp_path / 'plot.png').write_bytes(b'\x89PNG')
    with caplog.at_level(logging.WARNING):
        per_file = mf.crops_by_file(tmp_path)
    assert [len(c) for c in per_file] == [1, 1, 1]
    assert caplog.text.count('skipped 2 file(s)') == 1 and 'notes.txt' in caplog.text and 'plot.png' in caplog.text


def test_non_finite_pixels_are_named_and_replaced_by_the_image_mean(tmp_path, caplog):
    image = lattice(96, 96).astype(np.float64)
    image[3, 4], image[50, 60] = np.nan, np.inf
    np.save(tmp_path / 'holes.npy', image)
    with caplog.at_level(logging.WARNING):
        (crop,) = mf.load_microscopy(tmp_path / 'holes.npy')
    finite = np.isfinite(image)
    assert crop[3, 4] == crop[50, 60] == np.float32(image[finite].mean())
    assert '2 non-finite pixel(s)' in caplog.text and caplog.text.count('non-finite') == 1


def test_a_corrupt_tif_is_called_corrupt(tmp_path):
    tifffile.imwrite(tmp_path / 'ok.tif', lattice(200, 200))
    whole = (tmp_path / 'ok.tif').read_bytes()
    (tmp_path / 'cut.tif').write_bytes(whole[: len(whole) // 2])
    with pytest.raises(mf.DataError, match='corrupt, truncated'):
        mf.read(tmp_path / 'cut.tif')


def test_downsampling_and_resampling_keep_every_pixel_and_the_calibration(tmp_path):
    write_hspy(tmp_path / 'a.hspy', lattice(101, 150))
    (binned,) = mf.read(tmp_path / 'a.hspy', downsample=2)[0]
    (image,) = mf.read_file(tmp_path / 'a.hspy')
    assert binned.data.shape == (51, 75)  # the odd last row is averaged on its own, not dropped
    np.testing.assert_allclose(binned.data[:50], image.data[:100].reshape(50, 2, 75, 2).mean(axis=(1, 3)), rtol=1e-6)
    np.testing.assert_allclose(binned.data[50], image.data[100].reshape(75, 2).mean(-1), rtol=1e-6)
    assert np.isclose(binned.axes[0].scale, 0.1) and np.isclose(binned.axes[0].offset, 1.0 + 0.025)
    (resampled,) = mf.read(tmp_path / 'a.hspy', pixel_size=(100.0, 'pm'))[0]  # 0.1 nm, in other units
    np.testing.assert_allclose(resampled.data, binned.data)
    assert resampled.axes == binned.axes
    np.save(tmp_path / 'plain.npy', lattice(100, 100))
    with pytest.raises(mf.DataError, match='no pixel calibration .* --downsample'):
        mf.read(tmp_path / 'plain.npy', pixel_size=(0.1, None))


# ---- stitching ---------------------------------------------------------------------------------------------------
class IdentityScanner:
    """Probes every pixel and completes a scan with what it probed: reconstruct must then return the reference exactly."""

    def scan(self, images):
        return {'partial_scan': np.stack([images, np.ones_like(images)], -1)}

    def complete(self, partial_scans):
        return partial_scans[..., 0]


@pytest.mark.parametrize('shape', [(1, 200, 150), (2, 50, 70), (1, 96, 96), (1, 97, 300)])
def test_stitching_gives_back_every_pixel_of_the_image(shape):
    frames = np.stack([lattice(*shape[1:], seed=k) for k in range(shape[0])])
    result = rc.reconstruct(frames, IdentityScanner(), blur=2.5, overlap=32)
    assert result['completed'].shape == frames.shape  # nothing dropped, small images padded and cut back
    np.testing.assert_allclose(result['completed'], result['reference'], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(result['scan'], result['reference'], rtol=1e-5, atol=1e-3)
    assert np.abs(result['error']).max() < 1e-2 and result['probed_fraction'] == 1.0
    assert not np.allclose(result['reference'], frames)  # the target blur was applied
    assert np.allclose(rc.reconstruct(frames, IdentityScanner(), blur=0, overlap=0)['completed'], frames, atol=1e-3)


def test_overlapping_tiles_are_blended_not_overwritten():
    """A scanner whose completion is off by a constant per tile: blending averages the tiles where they overlap."""

    class Offset(IdentityScanner):
        def complete(self, partial_scans):
            return partial_scans[..., 0] + 0.1 * np.arange(len(partial_scans))[:, None, None] % 2

    frames = lattice(96, 160)[None]
    result = rc.reconstruct(frames, Offset(), blur=0, overlap=32)
    assert rc.tile_starts(160, 64) == [0, 64] and result['tiles'] == 2
    middle = result['error'][0, :, 64:96]
    assert middle.min() > 0 and middle.max() < result['error'][0, :, 100:].max()  # between the two tiles' offsets


# ---- the command, from a data folder -------------------------------------------------------------------------------
def test_reconstruct_round_trips_the_calibration_from_a_data_folder(tmp_path):
    stack = np.stack([lattice(130, 110, seed=0), lattice(130, 110, seed=1)])
    write_hspy(tmp_path / 'stack.hspy', stack)
    r = run('-m', 'training.reconstruct', 'stack.hspy', '--out', 'out', cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'oneDNN' not in r.stderr and 'Traceback' not in r.stderr
    name = f'stack-hspy-{policies.default_name()}'
    for part in ('completed', 'scan', 'error'):
        (sig,) = rsciio_hspy.file_reader(str(tmp_path / 'out' / f'{name}-{part}.hspy'))
        assert sig['data'].shape == stack.shape, part
        nav, y, x = sig['axes']
        assert nav['navigate'] and nav['size'] == 2
        assert [(float(a['scale']), float(a['offset']), a['units']) for a in (y, x)] == [
            (0.05, 1.0, 'nm'),
            (0.05, 2.0, 'nm'),
        ]
        meta = sig['original_metadata']['adaptive_stem']
        assert meta['policy'] == policies.default_name() and meta['target_blur']['sigma_px'] == 2.5
        assert meta['device'].startswith(('CPU', 'GPU')) and meta['frames'] == 2
    completed = rsciio_hspy.file_reader(str(tmp_path / 'out' / f'{name}-completed.hspy'))[0]['data']
    scan = rsciio_hspy.file_reader(str(tmp_path / 'out' / f'{name}-scan.hspy'))[0]['data']
    assert np.isfinite(completed).all() and 0.04 < np.isfinite(scan).mean() < 0.2  # about 1/23 of each tile, tiles overlap
    assert abs(completed.mean() - stack.mean()) < 0.1 * stack.std()  # back in the input's intensities
    with tifffile.TiffFile(tmp_path / 'out' / f'{name}-completed.tif') as t:
        num, den = t.pages[0].tags['XResolution'].value
        assert np.isclose(den / num, 0.05) and t.imagej_metadata['unit'] == 'nm' and t.series[0].shape == stack.shape
    binned = run(
        '-m',
        'training.reconstruct',
        'stack.hspy',
        '--out',
        'binned',
        '--pixel-size',
        '0.1nm',
        '--policy',
        'actor',
        cwd=tmp_path,
    )
    assert binned.returncode == 0, binned.stderr[-3000:]
    (sig,) = rsciio_hspy.file_reader(str(tmp_path / 'binned' / 'stack-hspy-actor-completed.hspy'))
    assert sig['data'].shape == (2, 65, 55) and np.isclose(float(sig['axes'][1]['scale']), 0.1)


@pytest.mark.parametrize(
    'args, message',
    [
        (('missing.tif', '--out', 'o'), 'missing.tif does not exist'),
        (('a.npy', '--out', 'o', '--policy', 'nonsense'), "unknown policy 'nonsense': pass --policy one of"),
        (('a.npy', '--out', 'o', '--pixel-size', '0.1nm'), 'no pixel calibration'),
        (('a.npy', '--out', 'o', '--downsample', '0'), 'argument --downsample'),
        (('a.npy', '--out', 'a.npy'), 'pass --out a writable folder'),
        (('notes.txt', '--out', 'o'), "unsupported format '.txt'"),
    ],
)
def test_mistakes_are_one_line_before_tensorflow_loads(tmp_path, args, message):
    np.save(tmp_path / 'a.npy', lattice(100, 100))
    (tmp_path / 'notes.txt').write_text('x')
    r = run('-m', 'training.reconstruct', *args, cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert 'tensorflow' not in r.stderr.lower()


# ---- the other commands a microscopist runs from a data folder ------------------------------------------------------
def test_run_scan_with_the_default_policy_completes_in_process_and_writes_one_stack(tmp_path):
    (tmp_path / 'images').mkdir()
    for i in range(2):
        np.save(tmp_path / 'images' / f'{i}.npy', lattice(96, 96, seed=i))
    r = run(
        str(ROOT / 'host' / 'run_scan.py'),
        '--actor',
        'policy',
        '--server',
        'local',
        '--images',
        'images',
        '--scans',
        '3',
        '--out',
        'scans',
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert '3 completed now on CPU' in r.stderr or '3 completed now on GPU' in r.stderr
    (stack,) = (tmp_path / 'scans').glob('run-*.hspy')
    (sig,) = rsciio_hspy.file_reader(str(stack))
    assert sig['data'].shape == (3, 3, 96, 96)
    meta = sig['original_metadata']['adaptive_stem']
    assert list(meta['completed']) == [True] * 3 and list(meta['image_ids']) == [0, 1, 0]
    assert meta['actor'] == f'policy:{policies.default_name()}' and meta['completed_on'].startswith(('CPU', 'GPU'))
    probed, completion, image = sig['data'][0]
    np.testing.assert_allclose(meta['mse_against_image'][0], np.mean((completion - image) ** 2), rtol=1e-5)
    extras = (policies.get().checkpoint / 'extras.json').read_text()
    positions = np.asarray(json.loads(extras)['fixed_positions'], np.float32)
    np.testing.assert_array_equal(meta['positions'][0], positions)  # the registered spiral, probe for probe
    assert np.isfinite(probed).sum() == len({tuple(p) for p in np.clip(np.round(positions), 0, 95).astype(int).tolist()})


def test_bench_dataset_evaluates_the_shipped_checkpoints_and_never_trains(tmp_path):
    np.save(tmp_path / 'noise.npy', np.random.default_rng(0).normal(size=(6, 96, 96)))
    runs, out = tmp_path / 'runs', tmp_path / 'out'  # the bench's folders are relative to the repository: absolute here
    r = run(
        str(ROOT / 'bench' / 'quality.py'), '--dataset', 'noise.npy', '--runs', str(runs), '--out', str(out), cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert not runs.exists()  # nothing trained
    report = json.loads((tmp_path / 'out' / 'quality-dataset' / 'report-noise-npy-all.json').read_text())
    floor = report['flat_at_true_mean']['mse']
    losers = [
        k for k in ('actor', 'fixed_path', 'random_directions', 'actor_samples_interpolated') if report[k]['mse'] >= floor
    ]
    assert report['methods_worse_than_flat_floor'] == sorted(losers)
    assert report['every_method_worse_than_flat_floor'] == (len(losers) == 4)
    assert report['every_method_worse_than_flat_floor']  # white noise: nothing a scan learned helps (measured)
    assert 'every method is worse than a flat image' in r.stdout


def test_one_entry_point_runs_every_command():
    from host import commands

    assert commands.main([]) == 2 and commands.main(['nonsense']) == 2
    with pytest.raises(SystemExit) as e:
        commands.main(['reconstruct', '--help'])
    assert e.value.code == 0


@pytest.mark.parametrize(
    'args, message',
    [
        (('actor', '--dataset', 'missing.tif'), 'missing.tif does not exist'),
        (('nonsense',), 'nonsense is neither a registered policy (spiral, actor) nor a folder'),
        (('actor', '--dataset', 'a.npy', '--out', 'a.npy'), 'pass --out a writable folder'),
        (('actor', '--baseline', 'nowhere'), '--baseline nowhere does not exist'),
        (('actor', '--save-completions'), '--save-completions reconstructs your files: give them with --dataset'),
    ],
)
def test_report_mistakes_are_one_line_before_tensorflow_loads(tmp_path, args, message):
    np.save(tmp_path / 'a.npy', lattice(100, 100))
    r = run('-m', 'training.report', *args, cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert 'tensorflow' not in r.stderr.lower()


def test_the_default_policy_is_defined_in_one_place_that_every_command_reads(tmp_path, monkeypatch):
    """Switching `default` in the registry switches reconstruct, the report's baseline lookup and run_scan together."""
    import json as json_

    from host import run_scan
    from training import report

    registry = json_.loads(policies.REGISTRY.read_text())
    registry['default'] = 'actor'
    (tmp_path / 'policies.json').write_text(json_.dumps(registry))
    for name in ('quality', 'spiral'):
        (tmp_path / name).symlink_to(policies.REGISTRY.parent / name)
    monkeypatch.setattr(policies, 'REGISTRY', tmp_path / 'policies.json')
    assert policies.default_name() == 'actor' and policies.names()[0] == 'actor'
    assert rc.parse_args(['x.tif', '--out', 'o']).policy_entry.name == 'actor'
    scan = run_scan.parse_args(['--actor', 'policy', '--server', 'none'])
    assert scan.policy_entry.name == 'actor' and scan.completion_checkpoint == tmp_path / 'quality'
    assert report.check(report.parse_args(['actor', '--out', str(tmp_path / 'r')]))[3] == tmp_path / 'spiral'  # baseline
    registry['default'] = 'missing'
    (tmp_path / 'policies.json').write_text(json_.dumps(registry))
    with pytest.raises(policies.PolicyError, match='restore it'):
        policies.get()


def test_outputs_are_named_per_input_and_never_overwrite_each_other(tmp_path):
    from types import SimpleNamespace

    from model.geometry import DEFAULT_GEOMETRY

    scanner = IdentityScanner()
    scanner.policy, scanner.geometry = policies.Policy('fake', 'fixed', tmp_path, ''), DEFAULT_GEOMETRY
    for folder in ('a', 'b'):
        (tmp_path / folder).mkdir()
        np.save(tmp_path / folder / 'x.npy', lattice(100, 100))
    tifffile.imwrite(tmp_path / 'a' / 'x.tif', lattice(100, 100))
    inputs = [tmp_path / 'a' / 'x.npy', tmp_path / 'b' / 'x.npy', tmp_path / 'a']
    options = SimpleNamespace(overlap=32, downsample=1, pixel_size=None, target_blur=2.5, tif=False)
    written = rc.reconstruct_inputs(scanner, [(p, mf.read(p)) for p in inputs], tmp_path, options, 'CPU: test')
    names = sorted(p.name for p in written if p.name.endswith('-completed.hspy'))
    assert names == [
        'x-npy-fake-2-completed.hspy',  # the second x.npy, from another folder
        'x-npy-fake-3-completed.hspy',  # a/x.npy again, through the folder
        'x-npy-fake-completed.hspy',
        'x-tif-fake-completed.hspy',  # same stem, other kind of file
    ]
    assert len(set(written)) == len(written) == 4 * 3
