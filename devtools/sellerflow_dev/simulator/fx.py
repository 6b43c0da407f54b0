"""The ECB's euro foreign exchange reference rates files, served from a recorded table.

`ecb_rates.csv` holds 24 monthly levels per currency. Each TARGET business day (Monday to Friday;
no holiday calendar) between two months' middles gets the straight-line rate between them, rounded as
the ECB rounds (5 significant digits for most currencies). The 24 months are replayed so that the
last one is the month of `today` (the simulated world's clock): every day of a demo seller's two
years has rates, and the same parser (`sellerflow.analytics.fx.parse_ecb`) reads them as in AWS.

    GET /stats/eurofxref/eurofxref-daily.xml      the last business day on or before today
    GET /stats/eurofxref/eurofxref-hist-90d.xml   the business days of the last 90 days
    GET /stats/eurofxref/eurofxref-hist.xml       every business day of the table
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path

PATH_PREFIX = "/stats/eurofxref/"
TABLE = Path(__file__).with_name("ecb_rates.csv")
_PLACES = {"JPY": Decimal("0.01"), "GBP": Decimal("0.00001")}
_XML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
    'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
    "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
    "\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n"
    "\t<Cube>\n"
)
_XML_TAIL = "\t</Cube>\n</gesmes:Envelope>\n"


@cache
def _months() -> tuple[tuple[str, ...], tuple[tuple[Decimal, ...], ...]]:
    rows = [line for line in TABLE.read_text().splitlines() if line and not line.startswith("#")]
    header, *body = list(csv.reader(rows))
    return tuple(header[1:]), tuple(tuple(Decimal(v) for v in row[1:]) for row in body)


def _month_middle(today: date, back: int) -> date:
    """The 15th of the month `back` months before today's."""
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 15)


def rates_on(day: date, today: date) -> dict[str, Decimal] | None:
    """The replayed table's rates of `day` (None on a weekend or outside the table)."""
    if day.weekday() >= 5 or day > today:
        return None
    currencies, levels = _months()
    last = len(levels) - 1
    for back in range(last, 0, -1):
        start, end = _month_middle(today, back), _month_middle(today, back - 1)
        if start <= day < end or (back == 1 and start <= day):
            share = Decimal(min((day - start).days, (end - start).days)) / Decimal((end - start).days)
            row0, row1 = levels[last - back], levels[last - back + 1]
            out = {}
            for currency, a, b in zip(currencies, row0, row1, strict=True):
                places = _PLACES.get(currency, Decimal("0.0001"))
                out[currency] = (a + (b - a) * share).quantize(places, rounding=ROUND_HALF_EVEN)
            return out
    return None


def ecb_xml(days: list[date], today: date) -> bytes:
    cubes = []
    for day in sorted(days, reverse=True):  # the ECB lists the newest day first
        rates = rates_on(day, today)
        if rates is None:
            continue
        lines = "".join(f"\t\t\t<Cube currency='{c}' rate='{r}'/>\n" for c, r in rates.items())
        cubes.append(f"\t\t<Cube time='{day.isoformat()}'>\n{lines}\t\t</Cube>\n")
    return (_XML_HEAD + "".join(cubes) + _XML_TAIL).encode()


def ecb_file(name: str, today: date) -> bytes | None:
    """The named eurofxref file as of `today`, or None for a name the ECB does not serve."""
    if name == "eurofxref-daily.xml":
        day = today
        while rates_on(day, today) is None:
            day -= timedelta(days=1)
        return ecb_xml([day], today)
    span = {"eurofxref-hist-90d.xml": 90, "eurofxref-hist.xml": 31 * (len(_months()[1]) - 1)}.get(name)
    if span is None:
        return None
    return ecb_xml([today - timedelta(days=n) for n in range(span + 1)], today)
