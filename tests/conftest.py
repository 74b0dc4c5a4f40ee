"""Shared fixtures: seeds everything once per session; gives each test case its own output folder."""

import os

# Several OpenBLAS threads on a busy 2-core machine slow SciPy's triangulation from ms to seconds.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import random  # noqa: E402
import re  # noqa: E402

import numpy as np  # noqa: E402
import pytest

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')


@pytest.fixture(autouse=True, scope='session')
def seed_everything():
    random.seed(0)
    np.random.seed(0)


@pytest.fixture
def test_case_dir(request, tmp_path_factory):
    """A fresh folder named after the test case (parametrised ids included)."""
    return tmp_path_factory.mktemp(re.sub(r'[^\w.-]+', '_', request.node.name)[:60])
