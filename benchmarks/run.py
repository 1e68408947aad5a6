"""Run the scale benchmark and print its table: `python -m benchmarks.run [--sizes 10k,100k,1M]`.

For each corpus size N (paragraphs): build time, index size on disk, cold load time (median of
fresh processes), peak RSS while answering, retrieval latency p50/p99 over --queries questions, and
rank-bm25 `get_scores` over everything on (a sample of) the same questions as the baseline, with
the speed-up and whether both engines returned the same top k.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.corpus import DATA_DIR, corpus_dir, generate, make_queries

ROOT = Path(__file__).resolve().parent.parent

COLUMNS = [
    ("N", "paragraphs"),
    ("postings", "postings"),
    ("build s", "build_s"),
    ("index MB", "index_mb"),
    ("cold load ms", "load_ms"),
    ("peak RSS MB", "query_rss_mb"),
    ("p50 ms", "p50_ms"),
    ("p99 ms", "p99_ms"),
    ("get_scores p50 ms", "baseline_p50_ms"),
    ("get_scores p99 ms", "baseline_p99_ms"),
    ("speed-up", "speedup"),
    ("same top-k", "agreement"),
    ("answer p50 ms", "answer_p50_ms"),
    ("answer p99 ms", "answer_p99_ms"),
    ("engine start: rebuild / saved s", "engine_open"),
]


def _engine_variant() -> str:
    try:
        from kilde.retrieval.engine import BM25_VARIANT
    except ImportError:
        return "plus"
    return BM25_VARIANT


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1M' -> 1000000, '2500' -> 2500."""
    text = text.strip()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if factor != 1 else text
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a corpus size: {text!r} (use e.g. 10k, 100k, 1M)") from None
    if value < 10:
        raise argparse.ArgumentTypeError(
            f"corpus size {text!r} is too small (at least 10 paragraphs)")
    return value


def _worker(*args: str) -> dict[str, Any]:
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", *args], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": python_path}, cwd=ROOT, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark worker {args[0]} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline_sample(n_paragraphs: int, n_queries: int) -> int:
    """How many questions rank-bm25 answers: all at small N, a sample that finishes at 1M."""
    return min(n_queries, max(50, 20_000_000 // n_paragraphs))


Log = Callable[[str], None]


def measure(
    n: int, *, n_queries: int, k: int, variant: str, loads: int, data_dir: Path, answers: bool,
    log: Log,
) -> dict[str, Any]:
    """All measurements for one corpus size."""
    started = time.perf_counter()
    articles = generate(n, data_dir=data_dir)
    log(f"[{n}] corpus ready in {time.perf_counter() - started:.1f}s: {articles}")
    folder = corpus_dir(n, data_dir=data_dir)
    queries_path = folder / f"queries-{n_queries}.json"
    if not queries_path.exists():
        queries_path.write_text(json.dumps(make_queries(articles, n, n_queries), ensure_ascii=False))
    index_dir = folder / f"index-{variant}"

    row: dict[str, Any] = {"paragraphs": n, "variant": variant, "queries": n_queries, "k": k}
    row.update(_worker("build", str(articles), str(index_dir), variant))
    log(f"[{n}] built in {row['build_s']:.1f}s")
    load_runs = [_worker("load", str(index_dir)) for _ in range(loads)]
    row["load_ms"] = statistics.median(r["load_ms"] for r in load_runs)
    ours = _worker("query", str(index_dir), str(queries_path), str(k))
    row.update({key: ours[key] for key in ("p50_ms", "p99_ms", "mean_ms", "query_rss_mb")})
    log(f"[{n}] retrieval p50 {ours['p50_ms']:.3f} ms")

    sample = baseline_sample(n, n_queries)
    base = _worker("baseline", str(articles), str(queries_path), str(k), variant, str(sample))
    row.update({"baseline_p50_ms": base["p50_ms"], "baseline_p99_ms": base["p99_ms"],
                "baseline_queries": sample, "baseline_build_s": base["baseline_build_s"],
                "baseline_rss_mb": base["baseline_rss_mb"]})
    row["speedup"] = base["p50_ms"] / ours["p50_ms"] if ours["p50_ms"] else float("inf")
    same = sum(a == b for a, b in zip(ours["top"][:sample], base["top"], strict=True))
    row["agreement"] = f"{same}/{sample}"
    log(f"[{n}] rank-bm25 get_scores p50 {base['p50_ms']:.1f} ms ({sample} questions)")
    if answers:
        row.update(measure_answers(articles, folder / "engine-index", queries_path,
                                   log=lambda m: log(f"[{n}] {m}")))
    return row


def measure_answers(
    articles: Path, index_dir: Path, queries_path: Path, *, log: Log
) -> dict[str, Any]:
    """The full answer through the lead's Engine, started once without and once with a saved index."""
    shutil.rmtree(index_dir, ignore_errors=True)
    first = _worker("answer", str(articles), str(index_dir), str(queries_path))
    log(f"engine started in {first['open_s']:.1f}s building its index")
    second = _worker("answer", str(articles), str(index_dir), str(queries_path))
    log(f"engine started in {second['open_s']:.1f}s from the saved index; "
        f"answer p50 {second['p50_ms']:.2f} ms")
    return {"answer_p50_ms": second["p50_ms"], "answer_p99_ms": second["p99_ms"],
            "answer_rss_mb": second["answer_rss_mb"], "answered": second["answered"],
            "engine_open_build_s": first["open_s"], "engine_open_saved_s": second["open_s"],
            "engine_open": f"{first['open_s']:.1f} / {second['open_s']:.1f}"}


def _format(key: str, value: float | str) -> str:
    if isinstance(value, str):
        return value
    if key in ("paragraphs", "postings"):
        return f"{value:,}"
    if key == "speedup":
        return f"{value:,.0f}x"
    if key in ("p50_ms", "p99_ms", "answer_p50_ms", "answer_p99_ms"):
        return f"{value:.3f}"
    if key in ("build_s", "load_ms", "baseline_p50_ms", "baseline_p99_ms"):
        return f"{value:.1f}" if value < 1000 else f"{value:,.0f}"
    return f"{value:,.0f}"


def render(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table (readable in a terminal and pasteable into the README)."""
    header = [title for title, _ in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_format(key, row.get(key, "")) for _, key in COLUMNS) + " |"
                 for row in rows)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M",
                        help="corpus sizes in paragraphs (default 10k,100k,1M)")
    parser.add_argument("--queries", type=int, default=1000, help="questions per size (default 1000)")
    parser.add_argument("--k", type=int, default=10, help="hits per question (default 10)")
    parser.add_argument("--variant", default=_engine_variant(), choices=("okapi", "l", "plus"),
                        help="BM25 variant (default: the one the engine ranks with)")
    parser.add_argument("--no-answers", dest="answers", action="store_false",
                        help="skip the full-answer measurement through the engine")
    parser.add_argument("--loads", type=int, default=5,
                        help="fresh processes timing the cold load (median)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help="where corpora and indexes are cached")
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    args = parser.parse_args(argv)
    try:
        sizes = [parse_size(part) for part in args.sizes.split(",") if part.strip()]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    rows = [measure(n, n_queries=args.queries, k=args.k, variant=args.variant, loads=args.loads,
                    data_dir=args.data_dir, answers=args.answers, log=log)
            for n in sizes]
    name = {"okapi": "BM25Okapi", "l": "BM25L", "plus": "BM25Plus"}[args.variant]
    print(f"{name}, {args.queries} questions of 2-6 words, top {args.k}, one process per measurement")
    print(render(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
