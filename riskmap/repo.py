"""The user's code as evidence: which modules are handlers, domain or adapters, read from the code.

``scan_repo`` reads a Python repository with the ast module (it never imports or runs it) and
classifies each module by what the code does:

- **handler** (inbound): a Lambda handler signature ``def handler(event, context)``, web routes
  (FastAPI/Flask route decorators, Django views), CLI entry points (click, typer, argparse with
  ``__main__``) or queue consumers;
- **integration** (outbound): imports of infrastructure clients (boto3, botocore, requests, httpx,
  sqlalchemy, redis, psycopg, pymongo, kafka ...), or a class implementing one of the
  repository's Protocol/ABC ports;
- **domain**: ports (Protocol/ABC classes), models and entities, and the rest that the other
  modules import; a domain module that imports infrastructure is a layer violation.

An import-linter ``layers`` contract (``.importlinter``, ``setup.cfg`` or ``pyproject.toml``), or
a tach config's module layers (``tach.toml``), when present, decides over these signals.
``RepoMap.resolve`` finds the repository file behind a path from another machine (absolute CI
paths, Windows paths, dotted modules and Java packages) by the longest matching suffix.
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath

from riskmap.errors import UsageError
from riskmap.layers import (
    INFRASTRUCTURE,
    LAYER_ORDER,
    WORD_LAYER,
    conventional_layer,
    drop_source_roots,
    is_test_file,
    module_name,
)
from riskmap.models import Layer

#: Other source files indexed so that their stack frames resolve (their layer comes from their names).
OTHER_SOURCES = (".java", ".kt", ".scala", ".js", ".ts", ".go", ".rb", ".cs")
_ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "route", "api_route", "head", "options", "websocket"}
_CLI_DECORATORS = {"command", "group", "callback"}
_CONSUMER_NAMES = re.compile(r"^(?:consume|on_message|handle_message|process_record|worker)", re.I)
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist", ".tox", "site-packages"}
#: A folder with more modules than this, all of one layer, becomes one component of a starter config.
PACKAGE_MODULES = 6
_DOMAIN_NAMES = {"models", "model", "entities", "entity", "ports", "domain", "rules", "value_objects"}


@dataclass(slots=True)
class ModuleFacts:
    """What the ast says about one module."""

    path: str
    module: str
    imports: set[str] = field(default_factory=set)
    infrastructure: set[str] = field(default_factory=set)
    inbound: list[str] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    bases: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class RepoModule:
    """A module of the repository, its layer, and why."""

    path: str
    module: str
    layer: Layer
    why: str
    violation: str | None = None


@dataclass
class RepoMap:
    """The repository's modules by path, with a suffix index to resolve foreign paths."""

    root: str
    modules: dict[str, RepoModule]
    _by_name: dict[str, list[tuple[str, ...]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for path in self.modules:
            parts = tuple(PurePosixPath(path).parts)
            self._by_name.setdefault(parts[-1].lower(), []).append(parts)

    def resolve(self, reference: str) -> RepoModule | None:
        """The repository module a path, frame file or dotted name points to, by longest suffix.

        ``/home/runner/work/app/app/src/orders/handler.py``, ``C:\\\\build\\\\src\\\\orders\\\\handler.py``,
        ``src.orders.handler`` and ``com.acme.orders.Handler`` all find ``src/orders/handler.py``
        (or ``.../Handler.java``) when that is the only file ending in the most parts.
        """
        for parts in _candidate_parts(reference):
            found = self._by_name.get(parts[-1].lower())
            if not found:
                continue
            scored = sorted(((_common_suffix(parts, candidate), candidate) for candidate in found), reverse=True)
            best = scored[0][0]
            if best >= 1 and (len(scored) == 1 or scored[1][0] < best):
                return self.modules["/".join(scored[0][1])]
        return None


def _candidate_parts(reference: str) -> list[tuple[str, ...]]:
    text = reference.strip().replace("\\", "/")
    if "/" in text or re.search(r"\.(py|java|kt|js|ts)$", text):
        return [tuple(part for part in text.split("/") if part and part != ".")]
    dotted = text.split(".")  # a module or a Java class name
    suffixes = (".py", ".java", ".kt")
    return [(*dotted[:-1], dotted[-1] + suffix) for suffix in suffixes] + \
        [(*dotted[:-2], dotted[-2] + suffix) for suffix in suffixes if len(dotted) > 1]


def _common_suffix(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    count = 0
    for a, b in zip(reversed(left), reversed(right), strict=False):  # the shorter one ends the common suffix
        if a.lower() != b.lower():
            break
        count += 1
    return count


def scan_repo(root: Path) -> RepoMap:
    """Read every Python module under ``root`` and classify it."""
    if not root.is_dir():
        raise UsageError(f"--repo {root}: not a folder")
    facts: dict[str, ModuleFacts] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if relative.name == "__init__.py" and path.stat().st_size == 0:
            continue
        facts[relative.as_posix()] = _facts(path, relative)
    modules = classify(facts, _layer_contract(root))
    for path in sorted(p for suffix in OTHER_SOURCES for p in root.rglob(f"*{suffix}")):
        relative = path.relative_to(root)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        found = conventional_layer(relative.as_posix())
        layer, why = found if found else (Layer.unmapped, "no conventional layer name")
        modules[relative.as_posix()] = RepoModule(
            path=relative.as_posix(), module=".".join(relative.with_suffix("").parts),
            layer=layer, why=f"by its {why} (only Python code is read)")
    return RepoMap(root=str(root), modules=modules)


def _facts(path: Path, relative: PurePath) -> ModuleFacts:
    module = ".".join(relative.with_suffix("").parts)
    facts = ModuleFacts(path=relative.as_posix(), module=module)
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # nested too deeply for Python's parser too
        return facts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            facts.imports.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            facts.imports.add(node.module)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = [a.arg for a in node.args.args]
            if args[:2] == ["event", "context"]:
                facts.inbound.append(f"Lambda handler signature def {node.name}(event, context)")
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and target.attr in _ROUTE_METHODS:
                    facts.inbound.append(f"web route @{ast.unparse(target)} on {node.name}")
                elif isinstance(target, ast.Attribute) and target.attr in _CLI_DECORATORS:
                    facts.inbound.append(f"CLI entry point @{ast.unparse(target)} on {node.name}")
            if _CONSUMER_NAMES.match(node.name) and args[:1] in (["message"], ["record"], ["records"], ["msg"]):
                facts.inbound.append(f"queue consumer {node.name}({args[0]})")
        elif isinstance(node, ast.ClassDef):
            bases = {ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases}
            if bases & {"Protocol", "ABC"} or any(
                    isinstance(k.value, ast.Name) and k.value.id == "ABCMeta" for k in node.keywords):
                facts.ports.append(node.name)
            else:
                facts.bases |= bases
        elif isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and (
                {"argparse", "click", "typer"} & {name.split(".")[0] for name in facts.imports}):
            facts.inbound.append("command-line __main__ block")
    if relative.name == "views.py" and any(name.startswith("django") for name in facts.imports):
        facts.inbound.append("Django views")
    facts.infrastructure = {name.split(".")[0] for name in facts.imports} & INFRASTRUCTURE
    return facts


def classify(facts: dict[str, ModuleFacts], contract: dict[str, Layer] | None = None) -> dict[str, RepoModule]:
    """Each module's layer from its facts (an import-linter contract, when given, decides first)."""
    ports = {name for f in facts.values() for name in f.ports}
    modules = {}
    for path, f in facts.items():
        violation = None
        contracted = next((layer for prefix, layer in (contract or {}).items()
                           if f.module == prefix or f.module.startswith(prefix + ".")), None)
        implemented = sorted(f.bases & ports)
        names = set(PurePosixPath(path).with_suffix("").parts)
        if contracted is not None:
            layer, why = contracted, "the repository's layers contract (import-linter or tach)"
        elif f.inbound:
            layer, why = Layer.handler, f.inbound[0]
        elif PurePosixPath(path).name == "__main__.py":
            layer, why = Layer.handler, "the package's command-line entry point (__main__.py, run by python -m)"
        elif f.ports:
            layer, why = Layer.domain, f"defines the ports {', '.join(f.ports)}"
        elif names & _DOMAIN_NAMES and f.infrastructure:
            layer, why = Layer.domain, f"in a domain folder, though it imports {', '.join(sorted(f.infrastructure))}"
            violation = f"domain module imports infrastructure: {', '.join(sorted(f.infrastructure))}"
        elif f.infrastructure:
            layer, why = Layer.integration, f"imports {', '.join(sorted(f.infrastructure))}"
        elif implemented:
            layer, why = Layer.integration, f"implements the port {', '.join(implemented)}"
        else:
            layer, why = Layer.domain, "no infrastructure imports and no inbound entry point"
        if layer == Layer.domain and f.infrastructure and violation is None:
            violation = f"domain module imports infrastructure: {', '.join(sorted(f.infrastructure))}"
        modules[path] = RepoModule(path=path, module=f.module, layer=layer, why=why, violation=violation)
    return modules


def _layer_contract(root: Path) -> dict[str, Layer] | None:
    """An import-linter ``layers`` contract as module prefix -> layer (top layer = handler)."""
    layers: list[str] = []
    for name in (".importlinter", "setup.cfg"):
        path = root / name
        if path.is_file():
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue
            for section in parser.sections():
                if section.startswith("importlinter:contract") and parser[section].get("type") == "layers":
                    layers = [line.strip() for line in parser[section].get("layers", "").splitlines() if line.strip()]
    pyproject = root / "pyproject.toml"
    if not layers and pyproject.is_file():
        try:
            contracts = _dig(tomllib.loads(pyproject.read_text(encoding="utf-8")), "tool", "importlinter", "contracts")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            contracts = []
        found = next((c.get("layers") for c in _list(contracts) if isinstance(c, dict) and c.get("type") == "layers"),
                     None)
        layers = [str(layer) for layer in _list(found)]
    if not layers:
        return _tach_contract(root)
    contract = {}
    for position, entry in enumerate(layers):
        for name in (part.strip() for part in re.split(r"[|:]", entry) if part.strip()):
            contract[name] = _contract_role(name, position, len(layers))
    return contract


def _tach_contract(root: Path) -> dict[str, Layer] | None:
    """A tach config's modules with layers (``tach.toml``: ``layers = [...]``, ``[[modules]] path, layer``)."""
    path = root / "tach.toml"
    if not path.is_file():
        return None
    try:
        tach = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    layers = [str(layer) for layer in _list(tach.get("layers"))]
    contract = {}
    for module in _list(tach.get("modules")):
        if isinstance(module, dict) and module.get("path") and module.get("layer") in layers:
            name = module["layer"]
            role = _contract_role(name, layers.index(name), len(layers))
            contract[str(module["path"])] = role
    return contract or None


def _dig(value: object, *keys: str) -> object:
    """``value[k1][k2]...`` of a parsed config file, or None where a step is missing or not a table: the
    repository's own files may be shaped any way."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _list(value: object) -> list[object]:
    """A config value that should be a list, as one (anything else holds nothing)."""
    return value if isinstance(value, list) else []


def _contract_role(name: str, position: int, count: int) -> Layer:
    """A contract layer's role: by its name (entrypoints, adapters, domain ...), else the top one is
    the handlers and the rest domain."""
    for segment in reversed(name.split(".")):
        role = WORD_LAYER.get(segment.lower())
        if role is not None:
            return role
    return Layer.handler if position == 0 and count > 1 else Layer.domain


@dataclass(frozen=True, slots=True)
class StarterComponent:
    """One component of a starter config."""

    name: str
    layer: Layer
    paths: tuple[str, ...]
    why: str


#: Folders whose code is not production code: no starter component for them.
NOT_PRODUCTION = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "benchmark", "benchmarks",
                            "bench", "example", "examples", "docs", "doc", "samples", "sample", "scripts"})


def is_production(path: str) -> bool:
    """Whether a repository file is production code: not tests, benchmarks, examples, docs, scripts, conftest.py."""
    parts = path.split("/")
    return not (is_test_file(path) or parts[-1] == "conftest.py"
                or any(part.lower() in NOT_PRODUCTION for part in parts[:-1]))


def _from_source_root(path: str) -> str:
    """A repository path without its leading source roots (``src/pkg/x.py`` -> ``pkg/x.py``)."""
    return "/".join(drop_source_roots(path.split("/")))


def starter_components(repo_map: RepoMap) -> list[StarterComponent]:
    """One component per production module, or per folder where a large folder is all of one layer.

    A module's pattern matches its whole path from the source root, as whole segments
    (``re:(?:^|/)pkg/text\\.py$``: also where it is deployed), never a file whose name only ends the
    same (``context.py``); a module at the root matches by its name alone; a folder's pattern
    matches the files directly in it.
    """
    by_folder: dict[str, list[RepoModule]] = {}
    for module in repo_map.modules.values():
        if is_production(module.path):
            by_folder.setdefault(str(PurePosixPath(module.path).parent), []).append(module)
    components = []
    for folder, modules in sorted(by_folder.items()):
        layers = {m.layer for m in modules}
        if folder != "." and len(modules) > PACKAGE_MODULES and len(layers) == 1:
            reasons = sorted({m.why for m in modules})
            why = f"{len(modules)} modules: " + "; ".join(reasons[:2]) + ("; ..." if len(reasons) > 2 else "")
            pattern = f"re:(?:^|/){re.escape(_from_source_root(folder))}/[^/]+$"
            components.append(StarterComponent(module_name(folder + "/__init__.py").removesuffix(".__init__"),
                                               layers.pop(), (pattern,), why))
            continue
        for m in sorted(modules, key=lambda m: m.path):
            name = module_name(m.path).removesuffix(".__init__")
            if name == "__init__":  # the package at the repository's root
                name = PurePosixPath(repo_map.root).name or name
            relative = _from_source_root(m.path)
            globs = (f"re:(?:^|/){re.escape(relative)}$",) if "/" in relative else (relative,)
            components.append(StarterComponent(name, m.layer, globs, m.why))
    return sorted(components, key=lambda c: (LAYER_ORDER[c.layer], c.name))
