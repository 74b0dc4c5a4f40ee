"""Hardware benchmark -> bench/results/hardware.json and the tables in bench/results/hardware.md.

    python -m bench.hardware --actor hls/actors/default --rtl hls/build/rtl --rtl-sim bench/results/rtl_sim --name h16_b1e-06

Two parts:
  variants  one row per actor variant: float vs quantized scan quality (both actors scan the same held-out images
            closed-loop, the quantized one through the bit-exact integer reference; the trained generator completes
            the partial scans; MSE against the full images), learned weight bits, hls4ml C-simulation mismatches
            (make hls). A rerun with the same --name replaces the row; --skip-quality keeps the row's quality numbers.
  fabric    the actor of --actor on the board, everything measured with the current flow: the core's pipeline and each
            stage's estimated critical path (hls.timing; also for da4ml's unit-latency cut at 5, for comparison),
            Yosys resources of the core and of the board's scan IP with the tables in LUTs and in block RAM (make
            rtl), and from the RTL simulations (make bench-rtl-sim, bench/results/rtl_sim/*.json): decisions compared
            with the reference through the per-decision wrapper, whole sequencer scans compared with its model, cycles
            per decision, per scan, dead time and decision time between segments; plus the share of probes on which
            the sequencer's fixed-point positions pick the float environment's pixel.
Every count in the file is a count of comparisons that ran; nothing is asserted before it was measured.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from hls.rtl_wrapper.sources import PERIOD_NS

RESULTS = Path('bench/results/hardware.json')
TABLE = Path('bench/results/hardware.md')
DEFAULT_ACTOR = 'hls/actors/default'
XC7Z020 = {'LUT': 53200, 'FF': 106400, 'DSP': 220, 'BRAM36': 140}


def scan_quality(actor_dir: Path, checkpoint: Path, n_images: int) -> dict:
    import hgq  # noqa: F401
    import keras

    from hls.reference import ReferenceActor
    from hls.scan import reference_scans
    from training.checkpoint import load_actor, load_config, load_generator
    from training.data import load_config_split
    from training.evaluate import actor_scans, complete, score

    cfg = load_config(checkpoint)
    images = load_config_split(cfg, 'test')[:n_images]
    geometry = cfg.geometry
    generator = load_generator(checkpoint)
    float_scores = score(complete(generator, actor_scans(load_actor(checkpoint), images, geometry)['partial_scan']), images)
    ref = ReferenceActor.from_file(actor_dir)
    model = keras.models.load_model(actor_dir / 'model.keras', compile=False)
    q = reference_scans(ref, images, model)
    q_scores = score(complete(generator, q['partial_scan']), images)
    return {
        'images': n_images,
        'float_mse': float(float_scores['mse']),
        'quantized_mse': float(q_scores['mse']),
        'mse_ratio': float(q_scores['mse'] / float_scores['mse']),
        'float_psnr': float(float_scores['psnr']),
        'quantized_psnr': float(q_scores['psnr']),
        'python_decisions': int(n_images * geometry.segments),
        'python_vs_hgq2_mismatches': int(q['mismatches']),
    }


def weight_bits(model) -> dict:
    """HGQ2's learned bit widths of the gate and head weights: mean over all weights, max, and the share pruned to 0 bits."""
    import keras

    bits = np.concatenate(
        [np.ravel(keras.ops.convert_to_numpy(layer.kq.bits)) for layer in model.layers if hasattr(layer, 'kq')]
    )
    return {
        'weights': int(bits.size),
        'mean_bits': round(float(bits.mean()), 2),
        'max_bits': int(bits.max()),
        'pruned_fraction': round(float(np.mean(bits <= 0)), 3),
    }


