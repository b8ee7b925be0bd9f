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

#: The component of the evidence riskmap could not place (no rule, path, frame, component field or known name).
UNMAPPED = "(unmapped)"

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
#: Where code runs or is checked out: AWS Lambda and its layers; containers (/app, /srv, /usr/src/app,
#: /workspace, /code, PHP's /var/www/html); deterministic .NET builds (/_/); Replit (/home/runner/<repl>);
#: GitHub Actions (/home/runner/work/<repo>/<repo>, else /home/runner/work; Windows C:/a/<repo>/<repo> and
#: D:/a/..., container jobs /__w/<repo>/<repo>, /github/workspace); GitLab (/builds/<group>/<project>);
#: Jenkins (/var/lib/jenkins/workspace/<job>, /var/jenkins_home/workspace/<job>, C:/Jenkins/workspace/<job>,
#: and the older <home>/jobs/<job>/workspace);
#: Buildkite (/var/lib/buildkite-agent/builds/<agent>/<org>/<pipeline>); CircleCI (/home/circleci/project,
#: /root/project); Azure Pipelines (/home/vsts/work/1/s, D:/a/1/s, self-hosted <agent>/_work/1/s); last, a
#: developer's home (/Users/<name>, /home/<name>, and a folder of projects in it: code, src, projects, Visual
#: Studio's source/repos ...).
RUNTIME_ROOT = re.compile(
    r"^(?:[A-Za-z]:)?/(?:var/task|var/runtime|opt/python|opt/nodejs|app|usr/src/app|srv/app|srv|workspace"
    r"|github/workspace|home/runner/work/[^/]+/[^/]+|home/runner/[^/]+|__w/[^/]+/[^/]+|a/\d+/s"
    r"|a/[^/]+/[^/]+|var/www/html|var/www|_"
    r"|builds/[^/]+/[^/]+|var/lib/jenkins/workspace/[^/]+|var/jenkins_home/workspace/[^/]+"
    r"|jenkins/workspace/[^/]+|(?:var/lib/jenkins/|var/jenkins_home/|jenkins/)?jobs/[^/]+/workspace"
    r"|var/lib/buildkite-agent/builds/[^/]+/[^/]+/[^/]+"
    r"|buildkite/builds/[^/]+/[^/]+/[^/]+|home/circleci/project|root/project|home/vsts/work/\d+/s"
    r"|agent/_work/\d+/s|code"
    r"|(?:Users|home)/[^/]+(?:/(?:code|src|projects?|work|dev|git|repos|workspace|go/src|source/repos"
    r"|Documents/Visual Studio [^/]+/Projects|Documents))?)/",
    re.IGNORECASE,
)

#: Test code: test folders (and test-support packages whose name starts with ``test``: ``testsupport``,
#: ``testutil``, ``testdata``), ``test_x.py``, ``x_test.go``, ``XTest.java``/``XTests.cs`` (``Plot3DTests``,
#: ``X_Test`` too), ``TestX.java``, ``x.spec.ts``, and test helpers (``XTestCase``, ``XTestBase``, ``XTestUtils``,
#: ``AbstractTestX``).
_TEST_FILE = re.compile(r"(?:^|/)(?:tests?|__tests__|spec|specs|testing|test[a-z_]+)/|(?:^|/)test_[^/]+$"
                        r"|_(?:test|spec)\.\w+$|\w(?:Tests?|TestCase|TestBase|TestUtils?|TestHelpers?)\.\w+$"
                        r"|(?:^|/)(?:Abstract)?Tests?[A-Z]\w*\.\w+$|\.(?:test|spec)\.\w+$")
#: What a test file's name adds to the name of the code it tests.
_UNDER_TEST = (
    (re.compile(r"_?(?:Tests?|TestCase|Spec)(\.\w+)?$"), r"\1"),
    (re.compile(r"^Tests?(?=[A-Z])"), ""),
    (re.compile(r"^test_"), ""),
    (re.compile(r"_(?:test|spec)(\.\w+)?$"), r"\1"),
    (re.compile(r"\.(?:test|spec)(\.\w+)$"), r"\1"),
)
#: Folders that hold tests beside the code: dropped from the tested code's path.
_TEST_FOLDERS = frozenset({"test", "tests", "__tests__", "spec", "specs", "testing", "junit"})


@lru_cache(maxsize=8192)
def is_test_file(path: str) -> bool:
    """Whether a file is test code (``tests/``, ``test_x.py``, ``x_test.go``, ``XTest.java``, ``x.spec.ts`` ...).

    Cached: the same files recur in the stack traces of many records.
    """
    return _TEST_FILE.search(path.replace("\\", "/")) is not None


def code_under_test(path: str) -> str | None:
    """The file a test file tests, by the naming conventions: ``pkg/FooTest.java`` -> ``pkg/Foo.java``,
    ``tests/test_foo.py`` -> ``foo.py``, ``src/foo.spec.ts`` -> ``src/foo.ts``, ``FooTests.cs`` -> ``Foo.cs``;
    test folders are dropped (``src/test/java/pkg`` -> ``src/java/pkg``). None when the name is no test's name.
    """
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    for pattern, replacement in _UNDER_TEST:
        tested = pattern.sub(replacement, name)
        if tested != name and CODE_SUFFIXES.sub("", tested):
            folders = [p for p in parts[:-1] if p.lower() not in _TEST_FOLDERS]
            return "/".join([*folders, tested])
    return None


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
    return RUNTIME_ROOT.sub("", path.replace("\\", "/"), count=1)


def drop_source_roots(parts: list[str]) -> list[str]:
    """A path's parts without its leading source-root folders (``src``, ``lib`` ...), keeping the last."""
    start = 0
    while len(parts) - start > 1 and parts[start].lower() in SOURCE_ROOTS:
        start += 1
    return parts[start:]


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
    if parts and _DRIVE.match(parts[0] + "/"):  # a Windows drive is where, not what
        parts = parts[1:]
    if absolute:
        root = next((i for i, p in enumerate(parts[:-1]) if p.lower() in SOURCE_ROOTS), None)
        if root is not None:
            parts = parts[root + 1:]
    parts = drop_source_roots(parts)
    if parts:
        parts[-1] = CODE_SUFFIXES.sub("", parts[-1])
    return ".".join(parts) or path


@lru_cache(maxsize=65536)
def file_stem(path: str) -> str:
    """A file's name without folders and code suffix, lower-case (``src/Orders/Handler.java`` -> ``handler``)."""
    return CODE_SUFFIXES.sub("", PurePosixPath(path.replace("\\", "/")).name).lower()
