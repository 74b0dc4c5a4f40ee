"""CURVE keys: ZeroMQ's authenticated encryption between boards and a completion service beyond loopback (zmq.auth).

    python -m host.keys keys/                    # the service's key pair and one board's: keys/service/, keys/board/
    python -m host.keys keys/ --client board2    # one more board (the service's key pair is kept)

    keys/service/server.key_secret   the service's key pair            } stay on the workstation:
    keys/service/clients/NAME.key    public key of each accepted board  } generator_service.py --keys keys/service
    keys/NAME/server.key             the service's public key           } copy keys/NAME/ to the board:
    keys/NAME/client.key_secret      the board's key pair               } run_scan.py --keys keys/NAME

The service accepts exactly the boards whose public keys are in service/clients/ (a ZAP handler checks each
connection); every message is encrypted. Delete a board's .key file there (and restart the service) to lock it out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path


class KeyFileError(Exception):
    """Key files missing or unreadable; the message says which and how to create them."""


def _load(path: Path) -> tuple[bytes, bytes | None]:
    """(public key, secret key or None) from a key file written by zmq.auth, each checked: 40 characters of the Z85
    alphabet (ZeroMQ would refuse any other key only when it is set on a socket, with "Invalid argument")."""
    import zmq.auth
    from zmq.utils.z85 import Z85CHARS

    if not path.is_file():
        raise KeyFileError(f'{path} not found: create the keys with python -m host.keys DIR')
    try:
        public, secret = zmq.auth.load_certificate(path)
    except Exception as e:  # noqa: BLE001  (zmq.auth raises ValueError, OSError, ...)
        raise KeyFileError(f'{path} is not a ZeroMQ key file ({type(e).__name__}: {e})') from None
    for key in (public, secret):
        if key is not None and (len(key) != 40 or not set(key) <= set(Z85CHARS)):
            raise KeyFileError(
                f'{path} holds a malformed key (a CURVE key is 40 characters of the Z85 alphabet): '
                'remake it with python -m host.keys'
            )
    return public, secret


def generate(folder: str | Path, client: str = 'board') -> Path:
    """Write the service's key pair (once) and the key pair of board `client`; returns the board's folder."""
    import zmq.auth

    folder = Path(folder)
    service, board = folder / 'service', folder / client
    if board.exists():
        raise KeyFileError(f'{board} already exists: pick another --client name or delete it')
    if not (service / 'server.key_secret').is_file():
        (service / 'clients').mkdir(parents=True, exist_ok=True)
        zmq.auth.create_certificates(service, 'server')
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        public, secret = zmq.auth.create_certificates(tmp, 'client')
        board.mkdir()
        shutil.copy(service / 'server.key', board / 'server.key')
        shutil.move(secret, board / 'client.key_secret')
        shutil.move(public, service / 'clients' / f'{client}.key')
    for secret_file in (service / 'server.key_secret', board / 'client.key_secret'):
        os.chmod(secret_file, 0o600)
    return board


def serve_securely(context, socket, folder: str | Path):
    """Make `socket` a CURVE server (before bind) that accepts only the clients in folder/clients/.
    Every key is checked before anything starts; returns the running ZAP authenticator thread (stop() it when
    closing, before the context is terminated)."""
    from zmq.auth.thread import ThreadAuthenticator

    folder = Path(folder)
    public, secret = _load(folder / 'server.key_secret')
    if secret is None or not (folder / 'clients').is_dir():
        raise KeyFileError(f'{folder} holds no service key pair: pass --keys DIR/service, made by python -m host.keys DIR')
    boards = sorted((folder / 'clients').glob('*.key'))
    if not boards:
        raise KeyFileError(f'{folder}/clients/ holds no board key: add one with python -m host.keys {folder.parent}')
    for board in boards:  # zmq.auth would skip a bad file silently and lock every board out with an empty allow-list
        _load(board)
    socket.curve_secretkey, socket.curve_publickey, socket.curve_server = secret, public, True
    authenticator = ThreadAuthenticator(context)
    authenticator.start()
    authenticator.configure_curve(domain='*', location=str(folder / 'clients'))
    return authenticator


class ClientKeys:
    """A board's key pair and the service's public key, loaded once from a board's key folder."""

    def __init__(self, folder: str | Path):
        folder = Path(folder)
        self.public, self.secret = _load(folder / 'client.key_secret')
        self.server, _ = _load(folder / 'server.key')
        if self.secret is None:
            raise KeyFileError(f'{folder}/client.key_secret holds no secret key: pass --keys DIR/NAME of host.keys')

    def apply(self, socket) -> None:
        """Make `socket` a CURVE client of the service (before connect)."""
        socket.curve_secretkey, socket.curve_publickey, socket.curve_serverkey = self.secret, self.public, self.server


def main(argv=None) -> int:
    from model.cli import Parser

    p = Parser(prog='python -m host.keys', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('folder', help='where to write the keys (service/ and one folder per board)')
    p.add_argument('--client', default='board', help='name of the board whose key pair is made (default %(default)s)')
    args = p.parse_args(argv)
    if not args.client.replace('-', '').replace('_', '').isalnum() or not args.client.isascii():
        p.error(f'--client must be letters, digits, - or _, got {args.client!r}')
    try:
        Path(args.folder).mkdir(parents=True, exist_ok=True)
        board = generate(args.folder, args.client)
    except (KeyFileError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'keys written: service {Path(args.folder) / "service"} (--keys for generator_service), board {board}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
