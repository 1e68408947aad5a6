"""Worst-case inputs against a normal article and question, measured in the same run (issue 11).

    PYTHONPATH=. python -m benchmarks.worst_case                 # 100,000 paragraphs (~5 min)
    PYTHONPATH=. python -m benchmarks.worst_case --paragraphs 10k --repeats 5   # a quick look

A generated corpus (benchmarks/corpus.py) is indexed once into a saved collection. Then each
case runs in a fresh process, as a user meets it: its article file (if it has one) is added to
the corpus folder and the engine opened (`index s`: the new segment, as after `kilde add`),
then each of its questions is answered `--repeats` times as `kilde ask --json` does it
(`Engine.ask` and the JSON line; one English question first, untimed, loads what every
process loads once), and the file is removed again. `peak RSS MB` is that
process's own. The table is Markdown; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import heapq
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.corpus import DATA_DIR, generate, iter_paragraphs, make_queries
from benchmarks.run import parse_size

HUGE_CHARS = 5_000_000  # the corpus file with one 5 MB paragraph
LONG_WORD_CHARS = 450_000  # the hostile test's single word
LONG_QUESTION_CHARS = 100_000  # a paste into `kilde ask`
COMMON_WORDS = 64  # the question that matches (nearly) every paragraph
_WORD = re.compile(r"\w+")
WARM_UP = "What did the minister say about the treaty?"


@dataclass(frozen=True)
class Case:
    """One row: an article file to add (or none) and the questions to answer."""

    name: str
    article: str | None
    questions: list[str]


def _filler(paragraphs: list[str], chars: int, *, sentences: bool) -> str:
    """`chars` characters of corpus text as one paragraph (with or without sentence ends)."""
    pieces: list[str] = []
    total = 0
    while total < chars:
        for paragraph in paragraphs:
            piece = paragraph if sentences else paragraph.replace(".", "").replace(",", "").lower()
            pieces.append(piece)
            total += len(piece) + 1
            if total >= chars:
                break
    return " ".join(pieces)[:chars]


def _indexed_word(word: str) -> bool:
    """Whether Kilde indexes the word in Danish and in Norwegian text (a stop word in either
    language may be dropped from the question, whichever language it is read in)."""
    from kilde.retrieval.indexing import default_analysis

    analyzer, _ = default_analysis()
    return bool(analyzer.tokens(word, "da") and analyzer.tokens(word, "no"))


def covering_words(token_sets: list[set[str]], n_words: int, usable: Callable[[str], bool]) -> list[str]:
    """Usable words that between them occur in as many paragraphs as possible (greedy set
    cover, lazily re-scored: a word's gain only shrinks as others are chosen)."""
    where: dict[str, list[int]] = {}
    for ordinal, tokens in enumerate(token_sets):
        for token in tokens:
            where.setdefault(token, []).append(ordinal)
    heap = [(-len(ordinals), word) for word, ordinals in where.items()]
    heapq.heapify(heap)
    covered: set[int] = set()
    chosen: list[str] = []
    while heap and len(chosen) < n_words:
        _, word = heapq.heappop(heap)
        if not usable(word):
            continue
        gain = sum(1 for ordinal in where[word] if ordinal not in covered)
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, word))  # another word may gain more now
            continue
        chosen.append(word)
        covered.update(where[word])
    return chosen


def make_cases(articles: Path, n_paragraphs: int, huge_chars: int) -> tuple[list[Case], str]:
    """The cases, and a note on how much of the corpus the common-words question matches."""
    sample = [paragraph for _, paragraph in zip(range(400), iter_paragraphs(articles), strict=False)]
    questions = [" ".join(q) + "?" for q in make_queries(articles, n_paragraphs, 10)]
    normal_article = " date 2024-01 \n\n" + "\n\n".join(sample[:20]) + "\n"

    token_sets = [set(_WORD.findall(paragraph.lower())) for paragraph in iter_paragraphs(articles)]
    common = covering_words(token_sets, COMMON_WORDS, _indexed_word)
    chosen = set(common)
    matched = sum(1 for tokens in token_sets if tokens & chosen)
    note = (f"the {COMMON_WORDS}-word question matches {matched:,} of "
            f"{len(token_sets):,} paragraphs ({100 * matched / len(token_sets):.1f} %)")

    long_question = ""
    while len(long_question) < LONG_QUESTION_CHARS:
        long_question += " ".join(questions).replace("?", " ") + " "
    huge = _filler(sample, huge_chars, sentences=True)
    flat = _filler(sample, huge_chars, sentences=False)
    # Marker words at the start and the end, so that questions find the huge paragraph.
    huge_article = f" date 2024-02 \n\nXyzzyalfa {huge} xyzzyomega.\n"
    flat_article = f" date 2024-03 \n\nqwxyalfa {flat} qwxyomega\n"
    long_word = "x" * LONG_WORD_CHARS
    megabytes = huge_chars / 1e6
    return [
        Case("normal article, normal questions (baseline)", normal_article, questions),
        Case(f"question of {LONG_QUESTION_CHARS:,} characters", None, [long_question[:LONG_QUESTION_CHARS]]),
        Case(f"question of {COMMON_WORDS} words covering the corpus", None, [" ".join(common)]),
        Case(f"one {megabytes:g} MB paragraph of sentences", huge_article,
             ["xyzzyalfa", "xyzzyomega"]),
        Case(f"one {megabytes:g} MB paragraph, no sentence end", flat_article,
             ["qwxyalfa", "qwxyomega"]),
        Case(f"one word of {LONG_WORD_CHARS:,} characters", f" date 2024-04 \n\n{long_word} Nato.\n",
             [long_word, f"Nato {questions[2]}"]),
    ], note


