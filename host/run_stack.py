"""One HyperSpy stack per run (run_scan.py): every scan of the run, its path, its completion and, where the simulated
microscope knows the image, that image and the scan's score.

    OUT/run-<run_id>.hspy   data (scans, 3, H, W): [probed values (NaN elsewhere), completion (NaN while pending),
                            the image scanned (NaN if unknown)]; original_metadata.adaptive_stem: scan ids, probe
                            positions (scans, probes, 2), image ids, MSE of each completion against its image, which
                            scans are completed, the device they were completed on, the actor backend and the settings.

NumPy only (rosettasciio and h5py are imported to write; a board without them skips the stack and says so).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from host.store import CorruptScan, ScanStore
from model.microscopy_files import Axis


def gather(store: ScanStore, run_id: str, images: np.ndarray | None) -> tuple[np.ndarray, dict]:
    """(data (scans, 3, H, W), facts) of the run's stored scans, in scan order."""
    ids = sorted(i for i in store.done_ids() + store.pending_ids() if i.startswith(f'{run_id}-'))
    layers, positions, image_ids, mse, completed = [], [], [], [], []
    for scan_id in ids:
        done = store.is_done(scan_id)
        try:
            arrays, meta = store.load(scan_id, 'done' if done else 'pending')
        except CorruptScan:
            continue
        partial = arrays['partial_scan']
        probed = np.where(partial[..., 1] > 0, partial[..., 0], np.nan)
        completion = store.completion(scan_id) if done else np.full(probed.shape, np.nan, np.float32)
        image_id = meta.get('image_id')
        image = images[image_id] if images is not None and image_id is not None else np.full(probed.shape, np.nan)
        layers.append(np.stack([probed, completion, image]).astype(np.float32))
        positions.append(np.asarray(arrays['positions'], np.float32).reshape(-1, 2))
        image_ids.append(-1 if image_id is None else int(image_id))
        mse.append(float(np.mean((completion - image) ** 2)) if done and images is not None else float('nan'))
        completed.append(done)
    facts = {
        'scan_ids': ids,
        'positions': np.asarray(positions, np.float32),
        'image_ids': np.asarray(image_ids, np.int64),
        'mse_against_image': np.asarray(mse, np.float64),
        'completed': np.asarray(completed, bool),
    }
    return (np.asarray(layers, np.float32) if layers else np.zeros((0, 3, 1, 1), np.float32)), facts


def write_run_stack(store: ScanStore, run_id: str, images: np.ndarray | None, settings: dict) -> Path | None:
    """Write OUT/run-<run_id>.hspy; returns its path (None when the run stored no scan)."""
    from model.signal_files import write

    data, facts = gather(store, run_id, images)
    if not len(data):
        return None
    scored = facts['mse_against_image'][np.isfinite(facts['mse_against_image'])]
    meta = {
        **settings,
        **facts,
        'layers': 'probed values (NaN elsewhere), completion (NaN while pending), the image scanned ([-1, 1] units)',
        'mean_mse_against_image': float(scored.mean()) if len(scored) else 'none',
    }
    axes = (Axis('y'), Axis('x'))
    (path,) = write(
        store.root / f'run-{run_id}', data, axes, f'run {run_id}', meta, navigation=[Axis('scan'), Axis('layer')], tif=False
    )
    return path
