"""A registered scanning policy (model.policies) loaded and ready: it scans prepared 96 x 96 images and completes them.

    scanner = load(policies.get('actor'))             # or load(policies.get()) for the default, the best measured one
    scans = scanner.scan(images)                        # positions, partial_scan, off_image
    completions = scanner.complete(scans['partial_scan'])

One class per policy kind, in KINDS; a new kind of policy (say, a learned error map choosing each segment) adds its
class there and its entry in checkpoints/policies.json.
"""

from __future__ import annotations

import numpy as np

from model.policies import Policy, PolicyError
from training import checkpoint
from training.evaluate import actor_scans, complete, fixed_path_scans


class Scanner:
    """What every policy has: its checkpoint's configuration, geometry and generator."""

    def __init__(self, policy: Policy):
        self.policy, self.cfg = policy, checkpoint.load_config(policy.checkpoint)
        self.geometry = self.cfg.geometry
        self.generator = checkpoint.load_generator(policy.checkpoint)

    def scan(self, images: np.ndarray) -> dict:
        """Scans of prepared images (N, H, W): positions, partial_scan (N, H, W, 2), off_image flags."""
        raise NotImplementedError

    def complete(self, partial_scans: np.ndarray) -> np.ndarray:
        """Completions (N, H, W) in [-1, 1] by the generator trained for this policy's paths."""
        return complete(self.generator, partial_scans)


class FixedPathScanner(Scanner):
    """One path for every image (the fixed spiral): the probe positions kept in the checkpoint's extras."""

    def __init__(self, policy: Policy):
        super().__init__(policy)
        self.positions = checkpoint.load_fixed_positions(policy.checkpoint)

    def scan(self, images: np.ndarray) -> dict:
        return fixed_path_scans(self.positions, images, self.geometry)


class ActorScanner(Scanner):
    """The recurrent actor choosing each segment's direction from what the scan has seen so far."""

    def __init__(self, policy: Policy):
        super().__init__(policy)
        self.actor = checkpoint.load_actor(policy.checkpoint)

    def scan(self, images: np.ndarray) -> dict:
        return actor_scans(self.actor, images, self.geometry, blind_actor=self.cfg.actor_mode == 'blind')


KINDS = {'fixed': FixedPathScanner, 'actor': ActorScanner}


def load(policy: Policy) -> Scanner:
    """The scanner of a registered policy (raises checkpoint.CheckpointError if its checkpoint is broken)."""
    if policy.kind not in KINDS:
        raise PolicyError(f'policy {policy.name!r} is of kind {policy.kind!r}, which training.scanners.KINDS does not know')
    return KINDS[policy.kind](policy)
