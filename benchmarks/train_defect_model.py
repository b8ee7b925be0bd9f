"""Build riskmap's defect-or-not model from labelled GitHub issues and print its leave-one-project-out figures.

Run from the repository root with the ``train`` extra installed (``pip install -e ".[train]"``):

    python benchmarks/train_defect_model.py                 # CV of every candidate, then write the model
    python benchmarks/train_defect_model.py --only final    # CV of the shipped configuration only
    python benchmarks/train_defect_model.py --no-write      # measure, leave the model file alone

The data is the NLBSE'24 issue set (columns repo, created_at, label, title, body). A defect is an
issue labelled ``bug``; ``feature`` and ``question`` are not. Candidates are compared by training on
four projects and testing on the fifth, never by one project's score; the decision threshold is the
one with the best mean F1 over the held-out projects. The written model is byte-identical on every run
(fixed solver, sorted vocabulary, rounded floats), and the script checks that riskmap's pure inference
(riskmap/analyze/defects.py) gives the same probabilities as the scikit-learn pipeline to 1e-6.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from riskmap.analyze import defects
from riskmap.analyze.exclusion import issue_form_type

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("RISKMAP_CORPUS", ROOT.parent / "shared" / "corpus"))
DEFAULT_DATA = CORPUS / "labelled" / "nlbse2024" / "issues_train.csv"
MODEL_PATH = ROOT / "riskmap" / "analyze" / defects.MODEL_RESOURCE
DIGITS = 8


@dataclass(frozen=True)
class Candidate:
    """One configuration of features and regularisation that cross-validation compares."""

    name: str
    title_weight: float = 1.0
    C: float = 1.0
    min_df: int = 2
    sublinear: bool = True
    balanced: bool = True
    clean: bool = True
    bigrams: bool = True
    min_projects: int = 1
    notes: str = field(default="", compare=False)


CANDIDATES = [
    Candidate("raw-body unigrams", clean=False, bigrams=False),
    Candidate("cleaned unigrams", bigrams=False),
    Candidate("cleaned uni+bigrams"),
    Candidate("uni+bi title x1.5", title_weight=1.5),
    Candidate("uni+bi C=0.3", C=0.3),
    Candidate("uni+bi C=3", C=3.0),
    Candidate("uni+bi in>=2 projects", min_projects=2),
    Candidate("uni+bi in>=3 projects", min_projects=3),
    Candidate("uni+bi in>=3 projects C=0.3", min_projects=3, C=0.3),
    Candidate("uni+bi in>=4 projects", min_projects=4),
    Candidate("unigrams in>=3 projects", min_projects=3, bigrams=False),
    Candidate("uni+bi in>=3 projects title x0.5", min_projects=3, title_weight=0.5),
    Candidate("uni+bi in>=3 projects title x2", min_projects=3, title_weight=2.0),
]
FINAL = "uni+bi in>=2 projects"
_TOKENS: dict[tuple[bool, bool], tuple[list[list[str]], list[list[str]]]] = {}


@dataclass
class Issues:
    """The labelled issues as parallel lists."""

    repos: list[str]
    titles: list[str]
    bodies: list[str]
    defect: np.ndarray


def read_issues(path: Path) -> Issues:
    """Read the NLBSE CSV; ``bug`` is a defect, every other label is not."""
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return Issues(
        [r["repo"] for r in rows],
        [r["title"] or "" for r in rows],
        [r["body"] or "" for r in rows],
        np.array([r["label"] == "bug" for r in rows], dtype=int),
    )


def _raw_body_tokens(body: str) -> list[str]:
    """Body words without cleaning (the baseline cleaning is measured against)."""
    return defects._words(body[: defects.BODY_CHARS])


def tokenise(issues: Issues, candidate: Candidate) -> tuple[list[list[str]], list[list[str]]]:
    """Title and body token lists of every issue as the candidate sees them (computed once per kind)."""
    key = (candidate.clean, candidate.bigrams)
    if key not in _TOKENS:
        _TOKENS[key] = _tokenise(issues, candidate)
    return _TOKENS[key]


def _tokenise(issues: Issues, candidate: Candidate) -> tuple[list[list[str]], list[list[str]]]:
    """Title and body token lists of every issue, computed."""
    titles = [defects.title_tokens(t) for t in issues.titles]
    if candidate.clean:
        bodies = [defects.body_tokens(b) for b in issues.bodies]
    else:
        bodies = [_raw_body_tokens(b) for b in issues.bodies]
    if not candidate.bigrams:
        titles = [[w for w in ts if " " not in w] for ts in titles]
        bodies = [[w for w in bs if " " not in w] for bs in bodies]
    return titles, bodies


@dataclass
class Fitted:
    """A trained pipeline: one vectoriser per field and the logistic regression over both."""

    title: TfidfVectorizer
    body: TfidfVectorizer
    model: LogisticRegression
    title_weight: float

    def matrix(self, titles: Sequence[list[str]], bodies: Sequence[list[str]]) -> sp.csr_matrix:
        """The feature matrix: weighted title TF-IDF beside body TF-IDF."""
        return sp.hstack([self.title.transform(titles) * self.title_weight, self.body.transform(bodies)]).tocsr()

    def probabilities(self, titles: Sequence[list[str]], bodies: Sequence[list[str]]) -> np.ndarray:
        """P(defect) of each issue."""
        return self.model.predict_proba(self.matrix(titles, bodies))[:, 1]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def shared_terms(token_lists: Sequence[list[str]], repos: Sequence[str], at_least: int) -> set[str]:
    """The tokens that occur in issues of at least ``at_least`` different projects."""
    seen: dict[str, set[str]] = {}
    for tokens, repo in zip(token_lists, repos, strict=True):
        for token in set(tokens):
            seen.setdefault(token, set()).add(repo)
    return {token for token, where in seen.items() if len(where) >= at_least}


def fit(
    titles: Sequence[list[str]],
    bodies: Sequence[list[str]],
    y: np.ndarray,
    repos: Sequence[str],
    candidate: Candidate,
) -> Fitted:
    """Train the candidate's pipeline on pre-tokenised issues, keeping tokens seen in min_projects projects."""
    if candidate.min_projects > 1:
        keep_t = shared_terms(titles, repos, candidate.min_projects)
        keep_b = shared_terms(bodies, repos, candidate.min_projects)
        titles = [[w for w in ts if w in keep_t] for ts in titles]
        bodies = [[w for w in bs if w in keep_b] for bs in bodies]

    def vectoriser() -> TfidfVectorizer:
        return TfidfVectorizer(analyzer=_identity, min_df=candidate.min_df, sublinear_tf=candidate.sublinear)

    title_vec, body_vec = vectoriser().fit(titles), vectoriser().fit(bodies)
    model = LogisticRegression(
        C=candidate.C, class_weight="balanced" if candidate.balanced else None, max_iter=5000, tol=1e-8
    )
    fitted = Fitted(title_vec, body_vec, model, candidate.title_weight)
    model.fit(fitted.matrix(titles, bodies), y)
    return fitted


