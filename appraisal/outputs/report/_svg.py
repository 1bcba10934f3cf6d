"""SVG drawing kernels for the report's charts: elements, scales, axes and legends.

Everything here builds SVG text from fixed tag and attribute names, numbers
formatted by :func:`n` and text passed through :func:`markupsafe.escape`. These are
kernels: they do not validate their inputs; the chart builders in
:mod:`appraisal.outputs.report.charts` do that before calling them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = [
    "FONT",
    "GRID",
    "INK",
    "MUTED",
    "WIDTH",
    "Formatter",
    "Scale",
    "clip",
    "domain",
    "frame",
    "legend",
    "n",
    "nice_ticks",
    "rect",
    "tag",
    "text",
    "text_width",
    "value_axis",
    "wrap",
]

INK, GRID, MUTED = "#0b0c0c", "#b1b4b6", "#505a5f"
WIDTH = 720.0  # the viewBox width; CSS scales the chart to the page
FONT = 12.0

Formatter = Callable[[float], str]


def n(v: float) -> str:
    """A coordinate with at most one decimal (``12.0`` → ``"12"``, never ``"-0"``)."""
    text = f"{v:.1f}"
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def tag(name: str, attrs: Mapping[str, object] | None = None, *children: str) -> str:
    """An element with quoted, escaped attributes (``stroke_width`` → ``stroke-width``).

    ``children`` must already be markup built by these helpers.
    """
    parts = [f' {key.rstrip("_").replace("_", "-")}="'
             f'{escape(n(value) if isinstance(value, float) else str(value))}"'
             for key, value in (attrs or {}).items() if value is not None]
    inner = "".join(children)
    return f"<{name}{''.join(parts)}>{inner}</{name}>" if children else f"<{name}{''.join(parts)}/>"


def text(x: float, y: float, label: str, *, anchor: str = "start", size: float = FONT,
         fill: str = INK, weight: str | None = None, full: str | None = None) -> str:
    """A ``<text>`` label; ``full`` (the unclipped label) becomes its tooltip."""
    tip = tag("title", None, str(escape(full))) if full and full != label else ""
    return tag("text", {"x": float(x), "y": float(y), "text_anchor": anchor,
                        "font_size": float(size), "fill": fill, "font_weight": weight},
               tip + str(escape(label)))


def text_width(label: str, size: float = FONT) -> float:
    """Rough width of a label in a sans-serif font (no font metrics are available)."""
    return len(label) * size * 0.58


def clip(label: str, max_width: float, size: float = FONT) -> str:
    """Shorten a label with an ellipsis to fit ``max_width``."""
    max_chars = max(4, int(max_width / (size * 0.58)))
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``[lo, hi]``.

    Parameters
    ----------
    lo, hi : float
        The data range; ``lo`` may equal ``hi``.
    count : int, default 5
        The approximate number of intervals wanted.

    Returns
    -------
    list of float
        Increasing ticks; the first is at or below ``lo`` and the last at or above ``hi``.

    Examples
    --------
    >>> nice_ticks(-3.2, 17.0)
    [-5.0, 0.0, 5.0, 10.0, 15.0, 20.0]
    >>> nice_ticks(0.0, 1.0)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    """
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo <= max(1e-9 * max(abs(lo), abs(hi)), 1e-300):  # one value, up to rounding
        mid = (lo + hi) / 2.0
        pad = abs(mid) * 0.1 or 1.0
        lo, hi = mid - pad, mid + pad
    raw = (hi - lo) / max(count, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw * 0.999)
    k0, k1 = math.floor(lo / step), math.ceil(hi / step)
    if (k0 + 1) * step <= lo:  # floating-point fuzz in lo / step
        k0 += 1
    if (k1 - 1) * step >= hi:
        k1 -= 1
    digits = max(0, 2 - math.floor(math.log10(step)))  # drop float noise, keep the step
    return [round(k * step, digits) + 0.0 for k in range(k0, k1 + 1)]


