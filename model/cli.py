"""Command lines of every program (training, hls, bench, host): every mistake is one line on stderr and exit status 2, never a traceback.

`Parser` is argparse with a one-line error; the converters below check type and range as arguments are read:
    p.add_argument('--dose', type=real(0, 1e9, above=True))    # a finite number in (0, 1e9]
`add_verbosity` and `setup_logging` give a command --verbose/--quiet, Python logging with one line per message (warnings
included), and `quiet_keras` imports Keras without TensorFlow's start-up lines unless --verbose.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import math
import os
import sys
import warnings


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


def pixel_size(text: str) -> tuple[float, str | None]:
    """A pixel size: a positive number in the file's own units ('0.05') or with length units ('0.05nm', '50pm', '0.5A')."""
    number = text.rstrip('abcdefghijklmnopqrstuvwxyzµÅABCDEFGHIJKLMNOPQRSTUVWXYZ ')
    units = text[len(number) :].strip() or None
    value = real(0, 1e12, above=True)(number) if number else math.nan
    if math.isnan(value) or (units is not None and units not in ('pm', 'A', 'Å', 'nm', 'um', 'µm', 'mm')):
        raise argparse.ArgumentTypeError(
            f'must be a positive number, optionally with pm, A, nm, um or mm (e.g. 0.05nm), got {text!r}'
        )
    return value, units


def add_image_options(p: argparse.ArgumentParser) -> None:
    """--downsample N and --pixel-size SIZE: how users' files are binned or resampled before 96 x 96 tiles are cut."""
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        '--downsample', type=integer(1, 1024), default=1, help="bin N x N pixels of users' files first (default 1)"
    )
    g.add_argument(
        '--pixel-size',
        type=pixel_size,
        default=None,
        metavar='SIZE',
        help="resample users' files to this pixel size from their calibration: a number in the file's units or with "
        'units, e.g. 0.05nm (choose it so that the features you care about are a few pixels wide)',
    )


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


def add_verbosity(p: argparse.ArgumentParser) -> None:
    """--verbose (debug messages, TensorFlow's own logs) and --quiet (errors only)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument('-v', '--verbose', action='store_true', help="more messages, and TensorFlow's and Keras's own logs")
    g.add_argument('-q', '--quiet', action='store_true', help='errors only')


def setup_logging(args: argparse.Namespace, prog: str) -> None:
    """Python logging to stderr, one line per message (`prog: warning: ...`); Python warnings become such lines."""
    level = (
        logging.DEBUG
        if getattr(args, 'verbose', False)
        else logging.ERROR
        if getattr(args, 'quiet', False)
        else logging.INFO
    )
    handler = _Stderr()
    handler.setFormatter(_OneLine(prog))
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _Stderr)] + [handler]  # once, whoever calls
    root.setLevel(level)
    warnings.formatwarning = lambda message, *_, **__: str(message)
    logging.captureWarnings(True)
    if not getattr(args, 'verbose', False):
        os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
        for noisy in ('tensorflow', 'absl', 'h5py', 'matplotlib', 'PIL', 'rsciio', 'tifffile'):
            logging.getLogger(noisy).setLevel(logging.ERROR)


class _Stderr(logging.StreamHandler):
    """A handler writing to whatever sys.stderr is when a message comes (tests and callers may redirect it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class _OneLine(logging.Formatter):
    def __init__(self, prog: str):
        super().__init__()
        self.prog = prog

    def format(self, record: logging.LogRecord) -> str:
        level = '' if record.levelno == logging.INFO else f'{record.levelname.lower()}: '
        sep = ' ' if self.prog.endswith(']') else ': '  # '[run_scan] warning: ...' like that program's own lines
        return f'{self.prog}{sep}{level}{" ".join(record.getMessage().split())}'


@contextlib.contextmanager
def _native_stderr_silenced():
    """Hide what native code writes to file descriptor 2 (TensorFlow's start-up lines) while the block runs."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_keras(verbose: bool = False) -> None:
    """Import Keras (and its backend) now, without TensorFlow's start-up lines on stderr unless `verbose`."""
    if verbose:
        os.environ['TF_CPP_MIN_LOG_LEVEL'] = '0'
        import keras  # noqa: F401

        return
    os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'  # TensorFlow's native log lines (oneDNN notes), errors included: Python raises
    with _native_stderr_silenced():
        import keras  # noqa: F401
