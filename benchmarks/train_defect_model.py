"""Build riskmap's defect-or-not model from labelled GitHub issues and print its leave-one-project-out figures.

Run from the repository root with the ``train`` extra installed (``pip install -e ".[train]"``):

    python benchmarks/train_defect_model.py                 # CV of every candidate, then write the model
    python benchmarks/train_defect_model.py --only final    # CV of the shipped configuration only
    python benchmarks/train_defect_model.py --only "uni+bi C=3" final   # named candidates and the shipped one
    python benchmarks/train_defect_model.py --no-write      # measure, leave the model file alone

The data is the NLBSE'24 issue set (columns repo, created_at, label, title, body). A defect is an
issue labelled ``bug``; ``feature`` and ``question`` are not. Candidates are compared by training on
four projects and testing on the fifth (LOPO), never by one project's score, and in a stratified 5-fold
CV that mixes the projects; the shipped decision threshold is the one with the best mean of the LOPO
mean F1 and the 5-fold F1. Never tune on a held-out test set (``accuracy.py --nlbse-test`` measures
one). The written model is byte-identical on every run
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
from riskmap.analyze.exclusion import issue_form_type, short_body

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("RISKMAP_CORPUS", ROOT.parent / "shared" / "corpus"))
DEFAULT_DATA = CORPUS / "labelled" / "nlbse2024" / "issues_train.csv"
MODEL_PATH = ROOT / "riskmap" / "analyze" / defects.MODEL_RESOURCE
DIGITS = 8
#: The decision thresholds compared, 0.10..0.80 in steps of 0.01 (0.20..0.80 before the weakly regularised
#: models, whose best threshold lay at 0.20).
THRESHOLDS = [round(0.1 + 0.01 * i, 2) for i in range(71)]


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
    #: character n-grams (``defects.char_grams``) of the title and the start of the body as two more TF-IDF fields
    chars: bool = False
    char_min_df: int = 10
    #: the weight of a present signal (``defects.SIGNALS``) in the feature vector; 0: no signals
    signals: float = 0.0
    #: how many characters of the cleaned body its words are read from (``defects.BODY_CHARS`` as shipped)
    body_chars: int = defects.BODY_CHARS
    #: one text field instead of the four: scikit-learn's own words and word pairs of "title title raw-body"
    #: (the first body_chars characters, uncleaned), as a plain pipeline reads an issue
    plain: bool = False
    #: keep only the most frequent terms of each field (TfidfVectorizer's max_features); None: all
    max_features: int | None = None
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
    Candidate("uni+bi in>=2 projects + signals", min_projects=2, signals=0.5),
    Candidate("uni+bi in>=2 projects + signals x1", min_projects=2, signals=1.0),
    Candidate("uni+bi in>=2 projects + signals C=2", min_projects=2, signals=0.5, C=2.0),
    Candidate("uni+bi in>=2 projects + chars", min_projects=2, chars=True),
    Candidate("uni+bi in>=2 projects + chars + signals", min_projects=2, chars=True, signals=0.5),
    Candidate("uni+bi in>=2 projects + chars + signals C=2", min_projects=2, chars=True, signals=0.5, C=2.0),
    # weaker regularisation and a shorter body, as a plain scikit-learn pipeline scored in a scratch run
    Candidate("uni+bi in>=2 projects + chars + signals C=8", min_projects=2, chars=True, signals=0.5, C=8.0),
    Candidate("uni+bi in>=2 projects + chars + signals C=16", min_projects=2, chars=True, signals=0.5, C=16.0),
    Candidate("uni+bi in>=2 projects + chars + signals C=30", min_projects=2, chars=True, signals=0.5, C=30.0),
    Candidate("uni+bi in>=2 projects + chars + signals C=16 body 4000", min_projects=2, chars=True, signals=0.5,
              C=16.0, body_chars=4000),
    Candidate("uni+bi in>=2 projects + signals C=16 body 4000", min_projects=2, signals=0.5, C=16.0, body_chars=4000),
    Candidate("uni+bi C=30 body 4000", C=30.0, body_chars=4000),
    Candidate("uni+bi + signals C=30 body 4000", signals=0.5, C=30.0, body_chars=4000),
    Candidate("plain C=30", plain=True, C=30.0, body_chars=4000, max_features=50000, balanced=False),
    Candidate("plain C=30 balanced", plain=True, C=30.0, body_chars=4000, max_features=50000),
    Candidate("plain + signals C=30", plain=True, C=30.0, body_chars=4000, max_features=50000, balanced=False,
              signals=0.5),
    Candidate("plain + signals C=30 20k terms", plain=True, C=30.0, body_chars=4000, max_features=20000,
              balanced=False, signals=0.5),
    Candidate("plain + signals C=30 25k terms", plain=True, C=30.0, body_chars=4000, max_features=25000,
              balanced=False, signals=0.5),
    Candidate("plain + signals C=16 25k terms", plain=True, C=16.0, body_chars=4000, max_features=25000,
              balanced=False, signals=0.5),
]
FINAL = "plain + signals C=30"
#: The text fields of the model, in the order of the feature matrix (the signals come after them).
TEXT_FIELDS = ("title", "title_chars", "body", "body_chars")
CHAR_FIELDS = ("title_chars", "body_chars")
Tokens = dict[str, list[list[str]]]
_TOKENS: dict[tuple[bool, bool, int, bool], Tokens] = {}


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


def tokenise(issues: Issues, candidate: Candidate) -> Tokens:
    """The token lists of every issue, per field (``defects.issue_features``), as the candidate sees them
    (computed once per kind)."""
    key = (candidate.clean, candidate.bigrams, candidate.body_chars, candidate.plain)
    if key not in _TOKENS:
        _TOKENS[key] = _tokenise(issues, candidate)
    return _TOKENS[key]


def _tokenise(issues: Issues, candidate: Candidate) -> Tokens:
    """The token lists of every issue, per field, computed."""
    features = [defects.issue_features(t, b) for t, b in zip(issues.titles, issues.bodies, strict=True)]
    tokens = {name: [f[name] for f in features] for name in (*TEXT_FIELDS, "signals")}
    if candidate.plain:
        analyse = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
        tokens["words"] = [analyse(f"{t} {t} {b[: candidate.body_chars]}")
                          for t, b in zip(issues.titles, issues.bodies, strict=True)]
    elif candidate.body_chars != defects.BODY_CHARS:
        tokens["body"] = [defects.body_tokens(b, defects.cleaned_body(b)[: candidate.body_chars])
                          for b in issues.bodies]
    if not candidate.clean:
        tokens["body"] = [_raw_body_tokens(b) for b in issues.bodies]
    if not candidate.bigrams:
        for name in ("title", "body"):
            tokens[name] = [[w for w in ts if " " not in w] for ts in tokens[name]]
    return tokens


def subset(tokens: Tokens, keep: Sequence[bool]) -> Tokens:
    """The token lists of the issues where ``keep`` is true."""
    return {name: [t for t, k in zip(lists, keep, strict=True) if k] for name, lists in tokens.items()}


@dataclass
class Fitted:
    """A trained pipeline: one vectoriser per text field, the signals' weight, the logistic regression over all."""

    vectorisers: dict[str, TfidfVectorizer]
    model: LogisticRegression
    title_weight: float
    signals: float

    def matrix(self, tokens: Tokens) -> sp.csr_matrix:
        """The feature matrix: the weighted title TF-IDF, the other fields' TF-IDF, then the signals (0 or the
        signals' weight)."""
        parts = [vec.transform(tokens[name]) * (self.title_weight if name == "title" else 1.0)
                 for name, vec in self.vectorisers.items()]
        if self.signals:
            names = list(defects.SIGNALS)
            present = np.array([[self.signals if name in found else 0.0 for name in names]
                                for found in tokens["signals"]])
            parts.append(sp.csr_matrix(present.reshape(len(tokens["signals"]), len(names))))
        return sp.hstack(parts).tocsr()

    def probabilities(self, tokens: Tokens) -> np.ndarray:
        """P(defect) of each issue."""
        return self.model.predict_proba(self.matrix(tokens))[:, 1]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def shared_terms(token_lists: Sequence[list[str]], repos: Sequence[str], at_least: int) -> set[str]:
    """The tokens that occur in issues of at least ``at_least`` different projects."""
    seen: dict[str, set[str]] = {}
    for tokens, repo in zip(token_lists, repos, strict=True):
        for token in set(tokens):
            seen.setdefault(token, set()).add(repo)
    return {token for token, where in seen.items() if len(where) >= at_least}


