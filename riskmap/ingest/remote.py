"""Inputs named by a URL (``s3://``, ``gs://``, ``abfs://``, ``memory://``, ``file://`` ...), read through fsspec.

A URL is read where it is read: in this process with the default engine, on a worker with the
Dask engine, so workers fetch from object storage themselves. The object is copied into a
temporary file of the same name (its suffix helps tell the format) and read as any file; its
records, what was skipped and any error then name the URL. ``file://`` URLs are read in place.
fsspec comes with ``riskmap[dask]``; a storage needs its own package (``s3fs``, ``gcsfs``, ``adlfs``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from riskmap.errors import InputError
from riskmap.models import FileResult

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: What to install when fsspec is missing.
FSSPEC_NEEDED = 'reading a URL needs fsspec: pip install "riskmap[dask]" (or pip install fsspec)'


def is_url(text: str) -> bool:
    """Whether an input names a URL (``scheme://...``) rather than a local file."""
    return bool(_URL.match(text))


def local_file(url: str) -> Path | None:
    """The local path of a ``file://`` URL; None for any other."""
    parsed = urlparse(url)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


@contextmanager
def fetched(url: str) -> Iterator[Path]:
    """The object at ``url`` as a local file (a temporary copy, removed after; a ``file://`` URL in place)."""
    local = local_file(url)
    if local is not None:
        if not local.is_file():
            raise InputError(url, "no such file")
        yield local
        return
    try:
        import fsspec
    except ImportError:
        raise InputError(url, FSSPEC_NEEDED) from None
    name = url.rstrip("/").rsplit("/", 1)[-1] or "input"
    with tempfile.TemporaryDirectory(prefix="riskmap-") as folder:
        target = Path(folder) / name
        try:
            with fsspec.open(url, "rb") as source, target.open("wb") as copy:
                shutil.copyfileobj(source, copy, 1 << 20)
        except FileNotFoundError:
            raise InputError(url, "no such object") from None
        except (ImportError, ValueError) as exc:  # no filesystem for the scheme, or its package is missing
            raise InputError(url, f"cannot read: {exc}") from None
        except OSError as exc:
            raise InputError(url, f"cannot read: {exc}") from None
        yield target


def relabelled(result: FileResult, local: str, url: str) -> FileResult:
    """A result read from the local copy ``local``, naming ``url`` instead wherever it named the copy."""
    result.summary.path = url
    if result.summary.error:
        result.summary.error = result.summary.error.replace(local, url)
    result.records = [replace(record, source=replace(record.source, path=url)) if record.source.path == local
                      else record for record in result.records]
    result.skipped = [replace(item, source=replace(item.source, path=url)) if item.source.path == local
                      else item for item in result.skipped]
    return result
