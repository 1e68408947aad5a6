"""One exception root: every error class Kilde defines is a KildeError, drawn where it belongs."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest

import kilde.corpus.errors
from kilde.bot.cli.main import main
from kilde.corpus import KildeError
from kilde.retrieval.errors import GoldFileError
from kilde.retrieval.evaluation import load_gold

LAYERS = ("kilde.bot", "kilde.config", "kilde.corpus", "kilde.retrieval")


def _kilde_exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of the installed package, by name."""
    found: dict[str, type[BaseException]] = {}
    for layer in LAYERS:
        package = importlib.import_module(layer)
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{layer}.")
        ]
        found.update(
            (name, value)
            for module in modules
            for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, BaseException)
            and value.__module__ == module.__name__
        )
    return found


def _drawn_parents() -> dict[str, str]:
    """Child → parent as drawn in the tree of kilde.corpus.errors' docstring."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (kilde.corpus.errors.__doc__ or "").splitlines():
        match = re.match(r"^(\s*(?:[│ ]   )*(?:[├└]── )?)([A-Z]\w*Error)\b", line)
        if not match:
            continue
        column, name = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= column:
            stack.pop()
        if stack:
            parents[name] = stack[-1][1]
        stack.append((column, name))
    return parents


def test_every_error_class_is_a_kilde_error() -> None:
    classes = _kilde_exception_classes()
    assert {"CorpusError", "IngestError", "RetrievalError", "SettingsError", "LexiconError",
            "GoldFileError", "UsageError", "CorpusFolderError"} <= set(classes)
    outside = sorted(name for name, cls in classes.items() if not issubclass(cls, KildeError))
    assert outside == []


def test_the_drawn_hierarchy_is_the_real_one() -> None:
    drawn = _drawn_parents()
    for name, cls in _kilde_exception_classes().items():
        if cls is KildeError:
            continue
        assert name in drawn, f"{name} is missing from the tree in kilde.corpus.errors"
        assert cls.__bases__[0].__name__ == drawn[name], name


def test_errors_that_were_value_errors_still_are() -> None:
    from kilde.config import SettingsError

    assert issubclass(SettingsError, ValueError) and issubclass(GoldFileError, ValueError)


@pytest.mark.parametrize(
    ("content", "culprit"),
    [("{not json", "is not JSON"), ('{"a": 1}', "JSON list"), ('[{"lang": "en"}]', "entry 1")],
)
def test_a_malformed_gold_file_is_a_gold_file_error(
    tmp_path: Path, content: str, culprit: str
) -> None:
    gold = tmp_path / "gold.json"
    gold.write_text(content, encoding="utf-8")
    with pytest.raises(GoldFileError, match=culprit) as caught:
        load_gold(gold)
    assert str(gold) in str(caught.value)


def test_the_cli_turns_a_kilde_error_into_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps({"not": "a list"}), encoding="utf-8")
    assert main(["eval", str(gold)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kilde: gold file ") and str(gold) in err
    assert len(err.strip().splitlines()) == 1
