"""Train a generator for one fixed scan path (the non-adaptive baselines), with the adaptive run's generator schedule.

    python -m training.fixed_path --path spiral --preset small --out runs/small-fixed-spiral
    python -m training.fixed_path --learned runs/small-blind-seed0/checkpoint --preset small --out runs/small-fixed-learned

The same configuration as the CRDPG run it is compared with: the same pretraining on the bank of paths, then as many
updates on this one path as the adaptive run's generator gets in CRDPG and fine-tuning, with the same batch size,
learning-rate schedule and augmentation, so the comparison is at equal dose and equal training. Every training flag
(`--backend`, `--resume`, `--time-budget`, every configuration field) works as in `training.train`.
"""

from __future__ import annotations

import sys


def main(argv=None) -> int:
    from training.train import parser, run

    p = parser('python -m training.fixed_path', __doc__)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument('--path', help='a fixed path from model.fixed_paths.FIXED_PATHS: spiral, serpentine or random_walk')
    which.add_argument('--learned', metavar='CHECKPOINT', help="checkpoint of a 'blind' CRDPG run: its learned fixed path")
    args = p.parse_args(argv)

    def positions(cfg):
        from model import fixed_paths
        from training.checkpoint import CheckpointError, load_extras

        if args.learned:
            learned = load_extras(args.learned).get('learned_path')
            if learned is None:
                raise CheckpointError(f"{args.learned} holds no learned path: train it with '--actor_mode blind'")
            return fixed_paths.learned_fixed_path(learned, cfg.geometry)
        if args.path not in fixed_paths.FIXED_PATHS:
            raise ValueError(f'unknown path {args.path!r}; choose one of {", ".join(sorted(fixed_paths.FIXED_PATHS))}')
        return fixed_paths.FIXED_PATHS[args.path](cfg.geometry)

    return run(args, positions)


if __name__ == '__main__':
    sys.exit(main())
