"""The default collection lives where a user's data lives, never in the installed package
(the real CLI, run from other folders)."""

from __future__ import annotations

import json
from pathlib import Path

from kilde.config.settings import SHIPPED_CORPUS_DIR
from tests.bot.test_cli import kilde

ARTICLE = (" date 2023-06 Natfærge til Fanø\n\n"
           + "Fanøfærgen sejler fra juli også om natten i weekenderne, oplyser rederiet. " * 6)


def _listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def test_add_and_ask_from_another_folder_use_the_users_data_folder(
        tmp_path: Path, user_data_dir: Path) -> None:
    shipped_before = _listing(SHIPPED_CORPUS_DIR)
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    article = elsewhere / "natfaerge.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    env = {"KILDE_INDEX_DIR": str(tmp_path / "index")}
    added = kilde("add", str(article), env=env, cwd=elsewhere)
    assert added.returncode == 0, added.stderr
    collection = user_data_dir / "kilde" / "articles"
    texts = sorted(path.name for path in collection.glob("*.txt"))
    assert texts[:5] == sorted(shipped_before)  # seeded with the shipped five, unchanged
    assert {name: (collection / name).read_bytes() for name in texts[:5]} == {
        name: data for name, data in shipped_before.items() if name.endswith(".txt")}
    assert len(texts) == 6 and texts[5].startswith("005_")
    answer = json.loads(kilde("ask", "--json", "Sejler Fanøfærgen om natten?", env=env,
                              cwd=elsewhere).stdout)
    assert answer["answered"] and answer["hits"][0]["source"] == texts[5]
    assert _listing(SHIPPED_CORPUS_DIR) == shipped_before  # nothing written into the package


def test_a_working_folder_with_corpus_articles_uses_that(tmp_path: Path,
                                                         user_data_dir: Path) -> None:
    project = tmp_path / "project"
    (project / "corpus" / "articles").mkdir(parents=True)
    article = tmp_path / "natfaerge.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = kilde("add", str(article), env={"KILDE_INDEX_DIR": str(tmp_path / "index")},
                   cwd=project)
    assert result.returncode == 0, result.stderr
    assert [p.name[:4] for p in (project / "corpus" / "articles").glob("*.txt")] == ["000_"]
    assert not (user_data_dir / "kilde" / "articles").exists()


def test_an_unwritable_data_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = kilde("ask", "Nato?", env={"XDG_DATA_HOME": str(blocker)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "not-a-folder" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_citations_name_the_outlet_and_mark_an_untitled_lead(tmp_path: Path) -> None:
    answer = json.loads(kilde("ask", "--json", "--top-k", "10", "What did Russia demand from NATO?",
                              env={"KILDE_INDEX_DIR": str(tmp_path / "index")}).stdout)
    citations = {hit["article_id"][:3]: hit["citation"] for hit in answer["hits"]}
    assert citations["003"].startswith("Etter krisemøte: Advarer mot «stort feilgrep» (VG, 2022-01), ¶")
    assert citations["001"].startswith(
        "USA: Nu er det op til Rusland at dæmpe Ukraine-krise (Ritzau, 2021-12), ¶")
    # No title and no outlet: the opening words, in «», never passed off as a title.
    assert citations["004"].startswith("«Tema for samtalene i fredag er den svært …» (2022-01), ¶")
