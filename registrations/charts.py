"""Bar charts drawn on the server as SVG: no script, readable without colour, scalable."""

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 220
BAR_AREA = 340
ROW = 28
BAR = 18
MAX_LABEL = 34


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    value: int
    y: int
    width: float
    text_y: int
    value_x: float


def bar_chart(*, title: str, rows: list[tuple[str, int]]) -> dict:
    """The geometry for templates/admin/registrations/_bar_chart.html, one bar per row."""
    top = max((value for _label, value in rows), default=0)
    bars = []
    for i, (label, value) in enumerate(rows):
        label = str(label)
        width = BAR_AREA * value / top if top else 0
        short = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        bars.append(
            Bar(
                label=label,
                short_label=short,
                value=value,
                y=i * ROW + (ROW - BAR) // 2,
                width=round(width, 1),
                text_y=i * ROW + ROW // 2 + 5,
                value_x=round(LABEL_WIDTH + width + 6, 1),
            )
        )
    summary = "; ".join(f"{b.label}: {b.value}" for b in bars)
    return {
        "title": title,
        "description": f"{title}. {summary}" if summary else title,
        "bars": bars,
        "width": WIDTH,
        "height": max(ROW, len(bars) * ROW),
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR,
    }
