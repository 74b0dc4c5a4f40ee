"""Scan geometry, scan environments and network builders.

`model.geometry`, `model.observation`, `model.scan_numpy`, `model.fixed_paths`, `model.specs` and
`model.microscopy_files` need only NumPy, so the board program (host/) can import them without Keras.
`model.scan_ops` (the batched environment in keras.ops) and `model.networks` need Keras, on either backend.
"""
