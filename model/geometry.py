"""The one scan-geometry definition used everywhere (environment, fixed paths, training, hardware, host).

Coordinates are (row, col) in pixel units: pixel (r, c) covers [r - 0.5, r + 0.5) x [c - 0.5, c + 0.5).
A scan is T straight segments of `probes_per_segment` probes. Segment t starts at `start_t`; its probes
sit at `start_t + k * spacing * u_t` for k = 0..P-1 and the next segment starts at
`start_t + P * spacing * u_t`, so successive probes along the whole path are exactly `spacing` apart.
The first segment starts at the image centre.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class ScanGeometry:
    image_size: int = 96
    """side of the square image in pixels"""
    segments: int = 20
    """T: number of straight segments (= actor decisions) per scan"""
    probes_per_segment: int = 20
    """probes on each segment"""
    spacing: float = math.sqrt(2.0)
    """distance between successive probes in pixels (>= sqrt(2) so no pixel is sampled twice in a row)"""
    edge_policy: str = 'clamp'
    """probes off the image read the nearest edge pixel ('clamp', the paper's environment)"""
    over_edge_penalty: float = 0.1
    """E_t added to a step's loss when any probe of that step's segment lies off the image"""

    def __post_init__(self):
        if self.image_size < 2 or self.segments < 1 or self.probes_per_segment < 1:
            raise ValueError(f'invalid scan geometry: {self}')
        if self.spacing <= 0:
            raise ValueError(f'probe spacing must be positive, got {self.spacing}')
        if self.edge_policy != 'clamp':
            raise ValueError(f"edge_policy must be 'clamp' (nearest edge pixel), got {self.edge_policy!r}")

    @property
    def probes(self) -> int:
        """Probes per scan (the dose): T * P."""
        return self.segments * self.probes_per_segment

    @property
    def pixels(self) -> int:
        return self.image_size * self.image_size

    @property
    def coverage(self) -> float:
        """Fraction of pixels probed, 400 / 9216 = 1 / 23.04 for the defaults."""
        return self.probes / self.pixels

    @property
    def start(self) -> tuple[float, float]:
        """Start of the first segment: the image centre."""
        return (self.image_size / 2.0, self.image_size / 2.0)

    @property
    def segment_length(self) -> float:
        return self.probes_per_segment * self.spacing

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> ScanGeometry:
        return cls(**d)

    @classmethod
    def load(cls, path: str | Path) -> ScanGeometry:
        return cls.from_dict(json.loads(Path(path).read_text()))


DEFAULT_GEOMETRY = ScanGeometry()
