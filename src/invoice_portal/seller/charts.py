"""Charts drawn on the server as SVG geometry (no JavaScript, no inline styles: CSP allows neither)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from invoice_portal.core.money import ZERO, format_money
from invoice_portal.seller.selectors import Buckets, MonthFlow


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str
    value: str
    label_x: float = 0
    label_y: float = 0


@dataclass
class Chart:
    title: str
    currency: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    axis_labels: list[Bar] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    empty: bool = False


def _scale(value: Decimal, top: Decimal, span: float) -> float:
    return 0.0 if top <= ZERO else float(value / top) * span


def aging_chart(buckets: Buckets) -> Chart:
    """Horizontal bars: what is owed per aging bucket."""
    rows = buckets.as_list()
    top = max((v for _, v in rows), default=ZERO)
    chart = Chart(title="Receivables by age (days past due)", currency=buckets.currency, width=460, height=36 * len(rows) + 8)
    for i, (label, value) in enumerate(rows):
        y = 8 + i * 36
        width = max(_scale(value, top, 250), 1.0 if value > ZERO else 0.0)
        css = "bar-current" if i == 0 else f"bar-age{i}"
        chart.bars.append(
            Bar(x=60, y=y, width=round(width, 1), height=22, css=css, label=label, value=format_money(value, buckets.currency),
                label_x=round(66 + width, 1), label_y=y + 16)
        )  # fmt: skip
    chart.empty = top <= ZERO
    return chart


def flow_chart(currency: str, months: list[MonthFlow]) -> Chart:
    """Grouped columns per month: invoiced beside collected."""
    top = max((max(m.invoiced, m.collected) for m in months), default=ZERO)
    slot = 64
    chart = Chart(title="Invoiced and collected per month", currency=currency, width=slot * len(months) + 20, height=200)
    chart.legend = [("bar-invoiced", "Invoiced"), ("bar-collected", "Collected")]
    base = 170
    for i, month in enumerate(months):
        x = 20 + i * slot
        for j, (css, value, what) in enumerate(
            (("bar-invoiced", month.invoiced, "invoiced"), ("bar-collected", month.collected, "collected"))
        ):
            height = round(_scale(value, top, 150), 1)
            chart.bars.append(
                Bar(x=x + j * 24, y=round(base - height, 1), width=22, height=height, css=css,
                    label=f"{month.month:%b %Y} {what}", value=format_money(value, currency))
            )  # fmt: skip
        chart.axis_labels.append(
            Bar(x=0, y=0, width=0, height=0, css="", label=f"{month.month:%b}", value="", label_x=x + 23, label_y=base + 18)
        )
    chart.empty = top <= ZERO
    return chart