def fit(tokens: Tokens, y: np.ndarray, repos: Sequence[str], candidate: Candidate) -> Fitted:
    """Train the candidate's pipeline on pre-tokenised issues, keeping title and body tokens seen in
    min_projects projects."""
    tokens = dict(tokens)
    if candidate.min_projects > 1:
        for name in ("title", "body"):
            keep = shared_terms(tokens[name], repos, candidate.min_projects)
            tokens[name] = [[w for w in ts if w in keep] for ts in tokens[name]]
    fields = (["words"] if candidate.plain
              else [name for name in TEXT_FIELDS if name not in CHAR_FIELDS or candidate.chars])
    vectorisers = {
        name: TfidfVectorizer(analyzer=_identity, sublinear_tf=candidate.sublinear, max_features=candidate.max_features,
                              min_df=candidate.char_min_df if name in CHAR_FIELDS else candidate.min_df)
        .fit(tokens[name])
        for name in fields
    }
    model = LogisticRegression(
        C=candidate.C, class_weight="balanced" if candidate.balanced else None, max_iter=5000, tol=1e-8
    )
    fitted = Fitted(vectorisers, model, candidate.title_weight, candidate.signals)
    model.fit(fitted.matrix(tokens), y)
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
    tokens = tokenise(issues, candidate)
    repos = np.array(issues.repos)
    out = np.zeros(len(repos))
    for repo in sorted(set(issues.repos)):
        test = repos == repo
        fitted = fit(subset(tokens, ~test), issues.defect[~test], list(repos[~test]), candidate)
        out[test] = fitted.probabilities(subset(tokens, test))
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
    tokens = tokenise(issues, candidate)
    folds = stratified_folds(issues, k)
    repos = np.array(issues.repos)
    out = np.zeros(len(folds))
    for fold in range(k):
        test = folds == fold
        fitted = fit(subset(tokens, ~test), issues.defect[~test], list(repos[~test]), candidate)
        out[test] = fitted.probabilities(subset(tokens, test))
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
    """The threshold in ``THRESHOLDS`` with the best mean held-out F1; the lowest on a tie."""
    grid = THRESHOLDS
    return max(grid, key=lambda t: (round(mean_f1(issues, probabilities, t), 9), -t))


