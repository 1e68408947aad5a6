"""The index ranks exactly as rank-bm25 does, survives a save/load, and rejects damaged files."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import rank_bm25

from kilde.retrieval.errors import IndexFormatError, IndexVersionError, RetrievalError
from kilde.retrieval.filearray import FileArray
from kilde.retrieval.index import Bm25Index, Bm25Params, Segment, build_segment, merge_segments
from kilde.retrieval.index.segment import segment_of_counts
from kilde.retrieval.index.storage import load_arrays, save_arrays

REFERENCE = {"okapi": rank_bm25.BM25Okapi, "l": rank_bm25.BM25L, "plus": rank_bm25.BM25Plus}
COMMON = "og"  # put in ~70% of paragraphs: Okapi's idf goes negative and is floored


def _corpus(n_documents: int = 2500, seed: int = 7) -> list[list[str]]:
    """Paragraphs of 5-60 tokens from a Zipf-like vocabulary, plus one very common token."""
    rng = random.Random(seed)
    vocabulary = [f"ord{i}" for i in range(4000)]
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(vocabulary))]
    documents = []
    for _ in range(n_documents):
        tokens = rng.choices(vocabulary, weights, k=rng.randint(5, 60))
        if rng.random() < 0.7:
            tokens.insert(rng.randrange(len(tokens) + 1), COMMON)
        documents.append(tokens)
    documents[5] = []  # an empty paragraph is a document too
    return documents


def _queries(documents: list[list[str]], n: int = 120, seed: int = 11) -> list[list[str]]:
    """Queries of 1-6 tokens: from a paragraph, with duplicates, unknown and very common tokens."""
    rng = random.Random(seed)
    queries = []
    for i in range(n):
        source = rng.choice([d for d in documents[:200] if d])
        query = rng.sample(source, min(len(source), rng.randint(1, 4)))
        if i % 4 == 0:
            query.append(query[0])  # a duplicated token counts twice
        if i % 5 == 0:
            query.append("ukendt")  # not in the corpus
        if i % 3 == 0:
            query.append(COMMON)
        queries.append(query)
    queries += [[COMMON], ["ukendt"], [COMMON, COMMON], ["ord0", "ord0", "ord1"]]
    return queries


def _reference_top(scores: np.ndarray, documents: list[list[str]], query: list[str], k: int) -> list[int]:
    wanted = set(query)
    matching = [i for i, doc in enumerate(documents) if wanted.intersection(doc)]
    return sorted(matching, key=lambda i: (-scores[i], i))[:k]


@pytest.fixture(scope="module")
def documents() -> list[list[str]]:
    return _corpus()


@pytest.fixture(scope="module", params=sorted(REFERENCE))
def variant(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def reference(documents: list[list[str]], variant: str) -> rank_bm25.BM25:
    return REFERENCE[variant](documents)


@pytest.fixture(scope="module")
def index(documents: list[list[str]], variant: str) -> Bm25Index:
    return Bm25Index.build(iter(documents), variant=variant)


def test_corpus_has_a_token_in_more_than_half_the_documents(
    documents: list[list[str]],
    index: Bm25Index,
) -> None:
    assert index.document_frequency(COMMON) > len(documents) / 2
    assert index.n_documents == len(documents)


def test_scores_and_order_equal_rank_bm25(
    documents: list[list[str]],
    reference: rank_bm25.BM25,
    index: Bm25Index,
) -> None:
    for query in _queries(documents):
        expected = reference.get_scores(query)
        got = index.top_k([(token, 1.0) for token in query], 10)
        want = _reference_top(expected, documents, query, 10)
        assert [doc for doc, _ in got] == want, query
        for doc, score in got:
            assert score == pytest.approx(expected[doc], abs=1e-6)
        # Summed in rank-bm25's order, so even near-ties break the same way.
        assert [score for _, score in got] == [expected[doc] for doc in want]
        # Every document's score, not just the top ones.
        np.testing.assert_allclose(
            index.scores_for([(t, 1.0) for t in query], range(len(documents))), expected, atol=1e-6, rtol=0
        )


def test_top_k_with_large_k_returns_every_matching_document(
    documents: list[list[str]],
    reference: rank_bm25.BM25,
    index: Bm25Index,
) -> None:
    query = ["ord3", "ord17", "ord250"]
    expected = reference.get_scores(query)
    got = index.top_k([(t, 1.0) for t in query], len(documents))
    assert [doc for doc, _ in got] == _reference_top(expected, documents, query, len(documents))


def test_weights_scale_each_token(
    documents: list[list[str]],
    reference: rank_bm25.BM25,
    index: Bm25Index,
) -> None:
    query = [("ord2", 0.5), ("ord40", 2.0), (COMMON, 0.25), ("ord2", 1.5)]
    expected = sum(weight * reference.get_scores([token]) for token, weight in query)
    got = index.top_k(query, 20)
    assert [doc for doc, _ in got] == _reference_top(expected, documents, [t for t, _ in query], 20)
    for doc, score in got:
        assert score == pytest.approx(expected[doc], abs=1e-6)


def test_defaults_match_rank_bm25(variant: str, index: Bm25Index) -> None:
    reference_params = REFERENCE[variant]([["a"]])
    assert index.params.k1 == reference_params.k1 and index.params.b == reference_params.b
    if variant == "okapi":
        assert index.params.epsilon == reference_params.epsilon
    else:
        assert index.params.delta == reference_params.delta


def test_save_and_load_give_identical_results(
    documents: list[list[str]],
    index: Bm25Index,
    tmp_path: Path,
) -> None:
    index.save(tmp_path / "index")
    loaded = Bm25Index.load(tmp_path / "index")
    assert isinstance(loaded.merged().docs.base, np.memmap)  # memory-mapped, not read in
    assert loaded.n_documents == index.n_documents
    assert loaded.params == index.params
    for query in _queries(documents, n=40, seed=3):
        pairs = [(token, 1.0) for token in query]
        assert loaded.top_k(pairs, 10) == index.top_k(pairs, 10)
        assert loaded.document_frequency(query[0]) == index.document_frequency(query[0])


def test_a_question_cut_short_by_an_unreadable_file_leaves_the_next_ones_exact(
    documents: list[list[str]], index: Bm25Index, tmp_path: Path,
) -> None:
    index.save(tmp_path / "index")
    loaded = Bm25Index.load(tmp_path / "index")
    segment = loaded.merged()
    # the words whose postings come first and last in docs.npy
    by_place = sorted(segment.vocabulary, key=segment.vocabulary.__getitem__)
    early, late = by_place[0], by_place[-1]
    question = [(early, 1.0), (late, 1.0)]
    expected = index.top_k(question, 10)
    path = tmp_path / "index" / "docs.npy"
    saved = path.read_bytes()
    after_early = int(segment.offsets[segment.vocabulary[early] + 1])
    with open(path, "r+b") as file:  # the same file, cut after the early word's postings
        file.truncate(len(saved) - segment.docs.itemsize * (len(segment.docs) - after_early))
    with pytest.raises(OSError, match="ended early"):
        loaded.top_k(question, 10)
    with open(path, "r+b") as file:
        file.write(saved)
    assert loaded.top_k(question, 10) == expected
    assert loaded.top_k([(early, 1.0)], 10) == index.top_k([(early, 1.0)], 10)


def test_saving_again_replaces_the_index_atomically(
    documents: list[list[str]],
    tmp_path: Path,
) -> None:
    target = tmp_path / "index"
    Bm25Index.build(documents[:100]).save(target)
    Bm25Index.build(documents).save(target)
    assert Bm25Index.load(target).n_documents == len(documents)
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # no temporary folders left over


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="variant"):
        Bm25Index.build([["a"]], variant="bm25x")
    with pytest.raises(TypeError, match="sequences of tokens"):
        Bm25Index.build(["a text, not tokens"])


def test_empty_corpus_and_empty_query(tmp_path: Path) -> None:
    empty = Bm25Index.build([])
    assert empty.n_documents == 0
    assert empty.top_k([("a", 1.0)], 5) == []
    empty.save(tmp_path / "empty")
    assert Bm25Index.load(tmp_path / "empty").top_k([("a", 1.0)], 5) == []

    index = Bm25Index.build([["a", "b"], ["b"]])
    assert index.top_k([], 5) == []
    assert index.top_k([("zzz", 1.0)], 5) == []
    assert index.top_k([("a", 1.0)], 0) == []
    assert Bm25Index.build([[], []]).top_k([("a", 1.0)], 5) == []


def test_tokens_of_any_kind_round_trip(tmp_path: Path) -> None:
    tokens = ["æblegrød", "line\nbreak", '"quoted"', "", "emoji🙂"]
    index = Bm25Index.build([tokens, ["x"]])
    index.save(tmp_path / "i")
    loaded = Bm25Index.load(tmp_path / "i")
    assert all(loaded.document_frequency(token) == 1 for token in tokens)


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    directory = tmp_path / "index"
    Bm25Index.build(_corpus(300)).save(directory)
    return directory


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    "name", ["docs.npy", "tf.npy", "rank.npy", "offsets.npy", "vocab.json", "doc_lengths.npy"]
)
def test_truncated_file_is_reported(saved: Path, name: str) -> None:
    _truncate(saved / name)
    with pytest.raises(IndexFormatError, match=name):
        Bm25Index.load(saved)


def test_missing_or_corrupt_pieces_are_reported(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="not a saved index"):
        Bm25Index.load(tmp_path / "nowhere")

    (saved / "rank.npy").unlink()
    with pytest.raises(IndexFormatError, match=r"rank\.npy"):
        Bm25Index.load(saved)


def test_garbage_with_the_right_size_is_reported(saved: Path) -> None:
    path = saved / "offsets.npy"
    path.write_bytes(b"\x00" * path.stat().st_size)
    with pytest.raises(IndexFormatError, match=r"offsets\.npy"):
        Bm25Index.load(saved)


def test_corrupt_manifest_and_other_versions_are_reported(saved: Path) -> None:
    manifest = saved / "manifest.json"
    original = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**original, "version": 999}))
    with pytest.raises(IndexVersionError, match="version 999"):
        Bm25Index.load(saved)
    manifest.write_text("{not json")
    with pytest.raises(IndexFormatError, match="manifest"):
        Bm25Index.load(saved)
    assert issubclass(IndexFormatError, RetrievalError)


def test_progress_bar_does_not_change_the_index(capsys: pytest.CaptureFixture[str]) -> None:
    documents = _corpus(5000)
    quiet = Bm25Index.build(documents)
    shown = Bm25Index.build(iter(documents), progress=True)
    capsys.readouterr()
    query = [("ord3", 1.0), (COMMON, 1.0)]
    assert shown.top_k(query, 10) == quiet.top_k(query, 10)


# A collection built in several steps: segments added, documents masked, segments merged --------


def _segmented(
    documents: list[list[str]], steps: list[int], removed: set[int], variant: str
) -> tuple[Bm25Index, list[tuple[Segment, np.ndarray | None]]]:
    """An index over `documents` built in steps (one segment per step), `removed` masked."""
    bounds = [0, *steps, len(documents)]
    parts = []
    for start, stop in itertools.pairwise(bounds):
        segment = build_segment(documents[start:stop])
        live = np.array([i not in removed for i in range(start, stop)])
        parts.append((segment, None if live.all() else live))
    return Bm25Index(parts, Bm25Params.of(variant)), parts


def _live(documents: list[list[str]], removed: set[int]) -> tuple[list[list[str]], list[int]]:
    kept = [i for i in range(len(documents)) if i not in removed]
    return [documents[i] for i in kept], kept


@pytest.mark.parametrize("removed", [set(), {0, 3, 5, 777, 1200, 2499}, set(range(0, 2500, 3))])
def test_a_collection_built_in_steps_scores_as_one_built_at_once(
    documents: list[list[str]], variant: str, removed: set[int]
) -> None:
    index, _ = _segmented(documents, [1000, 1700, 2400], removed, variant)
    at_once, kept = _live(documents, removed)
    reference = REFERENCE[variant](at_once)
    assert index.n_documents == len(at_once)
    position = {doc: i for i, doc in enumerate(kept)}
    for query in _queries(documents, n=60, seed=5):
        expected = reference.get_scores(query)
        got = index.top_k([(token, 1.0) for token in query], 10)
        # Same documents, same scores, bit for bit, in the same order (kept preserves order).
        assert [position[doc] for doc, _ in got] == _reference_top(expected, at_once, query, 10), query
        assert [score for _, score in got] == [expected[position[doc]] for doc, _ in got]
        exact = index.scores_for([(t, 1.0) for t in query], kept)
        assert exact.tolist() == expected.tolist()
    for token in ("ord0", "ord3999", COMMON, "ukendt"):
        assert index.document_frequency(token) == sum(token in d for d in at_once)


def test_masked_documents_are_never_returned(documents: list[list[str]], variant: str) -> None:
    removed = {doc for doc in range(len(documents)) if COMMON in documents[doc]}
    index, _ = _segmented(documents, [1200], removed, variant)
    hits = index.top_k([(COMMON, 1.0), ("ord1", 1.0)], len(documents))
    assert hits and not any(doc in removed for doc, _ in hits)
    assert index.document_frequency(COMMON) == 0
    assert index.top_k([(COMMON, 1.0)], 10) == []


@pytest.mark.parametrize("removed", [set(), {1, 2, 999, 1000, 1001, 2000}])
def test_merging_segments_gives_the_segment_built_at_once(
    documents: list[list[str]], removed: set[int]
) -> None:
    _, parts = _segmented(documents, [700, 1500], removed, "okapi")
    merged = merge_segments(parts)
    direct = build_segment(_live(documents, removed)[0])
    assert merged.terms == direct.terms
    for field in ("offsets", "docs", "tf", "rank", "doc_lengths"):
        assert np.array_equal(getattr(merged, field), getattr(direct, field)), field


def test_a_segmented_index_saves_as_one(documents: list[list[str]], tmp_path: Path) -> None:
    removed = {4, 40, 400}
    index, _ = _segmented(documents, [900], removed, "okapi")
    index.save(tmp_path / "index")
    loaded = Bm25Index.load(tmp_path / "index")
    assert loaded.n_segments == 1 and loaded.n_documents == len(documents) - 3
    query = [("ord5", 1.0), (COMMON, 1.0)]
    assert [score for _, score in loaded.top_k(query, 10)] == [score for _, score in index.top_k(query, 10)]


def test_contains_sees_a_word_whose_okapi_score_is_zero() -> None:
    """A word in exactly half the documents has an Okapi idf of log(1) = 0, so a score of 0:
    coverage must still see that the document mentions it."""
    documents = [["russland", "krav"], ["russland", "nato"], ["nato", "møte"], ["møte", "krav"]]
    index = Bm25Index.build(documents, variant="okapi")
    assert list(index.scores_for([("russland", 1.0)], [0, 1])) == [0.0, 0.0]
    assert list(index.contains(["russland"], [0, 1, 2, 3])) == [True, True, False, False]
    assert list(index.contains(["ukjent", "møte"], [0, 2, 3])) == [False, True, True]
    assert list(index.contains([], [0, 1])) == [False, False]


def test_range_places_agree_with_first_places_across_segments(documents: list[list[str]]) -> None:
    """Places over runs of documents (an article's passages) are `first_places` document by
    document, in every segment and across their boundaries."""
    index, _ = _segmented(documents, [700, 1500], {3, 701, 1600}, "okapi")
    starts = np.array([0, 650, 699, 1499, 2400])
    stops = np.array([5, 699, 760, 1510, len(documents)])
    docs = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
    tokens = [COMMON, "ord5", "ord17", "ukjent", "ord5"]
    places = index.range_places(tokens, starts, stops)
    assert places.shape == (len(tokens), len(docs))
    assert (places[0] >= 0).any() and (places[3] == -1).all()
    for row, token in enumerate(tokens):
        assert np.array_equal(places[row], index.first_places([token], docs)), token
        assert np.array_equal(places[row] >= 0, index.contains([token], docs)), token
    assert index.range_places([COMMON], np.array([], dtype=np.int64),
                              np.array([], dtype=np.int64)).shape == (1, 0)


def test_saved_segments_read_by_pread_answer_as_in_memory_ones(
    documents: list[list[str]], tmp_path: Path
) -> None:
    """A loaded segment's postings are read from their files (retrieval.filearray), not through
    the mapping: every query reads the same numbers as from the segments in memory."""
    in_memory, parts = _segmented(documents, [700, 1500], {3, 701, 1600}, "okapi")
    loaded_parts = []
    for number, (segment, live) in enumerate(parts):
        save_arrays(segment, tmp_path / f"seg{number}")
        loaded_parts.append((load_arrays(tmp_path / f"seg{number}"), live))
    loaded = Bm25Index(loaded_parts, Bm25Params.of("okapi"))
    file = FileArray.of(loaded_parts[1][0].docs)
    assert file is not None and np.array_equal(file.read(5, 50), parts[1][0].docs[5:50])
    assert FileArray.of(loaded_parts[1][0].docs[5:]) is None  # a slice starts elsewhere
    assert FileArray.of(parts[1][0].docs) is None  # in memory
    for query in _queries(documents, n=40, seed=13):
        pairs = [(token, 1.0) for token in query]
        assert loaded.top_k(pairs, 10) == in_memory.top_k(pairs, 10)
        assert loaded.scores_for(pairs, range(0, 2500, 7)).tolist() == \
            in_memory.scores_for(pairs, range(0, 2500, 7)).tolist()
    starts, stops = np.array([0, 650, 1499]), np.array([5, 760, 2500])
    tokens = [COMMON, "ord5", "ord17", "ukjent"]
    assert np.array_equal(loaded.range_places(tokens, starts, stops),
                          in_memory.range_places(tokens, starts, stops))
    docs = np.arange(0, 2500, 3)
    assert np.array_equal(loaded.first_places(tokens, docs), in_memory.first_places(tokens, docs))
    assert np.array_equal(loaded.contains(tokens, docs), in_memory.contains(tokens, docs))


def test_a_segment_of_counts_is_the_segment_built_from_the_tokens(
    documents: list[list[str]],
) -> None:
    # Ids of a larger numbering, given in another order than the segment's first appearances.
    names = sorted({token for document in documents for token in document}, reverse=True)
    ids = {name: number for number, name in enumerate(names)}
    counted = segment_of_counts((Counter(ids[t] for t in document) for document in documents), names)
    direct = build_segment(documents)
    assert counted.terms == direct.terms
    for field in ("offsets", "docs", "tf", "rank", "doc_lengths"):
        assert np.array_equal(getattr(counted, field), getattr(direct, field)), field
    assert segment_of_counts([], names).n_documents == 0


@pytest.mark.parametrize("chunk", [1, 3, 50, 1 << 22])
def test_first_appearance_under_a_mask_read_in_chunks(
    documents: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """A masked segment's terms in order of first appearance over its live documents, and their
    live document frequencies, whatever the chunk the postings are read in, from memory or by
    pread from the saved files."""
    monkeypatch.setattr("kilde.retrieval.index.segment._CHUNK_POSTINGS", chunk)
    rng = random.Random(chunk)
    subset = documents[:300]
    segment = build_segment(subset)
    save_arrays(segment, tmp_path / "seg")
    saved = load_arrays(tmp_path / "seg")
    for share in (0.0, 0.1, 0.5, 0.97):
        live = np.array([rng.random() >= share for _ in subset])
        expected: dict[str, int] = {}
        for document, kept in zip(subset, live, strict=True):
            if kept:
                for token in dict.fromkeys(document):
                    expected[token] = expected.get(token, 0) + 1
        for seg in (segment, saved):
            order, df = seg.first_appearance(live)
            assert [seg.terms[t] for t in order.tolist()] == list(expected)
            assert {seg.terms[t]: int(n) for t, n in enumerate(df.tolist()) if n} == expected
