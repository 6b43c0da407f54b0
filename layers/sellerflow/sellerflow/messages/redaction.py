"""Buyer text without the buyer: what a drafter (a model) may see.

Three passes, in this order, on every text before any drafter sees it:

1. known values: the thread's relay address and whatever Sellerflow holds of the order's buyer
   (the label queue's name and address lines, city, postal code, phone), matched without case;
2. a detector port: Amazon Comprehend `DetectPiiEntities` in AWS (`ComprehendDetector`, English and
   Spanish, the languages it supports); nothing locally;
3. the rule-based detector, always, as the second pass everywhere (`RuleDetector`): e-mail
   addresses, phone numbers, street addresses, postcodes (US, CA, GB, DE, FR, JP shapes), and names
   where buyers put them (greetings, "my name is", the lines after a sign-off).

Each finding becomes a placeholder (`[NAME]`, `[ADDRESS]`, ...); the order id is kept (it is not
personal data, and the reply must name it). Counts per kind are returned, never the values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sellerflow.messages.model import ORDER_ID_RE
from sellerflow.settings import Settings
from sellerflow.subprocessors import SubprocessorUse


def _comprehend_on(settings: Settings) -> bool:
    return bool(settings.messages_inbound_domain) and settings.pii_detector == "comprehend"


SENDS = SubprocessorUse(
    role="ai",
    provider="Amazon Web Services",
    service="Amazon Comprehend (DetectPiiEntities, in the deployment's region)",
    purpose="finds personal data in buyer messages so that it is removed before any drafting model sees it",
    receives=(
        "buyer message text in English or Spanish (the languages it detects in), after the relay "
        "address and the buyer data Sellerflow holds for the order were removed; Comprehend keeps none of it",
    ),
    in_use=_comprehend_on,
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Redacted:
    text: str
    counts: Counter[str] = field(default_factory=Counter)

    def __repr__(self) -> str:
        return f"Redacted(chars={len(self.text)}, counts={dict(self.counts)})"


class PiiDetector(Protocol):
    def detect(self, text: str, language: str) -> list[Span]: ...


_NAME_TOKEN = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*"
# Capitalised words that open a sentence rather than name someone ("Hi, I ...", "Dear Seller").
_NOT_A_NAME = (
    r"(?!(?:I|I'm|I've|We|My|Our|The|This|It|Thanks?|Please|Seller|Sellers|Sir|Madam|Team|There|All|Amazon|"
    r"Good|Hope|Just|Can|Could|Would|Is|Are|Do|Does|When|Where|What|Why|How|Ich|Wir|Je|Nous|Yo)\b)"
)
_NAME = rf"{_NOT_A_NAME}{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,4}}"
_TRAIL = rf"(?:[ \t]+{_NAME_TOKEN})*"  # capitalised words that follow on the same line go too
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d ()./\-]{6,}\d(?:[ \t]+[\w\-]*\d[\w\-]*)?(?![\w-])")
_STREET_SUFFIX = (
    r"(?:St|Street|Ave|Avenue|Rd|Road|Dr|Drive|Ln|Lane|Blvd|Boulevard|Way|Ct|Court|Pl|Place|Sq|Square|"
    r"Cres|Crescent|Terrace|Close|Hwy|Highway|Pkwy|Parkway)"
)
_STREETS = (
    re.compile(
        rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]+(?:{_NAME_TOKEN}[ \t]+){{0,4}}{_STREET_SUFFIX}\b\.?(?:[ \t]+[NSEW]\b)?{_TRAIL}"
    ),
    re.compile(
        rf"\b[A-ZÄÖÜ][\wäöüß\-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm)[ \t]+\d{{1,4}}[a-z]?{_TRAIL}",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b\d{1,4},?[ \t]+(?:rue|avenue|boulevard|chemin|calle|avenida|via|viale|piazza)\b[^\n,]*", re.I
    ),
    re.compile(rf"\b(?:Rue|Calle|Via|Avenida)[ \t]+{_NAME}{_TRAIL}"),
    re.compile(rf"\b\d{{1,2}}-\d{{1,3}}-\d{{1,3}}[ \t]+{_NAME_TOKEN}{_TRAIL}"),  # JP chome-ban-go
)
_POSTCODES = (
    re.compile(rf"\b[A-Z]{{1,2}}\d[A-Z\d]?[ \t]*\d[A-Z]{{2}}\b{_TRAIL}"),  # GB
    re.compile(rf"\b[A-Z]\d[A-Z][ \t]?\d[A-Z]\d\b{_TRAIL}"),  # CA
    re.compile(rf"\b\d{{3}}-\d{{4}}\b{_TRAIL}"),  # JP
    re.compile(rf"\b[A-Z]{{2}}[ \t]+\d{{5}}(?:-\d{{4}})?\b{_TRAIL}"),  # US: state + ZIP
    re.compile(rf"\b\d{{5}}(?:-\d{{4}})?[ \t]+{_NAME}{_TRAIL}"),  # DE/FR/ES/IT: code + city
    re.compile(rf"\b{_NAME_TOKEN},[ \t]+[A-Z]{{2}}\b"),  # "Seattle, WA"
)
_GREETING = re.compile(
    r"(?m)^[ \t]*(?i:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|liebe[rs]?|sehr geehrte[rs]?|"
    r"bonjour|cher|ch[èe]re|hola|estimad[oa]|ciao|gentile)\b[ \t,]*(?:(?i:mr|mrs|ms|miss|dr|herr|frau|"
    rf"m\.|mme|sr|sra)\.?[ \t]+)?(?P<name>{_NAME}{_TRAIL})"
)
_SELF = re.compile(
    rf"(?i:\b(?:my name is|this is|i am|i'm|ich bin|ich heiße|mein name ist|je m'appelle|je suis|me llamo|"
    rf"soy|mi chiamo))[ \t]+(?P<name>{_NAME}{_TRAIL})"
)
_SIGN_OFF = re.compile(
    r"(?im)^[ \t]*(?:thanks?(?: you)?|thank you(?: very much)?|many thanks|regards|best(?: regards| wishes)?|"
    r"kind regards|cheers|sincerely|yours(?: sincerely| truly)?|(?:viele |liebe |beste |freundliche )?gr[üu](?:ß|ss)e|"
    r"mit freundlichen gr[üu](?:ß|ss)en|merci|cordialement|bien à vous|saludos|atentamente|gracias|cordiali saluti|"
    r"grazie|よろしくお願いします|宜しくお願いします|よろしくお願いいたします)[ \t]*[,.!。、]*[ \t]*$"
)
_CUSTOMER = re.compile(
    rf"(?i:\b(?:customer|buyer|kunde|kundin|client|cliente|acheteur|käufer))[ \t]*:?[ \t]+(?P<name>{_NAME}{_TRAIL})"
)
_ADDRESS_LEAD = re.compile(
    r"(?im)(?:(?:my |the |new |correct )?(?:delivery |shipping )?address(?: is)?|send (?:it )?to|ship (?:it )?to|"
    r"deliver (?:it )?to|lieferadresse(?: ist)?|meine adresse(?: ist)?|(?:mon |ma )?adresse(?: est)?|"
    r"(?:mi )?direcci[oó]n(?: es)?|indirizzo|住所)[ \t]*[:：]?[ \t]*"
)
_PHONE_LEAD = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|call me (?:on|at)|reach me (?:on|at)|telefon|handy|"
    r"t[ée]l[ée]phone|portable|tel[ée]fono|m[óo]vil|cellulare|電話(?:番号)?)(?: number)?(?: is| ist| est| es)?"
    r"[ \t]*[:：]?[ \t]*(?=[+(\d])"
)
_POSTCODE_ANYWHERE = re.compile(
    r"\b(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|\d{3}-\d{4})\b"
)
_SIGNATURE_LINE = re.compile(rf"^[ \t]*(?:-{{1,2}}[ \t]*)?(?P<name>{_NAME}{_TRAIL})[ \t]*$")


class RuleDetector:
    """Shapes and places of personal data in buyer mail; language independent where it can be."""

    def detect(self, text: str, language: str = "en") -> list[Span]:  # noqa: ARG002 - one pass for all
        spans: list[Span] = []
        spans += [Span(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]
        for pattern in _STREETS:
            spans += [Span(m.start(), m.end(), "ADDRESS") for m in pattern.finditer(text)]
        for pattern in _POSTCODES:
            spans += [Span(m.start(), m.end(), "ADDRESS") for m in pattern.finditer(text)]
        for pattern in (_GREETING, _SELF, _CUSTOMER):
            spans += [Span(m.start("name"), m.end("name"), "NAME") for m in pattern.finditer(text)]
        spans += self._signatures(text)
        spans += self._address_blocks(text)
        spans += [Span(m.end(), _line_end(text, m.end()), "PHONE") for m in _PHONE_LEAD.finditer(text)]
        spans += self._postcode_lines(text)
        spans += [
            Span(m.start(), m.end(), "PHONE") for m in _PHONE.finditer(text) if not _order_id_only(m.group())
        ]
        return spans

    @staticmethod
    def _address_blocks(text: str) -> list[Span]:
        """What follows "my address is", "send it to", "Lieferadresse:": the rest of the line and up
        to three lines after it (until a blank line)."""
        spans = []
        for lead in _ADDRESS_LEAD.finditer(text):
            line_end = text.find("\n", lead.end())
            line_end = len(text) if line_end < 0 else line_end
            if text[lead.end() : line_end].strip():
                spans.append(Span(lead.end(), line_end, "ADDRESS"))
            position = line_end + 1
            for _ in range(3):
                if position >= len(text):
                    break
                end = text.find("\n", position)
                end = len(text) if end < 0 else end
                if not text[position:end].strip() or _SIGN_OFF.match(text[position:end]):
                    break
                spans.append(Span(position, end, "ADDRESS"))
                position = end + 1
        return spans

    @staticmethod
    def _postcode_lines(text: str) -> list[Span]:
        """A short line with a postcode in it is an address line (a whole line: city, region, code)."""
        spans = []
        for line in re.finditer(r"[^\n]+", text):
            content = ORDER_ID_RE.sub("", line.group())
            phones = [(m.start(), m.end()) for m in _PHONE.finditer(content)]
            codes = [
                m for m in _POSTCODE_ANYWHERE.finditer(content)
                if not any(a <= m.start() and m.end() <= b for a, b in phones)  # a phone's digits
            ]  # fmt: skip
            if codes and len(content.split()) <= 10:
                spans.append(Span(line.start(), line.end(), "ADDRESS"))
        return spans

    @staticmethod
    def _signatures(text: str) -> list[Span]:
        """The (up to three) non-empty lines after a sign-off, until a blank line: a name, often a
        phone number or an address."""
        spans = []
        for sign_off in _SIGN_OFF.finditer(text):
            position, taken = _line_end(text, sign_off.end()) + 1, 0
            while position < len(text) and taken < 3:
                end = _line_end(text, position)
                content = text[position:end]
                if not content.strip():
                    if taken:
                        break
                    position = end + 1
                    continue
                kind = "NAME" if _SIGNATURE_LINE.match(content) else "ADDRESS"
                spans.append(Span(position, end, kind))
                taken += 1
                position = end + 1
        return spans


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _order_id_only(value: str) -> bool:
    return bool(ORDER_ID_RE.fullmatch(value.strip()))


class ComprehendDetector:
    """Amazon Comprehend `DetectPiiEntities` (English and Spanish); other languages: nothing (the
    rule-based pass still runs)."""

    LANGUAGES = frozenset({"en", "es"})
    MAX_BYTES = 100_000
    MIN_SCORE = 0.5

    def __init__(self, client: Any) -> None:
        self._client = client

    def detect(self, text: str, language: str = "en") -> list[Span]:
        if language not in self.LANGUAGES or not text.strip():
            return []
        chunk = text.encode("utf-8")[: self.MAX_BYTES].decode("utf-8", errors="ignore")
        answer = self._client.detect_pii_entities(Text=chunk, LanguageCode=language)
        return [
            Span(int(e["BeginOffset"]), int(e["EndOffset"]), str(e["Type"]))
            for e in answer.get("Entities", [])
            if float(e.get("Score", 1.0)) >= self.MIN_SCORE
        ]


def _known_spans(text: str, known: Iterable[str]) -> list[Span]:
    spans = []
    for value in known:
        value = value.strip()
        if len(value) < 3:
            continue
        pieces = [value, *(p for p in re.split(r"[\s,]+", value) if len(p) >= 3 and not p.isdigit())]
        for piece in pieces:
            for match in re.finditer(re.escape(piece), text, re.IGNORECASE):
                spans.append(Span(match.start(), match.end(), "KNOWN"))
    return spans


def _apply(text: str, spans: Sequence[Span], counts: Counter[str]) -> str:
    protected = [(m.start(), m.end()) for m in ORDER_ID_RE.finditer(text)]
    ordered = sorted(
        (s for s in spans if s.end > s.start and not any(a <= s.start and s.end <= b for a, b in protected)),
        key=lambda s: (s.start, -s.end),
    )
    out, cursor = [], 0
    for span in ordered:
        if span.end <= cursor:
            continue
        start = max(span.start, cursor)
        out.append(text[cursor:start])
        out.append(f"[{span.kind}]")
        counts[span.kind] += 1
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


def language_of(text: str) -> str:
    """A coarse guess (Comprehend's PII detection needs the language): ja, de, fr, es, it or en."""
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
        return "ja"
    words = set(re.findall(r"[a-zäöüßéèàçñ]+", text.lower()))
    scores = {
        "de": len(words & {"ich", "und", "nicht", "meine", "bestellung", "ist", "die", "der", "wo"}),
        "fr": len(words & {"je", "et", "pas", "ma", "commande", "est", "le", "la", "reçu"}),
        "es": len(words & {"yo", "y", "no", "mi", "pedido", "está", "el", "la", "dónde"}),
        "it": len(words & {"io", "e", "non", "mio", "ordine", "è", "il", "la", "dove"}),
    }
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 2 else "en"


class Redactor:
    def __init__(self, detectors: Sequence[PiiDetector] = (), rules: PiiDetector | None = None) -> None:
        self._detectors = tuple(detectors)
        self._rules = rules or RuleDetector()

    def redact(self, text: str, known: Iterable[str] = ()) -> Redacted:
        counts: Counter[str] = Counter()
        text = _apply(text, _known_spans(text, known), counts)
        language = language_of(text)
        for detector in self._detectors:
            text = _apply(text, detector.detect(text, language), counts)
        text = _apply(text, self._rules.detect(text, language), counts)
        return Redacted(text, counts)
