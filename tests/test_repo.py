"""Reading the user's code: layers from what modules do, foreign paths resolved, riskmap init."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from helpers import DATA

from riskmap.ingest.fields import stack_frames
from riskmap.models import Layer
from riskmap.repo import scan_repo

REPO = DATA / "hexrepo"
BUGS = DATA / "hexrepo_bugs.json"


def test_layers_come_from_the_code():
    modules = scan_repo(REPO).modules
    layers = {path: m.layer for path, m in modules.items()}
    assert layers == {
        "services/tasks/handler.py": Layer.handler,
        "services/tasks/domain/ports.py": Layer.domain,
        "services/tasks/domain/reminders.py": Layer.domain,
        "services/tasks/domain/rules.py": Layer.domain,
        "services/tasks/domain/task_service.py": Layer.domain,
        "services/tasks/models/task.py": Layer.domain,
        "shared/integration/dynamodb_adapter.py": Layer.integration,
        "shared/integration/eventbridge_adapter.py": Layer.integration,
        "shared/integration/notification_adapter.py": Layer.integration,
    }
    assert modules["services/tasks/handler.py"].why == "Lambda handler signature def handler(event, context)"
    assert modules["shared/integration/notification_adapter.py"].why == "imports requests"
    assert [p for p, m in modules.items() if m.violation] == ["services/tasks/domain/reminders.py"]


def test_routes_cli_ports_and_implementations(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "web.py").write_text(
        "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/x')\ndef x():\n    pass\n")
    (tmp_path / "app" / "tool.py").write_text("import click\n@click.command()\ndef main():\n    pass\n")
    (tmp_path / "app" / "ports.py").write_text("from abc import ABC\nclass Store(ABC):\n    pass\n")
    (tmp_path / "app" / "memory.py").write_text("from app.ports import Store\nclass MemoryStore(Store):\n    pass\n")
    (tmp_path / "app" / "broken.py").write_text("def (:\n")
    (tmp_path / "app" / "__main__.py").write_text("from app.tool import main\nmain()\n")
    modules = scan_repo(tmp_path).modules
    assert modules["app/__main__.py"].layer == Layer.handler  # what `python -m app` runs
    assert modules["app/web.py"].why == "web route @app.get on x"
    assert modules["app/tool.py"].layer == Layer.handler and "CLI entry point" in modules["app/tool.py"].why
    assert modules["app/ports.py"].layer == Layer.domain
    assert (modules["app/memory.py"].layer, modules["app/memory.py"].why) == (
        Layer.integration, "implements the port Store")
    assert modules["app/broken.py"].layer == Layer.domain  # unreadable code is no crash


def test_an_import_linter_layers_contract_decides(tmp_path):
    for package in ("entrypoints", "adapters", "core"):
        (tmp_path / "shop" / package).mkdir(parents=True)
        (tmp_path / "shop" / package / "thing.py").write_text("x = 1\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = shop\n\n[importlinter:contract:layers]\nname = layers\ntype = layers\n"
        "layers =\n    shop.entrypoints\n    shop.adapters\n    shop.core\n")
    modules = scan_repo(tmp_path).modules
    assert [modules[f"shop/{p}/thing.py"].layer for p in ("entrypoints", "adapters", "core")] == [
        Layer.handler, Layer.integration, Layer.domain]
    assert modules["shop/core/thing.py"].why == "the repository's layers contract (import-linter or tach)"


def test_a_tach_config_decides(tmp_path):
    for package in ("api", "data", "core"):
        (tmp_path / "shop" / package).mkdir(parents=True)
        (tmp_path / "shop" / package / "thing.py").write_text("x = 1\n")
    (tmp_path / "tach.toml").write_text(
        'layers = ["ui", "logic", "adapters"]\n[[modules]]\npath = "shop.api"\nlayer = "ui"\n'
        '[[modules]]\npath = "shop.core"\nlayer = "logic"\n[[modules]]\npath = "shop.data"\nlayer = "adapters"\n')
    modules = scan_repo(tmp_path).modules
    assert [modules[f"shop/{p}/thing.py"].layer for p in ("api", "core", "data")] == [
        Layer.handler, Layer.domain, Layer.integration]


@pytest.mark.parametrize("reference", [
    "/home/runner/work/tasks/tasks/services/tasks/handler.py",
    "C:\\build\\agent\\services\\tasks\\handler.py",
    "services.tasks.handler",
    "./services/tasks/handler.py",
])
def test_foreign_paths_resolve_by_longest_suffix(reference):
    assert scan_repo(REPO).resolve(reference).path == "services/tasks/handler.py"


def test_library_and_ambiguous_paths_do_not_resolve(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "handler.py").write_text("x = 1\n")
    repo = scan_repo(tmp_path)
    assert repo.resolve("/usr/lib/python3/site-packages/boto3/session.py") is None
    assert repo.resolve("/ci/handler.py") is None  # a/handler.py or b/handler.py: no longest suffix
    assert repo.resolve("/ci/b/handler.py").path == "b/handler.py"


def test_stack_traces_from_the_corpus_test_reports_resolve(corpus, tmp_path):
    java = (corpus / "junit/mikepenz-action-junit-report/test_results/multiple_failures/test_multiple_failures.xml")
    python = corpus / "junit/rwx-captain/unittest.xml"
    (tmp_path / "src/test/java/com/example").mkdir(parents=True)
    (tmp_path / "src/test/java/com/example/MultipleFailuresTest.java").write_text("class MultipleFailuresTest {}\n")
    (tmp_path / "unittest").mkdir()
    (tmp_path / "unittest/test.py").write_text("x = 1\n")
    repo = scan_repo(tmp_path)
    java_frames = stack_frames(java.read_text(encoding="utf-8"))
    assert java_frames and all(repo.resolve(f.file).path == "src/test/java/com/example/MultipleFailuresTest.java"
                               for f in java_frames if f.in_app)
    python_frames = stack_frames(python.read_text(encoding="utf-8"))
    assert python_frames[0].file == "/Users/tommygraves/code/unittest/test.py"
    assert repo.resolve(python_frames[0].file).path == "unittest/test.py"


def test_analyze_with_repo_places_tracebacks_from_other_machines(cli, tmp_path):
    """The acceptance case: absolute paths from CI and Lambda land in the layers the code shows."""
    result = cli("analyze", BUGS, "--repo", REPO, "--out", tmp_path, "-q")
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    placed = {r["id"]: (r["component"], r["layer"]) for r in report["records"]}
    assert placed == {
        "HX-1": ("services.tasks.handler", "handler"),
        "HX-2": ("shared.integration.dynamodb_adapter", "integration"),
        "HX-3": ("services.tasks.domain.rules", "domain"),
        "HX-4": ("services.tasks.domain.reminders", "domain"),
    }
    hx2 = next(r for r in report["records"] if r["id"] == "HX-2")
    assert hx2["evidence"].startswith("deepest in-app frame /var/task/shared/integration/dynamodb_adapter.py is "
                                      "shared/integration/dynamodb_adapter.py")
    violations = {(v["kind"], v["component"]): v["record_ids"] for v in report["layer_violations"]}
    assert violations == {("import", "services.tasks.domain.reminders"): [],
                          ("call", "services.tasks.domain.reminders"): ["HX-4"]}
    assert "## Layer violations" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_init_writes_a_starter_config_and_never_overwrites(cli, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    (repo / "pyproject.toml").write_text('[project]\nname = "tasks"\n', encoding="utf-8")
    result = cli("init", "--repo", repo)
    assert result.code == 0 and "wrote 9 components" in result.stdout
    text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)
    assert config["project"]["name"] == "tasks"
    components = {c["name"]: c for c in config["tool"]["riskmap"]["components"]}
    assert components["services.tasks.handler"]["layer"] == "handler"
    assert components["shared.integration.dynamodb_adapter"]["layer"] == "integration"
    assert re.search(r"^# handler: Lambda handler signature def handler\(event, context\)$", text, re.M)
    again = cli("init", "--repo", repo)
    assert again.code == 2 and "use --force" in again.stderr
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == text
    assert cli("init", "--repo", repo, "--force", "-q").code == 0
    assert (tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["riskmap"]
            == config["tool"]["riskmap"])


@pytest.mark.parametrize(("name", "content"), [
    ("pyproject.toml", b"tool = 5\n"),
    ("pyproject.toml", b"[tool.importlinter]\ncontracts = 5\n"),
    ("pyproject.toml", b'[[tool.importlinter.contracts]]\ntype = "layers"\nlayers = "app"\n'),
    ("tach.toml", b'layers = 5\nmodules = "app"\n'),
    ("setup.cfg", b"[importlinter:contract:one]\ntype = layers\nlayers = 100%\n"),
    (".importlinter", b"[importlinter]\nroot = caf\xe9\n"),
])
def test_a_repository_read_as_it_is_whatever_its_config_files_hold(cli, tmp_path, name, content):
    """The repository is the user's: config files of any shape and modules Python itself cannot parse (nested
    too deeply, a NUL byte) are read as far as they go, never a traceback."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    (repo / name).write_bytes(content)
    (repo / "deep.py").write_text("x = 1" + " + 1" * 100_000 + "\n", encoding="utf-8")  # RecursionError in ast
    (repo / "nul.py").write_bytes(b"x = 1\x00\n")
    result = cli("init", "--repo", repo, "--output", tmp_path / "riskmap.toml")
    assert result.code == 0 and "Traceback" not in result.stderr, result.stderr
    assert "wrote 11 components" in result.stdout


