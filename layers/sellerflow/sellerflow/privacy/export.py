"""A seller's export: everything stored for the seller, as a zip of one JSON and one CSV per entity.

Entities come from the sort key: the part before the first `#` names the item kind (`ORDER#...` →
`orders`), per table. What is exported: every item of the seller-data table, the seller's items of the
sellers table except the encrypted refresh token (`CREDENTIALS`), and the seller's audit entries. The
buyer-PII table is not exported as it is; the one exception is the seller's own buyer messages
(`messages/buyer_messages`, docs/messages.md): mail the seller received, decrypted by an `extras`
source, since the seller may ask for what Sellerflow holds of its inbox. Shipping labels never are.

Memory stays bounded whatever the seller's size: items stream from the store one page at a time into
per-entity spooled temporary files (JSON lines, plus the union of the entity's columns), and the
zip is assembled from those files into a spooled temporary file, then uploaded as a stream.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO, Any, Protocol

from sellerflow.privacy.models import ExportInput, ExportOutput

# Sellers-table item kinds never exported: refresh tokens' ciphertexts (SP-API `CREDENTIALS`, Amazon
# Ads `CREDENTIALS#ADS`, and any later one under that prefix) are credentials.
EXCLUDED_SORT_KEYS = {"sellers": frozenset({"CREDENTIALS"})}
EXCLUDED_SORT_KEY_PREFIXES = {"sellers": ("CREDENTIALS#",)}
# Tables an export reads, and the folder each one's entities go to. Never "pii".
EXPORTED_TABLES: tuple[tuple[str, str], ...] = (
    ("seller_data", "seller_data"),
    ("sellers", "account"),
    ("audit", "audit"),
)
ENTITY_NAMES: dict[str, dict[str, str]] = {
    "seller_data": {
        "ORDER": "orders",
        "LISTING": "listings",
        "INV": "inventory",
        "TRAFFIC": "traffic",
        "FIN": "finance_transactions",
        "SETTLEMENT": "settlements",
        "SETTLEMENTLINE": "settlement_lines",
        "COGS": "cogs",
        "RDAY": "rollups_daily",
        "RSKU": "rollups_sku",
        "MSGTHREAD": "message_threads",
    },
    "sellers": {
        "PROFILE": "profile",
        "SYNC": "sync_state",
        "REPORT": "reports",
        "REPORTCARRY": "reports_carried",  # the hourly run's reports in flight (sellerflow.sync.carry)
        "MEMBER": "members",
        "DIRTY": "rollup_markers",
        "COGS": "cogs",
        "RESTRICT": "restrictions",
    },
    "audit": {},  # see entity_of
}
SPOOL_BYTES = 4 * 1024 * 1024
UNSAFE_ATTRIBUTES = frozenset({"refresh_token_ciphertext"})  # never exported, whatever the item kind


class PartitionSource(Protocol):
    def items(self, kind: str, seller_id: str) -> Iterable[dict[str, Any]]: ...


class ExportSink(Protocol):
    def upload(self, key: str, body: IO[bytes], *, content_type: str = "application/zip") -> None: ...


def export_id_for(seller_id: str, request_id: str) -> str:
    """A stable export id from the seller and the API request id (a retried request starts nothing new)."""
    return hashlib.sha256(f"{seller_id}\x00{request_id}".encode()).hexdigest()[:24]


def export_execution_name(seller_id: str, export_id: str) -> str:
    """Step Functions execution name of an export (at most 80 characters, [A-Za-z0-9_-])."""
    return f"{export_id}-{seller_id}"[:80]


def export_key(prefix: str, seller_id: str, export_id: str) -> str:
    return f"{prefix}{seller_id}/{export_id}.zip"


def entity_of(kind: str, sort_key: str) -> str:
    """The entity an item belongs to, from its table and sort key."""
    if kind == "audit":  # SEQ#<seq> entries of the hash chain, and its head
        return "audit_chain_head" if sort_key == "AUDITHEAD" else "audit_log"
    prefix = sort_key.split("#", 1)[0]
    return ENTITY_NAMES.get(kind, {}).get(prefix) or prefix.lower() or "other"


def exportable(kind: str, item: Mapping[str, Any]) -> bool:
    sort_key = str(item.get("sk", ""))
    if sort_key in EXCLUDED_SORT_KEYS.get(kind, frozenset()):
        return False
    return not sort_key.startswith(EXCLUDED_SORT_KEY_PREFIXES.get(kind, ()))


def plain_value(value: Any) -> Any:
    """A stored value as JSON: Decimal → int when whole, else its exact string (money stays exact)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else str(value)
    if isinstance(value, set | frozenset):
        return sorted(plain_value(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), bytes):  # boto3 Binary
        return base64.b64encode(value.value).decode()
    return value


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class _EntityBuffer:
    """One entity's rows as JSON lines in a spooled temporary file, with the union of its columns."""

    rows: IO[bytes] = field(
        default_factory=lambda: tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by close()
    )
    columns: dict[str, None] = field(default_factory=dict)
    count: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        for column in row:
            self.columns.setdefault(column, None)
        self.rows.write(json.dumps(row, separators=(",", ":"), sort_keys=True).encode() + b"\n")
        self.count += 1

    def lines(self) -> Iterator[dict[str, Any]]:
        self.rows.seek(0)
        for line in self.rows:
            yield json.loads(line)

    def close(self) -> None:
        self.rows.close()


