"""Sizes of the actor, critic and generator networks (plain dataclasses: reading a config needs no Keras)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecurrentSpec:
    units: int = 256
    """LSTM units per layer"""
    depth: int = 2
    """stacked LSTM layers"""


@dataclass(frozen=True)
class GeneratorSpec:
    channels: int = 32
    """channels of the first convolution (the paper's generator: 32, widening to 4x at 1/4 resolution)"""
    residual_blocks: int = 5
    """residual blocks of three 3x3 convolutions at 1/4 resolution"""
    skips: bool = False
    """U-Net skip connections: each upsampling stage also sees the encoder's features at its resolution"""