def print_short_body_rule(issues: Issues, lopo: np.ndarray, folded: np.ndarray) -> None:
    """Print the LOPO and 5-fold F1 (each at its best threshold) with and without riskmap's rule that counts an issue
    whose body is too short for the model (``exclusion.short_body``)."""
    short = np.array([short_body(b) for b in issues.bodies])
    grid = THRESHOLDS
    print(f"  short-body rule ({int(short.sum())} issues, {int(issues.defect[short].sum())} defects):")
    for name, lopo_p, folded_p in (("model asked", lopo, folded),
                                   ("counted (rule)", np.where(short, 1.0, lopo), np.where(short, 1.0, folded))):
        lopo_f1 = max(mean_f1(issues, lopo_p, t) for t in grid)
        folded_f1 = max(overall_f1(issues, folded_p, t)[2] for t in grid)
        print(f"    {name:15} LOPO F1 {lopo_f1:.3f}, 5-fold F1 {folded_f1:.3f}")


def per_repo_means(issues: Issues, probabilities: np.ndarray, threshold: float) -> dict[str, float]:
    """The mean over held-out projects of the defect precision, recall and F1."""
    table = per_repo(issues, probabilities, threshold)
    return {k: float(np.mean([row[i] for row in table.values()])) for i, k in enumerate(("precision", "recall", "f1"))}


