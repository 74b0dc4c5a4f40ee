"""Training, data and evaluation (TensorFlow lives here; model/ and host/ stay importable without it)."""
