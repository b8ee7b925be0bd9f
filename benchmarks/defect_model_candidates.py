"""Compare candidate defect-or-not models for riskmap with nested thresholds (issue #11): research, not shipped.

Run from the repository root with the ``train`` extra (``pip install -e ".[train]"``) and RISKMAP_CORPUS set:

    python benchmarks/defect_model_candidates.py "base: word LR" "word LR 3-class" ...

Each named candidate prints one JSON line: leave-one-project-out (LOPO) mean defect F1 and stratified
5-fold pooled defect F1, both with the issue-form rules first and the decision threshold chosen inside
each training fold (inner LOPO, inner 4-fold), never on the test fold; and, for comparison with
train_defect_model.py, the same out-of-fold probabilities at the single LOPO-chosen threshold
(``lopo_old``, ``k5_at_lopo_t``). Slow (about 50 fits per candidate; char n-grams several minutes).
"""

import csv as _csv
import json
import re
import sys
import time

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import train_defect_model as T
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from riskmap.analyze import defects as D

ISSUES = T.read_issues(T.DEFAULT_DATA)
N = len(ISSUES.repos)
y = ISSUES.defect
repos = np.array(ISSUES.repos)
rules = T.form_decisions(ISSUES)
TT = [D.title_tokens(t) for t in ISSUES.titles]
BT = [D.body_tokens(b) for b in ISSUES.bodies]
CLEAN = [D.clean_issue_text(b[:24000])[:6000] for b in ISSUES.bodies]
B1K = [c[:1000].lower() for c in CLEAN]
TL = [t.lower() for t in ISSUES.titles]
folds5 = T.stratified_folds(ISSUES)

STRUCT = [
    ("trace", lambda t, b, c: "stacktrace" in c),
    ("error", lambda t, b, c: bool(re.search(r"\b(error|exception|fail|crash)", b[:6000], re.I))),
    ("expected", lambda t, b, c: bool(re.search(r"\bexpected\b|\bactual\b", b[:6000], re.I))),
    ("version", lambda t, b, c: bool(re.search(r"^\W*(version|environment|system info|os)\b", b[:6000], re.I | re.M))),
    ("steps", lambda t, b, c: bool(re.search(r"steps to reproduce|to reproduce|repro", b[:6000], re.I))),
    ("code", lambda t, b, c: "```" in b[:6000]),
    ("tq", lambda t, b, c: "?" in t),
    ("thow", lambda t, b, c: bool(re.search(r"\b(how|why|what|is there|can i|possible)\b", t, re.I))),
    (
        "tfeat",
        lambda t, b, c: bool(
            re.search(r"\b(support|add|allow|option|feature|request|enable|provide|implement)", t, re.I)
        ),
    ),
    (
        "tbug",
        lambda t, b, c: bool(
            re.search(
                r"\b(crash|error|fail|broken|bug|not work|doesn't|does not|wrong|incorrect|exception|regression)",
                t,
                re.I,
            )
        ),
    ),
]
SF = np.array(
    [[float(f(t, b, c)) for _, f in STRUCT] for t, b, c in zip(ISSUES.titles, ISSUES.bodies, CLEAN, strict=True)]
)


def ident(x):
    return x


def sel(lst, idx):
    return [lst[i] for i in idx]


def word_mats(tr, te, min_projects=2):
    tt, bt = sel(TT, tr), sel(BT, tr)
    if min_projects > 1:
        kt = T.shared_terms(tt, list(repos[tr]), min_projects)
        kb = T.shared_terms(bt, list(repos[tr]), min_projects)
        tt = [[w for w in x if w in kt] for x in tt]
        bt = [[w for w in x if w in kb] for x in bt]
    vt = TfidfVectorizer(analyzer=ident, min_df=2, sublinear_tf=True).fit(tt)
    vb = TfidfVectorizer(analyzer=ident, min_df=2, sublinear_tf=True).fit(bt)
    return [(vt.transform(tt), vt.transform(sel(TT, te))), (vb.transform(bt), vb.transform(sel(BT, te)))]


def char_mats(tr, te, lo=2, hi=5, min_df=3):
    out = []
    for src in (TL, B1K):
        v = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(lo, hi), min_df=min_df, sublinear_tf=True, lowercase=False
        ).fit(sel(src, tr))
        out.append((v.transform(sel(src, tr)), v.transform(sel(src, te))))
    return out


