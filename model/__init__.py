"""Scan geometry, scan environments and network builders.

`model.geometry`, `model.scan_numpy`, `model.observation` and `model.fixed_paths` need only NumPy,
so the board program (host/) can import them without TensorFlow. `model.scan_tf` and
`model.networks` need TensorFlow/Keras.
"""
