"""The privacy routes over Chalice with fakes: owners start workflows (202), other members get 403,
non-members 404; export status and presigned URLs; disconnect's body; every start is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client
from priv_fakes import (
    ANALYST_SUB,
    CLIENT_ID,
    OWNER_SUB,
    POOL_ID,
    REGION,
    SELLER,
    STRANGER_SUB,
    FakeAudit,
    FakeMembers,
    FakeObjects,
    FakeWorkflows,
    id_token,
    jwks,
    signing_key,
)

from sellerflow.api.app import create_app
from sellerflow.api.auth import StaticKeySource
from sellerflow.domain import Role
from sellerflow.privacy.export import export_execution_name
from sellerflow.privacy.service import PrivacyConfig
from sellerflow.settings import Settings

EXPORT_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sellerflow-dev-export"
ERASE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sellerflow-dev-erase-seller"


@dataclass
class Api:
    client: Any
    key: Any
    workflows: FakeWorkflows
    objects: FakeObjects
    audit: FakeAudit

    def call(self, method: str, path: str, sub: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {id_token(self.key, sub)}"}
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            headers["Content-Type"] = "application/json"
            kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
        return getattr(self.client.http, method.lower())(path, **kwargs)


@pytest.fixture
def api() -> Iterator[Api]:
    key = signing_key()
    members = FakeMembers(roles={(SELLER, OWNER_SUB): Role.OWNER, (SELLER, ANALYST_SUB): Role.ANALYST})
    workflows, objects, audit = FakeWorkflows(), FakeObjects(), FakeAudit()
    settings = Settings(aws_region=REGION, cognito_user_pool_id=POOL_ID, cognito_app_client_id=CLIENT_ID)
    app = create_app(
        settings=settings,
        key_source=StaticKeySource(jwks(key)),
        sellers=members,
        audit=audit,
        workflows=workflows,
        export_objects=objects,
        privacy=PrivacyConfig(export_state_machine_arn=EXPORT_ARN, erase_state_machine_arn=ERASE_ARN),
    )
    with Client(app) as client:
        yield Api(client=client, key=key, workflows=workflows, objects=objects, audit=audit)


def test_an_owner_starts_an_export_and_gets_202_with_its_id(api: Api) -> None:
    response = api.call("POST", f"/sellers/{SELLER}/exports", OWNER_SUB)
    assert response.status_code == 202
    body = response.json_body
    assert body["status"] == "running"
    ((arn, name, payload),) = api.workflows.started
    assert arn == EXPORT_ARN
    assert name == export_execution_name(SELLER, body["export_id"])
    assert payload == {"seller_id": SELLER, "export_id": body["export_id"], "requested_by": OWNER_SUB}
    assert (SELLER, OWNER_SUB, "export.requested", f"exports/{body['export_id']}") in api.audit.entries


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"/sellers/{SELLER}/exports", None),
        ("GET", f"/sellers/{SELLER}/exports/0123456789abcdef01234567", None),
        ("DELETE", f"/sellers/{SELLER}", None),
        ("POST", f"/sellers/{SELLER}/disconnect", {"erase_data": True}),
    ],
)
def test_only_owners_may_exercise_the_sellers_rights(api: Api, method: str, path: str, body: Any) -> None:
    # A member who is not an owner: 403; a stranger: 404, exactly as for an unknown seller
    assert api.call(method, path, ANALYST_SUB, body).status_code == 403
    assert api.call(method, path, STRANGER_SUB, body).status_code == 404
    assert api.workflows.started == []


def test_export_status_goes_from_running_to_ready_with_a_short_lived_url(api: Api) -> None:
    export_id = api.call("POST", f"/sellers/{SELLER}/exports", OWNER_SUB).json_body["export_id"]
    path = f"/sellers/{SELLER}/exports/{export_id}"
    assert api.call("GET", path, OWNER_SUB).json_body == {
        "export_id": export_id,
        "status": "running",
        "url": None,
        "expires_in": None,
    }
    # When the workflow has succeeded and the object exists
    api.workflows.statuses[export_execution_name(SELLER, export_id)] = "SUCCEEDED"
    api.objects.keys.add(f"exports/{SELLER}/{export_id}.zip")
    body = api.call("GET", path, OWNER_SUB).json_body
    assert body["status"] == "ready"
    assert body["expires_in"] == 900
    assert api.objects.presigned == [(f"exports/{SELLER}/{export_id}.zip", 900)]
    assert (SELLER, OWNER_SUB, "export.downloaded") in [e[:3] for e in api.audit.entries]


def test_a_failed_export_says_so_and_unknown_exports_are_404(api: Api) -> None:
    export_id = api.call("POST", f"/sellers/{SELLER}/exports", OWNER_SUB).json_body["export_id"]
    api.workflows.statuses[export_execution_name(SELLER, export_id)] = "FAILED"
    assert (
        api.call("GET", f"/sellers/{SELLER}/exports/{export_id}", OWNER_SUB).json_body["status"] == "failed"
    )
    assert api.call("GET", f"/sellers/{SELLER}/exports/{'0' * 24}", OWNER_SUB).status_code == 404
    assert api.call("GET", f"/sellers/{SELLER}/exports/not-an-id", OWNER_SUB).status_code == 404


def test_delete_seller_starts_the_erasure_workflow(api: Api) -> None:
    response = api.call("DELETE", f"/sellers/{SELLER}", OWNER_SUB)
    assert response.status_code == 202
    assert response.json_body == {"seller_id": SELLER, "status": "erasing", "erase_data": True}
    ((arn, name, payload),) = api.workflows.started
    assert arn == ERASE_ARN
    assert name.startswith("erase-")
    assert name.endswith(SELLER)
    assert len(name) <= 80
    assert payload["seller_id"] == SELLER
    assert payload["erase_data"] is True
    assert payload["requested_by"] == OWNER_SUB


@pytest.mark.parametrize("erase_data", [True, False])
def test_disconnect_starts_the_workflow_with_or_without_erasure(api: Api, erase_data: bool) -> None:
    response = api.call("POST", f"/sellers/{SELLER}/disconnect", OWNER_SUB, {"erase_data": erase_data})
    assert response.status_code == 202
    ((_, name, payload),) = api.workflows.started
    assert payload["erase_data"] is erase_data
    assert name.startswith("erase-" if erase_data else "disconnect-")
    assert any(e[2] == "seller.disconnect_requested" for e in api.audit.entries)


@pytest.mark.parametrize(
    "body", ["", "{}", '{"erase_data": "yes"}', '{"erase_data": true, "x": 1}', "not json"]
)
def test_disconnect_needs_an_explicit_boolean(api: Api, body: str) -> None:
    response = api.call("POST", f"/sellers/{SELLER}/disconnect", OWNER_SUB, body or "{}")
    assert response.status_code == 400
    assert api.workflows.started == []
