"""Subprocess of host/actor_rtl_sim.py: build the wrapper + core and run the cocotb bridge (hls/rtl_wrapper/bridge_tb.py).

python -m hls.rtl_wrapper.bridge --actor DIR --simulator icarus --build DIR --port PORT
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hls.simulators import build, run


def main(argv=None) -> int:
    from model.cli import Parser

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, required=True)
    p.add_argument('--simulator', default='icarus')
    p.add_argument('--build', type=Path, required=True)
    p.add_argument('--port', type=int, required=True)
    args = p.parse_args(argv)
    try:
        runner, sources = build(args.simulator, args.actor, args.build)
    except (RuntimeError, ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    run(runner, sources.top, args.build, 'hls.rtl_wrapper.bridge_tb', extra_env={'RTL_BRIDGE_PORT': str(args.port)})
    return 0


if __name__ == '__main__':
    sys.exit(main())