def pixel_agreement(actor_dir: Path, n_images: int = 300, n_random: int = 1000) -> dict:
    """Probes on which the sequencer's fixed-point positions choose the float32 environment's pixel: the actor's own
    closed-loop paths (held-out images) and uniformly random action sequences, the same integer actions for both."""
    from hls.contract import DEFAULT_CONTRACT
    from hls.reference import ReferenceActor
    from hls.scan import reference_scans
    from hls.sequencer_model import SequencerConfig, pixels, segment_positions, step_vectors
    from model.scan_numpy import path_positions, pixel_indices
    from training.data import load_split

    ref = ReferenceActor.from_file(actor_dir)
    g = ref.contract.geometry
    cfg = SequencerConfig(g)
    rng = np.random.default_rng(0)
    paths = {
        'actor_paths': reference_scans(ref, load_split('procedural', 'test')[:n_images])['action'],
        'random_actions': rng.integers(
            DEFAULT_CONTRACT.output.qmin, DEFAULT_CONTRACT.output.qmax + 1, (n_random, g.segments, 2)
        ),
    }
    out = {}
    for name, actions in paths.items():
        start = np.full((len(actions), 2), cfg.centre, np.int64)
        fixed = []
        for t in range(g.segments):
            pos, start = segment_positions(start, step_vectors(actions[:, t], cfg), cfg)
            fixed.append(pixels(pos, cfg)[0])
        fixed = np.stack(fixed, 1)
        floats = np.stack(
            [
                pixel_indices(path_positions(ref.contract.decode_action(a).astype(np.float32), g)[0], g.image_size)[0]
                for a in actions
            ]
        )
        same = np.all(fixed == floats, -1)
        out[name] = {
            'paths': len(actions),
            'probes': int(same.size),
            'same_pixel': int(same.sum()),
            'share': round(float(same.mean()), 6),
            'paths_with_a_difference': int(np.sum(~same.all((1, 2)))),
        }
    return out


def old_cut_delays(actor_dir: Path) -> dict:
    """The estimate (hls.timing) of the pipeline da4ml cuts with its unit-latency model at cutoff 5 (the former flow)."""
    from da4ml.trace.pipeline import to_pipeline
    from da4ml.types import CombLogic

    from hls import timing

    stages = timing.stage_delays(to_pipeline(CombLogic.load(actor_dir / 'comb_logic.json'), 5.0, verbose=False))
    return {
        'flow': 'da4ml carry_size -1, latency_cutoff 5',
        'pipeline_stages': len(stages),
        'worst_stage_ns': max(s['critical_path_ns'] for s in stages),
        'stage_delays': stages,
    }


def timing_model() -> dict:
    from hls import timing

    names = [
        'CLOCK_TO_Q_NS',
        'SETUP_NS',
        'LUT_NS',
        'CARRY_FIRST_NS',
        'CARRY_NEXT_NS',
        'CARRY_SUM_NS',
        'MUXF7_NS',
        'DSP_MULTIPLY_NS',
        'NET_NS',
        'CLOCK_UNCERTAINTY_NS',
    ]
    return {n.lower(): getattr(timing, n) for n in names} | {
        'source': 'cells: f4pga/prjxray-db zynq7/timings (slowest corner); nets: assumed (hls/timing.py)'
    }


def sequencer_paths(actor_dir: Path) -> dict:
    """The same estimate for the longest register-to-register paths of the hand-written sequencer RTL (read off its
    Verilog: what lies between two registers)."""
    from hls import timing
    from hls.contract import GAIN, ActorContract
    from hls.sequencer_model import SequencerConfig

    contract = ActorContract.from_json(actor_dir / 'contract.json')
    cfg = SequencerConfig(contract.geometry)
    regs = timing.CLOCK_TO_Q_NS + timing.NET_NS + timing.SETUP_NS
    vector = cfg.vector_bits(contract.output.bits)
    return {
        'direction_step: 1 CORDIC micro-rotation per stage': round(regs + timing.adder_ns(vector), 3),
        'direction_step first stage: negate | zero test, select': round(
            regs + max(timing.adder_ns(contract.output.bits + 1), 2 * (timing.NET_NS + timing.LUT_NS)), 3
        ),
        'probe_calibration stage 1: FIFO read, raw - offset': round(
            regs + timing.NET_NS + timing.LUT_NS + timing.adder_ns(17), 3
        ),
        'probe_calibration stage 2: (raw - offset) * half the gain': round(regs + timing.NET_NS + timing.DSP_MULTIPLY_NS, 3),
        'probe_calibration stage 3: sum of the halves': round(regs + timing.adder_ns(17 + GAIN.frac + 1), 3),
        'probe_calibration stage 4: round half up': round(regs + timing.adder_ns(17 + GAIN.frac + 1), 3),
        'probe_calibration stage 5: saturate': round(
            regs + timing.adder_ns(17 + GAIN.frac + 1) + timing.NET_NS + timing.LUT_NS, 3
        ),
        'position_feature stage 1: two adds': round(
            regs + 2 * timing.adder_ns(cfg.position_bits + contract.input.frac + 3), 3
        ),
        'scan_sequencer: position + step': round(regs + timing.adder_ns(cfg.position_bits), 3),
        'scan_sequencer: PROBES * step, then start + that (one add per stage)': round(
            regs + timing.adder_ns(cfg.position_bits), 3
        ),
        'scan_sequencer: nearest pixel, clamp': round(
            regs + timing.adder_ns(cfg.position_int + 1) + 2 * (timing.NET_NS + timing.LUT_NS), 3
        ),
    }


