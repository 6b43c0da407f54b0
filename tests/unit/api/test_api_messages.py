"""The buyer-message routes (PII app) over a real `ReplyService` on in-memory fakes: threads list
without text, a read decrypts and is audited, drafting never sends, sending is audited, and the
buyer's text and relay address appear nowhere but the authorised read."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from api_fakes import SELLER_A
from message_fakes import CANARY, RELAY, THREAD_ID
from test_api_openapi import OWNER, Api, api  # noqa: F401 - the `api` fixture

THREADS = f"/sellers/{SELLER_A}/messages/threads"
THREAD = f"{THREADS}/{THREAD_ID}"


def _call(client: Api, method: str, url: str, body: Any = None) -> Any:
    route = url.replace(SELLER_A, "{sellerId}").replace(THREAD_ID, "{threadId}").split("?")[0]
    return client.call(method, url, route, sub=OWNER, body=body)


def test_list_read_draft_edit_send_close(api: Api, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    listed = _call(api, "GET", THREADS)
    assert listed.status_code == 200
    assert [t["thread_id"] for t in listed.json_body["threads"]] == [THREAD_ID]
    read = _call(api, "GET", THREAD)
    assert read.status_code == 200
    assert read.headers["Cache-Control"] == "no-store"
    assert CANARY in read.json_body["messages"][0]["body"]  # decrypted for an authorised member
    drafted = _call(api, "POST", f"{THREAD}/draft")
    assert drafted.status_code == 200
    assert drafted.json_body["drafter"] == "local"
    assert _call(api, "GET", THREADS).json_body["threads"][0]["state"] == "drafted"  # never sent by drafting
    edited = _call(api, "PUT", f"{THREAD}/draft", {"text": "It left our warehouse today."})
    assert edited.json_body["drafter"] == "edited"
    sent = _call(api, "POST", f"{THREAD}/send")
    assert sent.status_code == 200
    assert sent.json_body["state"] == "sent"
    assert sent.json_body["due_at"] is None
    assert _call(api, "POST", f"{THREAD}/send").status_code == 409  # nothing left to send
    closed = _call(api, "POST", f"{THREAD}/close")
    assert closed.json_body["state"] == "closed"
    assert _call(api, "POST", f"{THREAD}/draft").status_code == 409
    audit = _call(api, "GET", f"/sellers/{SELLER_A}/audit?limit=50").body.decode()
    for action in (
        "pii.read",
        "message.drafted",
        "message.draft_edited",
        "message.sent",
        "message.thread_closed",
    ):
        assert action in audit
    for body in (listed.body, drafted.body, sent.body, closed.body, audit.encode()):
        assert b"PII-CANARY" not in body
        assert RELAY.encode() not in body
    assert "PII-CANARY" not in caplog.text
    assert RELAY not in caplog.text


def test_settings_name_the_inbound_address_and_refuse_unknown_intents(api: Api) -> None:  # noqa: F811
    settings = f"/sellers/{SELLER_A}/messages/settings"
    got = _call(api, "GET", settings)
    assert got.status_code == 200
    assert got.json_body["inbound_address"].endswith("@inbound.test")
    assert SELLER_A not in got.json_body["inbound_address"]
    put = _call(api, "PUT", settings, {"signature": "Alpha", "auto_send_intents": ["invoice_request"]})
    assert put.json_body["auto_send_intents"] == ["invoice_request"]
    assert _call(api, "PUT", settings, {"auto_send_intents": ["everything"]}).status_code == 400


def test_settings_say_whether_ses_may_send_from_the_address(api: Api) -> None:  # noqa: F811
    settings = f"/sellers/{SELLER_A}/messages/settings"
    assert _call(api, "GET", settings).json_body["from_address_verified"] is True  # help@alpha.test
    domain = _call(api, "PUT", settings, {"from_address": "replies@alpha.example"}).json_body
    assert (domain["from_address"], domain["from_address_verified"]) == ("replies@alpha.example", True)
    other = _call(api, "PUT", settings, {"from_address": "replies@beta.example"}).json_body
    assert (other["from_address"], other["from_address_verified"]) == ("replies@beta.example", False)
    assert _call(api, "GET", settings).json_body["from_address_verified"] is False
    assert _call(api, "PUT", settings, {"from_address": None}).json_body["from_address_verified"] is None


def test_settings_problems_name_their_fields_in_plain_words_and_store_nothing(api: Api) -> None:  # noqa: F811
    settings = f"/sellers/{SELLER_A}/messages/settings"
    _call(api, "PUT", settings, {"tone": "warm", "from_address": "replies@alpha.example"})
    bad = _call(
        api,
        "PUT",
        settings,
        {"tone": "x" * 201, "from_address": "not an address", "auto_send_intents": ["all"]},
    )
    assert bad.status_code == 400
    message = bad.json_body["message"]
    # each problem as `field: message`, the form's cue to show it next to that field
    assert "from_address: must be an e-mail address" in message
    assert "auto_send_intents: unknown intents: all (known: where_is_my_order" in message
    assert "tone: String should have at most 200 characters" in message
    assert "not an address" not in message  # never the value given
    kept = _call(api, "GET", settings).json_body
    assert (kept["tone"], kept["from_address"]) == ("warm", "replies@alpha.example")
    # an emptied sending address is no address (drafts only), repeated intents are kept once
    cleared = _call(api, "PUT", settings, {"from_address": "  ", "auto_send_intents": ["return", "return"]})
    assert cleared.status_code == 200
    assert (cleared.json_body["from_address"], cleared.json_body["auto_send_intents"]) == (None, ["return"])
    assert _call(api, "GET", settings).json_body["from_address"] is None


def test_an_unknown_thread_is_404(api: Api) -> None:  # noqa: F811
    unknown = f"{THREADS}/ffffffffffffffffffffffff"
    route = "/sellers/{sellerId}/messages/threads/{threadId}"
    assert api.call("GET", unknown, route, sub=OWNER).status_code == 404
