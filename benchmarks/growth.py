"""How Kilde copes with a growing collection: `python -m benchmarks.growth [--sizes 10k,100k,1M]`.

For each corpus size N (paragraphs, the generated corpus of benchmarks.corpus), each step in a
fresh process (benchmarks/worker.py):

- cold build: article files to a saved index through `Engine.open` (read, classify, analyse,
  index, save; every core), against rank-bm25 tokenising and building its model of the same
  paragraphs (the benchmark's plain tokenizer) in the same run, and peak RSS;
- full answer (`Engine.ask` + the JSON line) from the saved index: p50 and p99 over the
  questions, the slowest of the first ten after the start, peak RSS; rank-bm25 `get_scores`
  over the same tokens as the baseline;
- one article added: seconds from writing its file until it is cited, by a fresh `kilde ask`
  process, and by a running process that reloads (the watcher's fingerprint, then
  `Engine.open`, as `kilde serve` does);

and `kilde add FILE`'s own work (no fetching) into folders of 100 and 100,000 articles.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import DATA_DIR, corpus_dir, generate, make_queries
from benchmarks.run import _worker, parse_size

COLUMNS = [
    ("N", "paragraphs", "{:,}"),
    ("cold build s", "cold_s", "{:.1f}"),
    ("rank-bm25 build s", "baseline_build_s", "{:.1f}"),
    ("ratio", "ratio", "{:.2f}x"),
    ("build RSS MB", "cold_rss_mb", "{:,.0f}"),
    ("answer p50 ms", "p50_ms", "{:.2f}"),
    ("answer p99 ms", "p99_ms", "{:.2f}"),
    ("first 10 max ms", "first10_max_ms", "{:.1f}"),
    ("open + warm-up s", "start_s", "{:.2f}"),
    ("get_scores p50 ms", "baseline_p50_ms", "{:.1f}"),
    ("answer RSS MB", "answer_rss_mb", "{:,.0f}"),
    ("+1 article, kilde ask s", "kilde_ask_s", "{:.2f}"),
    ("+1 article, reload s", "reload_s", "{:.2f}"),
]


def _add_folder(count: int, data_dir: Path) -> Path:
    """A folder of `count` small articles (generated once)."""
    folder = data_dir / f"add-{count}"
    if (folder / "DONE").exists():
        return folder / "articles"
    articles = folder / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (articles / f"{number:06d}_{number:016x}.txt").write_text(
            f" date 2024-01 Artikel {number}\n\nDette er artikel nummer {number} om byen.\n",
            encoding="utf-8")
    (folder / "DONE").write_text("done\n")
    return articles


def measure(n: int, *, n_queries: int, data_dir: Path, log: Any) -> dict[str, Any]:
    """Every measurement for one corpus size."""
    articles = generate(n, data_dir=data_dir)
    folder = corpus_dir(n, data_dir=data_dir)
    queries = folder / f"queries-{n_queries}.json"
    if not queries.exists():
        queries.write_text(json.dumps(make_queries(articles, n, n_queries), ensure_ascii=False))
    index = folder / "growth-index"
    shutil.rmtree(index, ignore_errors=True)
    row: dict[str, Any] = {"paragraphs": n}
    row.update(_worker("cold", str(articles), str(index)))
    log(f"[{n}] cold build {row['cold_s']:.1f} s")
    base = _worker("baseline", str(articles), str(queries), "10", "okapi", "20")
    row.update(baseline_build_s=base["baseline_build_s"], baseline_p50_ms=base["p50_ms"],
               baseline_rss_mb=base["baseline_rss_mb"])
    row["ratio"] = row["cold_s"] / row["baseline_build_s"]
    log(f"[{n}] rank-bm25 build {row['baseline_build_s']:.1f} s")
    row.update(_worker("answer", str(articles), str(index), str(queries)))
    row["start_s"] = row["open_s"] + row.get("warm_up_s", 0.0)
    log(f"[{n}] answer p50 {row['p50_ms']:.2f} ms")
    row.update(_worker("grow", str(articles), str(index)))
    log(f"[{n}] +1 article: kilde ask {row['kilde_ask_s']:.2f} s, reload {row['reload_s']:.2f} s")
    return row


def render(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    lines = ["| " + " | ".join(title for title, _, _ in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [form.format(row[key]) if key in row else "" for _, key, form in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.growth",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="corpus sizes (default 10k,100k,1M)")
    parser.add_argument("--queries", type=int, default=300, help="questions per size (default 300)")
    parser.add_argument("--add-folders", default="100,100000",
                        help="folder sizes (articles) for kilde add (default 100,100000)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    rows = [measure(parse_size(size), n_queries=args.queries, data_dir=args.data_dir, log=log)
            for size in args.sizes.split(",") if size.strip()]
    adds = []
    for count in (int(part) for part in args.add_folders.split(",") if part.strip()):
        folder = _add_folder(count, args.data_dir)
        started = time.perf_counter()
        first = _worker("add", str(folder))  # may build the folder's catalogue
        steady = [_worker("add", str(folder))["add_s"] for _ in range(3)]
        adds.append((count, first["add_s"], sorted(steady)[1]))
        log(f"[add] {count} articles: {sorted(steady)[1]:.3f} s "
            f"({time.perf_counter() - started:.0f} s)")
    print("Growth: BM25Okapi through the engine, one process per measurement")
    print(render(rows))
    print()
    print("| articles in the folder | kilde add own work s (median of 3) | first add (catalogue built) s |")
    print("|---|---|---|")
    for count, first_s, steady_s in adds:
        print(f"| {count:,} | {steady_s:.3f} | {first_s:.3f} |")
    if args.json:
        args.json.write_text(json.dumps({"sizes": rows, "add": adds}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
