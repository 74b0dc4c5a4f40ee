"""Cooperative recurrent deterministic policy gradients (CRDPG, the paper's Algorithm 1), written once in `keras.ops`.

A run is a sequence of phases, each a pure compiled step `(state, draws, images) -> (state, metrics)`:

  pretrain   the generator learns on a broad bank of valid paths (fixed paths, random inside walks, perturbations), so it
             completes any reasonable scan before the actor starts exploring
  clone      the actor learns to reproduce the base fixed path (behaviour cloning), so CRDPG starts where that path is
  imitate    the actor imitates the segment-greedy teacher (DAgger, training/imitation.py), the generator learns on the
             scans rolled in
  crdpg      the paper's iteration, with TD3's options (twin critics, target-policy smoothing, delayed actor)
  finetune   the generator learns on the noise-free policy's own paths
  fixed      (fixed-path baselines) the generator learns on one fixed path

The paper's algorithm is the crdpg phase alone (every other phase has 0 iterations by default). One CRDPG iteration:
  1. act out `rollouts_per_iteration` new scans with the live actor plus decaying Ornstein-Uhlenbeck rotation noise, store
     their histories (image id, augmentation, detector view, the T unit directions taken; observations are recomputed
     exactly from those by the deterministic environment);
  2. replay N histories; the generator completes their partial scans, L_G = MSE per image;
  3. step losses L_t = E_t + delta_{tT} clip(L_G) / L_avg;
  4. critic targets y_t = L_t + gamma Q'(H_Q(t), x_{t+1}, mu'(H_mu(t), x_{t+1})), the target networks stepping from the
     live networks' recurrent states H; critic minimises 1/(2T) sum (y_t - Q_t)^2, actor minimises 1/T sum Q(h_t, mu(h_t))
     (BPTT), generator minimises L_G;
  5. target networks <- EMA of live ones; L_avg and the running mean square <- EMA of this batch's L_G.
Indexing: decision t = 0..T-1 sees x_t (x_0 = zeros) and takes a_t; its segment yields x_{t+1} and penalty E_{t+1}, so
step t's loss is E_{t+1} (+ the generator term at t = T-1).

All randomness is drawn on the host by a NumPy generator (`draws`) and passed in, so the two backends see the same
random streams and a run resumes exactly from its saved state. `training.backend` holds the per-backend gradient step.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from model import fixed_paths, scan_ops
from model.networks import build_actor, build_critic, build_generator, initialise
from training import imitation
from training.augment import augment
from training.backend import Backend
from training.config import TrainConfig
from training.policy import blind, cell_step, closed_loop, ou_angles, unroll, zero_state


class GeneratorSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """lr0 * decay**(5 m / M) * sawtooth(m): the sawtooth falls linearly from 1 to `cycle_min` every `period` updates."""

    def __init__(self, lr0: float, iterations: int, decay: float, cycle: float, cycle_min: float):
        self.lr0, self.iterations, self.decay, self.cycle, self.cycle_min = lr0, max(iterations, 1), decay, cycle, cycle_min

    def __call__(self, step):
        m = ops.cast(step, 'float32')
        period = max(self.cycle * self.iterations, 1.0)
        phase = m / period - ops.floor(m / period)
        sawtooth = 1.0 - (1.0 - self.cycle_min) * phase
        return self.lr0 * ops.power(self.decay, 5.0 * m / self.iterations) * sawtooth

    def get_config(self):
        return dict(lr0=self.lr0, iterations=self.iterations, decay=self.decay, cycle=self.cycle, cycle_min=self.cycle_min)


def ema(target: list, live: list, beta: float) -> list:
    """target <- beta * target + (1 - beta) * live, weight by weight."""
    return [beta * t + (1.0 - beta) * s for t, s in zip(target, live)]


def select(flag, new: list, old: list) -> list:
    """new where flag (a scalar boolean) else old, weight by weight: a conditional update inside a compiled step."""
    return [ops.where(flag, n, o) for n, o in zip(new, old)]


def step_losses(penalties, loss_g, loss_mean, loss_mean_square, clip_sigmas: float):
    """L_t = E_t + delta_{tT} clip(L_G) / L_avg, clip(L_G) = min(L_G, L_avg + clip_sigmas * running std).

    penalties: (N, T) over-edge penalties E_1..E_T; loss_g: (N,) generator MSE per history.
    """
    std = ops.sqrt(ops.maximum(loss_mean_square - ops.square(loss_mean), 0.0))
    clipped = ops.minimum(loss_g, loss_mean + clip_sigmas * std)
    T = penalties.shape[1]
    return penalties + ops.one_hot(T - 1, T) * (clipped / loss_mean)[:, None]


def detector_views(cfg: TrainConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    """Detector views (gain, offset) per scan, the calibration errors training meets (see model.scan_numpy): gain
    log-uniform in [1/view_gain, view_gain], offset uniform in [-view_offset, view_offset]."""
    log_gain = np.log(cfg.view_gain)
    gain = np.exp(rng.uniform(-log_gain, log_gain, n))
    offset = rng.uniform(-cfg.view_offset, cfg.view_offset, n)
    return np.stack([gain, offset], -1).astype(np.float32)


def mse_per_image(completions, images):
    return ops.mean(ops.square(completions[..., 0] - images), axis=(1, 2))


class CRDPG:
    """The networks, their optimizers and the phases of a run; the training state itself is an explicit dict of arrays.

    `fixed_positions` (P, 2) makes this a fixed-path baseline: the generator alone, pretrained like the adaptive one, then
    trained on that path for the same number of updates as the adaptive run's generator.
    """

    def __init__(self, cfg: TrainConfig, backend: Backend | None = None, fixed_positions: np.ndarray | None = None):
        self.cfg, self.geometry = cfg, cfg.geometry
        self.backend = backend or Backend(cfg.distribute)
        if cfg.batch_size % self.backend.devices:
            raise ValueError(f'batch_size {cfg.batch_size} must divide by the {self.backend.devices} devices')
        self.fixed_positions = None if fixed_positions is None else np.asarray(fixed_positions, np.float32)
        g = self.geometry
        self.generator = build_generator(g, cfg.generator)
        self.generator_schedule = GeneratorSchedule(
            cfg.generator_lr,
            cfg.generator_updates,
            cfg.generator_lr_decay,
            cfg.generator_lr_cycle,
            cfg.generator_lr_cycle_min,
        )
        self.generator_opt = keras.optimizers.Adam(self.generator_schedule)
        self.generator_opt.build(self.generator.trainable_variables)
        self.actor = build_actor(g, cfg.actor)
        self.critics = [build_critic(g, cfg.critic) for _ in range(2 if cfg.twin_critics else 1)]
        self.actor_opt, self.clone_opt = keras.optimizers.Adam(cfg.actor_lr), keras.optimizers.Adam(cfg.clone_lr)
        self.critic_opts = [keras.optimizers.Adam(cfg.critic_lr) for _ in self.critics]
        for opt, model in ((self.actor_opt, self.actor), (self.clone_opt, self.actor), *zip(self.critic_opts, self.critics)):
            opt.build(model.trainable_variables)
        # an optimizer's state before any update (TensorFlow updates the optimizers' own variables in place)
        self._fresh_slots = {
            id(o): [np.array(v) for v in o.variables]
            for o in (self.generator_opt, self.actor_opt, self.clone_opt, *self.critic_opts)
        }
        self.bank = fixed_paths.path_bank(g, seed=cfg.seed) if cfg.pretrain_iterations else None
        self.base_directions = fixed_paths.base_path(cfg.base_path, g) if cfg.clone_iterations or cfg.anchor_weight else None
        self.candidates = imitation.candidate_directions(cfg.teacher_directions)
        if cfg.imitate_iterations:
            self.teacher_blind_path = imitation.blind_start(cfg.base_path, cfg.teacher_blind_segments, self.candidates, g)
        self._compiled = {}

    # ---- the state ----------------------------------------------------------------------------------------------------
    def initial_state(self, seed: int | None = None) -> dict:
        """Every array a run needs to continue exactly (weights, targets, optimizer slots, replay, statistics, counters),
        with freshly drawn weights for `seed` (default: the config's). The same seed gives the same state on every backend."""
        seed = self.cfg.seed if seed is None else seed
        for k, model in enumerate((self.generator, self.actor, *self.critics)):
            initialise(model, seed=seed * 100 + k)
        fresh = lambda v: ops.convert_to_tensor(np.array(v))  # noqa: E731  (a buffer of its own: JAX donates the state)
        weights = lambda model: [fresh(v) for v in model.trainable_variables]  # noqa: E731
        slots = lambda opt: [fresh(v) for v in self._fresh_slots[id(opt)]]  # noqa: E731
        cfg, T = self.cfg, self.geometry.segments
        state = {
            'step': fresh(np.int32(0)),
            'generator': weights(self.generator),
            'generator_opt': slots(self.generator_opt),
        }
        if self.fixed_positions is not None:
            return state
        state.update(
            actor=weights(self.actor),
            actor_target=weights(self.actor),
            actor_opt=slots(self.actor_opt),
            clone_opt=slots(self.clone_opt),
            critics=[weights(c) for c in self.critics],
            critic_targets=[weights(c) for c in self.critics],
            critic_opts=[slots(o) for o in self.critic_opts],
            replay={
                'image': fresh(np.zeros(cfg.replay_capacity, np.int32)),
                'augment': fresh(np.zeros(cfg.replay_capacity, np.int32)),
                'view': fresh(np.zeros((cfg.replay_capacity, 2), np.float32)),
                'directions': fresh(np.zeros((cfg.replay_capacity, T, 2), np.float32)),
            },
            loss_mean=fresh(np.float32(0.0)),
            loss_mean_square=fresh(np.float32(0.0)),
        )
        if cfg.imitate_iterations:
            state['demos'] = {
                'image': fresh(np.zeros(cfg.replay_capacity, np.int32)),
                'augment': fresh(np.zeros(cfg.replay_capacity, np.int32)),
                'view': fresh(np.zeros((cfg.replay_capacity, 2), np.float32)),
                'directions': fresh(np.zeros((cfg.replay_capacity, T, 2), np.float32)),
                'targets': fresh(np.zeros((cfg.replay_capacity, T, cfg.teacher_directions), np.float32)),
            }
        return state

    def with_config(self, cfg: TrainConfig) -> CRDPG:
        """This trainer under a config that differs only in its seed (a member of a several-seed run), for saving."""
        other = object.__new__(CRDPG)
        other.__dict__.update(self.__dict__, cfg=cfg)
        return other

    def models(self) -> dict:
        """The networks a checkpoint exports as .keras files, by name."""
        if self.fixed_positions is not None:
            return {'generator': self.generator}
        critics = {'critic' if k == 0 else f'critic{k + 1}': c for k, c in enumerate(self.critics)}
        return {'actor': self.actor, **critics, 'generator': self.generator}

    def extras(self, state: dict) -> dict:
        """Facts a checkpoint records beside the state: a fixed run's probe positions, a blind actor's learned path."""
        if self.fixed_positions is not None:
            return {'fixed_positions': self.fixed_positions.tolist()}
        if self.cfg.actor_mode == 'blind':
            return {'learned_path': learned_path(self, state).tolist()}
        return {}

    def load_weights(self, state: dict) -> None:
        """Copy the live weights of a state into the Keras models (for saving them as .keras files, or acting)."""
        pairs = [(self.generator, state['generator'])]
        if 'actor' in state:
            pairs += [(self.actor, state['actor']), *zip(self.critics, state['critics'])]
        for model, values in pairs:
            for var, value in zip(model.trainable_variables, values):
                var.assign(np.array(value))  # a copy: the state's own buffers are donated to the next step

    # ---- phases -------------------------------------------------------------------------------------------------------
    def phases(self) -> list[tuple[str, int]]:
        cfg = self.cfg
        if self.fixed_positions is not None:
            return [('pretrain', cfg.pretrain_iterations), ('fixed', cfg.generator_updates - cfg.pretrain_iterations)]
        return [
            ('pretrain', cfg.pretrain_iterations),
            ('clone', cfg.clone_iterations),
            ('imitate', cfg.imitate_iterations),
            ('crdpg', cfg.iterations),
            ('finetune', cfg.finetune_iterations),
        ]

    @property
    def total_steps(self) -> int:
        return sum(n for _, n in self.phases())

    def phase(self, step: int) -> tuple[str, int]:
        """(phase name, index within the phase) of a global step."""
        for name, n in self.phases():
            if step < n:
                return name, step
            step -= n
        raise ValueError('the run is complete')

    def step_function(self, phase: str, members: int = 1):
        """The compiled pure step of a phase: (state, draws, images) -> (state, metrics). With several members (independent
        runs, e.g. seeds, trained at once) state, draws and metrics carry a leading member axis (JAX: vmap)."""
        key = (phase, members)
        if key not in self._compiled:
            step = getattr(self, f'_{phase}')
            if members > 1:
                import jax

                step = jax.vmap(step, in_axes=(0, 0, None))
            self._compiled[key] = self.backend.compile(step)
        return self._compiled[key]

    def noise_sigma(self, iteration: int) -> float:
        """Exploration noise scale at a CRDPG iteration: ou_sigma decayed linearly to 0 over the iterations."""
        return self.cfg.ou_sigma * max(1.0 - iteration / max(self.cfg.iterations, 1), 0.0)

    def teacher_share(self, iteration: int) -> float:
        """beta at an imitation iteration: the share of roll-in decisions the teacher takes, 1 falling to dagger_beta_end."""
        end, n = self.cfg.dagger_beta_end, max(self.cfg.imitate_iterations - 1, 1)
        return 1.0 - (1.0 - end) * min(iteration / n, 1.0)

    def draws(self, rng: np.random.Generator, step: int, n_images: int) -> dict:
        """Every random number the step needs, from the host's generator (identical on every backend)."""
        cfg, T = self.cfg, self.geometry.segments
        phase, m = self.phase(step)
        n = cfg.rollouts_per_iteration if phase in ('crdpg', 'imitate') else cfg.batch_size
        d = {
            'image': rng.integers(0, n_images, n).astype(np.int32),
            'augment': rng.integers(0, cfg.augmentations, n).astype(np.int32),
            'view': detector_views(cfg, rng, n),
        }
        if phase == 'pretrain':
            d['path'] = rng.integers(0, len(self.bank), n).astype(np.int32)
        if phase in ('pretrain', 'imitate'):
            d['stage'] = (
                rng.integers(1, T + 1, cfg.batch_size) if cfg.stage_training else np.full(cfg.batch_size, T)
            ).astype(np.int32)
        if phase == 'imitate':
            filled = min((m + 1) * n, cfg.replay_capacity)
            d['coins'] = rng.uniform(0, 1, (n, T)).astype(np.float32)
            d['beta'] = np.float32(self.teacher_share(m))
            d['slots'] = ((m * n + np.arange(n)) % cfg.replay_capacity).astype(np.int32)
            d['replay'] = rng.integers(0, filled, (cfg.actor_updates_per_iteration, cfg.batch_size)).astype(np.int32)
            d['generator_replay'] = rng.integers(0, filled, cfg.batch_size).astype(np.int32)
        if phase in ('clone', 'crdpg'):
            d['normals'] = rng.standard_normal((n, T)).astype(np.float32)
        if phase == 'clone':
            d['sigma'] = np.float32(cfg.clone_noise)
        if phase == 'crdpg':
            d['sigma'] = np.float32(self.noise_sigma(m))
            d['slots'] = ((m * n + np.arange(n)) % cfg.replay_capacity).astype(np.int32)
            d['replay'] = rng.integers(0, min((m + 1) * n, cfg.replay_capacity), cfg.batch_size).astype(np.int32)
            d['target_normals'] = rng.standard_normal((cfg.batch_size, T - 1)).astype(np.float32)
            d['iteration'] = np.int32(m)
        return d

    # ---- shared pieces ------------------------------------------------------------------------------------------------
    def _images(self, images, ids, k):
        return augment(ops.take(images, ids, axis=0), k)

    def _generator_update(self, state: dict, batch: dict):
        """One generator update on partial scans: batch {'scans': (N, H, W, 2), 'images': (N, H, W)}."""

        def loss_fn(weights, b):
            completions, _ = self.generator.stateless_call(weights, [], b['scans'], training=True)
            loss = ops.sum(mse_per_image(completions, b['images']))
            return loss, {'mse_sum': loss}

        (_, aux), grads = self.backend.gradients(loss_fn, state['generator'], batch)
        n = float(self.cfg.batch_size)
        weights, slots = self.backend.apply(
            self.generator_opt, self.generator, state['generator_opt'], [gr / n for gr in grads], state['generator']
        )
        state = {**state, 'generator': weights, 'generator_opt': slots, 'step': state['step'] + 1}
        return state, {'losses/generator_mse': aux['mse_sum'] / n, 'charts/generator_lr': self._generator_lr(slots)}

    def _generator_lr(self, slots):
        """The generator's learning rate for the update count held in its optimizer state `slots`."""
        count = slots[self.generator_opt.variables.index(self.generator_opt.iterations)]
        return self.generator_schedule(count)

    def _acting(self, state: dict, images, views, angles=None):
        """The live actor's closed-loop scans (unit directions (N, T, 2)), with optional exploration angles."""
        step = cell_step(self.actor, state['actor'])
        directions, _ = closed_loop(
            step, images, views, zero_state(self.actor, images.shape[0]), self.geometry,
            blind_actor=self.cfg.actor_mode == 'blind', angles=angles, loop=self.cfg.loop,
        )  # fmt: skip
        return directions

    # ---- the phases' steps --------------------------------------------------------------------------------------------
    def _pretrain(self, state, d, images):
        imgs = self._images(images, d['image'], d['augment'])
        positions = ops.take(ops.convert_to_tensor(self.bank), d['path'], axis=0)
        staged = self.cfg.stage_training and self.fixed_positions is None  # a fixed path's generator needs whole scans only
        keep = scan_ops.stage_mask(d['stage'], self.geometry, per_probe=True) if staged else None
        scans = scan_ops.scan_positions(imgs, positions, d['view'], self.geometry.image_size, keep)
        return self._generator_update(state, {'scans': scans, 'images': imgs})

    def _fixed(self, state, d, images):
        imgs = self._images(images, d['image'], d['augment'])
        positions = ops.broadcast_to(
            ops.convert_to_tensor(self.fixed_positions), (imgs.shape[0], *self.fixed_positions.shape)
        )
        scans = scan_ops.scan_positions(imgs, positions, d['view'], self.geometry.image_size)
        return self._generator_update(state, {'scans': scans, 'images': imgs})

    def _finetune(self, state, d, images):
        imgs = self._images(images, d['image'], d['augment'])
        directions = ops.stop_gradient(self._acting(state, imgs, d['view']))
        scan = scan_ops.scan_paths(imgs, directions, d['view'], self.geometry)
        state, metrics = self._generator_update(state, {'scans': scan['partial_scan'], 'images': imgs})
        return state, {**metrics, 'charts/over_edge_penalty_per_scan': ops.mean(ops.sum(scan['penalties'], axis=1))}

    def _clone(self, state, d, images):
        """Behaviour cloning: along perturbations of the base path, the actor learns to output the base path's directions."""
        g, n = self.geometry, self.cfg.batch_size
        imgs = self._images(images, d['image'], d['augment'])
        base = ops.broadcast_to(ops.convert_to_tensor(self.base_directions), (n, g.segments, 2))
        angles = ou_angles(d['normals'], d['sigma'], self.cfg.ou_theta)
        directions = ops.reshape(scan_ops.rotate(ops.reshape(base, (-1, 2)), ops.reshape(angles, (-1,))), (n, g.segments, 2))
        scan = scan_ops.scan_paths(imgs, directions, d['view'], g)
        x = ops.concatenate([ops.zeros_like(scan['observations'][:, :1]), scan['observations'][:, :-1]], axis=1)
        seen = blind(x, g) if self.cfg.actor_mode == 'blind' else x

        def loss_fn(weights, b):
            mu, _ = unroll(cell_step(self.actor, weights), b['seen'], zero_state(self.actor, n), self.cfg.loop)
            loss = ops.sum(ops.mean(ops.sum(ops.square(mu - b['base']), axis=-1), axis=1))
            return loss, {'clone_sum': loss}

        (_, aux), grads = self.backend.gradients(loss_fn, state['actor'], {'seen': seen, 'base': base})
        actor, slots = self.backend.apply(
            self.clone_opt, self.actor, state['clone_opt'], [gr / n for gr in grads], state['actor']
        )
        state = {**state, 'actor': actor, 'clone_opt': slots, 'step': state['step'] + 1}
        return state, {'losses/clone': aux['clone_sum'] / n}

    def _imitate(self, state, d, images):
        """One DAgger iteration: roll in and label new scans, aggregate them, update the actor on the aggregate and the
        generator on the aggregate's partial scans (stopped after random stages with stage_training)."""
        cfg, g = self.cfg, self.geometry
        fresh = self._images(images, d['image'], d['augment'])
        actor = cell_step(self.actor, state['actor'])
        step = (lambda x, s: actor(blind(x, g), s)) if cfg.actor_mode == 'blind' else actor
        complete = lambda scans: self.generator.stateless_call(state['generator'], [], scans)[0]  # noqa: E731
        directions, targets, agreement = imitation.rollout(
            complete, fresh, d['view'], g, self.candidates, self.teacher_blind_path,
            actor=(step, zero_state(self.actor, fresh.shape[0])), coins=d['coins'], beta=d['beta'],
            temperature=cfg.imitation_temperature,
        )  # fmt: skip
        new = {
            'image': d['image'], 'augment': d['augment'], 'view': d['view'],
            'directions': ops.stop_gradient(directions), 'targets': ops.stop_gradient(targets),
        }  # fmt: skip
        demos = {k: ops.scatter_update(state['demos'][k], d['slots'][:, None], new[k]) for k in new}

        def replayed(idx):
            imgs = self._images(images, ops.take(demos['image'], idx), ops.take(demos['augment'], idx))
            views, dirs = ops.take(demos['view'], idx, axis=0), ops.take(demos['directions'], idx, axis=0)
            return imgs, scan_ops.scan_paths(imgs, dirs, views, g)

        def loss_fn(weights, b):
            mu, _ = unroll(cell_step(self.actor, weights), b['seen'], zero_state(self.actor, b['seen'].shape[0]), cfg.loop)
            norm = ops.sqrt(ops.sum(ops.square(mu), axis=-1) + 1e-12)
            per_scan = imitation.imitation_loss(mu, b['targets'], self.candidates, cfg.imitation_concentration)
            loss = ops.sum(per_scan + cfg.action_norm_weight * ops.mean(ops.square(norm - 1.0), axis=1))
            return loss, {'imitation_sum': ops.sum(per_scan)}

        weights, slots, n = state['actor'], state['clone_opt'], float(cfg.batch_size)
        for u in range(cfg.actor_updates_per_iteration):
            _, scan = replayed(d['replay'][u])
            x = ops.concatenate([ops.zeros_like(scan['observations'][:, :1]), scan['observations'][:, :-1]], axis=1)
            batch = {
                'seen': blind(x, g) if cfg.actor_mode == 'blind' else x,
                'targets': ops.take(demos['targets'], d['replay'][u], axis=0),
            }
            (_, aux), grads = self.backend.gradients(loss_fn, weights, batch)
            weights, slots = self.backend.apply(self.clone_opt, self.actor, slots, [gr / n for gr in grads], weights)
        imgs, scan = replayed(d['generator_replay'])
        keep = ops.broadcast_to(scan_ops.stage_mask(d['stage'], g)[:, :, None], scan['values'].shape)
        partial = scan_ops.partial_scans(scan['values'], scan['indices'], g.image_size, keep)
        state = {**state, 'actor': weights, 'clone_opt': slots, 'demos': demos}
        state, metrics = self._generator_update(state, {'scans': partial, 'images': imgs})
        return state, {
            **metrics,
            'losses/imitation': aux['imitation_sum'] / n,
            'charts/teacher_share': d['beta'],
            'charts/actor_agrees_with_teacher': agreement,
        }

    def _crdpg(self, state, d, images):
        cfg = self.cfg
        # 1. act out new scans with exploration noise and store their histories
        fresh = self._images(images, d['image'], d['augment'])
        directions = self._acting(state, fresh, d['view'], ou_angles(d['normals'], d['sigma'], cfg.ou_theta))
        slots = d['slots'][:, None]
        new = {'image': d['image'], 'augment': d['augment'], 'view': d['view'], 'directions': ops.stop_gradient(directions)}
        replay = {k: ops.scatter_update(state['replay'][k], slots, new[k]) for k in new}
        # 2. replay a batch of histories
        idx = d['replay']
        batch = {
            'images': self._images(images, ops.take(replay['image'], idx), ops.take(replay['augment'], idx)),
            'directions': ops.take(replay['directions'], idx, axis=0),
            'views': ops.take(replay['view'], idx, axis=0),
        }
        first = ops.equal(d['iteration'], 0)
        actor_target = select(
            first, state['actor'], state['actor_target']
        )  # targets start as the live actor (after cloning)
        loss_mean, loss_mean_square = ops.cond(
            first,
            lambda: self._initial_loss_statistics(state, batch),
            lambda: (state['loss_mean'], state['loss_mean_square']),
        )
        # 3. gradients of actor, critics and generator, then the updates
        params = {'actor': state['actor'], 'critics': state['critics'], 'generator': state['generator']}
        consts = {
            'actor_target': actor_target, 'critic_targets': state['critic_targets'], 'loss_mean': loss_mean,
            'loss_mean_square': loss_mean_square, 'target_normals': d['target_normals'],
        }  # fmt: skip
        (_, aux), grads = self.backend.gradients(self._losses, params, batch, consts)
        n = float(cfg.batch_size)
        grads = keras.tree.map_structure(lambda gr: gr / n, grads)
        actor_learns = ops.logical_and(d['iteration'] >= cfg.critic_warmup, ops.equal(d['iteration'] % cfg.actor_delay, 0))
        actor, actor_opt = self.backend.apply(self.actor_opt, self.actor, state['actor_opt'], grads['actor'], state['actor'])
        actor, actor_opt = select(actor_learns, actor, state['actor']), select(actor_learns, actor_opt, state['actor_opt'])
        critics, critic_opts = zip(
            *(
                self.backend.apply(opt, critic, s, gr, w)
                for opt, critic, s, gr, w in zip(
                    self.critic_opts, self.critics, state['critic_opts'], grads['critics'], state['critics']
                )
            )
        )
        generator, generator_opt = self.backend.apply(
            self.generator_opt, self.generator, state['generator_opt'], grads['generator'], state['generator']
        )
        # 4. targets and loss statistics
        b = cfg.loss_decay
        state = {
            **state,
            'step': state['step'] + 1,
            'replay': replay,
            'actor': actor,
            'actor_opt': actor_opt,
            'actor_target': select(actor_learns, ema(actor_target, actor, cfg.target_decay), actor_target),
            'critics': list(critics),
            'critic_opts': list(critic_opts),
            'critic_targets': [ema(t, c, cfg.target_decay) for t, c in zip(state['critic_targets'], critics)],
            'generator': generator,
            'generator_opt': generator_opt,
            'loss_mean': b * loss_mean + (1 - b) * aux['loss_g_sum'] / n,
            'loss_mean_square': b * loss_mean_square + (1 - b) * aux['loss_g_square_sum'] / n,
        }
        return state, {
            'losses/generator_mse': aux['loss_g_sum'] / n,
            'losses/critic': aux['critic_sum'] / n,
            'losses/actor': aux['actor_sum'] / n,
            'charts/q_mean': aux['q_sum'] / n,
            'charts/over_edge_penalty_per_scan': aux['penalty_sum'] / n,
            'charts/loss_running_mean': state['loss_mean'],
            'charts/noise_sigma': d['sigma'],
            'charts/generator_lr': self._generator_lr(generator_opt),
        }

    def _initial_loss_statistics(self, state, batch):
        """L_avg and its mean square initialised from the untrained generator's losses on the first replayed batch."""
        scan = scan_ops.scan_paths(batch['images'], batch['directions'], batch['views'], self.geometry)
        completions, _ = self.generator.stateless_call(state['generator'], [], scan['partial_scan'])
        l0 = mse_per_image(completions, batch['images'])
        return ops.mean(l0), ops.mean(ops.square(l0))

    def _losses(self, params, batch, consts):
        """Actor, critic and generator losses (sums over the batch) in one forward pass. Gradients never cross networks:
        the actor's loss reads the critics through stop_gradient, the critics' targets are stop_gradient'ed."""
        cfg, g, T = self.cfg, self.geometry, self.geometry.segments
        n = batch['images'].shape[0]
        scan = scan_ops.scan_paths(batch['images'], batch['directions'], batch['views'], g)
        x_next = scan['observations']  # x_1 .. x_T
        x = ops.concatenate([ops.zeros_like(x_next[:, :1]), x_next[:, :-1]], axis=1)  # x_0 .. x_{T-1}
        seen = blind(x, g) if cfg.actor_mode == 'blind' else x
        completions, _ = self.generator.stateless_call(params['generator'], [], scan['partial_scan'], training=True)
        loss_g = mse_per_image(completions, batch['images'])
        mu, actor_states = unroll(cell_step(self.actor, params['actor']), seen, zero_state(self.actor, n), cfg.loop)
        taken = ops.concatenate([x, batch['directions']], axis=-1)
        qs, critic_states = zip(
            *(unroll(cell_step(c, w), taken, zero_state(c, n), cfg.loop) for c, w in zip(self.critics, params['critics']))
        )
        frozen = [ops.stop_gradient(w) for w in params['critics'][0]]
        q_mu, _ = unroll(
            cell_step(self.critics[0], frozen),
            ops.concatenate([x, scan_ops.unit_directions(mu)], axis=-1),
            zero_state(self.critics[0], n),
            cfg.loop,
        )
        norm = ops.sqrt(ops.sum(ops.square(mu), axis=-1) + 1e-12)
        actor_loss = ops.sum(
            ops.mean(q_mu[..., 0], axis=1) + cfg.action_norm_weight * ops.mean(ops.square(norm - 1.0), axis=1)
        )
        if cfg.anchor_weight:
            actor_loss += cfg.anchor_weight * ops.sum(
                ops.mean(ops.sum(ops.square(mu - self.base_directions), axis=-1), axis=1)
            )
        step_loss = step_losses(
            scan['penalties'], ops.stop_gradient(loss_g), consts['loss_mean'], consts['loss_mean_square'], cfg.clip_sigmas
        )
        bootstrap = self._bootstrap(consts, x_next, actor_states, critic_states)
        y = ops.stop_gradient(step_loss + cfg.gamma * bootstrap)
        critic_loss = sum(ops.sum(ops.sum(ops.square(y - q[..., 0]), axis=1) / (2.0 * T)) for q in qs)
        generator_loss = ops.sum(loss_g)
        aux = {
            'loss_g_sum': generator_loss,
            'loss_g_square_sum': ops.sum(ops.square(loss_g)),
            'critic_sum': critic_loss,
            'actor_sum': actor_loss,
            'q_sum': ops.sum(ops.mean(qs[0][..., 0], axis=1)),
            'penalty_sum': ops.sum(scan['penalties']),
        }
        return actor_loss + critic_loss + generator_loss, aux

    def _bootstrap(self, consts, x_next, actor_states, critic_states):
        """Q'(H_Q(t), x_{t+1}, mu'(H_mu(t), x_{t+1})) for t < T-1 and 0 after the last decision (terminal); with twin
        critics the larger (more pessimistic) of the two, with target smoothing mu' rotated by clipped noise."""
        cfg, g, T = self.cfg, self.geometry, self.geometry.segments
        n = x_next.shape[0]
        flat = lambda z: ops.reshape(ops.stop_gradient(z[:, : T - 1]), (n * (T - 1), z.shape[-1]))  # noqa: E731
        xs = flat(x_next)
        mu_target, _ = cell_step(self.actor, consts['actor_target'])(
            blind(xs, g) if cfg.actor_mode == 'blind' else xs, [flat(s) for s in actor_states]
        )
        direction = scan_ops.unit_directions(mu_target)
        if cfg.target_noise > 0:
            angle = ops.clip(
                cfg.target_noise * ops.reshape(consts['target_normals'], (-1,)),
                -cfg.target_noise_clip,
                cfg.target_noise_clip,
            )
            direction = scan_ops.rotate(direction, angle)
        inputs = ops.concatenate([xs, direction], axis=-1)
        q_next = [
            cell_step(c, w)(inputs, [flat(s) for s in states])[0]
            for c, w, states in zip(self.critics, consts['critic_targets'], critic_states)
        ]
        q_next = ops.reshape(q_next[0] if len(q_next) == 1 else ops.maximum(*q_next), (n, T - 1))
        return ops.concatenate([q_next, ops.zeros_like(q_next[:, :1])], axis=1)


def learned_path(agent: CRDPG, state: dict) -> np.ndarray:
    """The blind actor's path: its noiseless directions (T, 2), the same for every image."""
    g = agent.geometry
    probe = ops.zeros((1, g.image_size, g.image_size))
    return ops.convert_to_numpy(agent._acting(state, probe, ops.convert_to_tensor([[1.0, 0.0]])))[0]