@dataclass(frozen=True, slots=True)
class Scale:
    """Linear map from the data domain ``[d0, d1]`` to the drawing range ``[r0, r1]``."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, v: float) -> float:
        return self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


def legend(items: Sequence[tuple[str, str, str | None]], y: float, *, line: bool = False,
           x0: float = 8.0) -> tuple[str, float]:
    """Draw legend swatches from ``(label, colour, dash)``; return markup and its height."""
    out, x, row = [], x0, 0
    for label, colour, dash in items:
        shown = clip(label, 220.0)
        item_w = 26.0 + text_width(shown) + 18.0
        if x + item_w > WIDTH - 8 and x > x0:
            x, row = x0, row + 1
        cy = y + row * 20.0
        if line:
            out.append(tag("line", {"x1": x, "y1": cy - 4.0, "x2": x + 20.0, "y2": cy - 4.0,
                                    "stroke": colour, "stroke_width": 3.0,
                                    "stroke_dasharray": dash}))
        else:
            out.append(tag("rect", {"x": x, "y": cy - 10.0, "width": 14.0, "height": 12.0,
                                    "fill": colour, "stroke": INK, "stroke_width": 0.5}))
        out.append(text(x + 26.0, cy, shown, full=label))
        x += item_w
    return "".join(out), (row + 1) * 20.0 if items else 0.0


def frame(chart_id: str, title: str, description: str, height: float, body: str) -> Markup:
    head = (tag("title", {"id": f"{chart_id}-title"}, str(escape(title)))
            + tag("desc", {"id": f"{chart_id}-desc"}, str(escape(description))))
    svg = tag("svg", {"class_": "chart", "id": chart_id,
                      "viewBox": f"0 0 {n(WIDTH)} {n(height)}", "role": "img",
                      "aria_labelledby": f"{chart_id}-title {chart_id}-desc",
                      "focusable": "false"},
              head, body)
    # Safe by construction: fixed tag/attribute names, escaped text, formatted numbers.
    return Markup(svg)


def value_axis(scale: Scale, ticks: Sequence[float], fmt: Formatter, *, horizontal: bool,
               cross0: float, cross1: float) -> str:
    """Grid lines and tick labels along the value axis; the zero line in ink."""
    out = []
    for t in ticks:
        p = scale(t)
        colour, width = (INK, 1.2) if t == 0 else (GRID, 0.6)
        if horizontal:
            out.append(tag("line", {"x1": p, "y1": cross0, "x2": p, "y2": cross1,
                                    "stroke": colour, "stroke_width": width}))
            out.append(text(p, cross1 + 16.0, fmt(t), anchor="middle", fill=MUTED))
        else:
            out.append(tag("line", {"x1": cross0, "y1": p, "x2": cross1, "y2": p,
                                    "stroke": colour, "stroke_width": width}))
            out.append(text(cross0 - 6.0, p + 4.0, fmt(t), anchor="end", fill=MUTED))
    return "".join(out)


def rect(x: float, y: float, w: float, h: float, colour: str, tip: str) -> str:
    """An outlined bar with a tooltip."""
    return tag("rect", {"x": x, "y": y, "width": max(w, 0.0), "height": max(h, 0.0),
                        "fill": colour, "stroke": INK, "stroke_width": 0.5},
               tag("title", None, str(escape(tip))))


def domain(values: Sequence[float], *, include: Sequence[float] = (0.0,)) -> list[float]:
    """Ticks covering ``values`` and ``include`` (zero by default, for bars)."""
    vals = [*values, *include]
    return nice_ticks(min(vals), max(vals))


def wrap(label: str, width: float) -> list[str]:
    """Break a label into at most two lines of about ``width``."""
    lines: list[str] = []
    for word in label.split():
        if lines and text_width(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], clip(" ".join(lines[1:]), width)]
    return lines or [""]
