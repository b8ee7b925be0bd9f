"""The run history: an embedded SQLite file that every ``riskmap analyze --history FILE`` appends to.

One run is one row of ``runs`` (when it was recorded, its as-of, git commit and CI metadata, its
totals), its components' scores and its records' identities with their change. The file uses
WAL mode and a busy timeout, and each run is written in one ``BEGIN IMMEDIATE`` transaction, so
two CI jobs writing one history at once both land. A ``riskmap_schema`` table holds the schema
version; MIGRATIONS bring an older file up to date. A file that is not a riskmap history (another
SQLite database, or not SQLite at all), or a damaged one (every value is checked as it is read back,
and before a run is appended), is refused by name and never written to.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter

from riskmap.errors import UsageError

#: The schema version this riskmap writes; MIGRATIONS[v] takes a file from version v to v + 1.
SCHEMA_VERSION = 1
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recorded_at TEXT NOT NULL,
        as_of TEXT,
        git_commit TEXT,
        ci TEXT NOT NULL,
        baseline TEXT,
        total REAL NOT NULL,
        records INTEGER NOT NULL,
        open INTEGER NOT NULL,
        by_tier TEXT NOT NULL,
        new INTEGER,
        fixed INTEGER,
        regressed INTEGER
    );
    CREATE TABLE component_scores (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        component TEXT NOT NULL,
        layer TEXT NOT NULL,
        score REAL NOT NULL,
        tier TEXT NOT NULL,
        PRIMARY KEY (run_id, component)
    );
    CREATE TABLE run_records (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        identity TEXT NOT NULL,
        record_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        change TEXT
    );
    CREATE INDEX run_records_identity ON run_records(identity);
    """,
)
#: How long a run waits for another one writing the same file, in milliseconds.
BUSY_TIMEOUT_MS = 60_000
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class ComponentScore:
    """A component's score and tier in one run."""

    name: str
    layer: str
    score: float
    tier: str


@dataclass(frozen=True, slots=True)
class RecordSeen:
    """A record's identity, id, severity, status and change in one run."""

    identity: str
    id: str
    severity: str
    status: str
    change: str | None


@dataclass(frozen=True, slots=True)
class Run:
    """One run as the history keeps it (``id`` and ``recorded_at`` are set by the history)."""

    as_of: str | None
    commit: str | None
    ci: dict[str, str]
    baseline: str | None
    total: float
    records: int
    open: int
    by_tier: dict[str, int]
    new: int | None = None
    fixed: int | None = None
    regressed: int | None = None
    id: int = 0
    recorded_at: str = ""
    components: tuple[ComponentScore, ...] = field(default=(), repr=False)


_RUN, _SCORE = TypeAdapter(Run), TypeAdapter(ComponentScore)


class NotAHistory(UsageError):
    """The file given as a history is something else; riskmap leaves it untouched."""


#: Why a history whose text SQLite cannot hand back as UTF-8 (a damaged page, which SQLite does not see) is refused.
_NOT_UTF8 = "damaged: it holds text that is not UTF-8"
#: Why a history that hands back a value of the wrong type (a damaged page) is refused.
_DAMAGED = "damaged: a value of the wrong type"


def _refuse(path: Path, why: str) -> NotAHistory:
    return NotAHistory(f"--history {path}: not a riskmap history ({why}); riskmap left it untouched")


def check_file(path: Path) -> None:
    """Refuse a path that holds something other than a SQLite file (an empty file is a new history)."""
    if path.is_dir():
        raise _refuse(path, "it is a folder")
    if path.exists() and path.stat().st_size:
        try:
            with path.open("rb") as handle:
                head = handle.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise UsageError(f"--history {path}: cannot read: {exc.strerror}") from None
        if head != _SQLITE_MAGIC:
            raise _refuse(path, "not a SQLite database")


