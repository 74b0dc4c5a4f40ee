"""Data: the procedural generator, the paper's preprocessing, the loaders and their errors, the augmentation."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.microscopy_files import load_microscopy
from training import data, procedural
from training.procedural import generate_images, generate_samples

ROOT = Path(__file__).resolve().parents[1]


N_SAMPLES = 600  # enough to see every scene type about 90 times


@pytest.fixture(scope='module')
def samples():
    return list(generate_samples(N_SAMPLES, seed=5))


def test_procedural_images_are_deterministic_per_seed_and_index():
    a = generate_images(12, seed=3)
    np.testing.assert_array_equal(a, generate_images(12, seed=3))
    np.testing.assert_array_equal(a[:5], generate_images(5, seed=3))  # image k depends only on (seed, k)
    assert a.shape == (12, 96, 96) and a.dtype == np.float32
    assert not np.array_equal(a, generate_images(12, seed=4))
    assert not np.array_equal(a, generate_images(12, seed=3, family='unseen'))
    assert all(np.ptp(im) > 0 for im in a)
    assert len({round(float(im.mean()), 4) for im in a}) == len(a)  # no two alike
    with pytest.raises(ValueError, match='family must be one of'):
        generate_images(2, seed=0, family='abf')


def test_scene_types_and_contrasts_appear_with_their_probabilities(samples):
    def assert_frequency(count, p):
        assert abs(count / N_SAMPLES - p) < 4 * np.sqrt(p * (1 - p) / N_SAMPLES), (count, p)

    assert sum(p for p, _ in procedural.SCENES.values()) == pytest.approx(1.0)
    for scene, (p, _) in procedural.SCENES.items():
        assert f'{scene} ({p:.2f})' in procedural.__doc__  # the module docstring states every scene's probability
        assert_frequency(sum(s.scene == scene for s in samples), p)
    assert_frequency(sum(s.contrast == 'abf' for s in samples), procedural.FAMILIES['seen'].abf_probability)


def _strongest_period(image: np.ndarray) -> float:
    """Period (px) of the strongest Fourier component with a period under 30 px (Hann window, 4x zero padding)."""
    n = len(image)
    window = np.outer(np.hanning(n), np.hanning(n))
    power = np.abs(np.fft.fft2((image - image.mean()) * window, s=(4 * n, 4 * n)))
    k = np.fft.fftfreq(4 * n)
    g = np.hypot(k[:, None], k[None, :])
    power[g < 1 / 30] = 0
    return 1 / g.flat[np.argmax(power)]


def test_column_spacings_span_2_to_15_px_as_measured_in_the_images(samples):
    drawn = [spacing for s in samples for _, spacing in s.lattices]
    assert 2.0 <= min(drawn) < 2.2 and 14.0 < max(drawn) <= 15.0
    # single crystals: the strongest Fourier peak is the widest lattice-plane spacing, cell_area * spacing
    measured, expected = [], []
    for s in samples:
        kind, spacing = s.lattices[0]
        widest_planes = procedural.LATTICES[kind].cell_area * spacing
        if s.scene == 'crystal' and widest_planes >= 2.2:  # finer planes alias on the pixel grid
            measured.append(_strongest_period(s.image) / procedural.LATTICES[kind].cell_area)
            expected.append(spacing)
    measured, expected = np.array(measured), np.array(expected)
    assert len(measured) > 50
    assert np.mean(np.abs(measured / expected - 1) < 0.1) > 0.9
    assert measured.min() < 2.6 and measured.max() > 13


def test_abf_images_have_dark_columns_on_a_bright_background(samples):
    signs = {'abf': set(), 'haadf': set()}
    for s in samples:
        if s.scene == 'crystal':  # columns: where the structure is highest; background: between the columns
            columns = s.structure > np.quantile(s.structure, 0.95)
            between = s.structure < np.quantile(s.structure, 0.3)
            signs[s.contrast].add(np.sign(s.image[columns].mean() - s.image[between].mean()))
        if s.scene == 'vacuum edge':
            vacuum = s.structure < 1e-6
            signs[s.contrast].add(np.sign(s.image[~vacuum].mean() - s.image[vacuum].mean()))
    assert signs == {'abf': {-1}, 'haadf': {1}}


def test_unseen_family_is_never_drawn_for_training_or_test(samples, tmp_path, monkeypatch):
    seen, unseen = procedural.FAMILIES['seen'], procedural.FAMILIES['unseen']
    assert not set(seen.lattices) & set(unseen.lattices)
    assert {kind for s in samples for kind, _ in s.lattices} == set(seen.lattices)
    held_out = list(generate_samples(60, seed=5, family='unseen'))
    assert {kind for s in held_out for kind, _ in s.lattices} == set(unseen.lattices)
    assert {s.contrast for s in held_out} == {'abf'}
    # the cached splits: train and test from the seen family, test_unseen from the unseen one
    monkeypatch.setattr(data, 'CACHE', tmp_path)
    raw = generate_images(5, seed=7)
    kwargs = dict(n_train=3, n_test=2, seed=7)
    np.testing.assert_array_equal(data.load_split('procedural', 'train', **kwargs), data.prepare(raw[:3]))
    np.testing.assert_array_equal(data.load_split('procedural', 'test', **kwargs), data.prepare(raw[3:]))
    unseen_images = data.prepare(generate_images(2, seed=7, family='unseen'))
    np.testing.assert_array_equal(data.load_split('procedural', 'test_unseen', **kwargs), unseen_images)


def test_default_dataset_is_generated_once(tmp_path, monkeypatch):
    import json

    monkeypatch.setattr(data, 'CACHE', tmp_path)
    path = data.ensure_default_dataset(3, 2, 7)
    assert np.load(path).shape == (3 + 2 + 2, 96, 96)
    meta = json.loads(path.with_suffix('.json').read_text())
    assert (meta['version'], meta['seed'], meta['n_train'], meta['n_test'], meta['n_test_unseen']) == (2, 7, 3, 2, 2)
    assert len(meta['sha256']) == 64 and f'-v{data.PROCEDURAL_VERSION}-' in path.name
    monkeypatch.setattr(procedural, 'generate_images', lambda *a: pytest.fail('regenerated a cached data set'))
    assert len(data.load_split('procedural', 'test_unseen', n_train=3, n_test=2, seed=7)) == 2
    assert data.default_dataset_path(3, 2, 8) != path  # other parameters, another file


def test_prepare_blurs_with_the_papers_kernel_and_normalises():
    k = data.blur_kernel()
    assert k.shape == (5, 5) and k.sum() == pytest.approx(1.0)
    x = np.arange(5) - 2
    gauss = np.exp(-(x[:, None] ** 2 + x**2) / (2 * 2.5**2))
    np.testing.assert_allclose(k, gauss / gauss.sum())
    np.testing.assert_array_equal(k, k.T)
    delta = np.zeros((1, 16, 16))
    delta[0, 8, 8] = 1.0
    delta[0, 0, 0] = 0.5  # keep the normalisation from hiding the kernel shape
    out = data.prepare(delta)
    assert out.min() == -1.0 and out.max() == 1.0
    # around the impulse the blurred image is the kernel, linearly rescaled
    patch = out[0, 6:11, 6:11]
    ratio = (patch - patch.min()) / (patch.max() - patch.min())
    np.testing.assert_allclose(ratio, (k - k.min()) / (k.max() - k.min()), atol=1e-5)


def test_prepare_handles_nan_and_rejects_constant_images():
    x = np.random.default_rng(0).random((3, 96, 96))
    x[0, 5, 5] = np.nan
    x[1, :, :] = np.inf
    x[1, 0, 0] = 1.0  # not constant after inf -> 0
    out = data.prepare(x)
    assert np.isfinite(out).all() and out.shape == (3, 96, 96)
    with pytest.raises(data.DataError, match='constant'):
        data.prepare(np.ones((2, 96, 96)))
    with pytest.warns(UserWarning, match='dropped 1 constant'):
        assert len(data.prepare(np.stack([np.ones((96, 96)), x[2]]), drop_constant=True)) == 1
    with pytest.raises(data.DataError, match=r'\[N, H, W\]'):
        data.prepare(np.zeros((96, 96)))


def _ids(images: np.ndarray) -> list[int]:
    return images[:, 0, 0].astype(int).tolist()


def test_npy_split_wemd_in_order_other_sizes_shuffled_by_the_seed(tmp_path, monkeypatch):
    assert data.WEMD_SIZE - data.WEMD_TRAIN == 3954
    crops = np.random.default_rng(0).random((50, 96, 96, 1)).astype(np.float32)
    crops[:, 0, 0, 0] = np.arange(50)  # each image's id
    path = tmp_path / 'crops.npy'
    np.save(path, crops)
    with pytest.warns(UserWarning, match='80/20 at random'):
        train, test = (_ids(data.npy_split(path, split, seed=0)) for split in ('train', 'test'))
    assert len(train) == 40 and len(test) == 10 and sorted(train + test) == list(range(50))
    assert test != list(range(40, 50))  # shuffled, not in order
    with pytest.warns(UserWarning):
        assert _ids(data.npy_split(path, 'test', seed=0)) == test  # stable for a seed
        assert _ids(data.npy_split(path, 'test', seed=1)) != test  # another seed, another split
        np.testing.assert_array_equal(data.load_split(str(path), 'test'), data.prepare(data.npy_split(path, 'test', 0)))
    monkeypatch.setattr(data, 'WEMD_SIZE', 50)  # the paper's file, in miniature: the ordered split
    monkeypatch.setattr(data, 'WEMD_TRAIN', 40)
    assert _ids(data.npy_split(path, 'train', seed=0)) == list(range(40))
    assert _ids(data.npy_split(path, 'test', seed=1)) == list(range(40, 50))


def test_npy_loader_shape_checks(tmp_path):
    bad = tmp_path / 'bad.npy'
    np.save(bad, np.zeros((4, 64, 64, 1)))
    with pytest.raises(data.DataError, match=r'no 2-D image of at least 96x96 px \(it has 64 x 64 px\)'):
        data.load_split(str(bad), 'train')
    with pytest.raises(data.DataError, match='does not exist'):
        data.load_split(str(tmp_path / 'missing.npy'), 'train')
    np.save(bad, np.zeros(10))
    with pytest.raises(data.DataError, match=r'shape \[10\]'):
        data.load_split(str(bad), 'train')
    np.save(bad, np.full((5, 96, 96, 1), np.nan))
    with pytest.raises(data.DataError, match='no usable images'), pytest.warns(UserWarning):
        data.load_split(str(bad), 'train')
    np.save(bad, np.ones((1, 96, 96)))
    with pytest.raises(data.DataError, match='one source'), pytest.warns(UserWarning):
        data.load_split(str(bad), 'train')
    (tmp_path / 'junk.npy').write_bytes(b'not numpy')
    with pytest.raises(data.DataError, match='not a readable'):
        data.load_split(str(tmp_path / 'junk.npy'), 'train')
    with pytest.raises(data.DataError, match='only for the procedural source'):
        data.load_split(str(bad), 'test_unseen')
    with pytest.raises(data.DataError, match="split must be one of 'train', 'test', 'test_unseen'"):
        data.load_split('procedural', 'validation')


def test_microscopy_split_keeps_each_file_on_one_side(tmp_path):
    tifffile = pytest.importorskip('tifffile')
    rng = np.random.default_rng(0)
    for i in range(7):  # file i: 1-4 crops, each crop's pixel [0, 0] = 100 * file + crop
        rows, cols = 1 + i % 2, 1 + i % 3 // 2 + i % 2
        image = rng.random((96 * rows, 96 * cols)).astype(np.float32)
        image[::96, ::96] = 100 * i + np.arange(rows * cols).reshape(rows, cols)
        tifffile.imwrite(tmp_path / f'{i}.tif', image)

    def files(split, seed):
        return sorted({v // 100 for v in _ids(data.microscopy_split(tmp_path, split, seed, 1))})

    train, test = files('train', 0), files('test', 0)
    assert not set(train) & set(test) and sorted(train + test) == list(range(7))
    assert (len(train), len(test)) == (6, 1)  # round(0.8 * 7) files train
    assert files('test', 0) == test  # stable for a seed
    assert len({tuple(files('test', seed)) for seed in range(4)}) > 1  # and changes with it
    crops = data.microscopy_split(tmp_path, 'train', 0, 1)
    np.testing.assert_array_equal(data.load_split(str(tmp_path), 'train'), data.prepare(crops))
    with pytest.raises(data.DataError, match='one source'):
        data.load_split(str(tmp_path / '0.tif'), 'test')


def test_microscopy_files_through_rosettasciio_are_tiled(tmp_path):
    tifffile = pytest.importorskip('tifffile')
    image = np.random.default_rng(0).random((200, 300)).astype(np.float32)
    tifffile.imwrite(tmp_path / 'a.tif', image)
    crops = load_microscopy(tmp_path)
    assert crops.shape == (2 * 3, 96, 96)
    np.testing.assert_array_equal(crops[1], image[:96, 96:192])
    assert load_microscopy(tmp_path / 'a.tif', downsample=2).shape == (1, 96, 96)
    write_hspy(tmp_path / 'b.hspy', image, navigate=(False, False))
    np.testing.assert_array_equal(load_microscopy(tmp_path / 'b.hspy')[5], image[96:192, 192:288])
    assert len(load_microscopy(tmp_path)) == 12  # a folder: both files
    (tmp_path / 'broken.dm4').write_bytes(b'\x00' * 64)
    with pytest.raises(data.DataError, match='rosettasciio could not read'):
        load_microscopy(tmp_path / 'broken.dm4')
    with pytest.raises(data.DataError, match='unsupported format'):
        load_microscopy(tmp_path / 'x.png')


def write_hspy(path, data, navigate):
    """A HyperSpy file through rosettasciio: `navigate` says, per axis, whether it is a navigation axis."""
    hspy = pytest.importorskip('rsciio.hspy')
    axes = [
        {'size': n, 'name': f'axis{i}', 'scale': 1, 'offset': 0, 'units': 'nm', 'navigate': nav}
        for i, (n, nav) in enumerate(zip(data.shape, navigate))
    ]
    signal = {
        'data': data,
        'axes': axes,
        'metadata': {'General': {'title': 't'}, 'Signal': {'signal_type': ''}},
        'original_metadata': {},
        'tmp_parameters': {},
        'attributes': {'_lazy': False},
        'package_info': {'name': '', 'version': ''},
        'learning_results': {},
        'models': {},
    }
    hspy.file_writer(str(path), signal)


def test_spectrum_images_and_4d_stem_are_refused_by_their_axes_and_skipped_by_name_in_a_folder(tmp_path, caplog):
    rng = np.random.default_rng(0)
    write_hspy(tmp_path / 'eels.hspy', rng.random((100, 120, 200), np.float32), navigate=(True, True, False))
    with pytest.raises(data.DataError, match='a spectrum image .* pass an image'):
        load_microscopy(tmp_path / 'eels.hspy')
    write_hspy(tmp_path / 'fourd.hspy', rng.random((4, 5, 96, 96), np.float32), navigate=(True, True, False, False))
    with pytest.raises(data.DataError, match='4D-STEM .* pass a virtual detector image'):
        load_microscopy(tmp_path / 'fourd.hspy')
    write_hspy(tmp_path / 'stack.hspy', rng.random((3, 96, 96), np.float32), navigate=(True, False, False))
    assert load_microscopy(tmp_path / 'stack.hspy').shape == (3, 96, 96)  # an image stack is images
    crops = load_microscopy(tmp_path)  # the folder: the stack is read, the others are named and skipped
    assert crops.shape == (3, 96, 96)
    err = caplog.text
    assert 'skipped' in err and 'eels.hspy: a spectrum image' in err and 'fourd.hspy: 4D-STEM' in err
    for name in ('eels.hspy', 'fourd.hspy'):
        r = subprocess.run(
            [sys.executable, '-m', 'training.data', '--source', str(tmp_path / name)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_single_large_npy_image_is_tiled_like_a_tif_and_complex_values_are_refused(tmp_path):
    from host.microscope import load_images

    image = np.random.default_rng(0).random((256, 300)).astype(np.float32)
    np.save(tmp_path / 'one.npy', image)
    crops = load_microscopy(tmp_path / 'one.npy')  # the loader every command shares
    assert crops.shape == (2 * 3, 96, 96)
    np.testing.assert_array_equal(crops[4], image[96:192, 96:192])
    assert load_images(str(tmp_path / 'one.npy')).shape == (6, 96, 96)  # run_scan's microscope reads it the same way
    np.save(tmp_path / 'complex.npy', np.ones((2, 96, 96), np.complex64))
    with pytest.raises(data.DataError, match='complex64'):
        data.load_split(str(tmp_path / 'complex.npy'), 'all')
    with pytest.raises(data.DataError, match='complex64'):
        load_images(str(tmp_path / 'complex.npy'))


@pytest.mark.parametrize('backend', ['tensorflow', 'jax'])
def test_augment_numpy_equals_keras_for_all_sixteen_variants(backend):
    """The 8 flips/rotations of the paper, each also contrast-inverted: NumPy and keras.ops agree exactly."""
    from tests.backend_runner import run_in_backend

    images = np.random.default_rng(0).random((16, 12, 12)).astype(np.float32)
    code = 'from keras import ops\nfrom training.augment import augment\n'
    code += 'images = np.random.default_rng(0).random((16, 12, 12)).astype(np.float32)\n'
    code += "result['got'] = ops.convert_to_numpy(augment(ops.convert_to_tensor(images), np.arange(16)))\n"
    got = run_in_backend(backend, code)['got']
    variants = set()
    for k in range(16):
        np.testing.assert_array_equal(got[k], data.augment(images[k], k))
        variants.add(data.augment(images[0], k).tobytes())
    assert len(variants) == 16
    np.testing.assert_array_equal(data.augment(images[0], 11), -data.augment(images[0], 3))  # k >= 8: inverted


def test_cli_reports_bad_input_and_exits_non_zero(tmp_path):
    proc = subprocess.run(
        [sys.executable, '-m', 'training.data', '--source', str(tmp_path / 'nothing.npy')],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and 'does not exist' in proc.stderr
    assert data.main(['--source', str(tmp_path / 'x.npy'), '--figure', str(tmp_path / 'x.png')]) == 2
    np.save(tmp_path / 'words.npy', np.full((5, 96, 96), 'a'))
    with pytest.raises(data.DataError, match='<U1 values; expected real numbers'):
        data.load_split(str(tmp_path / 'words.npy'), 'all')


def test_cli_draws_the_examples_and_reports_every_split(tmp_path, monkeypatch, capsys):
    pytest.importorskip('matplotlib')
    monkeypatch.setattr(data, 'CACHE', tmp_path)
    figure = tmp_path / 'examples.png'
    assert data.main(['--n-train', '3', '--n-test', '2', '--figure', str(figure)]) == 0
    assert figure.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    out = capsys.readouterr().out
    assert 'train: 3 images' in out and 'test: 2 images' in out and 'test_unseen: 2 images' in out
