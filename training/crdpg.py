"""Cooperative recurrent deterministic policy gradients (CRDPG, the paper's Algorithm 1), one iteration at a time.

Each iteration (all inside one compiled `tf.function`):
  1. act out `rollouts_per_iteration` new scans with the live actor plus decaying OU rotation noise and store the complete
     histories in the replay buffer (a history is the image id, its flip/rotation and the T directions taken; the
     observations are recomputed exactly from those by the deterministic environment);
  2. replay N histories; the generator completes their partial scans, L_G = MSE per image;
  3. step losses L_t = E_t + delta_{tT} clip(L_G) / L_avg;
  4. critic targets y_t = L_t + gamma Q'(H_Q(t), x_{t+1}, mu'(H_mu(t), x_{t+1})), the target networks stepping from the live
     networks' recurrent states H; critic minimises 1/(2T) sum (y_t - Q_t)^2, actor minimises 1/T sum Q(h_t, mu(h_t)) (BPTT),
     generator minimises L_G;
  5. target networks <- EMA of live ones; L_avg and the running mean square <- EMA of this batch's L_G.

Indexing: decision t = 0..T-1 sees x_t (x_0 = zeros) and takes a_t; its segment yields x_{t+1} and penalty E_{t+1}, so
step t's loss is E_{t+1} (+ the generator term at t = T-1).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from model import scan_tf
from model.networks import build_actor, build_critic, build_generator
from training.config import TrainConfig
from training.pipeline import augment_tf
from training.policy import act, blind, unroll


class GeneratorSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """lr0 * decay**(5 m / M) * sawtooth(m): the sawtooth falls linearly from 1 to `cycle_min` every `period` iterations."""

    def __init__(self, lr0: float, iterations: int, decay: float, cycle: float, cycle_min: float):
        self.lr0, self.iterations, self.decay, self.cycle, self.cycle_min = lr0, iterations, decay, cycle, cycle_min

    def __call__(self, step):
        m = tf.cast(step, tf.float32)
        period = max(self.cycle * self.iterations, 1.0)
        phase = m / period - tf.floor(m / period)
        sawtooth = 1.0 - (1.0 - self.cycle_min) * phase
        return self.lr0 * tf.pow(self.decay, 5.0 * m / self.iterations) * sawtooth

    def get_config(self):
        return dict(lr0=self.lr0, iterations=self.iterations, decay=self.decay, cycle=self.cycle, cycle_min=self.cycle_min)


def ema_update(target: keras.Model, live: keras.Model, beta: float):
    """target <- beta * target + (1 - beta) * live, for every weight."""
    for t, s in zip(target.weights, live.weights):
        t.assign(beta * t + (1.0 - beta) * s)


def step_losses(penalties, loss_g, loss_mean, loss_mean_square, clip_sigmas: float):
    """L_t = E_t + delta_{tT} clip(L_G) / L_avg, clip(L_G) = min(L_G, L_avg + clip_sigmas * running std).

    penalties: (N, T) over-edge penalties E_1..E_T; loss_g: (N,) generator MSE per history.
    """
    std = tf.sqrt(tf.maximum(loss_mean_square - tf.square(loss_mean), 0.0))
    clipped = tf.minimum(loss_g, loss_mean + clip_sigmas * std)
    T = penalties.shape[1]
    return penalties + tf.one_hot(T - 1, T) * (clipped / loss_mean)[:, None]


class CRDPG(tf.Module):
    """Actor, critic, their targets, the generator, the replay buffer and the loss statistics, with one `iteration()`."""

    def __init__(self, cfg: TrainConfig, train_images: np.ndarray, strategy: tf.distribute.Strategy | None = None):
        super().__init__(name='crdpg')
        self.cfg, self.geometry = cfg, cfg.geometry
        self.strategy = strategy or tf.distribute.get_strategy()
        if cfg.batch_size % self.strategy.num_replicas_in_sync:
            raise ValueError(f'batch_size {cfg.batch_size} must divide by {self.strategy.num_replicas_in_sync} replicas')
        g, T = self.geometry, self.geometry.segments
        # Host-side state: the dataset, the replay buffer, the random generator, the iteration counter.
        self.images = tf.Variable(np.asarray(train_images, np.float32), trainable=False, name='train_images')
        self.rng = tf.random.Generator.from_seed(cfg.seed)
        cap = cfg.replay_capacity
        self.replay_image = tf.Variable(tf.zeros([cap], tf.int32), trainable=False)
        self.replay_flip = tf.Variable(tf.zeros([cap], tf.int32), trainable=False)
        self.replay_actions = tf.Variable(tf.zeros([cap, T, 2]), trainable=False)
        self.replay_size = tf.Variable(0, trainable=False)
        self.replay_next = tf.Variable(0, trainable=False)
        self.iteration_count = tf.Variable(0, dtype=tf.int64, trainable=False)
        with self.strategy.scope():
            keras.utils.set_random_seed(cfg.seed)
            self.actor, self.critic = build_actor(g, cfg.actor), build_critic(g, cfg.critic)
            self.actor_target, self.critic_target = build_actor(g, cfg.actor), build_critic(g, cfg.critic)
            self.actor_target.set_weights(self.actor.get_weights())
            self.critic_target.set_weights(self.critic.get_weights())
            self.generator = build_generator(g, cfg.generator)
            self.actor_opt = keras.optimizers.Adam(cfg.actor_lr)
            self.critic_opt = keras.optimizers.Adam(cfg.critic_lr)
            self.generator_opt = keras.optimizers.Adam(
                GeneratorSchedule(cfg.generator_lr, cfg.iterations, cfg.generator_lr_decay, cfg.generator_lr_cycle, cfg.generator_lr_cycle_min)
            )
            for opt, model in ((self.actor_opt, self.actor), (self.critic_opt, self.critic), (self.generator_opt, self.generator)):
                opt.build(model.trainable_variables)
            self.loss_mean = tf.Variable(0.0, trainable=False)
            self.loss_mean_square = tf.Variable(0.0, trainable=False)

    # ---- acting -------------------------------------------------------------------------------------------------
    def _noise_sigma(self):
        progress = tf.cast(self.iteration_count, tf.float32) / float(self.cfg.iterations)
        return self.cfg.ou_sigma * tf.maximum(1.0 - progress, 0.0)

    def _gather_images(self, image_ids, flips):
        return augment_tf(tf.gather(self.images, image_ids), flips)

    def _collect(self):
        """Act out new scans with exploration noise and store their histories."""
        n = self.cfg.rollouts_per_iteration
        image_ids = self.rng.uniform([n], 0, tf.shape(self.images)[0], dtype=tf.int32)
        flips = self.rng.uniform([n], 0, 8, dtype=tf.int32)
        directions = act(
            self.actor,
            self._gather_images(image_ids, flips),
            self.geometry,
            blind_actor=self.cfg.actor_mode == 'blind',
            noise=(self.rng, self._noise_sigma(), self.cfg.ou_theta),
        )
        slots = (self.replay_next + tf.range(n)) % self.cfg.replay_capacity
        self.replay_image.scatter_nd_update(slots[:, None], image_ids)
        self.replay_flip.scatter_nd_update(slots[:, None], flips)
        self.replay_actions.scatter_nd_update(slots[:, None], directions)
        self.replay_next.assign((self.replay_next + n) % self.cfg.replay_capacity)
        self.replay_size.assign(tf.minimum(self.replay_size + n, self.cfg.replay_capacity))

    # ---- learning -----------------------------------------------------------------------------------------------
    def _replica_update(self, images, actions):
        """Gradients for this replica's share of the replayed batch; the optimizers all-reduce them across replicas."""
        cfg, g, T = self.cfg, self.geometry, self.geometry.segments
        global_batch = float(cfg.batch_size)
        scan = scan_tf.scan_paths(images, actions, g)
        x_next = scan['observations']  # x_1 .. x_T
        x = tf.concat([tf.zeros_like(x_next[:, :1]), x_next[:, :-1]], axis=1)  # x_0 .. x_{T-1}
        seen = blind(x, g) if cfg.actor_mode == 'blind' else x
        with tf.GradientTape(persistent=True) as tape:
            completion = self.generator(scan['partial_scan'], training=True)[..., 0]
            loss_g = tf.reduce_mean(tf.square(completion - images), axis=[1, 2])  # L_G per history
            mu, actor_states = unroll(self.actor, seen)
            q, critic_states = unroll(self.critic, tf.concat([x, actions], -1))
            q_mu, _ = unroll(self.critic, tf.concat([x, scan_tf.unit_directions(mu)], -1))
            norm = tf.sqrt(tf.reduce_sum(tf.square(mu), -1) + 1e-12)
            actor_loss = tf.reduce_sum(tf.reduce_mean(q_mu[..., 0], 1) + cfg.action_norm_weight * tf.reduce_mean(tf.square(norm - 1.0), 1))
            generator_loss = tf.reduce_sum(loss_g)
            # step losses and targets (no gradient flows through the targets)
            step_loss = step_losses(scan['penalties'], tf.stop_gradient(loss_g), self.loss_mean, self.loss_mean_square, cfg.clip_sigmas)
            y = step_loss + cfg.gamma * self._bootstrap(x_next, actor_states, critic_states)
            critic_loss = tf.reduce_sum(tf.reduce_sum(tf.square(tf.stop_gradient(y) - q[..., 0]), 1) / (2.0 * T))
        for loss, model, opt in (
            (actor_loss, self.actor, self.actor_opt),
            (critic_loss, self.critic, self.critic_opt),
            (generator_loss, self.generator, self.generator_opt),
        ):
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply([gr / global_batch for gr in grads], model.trainable_variables)
        del tape
        return {
            'loss_g_sum': generator_loss,
            'loss_g_square_sum': tf.reduce_sum(tf.square(loss_g)),
            'critic_loss_sum': critic_loss,
            'actor_loss_sum': actor_loss,
            'q_sum': tf.reduce_sum(tf.reduce_mean(q[..., 0], 1)),
            'penalty_sum': tf.reduce_sum(scan['penalties']),
        }

    def _bootstrap(self, x_next, actor_states, critic_states):
        """Q'(H_Q(t), x_{t+1}, mu'(H_mu(t), x_{t+1})) for t < T-1, and 0 after the last decision (terminal)."""
        g, T = self.geometry, self.geometry.segments
        flat = lambda z: tf.reshape(z[:, : T - 1], [-1, z.shape[-1]])  # noqa: E731  (N, T-1, D) -> (N (T-1), D)
        n = tf.shape(x_next)[0]
        xs = flat(x_next)
        seen = blind(xs, g) if self.cfg.actor_mode == 'blind' else xs
        mu_target, *_ = self.actor_target([seen, *[flat(tf.stop_gradient(s)) for s in actor_states]])
        q_target, *_ = self.critic_target(
            [tf.concat([xs, scan_tf.unit_directions(mu_target)], -1), *[flat(tf.stop_gradient(s)) for s in critic_states]]
        )
        q_target = tf.reshape(q_target, tf.stack([n, T - 1]))
        return tf.concat([q_target, tf.zeros_like(q_target[:, :1])], axis=1)

    def _replayed_batch(self):
        idx = self.rng.uniform([self.cfg.batch_size], 0, self.replay_size, dtype=tf.int32)
        images = self._gather_images(tf.gather(self.replay_image, idx), tf.gather(self.replay_flip, idx))
        return images, tf.gather(self.replay_actions, idx)

    def _split(self, tensor):
        per = self.cfg.batch_size // self.strategy.num_replicas_in_sync
        return self.strategy.experimental_distribute_values_from_function(
            lambda ctx: tensor[ctx.replica_id_in_sync_group * per : (ctx.replica_id_in_sync_group + 1) * per]
        )

    @tf.function
    def iteration(self):
        """One CRDPG iteration. Returns batch-mean metrics."""
        cfg = self.cfg
        self._collect()
        images, actions = self._replayed_batch()
        first = tf.equal(self.iteration_count, 0)
        if first:  # Initialise the running loss statistics from the untrained generator's losses.
            scan = scan_tf.scan_paths(images, actions, self.geometry)
            l0 = tf.reduce_mean(tf.square(self.generator(scan['partial_scan'])[..., 0] - images), axis=[1, 2])
            self.loss_mean.assign(tf.reduce_mean(l0))
            self.loss_mean_square.assign(tf.reduce_mean(tf.square(l0)))
        per_replica = self.strategy.run(self._replica_update, args=(self._split(images), self._split(actions)))
        sums = {k: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None) for k, v in per_replica.items()}
        ema_update(self.actor_target, self.actor, cfg.target_decay)
        ema_update(self.critic_target, self.critic, cfg.target_decay)
        n = float(cfg.batch_size)
        b = cfg.loss_decay
        self.loss_mean.assign(b * self.loss_mean + (1 - b) * sums['loss_g_sum'] / n)
        self.loss_mean_square.assign(b * self.loss_mean_square + (1 - b) * sums['loss_g_square_sum'] / n)
        self.iteration_count.assign_add(1)
        return {
            'losses/generator_mse': sums['loss_g_sum'] / n,
            'losses/critic': sums['critic_loss_sum'] / n,
            'losses/actor': sums['actor_loss_sum'] / n,
            'charts/q_mean': sums['q_sum'] / n,
            'charts/over_edge_penalty_per_scan': sums['penalty_sum'] / n,
            'charts/loss_running_mean': self.loss_mean.read_value(),
            'charts/noise_sigma': self._noise_sigma(),
            'charts/generator_lr': self.generator_opt.learning_rate,
        }

    def checkpoint(self) -> tf.train.Checkpoint:
        """Everything needed to continue training exactly (the dataset itself is not saved: its config is)."""
        return tf.train.Checkpoint(
            actor=self.actor, critic=self.critic, actor_target=self.actor_target, critic_target=self.critic_target,
            generator=self.generator, actor_opt=self.actor_opt, critic_opt=self.critic_opt, generator_opt=self.generator_opt,
            rng=self.rng, replay_image=self.replay_image, replay_flip=self.replay_flip, replay_actions=self.replay_actions,
            replay_size=self.replay_size, replay_next=self.replay_next, iteration=self.iteration_count,
            loss_mean=self.loss_mean, loss_mean_square=self.loss_mean_square,
        )  # fmt: skip


def learned_path(agent: CRDPG) -> np.ndarray:
    """The blind actor's path: its noiseless directions (T, 2), the same for every image."""
    probe = tf.zeros([1, agent.geometry.image_size, agent.geometry.image_size])
    return act(agent.actor, probe, agent.geometry, blind_actor=True).numpy()[0]

