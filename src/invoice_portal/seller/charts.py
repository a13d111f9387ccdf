"""Charts drawn on the server as SVG geometry (no JavaScript, no inline styles: CSP allows neither).

Every chart carries its figures three ways: printed on the bars, on a value axis with grid lines, and as a
table of the same figures (``rows``) under the picture, the text alternative for screen readers and for
anyone who wants the exact amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import format_compact_currency

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
    ticks: list[Bar] = field(default_factory=list)  # value axis: a grid line at y, labelled
    columns: list[str] = field(default_factory=list)  # the text alternative: a table of the figures
    rows: list[tuple[str, list[str]]] = field(default_factory=list)
    empty: bool = False


def _compact(value: Decimal, currency: str) -> str:
    """A short amount for a label on the picture ("$1.2M"); the table under it has the exact one."""
    return str(format_compact_currency(value, currency, locale="en_US", fraction_digits=1))


def _nice_top(top: Decimal) -> Decimal:
    """The axis's top: the next 1, 2 or 5 × 10ⁿ at or above the largest value, so the ticks read round."""
    if top <= ZERO:
        return ZERO
    magnitude = Decimal(10) ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            return Decimal(step) * magnitude
    return top


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
        chart.rows.append((label, [format_money(value, buckets.currency)]))
    chart.columns = ["Days past due", "Owed"]
    chart.empty = top <= ZERO
    return chart


def flow_chart(currency: str, months: list[MonthFlow]) -> Chart:
    """Grouped columns per month: invoiced beside collected, each with its amount, on a value axis."""
    top = _nice_top(max((max(m.invoiced, m.collected) for m in months), default=ZERO))
    slot, left, base, span = 72, 52, 190, 150
    chart = Chart(title="Invoiced and collected per month", currency=currency, width=left + slot * len(months) + 8, height=base + 26)
    chart.legend = [("bar-invoiced", "Invoiced"), ("bar-collected", "Collected")]
    chart.columns = ["Month", "Invoiced", "Collected"]
    for fraction in (Decimal(0), Decimal("0.5"), Decimal(1)):
        y = round(base - _scale(top * fraction, top, span), 1) if top > ZERO else base
        label = _compact(top * fraction, currency)
        chart.ticks.append(
            Bar(
                x=left,
                y=y,
                width=chart.width - left,
                height=0,
                css="chart-grid-line",
                label=label,
                value="",
                label_x=left - 6,
                label_y=y + 4,
            )
        )
    for i, month in enumerate(months):
        x = left + 6 + i * slot
        for j, (css, value, what) in enumerate(
            (("bar-invoiced", month.invoiced, "invoiced"), ("bar-collected", month.collected, "collected"))
        ):
            height = round(_scale(value, top, span), 1)
            bar_x = x + j * 28
            chart.bars.append(
                Bar(x=bar_x, y=round(base - height, 1), width=26, height=height, css=css, label=f"{month.month:%b %Y} {what}",
                    value=_compact(value, currency), label_x=bar_x + 13, label_y=round(base - height - 4, 1))
            )  # fmt: skip
        chart.axis_labels.append(
            Bar(x=0, y=0, width=0, height=0, css="", label=f"{month.month:%b}", value="", label_x=x + 27, label_y=base + 18)
        )
        chart.rows.append((f"{month.month:%B %Y}", [format_money(month.invoiced, currency), format_money(month.collected, currency)]))
    chart.empty = top <= ZERO
    return chart