# The worker: one case in a fresh process --------------------------------------------------------

def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux keeps ru_maxrss across exec (the parent's size shows
    through), so VmHWM of the process's own address space is read where there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_case(corpus: Path, index_dir: Path, case: Case, repeats: int) -> dict[str, Any]:
    """Add the case's file, open the engine (timed), answer its questions, remove the file."""
    from kilde.retrieval.engine import Engine

    path = corpus / "zz_worst_case.txt"
    if case.article is not None:
        path.write_text(case.article, encoding="utf-8")
    try:
        started = time.perf_counter()
        engine = Engine.open(corpus, index_dir=index_dir)
        opened = time.perf_counter() - started
        engine.ask(WARM_UP)  # loads the English lemma dictionary once per process (~1 s)
        times: list[float] = []
        excerpt_chars = paragraph_chars = 0
        for _ in range(repeats):
            for question in case.questions:
                t0 = time.perf_counter()
                answer = engine.ask(question)
                json.dumps(answer.to_json(), ensure_ascii=False)
                times.append((time.perf_counter() - t0) * 1000)
                excerpt_chars = max([excerpt_chars, *(len(hit.excerpt) for hit in answer.hits)])
                paragraph_chars = max([paragraph_chars, *(len(hit.paragraph) for hit in answer.hits)])
    finally:
        path.unlink(missing_ok=True)
    Engine.open(corpus, index_dir=index_dir)  # masks the file again for the next case (untimed)
    return {"index_s": opened if case.article is not None else None,
            "p50_ms": statistics.median(times), "max_ms": max(times),
            "excerpt_chars": excerpt_chars, "paragraph_chars": paragraph_chars,
            "rss_mb": _peak_rss_mb()}


def _worker(corpus: Path, index_dir: Path, case: Case, repeats: int) -> dict[str, Any]:
    spec = {"corpus": str(corpus), "index": str(index_dir), "repeats": repeats,
            "case": {"name": case.name, "article": case.article, "questions": case.questions}}
    result = subprocess.run([sys.executable, "-m", "benchmarks.worst_case", "--worker"],
                            input=json.dumps(spec), capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"case {case.name!r} failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.splitlines()[-1]))


def _worker_main() -> int:
    spec = json.loads(sys.stdin.read())
    case = Case(**spec["case"])
    print(json.dumps(run_case(Path(spec["corpus"]), Path(spec["index"]), case, spec["repeats"])))
    return 0


# The table ------------------------------------------------------------------------------------

def render(rows: list[tuple[str, dict[str, Any]]]) -> str:
    header = ("| case | index s | answer p50 ms | answer max ms "
              "| longest paragraph / excerpt cited (chars) | peak RSS MB |")
    lines = [header, "|---|---|---|---|---|---|"]
    for name, row in rows:
        index_s = "–" if row["index_s"] is None else f"{row['index_s']:.2f}"
        lines.append(f"| {name} | {index_s} | {row['p50_ms']:.1f} | {row['max_ms']:.1f} | "
                     f"{row['paragraph_chars']:,} / {row['excerpt_chars']:,} | {row['rss_mb']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:] == ["--worker"]:
        return _worker_main()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worst_case",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--paragraphs", default="100k", help="generated corpus size (default 100k)")
    parser.add_argument("--repeats", type=int, default=10, help="answers per question (default 10)")
    parser.add_argument("--huge-chars", type=int, default=HUGE_CHARS,
                        help="length of the huge paragraph (default 5,000,000)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                        help="where generated corpora are cached")
    args = parser.parse_args(argv)
    try:
        n_paragraphs = parse_size(args.paragraphs)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))

    log: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    articles = generate(n_paragraphs, data_dir=args.data_dir)
    cases, note = make_cases(articles, n_paragraphs, args.huge_chars)
    with tempfile.TemporaryDirectory(prefix="kilde-worst-") as temporary:
        corpus, index_dir = Path(temporary) / "articles", Path(temporary) / "index"
        shutil.copytree(articles, corpus)
        started = time.perf_counter()
        build = ("import sys; from pathlib import Path; from kilde.retrieval.engine import Engine; "
                 "Engine.open(Path(sys.argv[1]), index_dir=Path(sys.argv[2]))")
        subprocess.run([sys.executable, "-c", build, str(corpus), str(index_dir)], check=True)
        log(f"{n_paragraphs:,} paragraphs indexed in {time.perf_counter() - started:.1f} s")
        rows = []
        for case in cases:
            rows.append((case.name, _worker(corpus, index_dir, case, args.repeats)))
            log(f"{case.name}: answer p50 {rows[-1][1]['p50_ms']:.1f} ms")
    print(f"{n_paragraphs:,} generated paragraphs, {args.repeats} answers per question, "
          f"one process per case; {note}")
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
