"""One adaptive scan: for each segment, the actor picks a direction and the microscope scans it (or, with the pynq
backend, the fabric runs the whole scan loop: host.actors.FabricActor.acquire)."""

from __future__ import annotations

import time

import numpy as np

from model.geometry import ScanGeometry
from model.observation import encode_observation, initial_observation
from model.scan_numpy import partial_scan, pixel_indices, segment_positions, unit_directions


def acquire(actor, microscope, geometry: ScanGeometry) -> tuple[dict, dict]:
    """Run one scan; returns (arrays, meta) ready for the store.

    arrays: positions (T, P, 2) commanded probe positions, values (T, P), observations (T, obs_dim) the actor saw,
    actions (T, 2), actions_q (T, 2) the integer outputs (integer backends; else empty), partial_scan (H, W, 2),
    actor_s / scan_s (T,) seconds spent in the actor and in the microscope per decision.
    """
    if hasattr(actor, 'acquire'):  # the fabric runs the whole scan loop
        return actor.acquire(microscope, geometry)
    meta = {'time_start': time.time(), **microscope.begin_scan()}
    actor.reset()
    start = np.asarray(geometry.start, np.float32)
    obs = initial_observation(geometry).astype(np.float32)
    rec = {k: [] for k in ('positions', 'values', 'observations', 'actions', 'actions_q', 'actor_s', 'scan_s')}
    for _ in range(geometry.segments):
        t0 = time.perf_counter()
        action = np.asarray(actor.step(obs), np.float32)
        t1 = time.perf_counter()
        positions, start = segment_positions(start, unit_directions(action), geometry)
        values = np.asarray(microscope.scan_segment(positions), np.float32)
        rec['scan_s'].append(time.perf_counter() - t1)
        rec['actor_s'].append(t1 - t0)
        if values.shape != (geometry.probes_per_segment,):
            raise ValueError(f'microscope returned {values.shape} values for {geometry.probes_per_segment} probes')
        rec['observations'].append(obs)
        rec['actions'].append(action)
        if actor.last_q is not None:
            rec['actions_q'].append(actor.last_q)
        rec['positions'].append(positions)
        rec['values'].append(values)
        obs = encode_observation(values, start, geometry).astype(np.float32)
    arrays = {k: np.asarray(v, np.int64 if k == 'actions_q' else np.float32) for k, v in rec.items()}
    idx, _ = pixel_indices(arrays['positions'], geometry.image_size)
    arrays['partial_scan'] = partial_scan(arrays['values'], idx, geometry.image_size)
    meta.update(time_end=time.time(), backend=actor.name, contract_hash=actor.contract_hash, geometry=geometry.to_json())
    return arrays, meta
