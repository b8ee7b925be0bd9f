"""Renderers: turn report data into files. They decide nothing; the analysis did."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from riskmap.errors import OutputError

_PACKAGED = Path(__file__).resolve().parent.parent / "templates"
_CHECKOUT = Path(__file__).resolve().parent.parent.parent / "templates"
TEMPLATES_DIR = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def template_environment(user_dir: Path | None, **options) -> Environment:
    """A jinja2 environment over the user's templates (if any) and then riskmap's own."""
    loaders = [FileSystemLoader(str(user_dir))] if user_dir else []
    loaders.append(FileSystemLoader(str(TEMPLATES_DIR)))
    return Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )


def write_bytes(target: str | Path, data: bytes) -> None:
    """Write a file atomically (a temporary file, then a rename); ``-`` writes to stdout."""
    if str(target) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
