"""The layers import one way, as the README's map of the code says: corpus → config → retrieval →
bot. A module may import from its own folder and from the folders before it, never after."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("corpus", "config", "retrieval", "bot")


def _kilde_imports(path: Path) -> set[str]:
    """The kilde layers a module imports from (top level or inside functions)."""
    layers: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        layers.update(name.split(".")[1] for name in names if name.startswith("kilde."))
    return layers


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_from_the_layers_before_it(layer: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    modules = sorted((ROOT / layer).rglob("*.py"))
    assert modules
    wrong = {str(path.relative_to(ROOT)): sorted(_kilde_imports(path) - allowed)
             for path in modules if _kilde_imports(path) - allowed}
    assert wrong == {}
