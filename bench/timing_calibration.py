"""hls/timing.py against the router -> bench/results/timing_calibration.json: the model's stage estimate next to the routed
critical path of every place and route run, and the stand-in's routing terms fitted to them.

    python -m bench.timing_calibration --runs hls/build/rtl/place_and_route.json:hls/actors/default \\
        /tmp/pnr_47a503f.json:/tmp/wrap:plain      # make pnr's result files, each with the actor it routed
                                                   # (:plain: cut without a register after each multiplier, as before)

For every run whose critical path lies inside the core (from stage s's input registers to stage s + 1's), the cut is
recomputed with the model that made it (`timing.ASSUMED`) and stage s's worst chain is split into Zynq cell delay, nets,
log2 fan-outs and multiplier nets (`timing.stage_delays` parts). Fitted on the speed-grade-6 runs (see `fit`):
the routed device's cells relative to the Zynq cells, and a net's delay net_ns + fanout_ns * log2(fan-out) + dsp_ns on a
multiplier's nets (the routed nets of the critical paths, `hls.place_route.routing_steps`). The table then gives, per run,
the Zynq estimate (ASSUMED), the stand-in estimate with the fitted terms, and the route.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

RESULTS = Path('bench/results/timing_calibration.json')


def core_stage(path: dict) -> int | None:
    """The core stage a routed critical path starts in (its input registers), or None for a path outside the core."""
    m = re.search(r'(?:^|\.)stage(\d+)[._]', path.get('from', ''))
    return int(m.group(1)) if m and 'stage' in path.get('to', '') else None


def points(runs: list[tuple[Path, Path, bool]]) -> list[dict]:
    from da4ml.types import CombLogic

    from hls import timing

    out = []
    for result_file, actor, register_multipliers in runs:
        result = json.loads(result_file.read_text())
        logic = CombLogic.load(actor / 'comb_logic.json')
        for cut in result['cuts']:
            pipe = timing.pipeline(logic, cut['core_period_ns'], timing.ASSUMED, register_multipliers)
            if len(pipe.solutions) != cut.get('core_pipeline_stages', len(pipe.solutions)):
                raise ValueError(f'{result_file}: the recomputed cut is not the routed one (another cut rule?)')
            stages = timing.stage_delays(pipe, timing.ASSUMED)
            for design, routes in cut['designs'].items():
                for r in routes:
                    stage = core_stage(r['critical_path'])
                    out.append({
                        'file': str(result_file), 'cut_ns': cut['core_period_ns'], 'design': design,
                        'grade': r['speed_grade'], 'stage': stage, 'fmax_mhz': r['fmax_mhz'],
                        'routed': {k: r['critical_path'][k] for k in ('logic_ns', 'routing_ns', 'total_ns')},
                        'model': None if stage is None else stages[stage],
                        'routing_steps': r.get('routing_steps', []),
                    })  # fmt: skip
    return out


def fit(pts: list[dict], grade: int):
    """Routing(net_ns, fanout_ns, dsp_ns, logic_scale) for one speed grade, how it was fitted, and its RMS error (ns) over
    the core paths. fanout_ns and dsp_ns: least squares over the routed nets of every critical path (delay = a +
    fanout_ns * log2(fan-out) + dsp_ns * [multiplier net]); logic_scale: routed logic / model cells over the core paths;
    net_ns: their routed routing, less the fan-out and multiplier terms, per net of the model's chain (a model net stands
    for the one or more hops the routed LUT mapping makes of it)."""
    from hls import timing

    core = [p for p in pts if p['grade'] == grade and p['model']]
    steps = [s for p in pts if p['grade'] == grade for s in p['routing_steps'] if s['delay_ns'] > 0]
    fanout_ns = dsp_ns = 0.0
    if len(steps) >= 3:
        a = np.array([[1.0, np.log2(max(s['fanout'], 1)), float(s['dsp'])] for s in steps])
        (_, fanout_ns, dsp_ns), *_ = np.linalg.lstsq(a, np.array([s['delay_ns'] for s in steps]), rcond=None)
    parts = lambda k: sum(p['model']['parts'][k] for p in core)  # noqa: E731
    logic_scale = sum(p['routed']['logic_ns'] for p in core) / parts('cells_ns')
    routing = sum(p['routed']['routing_ns'] for p in core) - fanout_ns * parts('fanout_log2') - dsp_ns * parts('dsp_nets')
    fitted = timing.Routing(
        round(routing / parts('nets'), 3), round(float(fanout_ns), 3), round(float(dsp_ns), 3), round(logic_scale, 3)
    )
    errors = [stand_in_estimate(p['model']['parts'], fitted) - p['routed']['total_ns'] for p in core]
    source = f'{len(core)} routed core paths and {len(steps)} routed nets on the critical paths, speed grade {grade}'
    return fitted, source, float(np.sqrt(np.mean(np.square(errors))))


def stand_in_estimate(parts: dict, routing) -> float:
    return (
        routing.logic_scale * parts['cells_ns'] + parts['nets'] * routing.net_ns + parts['fanout_log2'] * routing.fanout_ns
        + parts['dsp_nets'] * routing.dsp_ns
    )  # fmt: skip


def main(argv=None) -> int:
    from model.cli import Parser

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--runs', nargs='+', required=True, help='RESULT.json:ACTOR_DIR[:plain] (make pnr outputs)')
    p.add_argument('--grade', type=int, default=6, help='the speed grade to fit (the stand-in default: 6, its slowest)')
    args = p.parse_args(argv)
    runs = []
    for item in args.runs:
        result, actor, *rule = item.split(':')
        if not (Path(result).is_file() and (Path(actor) / 'comb_logic.json').is_file() and rule in ([], ['plain'])):
            print(f'error: {item}: expected RESULT.json:ACTOR_DIR[:plain] (a make pnr result, its actor)', file=sys.stderr)
            return 2
        runs.append((Path(result), Path(actor), rule != ['plain']))
    pts = points(runs)
    routing, source, rms = fit(pts, args.grade)
    table = []
    for q in pts:
        row = {k: q[k] for k in ('cut_ns', 'design', 'grade', 'stage', 'fmax_mhz')} | {'routed_ns': q['routed']['total_ns']}
        if q['model']:
            row |= {
                'zynq_estimate_ns': q['model']['critical_path_ns'],
                'stand_in_estimate_ns': round(stand_in_estimate(q['model']['parts'], routing), 3),
                'parts': q['model']['parts'],
            }
        table.append(row)
    out = {'grade': args.grade, 'fitted': routing._asdict(), 'fitted_on': source, 'core_rms_error_ns': round(rms, 3),
           'runs': table}  # fmt: skip
    RESULTS.write_text(json.dumps(out, indent=2))
    print(json.dumps({k: v for k, v in out.items() if k != 'runs'}, indent=2))
    for row in table:
        est = f'{row.get("zynq_estimate_ns", "-")} / {row.get("stand_in_estimate_ns", "-")}'
        print(f'cut {row["cut_ns"]:g} {row["design"]} grade {row["grade"]} stage {row["stage"]}: model {est}, '
              f'routed {row["routed_ns"]}')  # fmt: skip
    return 0


if __name__ == '__main__':
    sys.exit(main())
