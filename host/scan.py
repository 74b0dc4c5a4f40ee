"""One adaptive scan: for each segment, the actor picks a direction and the microscope scans it (or, with the pynq
backend, the fabric runs the whole scan loop: host.actors.FabricActor.acquire)."""

from __future__ import annotations

import time

import numpy as np

from model.geometry import ScanGeometry
from model.scan_numpy import ScanEnvironment


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
    env = ScanEnvironment(geometry)
    obs = env.reset()
    rec = {k: [] for k in ('observations', 'actions_q', 'actor_s', 'scan_s')}
    for _ in range(geometry.segments):
        t0 = time.perf_counter()
        action = np.asarray(actor.step(obs), np.float32)
        t1 = time.perf_counter()
        rec['observations'].append(obs)
        obs = env.step(action, read=microscope.scan_segment)
        rec['scan_s'].append(time.perf_counter() - t1)
        rec['actor_s'].append(t1 - t0)
        if actor.last_q is not None:
            rec['actions_q'].append(actor.last_q)
    arrays = {k: np.asarray(v, np.int64 if k == 'actions_q' else np.float32) for k, v in rec.items()}
    arrays.update(positions=np.array(env.positions), values=np.array(env.values), actions=np.array(env.actions))
    arrays['partial_scan'] = env.partial_scan()
    meta.update(time_end=time.time(), backend=actor.name, contract_hash=actor.contract_hash, geometry=geometry.to_json())
    return arrays, meta
