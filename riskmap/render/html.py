"""report.html: one self-contained page with interactive plotly charts, readable offline."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from riskmap.render import template_environment

SEVERITY_COLOURS = {
    "critical": "#7f0000", "high": "#d7301f", "medium": "#fc8d59", "low": "#fdd49e", "info": "#bdbdbd",
}
LAYER_COLOURS = {"handler": "#3182bd", "domain": "#31a354", "integration": "#e6550d", "unmapped": "#969696"}
RECORD_COLUMNS = ("id", "severity", "status", "component", "layer", "category", "score", "title", "evidence",
                  "source.path", "source.locator", "detail", "excluded", "created_at", "change", "link")
_RECORD_ROW = attrgetter(*RECORD_COLUMNS)
#: About how many characters of the page ``HtmlRenderer.chunks`` encodes at a time.
CHUNK_CHARS = 1 << 20
#: How many records ``records_json`` writes at a time.
RECORDS_PER_SLICE = 4000
#: What the template is given as ``records_json``: ``HtmlRenderer`` writes the records' JSON in its place, a
#: slice at a time. It holds a ``<``, which neither the page's escaped text nor ``script_json`` ever does, so
#: no text of a report can put it in the page.
RECORDS_MARK = "<\x00riskmap:records-json\x00>"


def script_json(value: Any) -> str:
    """JSON that is inert inside a ``<script type="application/json">`` element.

    Script data ends only at ``</script`` (and ``<!--`` changes how it is parsed), so escaping
    every ``<`` as ``\\u003c`` is enough; JSON.parse reads the escape back.
    """
    # Replaced in the bytes (a ``<`` is one byte in UTF-8): one copy of a large report's records less.
    return orjson.dumps(value, option=orjson.OPT_UTC_Z).replace(b"<", b"\\u003c").decode("utf-8")


def records_json(records: Sequence[Any], per_slice: int = RECORDS_PER_SLICE) -> Iterator[str]:
    """``script_json({"columns": RECORD_COLUMNS, "rows": rows})`` of the records' rows, in parts of ``per_slice``
    records: the same text, without a large report's rows and their JSON ever being held whole."""
    yield script_json({"columns": RECORD_COLUMNS, "rows": []})[:-2]  # up to and including "rows":[
    for start in range(0, len(records), per_slice):
        rows = script_json(list(map(_RECORD_ROW, records[start:start + per_slice])))
        yield ("," if start else "") + rows[1:-1]
    yield "]}"


def _label(text: str) -> str:
    """Untrusted text for a plotly label: plotly reads a subset of HTML, so escape it."""
    return html.escape(text, quote=True)


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    return get_plotlyjs()


def heat_style(value: float, peak: float) -> str:
    """A heat map cell's inline style: its background from white to dark red as ``value`` nears ``peak``
    (the largest cell of a component row), with text that stays readable on it."""
    if not value or peak <= 0:
        return ""
    share = min(1.0, value / peak) ** 0.5  # a square root, so that small cells still show
    red, green, blue = (round(255 + (end - 255) * share) for end in (127, 0, 0))
    ink = "#fff" if share > 0.55 else "#1b1f24"
    return f"background:rgb({red},{green},{blue});color:{ink}"


def heat_peak(report: dict[str, Any]) -> float:
    """The largest cell of the heat map's component rows: the top of its colour scale."""
    return max((v for row in report["heatmap"]["rows"] if row["kind"] == "component" for v in row["cells"].values()),
               default=0.0)


def severity_figure(report: dict[str, Any]) -> dict[str, Any]:
    """Records per component, stacked by severity: the heat map's top components, the unplaced evidence last."""
    by_name = {c["name"]: c for c in report["components"]}
    rows = [row["component"] for row in report["heatmap"]["rows"] if row["kind"] != "rest"]
    components = [by_name[name] for name in rows][::-1]
    figure = go.Figure(
        [
            go.Bar(
                name=severity,
                orientation="h",
                y=[_label(c["name"]) for c in components],
                x=[c["by_severity"].get(severity, 0) for c in components],
                marker_color=colour,
            )
            for severity, colour in SEVERITY_COLOURS.items()
            if any(c["by_severity"].get(severity) for c in components)
        ]
    )
    figure.update_layout(
        barmode="stack",
        height=max(320, 24 * len(components) + 120),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"automargin": True},
        xaxis={"title": {"text": "records"}},
        legend={"traceorder": "normal"},
        template="plotly_white",
    )
    return figure.to_plotly_json()