def test_init_refuses_a_config_file_it_cannot_read_as_utf8(cli, tmp_path):
    target = tmp_path / "pyproject.toml"
    target.write_bytes(b'[project]\nname = "caf\xe9"\n')
    result = cli("init", "--repo", REPO, "--output", target)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"riskmap: error: {target}: not UTF-8 at byte 21;")
    assert target.read_bytes() == b'[project]\nname = "caf\xe9"\n'


def test_the_starter_config_places_records_without_the_repo(cli, tmp_path):
    target = tmp_path / "riskmap.toml"
    assert cli("init", "--repo", REPO, "--output", target, "-q").code == 0
    result = cli("analyze", BUGS, "--config", target, "--out", tmp_path / "out", "-q")
    assert result.code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["layer"] for r in report["records"]} == {
        "HX-1": "handler", "HX-2": "integration", "HX-3": "domain", "HX-4": "domain"}


def _layouts(tmp_path: Path) -> list[Path]:
    """Three repositories of different layouts: our hexagonal one with tests and benchmarks beside it,
    and installed packages copied as a flat package and as a ``src/`` layout."""
    ours = tmp_path / "hex"
    shutil.copytree(REPO, ours)
    (ours / "tests").mkdir()
    (ours / "tests" / "test_handler.py").write_text("def test_x():\n    assert True\n", encoding="utf-8")
    (ours / "benchmarks").mkdir()
    (ours / "benchmarks" / "bench_rules.py").write_text("print(1)\n", encoding="utf-8")
    layouts = [ours]
    for name, shape in (("rich", "flat"), ("jinja2", "src")):
        package = pytest.importorskip(name)
        source = Path(package.__file__).parent
        target = tmp_path / shape / ("src/" + name if shape == "src" else "")
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        layouts.append(tmp_path / shape)
    return layouts


