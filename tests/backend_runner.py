"""Run a snippet under a chosen Keras backend in a fresh process (the backend is fixed when Keras is imported) and bring
back the arrays it leaves in a dict named `result`."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def run_in_backend(backend: str, code: str, timeout: int = 900, env: dict | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / 'result.npz'
        script = f'import numpy as np\nresult = {{}}\n{code}\nnp.savez({str(out)!r}, **result)\n'
        proc = subprocess.run(
            [sys.executable, '-c', script],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout,
            env={
                **os.environ,
                'PYTHONPATH': str(ROOT),
                'KERAS_BACKEND': backend,
                'TF_CPP_MIN_LOG_LEVEL': '3',
                **(env or {}),
            },
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        with np.load(out) as f:
            return dict(f)