def struct_mats(tr, te, scale=1.0):
    return [(sp.csr_matrix(SF[tr] * scale), sp.csr_matrix(SF[te] * scale))]


def stack(parts, weights=None):
    weights = weights or [1.0] * len(parts)
    return (
        sp.hstack([p[0] * w for p, w in zip(parts, weights, strict=True)]).tocsr(),
        sp.hstack([p[1] * w for p, w in zip(parts, weights, strict=True)]).tocsr(),
    )


def lr(Xtr, ytr, Xte, C=1.0):
    m = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, tol=1e-6).fit(Xtr, ytr)
    return m.predict_proba(Xte)[:, 1]


def nbsvm(Xtr, ytr, Xte, C=1.0, alpha=1.0):
    B = (Xtr > 0).astype(float)
    p = alpha + np.asarray(B[ytr == 1].sum(0)).ravel()
    q = alpha + np.asarray(B[ytr == 0].sum(0)).ravel()
    r = np.log((p / p.sum()) / (q / q.sum()))
    R = sp.diags(r)
    return lr(Xtr @ R, ytr, Xte @ R, C)


def cnb(Xtr, ytr, Xte, alpha=0.3):
    m = ComplementNB(alpha=alpha).fit(Xtr, ytr)
    return m.predict_proba(Xte)[:, 1]


def svm(Xtr, ytr, Xte, C=0.1):
    m = LinearSVC(C=C, class_weight="balanced").fit(Xtr, ytr)
    d = m.decision_function(Xte)
    return 1 / (1 + np.exp(-2 * d))


CANDS = {}


def run_lin(mats, clf, tr, te, **kw):
    Xtr, Xte = stack(mats)
    return clf(Xtr, y[tr], Xte, **kw)


CANDS["base: word LR"] = lambda tr, te: run_lin(word_mats(tr, te), lr, tr, te)
CANDS["word LR C=0.5"] = lambda tr, te: run_lin(word_mats(tr, te), lr, tr, te, C=0.5)
CANDS["word NBSVM"] = lambda tr, te: run_lin(word_mats(tr, te), nbsvm, tr, te)
CANDS["word NBSVM C=0.3"] = lambda tr, te: run_lin(word_mats(tr, te), nbsvm, tr, te, C=0.3)
CANDS["word CNB"] = lambda tr, te: run_lin(word_mats(tr, te), cnb, tr, te)
CANDS["word SVM"] = lambda tr, te: run_lin(word_mats(tr, te), svm, tr, te)
CANDS["char LR"] = lambda tr, te: run_lin(char_mats(tr, te), lr, tr, te)
CANDS["char NBSVM"] = lambda tr, te: run_lin(char_mats(tr, te), nbsvm, tr, te)
CANDS["word+char LR"] = lambda tr, te: run_lin(word_mats(tr, te) + char_mats(tr, te), lr, tr, te)
CANDS["word+char NBSVM"] = lambda tr, te: run_lin(word_mats(tr, te) + char_mats(tr, te), nbsvm, tr, te)
CANDS["word+struct LR"] = lambda tr, te: run_lin(word_mats(tr, te) + struct_mats(tr, te, 0.5), lr, tr, te)
CANDS["word+char+struct LR"] = lambda tr, te: run_lin(
    word_mats(tr, te) + char_mats(tr, te) + struct_mats(tr, te, 0.5), lr, tr, te
)


def ens_tb(tr, te, feats):
    m = feats(tr, te)
    pt = lr(m[0][0], y[tr], m[0][1])
    pb = lr(sp.hstack([x[0] for x in m[1:]]).tocsr(), y[tr], sp.hstack([x[1] for x in m[1:]]).tocsr())
    return (pt + pb) / 2


CANDS["ens title|body word"] = lambda tr, te: ens_tb(tr, te, word_mats)


def oof(fn, idx, groups):
    """Out-of-fold probs over idx, folds given by groups (array over idx)."""
    out = np.zeros(len(idx))
    for g in sorted(set(groups)):
        te = groups == g
        out[te] = fn(idx[~te], idx[te])
    return out


