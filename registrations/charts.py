"""Bar charts drawn on the server as SVG: no script, readable without colour, scalable."""

from dataclasses import dataclass

BAR_AREA = 340
ROW = 28
BAR = 18
MAX_LABEL = 34
# Wide enough for the longest label at 13 px (about 7.5 px a character, wide letters and
# umlauts included), so no label runs out of the picture on the left; the value on the right.
CHAR_WIDTH = 7.5
MIN_LABEL_WIDTH = 80
VALUE_SPACE = 70


def _label_width(labels: list[str]) -> int:
    longest = max((min(len(label), MAX_LABEL) for label in labels), default=0)
    return max(MIN_LABEL_WIDTH, round(longest * CHAR_WIDTH) + 16)


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
    label_width = _label_width([str(label) for label, _value in rows])
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
                value_x=round(label_width + width + 6, 1),
            )
        )
    summary = "; ".join(f"{b.label}: {b.value}" for b in bars)
    return {
        "title": title,
        "description": f"{title}. {summary}" if summary else title,
        "bars": bars,
        "width": label_width + BAR_AREA + VALUE_SPACE,
        "height": max(ROW, len(bars) * ROW),
        "label_x": label_width - 8,
        "bar_x": label_width,
        "bar_height": BAR,
    }
