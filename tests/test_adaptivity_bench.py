"""bench/adaptivity.py end to end at a tiny size: every stage runs, resumes from its artifacts, and the ratios it writes
are the ones its per-image values give."""

import json

import numpy as np
import pytest

pytest.importorskip('keras')

from bench import adaptivity  # noqa: E402

TINY = adaptivity.Sizes(
    curve_images=(2, 4), bank_updates=2, own_updates=2, erd_steps=2, chunk=2, curve_test_images=3, dagger_images=2,
    tune_from=3000, tune_images=3, static_from=3300, static_images=3, validation_from=3800, validation_images=2,
    own_path_images=4, geometry_images=3, decision_scans=1,
)  # fmt: skip


@pytest.mark.slow
def test_every_stage_runs_and_the_written_ratios_are_those_of_the_per_image_values(tmp_path, monkeypatch):
    monkeypatch.setattr(adaptivity, 'TETHERS', (0.0, 1.0))
    results = tmp_path / 'results'
    results.mkdir()
    (results / 'quality.json').write_text(json.dumps({'adaptive_over_best_fixed_mse': 1.5}))
    work = adaptivity.Work(tmp_path / 'work', n_test=10, progress=False, sizes=TINY)
    for stage in adaptivity.STAGES:
        adaptivity.STAGE_FUNCTIONS[stage](work)
    adaptivity.write(work, 'test', out=results)
    written = json.loads((results / 'adaptivity.json').read_text())
    assert set(written['curve']['points']) == {'2', '4'}
    per_image = np.load(tmp_path / 'work' / 'per_image.npz')
    for split in ('test', 'test_unseen'):
        row = written['rows'][split]['erd_planned']['same_generator']
        mse = per_image[f'{split}/erd_planned/bank0']
        assert row['mse'] == pytest.approx(mse.mean())
        assert row['ratio'] == pytest.approx(mse.mean() / per_image[f'{split}/spiral/bank0'].mean())
        assert row['ratio_interval95'][0] <= row['ratio'] <= row['ratio_interval95'][1]
        assert written['rows'][split]['spiral']['own_generator']['ratio'] == pytest.approx(1.0)
    assert written['tune']['chosen_tether'] in (0.0, 1.0)
    assert set(written['geometries']) >= {'20x20', '40x10'}
    quality = json.loads((results / 'quality.json').read_text())
    assert quality['adaptive_over_best_fixed_mse'] == 1.5 and quality['adaptivity']['rows']['test']['erd_greedy']
    assert '| erd_planned |' in (results / 'adaptivity.md').read_text()
    # a second run finds every artifact and changes nothing
    again = adaptivity.Work(tmp_path / 'work', n_test=10, progress=False, sizes=TINY)
    for stage in adaptivity.STAGES:
        adaptivity.STAGE_FUNCTIONS[stage](again)
    assert again.results == work.results