def f1_parts(y: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Defect precision, recall and F1."""
    tp = int(((predicted == 1) & (y == 1)).sum())
    fp = int(((predicted == 1) & (y == 0)).sum())
    fn = int(((predicted == 0) & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def leave_one_project_out(issues: Issues, candidate: Candidate) -> np.ndarray:
    """Out-of-fold P(defect) of every issue, each from a model trained on the other projects only."""
    titles, bodies = tokenise(issues, candidate)
    repos = np.array(issues.repos)
    out = np.zeros(len(repos))
    for repo in sorted(set(issues.repos)):
        test = repos == repo
        train = ~test
        fitted = fit(
            [t for t, k in zip(titles, train, strict=True) if k],
            [b for b, k in zip(bodies, train, strict=True) if k],
            issues.defect[train],
            list(repos[train]),
            candidate,
        )
        out[test] = fitted.probabilities(
            [t for t, k in zip(titles, test, strict=True) if k], [b for b, k in zip(bodies, test, strict=True) if k]
        )
    return out


def stratified_folds(issues: Issues, k: int = 5) -> np.ndarray:
    """The fold (0..k-1) of every issue: each project-and-label group dealt round-robin in a fixed shuffled order,
    so every fold mixes the projects and labels as the whole set does."""
    folds = np.zeros(len(issues.repos), dtype=int)
    shuffle = np.random.RandomState(11)
    labels = [f"{repo}|{defect}" for repo, defect in zip(issues.repos, issues.defect, strict=True)]
    for group in sorted(set(labels)):
        members = np.array([i for i, label in enumerate(labels) if label == group])
        shuffle.shuffle(members)
        folds[members] = np.arange(len(members)) % k
    return folds


def k_fold(issues: Issues, candidate: Candidate, k: int = 5) -> np.ndarray:
    """Out-of-fold P(defect) of every issue from a stratified k-fold CV that mixes the projects."""
    titles, bodies = tokenise(issues, candidate)
    folds = stratified_folds(issues, k)
    out = np.zeros(len(folds))
    for fold in range(k):
        test = folds == fold
        train = ~test
        fitted = fit([t for t, keep in zip(titles, train, strict=True) if keep],
                     [b for b, keep in zip(bodies, train, strict=True) if keep],
                     issues.defect[train], [r for r, keep in zip(issues.repos, train, strict=True) if keep], candidate)
        out[test] = fitted.probabilities([t for t, keep in zip(titles, test, strict=True) if keep],
                                         [b for b, keep in zip(bodies, test, strict=True) if keep])
    return out


def form_decisions(issues: Issues) -> np.ndarray:
    """What riskmap's issue-form rules say before the model: 1 defect, 0 not, -1 silent (exclusion.issue_form_type)."""
    said = [issue_form_type(t, b) for t, b in zip(issues.titles, issues.bodies, strict=True)]
    return np.array([-1 if not speaks else int(reason is None) for speaks, reason in said])


def with_rules(probabilities: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """Probabilities where the form rules speak replaced by 1.0 (defect) or 0.0 (not): what riskmap decides."""
    return np.where(rules < 0, probabilities, rules.astype(float))


def overall_f1(issues: Issues, probabilities: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """Defect precision, recall and F1 over all issues at a threshold (the figure for a mixed held-out set)."""
    return f1_parts(issues.defect, (probabilities >= threshold).astype(int))


def per_repo(issues: Issues, probabilities: np.ndarray, threshold: float) -> dict[str, tuple[float, float, float]]:
    """Defect precision, recall and F1 of each held-out project at a threshold."""
    repos = np.array(issues.repos)
    predicted = (probabilities >= threshold).astype(int)
    return {
        repo: f1_parts(issues.defect[repos == repo], predicted[repos == repo]) for repo in sorted(set(issues.repos))
    }


def mean_f1(issues: Issues, probabilities: np.ndarray, threshold: float) -> float:
    """The mean over held-out projects of the defect F1."""
    return float(np.mean([f1 for _, _, f1 in per_repo(issues, probabilities, threshold).values()]))


def best_threshold(issues: Issues, probabilities: np.ndarray) -> float:
    """The threshold in 0.20..0.80 (steps of 0.01) with the best mean held-out F1; the lowest on a tie."""
    grid = [round(0.2 + 0.01 * i, 2) for i in range(61)]
    return max(grid, key=lambda t: (round(mean_f1(issues, probabilities, t), 9), -t))


def print_table(issues: Issues, probabilities: np.ndarray, threshold: float, title: str) -> dict[str, float]:
    """Print one candidate's per-project table and return its means."""
    table = per_repo(issues, probabilities, threshold)
    print(f"\n{title}  (threshold {threshold:.2f})")
    print(f"  {'held-out repo':24} {'precision':>9} {'recall':>7} {'F1':>7}")
    for repo, (p, r, f) in table.items():
        print(f"  {repo:24} {p:9.3f} {r:7.3f} {f:7.3f}")
    means = {k: float(np.mean([row[i] for row in table.values()])) for i, k in enumerate(("precision", "recall", "f1"))}
    print(f"  {'mean':24} {means['precision']:9.3f} {means['recall']:7.3f} {means['f1']:7.3f}")
    return means


def export(fitted: Fitted, candidate: Candidate, documents: int, threshold: float, cv: dict[str, float]) -> str:
    """The model file's text: sorted keys, rounded floats, the title weight folded into the title coefficients."""
    coef = fitted.model.coef_[0]
    title_size = len(fitted.title.vocabulary_)

    def terms(vec: TfidfVectorizer, offset: int, scale: float) -> dict[str, list[float | int]]:
        df = np.rint((1 + documents) / np.exp(vec.idf_ - 1.0) - 1).astype(int)
        return {
            term: [int(df[column]), round(float(coef[offset + column]) * scale, DIGITS)]
            for term, column in sorted(vec.vocabulary_.items())
        }

    model = {
        "about": "riskmap defect-or-not: TF-IDF (title, body) + logistic regression; "
        "built by benchmarks/train_defect_model.py from the NLBSE'24 issues_train.csv",
        "config": candidate.name,
        "documents": documents,
        "intercept": round(float(fitted.model.intercept_[0]), DIGITS),
        "threshold": threshold,
        "leave_one_project_out": {k: round(v, 4) for k, v in sorted(cv.items())},
        "fields": {
            "title": {"sublinear": candidate.sublinear, "terms": terms(fitted.title, 0, candidate.title_weight)},
            "body": {"sublinear": candidate.sublinear, "terms": terms(fitted.body, title_size, 1.0)},
        },
    }
    return json.dumps(model, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def check_pure_inference(fitted: Fitted, issues: Issues, candidate: Candidate) -> float:
    """The largest gap between riskmap's pure inference and the sklearn pipeline on the training issues."""
    defects.load_model.cache_clear()
    titles, bodies = tokenise(issues, candidate)
    expected = fitted.probabilities(titles, bodies)
    actual = np.array([defects.defect_probability(t, b) for t, b in zip(issues.titles, issues.bodies, strict=True)])
    return float(np.max(np.abs(expected - actual)))


def main(argv: Sequence[str] | None = None) -> int:
    """Cross-validate the candidates, then train the final one on every issue and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the labelled issues CSV")
    parser.add_argument("--only", choices=["all", "final"], default="all", help="which candidates to cross-validate")
    parser.add_argument("--no-write", action="store_true", help="do not write the model file")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model")
    args = parser.parse_args(argv)

    issues = read_issues(args.data)
    print(f"{len(issues.repos)} issues, {int(issues.defect.sum())} defects, from {len(set(issues.repos))} projects")
    by_name = {c.name: c for c in CANDIDATES}
    chosen = CANDIDATES if args.only == "all" else [by_name[FINAL]]
    summary: list[tuple[str, float, float, float]] = []
    final_cv: dict[str, float] = {}
    final_threshold = 0.5
    rules = form_decisions(issues)
    spoke = rules >= 0
    print(f"issue-form rules speak for {int(spoke.sum())} issues, right for "
          f"{int((rules[spoke] == issues.defect[spoke]).sum())}")
    mixed: list[tuple[str, float, float, float]] = []
    for candidate in chosen:
        probabilities = with_rules(leave_one_project_out(issues, candidate), rules)
        threshold = best_threshold(issues, probabilities)
        at_half = mean_f1(issues, probabilities, 0.5)
        means = print_table(issues, probabilities, threshold, f"{candidate.name}, form rules first")
        summary.append((candidate.name, at_half, threshold, means["f1"]))
        folded = with_rules(k_fold(issues, candidate), rules)
        grid = [round(0.2 + 0.01 * i, 2) for i in range(61)]
        best = max(grid, key=lambda t: (round(overall_f1(issues, folded, t)[2], 9), -t))
        mixed.append((candidate.name, *overall_f1(issues, folded, best)[1:], best))
        if candidate.name == FINAL:
            final_cv, final_threshold = means, threshold
            final_cv["stratified_5fold_f1"] = overall_f1(issues, folded, threshold)[2]
    print("\nsummary: defect F1 with the issue-form rules first, then the model")
    print(f"  {'candidate':32} {'LOPO F1@0.50':>12} {'LOPO t':>7} {'LOPO F1@t':>9} {'5-fold F1@t':>11}"
          f" {'5-fold best t':>13} {'5-fold F1':>9}")
    for (name, at_half, threshold, f1), (_, _, mixed_f1, mixed_t) in zip(summary, mixed, strict=True):
        folded_at_t = final_cv.get("stratified_5fold_f1", float("nan")) if name == FINAL else float("nan")
        print(f"  {name:32} {at_half:12.3f} {threshold:7.2f} {f1:9.3f} {folded_at_t:11.3f} {mixed_t:13.2f}"
              f" {mixed_f1:9.3f}" + ("  <- shipped" if name == FINAL else ""))
    print("  LOPO: mean over the five projects, each held out in turn (issues of a new project);")
    print("  5-fold: stratified by project and label, issues of the same five projects mixed in every fold.")

    final = by_name[FINAL]
    titles, bodies = tokenise(issues, final)
    fitted = fit(titles, bodies, issues.defect, issues.repos, final)
    text = export(fitted, final, len(issues.repos), final_threshold, final_cv)
    in_sample = f1_parts(issues.defect, (fitted.probabilities(titles, bodies) >= final_threshold).astype(int))[2]
    print(f"\nfinal model: in-sample defect F1 {in_sample:.3f}, {len(text.encode()):,} bytes")
    if args.no_write:
        return 0
    args.out.write_text(text, encoding="utf-8")
    gap = check_pure_inference(fitted, issues, final)
    print(f"wrote {args.out}; largest |pure - sklearn| probability gap {gap:.2e}")
    if gap > 1e-6:
        print("FAIL: riskmap's pure inference disagrees with the sklearn pipeline", file=sys.stderr)
        return 1
    started = time.perf_counter()
    for t, b in zip(issues.titles, issues.bodies, strict=True):
        defects.defect_probability(t, b)
    elapsed = time.perf_counter() - started
    print(f"pure inference: {len(issues.titles) / elapsed:,.0f} issues/s on the training issues")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
