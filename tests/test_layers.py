"""The README's map of the code stays true: the layers import one way (corpus → config →
retrieval → bot; a module imports from its own folder and the folders before it, never after),
and every file the map names exists."""

from __future__ import annotations

import ast
import re
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


def _map_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## The code: a map")
    return readme[start:readme.index("\n## ", start + 1)]


def test_every_file_the_readme_map_names_exists() -> None:
    named = set(re.findall(r"`([\w./]+\.(?:py|md))`", _map_section()))
    assert len(named) > 20
    # A name is a path from the repository root, or from one of the folders the map names.
    folders = [ROOT, *(ROOT / layer for layer in LAYERS), ROOT / "bot" / "cli",
               ROOT / "bot" / "telegram_app", ROOT / "tests", ROOT / "benchmarks"]
    missing = sorted(name for name in named if not any((f / name).exists() for f in folders))
    assert missing == []
