"""The saved duplicate catalogue: kept in step with the folder without reading it again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kilde.corpus.ingest.add import add_file, open_corpus
from kilde.corpus.ingest.catalog import CATALOGUE_FILE, JOURNAL_FILE, Catalog
from kilde.corpus.ingest.errors import DuplicateError
from kilde.corpus.ingest.urls import normalise_url

SEEDS = Path(__file__).resolve().parents[2] / "corpus" / "articles"
ARTICLE = (
    " date 2023-06 Natfærge til Fanø\n\n"
    "Fanøfærgen sejler fra juli også om natten i weekenderne, så gæster kan komme hjem efter koncerter.\n\n"
    "Rederiet indsætter en ekstra afgang klokken 00.40 og en klokken 02.10 fredag og lørdag.\n\n"
    "– Vi har fået rigtig mange henvendelser fra øboere, der har savnet muligheden, siger driftschefen.\n"
)


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "articles"
    shutil.copytree(SEEDS, directory)
    return directory


def _article_file(tmp_path: Path, text: str = ARTICLE) -> Path:
    path = tmp_path / "ny.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_catalogue_is_saved_and_reused_without_reading_the_articles(corpus_dir: Path) -> None:
    first = open_corpus(corpus_dir)
    saved = json.loads((corpus_dir / CATALOGUE_FILE).read_text(encoding="utf-8"))
    assert sorted(saved["articles"]) == sorted(p.name for p in corpus_dir.glob("*.txt"))
    # Overwrite a seed in place (same name): a catalogue that re-read the folder would see it.
    seed = corpus_dir / "002_f0782c8e115b1d7c.txt"
    seed.write_text(ARTICLE, encoding="utf-8")
    again = Catalog.open(corpus_dir)
    assert again.by_text == first.by_text
    assert again.find_text(first.articles[seed.name]) == "002_f0782c8e115b1d7c"


def test_an_article_copied_in_by_hand_is_noticed(tmp_path: Path, corpus_dir: Path) -> None:
    open_corpus(corpus_dir)
    (corpus_dir / "900_handmade.txt").write_text(ARTICLE, encoding="utf-8")
    catalog = open_corpus(corpus_dir)
    with pytest.raises(DuplicateError, match="already in corpus as 900_handmade"):
        add_file(_article_file(tmp_path), catalog)
    assert catalog.next_number == 901


def test_an_article_deleted_by_hand_is_forgotten(tmp_path: Path, corpus_dir: Path) -> None:
    added = add_file(_article_file(tmp_path), open_corpus(corpus_dir))
    added.path.unlink()
    (corpus_dir / f"{added.id}.meta.json").unlink()
    catalog = open_corpus(corpus_dir)
    assert added.path.name not in catalog.articles
    again = add_file(_article_file(tmp_path), catalog)  # no longer a duplicate
    assert again.path.exists()


def test_a_sidecar_copied_in_by_hand_makes_its_url_known(corpus_dir: Path) -> None:
    open_corpus(corpus_dir)
    sidecar = corpus_dir / "003_61097a4a1e12c992.meta.json"
    sidecar.write_text(json.dumps({"url": "https://www.nrk.no/urix/krisemote"}), encoding="utf-8")
    catalog = open_corpus(corpus_dir)
    assert catalog.find_url("https://WWW.nrk.no/urix/krisemote/?utm_source=x") == "003_61097a4a1e12c992"


def test_an_added_article_is_recorded_and_saved(tmp_path: Path, corpus_dir: Path) -> None:
    catalog = open_corpus(corpus_dir)
    added = add_file(_article_file(tmp_path), catalog)
    assert added.id.startswith("005_")
    saved = json.loads((corpus_dir / CATALOGUE_FILE).read_text(encoding="utf-8"))
    assert added.path.name not in saved["articles"]  # one journal line, not a rewrite
    [line] = (corpus_dir / JOURNAL_FILE).read_text(encoding="utf-8").splitlines()
    fingerprint = json.loads(line)["fingerprint"]
    again = Catalog.open(corpus_dir)
    assert again.find_text(fingerprint) == added.id and again.next_number == 6


def test_the_journal_is_folded_into_the_catalogue(tmp_path: Path, corpus_dir: Path) -> None:
    catalog = Catalog.open(corpus_dir, journal_limit=2)
    for number in range(2):
        add_file(_article_file(tmp_path, ARTICLE.replace("Fanø", f"Fanø {number}")), catalog)
    assert not (corpus_dir / JOURNAL_FILE).exists()
    saved = json.loads((corpus_dir / CATALOGUE_FILE).read_text(encoding="utf-8"))
    assert len(saved["articles"]) == 7 and saved["next_number"] == 7


def test_a_journal_line_cut_short_by_a_crash_is_ignored(tmp_path: Path, corpus_dir: Path) -> None:
    added = add_file(_article_file(tmp_path), open_corpus(corpus_dir))
    with open(corpus_dir / JOURNAL_FILE, "a", encoding="utf-8") as journal:
        journal.write('{"article": "999_x.txt", "finger')
    catalog = Catalog.open(corpus_dir)
    assert added.path.name in catalog.articles and "999_x.txt" not in catalog.articles


@pytest.mark.parametrize("damage", ["{not json", json.dumps({"format": "other"}), ""])
def test_a_damaged_catalogue_is_rebuilt_from_the_folder(
    corpus_dir: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    (corpus_dir / CATALOGUE_FILE).write_text(damage, encoding="utf-8")
    catalog = Catalog.open(corpus_dir)
    assert len(catalog.articles) == 5
    assert "duplicate catalogue" in caplog.text
    assert json.loads((corpus_dir / CATALOGUE_FILE).read_text(encoding="utf-8"))["version"] == 1


def test_saved_urls_of_another_normalisation_are_recomputed(corpus_dir: Path) -> None:
    sidecar = corpus_dir / "001_c536edf10c5b8bff.meta.json"
    sidecar.write_text(json.dumps({"url": "https://dr.dk/a/?fbclid=1"}), encoding="utf-8")
    Catalog.open(corpus_dir)
    path = corpus_dir / CATALOGUE_FILE
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["urls"], saved["sidecars"] = "old", {sidecar.name: ["https://dr.dk/a/?fbclid=1"]}
    path.write_text(json.dumps(saved), encoding="utf-8")
    catalog = Catalog.open(corpus_dir)
    assert catalog.sidecars[sidecar.name] == [normalise_url("https://dr.dk/a")]
