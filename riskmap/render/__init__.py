"""Renderers: turn report data into files. They decide nothing; the analysis did."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError

from riskmap.errors import OutputError, UsageError
from riskmap.text import plural

_PACKAGED = Path(__file__).resolve().parent.parent / "templates"
_CHECKOUT = Path(__file__).resolve().parent.parent.parent / "templates"
TEMPLATES_DIR = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class Renderer(Protocol):
    """A report format: the file it is written to, and the bytes of a report in it."""

    filename: str

    def render(self, report: dict[str, Any]) -> bytes:
        """The report data (from ``render.data.build_report``) as the file's content."""
        ...


def template_environment(user_dir: Path | None, **options: Any) -> Environment:
    """A jinja2 environment over the user's templates (if any) and then riskmap's own.

    Templates get a ``plural`` filter: ``{{ n|plural("record") }}`` is ``1 record``, ``2 records``.
    """
    loaders = [FileSystemLoader(str(user_dir))] if user_dir else []
    loaders.append(FileSystemLoader(str(TEMPLATES_DIR)))
    environment = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
    environment.filters["plural"] = plural
    return environment


@contextmanager
def user_template_errors(user_dir: Path | None) -> Iterator[None]:
    """A mistake in one of the user's templates (``--templates``) as a one-line error naming the template and
    its line, not a traceback: a syntax error, an unknown name or filter, a missing include, an expression
    that fails, a file that is not UTF-8. riskmap's own templates are not the user's to fix: their errors pass."""
    try:
        yield
    except UnicodeDecodeError as exc:  # riskmap's own templates are UTF-8
        if user_dir is None:
            raise
        raise UsageError(f"--templates {user_dir}: a template is not UTF-8 (byte {exc.start})") from None
    except Exception as exc:
        where = _user_template_line(exc, user_dir) if user_dir is not None else None
        if where is None:
            raise
        message = exc.message if isinstance(exc, TemplateSyntaxError) and exc.message else str(exc)
        raise UsageError(f"--templates {user_dir}: {where}: {type(exc).__name__}: {message}") from None


def _user_template_line(exc: Exception, user_dir: Path) -> str | None:
    """``report.md.j2, line 3``: the user's template and line an error comes from (jinja2 puts the template's
    file and line in the traceback), or None when it comes from elsewhere."""
    root = os.path.realpath(user_dir)
    places = [(exc.filename, exc.lineno)] if isinstance(exc, TemplateSyntaxError) and exc.filename else []
    trace = exc.__traceback__
    while trace is not None:
        places.append((trace.tb_frame.f_code.co_filename, trace.tb_lineno))
        trace = trace.tb_next
    for filename, line in reversed(places):  # the innermost first: an include's own line
        real = os.path.realpath(filename)
        if real.startswith(root + os.sep):
            return f"{os.path.relpath(real, root)}, line {line}"
    return None


def rendered(renderer: Renderer, report: dict[str, Any]) -> bytes | Iterable[bytes]:
    """What ``renderer`` makes of the report: its bytes, or the same bytes in parts from a renderer that can
    write them a part at a time (a ``chunks`` method; report.json's records), for :func:`write_bytes`."""
    chunks = getattr(renderer, "chunks", None)
    return chunks(report) if chunks is not None else renderer.render(report)


def write_bytes(target: str | Path, data: bytes | Iterable[bytes]) -> None:
    """Write a file atomically (a temporary file, then a rename); ``-`` writes to stdout. ``data`` is the
    content, or its parts in order."""
    parts = [data] if isinstance(data, bytes) else data
    if str(target) == "-":
        for part in parts:
            sys.stdout.buffer.write(part)
        sys.stdout.flush()
        return
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                for part in parts:  # parts made while writing: a renderer's error leaves no temporary file
                    handle.write(part)
            os.chmod(temporary, 0o666 & ~_UMASK)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
