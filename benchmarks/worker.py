"""One measurement per fresh process (so load times are cold and peak RSS is the task's own).

    python -m benchmarks.worker build    ARTICLES INDEX_DIR VARIANT
    python -m benchmarks.worker load     INDEX_DIR
    python -m benchmarks.worker query    INDEX_DIR QUERIES_JSON K
    python -m benchmarks.worker baseline ARTICLES QUERIES_JSON K VARIANT LIMIT
    python -m benchmarks.worker answer   ARTICLES INDEX_DIR QUERIES_JSON
    python -m benchmarks.worker cold     ARTICLES INDEX_DIR
    python -m benchmarks.worker grow     ARTICLES INDEX_DIR
    python -m benchmarks.worker add      FOLDER

Each prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _latencies(times_ns: list[int]) -> dict[str, float]:
    ms = np.array(times_ns, dtype=np.float64) / 1e6
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "mean_ms": float(ms.mean()), "n": len(ms)}


def build(articles: str, index_dir: str, variant: str) -> dict[str, Any]:
    from benchmarks.corpus import iter_paragraphs, tokenize
    from kilde.retrieval.index import Bm25Index

    start = time.perf_counter()
    index = Bm25Index.build((tokenize(p) for p in iter_paragraphs(Path(articles))), variant=variant)
    built = time.perf_counter()
    index.save(Path(index_dir))
    saved = time.perf_counter()
    size = sum(path.stat().st_size for path in Path(index_dir).iterdir())
    return {"build_s": built - start, "save_s": saved - built, "index_mb": size / 2**20,
            "documents": index.n_documents, "terms": index.n_terms, "postings": index.n_postings,
            "build_rss_mb": _peak_rss_mb()}


def load(index_dir: str) -> dict[str, Any]:
    from kilde.retrieval.index import Bm25Index

    start = time.perf_counter()
    index = Bm25Index.load(Path(index_dir))
    index.top_k([("x", 1.0)], 1)
    return {"load_ms": (time.perf_counter() - start) * 1e3, "load_rss_mb": _peak_rss_mb()}


def query(index_dir: str, queries_json: str, k: str) -> dict[str, Any]:
    from kilde.retrieval.index import Bm25Index

    index = Bm25Index.load(Path(index_dir))
    queries = [[(token, 1.0) for token in q] for q in json.loads(Path(queries_json).read_text())]
    top = int(k)
    for pairs in queries[:20]:  # warm up: first touches of the memory-mapped pages
        index.top_k(pairs, top)
    times, results = [], []
    clock = time.perf_counter_ns
    for pairs in queries:
        t0 = clock()
        hits = index.top_k(pairs, top)
        times.append(clock() - t0)
        results.append([doc for doc, _ in hits])
    return {**_latencies(times), "query_rss_mb": _peak_rss_mb(), "top": results}


def baseline(articles: str, queries_json: str, k: str, variant: str, limit: str) -> dict[str, Any]:
    import rank_bm25

    from benchmarks.corpus import iter_paragraphs, tokenize

    engine = {"okapi": rank_bm25.BM25Okapi, "l": rank_bm25.BM25L, "plus": rank_bm25.BM25Plus}[variant]
    intern: dict[str, str] = {}  # one str object per word form: the token lists stay small
    start = time.perf_counter()
    documents = [[intern.setdefault(t, t) for t in tokenize(p)] for p in iter_paragraphs(Path(articles))]
    bm25 = engine(documents)
    built = time.perf_counter() - start
    queries = json.loads(Path(queries_json).read_text())[: int(limit)]
    top = int(k)
    times, results = [], []
    for tokens in queries:
        t0 = time.perf_counter_ns()
        scores = bm25.get_scores(tokens)
        best = np.argpartition(-scores, min(top, len(scores) - 1))[:top]
        times.append(time.perf_counter_ns() - t0)
        # Same rule as Bm25Index: best first, ties to the lower ordinal, only matching documents.
        wanted = set(tokens)
        pool = np.argpartition(-scores, min(top * 20, len(scores) - 1))[: top * 20]
        order = sorted((int(i) for i in pool), key=lambda i: (-scores[i], i))
        results.append([i for i in order if wanted.intersection(documents[i])][:top])
        del best
    return {**_latencies(times), "baseline_build_s": built, "baseline_rss_mb": _peak_rss_mb(),
            "top": results}


def answer(articles: str, index_dir: str, queries_json: str) -> dict[str, Any]:
    """The whole answer as `kilde ask --json -` produces it: Engine.ask, then the JSON line.

    Started as `kilde serve` starts (the engine warmed up, the index read into the page cache in
    the background); the first ten questions are timed at once, then 20 more warm up before the
    timed run.
    """
    from kilde.retrieval.engine import Engine

    start = time.perf_counter()
    engine = Engine.open(Path(articles), index_dir=Path(index_dir))
    opened = time.perf_counter() - start
    warmed = time.perf_counter()
    if hasattr(engine, "warm_up"):  # as `kilde serve` starts (older versions had none)
        engine.warm_up()
    warmed = time.perf_counter() - warmed
    if hasattr(engine, "start_background_work"):
        engine.start_background_work(merge=False)
    questions = [" ".join(q) + "?" for q in json.loads(Path(queries_json).read_text())]
    first = []
    for question in questions[-10:]:  # not among the timed ones below
        t0 = time.perf_counter_ns()
        json.dumps(engine.ask(question).to_json(), ensure_ascii=False)
        first.append((time.perf_counter_ns() - t0) / 1e6)
    for question in questions[:20]:
        json.dumps(engine.ask(question).to_json(), ensure_ascii=False)
    times = []
    answered = 0
    for question in questions:
        t0 = time.perf_counter_ns()
        result = engine.ask(question)
        json.dumps(result.to_json(), ensure_ascii=False)
        times.append(time.perf_counter_ns() - t0)
        answered += result.answered
    return {**_latencies(times), "open_s": opened, "warm_up_s": warmed, "answer_rss_mb": _peak_rss_mb(),
            "answered": answered, "first10_max_ms": max(first)}


def cold(articles: str, index_dir: str) -> dict[str, Any]:
    """From article files to a saved index, as the first `kilde index` does (every core)."""
    from kilde.retrieval.engine import Engine

    start = time.perf_counter()
    engine = Engine.open(Path(articles), index_dir=Path(index_dir))
    return {"cold_s": time.perf_counter() - start, "cold_rss_mb": _peak_rss_mb(),
            "passages": engine.passage_count}


NEW_ARTICLE = (
    " date 2026-12 Nyhed om zebrafinkerne\n\n"
    "Zebrafinkerne {mark} i Odense Zoo har fået unger for første gang i ti år, og det glæder "
    "både dyrepasserne og de mange gæster, der i weekenden har stået i kø ved voliéren.\n\n"
    "Dyrepasserne fortæller, at ungerne er sunde og spiser godt. De bliver vejet hver uge, og "
    "indtil videre tager de på, som de skal. Zoo venter flere unger senere på sommeren.\n"
)


def grow(articles: str, index_dir: str) -> dict[str, Any]:
    """One article added to the collection: how soon it is cited, by a fresh `kilde ask`
    process, and by a running process that reloads (what `kilde serve` does on a change)."""
    from kilde.retrieval.engine import Engine
    from kilde.retrieval.fingerprint import corpus_fingerprint

    folder = Path(articles)
    engine = Engine.open(folder, index_dir=Path(index_dir))
    results: dict[str, Any] = {}
    for how in ("kilde_ask", "reload"):
        mark = f"zf{time.time_ns() % 10**9}"
        path = folder / f"zz_{mark}.txt"
        question = f"Hvad med zebrafinkerne {mark}?"
        start = time.perf_counter()
        path.write_text(NEW_ARTICLE.format(mark=mark), encoding="utf-8")
        if how == "kilde_ask":
            done = subprocess.run(
                [sys.executable, "-m", "kilde.bot.cli.main", "ask", "--json",
                 "--corpus", str(folder), question],
                capture_output=True, text=True, check=True,
                env={**os.environ, "KILDE_INDEX_DIR": index_dir},
            )
            cited = path.stem in done.stdout
        else:
            corpus_fingerprint(folder)  # the watcher's check
            engine = Engine.open(folder, index_dir=Path(index_dir))
            cited = any(hit.article_id == path.stem for hit in engine.ask(question).hits)
        results[f"{how}_s"] = time.perf_counter() - start
        results[f"{how}_cited"] = cited
        path.unlink()
    Engine.open(folder, index_dir=Path(index_dir))  # the added articles masked again
    return results


def add(folder: str) -> dict[str, Any]:
    """`kilde add FILE`'s own work (nothing fetched): open the catalogue, check, write, record."""
    from kilde.corpus.ingest.add import add_file, open_corpus

    source = Path(tempfile.mkdtemp()) / "ny.txt"
    source.write_text(NEW_ARTICLE.format(mark=time.time_ns()), encoding="utf-8")
    start = time.perf_counter()
    add_file(source, open_corpus(Path(folder)))
    return {"add_s": time.perf_counter() - start}


def main(argv: list[str]) -> int:
    tasks: dict[str, Callable[..., dict[str, Any]]] = {
        "build": build, "load": load, "query": query, "baseline": baseline, "answer": answer,
        "cold": cold, "grow": grow, "add": add,
    }
    task = tasks[argv[0]]
    print(json.dumps(task(*argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
