"""Buyer messages end to end on the local stack: mail in (as SES delivers it) → thread → draft
(Bedrock's stand-in records every prompt) → an owner approves → SES sends; the PII marker the
simulator plants in the buyers' text is found in no prompt, table, bucket, workflow history or log."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sellerflow.sync.mapping import to_order
from sellerflow_dev.local.demo_labels import LabelClient, captured_output, marker_places
from sellerflow_dev.local.demo_messages import run_messages
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers

pytestmark = pytest.mark.e2e


def test_mail_in_thread_draft_approve_send_and_no_pii_anywhere(
    local_stack: Callable[..., LocalStack],
) -> None:
    # Given a seller whose orders are stored (seeded directly: no sync needed for the inbox)
    from sellerflow import wiring

    stack = local_stack(sellers=1)
    seller = stack.world.sellers[0].seller_id
    wiring.order_store().upsert([to_order(seller, doc) for doc in stack.world.orders(seller)])
    # When three buyer mails arrive and the owner approves and sends one reply
    with captured_output() as tees:
        run = run_messages(stack, 1)
        client = LabelClient(stack, stack.id_token("owner1@sellerflow.local"))
        sent_thread = next(t for t in run.threads if t["state"] == "sent")
        detail = client.call("GET", f"/sellers/{seller}/messages/threads/{sent_thread['thread_id']}")
    # Then each mail became a drafted thread with its order's context, and one reply went out
    assert run.accepted == run.delivered == 3
    assert len(run.threads) == 3
    assert run.drafted == 3
    assert all(t["order"]["known"] for t in run.threads)
    assert run.sent is not None
    assert run.sent.status_code == 200, run.sent.text
    assert detail.status_code == 200, detail.text
    assert [m["direction"] for m in detail.json()["messages"]] == ["in", "out"]
    assert find_pii_markers(detail.json()["messages"][0]["body"])  # the owner reads the buyer's own words
    assert detail.headers["cache-control"] == "no-store"
    # And the model saw none of the buyers' personal data, and nothing kept or printed holds it
    assert len(run.prompts) >= 3
    assert run.prompts_with_pii == 0
    assert marker_places(stack, "".join(tees[0].copy + tees[1].copy)) == []
    s3 = stack.session.client("s3")
    inbound = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "inbound-mail" in b["Name"])
    assert s3.list_objects_v2(Bucket=inbound).get("KeyCount", 0) == 0  # raw mail deleted once parsed