def f1(yt, p, t):
    return T.f1_parts(yt, (p >= t).astype(int))[2]


GRID = [round(0.2 + 0.01 * i, 2) for i in range(61)]


def with_rules_idx(p, idx):
    return np.where(rules[idx] < 0, p, rules[idx].astype(float))


def pick_lopo(p, idx):
    rs = repos[idx]
    return max(
        GRID, key=lambda t: (round(np.mean([f1(y[idx][rs == r], p[rs == r], t) for r in sorted(set(rs))]), 9), -t)
    )


def pick_pool(p, idx):
    return max(GRID, key=lambda t: (round(f1(y[idx], p, t), 9), -t))


def nested(fn, groups, pick):
    """Each issue's probability from a model trained without its group, and each group's threshold, picked
    by ``pick`` on the out-of-fold probabilities of the other groups (inner folds by the same groups)."""
    p = np.zeros(N)
    ts = {}
    for g in sorted(set(groups)):
        te, tr = np.where(groups == g)[0], np.where(groups != g)[0]
        ts[g] = pick(with_rules_idx(oof(fn, tr, groups[tr]), tr), tr)
        p[te] = with_rules_idx(fn(tr, te), te)
    return p, ts


def evaluate(name, fn):
    t0 = time.time()
    allidx = np.arange(N)
    # LOPO, nested threshold by inner LOPO
    lopo_p, lopo_t = nested(fn, repos, pick_lopo)
    lopo_f = {r: f1(y[repos == r], lopo_p[repos == r], t) for r, t in lopo_t.items()}
    lopo_ts = list(lopo_t.values())
    lopo_nested = float(np.mean(list(lopo_f.values())))
    # 5-fold nested: inner 4-fold on train part
    k_p, k_t = nested(fn, folds5, pick_pool)
    k_ts = list(k_t.values())
    k_pred = np.zeros(N, dtype=int)
    for f, t in k_t.items():
        k_pred[folds5 == f] = k_p[folds5 == f] >= t
    k_nested = T.f1_parts(y, k_pred)[2]
    # non-nested (as today): LOPO threshold on pooled OOF LOPO preds
    t_old = pick_lopo(lopo_p, allidx)
    lopo_old = np.mean([f1(y[repos == r], lopo_p[repos == r], t_old) for r in sorted(set(ISSUES.repos))])
    k_old = f1(y, k_p, t_old)
    row = dict(
        name=name,
        lopo_nested=round(lopo_nested, 3),
        k5_nested=round(k_nested, 3),
        mean_nested=round((lopo_nested + k_nested) / 2, 3),
        lopo_t=t_old,
        lopo_old=round(float(lopo_old), 3),
        k5_at_lopo_t=round(float(k_old), 3),
        per_repo={r: round(v, 3) for r, v in lopo_f.items()},
        ts=lopo_ts + k_ts,
        secs=round(time.time() - t0),
    )
    print(json.dumps(row), flush=True)
    return row


_csv.field_size_limit(sys.maxsize)
with T.DEFAULT_DATA.open(newline="", encoding="utf-8") as _h:
    LAB = np.array([r["label"] for r in _csv.DictReader(_h)])


def lr3(Xtr, tr, Xte, C=1.0):
    m = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, tol=1e-6).fit(Xtr, LAB[tr])
    return m.predict_proba(Xte)[:, list(m.classes_).index("bug")]


def run3(mats, tr, te, **kw):
    Xtr, Xte = stack(mats)
    return lr3(Xtr, tr, Xte, **kw)


CANDS["word LR 3-class"] = lambda tr, te: run3(word_mats(tr, te), tr, te)
CANDS["word LR 3-class C=3"] = lambda tr, te: run3(word_mats(tr, te), tr, te, C=3.0)
CANDS["word+struct LR 3-class"] = lambda tr, te: run3(word_mats(tr, te) + struct_mats(tr, te, 0.5), tr, te)
CANDS["word LR title x1.5+struct"] = lambda tr, te: lr(
    *(lambda a: (a[0], y[tr], a[1]))(stack(word_mats(tr, te) + struct_mats(tr, te, 0.5), [1.5, 1, 1]))
)
if __name__ == "__main__":
    for n in sys.argv[1:]:
        evaluate(n, CANDS[n])
