"""`adaptive-stem`: every program of the project behind one command (installed as a console entry point).

    adaptive-stem reconstruct image.dm4 --out recon/      # python -m training.reconstruct
    adaptive-stem report actor --dataset my_images/       # python -m training.report
    adaptive-stem train --preset quality --dataset my_images/ --init-from checkpoints/quality
    adaptive-stem scan --actor policy --server local      # host/run_scan.py
    adaptive-stem serve --checkpoint checkpoints/quality  # python -m host.generator_service
    adaptive-stem data | keys | checkpoint ...

Each subcommand takes the options of the module it runs (`adaptive-stem reconstruct --help`). The modules are imported
only when chosen, so the board's subcommands (scan, keys) need no TensorFlow.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    'reconstruct': ('training.reconstruct', "scan and complete a user's image of any size, calibrated outputs"),
    'report': ('training.report', 'evaluate a trained system against the best fixed path, on your images or held-out ones'),
    'train': ('training.train', 'train (or fine-tune with --init-from) the actor, critic and generator'),
    'scan': ('host.run_scan', 'the board program (or a simulated microscope on a workstation)'),
    'serve': ('host.generator_service', 'the completion service'),
    'data': ('training.data', 'build the procedural data set, check a data set'),
    'keys': ('host.keys', 'CURVE keys for a service beyond loopback'),
    'checkpoint': ('training.checkpoint', 'verify or export a checkpoint'),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f'  {name:{width}s}  {about}' for name, (_, about) in COMMANDS.items()]
    return 'usage: adaptive-stem COMMAND [options]   (adaptive-stem COMMAND --help)\n\ncommands:\n' + '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(usage(), end='')
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        print(
            f'adaptive-stem: error: unknown command {argv[0]!r}: choose one of {", ".join(COMMANDS)} (see --help)',
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    sys.argv[0] = f'adaptive-stem {argv[0]}'
    return module.main(argv[1:])


if __name__ == '__main__':
    sys.exit(main())