def layer_figure(report: dict[str, Any]) -> dict[str, Any]:
    """Risk score per layer."""
    layers = report["layers"]
    figure = go.Figure(
        go.Bar(
            x=[layer["layer"] for layer in layers],
            y=[layer["score"] for layer in layers],
            text=[f"{layer['records']} record{'' if layer['records'] == 1 else 's'}" for layer in layers],
            marker_color=[LAYER_COLOURS[layer["layer"]] for layer in layers],
        )
    )
    figure.update_layout(
        height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": {"text": "risk score"}}, template="plotly_white",
    )
    return figure.to_plotly_json()


TIER_COLOURS = {"critical": "#7f0000", "high": "#d7301f", "medium": "#fc8d59", "low": "#fdd49e"}


def run_label(entry: dict[str, Any]) -> str:
    """A run on a trend chart's axis: its number, as-of date and short commit."""
    parts = [f"run {entry['run']}", (entry["as_of"] or "")[:10], (entry["commit"] or "")[:7]]
    return " · ".join(_label(part) for part in parts if part)


def trend_figures(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The trend over the history's runs: the total risk, the components per tier, and the riskiest
    components' scores (the latest run's TREND_COMPONENTS). None without a history."""
    trend = report["trend"]
    if not trend:
        return {}
    x = [run_label(entry) for entry in trend]
    layout = {"margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "template": "plotly_white", "height": 320,
              "xaxis": {"type": "category", "automargin": True}, "yaxis": {"automargin": True}}
    total = go.Figure(go.Scatter(x=x, y=[entry["total"] for entry in trend], mode="lines+markers", name="total risk",
                                 line={"color": "#1b1f24"}))
    total.update_layout(**layout, yaxis_title_text="total risk score")
    tiers = go.Figure([
        go.Bar(x=x, y=[entry["by_tier"].get(tier, 0) for entry in trend], name=tier, marker_color=colour)
        for tier, colour in TIER_COLOURS.items()
    ])
    tiers.update_layout(**layout, barmode="stack", yaxis_title_text="components")
    names = list(trend[-1]["components"])
    components = go.Figure([
        go.Scatter(x=x, y=[entry["components"].get(name) for entry in trend], mode="lines+markers",
                   name=_label(name), connectgaps=False)
        for name in names
    ])
    components.update_layout(**layout, yaxis_title_text="risk score")
    return {"trend_total": total.to_plotly_json(), "trend_tiers": tiers.to_plotly_json(),
            "trend_components": components.to_plotly_json()}


class HtmlRenderer:
    """Renders ``report.html.j2`` with autoescaping, charts and records as inert JSON."""

    name = "html"
    filename = "report.html"

    def __init__(self, templates: Path | None = None) -> None:
        self._env = template_environment(templates, autoescape=True)

    def render(self, report: dict[str, Any]) -> bytes:
        """The report as one self-contained HTML page."""
        return "".join(self._page(report)).encode("utf-8")

    def chunks(self, report: dict[str, Any]) -> Iterator[bytes]:
        """The same bytes as ``render``, in parts of about ``CHUNK_CHARS`` characters: a large report's page
        never sits in memory whole, as text and again as bytes."""
        batch: list[str] = []
        size = 0
        for piece in self._page(report):
            if len(piece) >= CHUNK_CHARS:  # the records' JSON: encoded a slice at a time, never copied whole
                if batch:
                    yield "".join(batch).encode("utf-8")
                    batch, size = [], 0
                for start in range(0, len(piece), CHUNK_CHARS):
                    yield piece[start:start + CHUNK_CHARS].encode("utf-8")
                continue
            batch.append(piece)
            size += len(piece)
            if size >= CHUNK_CHARS:
                yield "".join(batch).encode("utf-8")
                batch, size = [], 0
        if batch:
            yield "".join(batch).encode("utf-8")

    def _page(self, report: dict[str, Any]) -> Iterator[str]:
        """The page's text, in the pieces the template makes; the records' JSON (``records_json``) in parts."""
        figures = {
            **({"severity": severity_figure(report), "layers": layer_figure(report)} if report["components"] else {}),
            **trend_figures(report),
        }
        template = self._env.get_template("report.html.j2")
        pieces = template.generate(
            report=report,
            figures_json=script_json(figures),
            records_json=RECORDS_MARK,
            plotly_js=_plotly_js(),
            heat_style=heat_style,
            heat_max=heat_peak(report),
        )
        for piece in pieces:
            if RECORDS_MARK not in piece:
                yield piece
                continue
            first, *rest = piece.split(RECORDS_MARK)
            yield first
            for after in rest:
                yield from records_json(report["records"])
                yield after
