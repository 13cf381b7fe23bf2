"""Charts drawn on the server as SVG, with matplotlib: they work without JavaScript and sit
in the page, where each has a one-sentence summary that names it (aria-labelledby) and a
table of the same numbers beside it (built by `civitas.insights.dashboard`).

Imported only by the insights pages when they draw a chart, so matplotlib (a second or so
to import) stays out of every other page's path.

The output is the same for the same figures: the hash salt is fixed, the file carries no
date, and text stays text (svg.fonttype "none"). The site's Content Security Policy allows
no inline styles, so matplotlib's `style` attributes are rewritten as SVG presentation
attributes, and its <style> element dropped. Ids are prefixed per chart, so that several
charts on one page do not share one.

Drawn charts are kept: in the process (by their numbers, labels and language) and in the
cache shared by the processes, so a page of figures already drawn costs no drawing.
"""

import functools
import hashlib
import io
import logging
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from django.core.cache import cache
from matplotlib.figure import Figure

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "civitas-insights",
        "font.family": "sans-serif",
        # Named in the SVG as they are: the browser draws the text in the first it has.
        "font.sans-serif": ["Arial", "DejaVu Sans"],
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

# GOV.UK colours, each with a contrast of at least 3:1 against white.
BLUE = "#1d70b8"
GREEN = "#00703c"
PURPLE = "#4c2c92"
GREY = "#505a5f"
LIGHT_BLUE = "#9cc6e8"
SERIES_COLOURS = (BLUE, GREEN, PURPLE, GREY)
CACHE_SECONDS = 24 * 3600
CACHE_VERSION = "1"

logger = logging.getLogger(__name__)

Series = tuple[str, tuple[float | None, ...]]


def line_chart(
    chart_id: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    band: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
    band_label: str = "",
) -> str:
    """Lines over time (None: a gap, for a hidden count), with an optional band."""
    return _cached(
        "line",
        chart_id,
        tuple(x_labels),
        tuple((name, tuple(values)) for name, values in series),
        y_label,
        band,
        band_label,
    )


def bar_chart(
    chart_id: str, labels: Sequence[str], values: Sequence[float | None], *, x_label: str
) -> str:
    """Horizontal bars, the first label at the top (None: no bar, for a hidden count)."""
    return _cached("bar", chart_id, tuple(labels), tuple(values), x_label)


@functools.lru_cache(maxsize=512)
def _cached(kind: str, chart_id: str, *args: object) -> str:
    digest = hashlib.sha256(repr((CACHE_VERSION, kind, chart_id, args)).encode()).hexdigest()
    key = f"insights:chart:{digest}"
    svg: str | None
    try:
        svg = cache.get(key)
    except Exception:
        # A chart can always be drawn again: the page does not fail with the cache.
        logger.warning("chart cache unavailable: drawing without it")
        svg = None
    if svg is None:
        svg = _draw_line(chart_id, *args) if kind == "line" else _draw_bar(chart_id, *args)  # type: ignore[arg-type]
        try:
            cache.set(key, svg, CACHE_SECONDS)
        except Exception:
            logger.warning("chart cache unavailable: not kept")
    return svg


def _draw_line(
    chart_id: str,
    x_labels: tuple[str, ...],
    series: tuple[Series, ...],
    y_label: str,
    band: tuple[tuple[float, ...], tuple[float, ...]] | None,
    band_label: str,
) -> str:
    figure = Figure(figsize=(8, 3.6))
    axes = figure.add_subplot()
    positions = list(range(len(x_labels)))
    if band is not None:
        axes.fill_between(positions, band[0], band[1], color=LIGHT_BLUE, label=band_label)
    markers = ("o", "s", "^", "D")
    for index, (name, values) in enumerate(series):
        axes.plot(
            positions,
            [float("nan") if v is None else v for v in values],
            label=name,
            color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
            marker=markers[index % len(markers)],
            linewidth=2,
        )
    # At most six dates: more overlap at the chart's width (the table has them all).
    step = max(1, -(-len(x_labels) // 6))
    axes.set_xticks(positions[::step], [x_labels[i] for i in positions[::step]])
    axes.set_ylabel(y_label)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#b1b4b6", linewidth=0.5)
    # Below the plot, where it hides no line.
    axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=len(series) + (band is not None),
        frameon=False,
        fontsize=10,
    )
    figure.tight_layout()
    return _svg(figure, chart_id)


def _draw_bar(
    chart_id: str, labels: tuple[str, ...], values: tuple[float | None, ...], x_label: str
) -> str:
    figure = Figure(figsize=(8, 0.5 + 0.45 * max(len(labels), 1)))
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, [v or 0 for v in values], color=BLUE)
    axes.set_yticks(positions, [_shorten(label) for label in labels])
    axes.invert_yaxis()
    axes.set_xlabel(x_label)
    axes.set_xlim(left=0, right=max([v or 0 for v in values] + [1]) * 1.05)
    axes.grid(axis="x", color="#b1b4b6", linewidth=0.5)
    figure.tight_layout()
    return _svg(figure, chart_id)


def _shorten(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


_STYLE = re.compile(r' style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID = re.compile(r' id="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|xlink:href="#|href="#)([^")]+)')
_FONT = re.compile(r"(?P<size>[\d.]+px)\s+(?P<family>.+)")


def _svg(figure: Figure, chart_id: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    # The root element onwards: no XML declaration or doctype inside HTML.
    text = text[text.index("<svg") :]
    text = _STYLE_ELEMENT.sub("", _METADATA.sub("", text))
    text = _STYLE.sub(lambda match: _attributes(match.group(1)), text)
    text = _ID.sub(lambda match: f' id="{chart_id}-{match.group(1)}"', text)
    text = _REFERENCE.sub(lambda match: f"{match.group(1)}{chart_id}-{match.group(2)}", text)
    # Sized by the page (CSS in the site's stylesheet), drawn to its viewBox.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    return text.replace(
        "<svg ",
        '<svg class="civitas-chart__svg" focusable="false" stroke-linejoin="round" '
        'stroke-linecap="butt" ',
        1,
    )


def _attributes(style: str) -> str:
    """`fill: #fff; stroke-width: 0.8` as ` fill="#fff" stroke-width="0.8"`."""
    attributes = []
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip().replace('"', "'")
        if not name:
            continue
        if name == "font":
            match = _FONT.fullmatch(value)
            if match:
                attributes.append(f'font-size="{match["size"]}"')
                attributes.append(f'font-family="{match["family"]}"')
            continue
        attributes.append(f'{name}="{value}"')
    return " " + " ".join(attributes) if attributes else ""
