"""Fit the answerability model: `python -m benchmarks.calibrate`.

For every question of every evaluation set (benchmarks.quality.SETS), the engine's evidence
(retrieval.ranking.Evidence) is computed on the set's own corpus and labelled answerable or not
(the questions about left-out articles have no gold). A logistic regression (Newton's method,
a little L2 so that it stays stable) turns the features of retrieval.answerability into one
score; each set weighs the same, whatever its size, so that no set decides alone. It prints the
coefficients to paste into retrieval/answerability.py and, per threshold, both error rates per set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks.quality import DEFAULT_EVAL_DIR, SETS, set_paths
from kilde.retrieval.answerability import features
from kilde.retrieval.engine import Engine
from kilde.retrieval.evaluation import load_gold

L2 = 1e-2


def fit(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> np.ndarray:
    """Logistic regression coefficients (bias first) by Newton's method."""
    design = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(design.shape[1])
    penalty = L2 * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (sample_weight * (p - y)) + penalty @ beta
        hessian = (design * (sample_weight * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    args = parser.parse_args(argv)
    rows: list[tuple[str, list[float] | None, bool]] = []  # set, features (None: no evidence)
    for name, gold_file, corpus_folder in SETS:
        gold_path, corpus_dir = set_paths(args.eval_dir, gold_file, corpus_folder)
        engine = Engine.open(corpus_dir)
        for question in load_gold(gold_path):
            evidence = engine.evidence(question.question)
            rows.append((name, features(evidence) if evidence else None, question.answerable))
        print(f"{name}: done", file=sys.stderr)
    usable = [r for r in rows if r[1] is not None]
    x = np.array([r[1] for r in usable])
    y = np.array([float(r[2]) for r in usable])
    sizes = {name: sum(r[0] == name for r in usable) for name, _, _ in SETS}
    weight = np.array([len(usable) / (len(sizes) * sizes[r[0]]) for r in usable])
    beta = fit(x, y, weight)
    print(f"BIAS = {beta[0]:.4f}")
    print(f"WEIGHTS = ({', '.join(f'{b:.4f}' for b in beta[1:])})")
    scores = {id(r): 1.0 / (1.0 + np.exp(-(beta[0] + np.dot(beta[1:], np.array(r[1])))))
              for r in usable}
    print()
    print("| threshold | " + " | ".join(f"{name}: answerable refused / unanswerable answered"
                                         for name, _, _ in SETS) + " |")
    print("|---" * (len(SETS) + 1) + "|")
    for threshold in np.arange(0.05, 0.96, 0.05):
        cells = []
        for name, _, _ in SETS:
            mine = [r for r in rows if r[0] == name]
            answerable = [r for r in mine if r[2]]
            unanswerable = [r for r in mine if not r[2]]
            refused = sum(r[1] is None or scores[id(r)] < threshold for r in answerable)
            answered = sum(r[1] is not None and scores[id(r)] >= threshold for r in unanswerable)
            cells.append(f"{100 * refused / max(1, len(answerable)):.1f} % / "
                         f"{100 * answered / max(1, len(unanswerable)):.0f} %")
        print(f"| {threshold:.2f} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
