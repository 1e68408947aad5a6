"""The README's evaluation example works from a fresh clone: the set it names in the repository
exists and `kilde eval` runs on it; the dev set is named with the folder it needs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bot.test_cli import kilde

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_in_repository_eval_example_runs(tmp_path: Path) -> None:
    in_repo = [path for path in re.findall(r"kilde eval (\S+\.json)", README)
               if not path.startswith(("..", "/"))]
    assert in_repo and all((ROOT / path).is_file() for path in in_repo)
    result = kilde("eval", in_repo[0], env={"KILDE_INDEX_DIR": str(tmp_path / "index")})
    assert result.returncode == 0, result.stderr
    assert "success@3" in result.stdout


def test_the_dev_set_example_names_the_folder_it_needs() -> None:
    assert "kilde eval ../shared/eval/dev.json" in README
    assert "not in the repository" in README and "`shared/`" in README