ZYNQ_PLACE_AND_ROUTE = (
    'not run: nextpnr-xilinx needs the Project X-Ray database of the xc7z020 (zynq7/xc7z020/tilegrid.json, '
    'tileconn.json, tile_type_PSS2.json), absent from every snapshot reachable here and only regenerated by Project '
    'X-Ray fuzzers, which need Vivado; the Zynq figures are estimates'
)


def place_and_route(rtl: Path) -> dict:
    """make pnr's post-route results on the ECP5 stand-in (hls.place_route), if it was run."""
    path = rtl / 'place_and_route.json'
    return json.loads(path.read_text()) if path.is_file() else {'run': False, 'reason': 'make pnr was not run'}


def rtl_sim_runs(actor_dir: Path, rtl_sim: Path | None) -> dict:
    """make bench-rtl-sim's results for this actor: per-decision runs and whole-scan runs (none without the folder)."""
    if rtl_sim is None or not rtl_sim.is_dir():
        return {}
    runs = {f.stem: json.loads(f.read_text()) for f in sorted(rtl_sim.glob('*.json'))}
    runs = {k: v for k, v in runs.items() if Path(v.get('actor', '')).resolve() == actor_dir.resolve()}
    return {
        'rtl_decisions': {k: v for k, v in runs.items() if not k.startswith('sequencer')},
        'rtl_scans': {k.removeprefix('sequencer_'): v for k, v in runs.items() if k.startswith('sequencer')},
    }


def fabric(actor_dir: Path, rtl: Path, rtl_sim: Path | None) -> dict:
    core = json.loads((rtl / 'core.json').read_text())
    out = {
        'actor': str(actor_dir),
        'clock_mhz': round(1000 / PERIOD_NS, 3),
        'core': {k: v for k, v in core.items() if not k.endswith('kifs')},
        'timing_model': timing_model(),
        'former_cut': old_cut_delays(actor_dir),
        'sequencer_paths_ns': sequencer_paths(actor_dir),
        'place_and_route': place_and_route(rtl),
        'zynq_place_and_route': ZYNQ_PLACE_AND_ROUTE,
    }
    if (rtl / 'resources.json').exists():
        res = json.loads((rtl / 'resources.json').read_text())
        out['resources'] = {
            top: {m: {k: v for k, v in r.items() if k != 'cells'} for m, r in maps.items()}
            for top, maps in res.items()
            if top != 'table_mappings'
        }
        out['resources']['table_mappings'] = res['table_mappings']
    out |= rtl_sim_runs(actor_dir, rtl_sim)
    out['pixel_agreement'] = pixel_agreement(actor_dir)
    return out


def variant_table(variants: list[dict]) -> str:
    head = (
        '| variant | H | mean / max weight bits (pruned) | float MSE | quantized MSE | ratio | hls4ml C-sim mismatches |\n'
        '|' + '---|' * 7 + '\n'
    )
    rows = []
    for v in variants:
        w, csim = v.get('weight_bits', {}), v.get('hls4ml_csim')
        csim_txt = f'{sum(csim["mismatches"].values())} of {csim["decisions"]}' if isinstance(csim, dict) else 'not run'
        default = ' (default)' if v.get('actor') == DEFAULT_ACTOR else ''
        bits = f'{w.get("mean_bits", "-")} / {w.get("max_bits", "-")} ({100 * w.get("pruned_fraction", 0):.0f} %)'
        rows.append(
            f'| {v["variant"]}{default} | {v["units"]} | {bits} | {v["float_mse"]:.5f} | {v["quantized_mse"]:.5f} '
            f'| {v["mse_ratio"]:.3f} | {csim_txt} |'
        )
    return head + '\n'.join(rows) + '\n'


