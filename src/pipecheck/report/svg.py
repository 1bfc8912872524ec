"""Small inline SVG charts for the review page: no library, no network, no script."""

from __future__ import annotations

import math
from html import escape

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795")
_MARGIN = {"left": 56, "right": 16, "top": 28, "bottom": 42}
_TITLE_BAND, _TICK_GAP, _TICK_CHAR = 22, 10, 7  # px: the rotated axis title, the gap, an 11 px digit (upper bound)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 12)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _number(value: float) -> str:
    if value and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.1e}"
    return f"{value:g}"


class _Frame:
    def __init__(self, width: int, height: int, x_range, y_range, title: str, x_label: str, y_label: str):
        self.width, self.height = width, height
        self.x_ticks = nice_ticks(*x_range)
        self.y_ticks = nice_ticks(*y_range)
        self.x0, self.x1 = self.x_ticks[0], self.x_ticks[-1]
        self.y0, self.y1 = self.y_ticks[0], self.y_ticks[-1]
        # The axis title sits left of the tick labels, so the margin grows with the longest label
        # (a rate's "2.5e-04" ran under the title at a fixed 56 px).
        longest = max(len(_number(tick)) for tick in self.y_ticks)
        self.left = max(_MARGIN["left"], _TITLE_BAND + _TICK_GAP + _TICK_CHAR * longest)
        self.inner_w = width - self.left - _MARGIN["right"]
        self.inner_h = height - _MARGIN["top"] - _MARGIN["bottom"]
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
            f'<text x="{width / 2}" y="16" text-anchor="middle" class="chart-title">{escape(title)}</text>',
        ]
        self._axes(x_label, y_label)

    def x(self, value: float) -> float:
        return self.left + (value - self.x0) / ((self.x1 - self.x0) or 1) * self.inner_w

    def y(self, value: float) -> float:
        return _MARGIN["top"] + self.inner_h - (value - self.y0) / ((self.y1 - self.y0) or 1) * self.inner_h

    def _axes(self, x_label: str, y_label: str) -> None:
        left, bottom = self.left, _MARGIN["top"] + self.inner_h
        for tick in self.y_ticks:
            y = self.y(tick)
            self.parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + self.inner_w}" y2="{y:.1f}" class="grid"/>')
            self.parts.append(
                f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_number(tick)}</text>'
            )
        self.parts.append(f'<line x1="{left}" y1="{bottom}" x2="{left + self.inner_w}" y2="{bottom}" class="axis"/>')
        self.parts.append(
            f'<text x="{left + self.inner_w / 2}" y="{self.height - 6}" text-anchor="middle" '
            f'class="label">{escape(x_label)}</text>'
        )
        self.parts.append(
            f'<text x="14" y="{_MARGIN["top"] + self.inner_h / 2}" text-anchor="middle" class="label" '
            f'transform="rotate(-90 14 {_MARGIN["top"] + self.inner_h / 2})">{escape(y_label)}</text>'
        )

    def x_tick_labels(self) -> None:
        bottom = _MARGIN["top"] + self.inner_h
        for tick in self.x_ticks:
            self.parts.append(
                f'<text x="{self.x(tick):.1f}" y="{bottom + 16}" text-anchor="middle" '
                f'class="tick">{_number(tick)}</text>'
            )

    def close(self) -> str:
        return "".join(self.parts) + "</svg>"


def line_chart(
    points: list[tuple[float, float]],
    title: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 240,
    marks: list[tuple[float, str]] = (),
) -> str:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    frame = _Frame(width, height, (min(xs), max(xs)), (0, max(ys) if max(ys) > 0 else 1), title, x_label, y_label)
    frame.x_tick_labels()
    path = " ".join(f"{'M' if i == 0 else 'L'}{frame.x(x):.1f},{frame.y(y):.1f}" for i, (x, y) in enumerate(points))
    frame.parts.append(f'<path d="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    for position, label in marks:
        x = frame.x(position)
        near_right = x > frame.left + frame.inner_w * 0.75
        anchor, shift = ("end", -4) if near_right else ("start", 4)
        frame.parts.append(
            f'<line x1="{x:.1f}" y1="{_MARGIN["top"]}" x2="{x:.1f}" y2="{_MARGIN["top"] + frame.inner_h}" '
            f'class="mark"/><text x="{x + shift:.1f}" y="{_MARGIN["top"] + 12}" text-anchor="{anchor}" '
            f'class="tick">{escape(label)}</text>'
        )
    return frame.close()


def bar_chart(
    categories: list[str],
    series: dict[str, list[float]],
    title: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 240,
) -> str:
    top = max((v for values in series.values() for v in values), default=0) or 1
    frame = _Frame(width, height, (0, 1), (0, top), title, x_label, y_label)
    slot = frame.inner_w / max(len(categories), 1)
    bar = slot * 0.8 / max(len(series), 1)
    for index, category in enumerate(categories):
        left = frame.left + index * slot + slot * 0.1
        for position, (name, values) in enumerate(series.items()):
            value = values[index]
            y = frame.y(value)
            frame.parts.append(
                f'<rect x="{left + position * bar:.1f}" y="{y:.1f}" width="{bar - 1:.1f}" '
                f'height="{frame.y(0) - y:.1f}" fill="{PALETTE[position % len(PALETTE)]}">'
                f"<title>{escape(name)} {escape(category)}: {_number(value)}</title></rect>"
            )
        frame.parts.append(
            f'<text x="{left + slot * 0.4:.1f}" y="{_MARGIN["top"] + frame.inner_h + 16}" '
            f'text-anchor="middle" class="tick">{escape(category)}</text>'
        )
    if len(series) > 1:
        for position, name in enumerate(series):
            x = width - _MARGIN["right"] - 120
            y = _MARGIN["top"] + 4 + position * 16
            frame.parts.append(
                f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[position % len(PALETTE)]}"/>'
                f'<text x="{x + 14}" y="{y + 9}" class="tick">{escape(name)}</text>'
            )
    return frame.close()


def scatter(
    points: list[tuple[float, float]],
    title: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 260,
    limit: float | None = None,
) -> str:
    xs, ys = [p[0] for p in points] or [0], [p[1] for p in points] or [0]
    top = max(max(xs), max(ys), limit or 0) or 1
    frame = _Frame(width, height, (0, top), (0, top), title, x_label, y_label)
    frame.x_tick_labels()
    for x, y in points:
        frame.parts.append(
            f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="2.5" fill="{PALETTE[0]}" fill-opacity="0.6"/>'
        )
    return frame.close()
