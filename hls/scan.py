"""Full closed-loop scans with the integer reference actor: the host loop the core sits in, in NumPy."""

from __future__ import annotations

import numpy as np

from hls.reference import ReferenceActor
from model.scan_numpy import ScanEnvironment


def reference_scans(actor: ReferenceActor, images: np.ndarray, keras_model=None) -> dict:
    """Scan images (N, H, W) closed-loop with the integer actor, all images as one batch.

    Returns observations (N, T, 22) and actions (N, T, 2) as integers, h and c after every step (N, T, H), the partial
    scans (N, H, W, 2); with keras_model, also the number of integer mismatches of the HGQ2 model fed the same
    (obs, h, c) at every step (action, h', c' compared).
    """
    contract = actor.contract
    envs = [ScanEnvironment(contract.geometry) for _ in images]
    obs = np.stack([env.reset(img) for env, img in zip(envs, images)])
    actor.reset(len(images))
    rec = {'obs': [], 'action': [], 'h': [], 'c': []}
    mismatches = 0
    for t in range(contract.geometry.segments):
        obs_q = contract.encode_observation(obs)
        h0, c0 = actor.state
        action = actor.step(obs_q, first=t == 0)
        h1, c1 = actor.state
        if keras_model is not None:
            floats = [contract.input.to_float(obs_q), actor.h_format.to_float(h0), actor.c_format.to_float(c0)]
            kv, kh, kc = (np.asarray(a, np.float64) for a in keras_model([np.float32(f) for f in floats]))
            k_ints = [
                np.round(kv * 2.0**contract.output.frac),
                np.round(kh * 2.0**actor.h_format.frac),
                np.round(kc * 2.0**actor.c_format.frac),
            ]
            mismatches += sum(int(np.sum(k.astype(np.int64) != r)) for k, r in zip(k_ints, (action, h1, c1)))
        for key, v in zip(rec, (obs_q, action, h1, c1)):
            rec[key].append(v)
        obs = np.stack([env.step(a) for env, a in zip(envs, contract.decode_action(action).astype(np.float32))])
    out = {k: np.stack(v, 1) for k, v in rec.items()}
    out['partial_scan'] = np.stack([env.partial_scan() for env in envs])
    out['mismatches'] = mismatches
    return out
