"""host/actor_rtl_sim.py: three closed-loop scans through the simulated RTL equal ReferenceActor word for word."""

import shutil

import numpy as np
import pytest

from hls.simulators import default_actor_dir


@pytest.mark.skipif(shutil.which('iverilog') is None, reason='iverilog not installed')
def test_three_scans_match_reference():
    from hls.reference import ReferenceActor
    from host.actor_rtl_sim import RtlSimActor
    from model.scan_numpy import ScanEnvironment
    from training.data import load_split

    actor_dir = default_actor_dir()
    ref = ReferenceActor.from_file(actor_dir)
    contract = ref.contract
    decisions = 0
    with RtlSimActor(actor_dir, simulator='icarus') as rtl:
        for image in load_split('procedural', 'test')[:3]:
            env = ScanEnvironment(contract.geometry)
            obs = env.reset(image)
            rtl.reset()
            for t in range(contract.geometry.segments):
                obs_q = contract.encode_observation(obs)
                out = rtl.step(obs_q)
                assert np.array_equal(out, ref.step(obs_q, first=t == 0)), f'decision {t}'
                obs = env.step(contract.decode_action(out).astype(np.float32))
                decisions += 1
    assert decisions == 3 * contract.geometry.segments


def test_missing_simulator_is_a_clear_error(tmp_path):
    from host.actor_rtl_sim import RtlSimActor, RtlSimError

    with pytest.raises(RtlSimError, match='unknown simulator'):
        RtlSimActor(default_actor_dir(), simulator='nosuchsim')
