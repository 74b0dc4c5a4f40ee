"""Train the actor, critic and generator together with CRDPG, on TensorFlow or JAX (`--backend`, or KERAS_BACKEND).

    python -m training.train --preset small                          # minutes on a 2-core CPU
    python -m training.train --preset paper --backend jax --out runs/paper     # the paper's settings, for a GPU
    python -m training.train --out runs/small --resume               # continue an interrupted run exactly
    python -m training.train --out runs/gpu --resume --time-budget 300         # five more minutes, then save and stop
    python -m training.train --config my.yaml --gamma 0.9 --actor.units 128    # a preset, a file, then single fields
    python -m training.train --preset quality --dataset my_images/ --init-from checkpoints/quality --out runs/mine
                                                                     # fine-tune the shipped model on your own images

A run folder holds checkpoint/ (crash-safe, the last three kept), learning_curve.csv and TensorBoard logs (tb/):
`tensorboard --logdir runs`. Ctrl-C saves a checkpoint before it stops. Every configuration field is a flag below.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

CURVE = ['iteration', 'phase', 'generator_mse', 'critic_loss', 'actor_loss', 'over_edge_penalty', 'seconds']


def parser(prog: str = 'python -m training.train', doc: str = __doc__) -> argparse.ArgumentParser:
    from model.cli import Parser, add_verbosity, integer, real
    from training.config import add_config_flags

    p = Parser(prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        '--backend', choices=['tensorflow', 'jax'], help='Keras backend (default: KERAS_BACKEND, else tensorflow)'
    )
    p.add_argument(
        '--preset', default='small', help="'small' (CPU, minutes), 'paper' (GPU, 1e6 iterations) or 'tiny' (tests)"
    )
    p.add_argument('--config', help='YAML or JSON file whose keys override the preset (see training/config.py)')
    p.add_argument(
        '--out', help='run folder (default runs/<preset>-<actor_mode>-seed<seed>); with --seeds, OUT-seed<s> each'
    )
    p.add_argument(
        '--seeds',
        type=integer(0, 2**32 - 1),
        nargs='+',
        metavar='S',
        help='train several seeds at once in one compiled step (JAX)',
    )
    p.add_argument('--resume', action='store_true', help='continue the run in --out from its newest checkpoint')
    p.add_argument(
        '--init-from',
        metavar='CHECKPOINT',
        help='fine-tune: start from the networks of this checkpoint (same preset sizes; optimiser state and replay start '
        'fresh), e.g. checkpoints/quality',
    )
    p.add_argument(
        '--stop-after', type=integer(1, 10**9), metavar='N', help='save and stop after N more iterations; --resume continues'
    )
    p.add_argument(
        '--time-budget',
        type=real(0, 1e9, above=True),
        metavar='SECONDS',
        help='save and stop after this much wall-clock time',
    )
    p.add_argument('--no-progress', action='store_true', help='no progress bar')
    add_verbosity(p)
    add_config_flags(p)
    return p


def fail(message: str) -> int:
    print(f'error: {message}', file=sys.stderr)
    return 2


def read_config(args, resume_from: Path | None = None):
    """The run's configuration: --preset, --config and the field flags; when resuming, the checkpoint's own configuration
    with the field flags on top (a changed value is then refused by the resume). Raises ConfigError or CheckpointError."""
    import json

    from training.checkpoint import RESUMABLE, newest_intact
    from training.config import TrainConfig, config_overrides, load_config, merge

    if args.backend:
        os.environ['KERAS_BACKEND'] = args.backend
    if resume_from is None:
        return load_config(args.preset, args.config, **config_overrides(args))
    directory, skipped = newest_intact(resume_from, RESUMABLE)
    for reason in skipped:
        print(f'warning: {reason}; resuming from {directory}', file=sys.stderr)
    saved = json.loads((directory / 'config.json').read_text())
    return TrainConfig.from_dict(merge(saved, config_overrides(args)))


def preview(trainer, state, images, writer, step) -> None:
    """Deterministic scans of a few test images, drawn with their completions into TensorBoard."""
    import io

    import matplotlib.image

    from training.evaluate import complete, run_scans
    from training.figures import paths_and_completions

    trainer.load_weights(state)
    scans = run_scans(trainer, images)
    png = paths_and_completions(
        images, scans['positions'], scans['partial_scan'], complete(trainer.generator, scans['partial_scan'])
    )
    height, width = matplotlib.image.imread(io.BytesIO(png)).shape[:2]
    writer.image('scans/paths_and_completions', png, height, width, step)


def init_from(state: dict, path: Path) -> tuple[dict, list[str]]:
    """Fine-tuning: a fresh training state whose networks (generator, actor, critics: those the checkpoint and the run
    both have) take a trained checkpoint's weights, targets included; optimiser slots, replay and counters stay fresh.
    Returns (state, the networks taken). Raises CheckpointError when the sizes differ."""
    import numpy as np

    from training import checkpoint

    def trained(name):
        return (
            None
            if not (checkpoint.verify(path) / f'{name}.keras').is_file()
            else checkpoint.load_model(path, name).trainable_variables
        )

    def fitted(fresh, name):
        weights = [np.asarray(w) for w in trained(name)]
        if [np.shape(w) for w in weights] != [np.shape(w) for w in fresh]:
            raise checkpoint.CheckpointError(
                f'--init-from {path}: its {name} has other layer sizes than this run: pass the --preset it was trained with'
            )
        return [w.astype(np.asarray(f).dtype) for w, f in zip(weights, fresh)]

    state, taken = dict(state), []
    for name, keys, index in (
        ('generator', ('generator',), None),
        ('actor', ('actor', 'actor_target'), None),
        ('critic', ('critics', 'critic_targets'), 0),
        ('critic2', ('critics', 'critic_targets'), 1),
    ):
        if keys[0] not in state or (index is not None and index >= len(state[keys[0]])) or trained(name) is None:
            continue
        for key in keys:
            if index is None:
                state[key] = fitted(state[key], name)
            else:
                state[key] = [*state[key][:index], fitted(state[key][index], name), *state[key][index + 1 :]]
        taken.append(name)
    if not taken:
        raise checkpoint.CheckpointError(f'--init-from {path} holds none of the networks this run trains')
    return state, taken


class Member:
    """One run of a (possibly several-seed) training: its seed, folder, random generator, TensorBoard and learning curve."""

    def __init__(self, trainer, seed: int, out: Path, resume: bool, init: Path | None = None):
        import numpy as np

        from training import checkpoint
        from training.tblog import TensorBoard

        self.seed, self.out, self.root = seed, out, out / 'checkpoint'
        self.cfg = trainer.cfg.replace(seed=seed)
        if resume:
            self.state, self.rng = checkpoint.restore(trainer.with_config(self.cfg), self.root)
        else:
            self.state, self.rng = trainer.backend.to_numpy(trainer.initial_state(seed)), np.random.default_rng(seed)
            if init is not None:
                self.state, taken = init_from(self.state, init)
                print(f'fine-tuning from {init}: {", ".join(taken)}', file=sys.stderr)
        self.start = int(self.state['step'])
        out.mkdir(parents=True, exist_ok=True)
        self.writer = TensorBoard(out / 'tb')
        self.writer.text(
            'hyperparameters',
            '|param|value|\n|-|-|\n' + '\n'.join(f'|{k}|{v}|' for k, v in self.cfg.to_dict().items()),
            self.start,
        )
        path = out / 'learning_curve.csv'
        kept = []
        if self.start and path.exists():  # drop rows logged after the checkpoint we resume from
            with open(path, newline='') as f:
                kept = [row for row in list(csv.reader(f))[1:] if row and int(row[0]) <= self.start]
        self.curve_file = open(path, 'w', newline='')
        self.curve = csv.writer(self.curve_file)
        self.curve.writerows([CURVE, *kept])

    def log(self, phase: str, values: dict, step: int, seconds: float) -> None:
        self.writer.scalars(values, step)
        actor_loss = values.get('losses/actor', values.get('losses/imitation', ''))  # CRDPG's, or imitation's
        keys = ('losses/generator_mse', 'losses/critic')
        row = [*(values.get(k, '') for k in keys), actor_loss, values.get('charts/over_edge_penalty_per_scan', '')]
        self.curve.writerow([step, phase, *row, round(seconds, 2)])
        self.curve_file.flush()

    def close(self) -> None:
        self.curve_file.close()
        self.writer.close()


def train(
    trainer,
    outs: dict,
    train_images,
    preview_images,
    *,
    resume: bool,
    stop_after=None,
    time_budget=None,
    progress=True,
    init: Path | None = None,
) -> int:
    """Run (or continue) every phase of `trainer` for each seed -> run folder in `outs`; returns the step reached.

    Several seeds train at once in one compiled step (JAX vmap): the same work per iteration for the GPU, each seed's run
    saved as a complete run folder of its own.
    """
    import keras
    import numpy as np
    from tqdm import tqdm

    from training import checkpoint

    cfg = trainer.cfg
    members = [Member(trainer, seed, out, resume, init) for seed, out in outs.items()]
    starts = {m.start for m in members}
    if len(starts) != 1:
        raise checkpoint.CheckpointError(
            f"the seeds' checkpoints are at different iterations {sorted(starts)}: resume them one by one"
        )
    start = starts.pop()
    many = len(members) > 1
    stack = (lambda *xs: keras.ops.convert_to_tensor(np.stack(xs))) if many else keras.ops.convert_to_tensor
    state = keras.tree.map_structure(stack, *[m.state for m in members])
    member_state = lambda i: keras.tree.map_structure(lambda x: x[i], state) if many else state  # noqa: E731
    total = trainer.total_steps
    end = min(total, start + stop_after) if stop_after else total
    images = keras.ops.convert_to_tensor(train_images)
    t0 = time.perf_counter()

    def save():
        for i, m in enumerate(members):
            member = trainer.backend.to_numpy(member_state(i))
            checkpoint.save(trainer.with_config(m.cfg), member, m.rng, m.root, trainer.extras(member))

    step = start
    bar = tqdm(
        total=total, initial=start, disable=not progress, desc=f'training ({trainer.backend.name}, {len(members)} seed(s))'
    )
    try:
        while step < end:
            phase, _ = trainer.phase(step)
            draws = [trainer.draws(m.rng, step, len(train_images)) for m in members]
            draws = keras.tree.map_structure(stack, *draws) if many else draws[0]
            state, metrics = trainer.step_function(phase, len(members))(state, draws, images)
            step += 1
            bar.update(1)
            if step % cfg.log_every == 0 or step == end:
                values = {k: keras.ops.convert_to_numpy(v) for k, v in metrics.items()}
                speed = (step - start) / (time.perf_counter() - t0)
                for i, m in enumerate(members):
                    m.log(
                        phase,
                        {
                            **{k: float(v[i] if many else v) for k, v in values.items()},
                            'charts/iterations_per_second': speed,
                        },
                        step,
                        time.perf_counter() - t0,
                    )
                mse = values.get('losses/generator_mse')
                bar.set_postfix(phase=phase, mse='-' if mse is None else f'{float(np.mean(mse)):.4f}')
            if step % cfg.image_every == 0 or step == total:
                for i, m in enumerate(members):
                    preview(trainer, member_state(i), preview_images, m.writer, step)
            if step % cfg.checkpoint_every == 0 or step == end:
                save()
            if time_budget is not None and time.perf_counter() - t0 > time_budget and step < end:
                save()
                print(
                    f'time budget of {time_budget:.0f} s reached at iteration {step}: saved; --resume continues',
                    file=sys.stderr,
                )
                break
    except KeyboardInterrupt:
        save()
        print(f'\ninterrupted at iteration {step}: saved; --resume continues', file=sys.stderr)
        raise
    finally:
        bar.close()
        for m in members:
            m.close()
    return step


def run(args, fixed_path=None) -> int:
    """The training command for parsed arguments. `fixed_path(cfg) -> positions (P, 2)` makes it a fixed-path run: the
    generator alone, trained on that path (see training.fixed_path). Bad input exits 2 with one line."""
    from training.checkpoint import CheckpointError, holds_checkpoint
    from training.config import ConfigError
    from training.data import DataError, load_config_split

    try:
        first = Path(f'{args.out}-seed{args.seeds[0]}' if args.seeds else args.out) if args.out else None
        cfg = read_config(args, first / 'checkpoint' if args.resume and first else None)
        base = args.out or f'runs/{cfg.preset}-{"fixed" if fixed_path else cfg.actor_mode}'
        if args.seeds:
            if len(set(args.seeds)) != len(args.seeds):
                return fail(f'--seeds must be different, got {args.seeds}')
            if len(args.seeds) > 1 and os.environ.get('KERAS_BACKEND', 'tensorflow') != 'jax':
                return fail('--seeds with more than one seed needs the jax backend (--backend jax)')
            outs = {s: Path(f'{base}-seed{s}') for s in args.seeds}
        else:
            outs = {cfg.seed: Path(args.out) if args.out else Path(f'{base}-seed{cfg.seed}')}
        for out in outs.values():
            try:
                out.mkdir(parents=True, exist_ok=True)
                tempfile.TemporaryFile(dir=out).close()
            except OSError as e:
                return fail(f'cannot write the run folder {out} ({e.strerror or e}): pass --out a writable folder')
            has_checkpoint = holds_checkpoint(out / 'checkpoint')
            if has_checkpoint and not args.resume:
                return fail(f'{out} already holds a checkpoint: pass --resume to continue it, or choose another --out')
            if args.resume and not has_checkpoint:
                return fail(f'--resume: no checkpoint in {out / "checkpoint"}')
        init = None
        if args.init_from:
            from model.shipped import locate
            from training.checkpoint import verify

            if args.resume:
                return fail('--init-from starts a new run from a trained one: leave out --resume')
            init = verify(locate(args.init_from))
        positions = fixed_path(cfg) if fixed_path else None
        train_images = load_config_split(cfg, 'train')
        preview_images = load_config_split(cfg, 'test')[:6]
        if train_images.shape[1] != cfg.geometry.image_size:
            return fail(
                f'the data set holds {train_images.shape[1]} px images but geometry.image_size is {cfg.geometry.image_size}: make them equal'
            )
        from model.cli import quiet_keras

        quiet_keras(args.verbose)  # after read_config: KERAS_BACKEND is set
        from training.crdpg import CRDPG

        trainer = CRDPG(cfg, fixed_positions=positions)
        step = train(
            trainer,
            outs,
            train_images,
            preview_images,
            resume=args.resume,
            stop_after=args.stop_after,
            time_budget=args.time_budget,
            progress=not args.no_progress,
            init=init,
        )
    except (ConfigError, DataError, CheckpointError, ValueError) as e:
        return fail(str(e))
    except OSError as e:  # a full disk, a folder gone: checkpoints are written whole or not at all
        return fail(f'{e}; the newest checkpoint written is intact: free the space and continue with --resume')
    except KeyboardInterrupt:
        return 130
    for out in outs.values():
        print(
            f'done: {step} of {trainer.total_steps} iterations, checkpoint in {out / "checkpoint"}, TensorBoard logs in {out / "tb"}'
        )
    return 0


def main(argv=None) -> int:
    from model.cli import setup_logging

    args = parser().parse_args(argv)
    setup_logging(args, 'train')
    return run(args)


if __name__ == '__main__':
    sys.exit(main())
