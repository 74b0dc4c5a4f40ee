"""The layers import downwards only: model/ (the ground floor) imports no other package of the project, training/ and
hls/ never import host/ (the board program sits on top)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {'model': {'training', 'hls', 'host', 'bench'}, 'training': {'host', 'bench'}, 'hls': {'host', 'bench'}}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of every module `path` imports, at any depth of the file (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split('.')[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split('.')[0])
    return names


@pytest.mark.parametrize('layer', sorted(FORBIDDEN))
def test_no_layer_imports_a_layer_above_it(layer):
    wrong = {
        f'{path.relative_to(ROOT)} imports {name}'
        for path in sorted((ROOT / layer).rglob('*.py'))
        for name in imported_packages(path) & FORBIDDEN[layer]
    }
    assert not wrong, sorted(wrong)