def _version(connection: sqlite3.Connection, path: Path) -> int:
    """The file's schema version: 0 for an empty database; refused when it holds other tables."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    if "riskmap_schema" not in tables:
        raise _refuse(path, "a SQLite database without riskmap's tables: " + ", ".join(sorted(tables)[:5]))
    row = connection.execute("SELECT version FROM riskmap_schema").fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise UsageError(f"--history {path}: written by a newer riskmap (schema {version}, this one reads "
                         f"up to {SCHEMA_VERSION}); upgrade riskmap")
    return version


@contextmanager
def _connect(path: Path, write: bool) -> Iterator[sqlite3.Connection]:
    check_file(path)
    if not write and not path.exists():
        raise UsageError(f"{path}: no such history")
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise UsageError(f"--history {path}: cannot open: {exc}") from None
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        yield connection
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise _refuse(path, str(exc)) from None
        if "decode to UTF-8" in str(exc):
            raise _refuse(path, _NOT_UTF8) from None
        raise UsageError(f"--history {path}: {exc}") from None
    except UnicodeDecodeError:  # the table names are not UTF-8 (SQLite hands back a damaged page unchecked)
        raise _refuse(path, _NOT_UTF8) from None
    finally:
        connection.close()


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the file to SCHEMA_VERSION inside the caller's transaction, and turn on WAL mode."""
    version = _version(connection, path)
    if version == 0:
        connection.execute("CREATE TABLE riskmap_schema (version INTEGER NOT NULL)")
        connection.execute("INSERT INTO riskmap_schema VALUES (0)")
    for step in range(version, SCHEMA_VERSION):
        for statement in filter(str.strip, MIGRATIONS[step].split(";")):
            connection.execute(statement)
        connection.execute("UPDATE riskmap_schema SET version = ?", (step + 1,))


def append_run(path: Path, run: Run, records: Sequence[RecordSeen], recorded_at: str) -> int:
    """Append one run, its component scores and records in one transaction; return its id."""
    with _connect(path, write=True) as connection:
        # checked before anything is written: a foreign or damaged database must stay as it was, journal mode and all
        if _version(connection, path):
            _runs(connection, path, None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            _migrate(connection, path)
            cursor = connection.execute(
                "INSERT INTO runs (recorded_at, as_of, git_commit, ci, baseline, total, records, open, by_tier,"
                " new, fixed, regressed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (recorded_at, run.as_of, run.commit, json.dumps(run.ci, sort_keys=True), run.baseline, run.total,
                 run.records, run.open, json.dumps(run.by_tier), run.new, run.fixed, run.regressed),
            )
            run_id = int(cursor.lastrowid or 0)
            connection.executemany(
                "INSERT INTO component_scores VALUES (?, ?, ?, ?, ?)",
                [(run_id, c.name, c.layer, c.score, c.tier) for c in run.components],
            )
            connection.executemany(
                "INSERT INTO run_records VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, r.identity, r.id, r.severity, r.status, r.change) for r in records],
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return run_id


def read_runs(path: Path, components: Sequence[str] | None = None) -> list[Run]:
    """Every run in the history, oldest first, with the scores of the named components (all when None)."""
    with _connect(path, write=False) as connection:
        return _runs(connection, path, components) if _version(connection, path) else []


def _runs(connection: sqlite3.Connection, path: Path, components: Sequence[str] | None) -> list[Run]:
    """``read_runs`` on an open history of riskmap's tables."""
    scores: dict[int, list[ComponentScore]] = {}
    named = "" if components is None else f" WHERE component IN ({', '.join('?' * len(components))})"
    query = ("SELECT run_id, component, layer, score, tier FROM component_scores"
             f"{named} ORDER BY run_id, score DESC, component")
    rows = connection.execute(query, tuple(components or ())) if components is None or components else ()
    runs = connection.execute(
        "SELECT id, recorded_at, as_of, git_commit, ci, baseline, total, records, open, by_tier, new, fixed,"
        " regressed FROM runs ORDER BY id"
    )
    # Every value is checked as it is read back: a damaged page can hand back any type (a null, a number
    # for a text), and the history is refused rather than such a value reaching the reports.
    try:
        for run_id, name, layer, score, tier in rows:
            scores.setdefault(run_id, []).append(_SCORE.validate_python(
                {"name": name, "layer": layer, "score": score, "tier": tier}))
        return [
            _RUN.validate_python({
                "as_of": row[2], "commit": row[3], "ci": json.loads(row[4]), "baseline": row[5], "total": row[6],
                "records": row[7], "open": row[8], "by_tier": json.loads(row[9]), "new": row[10],
                "fixed": row[11], "regressed": row[12], "id": row[0], "recorded_at": row[1],
                "components": tuple(scores.get(row[0], ())),
            })
            for row in runs
        ]
    except (TypeError, ValueError):  # ValueError: JSON, and pydantic's ValidationError
        raise _refuse(path, _DAMAGED) from None
