"""The saved collection grows by segments, masks what is gone, merges, and survives being killed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kilde.corpus import load_corpus
from kilde.retrieval.checksums import sealed
from kilde.retrieval.collection import MANIFEST, MAX_SEGMENTS, folder_state
from kilde.retrieval.engine import Engine

SHIPPED = Path(__file__).resolve().parents[2] / "corpus" / "articles"
DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.json"
QUESTIONS = [
    "What did Russia demand from NATO?",
    "Hvad sagde Scholz om Nord Stream 2?",
    "Hva sa Stoltenberg om sikkerhetsgarantier?",
    "Hvor mange soldater har Rusland samlet ved grænsen?",
    "Who met in Geneva?",
]


def _hits(engine: Engine, question: str) -> tuple[list[float], set[tuple[str, int, float]]]:
    """The hits' scores in rank order, and which passages got the scores no other hit has.

    Segment order may differ from file order, and documents with equal scores (copies of one
    article) may then come in another order, so tied hits are compared by score only.
    """
    hits = engine.ask(question, top_k=10).hits
    scores = [h.score for h in hits]
    untied = {(h.article_id, h.paragraph_number, h.score) for h in hits
              if scores.count(h.score) == 1 and h.score > scores[-1]}
    return scores, untied


def _same_as_built_at_once(engine: Engine, corpus: Path) -> None:
    fresh = Engine.from_corpus(load_corpus(corpus))
    assert engine.passage_count == fresh.passage_count
    assert engine.article_count == fresh.article_count
    for question in QUESTIONS:
        # The re-ranked score (coverage, context) on top of BM25 may differ in its last bit
        # where Okapi's average idf sums its terms in another order across segments.
        (scores, untied), (fresh_scores, fresh_untied) = _hits(engine, question), _hits(fresh, question)
        assert scores == pytest.approx(fresh_scores, rel=1e-12), question
        assert {(a, n) for a, n, _ in untied} == {(a, n) for a, n, _ in fresh_untied}, question


def _manifest(index: Path) -> dict:
    [path] = index.glob(f"*/collection-*/{MANIFEST}")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    directory = tmp_path / "articles"
    shutil.copytree(SHIPPED, directory)
    return directory


def _new_article(corpus: Path, number: int) -> Path:
    """A variant of a seed: the same paragraphs in another order, under a new name."""
    seed = (SHIPPED / "001_c536edf10c5b8bff.txt").read_text(encoding="utf-8")
    head, *paragraphs = seed.split("\n\n")
    paragraphs = paragraphs[number % len(paragraphs):] + paragraphs[:number % len(paragraphs)]
    path = corpus / f"{100 + number:03d}_variant.txt"
    path.write_text("\n\n".join([head, f"Særmelding nummer {number} om Genève.", *paragraphs]),
                    encoding="utf-8")
    return path


def test_changes_go_into_a_new_segment_and_score_as_a_fresh_build(
    corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    # An unchanged article rewritten in place with its size and times kept: only a rebuild
    # (which re-reads every file) would quote the scrambled text.
    untouched = corpus / "000_23c4745124c96c06.txt"
    stat = untouched.stat()
    original = untouched.read_bytes()
    untouched.write_bytes(original.swapcase())
    os.utime(untouched, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    _new_article(corpus, 1)
    changed = corpus / "002_f0782c8e115b1d7c.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Scholz", "Merkel"), encoding="utf-8")
    (corpus / "004_4cfd5266a7c9d98f.txt").unlink()
    engine = Engine.open(corpus, index_dir=index)

    manifest = _manifest(index)
    assert len(manifest["segments"]) == 2
    assert sorted(manifest["segments"][0]["masked"]) == ["002_f0782c8e115b1d7c.txt",
                                                         "004_4cfd5266a7c9d98f.txt"]
    assert engine.article_count == 5
    assert all(h.article_id != "004_4cfd5266a7c9d98f" for h in engine.ask(QUESTIONS[0], top_k=20).hits)
    assert any("Merkel" in h.paragraph for h in engine.ask("Hvad sagde Merkel?", top_k=20).hits)
    untouched.write_bytes(original)  # the fresh build below reads the files: give it the same text
    os.utime(untouched, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    _same_as_built_at_once(engine, corpus)


def test_many_steps_then_a_merge_keep_the_scores(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    for number in range(MAX_SEGMENTS + 2):
        _new_article(corpus, number)
        if number == 4:
            (corpus / "003_61097a4a1e12c992.txt").unlink()
        engine = Engine.open(corpus, index_dir=index)
    assert len(_manifest(index)["segments"]) == MAX_SEGMENTS + 3
    _same_as_built_at_once(engine, corpus)
    assert engine.collection is not None and engine.collection.needs_merge()
    assert engine.collection.merge()
    # The added articles outweigh half the first segment here: everything was merged.
    assert len(_manifest(index)["segments"]) == 1
    _same_as_built_at_once(Engine.open(corpus, index_dir=index), corpus)
    _new_article(corpus, 99)
    (corpus / "100_variant.txt").unlink()
    Engine.open(corpus, index_dir=index)
    assert not engine.collection.merge()  # two segments are not too many
    assert engine.collection.merge(everything=True)
    assert len(_manifest(index)["segments"]) == 1
    _same_as_built_at_once(Engine.open(corpus, index_dir=index), corpus)


def test_a_merge_keeps_the_new_versions_of_changed_articles(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    changed = corpus / "002_f0782c8e115b1d7c.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Scholz", "Merkel"), encoding="utf-8")
    engine = Engine.open(corpus, index_dir=index)  # the old version masked, the new one added
    assert engine.collection is not None and engine.collection.merge(everything=True)
    merged = Engine.open(corpus, index_dir=index)
    assert _manifest(index)["segments"] == [{"name": _manifest(index)["segments"][0]["name"],
                                             "masked": []}]
    assert merged.article_count == 5
    _same_as_built_at_once(merged, corpus)


def test_an_unchanged_folder_commits_nothing(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    [manifest] = index.glob(f"*/collection-*/{MANIFEST}")
    written = manifest.stat().st_mtime_ns
    Engine.open(corpus, index_dir=index)
    assert manifest.stat().st_mtime_ns == written


def test_a_damaged_collection_is_rebuilt_with_a_warning(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    [manifest] = index.glob(f"*/collection-*/{MANIFEST}")
    manifest.write_text("{half a manifest", encoding="utf-8")
    _same_as_built_at_once(Engine.open(corpus, index_dir=index), corpus)
    assert "rebuilding" in caplog.text
    [segment] = _manifest(index)["segments"]
    shutil.rmtree(manifest.parent / segment["name"] / "passages")
    _same_as_built_at_once(Engine.open(corpus, index_dir=index), corpus)



def test_a_collection_of_the_previous_format_is_rebuilt(
    corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A collection saved in format 2 (each segment's file records one sealed JSON list) is
    built afresh, with one warning, never read as this format."""
    index = tmp_path / "index"
    Engine.open(corpus, index_dir=index)
    [manifest] = index.glob(f"*/collection-*/{MANIFEST}")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    [old] = [entry["name"] for entry in data["segments"]]
    data["version"] = 2
    manifest.write_text(json.dumps(sealed(data)), encoding="utf-8")
    _same_as_built_at_once(Engine.open(corpus, index_dir=index), corpus)
    assert "another format or version" in caplog.text
    assert [entry["name"] for entry in _manifest(index)["segments"]] != [old]



