"""Bar charts as SVG, drawn on the server with matplotlib's SVG backend. Text stays SVG text
(``svg.fonttype = none``), so the browser renders the Chinese labels with the system's fonts
and no font file has to ship with the package."""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

from schema.report.base import Chart

# What the browser looks for, in order: fonts with CJK glyphs on Windows, macOS and Linux.
FONT_FAMILY = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "sans-serif",
]
SVG_SETTINGS: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "xietong-hub",  # the same chart gives the same SVG, byte for byte
    "font.family": FONT_FAMILY,
    "font.size": 9,
}


def bar_svg(chart: Chart) -> str:
    """The chart as an ``<svg>`` element (no XML prolog), sized for an A4 page's width."""
    import matplotlib

    matplotlib.use("svg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # Without a CJK font installed matplotlib warns about each glyph it cannot measure (and
    # logs each family it cannot find); the browser draws them, so both are noise here.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with matplotlib.rc_context(SVG_SETTINGS), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        figure = Figure(figsize=(7.2, 2.8))
        axes = figure.subplots()
        positions = list(range(len(chart.categories)))
        names = list(chart.series)
        width = 0.8 if chart.stacked or not names else 0.8 / len(names)
        bottoms = [0.0] * len(positions)
        for i, name in enumerate(names):
            values = [float(v) for v in chart.series[name]]
            if chart.stacked:
                axes.bar(
                    positions, values, 0.8, bottom=bottoms, label=name, color=chart.colors.get(name)
                )
                bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
            else:
                offset = (i - (len(names) - 1) / 2) * width
                axes.bar(
                    [p + offset for p in positions],
                    values,
                    width,
                    label=name,
                    color=chart.colors.get(name),
                )
        axes.set_xticks(positions, list(chart.categories), rotation=45, ha="right")
        axes.spines[["top", "right"]].set_visible(False)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if names:
            axes.legend(frameon=False, loc="upper right")
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]
