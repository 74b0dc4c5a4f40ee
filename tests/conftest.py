"""Shared fixtures: seeds everything once per session; gives each test case its own output folder."""

import os
import random
import re

import numpy as np
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
