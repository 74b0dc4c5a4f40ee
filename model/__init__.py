"""Scan geometry, scan environments and network builders.

`model.geometry`, `model.observation`, `model.scan_numpy`, `model.fixed_paths`, `model.specs`,
`model.microscopy_files`, `model.cli` (command-line helpers) and `model.durable` (fsync) need only NumPy or less,
so the board program (host/) can import them without Keras.
`model.scan_ops` (the batched environment in keras.ops) and `model.networks` need Keras, on either backend.
"""
