"""Charts drawn on the server as accessible SVG (issue 23): a title and a description read by screen readers,
the same numbers in a table beside each (the page's), no script and no chart library. Pure functions."""

from dataclasses import dataclass
from html import escape

WIDTH, BAR_GAP, HEIGHT, LEFT, BOTTOM, TOP = 640, 6, 220, 44, 36, 12


@dataclass(frozen=True)
class Bar:
    """One bar: its label under it, its value, and the text written above it."""

    label: str
    value: float
    shown: str


def bars(*, title: str, description: str, items: list[Bar], maximum: float, ident: str, ticks: list[tuple[float, str]],
         target: tuple[float, str] | None = None) -> str:
    """A vertical bar chart; `maximum` is the top of the axis, `ticks` the axis's marks, `target` a dashed line."""
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(items), 1)
    width = min(max(slot - BAR_GAP, 2), 64)  # one month alone is a bar, not a wall

    def y(value: float) -> float:
        return TOP + plot_h - (min(max(value, 0), maximum) / maximum * plot_h if maximum else 0)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
             f'aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{escape(title)}</title>'
             f'<desc id="{ident}-d">{escape(description)}</desc>']
    for value, text in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" class="tick">{escape(text)}</text>')
    for n, bar in enumerate(items):
        x = LEFT + n * slot + (slot - width) / 2
        top = y(bar.value)
        parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{TOP + plot_h - top:.1f}" class="bar">'
                     f'<title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>')
        if slot >= 28:  # room for the figure and the label; else the table beside says them
            parts.append(f'<text x="{x + width / 2:.1f}" y="{top - 3:.1f}" text-anchor="middle" class="value">{escape(bar.shown)}</text>')
            parts.append(f'<text x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="tick">'
                         f'{escape(bar.label)}</text>')
    if target is not None:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y(target[0]):.1f}" y2="{y(target[0]):.1f}" class="target"/>'
                     f'<text x="{WIDTH - 10}" y="{y(target[0]) - 4:.1f}" text-anchor="end" class="tick">{escape(target[1])}</text>')
    parts.append("</svg>")
    return "".join(parts)


ROW_H, LABEL_W = 26, 210


def hbars(*, title: str, description: str, items: list[Bar], maximum: float, ident: str) -> str:
    """A horizontal bar chart, one row per item with its label on the left: for names too long to stand under a bar."""
    plot_w = WIDTH - LABEL_W - 150  # room after the longest bar for its figure
    height = TOP + ROW_H * max(len(items), 1) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" class="chart" '
             f'aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{escape(title)}</title>'
             f'<desc id="{ident}-d">{escape(description)}</desc>']
    for n, bar in enumerate(items):
        y = TOP + n * ROW_H
        width = plot_w * min(max(bar.value, 0), maximum) / maximum if maximum else 0
        label = bar.label if len(bar.label) <= 32 else bar.label[:31] + "…"  # the table beside has it whole
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end" class="tick">{escape(label)}</text>'
                     f'<rect x="{LABEL_W}" y="{y + 3}" width="{width:.1f}" height="{ROW_H - 8}" class="bar">'
                     f'<title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>'
                     f'<text x="{LABEL_W + width + 6:.1f}" y="{y + 15}" class="value">{escape(bar.shown)}</text>')
    parts.append(f'<line x1="{LABEL_W}" x2="{LABEL_W}" y1="{TOP}" y2="{height - 8}" class="grid"/></svg>')
    return "".join(parts)