def both_threshold(issues: Issues, lopo: np.ndarray, folded: np.ndarray) -> float:
    """The threshold in ``THRESHOLDS`` with the best mean of the LOPO mean F1 (a new project) and the pooled 5-fold F1
    (new issues of known projects); the lowest on a tie."""
    grid = THRESHOLDS
    return max(grid, key=lambda t: (round(mean_f1(issues, lopo, t) + overall_f1(issues, folded, t)[2], 9), -t))


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
    """The model file's text: sorted keys, rounded floats, the title weight folded into the title coefficients and
    the signals' weight into theirs."""
    coef = fitted.model.coef_[0]
    offset = 0
    fields: dict[str, dict[str, object]] = {}
    for name, vec in fitted.vectorisers.items():
        scale = candidate.title_weight if name == "title" else 1.0
        df = np.rint((1 + documents) / np.exp(vec.idf_ - 1.0) - 1).astype(int)
        terms = {term: [int(df[column]), round(float(coef[offset + column]) * scale, DIGITS)]
                 for term, column in sorted(vec.vocabulary_.items())}
        fields[name] = {"sublinear": candidate.sublinear, "terms": terms}
        offset += len(vec.vocabulary_)
    model: dict[str, object] = {
        "about": f"riskmap defect-or-not: TF-IDF ({', '.join(fitted.vectorisers)}) and issue signals + logistic "
        "regression; built by benchmarks/train_defect_model.py from the NLBSE'24 issues_train.csv",
        "config": candidate.name,
        "documents": documents,
        "intercept": round(float(fitted.model.intercept_[0]), DIGITS),
        "threshold": threshold,
        "leave_one_project_out": {k: round(v, 4) for k, v in sorted(cv.items())},
        "fields": fields,
    }
    if candidate.signals:
        model["signals"] = {name: round(float(coef[offset + i]) * candidate.signals, DIGITS)
                            for i, name in enumerate(defects.SIGNALS)}
    return json.dumps(model, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def check_pure_inference(fitted: Fitted, issues: Issues, candidate: Candidate) -> float:
    """The largest gap between riskmap's pure inference and the sklearn pipeline on the training issues."""
    defects.load_model.cache_clear()
    expected = fitted.probabilities(tokenise(issues, candidate))
    actual = np.array([defects.defect_probability(t, b) for t, b in zip(issues.titles, issues.bodies, strict=True)])
    return float(np.max(np.abs(expected - actual)))


def main(argv: Sequence[str] | None = None) -> int:
    """Cross-validate the candidates, then train the final one on every issue and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the labelled issues CSV")
    parser.add_argument("--only", nargs="+", default=["all"], metavar="NAME",
                        help="which candidates to cross-validate: all (default), final, or candidate names")
    parser.add_argument("--no-write", action="store_true", help="do not write the model file")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model")
    args = parser.parse_args(argv)

    issues = read_issues(args.data)
    print(f"{len(issues.repos)} issues, {int(issues.defect.sum())} defects, from {len(set(issues.repos))} projects")
    by_name = {c.name: c for c in CANDIDATES}
    if "all" in args.only:
        chosen = CANDIDATES
    else:
        unknown = sorted(set(args.only) - {*by_name, "final"})
        if unknown:
            parser.error(f"unknown candidates: {', '.join(unknown)}")
        names = [FINAL if name == "final" else name for name in args.only]
        chosen = [c for c in CANDIDATES if c.name in names]
    if by_name[FINAL] not in chosen:
        chosen.append(by_name[FINAL])
    summary: list[tuple[str, float, float, float]] = []
    final_cv: dict[str, float] = {}
    final_threshold = 0.5
    rules = form_decisions(issues)
    spoke = rules >= 0
    print(f"issue-form rules speak for {int(spoke.sum())} issues, right for "
          f"{int((rules[spoke] == issues.defect[spoke]).sum())}")
    mixed: list[tuple[str, float, float, float]] = []
    at_shared: dict[str, tuple[float, float, float]] = {}
    for candidate in chosen:
        alone = leave_one_project_out(issues, candidate)
        probabilities = with_rules(alone, rules)
        threshold = best_threshold(issues, probabilities)
        at_half = mean_f1(issues, probabilities, 0.5)
        means = print_table(issues, probabilities, threshold, f"{candidate.name}, form rules first")
        summary.append((candidate.name, at_half, threshold, means["f1"]))
        folded_alone = k_fold(issues, candidate)
        folded = with_rules(folded_alone, rules)
        grid = THRESHOLDS
        best = max(grid, key=lambda t: (round(overall_f1(issues, folded, t)[2], 9), -t))
        mixed.append((candidate.name, *overall_f1(issues, folded, best)[1:], best))
        shared = both_threshold(issues, probabilities, folded)
        at_shared[candidate.name] = (shared, mean_f1(issues, probabilities, shared),
                                     overall_f1(issues, folded, shared)[2])
        if candidate.name == FINAL:
            print_short_body_rule(issues, probabilities, folded)
            print(f"  without the issue-form rules: LOPO F1 {max(mean_f1(issues, alone, t) for t in THRESHOLDS):.3f},"
                  f" 5-fold F1 {max(overall_f1(issues, folded_alone, t)[2] for t in THRESHOLDS):.3f}")
            final_threshold = both_threshold(issues, probabilities, folded)
            final_cv = per_repo_means(issues, probabilities, final_threshold)
            final_cv["stratified_5fold_f1"] = overall_f1(issues, folded, final_threshold)[2]
            print(f"  shipped threshold {final_threshold:.2f} (best mean of LOPO and 5-fold F1): LOPO F1 "
                  f"{final_cv['f1']:.3f}, 5-fold F1 {final_cv['stratified_5fold_f1']:.3f}")
    print("\nsummary: defect F1 with the issue-form rules first, then the model")
    print(f"  {'candidate':56} {'LOPO F1@0.50':>12} {'LOPO t':>7} {'LOPO F1@t':>9} {'5-fold t':>8}"
          f" {'5-fold F1':>9} {'mean':>6} {'shared t':>8} {'LOPO':>6} {'5-fold':>6} {'mean':>6}")
    for (name, at_half, threshold, f1), (_, _, mixed_f1, mixed_t) in zip(summary, mixed, strict=True):
        shared, lopo_f1, folded_f1 = at_shared[name]
        print(f"  {name:56} {at_half:12.3f} {threshold:7.2f} {f1:9.3f} {mixed_t:8.2f} {mixed_f1:9.3f}"
              f" {(f1 + mixed_f1) / 2:6.3f} {shared:8.2f} {lopo_f1:6.3f} {folded_f1:6.3f}"
              f" {(lopo_f1 + folded_f1) / 2:6.3f}"
              + ("  <- shipped" if name == FINAL else ""))
    print("  mean: of the LOPO F1 and the 5-fold F1, each at its own best threshold; shared t: the one threshold with")
    print("  the best mean of the two (what a shipped model uses), and the LOPO, 5-fold and mean F1 there.")
    print("  LOPO: mean over the five projects, each held out in turn (issues of a new project);")
    print("  5-fold: stratified by project and label, issues of the same five projects mixed in every fold.")

    final = by_name[FINAL]
    tokens = tokenise(issues, final)
    fitted = fit(tokens, issues.defect, issues.repos, final)
    text = export(fitted, final, len(issues.repos), final_threshold, final_cv)
    in_sample = f1_parts(issues.defect, (fitted.probabilities(tokens) >= final_threshold).astype(int))[2]
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
