"""The board program and the completion service.

Runs on a PYNQ board (NumPy + pynq + pyzmq + tifffile, never TensorFlow) and on workstations:
  run_scan.py          the program: scans with an actor backend, stores them, sends them for completion
  scan.py              one adaptive scan: actor step -> segment -> microscope (or the fabric's whole scan)
  actors.py            actor backends behind one interface (pynq, rtl-sim, reference, float, scripted)
  pynq_overlay.py      PYNQ drivers of the scan overlay (imported only on the board, or with a mock pynq in tests)
  microscope.py        the microscope boundary and a simulated microscope (dose, jitter, dwell)
  store.py             every acquired scan on disk before it is sent (pending/ -> done/, exactly once)
  sender.py            the background sender thread (bounded retries with backoff) and --complete-pending
  client.py, schema.py the completion client and the versioned message schema (JSON header + raw float32 frame)
  generator_service.py the GPU-side completion service (validates, batches; trained generator or interpolation)
  workstation.py       workstation-only parts (Keras, training/): the float actor, the generator, procedural images
  keys.py              CURVE keys for a service beyond loopback (python -m host.keys DIR)
The command-line helpers (one-line errors, range-checked arguments) are `model.cli`, fsync is `model.durable.fsync`:
they sit on the ground floor so that training/ and hls/ need not import host/.
"""
