"""What a buyer asks, by keyword rules (English, German, French, Spanish, Italian, Japanese): the
intent picks the local drafter's template and is what a seller names to allow auto-send."""

from __future__ import annotations

import re

WHERE_IS_MY_ORDER = "where_is_my_order"
RETURN = "return"
DAMAGED = "damaged_item"
INVOICE = "invoice_request"
CANCELLATION = "cancellation"
OTHER = "other"
INTENTS = (WHERE_IS_MY_ORDER, RETURN, DAMAGED, INVOICE, CANCELLATION, OTHER)

# First match wins: damage and cancellation outrank the generic "where is it".
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DAMAGED,
        re.compile(
            r"damag|broken|cracked|defect|besch[äa]digt|kaputt|cass[ée]|endommag|roto|rotto|破損|壊れ", re.I
        ),
    ),
    (CANCELLATION, re.compile(r"cancel|stornier|annul|キャンセル", re.I)),
    (INVOICE, re.compile(r"invoice|receipt|rechnung|facture|factura|fattura|領収書|請求書", re.I)),
    (
        RETURN,
        re.compile(r"\breturn|refund|zur[üu]ck|r[üu]cksend|retour|rembours|devoluci|reso\b|返品|返金", re.I),
    ),
    (
        WHERE_IS_MY_ORDER,
        re.compile(
            r"where is|not (?:yet )?(?:arrived|received)|hasn'?t arrived|tracking|deliver|shipped|"
            r"wo ist|nicht angekommen|sendungsverfolgung|o[ùu] est|pas (?:encore )?re[çc]u|d[oó]nde est[aá]|"
            r"届いて|配送",
            re.I,
        ),
    ),
)


def classify(text: str) -> str:
    for intent, pattern in _RULES:
        if pattern.search(text):
            return intent
    return OTHER