def test_init_globs_match_whole_segments_and_only_their_own_files(cli, tmp_path):
    for repo in _layouts(tmp_path):
        target = tmp_path / f"{repo.name}.toml"
        assert cli("init", "--repo", repo, "--output", target, "-q").code == 0
        components = tomllib.loads(target.read_text(encoding="utf-8"))["tool"]["riskmap"]["components"]
        files = [p.relative_to(repo).as_posix() for p in repo.rglob("*.py")]
        owners: dict[str, set[str]] = {}
        for component in components:
            assert not re.search(r"(^|\.)(tests?|benchmarks?|examples?|docs?)(\.|$)", component["name"]), component
            assert component["name"] != "__init__"
            matched = set()
            for pattern in component["paths"]:
                regex = (re.compile(pattern[3:], re.I) if pattern.startswith("re:")
                         else re.compile(fnmatch.translate(pattern), re.I))
                hits = {f for f in files if (regex.search(f) if pattern.startswith("re:") else regex.match(f))}
                assert hits, f"{repo.name}: {pattern} matches no file"
                matched |= hits
            for file in matched:
                owners.setdefault(file, set()).add(component["name"])
        shared = {file: names for file, names in owners.items() if len(names) > 1}
        assert not shared, f"{repo.name}: files matched by several components: {shared}"
        assert not any(f.startswith(("tests/", "benchmarks/")) for f in owners)
