"""Configuration: field names, component rules and weights from riskmap.toml or pyproject.toml."""

from __future__ import annotations

import json

import pytest
from helpers import DATA

EXPORT = [
    {"ticket": "T-1", "headline": "Orders vanish after checkout", "sev_level": "Sev 1", "where": "svc/orders/store.py",
     "opened_on": "2026-10-01T00:00:00Z"},
    {"ticket": "T-2", "headline": "Login page slow", "sev_level": "minor", "where": "web/login.py",
     "opened_on": "2026-10-02T00:00:00Z"},
]

CONFIG = """
[tool.riskmap.fields]
id = "ticket"
title = ["headline"]
severity = "sev_level"
path = "where"
created_at = "opened_on"

[[tool.riskmap.components]]
name = "orders"
layer = "integration"
paths = ["svc/orders/*"]

[tool.riskmap.weights]
severity = { critical = 100.0, high = 5.0, medium = 2.0, low = 1.0, info = 0.0 }

[tool.riskmap.tiers]
critical = 50.0
"""


def test_fields_rules_and_weights_from_a_config_file(cli, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    config = tmp_path / "riskmap.toml"
    config.write_text(CONFIG, encoding="utf-8")
    out = tmp_path / "out"
    assert cli("analyze", export, "--out", out, "-q", "--config", config, "--as-of", "2026-10-01").code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["config"] == str(config)
    orders = report["components"][0]  # critical 100 x status unknown 0.75 x recency 1.0
    assert (orders["name"], orders["layer"], orders["tier"], orders["score"]) == (
        "orders", "integration", "critical", 75.0)
    assert orders["record_ids"] == ["T-1"]
    login = report["components"][1]
    assert (login["name"], login["layer"]) == ("web.login", "unmapped")


def test_pyproject_in_the_working_folder_is_found(cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n' + CONFIG, encoding="utf-8")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    result = cli("analyze", "export.json", "--out", "out", "-q", cwd=tmp_path)
    assert result.code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["config"] == "pyproject.toml" or report["config"].endswith("pyproject.toml")
    assert report["components"][0]["name"] == "orders"


def test_a_pyproject_without_a_riskmap_section_is_ignored(cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n', encoding="utf-8")
    result = cli("analyze", DATA / "simple_20.json", "--out", "out", "-q", cwd=tmp_path)
    assert result.code == 0
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["config"] is None


def test_unknown_settings_are_refused_by_name(cli, tmp_path):
    config = tmp_path / "riskmap.toml"
    config.write_text("[tool.riskmap]\nweigths = {}\n", encoding="utf-8")
    result = cli("analyze", DATA / "simple_20.json", "--out", tmp_path, "--config", config)
    assert result.code == 2 and "weigths" in result.stderr


def test_a_bad_rule_regex_is_a_config_error(cli, tmp_path):
    config = tmp_path / "riskmap.toml"
    config.write_text('[[components]]\nname = "x"\nlayer = "domain"\npaths = ["re:("]\n', encoding="utf-8")
    result = cli("analyze", DATA / "simple_20.json", "--out", tmp_path, "--config", config)
    assert result.code == 2 and "re:(" in result.stderr and "Traceback" not in result.stderr


def test_templates_folder_overrides_the_markdown(cli, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.md.j2").write_text(
        "{{ report.summary.records + report.summary.excluded.values()|sum }} records; "
        "top: {{ report.components[0].name }}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli("analyze", DATA / "simple_20.json", "--out", out, "-q", "--templates", templates).code == 0
    assert (out / "report.md").read_text(encoding="utf-8") == "20 records; top: integrations\n"


def test_a_template_that_fails_while_written_leaves_no_partial_file(cli, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text(
        "<p>{{ report.summary.records }}</p>{% for r in report.records %}{{ r.no_such_field }}{% endfor %}\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = cli("analyze", DATA / "simple_20.json", "--out", out, "-q", "--templates", templates)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"riskmap: error: --templates {templates}: report.html.j2, line 1: UndefinedError")
    assert "no_such_field" in result.stderr
    assert not (out / "report.html").exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(("name", "text", "says"), [
    ("report.md.j2", "{{ foo(", "report.md.j2, line 1: TemplateSyntaxError: unexpected 'end of template'"),
    ("report.md.j2", "ok\n{{ summary.records }}", "report.md.j2, line 2: UndefinedError: 'summary' is undefined"),
    ("report.md.j2", "{{ 1 / 0 }}", "report.md.j2, line 1: ZeroDivisionError: division by zero"),
    ("report.md.j2", '{% include "nope.j2" %}', "report.md.j2, line 1: TemplateNotFound: nope.j2"),
    ("report.md.j2", "{{ report|nofilter }}", "report.md.j2, line 1: TemplateAssertionError: No filter named"),
    ("report.md.j2", "caf\xe9", "a template is not UTF-8 (byte 3)"),
    ("kiro/design.md.j2", "{{ nope }}", "kiro/design.md.j2, line 1: UndefinedError: 'nope' is undefined"),
])
def test_a_mistake_in_a_users_template_is_one_line_naming_it(cli, tmp_path, name, text, says):
    templates = tmp_path / "templates"
    (templates / name).parent.mkdir(parents=True)
    (templates / name).write_bytes(text.encode("latin-1"))
    command = "spec" if name.startswith("kiro/") else "analyze"
    result = cli(command, DATA / "simple_20.json", "--out", tmp_path / "out", "--templates", templates)
    assert result.code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"riskmap: error: --templates {templates}: {says}"), result.stderr
