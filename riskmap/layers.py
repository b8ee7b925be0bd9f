"""The layer vocabulary: the names that mark each hexagonal layer, infrastructure packages, and code paths."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath

from riskmap.models import Layer

#: Conventional names of each layer, matched against path segments and file-stem words.
LAYER_WORDS: dict[Layer, tuple[str, ...]] = {
    Layer.handler: (
        "handler", "handlers", "api", "routes", "views", "controller", "controllers",
        "lambda_function", "app", "main", "cli", "entrypoints",
    ),
    Layer.domain: (
        "domain", "service", "services", "logic", "rules", "models", "entities", "core",
        "use_cases", "usecases", "ports",
    ),
    Layer.integration: (
        "integration", "integrations", "adapter", "adapters", "repository", "repositories",
        "infra", "infrastructure", "client", "clients", "gateway", "gateways", "db", "dynamodb",
        "eventbridge", "sqs", "sns", "s3",
    ),
}
WORD_LAYER = {word: layer for layer, words in LAYER_WORDS.items() for word in words}

#: The layers in the order reports list them: handler, domain, integration, unmapped.
LAYER_ORDER: dict[Layer, int] = {layer: index for index, layer in enumerate(Layer)}

#: Top-level packages of infrastructure clients: importing one makes a module an outbound adapter,
#: and domain code calling one directly is a layer violation.
INFRASTRUCTURE = frozenset({
    "boto3", "botocore", "aioboto3", "requests", "httpx", "aiohttp", "urllib3", "sqlalchemy", "redis",
    "psycopg", "psycopg2", "pymongo", "motor", "kafka", "confluent_kafka", "aiokafka", "pika", "elasticsearch",
    "opensearchpy", "google", "azure", "smtplib", "pynamodb", "sqlite3", "mysql", "pymysql", "asyncpg",
})
_INFRA_IN_PATH = re.compile(r"(?:^|/)(" + "|".join(sorted(INFRASTRUCTURE)) + r")(?:/|\.py$)")

#: Leading folders that hold code rather than name it.
SOURCE_ROOTS = frozenset({"src", "lib", "python", "source", "."})
#: The suffixes of source files, stripped from a file name to give its module or stem.
CODE_SUFFIXES = re.compile(r"\.(py|pyi|js|jsx|ts|tsx|go|java|kt|rb|cs|php|rs|scala|swift)$", re.I)

_DRIVE = re.compile(r"^[A-Za-z]:/")
#: Where code runs or is checked out: AWS Lambda, containers, GitHub Actions, GitLab CI, Jenkins.
RUNTIME_ROOT = re.compile(
    r"^(?:[A-Za-z]:)?/(?:var/task|var/runtime|opt/python|app|usr/src/app|srv/app|workspace|github/workspace"
    r"|home/runner/work/[^/]+/[^/]+|builds/[^/]+/[^/]+|var/lib/jenkins/workspace/[^/]+|code)/"
)


def called_infrastructure(file: str) -> str | None:
    """The infrastructure package a (library) frame's file belongs to, if any."""
    found = _INFRA_IN_PATH.search(file.replace("\\", "/"))
    return found.group(1) if found else None


def conventional_layer(path: str) -> tuple[Layer, str] | None:
    """The layer a path's conventional names suggest, and which name suggested it.

    The file stem's words are read right to left (``task_service_client`` is a client), then the
    folders from the innermost out; ``lambda_function`` and ``use_cases`` count as one word.
    """
    return _conventional_layer(path.replace("\\", "/"))


@lru_cache(maxsize=8192)
def _conventional_layer(path: str) -> tuple[Layer, str] | None:
    pure = PurePosixPath(path)
    stem = CODE_SUFFIXES.sub("", pure.name).lower()
    words = re.split(r"[_\-.]", stem)
    for start in range(len(words) - 1, -1, -1):
        for word in (words[start], "_".join(words[start:])):
            if word in WORD_LAYER:
                return WORD_LAYER[word], f"file name '{pure.name}'"
    for folder in reversed(pure.parts[:-1]):
        word = folder.lower()
        if word in WORD_LAYER:
            return WORD_LAYER[word], f"folder '{folder}'"
    return None


def strip_runtime_root(path: str) -> str:
    """A forward-slash path without where it was deployed or checked out (``/var/task/``, a CI workspace ...)."""
    return RUNTIME_ROOT.sub("", path.replace("\\", "/"))


@lru_cache(maxsize=65536)
def module_name(path: str) -> str:
    """A component name for a file: its module path without the source root (``domain.rules``).

    Where code was deployed or checked out is no part of the name: an absolute path loses a
    runtime or CI root (``/var/task/``, ``/home/runner/work/<repo>/<repo>/``, ``/app/`` ...) and
    everything up to its first source root folder (``src``, ``lib`` ...).
    """
    text = path.replace("\\", "/")
    absolute = text.startswith("/") or _DRIVE.match(text) is not None
    parts = [p for p in PurePosixPath(strip_runtime_root(text)).parts if p not in ("/", "")]
    if absolute:
        root = next((i for i, p in enumerate(parts[:-1]) if p.lower() in SOURCE_ROOTS), None)
        if root is not None:
            parts = parts[root + 1:]
    while len(parts) > 1 and parts[0].lower() in SOURCE_ROOTS:
        parts.pop(0)
    if parts:
        parts[-1] = CODE_SUFFIXES.sub("", parts[-1])
    return ".".join(parts) or path


@lru_cache(maxsize=65536)
def file_stem(path: str) -> str:
    """A file's name without folders and code suffix, lower-case (``src/Orders/Handler.java`` -> ``handler``)."""
    return CODE_SUFFIXES.sub("", PurePosixPath(path.replace("\\", "/")).name).lower()