def group_items(
    source: PartitionSource,
    seller_id: str,
    extras: Mapping[tuple[str, str], Iterable[Mapping[str, Any]]] | None = None,
) -> dict[tuple[str, str], _EntityBuffer]:
    """Every exportable item of the seller, grouped by (folder, entity), spooled to temporary files;
    `extras` adds entities read elsewhere (rows already shaped for the seller)."""
    buffers: dict[tuple[str, str], _EntityBuffer] = {}
    for (folder, entity), rows in (extras or {}).items():
        for extra in rows:
            buffers.setdefault((folder, entity), _EntityBuffer()).add(
                {k: plain_value(v) for k, v in extra.items()}
            )
    for kind, folder in EXPORTED_TABLES:
        for item in source.items(kind, seller_id):
            if item.get("seller_id") != seller_id or not exportable(kind, item):
                continue
            row = {k: plain_value(v) for k, v in item.items() if k not in UNSAFE_ATTRIBUTES}
            entity = entity_of(kind, str(item.get("sk", "")))
            buffers.setdefault((folder, entity), _EntityBuffer()).add(row)
    return buffers


def _columns(buffer: _EntityBuffer) -> list[str]:
    first = [c for c in ("seller_id", "sk") if c in buffer.columns]
    return first + sorted(c for c in buffer.columns if c not in first)


def write_zip(
    buffers: Mapping[tuple[str, str], _EntityBuffer], out: IO[bytes], *, manifest: Mapping[str, Any]
) -> None:
    """`<folder>/<entity>.json` (an array) and `<folder>/<entity>.csv` per entity, and manifest.json."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        for (folder, entity), buffer in sorted(buffers.items()):
            with archive.open(f"{folder}/{entity}.json", "w") as target:
                target.write(b"[")
                for index, row in enumerate(buffer.lines()):
                    target.write((b",\n" if index else b"\n") + json.dumps(row, sort_keys=True).encode())
                target.write(b"\n]\n")
            columns = _columns(buffer)
            with archive.open(f"{folder}/{entity}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(columns)
                for row in buffer.lines():
                    writer.writerow([csv_cell(row.get(c)) for c in columns])
                text.flush()
                text.detach()


def build_export(
    request: ExportInput,
    *,
    source: PartitionSource,
    sink: ExportSink,
    prefix: str,
    now: datetime | None = None,
    extras: Mapping[tuple[str, str], Iterable[Mapping[str, Any]]] | None = None,
) -> ExportOutput:
    """Write the seller's export zip to `<prefix><sellerId>/<exportId>.zip`; what it holds."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    buffers = group_items(source, request.seller_id, extras)
    key = export_key(prefix, request.seller_id, request.export_id)
    entities = {f"{folder}/{entity}": b.count for (folder, entity), b in sorted(buffers.items())}
    manifest = {
        "seller_id": request.seller_id,
        "export_id": request.export_id,
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "entities": entities,
        "notes": [
            "One JSON array and one CSV file per entity; money is a decimal string with its currency.",
            "Not included: the encrypted refresh token (a credential) and buyer personal data "
            "(Sellerflow does not keep it with the seller's data), except the buyer messages the "
            "seller received (messages/buyer_messages), which are the seller's own inbox.",
        ],
    }
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as archive:
            write_zip(buffers, archive, manifest=manifest)
            size = archive.tell()
            archive.seek(0)
            sink.upload(key, archive)
    finally:
        for buffer in buffers.values():
            buffer.close()
    return ExportOutput(
        seller_id=request.seller_id, export_id=request.export_id, key=key, entities=entities, bytes=size
    )