def test_the_folder_state_tells_each_article_and_its_sidecar(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("b.txt", "a.txt", "a.meta.json", "c.meta.json", ".hidden.txt", "notes.md"):
        (folder / name).write_text(name, encoding="utf-8")
    state = folder_state(folder)
    assert list(state) == ["a.txt", "b.txt"]  # name order; hidden files and others left out
    side = (folder / "a.meta.json").stat()
    assert state["a.txt"][2:] == (side.st_size, side.st_mtime_ns)
    assert state["b.txt"][2:] == (-1, -1)  # no sidecar; c.meta.json has no article
    (folder / "b.meta.json").write_text("{}", encoding="utf-8")
    assert folder_state(folder)["b.txt"][2:] == (2, (folder / "b.meta.json").stat().st_mtime_ns)


# Killed at any moment ----------------------------------------------------------------------

CHILD = """
import os
import sys
from pathlib import Path
from kilde.retrieval.engine import Engine

corpus, index, phase = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
seed = (corpus / "001_c536edf10c5b8bff_00.txt").read_text(encoding="utf-8")
print("ready", flush=True)
if phase == "build":
    while True:  # every file touched: most of the corpus changed, so each open rebuilds
        for path in corpus.glob("*.txt"):
            os.utime(path)
        Engine.open(corpus, index_dir=index)
elif phase == "add":
    for number in range(400):
        (corpus / f"9{number:04d}_x.txt").write_text(seed.replace("Nato", f"Nato{number}"),
                                                     encoding="utf-8")
        Engine.open(corpus, index_dir=index)
elif phase == "merge":
    engine = Engine.open(corpus, index_dir=index)
    while True:
        engine.collection.merge(everything=True)
        (corpus / "001_c536edf10c5b8bff_00.txt").write_text(seed + "\\n\\nEt nyt afsnit til sidst.\\n")
        engine = Engine.open(corpus, index_dir=index)
"""


def _big_corpus(tmp_path: Path) -> Path:
    """Enough articles that a build takes a while (the seeds, each in 24 variants)."""
    corpus = tmp_path / "big"
    corpus.mkdir()
    for seed in SHIPPED.glob("*.txt"):
        text = seed.read_text(encoding="utf-8")
        for copy in range(24):
            (corpus / f"{seed.stem}_{copy:02d}.txt").write_text(
                text.replace("Rusland", f"Rusland{copy}"), encoding="utf-8")
    return corpus


def _run_and_kill(script: Path, corpus: Path, index: Path, phase: str, delay: float) -> None:
    with subprocess.Popen([sys.executable, str(script), str(corpus), str(index), phase],
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL, "the child finished before it was killed"


@pytest.mark.parametrize("phase", ["build", "add", "merge"])
def test_a_process_killed_at_any_moment_leaves_a_usable_collection(
    tmp_path: Path, phase: str
) -> None:
    corpus, index = _big_corpus(tmp_path), tmp_path / "index"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    if phase != "build":
        Engine.open(corpus, index_dir=index)
    fresh, seen = None, None
    for delay in (0.1, 0.45, 0.8):
        _run_and_kill(script, corpus, index, phase, delay)
        # Whatever the moment, the next start opens the collection and answers as a fresh
        # build of the folder as it now is.
        engine = Engine.open(corpus, index_dir=index)
        if fresh is None or folder_state(corpus) != seen:
            seen, fresh = folder_state(corpus), Engine.from_corpus(load_corpus(corpus))
        assert engine.passage_count == fresh.passage_count
        assert _hits(engine, QUESTIONS[0]) == _hits(fresh, QUESTIONS[0])


def test_warming_up_and_the_background_work_change_no_answer(corpus: Path, tmp_path: Path) -> None:
    """What `kilde serve` does at start (answer throwaway questions, have the index read into
    the page cache) leaves every answer as it was, also with a segment folder gone meanwhile."""
    index = tmp_path / "index"
    engine = Engine.open(corpus, index_dir=index)
    before = [engine.ask(question).to_json() for question in QUESTIONS]
    engine.warm_up()
    worker = engine.start_background_work()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert [engine.ask(question).to_json() for question in QUESTIONS] == before
    assert engine.collection is not None
    [folder] = [path for path in engine.collection.folder.iterdir() if path.name.startswith("seg-")]
    shutil.rmtree(folder / "passages")
    engine.collection.prefetch()  # advice only: a missing file is no error
