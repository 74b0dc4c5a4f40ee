"""Training, data and evaluation on TensorFlow or JAX through Keras 3 (model/ and host/ stay importable without them)."""
