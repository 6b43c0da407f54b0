"""The analytics API's boundary: query/body parsing (every problem names its parameter) and the
response bodies, built field by field from the analytics' results (never from a stored item)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sellerflow.analytics.fx import SOURCE as FX_SOURCE
from sellerflow.analytics.fx import HomeTotals
from sellerflow.analytics.inventory import InventoryHealth
from sellerflow.analytics.kpis import SKU_SORTS, SkuTotals, Totals
from sellerflow.analytics.model import DayRollup, RowKind
from sellerflow.analytics.ranges import MAX_RANGE_DAYS, DayRange, RangeName
from sellerflow.analytics.reorder import ReorderPlan
from sellerflow.analytics.service import (
    COGS_HISTORY_DAYS,
    CogsChange,
    DailySeries,
    Dashboard,
    HomeKpis,
    InventoryView,
    SettlementDetail,
    SkuTable,
    cost_day_conflict,
)
from sellerflow.api.models import MoneyOut, ResponseModel, decimal_text, parse_instant, same_named
from sellerflow.errors import InvalidInput
from sellerflow.facts import (
    MAX_COGS_BATCH,
    CogsEntry,
    FinanceTransactionFact,
    SettlementLineFact,
    SettlementSummary,
)
from sellerflow.marketplaces import MARKETPLACES

_MARKETPLACE = re.compile(r"^[A-Z0-9]{5,20}$")
_TX_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_SETTLEMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_FIN_KEY = re.compile(r"^FIN#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z#[A-Za-z0-9._:-]{1,128}$")
MAX_TX_WINDOW = timedelta(days=366)
DEFAULT_TX_WINDOW = timedelta(days=30)
DEFAULT_PAGE = 100
MAX_PAGE = 1000


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "...")


# --- parsing --------------------------------------------------------------------------------------
def parse_day(name: str, raw: str) -> date:
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"query parameter {name!r} must be an ISO date (YYYY-MM-DD), got {_shown(raw)}"
        ) from None


def parse_marketplace(values: Mapping[str, str]) -> str | None:
    raw = values.get("marketplace")
    if raw is None:
        return None
    if not _MARKETPLACE.fullmatch(raw):
        raise InvalidInput(f"query parameter 'marketplace' must be a marketplace id, got {_shown(raw)}")
    return raw


def parse_range_name(values: Mapping[str, str]) -> RangeName:
    raw = values.get("range", RangeName.LAST30.value)
    try:
        return RangeName(raw)
    except ValueError:
        accepted = ", ".join(r.value for r in RangeName)
        raise InvalidInput(f"query parameter 'range' must be one of {accepted}, got {_shown(raw)}") from None


def parse_days(values: Mapping[str, str]) -> tuple[date | None, date | None]:
    first = parse_day("from", values["from"]) if "from" in values else None
    last = parse_day("to", values["to"]) if "to" in values else None
    return first, last


def parse_limit(values: Mapping[str, str], *, default: int = DEFAULT_PAGE, maximum: int = MAX_PAGE) -> int:
    raw = values.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise InvalidInput(
            f"query parameter 'limit' must be an integer from 1 to {maximum}, got {_shown(raw)}"
        )
    return int(raw)


def parse_sort(values: Mapping[str, str]) -> str:
    raw = values.get("sort", "gross_sales")
    if raw not in SKU_SORTS:
        raise InvalidInput(f"query parameter 'sort' must be one of {', '.join(SKU_SORTS)}, got {_shown(raw)}")
    return raw


def parse_in_home(values: Mapping[str, str]) -> bool:
    """currency=home: the SKU table in the seller's home currency (absent: each row in its own)."""
    raw = values.get("currency")
    if raw is None:
        return False
    if raw != "home":
        raise InvalidInput(f"query parameter 'currency' must be 'home' (or absent), got {_shown(raw)}")
    return True


def parse_transaction_type(values: Mapping[str, str]) -> str | None:
    raw = values.get("type")
    if raw is None:
        return None
    if not _TX_TYPE.fullmatch(raw):
        raise InvalidInput(
            f"query parameter 'type' must be a transaction type like Refund, got {_shown(raw)}"
        )
    return raw


