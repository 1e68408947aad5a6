"""The `kilde` command line, run as a user would: real processes, real output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "eval" / "dev.json"


def kilde(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "kilde.bot.cli.main", *args], input=stdin, capture_output=True,
        text=True, env=environment, cwd=cwd or ROOT, timeout=120, check=False,
    )


@pytest.fixture(autouse=True)
def _index_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILDE_INDEX_DIR", str(tmp_path / "index"))


def test_ask_json_matches_the_contract() -> None:
    result = kilde("ask", "--json", "What did Russia demand from NATO?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answered"] is True and answer["language"] == "en"
    assert len(answer["hits"]) == 3
    hit = answer["hits"][0]
    assert set(hit) >= {"rank", "score", "article_id", "source", "title", "date", "language",
                        "paragraph_number", "paragraph", "excerpt", "citation"}
    assert hit["rank"] == 1 and hit["excerpt"] in hit["paragraph"]


def test_ask_for_a_person_prints_quoted_excerpts_with_citations() -> None:
    result = kilde("ask", "Hva krever Russland av USA?")
    assert result.returncode == 0
    assert "«" in result.stdout and "¶" in result.stdout


def test_batch_mode_answers_each_line_in_order() -> None:
    result = kilde("ask", "--json", "-", stdin="Hvem er Dmytro Kuleba?\n\nWho won the 2022 World Cup?\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in lines] == ["Hvem er Dmytro Kuleba?", "", "Who won the 2022 World Cup?"]
    assert [a["answered"] for a in lines] == [True, False, False]


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_batch_mode_replaces_invalid_utf8_per_line(locale: str) -> None:
    # Defect 11: invalid UTF-8 was echoed into the JSON (or, under a strict locale, the
    # process died and no line was answered).
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": locale,
                   "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    result = subprocess.run(
        [sys.executable, "-m", "kilde.bot.cli.main", "ask", "--json", "-"],
        input=b"Nato\n\xff\xfeRusland \xc3(\n\xe2\x82\n", capture_output=True, env=environment,
        cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [a["question"] for a in lines] == ["Nato", "\ufffd\ufffdRusland \ufffd(", "\ufffd"]


def test_top_k_setting_and_flag() -> None:
    five = kilde("ask", "--json", "Nato Rusland", env={"KILDE_TOP_K": "5"})
    assert len(json.loads(five.stdout)["hits"]) == 5
    assert len(json.loads(kilde("ask", "--json", "--top-k", "2", "Nato Rusland").stdout)["hits"]) == 2


@pytest.mark.parametrize(
    ("args", "code", "culprit"),
    [
        (["ask", ""], 2, "empty"),
        (["ask", "--corpus", "/no/such/folder", "Nato?"], 2, "/no/such/folder"),
        (["ask", "Nato?"], 2, "KILDE_TOP_K"),
        (["eval", "/no/such/gold.json"], 2, "gold.json"),
        (["frobnicate"], 2, "frobnicate"),
    ],
)
def test_bad_input_is_one_line_naming_the_culprit(args: list[str], code: int, culprit: str) -> None:
    env = {"KILDE_TOP_K": "many"} if culprit == "KILDE_TOP_K" else None
    result = kilde(*args, env=env)
    assert result.returncode == code
    assert culprit in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_empty_corpus_folder_is_one_line(tmp_path: Path) -> None:
    result = kilde("ask", "--corpus", str(tmp_path), "Nato?")
    assert result.returncode == 1
    assert str(tmp_path) in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("question", ["?!?!", "🙂🙃🙂", "x" * 10_000])
def test_hostile_questions_abstain_or_answer_without_a_traceback(question: str) -> None:
    result = kilde("ask", "--json", question)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["question"] == question


def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KILDE_TOP_K=1\n", encoding="utf-8")
    result = kilde("ask", "--json", "Nato Rusland", cwd=tmp_path)
    assert len(json.loads(result.stdout)["hits"]) == 1


def test_corpus_check_lists_articles_and_problems(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(" date 2022-01 Rusland og Nato mødtes.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02")
    result = kilde("corpus", "check", "--corpus", str(tmp_path))
    assert "good.txt" in result.stdout and "bad.txt: binary" in result.stdout
    assert result.returncode == 1
    assert kilde("corpus", "check").returncode == 0


@pytest.mark.skipif(not DEV.exists(), reason="shared/eval/dev.json is not beside this checkout")
def test_eval_prints_per_language_scores_and_json() -> None:
    table = kilde("eval", str(DEV))
    assert table.returncode == 0 and "success@3" in table.stdout
    report = json.loads(kilde("eval", "--json", str(DEV)).stdout)
    assert set(report["languages"]) == {"en", "da", "no"}
    assert all(0 <= v["ndcg@5"] <= 1 for v in report["languages"].values())


def test_index_command_saves_an_index(tmp_path: Path) -> None:
    result = kilde("index", env={"KILDE_INDEX_DIR": str(tmp_path / "idx")})
    assert result.returncode == 0, result.stderr
    assert any((tmp_path / "idx").iterdir())


def test_index_command_fails_when_the_index_cannot_be_saved(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")  # so even root cannot create the index folder in it
    result = kilde("index", env={"KILDE_INDEX_DIR": str(blocker / "index")})
    assert result.returncode == 1
    assert "ready" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("kilde:")]
    assert len(errors) == 1 and str(blocker / "index") in errors[0]