def fabric_tables(f: dict) -> str:
    lines = [f'Actor `{f["actor"]}`, clock {f["clock_mhz"]:g} MHz.', '']
    if 'resources' in f:
        lines += ['| Yosys synth_xilinx | tables | LUT | FF | DSP | BRAM36 |', '|---|---|---|---|---|---|']
        for top, maps in f['resources'].items():
            if top == 'table_mappings':
                continue
            for m, r in maps.items():
                pct = {k: f'{r[k]:,g} ({100 * r[k] / XC7Z020[k]:.1f} %)' for k in XC7Z020}
                lines.append(
                    f'| {top} | {m}: {f["resources"]["table_mappings"][m]} | {pct["LUT"]} | {pct["FF"]} '
                    f'| {pct["DSP"]} | {pct["BRAM36"]} |'
                )
        lines.append('')
    core, old = f['core'], f['former_cut']
    paths = ', '.join(str(s['critical_path_ns']) for s in core['stage_delays'])
    lines += [
        f'Core pipeline: cut for {core["cut_ns"]} ns, {core["pipeline_stages"]} stages, {core["latency_cycles"]} cycles '
        f'from input to output register; '
        f'estimated critical path per stage (ns): {paths} (worst {core["worst_stage_ns"]}). The former cut (da4ml unit '
        f'latencies, cutoff 5): {old["pipeline_stages"]} stages, worst {old["worst_stage_ns"]} ns by the same estimate. '
        f'Zynq place and route: {f["zynq_place_and_route"]}.',
        '',
    ]
    pnr = f['place_and_route']
    if 'cuts' in pnr:
        lines += [
            f'Place and route on the stand-in ({pnr["tool"]}, {pnr["device"]}; speed grade 6 is its slowest, 8 its '
            f'fastest; the core cut by hls.timing for each stage budget, the default {pnr["default_cut_ns"]} ns):',
            '',
            '| core cut for (ns) | core stages | design | speed grade | post-route Fmax (MHz) | >= 100 MHz | '
            'critical path: logic + routing (ns) |',
            '|---|---|---|---|---|---|---|',
        ]
        for cut in pnr['cuts']:
            for design, runs in cut['designs'].items():
                for r in runs:
                    cp = r['critical_path']
                    lines.append(
                        f'| {cut["core_period_ns"]:g} | {cut["core_pipeline_stages"]} | {design} | {r["speed_grade"]} | '
                        f'{r["fmax_mhz"]} | {"yes" if r["fmax_mhz"] >= 100 else "no"} | {cp["logic_ns"]} + '
                        f'{cp["routing_ns"]} = {cp["total_ns"]} |'
                    )
        lines.append('')
    else:
        lines += [f'Place and route on the ECP5 stand-in: {pnr["reason"]}.', '']
    if f.get('rtl_decisions'):
        lines += [
            '| per-decision wrapper (actor_axis) | decisions compared | mismatches | latency (cycles) '
            '| cycles per closed-loop decision |',
            '|---|---|---|---|---|',
        ]
        for sim, r in f['rtl_decisions'].items():
            row = [sim, f'{r["decisions"]:,}', r['mismatches'], r['latency_cycles'], r['cycles_per_decision']]
            lines.append('| ' + ' | '.join(map(str, row)) + ' |')
        lines.append('')
    if f.get('rtl_scans'):
        lines += [
            '| scan sequencer (scan_sequencer_axi) | microscope dwell per probe (cycles) | scans compared '
            '| decisions / position words / report words | mismatches | cycles per scan | dead time (cycles, max) '
            '| decision (cycles, max) | beam idle on probe 0 (cycles: max per segment, per scan) | detector held off (cycles) |',
            '|---|---|---|---|---|---|---|---|---|---|',
        ]
        for r in sorted(f['rtl_scans'].values(), key=lambda r: (r['dwell_cycles'], r['simulator'])):
            c, m = r['compared'], r['mismatches']
            words = f'{c["decisions"]:,} / {c["position_words"]:,} / {c["report_words"]:,}'
            row = [r['simulator'], r['dwell_cycles'], f'{c["scans"]:,}', words, sum(m.values())]
            row += [f'{r["scan_cycles"]["max"]:,}']
            row += [r['dead_time_cycles']['max'], r['decision_cycles']['max']]
            idle = r.get('probe_idle_cycles')
            row += [f'{idle["max"]}, {idle["per_scan_total_mean"]:g}' if idle else 'not measured']
            row += [r.get('detector_held_off_cycles', 'not measured')]
            lines.append('| ' + ' | '.join(map(str, row)) + ' |')
        lines.append('')
    lines.append(
        'Sequencer registers to registers, same estimate (ns): '
        + '; '.join(f'{k} {v}' for k, v in f['sequencer_paths_ns'].items())
        + '.'
    )
    lines.append('')
    agree = f['pixel_agreement']
    lines.append(
        'Sequencer pixels vs the float32 environment: '
        + '; '.join(
            f'{k.replace("_", " ")}: {a["same_pixel"]:,} of {a["probes"]:,} probes ({100 * a["share"]:.4f} %)'
            for k, a in agree.items()
        )
        + '.'
    )
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    from model.cli import Parser, integer

    p = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--actor', type=Path, default=Path(DEFAULT_ACTOR))
    p.add_argument('--rtl', type=Path, default=Path('hls/build/rtl'), help='make rtl output (core.json, resources.json)')
    p.add_argument('--hls', type=Path, default=None, help='make hls output (csim.json), if it was run for this actor')
    p.add_argument('--rtl-sim', type=Path, default=None, help='folder of make bench-rtl-sim results (one JSON per run)')
    p.add_argument('--checkpoint', type=Path, default=Path('checkpoints/quality'))
    p.add_argument('--images', type=integer(1, 10**9), default=500)
    p.add_argument('--name', default='default', help='row name; a rerun with the same name replaces the row')
    p.add_argument('--skip-quality', action='store_true', help="keep the row's scan-quality numbers (same actor)")
    p.add_argument('--no-fabric', action='store_true', help='only the variant row (the actor sweep)')
    p.add_argument(
        '--update',
        action='store_true',
        help='only refresh the fabric section from RTL/place_and_route.json (make pnr) and --rtl-sim, keep the rest',
    )
    args = p.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {'variants': []}
    if args.update:
        if 'fabric' not in results:
            print(f'error: {RESULTS} has no fabric section to update: run without --update', file=sys.stderr)
            return 2
        results['fabric'] |= {'place_and_route': place_and_route(args.rtl), 'zynq_place_and_route': ZYNQ_PLACE_AND_ROUTE}
        results['fabric'] |= rtl_sim_runs(args.actor, args.rtl_sim)
        return write(results)
    for v in results['variants']:  # hardware numbers live in 'fabric', measured with the current flow only
        for key in ('core', 'resources', 'initiation_interval_cycles', 'rtl_sim'):
            v.pop(key, None)
    old = next((v for v in results['variants'] if v['variant'] == args.name), None)
    if not (args.actor / 'comb_logic.json').exists():
        print(f'error: {args.actor}/comb_logic.json missing (python -m hls.distill first)', file=sys.stderr)
        return 2
    contract = json.loads((args.actor / 'contract.json').read_text())
    row = {
        'variant': args.name,
        'actor': str(args.actor),
        'checkpoint': str(args.checkpoint),
        'units': contract['units'],
        'input': contract['input'],
        'output': contract['output'],
        'state_formats': contract['state_formats'],
    }
    if args.skip_quality and old is not None:
        row |= {
            k: v
            for k, v in old.items()
            if k
            in (
                'images',
                'float_mse',
                'quantized_mse',
                'mse_ratio',
                'float_psnr',
                'quantized_psnr',
                'python_decisions',
                'python_vs_hgq2_mismatches',
            )
        }
    else:
        if not (args.checkpoint / 'generator.keras').exists():
            print(f'error: {args.checkpoint}/generator.keras missing (make train first)', file=sys.stderr)
            return 2
        row |= scan_quality(args.actor, args.checkpoint, args.images)
    import hgq  # noqa: F401
    import keras

    row['weight_bits'] = weight_bits(keras.models.load_model(args.actor / 'model.keras', compile=False))
    if args.hls is not None and (args.hls / 'csim.json').exists():
        row['hls4ml_csim'] = json.loads((args.hls / 'csim.json').read_text())
    elif old is not None and 'hls4ml_csim' in old:
        row['hls4ml_csim'] = old['hls4ml_csim']
    # variants distilled from another float actor are not comparable: a new checkpoint starts a new table
    kept = [v for v in results['variants'] if v['variant'] != args.name and v.get('checkpoint') == row['checkpoint']]
    results['variants'] = kept + [row]
    if not args.no_fabric:
        results['fabric'] = fabric(args.actor, args.rtl, args.rtl_sim)
    return write(results)


def write(results: dict) -> int:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    text = '## Actor variants\n\n' + variant_table(results['variants'])
    if 'fabric' in results:
        text += '\n## On the board (the default actor)\n\n' + fabric_tables(results['fabric'])
    TABLE.write_text(text)
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
