"""The buyer-messages part of the demo (and of the e2e test): for each seller, a few buyer mails
the simulator writes (Amazon's layout, mixed encodings, canary PII in their text) go in exactly as
SES would deliver them (`sellerflow local inbound-email`'s path), are threaded and drafted by the
receive function (Bedrock → the simulator's Converse stand-in, which records every prompt), and an
owner approves and sends one reply through the API (SES on moto, from a verified identity).

`verified messages <seller> threads=<n> drafted=<n> prompts_with_pii=0`: `threads` counts the
threads stored for the mails delivered, `drafted` the threads holding a draft or a sent reply,
`prompts_with_pii` the recorded prompts (of that seller's drafts) in which the PII marker was found;
the line says MISMATCH when any differs from what was delivered, the send failed, or the marker is
found in a table, a bucket, a workflow history or the printed logs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sellerflow_dev.local.demo_labels import LabelClient, captured_output, marker_places
from sellerflow_dev.local.inbound_email import deliver
from sellerflow_dev.local.stack import LocalStack
from sellerflow_dev.simulator import find_pii_markers
from sellerflow_dev.simulator.buyer_messages import buyer_mails

MAILS_PER_SELLER = 3


@dataclass
class MessagesRun:
    seller_id: str
    delivered: int = 0
    accepted: int = 0
    threads: list[dict[str, Any]] = field(default_factory=list)
    sent: httpx.Response | None = None
    prompts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def drafted(self) -> int:
        return sum(1 for t in self.threads if t["state"] in ("drafted", "sent"))

    @property
    def prompts_with_pii(self) -> int:
        return sum(1 for p in self.prompts if find_pii_markers(json.dumps(p, ensure_ascii=False)))


def run_messages(stack: LocalStack, index: int, *, mails: int = MAILS_PER_SELLER) -> MessagesRun:
    """Seller `index` (1-based): set the inbox up, deliver the mails, read the threads, send one reply."""
    seller = stack.world.sellers[index - 1]
    sid = seller.seller_id
    run = MessagesRun(sid)
    client = LabelClient(stack, stack.id_token(f"owner{index}@sellerflow.local"))
    sender = f"support@{sid.lower()}.example"
    stack.session.client("sesv2").create_email_identity(EmailIdentity=sender)  # verified, as in SES
    client.call(
        "PUT",
        f"/sellers/{sid}/messages/settings",
        {"tone": "friendly", "policies": "30-day returns", "signature": seller.name, "from_address": sender},
    )
    before = len(stack.simulator.bedrock.prompts())
    for mail in buyer_mails(stack.world, sid, count=mails):
        run.delivered += 1
        result = deliver(stack.session, sid, mail.raw)
        run.accepted += sum(1 for r in result.get("results", []) if not r.get("rejected"))
    run.prompts = stack.simulator.bedrock.prompts()[before:]
    listed = client.call("GET", f"/sellers/{sid}/messages/threads")
    run.threads = listed.json().get("threads", []) if listed.status_code == 200 else []
    drafted = [t for t in run.threads if t["state"] == "drafted"]
    if drafted:
        run.sent = client.call("POST", f"/sellers/{sid}/messages/threads/{drafted[0]['thread_id']}/send")
        after = client.call("GET", f"/sellers/{sid}/messages/threads")
        run.threads = after.json().get("threads", run.threads) if after.status_code == 200 else run.threads
    return run


def verify_messages(stack: LocalStack, say: Callable[[str], None]) -> bool:
    """One `verified messages` line per seller; the prompts file's path is printed first."""
    say(
        f"  buyer-message prompts (what a model was sent) are recorded in {stack.simulator.bedrock.prompts_path}"
    )
    with captured_output() as tees:
        runs = [run_messages(stack, index) for index in range(1, len(stack.world.sellers) + 1)]
    places = marker_places(stack, "".join(tees[0].copy + tees[1].copy))
    ok = True
    for run in runs:
        sent_ok = run.sent is not None and run.sent.status_code == 200
        seller_ok = (
            run.accepted == run.delivered
            and len(run.threads) == run.delivered
            and run.drafted == len(run.threads)
            and len(run.prompts) >= run.delivered
            and run.prompts_with_pii == 0
            and sent_ok
            and not places
        )
        ok = ok and seller_ok
        detail = "" if seller_ok else (
            f" delivered={run.delivered} accepted={run.accepted} prompts={len(run.prompts)} "
            f"send={run.sent.status_code if run.sent is not None else 'none'} found_in={places[:3]}"
        )  # fmt: skip
        say(f"{'verified' if seller_ok else 'MISMATCH'} messages {run.seller_id} threads={len(run.threads)} "
            f"drafted={run.drafted} prompts_with_pii={run.prompts_with_pii}{detail}")  # fmt: skip
    return ok
