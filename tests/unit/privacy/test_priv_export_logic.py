"""Building an export with fakes: grouping by table and sort-key prefix, JSON and CSV per entity,
exclusions (credentials, other sellers), exact money, and the execution name rules."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from priv_fakes import OTHER, OWNER_SUB, SELLER, FakeObjects, FakePartitions

from sellerflow.privacy.export import (
    build_export,
    entity_of,
    export_execution_name,
    export_id_for,
    exportable,
    plain_value,
)
from sellerflow.privacy.models import ExportInput


@pytest.mark.parametrize(
    ("kind", "sk", "entity"),
    [
        ("seller_data", "ORDER#111-1", "orders"),
        ("seller_data", "FIN#2026-01-01T00:00:00Z#T1", "finance_transactions"),
        ("seller_data", "SETTLEMENT#S1", "settlements"),
        ("seller_data", "SETTLEMENTLINE#S1#0000001", "settlement_lines"),
        ("seller_data", "TRAFFIC#ASIN#2026-01-01#M#B0", "traffic"),
        ("seller_data", "RDAY#2026-01-01#M", "rollups_daily"),
        ("seller_data", "NEWKIND#x", "newkind"),
        ("sellers", "MEMBER#abc", "members"),
        ("sellers", "SYNC#orders", "sync_state"),
        ("audit", "SEQ#000000000001", "audit_log"),
        ("audit", "AUDITHEAD", "audit_chain_head"),
    ],
)
def test_an_items_entity_is_its_sort_key_prefix_per_table(kind: str, sk: str, entity: str) -> None:
    assert entity_of(kind, sk) == entity


def _build(parts: FakePartitions) -> zipfile.ZipFile:
    sink = FakeObjects()
    export_id = export_id_for(SELLER, "req-1")
    out = build_export(
        ExportInput(seller_id=SELLER, export_id=export_id, requested_by=OWNER_SUB),
        source=parts,
        sink=sink,
        prefix="exports/",
    )
    assert out.key == f"exports/{SELLER}/{export_id}.zip"
    assert out.bytes == len(sink.uploaded[out.key])
    return zipfile.ZipFile(io.BytesIO(sink.uploaded[out.key]))


def test_every_entity_gets_a_json_array_and_a_csv_with_the_union_of_its_columns() -> None:
    parts = FakePartitions()
    parts.add("seller_data", SELLER, "ORDER#1", order_total="42.50", items=[{"sku": "A", "qty": Decimal(2)}])
    parts.add("seller_data", SELLER, "ORDER#2", status="Shipped")
    parts.add("seller_data", SELLER, "FIN#2026#T1", total=Decimal("-3.10"), quantity=Decimal(1))
    parts.add("sellers", SELLER, "PROFILE", name="Shop")
    parts.add("audit", SELLER, "SEQ#000000000001", action="orders.list")
    archive = _build(parts)
    orders = json.loads(archive.read("seller_data/orders.json"))
    assert [o["sk"] for o in orders] == ["ORDER#1", "ORDER#2"]
    assert orders[0]["items"] == [{"sku": "A", "qty": 2}]
    rows = list(csv.DictReader(io.StringIO(archive.read("seller_data/orders.csv").decode())))
    assert list(rows[0]) == ["seller_id", "sk", "items", "order_total", "status"]
    assert rows[1]["order_total"] == ""
    assert json.loads(rows[0]["items"]) == [{"qty": 2, "sku": "A"}]
    fin = json.loads(archive.read("seller_data/finance_transactions.json"))[0]
    assert fin["total"] == "-3.1" or fin["total"] == "-3.10"
    assert fin["quantity"] == 1
    assert {"account/profile.json", "audit/audit_log.csv", "manifest.json"} <= set(archive.namelist())


def test_credentials_ciphertext_and_other_sellers_never_reach_the_export() -> None:
    parts = FakePartitions()
    parts.add("sellers", SELLER, "CREDENTIALS", refresh_token_ciphertext=b"secret-bytes")
    parts.add("sellers", SELLER, "PROFILE", name="Shop", refresh_token_ciphertext=b"stray")
    parts.add("seller_data", OTHER, "ORDER#9")
    parts.add("pii", SELLER, "ORDER#1#shipping", name="pii-canary")
    archive = _build(parts)
    blob = b"".join(archive.read(n) for n in archive.namelist())
    assert b"CREDENTIALS" not in blob
    assert b"refresh_token_ciphertext" not in blob
    assert OTHER.encode() not in blob
    assert b"pii-canary" not in blob


def test_money_and_numbers_keep_their_exact_value() -> None:
    assert plain_value(Decimal("19.990")) == "19.990"
    assert plain_value(Decimal("7")) == 7
    assert plain_value({"a": {Decimal("1"), Decimal("2")}}) == {"a": [1, 2]}


def test_export_ids_and_execution_names_are_stable_short_and_legal() -> None:
    export_id = export_id_for(SELLER, "req-1")
    assert export_id == export_id_for(SELLER, "req-1") != export_id_for(OTHER, "req-1")
    name = export_execution_name("S" * 64, export_id)
    assert len(name) <= 80
    assert re.fullmatch(r"[A-Za-z0-9_-]+", name)


def test_no_refresh_token_of_any_kind_is_exportable() -> None:
    # Given the sellers-table items of a seller connected to both SP-API and Amazon Ads
    items = [
        {"seller_id": "S", "sk": sk} for sk in ("PROFILE", "CREDENTIALS", "CREDENTIALS#ADS", "MEMBER#u1")
    ]
    # When the export filters them
    kept = [item["sk"] for item in items if exportable("sellers", item)]
    # Then neither credential item is in it, and the seller's own records are
    assert kept == ["PROFILE", "MEMBER#u1"]
