"""An export in moto: the zip holds every entity of the seller (JSON and CSV), never the refresh
token's ciphertext or another seller's data, is stored under SSE-KMS, and is handed out by a
presigned URL that expires within 15 minutes."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any
from urllib.parse import parse_qs, urlsplit

from priv_int_support import BUCKET, OTHER, OWNER_SUB, REFRESH_TOKEN, SELLER, PrivacyAws, seed_seller

from sellerflow.domain import Membership, Role
from sellerflow.principal import Principal
from sellerflow.privacy.export import build_export, export_execution_name, export_id_for
from sellerflow.privacy.models import ExportInput
from sellerflow.privacy.service import PrivacyConfig, SellerRights
from sellerflow.store.audit import AuditLog
from sellerflow.store.privacy import ExecutionState, PartitionStore, SellerObjects
from sellerflow.wiring.privacy import ExportedPartitions

EXPORT_ID = export_id_for(SELLER, "req-1")


def _export(aws: PrivacyAws) -> zipfile.ZipFile:
    result = build_export(
        ExportInput(seller_id=SELLER, export_id=EXPORT_ID, requested_by=OWNER_SUB),
        source=ExportedPartitions(PartitionStore.from_settings(aws.settings)),  # as run_export reads them
        sink=SellerObjects.from_settings(aws.settings),
        prefix=aws.settings.exports_prefix,
    )
    assert result.key == f"exports/{SELLER}/{EXPORT_ID}.zip"
    body = aws.s3.get_object(Bucket=BUCKET, Key=result.key)["Body"].read()
    return zipfile.ZipFile(io.BytesIO(body))


def test_the_export_holds_every_entity_as_json_and_csv_with_the_stored_counts(aws: PrivacyAws) -> None:
    # Given a seller with one item of every kind (and another seller beside it)
    expected = seed_seller(aws, SELLER)
    seed_seller(aws, OTHER, orders=3)
    # When the seller's export is built
    archive = _export(aws)
    names = set(archive.namelist())
    # Then every seller-data entity is there twice (JSON array, CSV with a header), with its count
    for entity, count in expected.items():
        rows = json.loads(archive.read(f"seller_data/{entity}.json"))
        assert len(rows) == count, entity
        assert {r["seller_id"] for r in rows} == {SELLER}
        with archive.open(f"seller_data/{entity}.csv") as raw:
            table = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
        assert len(table) == count, entity
    # And the account items and the audit trail are there too
    assert {"account/profile.json", "account/members.json", "audit/audit_log.json"} <= names
    assert json.loads(archive.read("manifest.json"))["entities"]["seller_data/orders"] == expected["orders"]
    # And a chunk's transactions are rows like the legacy items', by their virtual keys
    finance = {r["sk"]: r for r in json.loads(archive.read("seller_data/finance_transactions.json"))}
    assert "FIN#2026-03-13T09:15:00Z#T3" in finance
    assert finance["FIN#2026-03-13T09:15:00Z#T4"]["amounts"] == [
        {"amount": "40.00", "type": "ProductCharges"}
    ]
    assert not any("payload" in r for r in finance.values())
    # And money stays an exact string
    listing = json.loads(archive.read("seller_data/listings.json"))[0]
    assert listing["price"] == "19.99"


def test_the_export_never_holds_credentials_buyer_pii_or_another_sellers_data(aws: PrivacyAws) -> None:
    seed_seller(aws, SELLER)
    seed_seller(aws, OTHER, orders=3)
    archive = _export(aws)
    everything = b"".join(archive.read(n) for n in archive.namelist())
    # No CREDENTIALS item, no ciphertext attribute, no token
    assert b"CREDENTIALS" not in everything
    assert b"refresh_token_ciphertext" not in everything
    assert REFRESH_TOKEN.encode() not in everything
    # No PII-table item (the shipping record of the first order) and nothing of the other seller
    assert not any(n.startswith("pii") for n in archive.namelist())
    assert b"#shipping" not in everything
    assert OTHER.encode() not in everything


def test_the_export_object_is_encrypted_with_the_data_key(aws: PrivacyAws) -> None:
    seed_seller(aws, SELLER)
    _export(aws)
    head = aws.s3.head_object(Bucket=BUCKET, Key=f"exports/{SELLER}/{EXPORT_ID}.zip")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == aws.key_arn


class _Owner:
    def require(self, caller: Principal, seller_id: str, permission: object) -> Membership:
        return Membership(seller_id=seller_id, user_sub=caller.sub, role=Role.OWNER)


class _Succeeded:
    def start(self, state_machine_arn: str, *, name: str, payload: Any) -> str:
        return "arn"

    def describe(self, state_machine_arn: str, name: str) -> ExecutionState:
        assert name == export_execution_name(SELLER, EXPORT_ID)
        return ExecutionState(status="SUCCEEDED", input={"seller_id": SELLER})


def test_a_ready_export_gets_a_presigned_url_valid_at_most_15_minutes_and_is_audited(aws: PrivacyAws) -> None:
    # Given a finished export
    seed_seller(aws, SELLER)
    _export(aws)
    rights = SellerRights(
        members=_Owner(),
        workflows=_Succeeded(),
        objects=SellerObjects.from_settings(aws.settings),
        audit=AuditLog(),
        config=PrivacyConfig(export_state_machine_arn="arn:sm", erase_state_machine_arn="arn:erase"),
    )
    # When its owner asks for it
    status = rights.export_status(Principal(sub=OWNER_SUB), SELLER, EXPORT_ID)
    # Then a presigned URL for exactly that object comes back, expiring within 900 s
    assert status.status == "ready"
    assert status.expires_in == 900
    assert status.url is not None
    parts = urlsplit(status.url)
    assert parts.path.endswith(f"/exports/{SELLER}/{EXPORT_ID}.zip")
    query = parse_qs(parts.query)
    assert int(query["X-Amz-Expires"][0]) <= 900
    # And the issuance is in the seller's audit trail
    actions = [e.action for e in AuditLog().entries(SELLER)]
    assert "export.downloaded" in actions