def parse_tx_window(values: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    posted_to = parse_instant("to", values["to"]) if "to" in values else now
    posted_from = parse_instant("from", values["from"]) if "from" in values else posted_to - DEFAULT_TX_WINDOW
    if posted_from >= posted_to:
        raise InvalidInput("query parameter 'from' must be before 'to'")
    if posted_to - posted_from > MAX_TX_WINDOW:
        raise InvalidInput(f"query parameters 'from'..'to' span more than {MAX_TX_WINDOW.days} days")
    return posted_from, posted_to


def encode_cursor(seller_id: str, key: str) -> str:
    payload = json.dumps({"s": seller_id, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(seller_id: str, token: str, pattern: re.Pattern[str]) -> str:
    try:
        payload = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        owner, key = payload["s"], payload["k"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("query parameter 'next_token' is not a token this API issued") from None
    if owner != seller_id or not isinstance(key, str) or not pattern.fullmatch(key):
        raise InvalidInput("query parameter 'next_token' was issued for a different listing")
    return key


FIN_CURSOR = _FIN_KEY
LINE_CURSOR = re.compile(r"^\d{1,7}$")


def validate_settlement_id(settlement_id: str) -> str:
    if not _SETTLEMENT_ID.fullmatch(settlement_id):
        raise InvalidInput(f"path parameter 'settlementId' is not a settlement id: {_shown(settlement_id)}")
    return settlement_id


def validate_sku(sku: str, name: str = "path parameter 'sku'") -> str:
    if not 1 <= len(sku) <= 100 or "#" in sku or any(ord(c) < 32 or ord(c) == 127 for c in sku):
        raise InvalidInput(f"{name} must be 1-100 printable characters without '#', got {_shown(sku)}")
    return sku


class CogsIn(BaseModel):
    """The body of `PUT /sellers/{sellerId}/cogs/{sku}` (the OpenAPI document's; `parse_cogs_body` checks it)."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    unit_cost: str = Field(pattern=r"^\d{1,9}(\.\d{1,4})?$", examples=["4.20"])  # a decimal string ≥ 0
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["USD"])  # a currency of the seller's marketplaces
    effective_from: date


_COGS_FIELDS = ("unit_cost", "currency", "effective_from")


def _json_object(raw_body: bytes | str | None, fields: Sequence[str] = _COGS_FIELDS) -> dict[str, object]:
    try:
        body = json.loads(raw_body or b"", parse_float=Decimal)
    except ValueError:
        raise InvalidInput("the request body must be a JSON object") from None
    return _fields(body, fields, "the body", "the request body")


def _fields(
    body: object, fields: Sequence[str], where: str, what: str, optional: Sequence[str] = ()
) -> dict[str, object]:
    """`body` as an object with exactly `fields` (and maybe `optional`), or InvalidInput."""
    if not isinstance(body, dict):
        raise InvalidInput(f"{what} must be a JSON object")
    unknown = sorted(set(body) - set(fields) - set(optional))
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(_shown(str(u)) for u in unknown)} in {where}")
    for name in fields:
        if name not in body:
            raise InvalidInput(f"field {name!r} is required")
    return body


def _unit_cost(raw_cost: object) -> Decimal:
    if isinstance(raw_cost, bool) or not isinstance(raw_cost, str | int | Decimal):
        raise InvalidInput("field 'unit_cost' must be a decimal string like \"4.20\"")
    try:
        cost = Decimal(str(raw_cost).strip())
    except InvalidOperation:
        raise InvalidInput(
            f"field 'unit_cost' must be a decimal string, got {_shown(str(raw_cost))}"
        ) from None
    if not cost.is_finite() or cost < 0 or cost >= Decimal(10) ** 9:
        raise InvalidInput(f"field 'unit_cost' must be a finite amount ≥ 0, got {_shown(str(raw_cost))}")
    exponent = cost.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise InvalidInput("field 'unit_cost' has more than 4 decimal places")
    return cost


def _currency(currency: object, currencies: Sequence[str]) -> str:
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise InvalidInput("field 'currency' must be an ISO 4217 code like USD")
    if currency not in currencies:
        raise InvalidInput(
            f"field 'currency' must be the currency of one of the seller's marketplaces "
            f"({', '.join(sorted(currencies)) or 'none'}), got {currency!r}"
        )
    return currency


def _effective_from(raw_day: object, today: date) -> date:
    if not isinstance(raw_day, str) or len(raw_day) != 10:
        raise InvalidInput("field 'effective_from' must be an ISO date (YYYY-MM-DD)")
    try:
        effective = date.fromisoformat(raw_day)
    except ValueError:
        raise InvalidInput(f"field 'effective_from' must be an ISO date, got {_shown(raw_day)}") from None
    if not today - timedelta(days=COGS_HISTORY_DAYS) <= effective <= today + timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput(
            f"field 'effective_from' must be within {COGS_HISTORY_DAYS} days back and {MAX_RANGE_DAYS} ahead"
        )
    return effective


def parse_cogs_body(
    seller_id: str, sku: str, raw_body: bytes | str | None, *, currencies: Sequence[str], today: date
) -> CogsEntry:
    """`{"unit_cost": "4.20", "currency": "USD", "effective_from": "2026-11-01"}`, validated."""
    body = _json_object(raw_body)
    return CogsEntry(
        seller_id=seller_id,
        sku=sku,
        unit_cost=_unit_cost(body["unit_cost"]),
        currency=_currency(body["currency"], currencies),
        effective_from=_effective_from(body["effective_from"], today),
    )


class CogsRowIn(BaseModel):
    """One row of a unit-cost import."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    sku: str = Field(min_length=1, max_length=100, examples=["MUG-BLUE-12"])
    unit_cost: str = Field(pattern=r"^\d{1,9}(\.\d{1,4})?$", examples=["4.20"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["USD"])
    effective_from: date


class CogsImportIn(BaseModel):
    """The body of `POST /sellers/{sellerId}/cogs`: up to 100 unit costs, stored all or none;
    `dry_run` checks them and stores nothing (the preview)."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    entries: list[CogsRowIn] = Field(max_length=MAX_COGS_BATCH)
    dry_run: bool = False


@dataclass(frozen=True)
class CogsRowProblem:
    row: int  # 1-based, in the order sent
    sku: str | None
    message: str


@dataclass(frozen=True)
class CogsImport:
    dry_run: bool
    entries: tuple[CogsEntry, ...]
    problems: tuple[CogsRowProblem, ...]


def parse_cogs_import(
    seller_id: str, raw_body: bytes | str | None, *, currencies: Sequence[str], today: date
) -> CogsImport:
    """The import's rows, each checked like one `PUT /cogs/{sku}` body plus its SKU; every bad row is
    named with its number and reason (the preview shows them; nothing is stored while any remains).
    A body that is not an import at all (not an object, no list, too many rows) is InvalidInput."""
    try:
        body = json.loads(raw_body or b"", parse_float=Decimal)
    except ValueError:
        raise InvalidInput("the request body must be a JSON object") from None
    body = _fields(body, ("entries",), "the body", "the request body", optional=("dry_run",))
    rows, dry_run = body["entries"], body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InvalidInput("field 'dry_run' must be true or false")
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_COGS_BATCH:
        raise InvalidInput(f"field 'entries' must be a list of 1 to {MAX_COGS_BATCH} unit costs")
    entries: list[CogsEntry] = []
    problems: list[CogsRowProblem] = []
    seen: dict[tuple[str, date], int] = {}
    for number, row in enumerate(rows, start=1):
        sku = row.get("sku") if isinstance(row, dict) and isinstance(row.get("sku"), str) else None
        try:
            fields = _fields(row, ("sku", *_COGS_FIELDS), f"row {number}", f"row {number}")
            if not isinstance(fields["sku"], str):
                raise InvalidInput("field 'sku' must be a string")
            entry = CogsEntry(
                seller_id=seller_id,
                sku=validate_sku(fields["sku"], "field 'sku'"),
                unit_cost=_unit_cost(fields["unit_cost"]),
                currency=_currency(fields["currency"], currencies),
                effective_from=_effective_from(fields["effective_from"], today),
            )
        except InvalidInput as problem:
            problems.append(CogsRowProblem(row=number, sku=sku, message=str(problem)))
            continue
        key = (entry.sku, entry.effective_from)
        if key in seen:
            message = f"the same SKU and day as row {seen[key]} (a SKU has one cost per day)"
            problems.append(CogsRowProblem(row=number, sku=entry.sku, message=message))
            continue
        seen[key] = number
        entries.append(entry)
    return CogsImport(dry_run=dry_run, entries=tuple(entries), problems=tuple(problems))


def against_stored(parsed: CogsImport, stored: Sequence[CogsEntry]) -> CogsImport:
    """The import with the rows that would replace another currency's cost moved to its problems."""
    entries: list[CogsEntry] = []
    problems = list(parsed.problems)
    for number, entry in _numbered(parsed):
        why = cost_day_conflict(entry, stored)
        if why:
            problems.append(CogsRowProblem(row=number, sku=entry.sku, message=why))
        else:
            entries.append(entry)
    problems.sort(key=lambda p: p.row)
    return CogsImport(dry_run=parsed.dry_run, entries=tuple(entries), problems=tuple(problems))


def _numbered(parsed: CogsImport) -> list[tuple[int, CogsEntry]]:
    """Each valid entry with its row number (the rows not named by a problem, in order)."""
    bad = {p.row for p in parsed.problems}
    rows = (n for n in range(1, len(parsed.entries) + len(parsed.problems) + 1) if n not in bad)
    return list(zip(rows, parsed.entries, strict=True))


# --- responses ------------------------------------------------------------------------------------
def m(amount: Decimal, currency: str) -> MoneyOut:
    return MoneyOut(amount=str(amount), currency=currency)


class PeriodOut(ResponseModel):
    start: date
    end: date
    days: int

    @classmethod
    def of(cls, r: DayRange) -> PeriodOut:
        return cls(start=r.first, end=r.last, days=r.days)


class KpisOut(ResponseModel):
    orders: int
    units: int
    gross_sales: MoneyOut
    refunds: MoneyOut
    amazon_fees: MoneyOut
    amazon_fees_by_type: dict[str, MoneyOut]
    promotions: MoneyOut
    shipping: MoneyOut
    ad_spend: MoneyOut
    cogs: MoneyOut
    estimated_payout: MoneyOut
    net_profit: MoneyOut
    margin: str | None
    acos: str | None = None  # ad spend ÷ ad-attributed sales (14d), 4 places; None without ad sales
    tacos: str | None = None  # ad spend ÷ total ordered sales, 4 places; None without sales
    cogs_complete: bool
    days_with_data: int

    @classmethod
    def of(cls, t: Totals) -> KpisOut:
        fees = {k: m(v, t.currency) for k, v in sorted(t.fees_by_type.items())}
        ratios = {name: decimal_text(getattr(t, name)) for name in ("margin", "acos", "tacos")}
        return cls(
            **same_named(cls, t, amazon_fees_by_type=fees, days_with_data=t.days, **ratios, **_moneys(cls, t))
        )


class CurrencyKpisOut(ResponseModel):
    currency: str
    current: KpisOut
    previous: KpisOut
    change_percent: dict[str, str | None]  # margin: change in percentage points


class MarketplaceWindowOut(ResponseModel):
    marketplace_id: str
    currency: str
    time_zone: str
    current: PeriodOut
    previous: PeriodOut


class SubstitutedRateOut(ResponseModel):
    day: date  # a day of the period without reference rates (weekend, holiday, not yet published)
    rate_day: date  # the latest earlier day whose rates were used


class UnconvertedOut(ResponseModel):
    """A currency's figures of the days without a reference rate: left out of the home figures and
    given here in the currency itself (never converted at 1 nor dropped as 0)."""

    currency: str
    days: list[date]
    gross_sales: MoneyOut
    net_profit: MoneyOut
    estimated_payout: MoneyOut


class HomePeriodOut(ResponseModel):
    converted: list[str]  # the currencies in the total
    missing_rates: list[str]  # currencies left out: no reference rate on or before a day of theirs
    substituted: list[SubstitutedRateOut]
    rates_from: date | None = None  # the first day of the reference rates used (null: none used)
    rates_to: date | None = None  # the last
    unconverted: list[UnconvertedOut] = []  # what `missing_rates` left out, per currency

    @classmethod
    def of(cls, t: HomeTotals) -> HomePeriodOut:
        subs = [SubstitutedRateOut(day=s.day, rate_day=s.rate_day) for s in t.substituted]
        first, last = t.rate_days or (None, None)
        kept = [
            UnconvertedOut(currency=u.currency, days=u.days, **_moneys(UnconvertedOut, u.totals))
            for u in t.unconverted
        ]
        return cls(
            converted=t.converted, missing_rates=t.missing, substituted=subs, rates_from=first,
            rates_to=last, unconverted=kept,
        )  # fmt: skip


class HomeKpisOut(ResponseModel):
    """Every currency's figures in the seller's home currency, each day at its ECB reference rate
    (through the euro): the P&L's leaves (sales, shipping, promotions, refunds, each fee type, ad
    spend, COGS) summed over the period and rounded once, half to even, to the currency's minor unit;
    Amazon fees, payout and net profit the sums of the rounded leaves (`analytics.fx`)."""

    currency: str
    source: str
    current: KpisOut
    previous: KpisOut
    change_percent: dict[str, str | None]
    current_rates: HomePeriodOut
    previous_rates: HomePeriodOut

    @classmethod
    def of(cls, h: HomeKpis) -> HomeKpisOut:
        return cls(
            currency=h.currency,
            source=FX_SOURCE,
            current=KpisOut.of(h.current.totals),
            previous=KpisOut.of(h.previous.totals),
            change_percent={name: decimal_text(v) for name, v in h.change.items()},
            current_rates=HomePeriodOut.of(h.current),
            previous_rates=HomePeriodOut.of(h.previous),
        )


class HomeCurrencyIn(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    home_currency: str | None  # null: back to the main marketplace's currency


class HomeCurrencyOut(ResponseModel):
    home_currency: str  # the currency of the dashboard's one total
    chosen: bool  # set by an owner (false: the default)
    default: str  # the main (first) marketplace's currency
    choices: list[str]  # the currencies with ECB reference rates


class DashboardOut(ResponseModel):
    range: str
    marketplaces: list[MarketplaceWindowOut]
    totals: list[CurrencyKpisOut]
    home: HomeKpisOut | None = None  # every currency in one: the seller's home currency

    @classmethod
    def of(cls, d: Dashboard) -> DashboardOut:
        return cls(
            range=d.range.value,
            marketplaces=[
                MarketplaceWindowOut(
                    marketplace_id=w.marketplace_id,
                    currency=MARKETPLACES[w.marketplace_id].currency,
                    time_zone=MARKETPLACES[w.marketplace_id].time_zone,
                    current=PeriodOut.of(w.current),
                    previous=PeriodOut.of(w.previous),
                )
                for w in d.windows
            ],
            totals=[
                CurrencyKpisOut(
                    currency=k.currency,
                    current=KpisOut.of(k.current),
                    previous=KpisOut.of(k.previous),
                    change_percent={name: decimal_text(v) for name, v in k.change.items()},
                )
                for k in d.currencies
            ],
            home=HomeKpisOut.of(d.home) if d.home is not None else None,
        )


class _SalesOut(ResponseModel):
    """What a day and a SKU row share: sales, costs and profit in one marketplace's currency."""

    marketplace_id: str
    currency: str
    orders: int
    units: int
    gross_sales: MoneyOut
    shipping: MoneyOut
    promotions: MoneyOut
    refunds: MoneyOut
    cogs: MoneyOut
    cogs_complete: bool
    net_profit: MoneyOut
    margin: str | None


def _moneys(model: type[BaseModel], source: DayRollup | SkuTotals | Totals) -> dict[str, MoneyOut]:
    """The model's money fields from the source's amounts of the same name, in the source's currency."""
    names = [name for name, f in model.model_fields.items() if f.annotation in (MoneyOut, "MoneyOut")]
    return {name: m(getattr(source, name), source.currency) for name in names}


def _sales(model: type[_SalesOut], x: DayRollup | SkuTotals, **converted: object) -> dict[str, Any]:
    return same_named(model, x, margin=decimal_text(x.margin), **_moneys(model, x), **converted)


class DayOut(_SalesOut):
    day: date
    amazon_fees: MoneyOut
    amazon_fees_by_type: dict[str, MoneyOut]
    ad_spend: MoneyOut
    estimated_payout: MoneyOut

    @classmethod
    def of(cls, r: DayRollup) -> DayOut:
        fees = {k: m(v, r.currency) for k, v in r.fees_by_type.items()}
        return cls(**_sales(cls, r, amazon_fees_by_type=fees))


class DailyOut(ResponseModel):
    days: list[DayOut]

    @classmethod
    def of(cls, s: DailySeries) -> DailyOut:
        return cls(days=[DayOut.of(r) for r in s.days])


class SkuRowOut(_SalesOut):
    """A SKU's row (`row_type` "sku"), or a row of money naming no SKU: "account" (`label`
    subscription, storage, other_fees or no_sku_sales) or "unattributed_ads". The rows of a range
    sum to its daily series and dashboard in every amount."""

    row_type: str
    sku: str | None
    label: str | None
    fees: MoneyOut
    ad_spend: MoneyOut
    converted_from: str | None = None  # with currency=home: the marketplace's currency, when converted

    @classmethod
    def of(cls, t: SkuTotals, *, home: str | None = None) -> SkuRowOut:
        is_sku = t.kind is RowKind.SKU
        own = MARKETPLACES[t.marketplace_id].currency if t.marketplace_id in MARKETPLACES else t.currency
        converted_from = own if home is not None and t.currency == home else None
        return cls(
            **_sales(
                cls, t, row_type=t.kind.value, sku=t.sku if is_sku else None,
                label=None if is_sku else t.sku, converted_from=converted_from,
            )
        )  # fmt: skip


class SkusHomeOut(ResponseModel):
    """With currency=home: the currency every row was converted to (each day at its ECB reference
    rate, each row's amounts rounded once, profit from the rounded amounts), and the rates' report.
    Rows of days without a rate stay in their own currency (`rates.unconverted` names them)."""

    currency: str
    source: str
    rates: HomePeriodOut


class SkusOut(ResponseModel):
    sort: str
    skus: list[SkuRowOut]
    home: SkusHomeOut | None = None  # given: the table is in the home currency (currency=home)

    @classmethod
    def of(cls, t: SkuTable, sort: str) -> SkusOut:
        home = t.home.currency if t.home is not None else None
        return cls(
            sort=sort,
            skus=[SkuRowOut.of(r, home=home) for r in t.rows],
            home=SkusHomeOut(currency=t.home.currency, source=FX_SOURCE, rates=HomePeriodOut.of(t.home))
            if t.home is not None
            else None,
        )


class InventoryRowOut(ResponseModel):
    marketplace_id: str
    sku: str
    asin: str | None
    fulfillable: int
    inbound: int
    reserved: int
    unfulfillable: int
    units_30d: int
    velocity_per_day: str
    days_of_cover: str | None  # 0 when out of stock, whatever is inbound
    status: str
    as_of: datetime
    reorder_quantity: int  # units to order (0 without sales)
    order_by: date | None  # the last day to order (today when due); null without sales
    lead_time_days: int
    safety_days: int
    own_lead_time: bool  # the SKU's own lead time and safety stock, else the seller's default

    @classmethod
    def of(cls, h: InventoryHealth, plan: ReorderPlan) -> InventoryRowOut:
        return cls(
            **same_named(
                cls, h, units_30d=h.units_in_window, velocity_per_day=str(h.velocity),
                days_of_cover=decimal_text(h.days_of_cover), status=h.status.value,
                reorder_quantity=plan.reorder_quantity, order_by=plan.order_by,
                lead_time_days=plan.lead_time_days, safety_days=plan.safety_days,
                own_lead_time=plan.own_lead_time,
            )
        )  # fmt: skip


class InventoryOut(ResponseModel):
    lead_time_days: int  # the seller's default
    safety_days: int
    overstock_days: int
    cycle_days: int  # days of sales one reorder covers once it arrives
    items: list[InventoryRowOut]  # most urgent first: out of stock, then least days of cover

    @classmethod
    def of(cls, v: InventoryView) -> InventoryOut:
        return cls(
            lead_time_days=v.policy.lead_time_days,
            safety_days=v.policy.safety_days,
            overstock_days=v.policy.overstock_days,
            cycle_days=v.cycle_days,
            items=[InventoryRowOut.of(r, p) for r, p in zip(v.rows, v.plans, strict=True)],
        )


class SettlementOut(ResponseModel):
    settlement_id: str
    marketplace_id: str | None
    start: datetime
    end: datetime
    deposit_date: datetime | None
    total: MoneyOut

    @classmethod
    def of(cls, s: SettlementSummary) -> SettlementOut:
        return cls(**same_named(cls, s, total=m(s.total, s.currency)))


class SettlementsOut(ResponseModel):
    settlements: list[SettlementOut]

    @classmethod
    def of(cls, found: Sequence[SettlementSummary]) -> SettlementsOut:
        return cls(settlements=[SettlementOut.of(s) for s in found])


class SettlementLineOut(ResponseModel):
    line: int
    transaction_type: str | None
    order_id: str | None
    sku: str | None
    amount_type: str | None
    amount_description: str | None
    amount: MoneyOut
    posted_at: datetime | None
    marketplace_name: str | None
    quantity: int | None

    @classmethod
    def of(cls, line: SettlementLineFact) -> SettlementLineOut:
        return cls(**same_named(cls, line, amount=m(line.amount, line.currency)))


class SettlementDetailOut(ResponseModel):
    settlement: SettlementOut
    lines: list[SettlementLineOut]
    next_token: str | None

    @classmethod
    def of(cls, d: SettlementDetail, seller_id: str) -> SettlementDetailOut:
        return cls(
            settlement=SettlementOut.of(d.settlement),
            lines=[SettlementLineOut.of(x) for x in d.lines],
            next_token=None if d.next_line is None else encode_cursor(seller_id, str(d.next_line)),
        )


class AmountOut(ResponseModel):
    type: str
    amount: MoneyOut


class TransactionOut(ResponseModel):
    transaction_id: str
    transaction_type: str
    posted_at: datetime
    local_date: date
    marketplace_id: str
    order_id: str | None
    sku: str | None
    quantity: int | None
    total: MoneyOut
    amounts: list[AmountOut]

    @classmethod
    def of(cls, t: FinanceTransactionFact) -> TransactionOut:
        amounts = [AmountOut(type=k, amount=m(v, t.currency)) for k, v in t.amounts]
        return cls(**same_named(cls, t, total=m(t.total, t.currency), amounts=amounts))


class TransactionsOut(ResponseModel):
    transactions: list[TransactionOut]
    next_token: str | None


class CogsOut(ResponseModel):
    sku: str
    effective_from: date
    unit_cost: MoneyOut

    @classmethod
    def of(cls, e: CogsEntry) -> CogsOut:
        return cls(sku=e.sku, effective_from=e.effective_from, unit_cost=m(e.unit_cost, e.currency))


class CogsListOut(ResponseModel):
    cogs: list[CogsOut]

    @classmethod
    def of(cls, entries: Sequence[CogsEntry]) -> CogsListOut:
        return cls(cogs=[CogsOut.of(e) for e in entries])


class CogsRowProblemOut(ResponseModel):
    row: int
    sku: str | None
    message: str


class CogsImportOut(ResponseModel):
    """A checked (dry run) or stored import: the rows that are valid, the rows that are not."""

    dry_run: bool
    stored: int  # 0 on a dry run
    valid: list[CogsOut]
    errors: list[CogsRowProblemOut]
    days_marked_for_recompute: int

    @classmethod
    def of(cls, parsed: CogsImport, *, stored: int = 0, dirty_days: int = 0) -> CogsImportOut:
        return cls(
            dry_run=parsed.dry_run,
            stored=stored,
            valid=[CogsOut.of(e) for e in parsed.entries],
            errors=[CogsRowProblemOut(row=p.row, sku=p.sku, message=p.message) for p in parsed.problems],
            days_marked_for_recompute=dirty_days,
        )


class CogsPutOut(ResponseModel):
    cogs: CogsOut
    days_marked_for_recompute: int

    @classmethod
    def of(cls, change: CogsChange) -> CogsPutOut:
        return cls(cogs=CogsOut.of(change.entry), days_marked_for_recompute=change.dirty_days)
