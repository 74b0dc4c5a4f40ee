"""The only backend-specific code of training: compile a pure step function, take gradients, spread a batch over devices.

Everything else (the environment, the scanner, the CRDPG iteration, the optimizers' updates through
`Optimizer.stateless_apply`) is written once in `keras.ops`. As in Keras 3's own trainers, each backend contributes a few
lines: JAX differentiates with `jax.value_and_grad` and compiles with `jax.jit` (the state buffers donated); TensorFlow
records a `GradientTape` inside a `tf.function`. Loss functions return *sums* over the batch, so per-device parts add up.

Several devices: `data_parallel` is `keras.distribution.DataParallel` on JAX (the batch is sharded, XLA inserts the
gradient all-reduce) and `tf.distribute.MirroredStrategy` on TensorFlow (each replica takes a slice of the batch, the
gradients are summed); `multiworker` is TensorFlow's MultiWorkerMirroredStrategy.
"""

from __future__ import annotations

import keras


def backend_name() -> str:
    """The Keras backend in use: 'tensorflow' or 'jax' (chosen by KERAS_BACKEND before Keras is imported)."""
    return keras.backend.backend()


def device_name() -> str:
    """The device completions run on, in words: 'GPU: NVIDIA H100 80GB HBM3 (jax)' or 'CPU: <model> (tensorflow)'."""
    name = backend_name()
    gpus = []
    if name == 'jax':
        import jax

        gpus = [d.device_kind for d in jax.devices() if d.platform == 'gpu']
    elif name == 'tensorflow':
        import tensorflow as tf

        gpus = [
            tf.config.experimental.get_device_details(d).get('device_name', d.name)
            for d in tf.config.list_physical_devices('GPU')
        ]
    if gpus:
        return f'GPU: {gpus[0]}{f" (x{len(gpus)})" if len(gpus) > 1 else ""} ({name})'
    return f'CPU: {_cpu_model()} ({name})'


def _cpu_model() -> str:
    import platform

    try:
        with open('/proc/cpuinfo') as f:
            return next(line.split(':', 1)[1].strip() for line in f if line.startswith('model name'))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


class Backend:
    """Compiling and differentiating for the Keras backend in use (set by KERAS_BACKEND before Keras is imported)."""

    def __init__(self, distribute: str = 'none'):
        self.name = backend_name()
        if self.name not in ('jax', 'tensorflow'):
            raise ValueError(f'training runs on the jax or tensorflow Keras backends, not {self.name!r}')
        self.distribute = distribute
        self.strategy = None
        self.distribution = None
        if self.name == 'tensorflow':
            import tensorflow as tf

            self.strategy = {
                'none': tf.distribute.get_strategy,
                'data_parallel': tf.distribute.MirroredStrategy,
                'multiworker': tf.distribute.MultiWorkerMirroredStrategy,
            }[distribute]()
        elif distribute == 'data_parallel':
            self.distribution = keras.distribution.DataParallel()
            keras.distribution.set_distribution(self.distribution)
        elif distribute == 'multiworker':
            raise ValueError("distribute='multiworker' needs the tensorflow backend; on JAX use 'data_parallel'")

    @property
    def devices(self) -> int:
        if self.strategy is not None:
            return self.strategy.num_replicas_in_sync
        return len(self.distribution.device_mesh.devices.flat) if self.distribution else 1

    def compile(self, fn):
        """fn(state, *args) -> (state, outputs), pure: compiled once per input shape."""
        if self.name == 'jax':
            import jax

            return jax.jit(fn, donate_argnums=0)
        import tensorflow as tf

        return tf.function(fn, jit_compile=False)

    def gradients(self, loss_fn, params, batch: dict, *consts):
        """((loss, aux), grads) of loss_fn(params, batch, *consts) -> (loss, aux) w.r.t. params.

        `batch` holds arrays with the batch on axis 0, spread over the devices; loss and aux must be sums over it.
        """
        if self.name == 'jax':
            import jax

            if self.distribution is not None:
                batch = {
                    k: keras.distribution.distribute_tensor(v, self.distribution.get_data_layout(v.shape))
                    for k, v in batch.items()
                }
            return jax.value_and_grad(loss_fn, has_aux=True)(params, batch, *consts)
        import tensorflow as tf

        def replica(batch_part):
            with tf.GradientTape() as tape:
                tape.watch(params)
                loss, aux = loss_fn(params, batch_part, *consts)
            return (loss, aux), tape.gradient(loss, params)

        if self.strategy.num_replicas_in_sync == 1:
            return replica(batch)
        n = self.strategy.num_replicas_in_sync
        size = next(iter(batch.values())).shape[0]
        if size % n:
            raise ValueError(f'batch of {size} does not split over {n} replicas')
        per = size // n
        parts = self.strategy.experimental_distribute_values_from_function(
            lambda ctx: {
                k: v[ctx.replica_id_in_sync_group * per : (ctx.replica_id_in_sync_group + 1) * per] for k, v in batch.items()
            }
        )
        per_replica = self.strategy.run(replica, args=(parts,))
        return tf.nest.map_structure(lambda v: self.strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None), per_replica)

    def apply(self, optimizer, model, slots: list, grads: list, weights: list):
        """One optimizer update of a model's weights: returns (weights, slots), the optimizer's own Keras update rule.

        JAX: `Optimizer.stateless_apply`. Keras's TensorFlow backend refuses stateless_apply, so there the values are
        written into the optimizer's and the model's variables, updated in place, and read back (inside the tf.function).
        """
        if self.name == 'jax':
            return optimizer.stateless_apply(slots, grads, weights)
        import tensorflow as tf

        variables = model.trainable_variables
        for var, value in [*zip(optimizer.variables, slots), *zip(variables, weights)]:
            var.assign(value)
        optimizer.apply(grads, variables)
        return [tf.identity(v.value) for v in variables], [tf.identity(v.value) for v in optimizer.variables]

    def to_numpy(self, tree):
        return keras.tree.map_structure(keras.ops.convert_to_numpy, tree)
