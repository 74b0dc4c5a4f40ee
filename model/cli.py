"""Command lines of every program (training, hls, bench, host): every mistake is one line on stderr and exit status 2, never a traceback.

`Parser` is argparse with a one-line error; the converters below check type and range as arguments are read:
    p.add_argument('--dose', type=real(0, 1e9, above=True))    # a finite number in (0, 1e9]
"""

from __future__ import annotations

import argparse
import ipaddress
import math


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (argparse prints the usage first): what is wrong and where to look."""

    def error(self, message: str):
        self.exit(2, f'{self.prog}: error: {" ".join(message.split())} (see --help)\n')


def integer(low: int, high: int):
    """An int in [low, high]."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'must be a whole number from {low} to {high}, got {text!r}') from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f'must be from {low} to {high}, got {value}')
        return value

    return convert


def real(low: float, high: float, above: bool = False):
    """A finite float in [low, high], or (low, high] with above=True."""
    interval = f'{"(" if above else "["}{low:g}, {high:g}]'

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (low < value <= high if above else low <= value <= high):  # NaN fails both
            raise argparse.ArgumentTypeError(f'must be a number in {interval}, got {text!r}')
        return value

    return convert


def port(text: str) -> int:
    """A TCP port, 1-65535 (ZeroMQ would silently wrap a larger one onto another port)."""
    return integer(1, 65535)(text)


def endpoint(text: str) -> str:
    """HOST:PORT with a valid port, an IPv6 host in brackets ([::1]:5555); 'none' passes through."""
    host, sep, number = text.rpartition(':')
    if text == 'none':
        return text
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise argparse.ArgumentTypeError(f'{text!r}: brackets hold an IPv6 address, e.g. [::1]:5555') from None
    if not sep or not host or any(c in host for c in ' /\\[]') or (':' in host and not text.startswith('[')):
        raise argparse.ArgumentTypeError(f'must be HOST:PORT (e.g. 127.0.0.1:5555 or [::1]:5555) or none, got {text!r}')
    return f'{bracketed(host)}:{port(number)}'


def bracketed(host: str) -> str:
    """A host as it goes into a ZeroMQ tcp:// address: IPv6 addresses in brackets."""
    return f'[{host}]' if ':' in host else host


def is_loopback(host: str) -> bool:
    try:
        return host == 'localhost' or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
