"""Buyer messages end to end on the local stack: mail in (as SES delivers it) → thread → draft
(Bedrock's stand-in records every prompt) → an owner approves → SES sends; the PII marker the
simulator plants in the buyers' text is found in no prompt, table, bucket, workflow history or log.
Then the dashboard's Messages screen, in a real browser, on the same stack: a thread opened, its
draft edited, approved and sent.

One local stack serves the module (mail delivered once, one reply sent through the API)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from browser_e2e_support import launch, require_chromium, shot, sign_in

from sellerflow.sync.mapping import to_order
from sellerflow_dev.local.demo_labels import LabelClient, captured_output, marker_places
from sellerflow_dev.local.demo_messages import MessagesRun, run_messages
from sellerflow_dev.local.stack import DEMO_PASSWORD, LocalStack, LocalStackConfig
from sellerflow_dev.simulator import find_pii_markers

pytestmark = pytest.mark.e2e


@dataclass
class Inbox:
    stack: LocalStack
    seller: str
    run: MessagesRun
    printed: str  # what the run printed (stdout and stderr)


def sent_mails(stack: LocalStack) -> list[Any]:
    """What SES (moto, in this process) took to send, in order: raw MIME messages."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent: list[Any] = ses_backends[DEFAULT_ACCOUNT_ID][stack.session.region_name].sent_messages
    return sent


def member_of(stack: LocalStack, seller: str, role: str) -> Any:
    """A new user holding `role` at the seller (as an accepted invitation leaves it)."""
    from sellerflow import wiring
    from sellerflow.domain import Role

    user = stack.identity().create_user(f"{role}@sellerflow.local", DEMO_PASSWORD)
    wiring.seller_store().add_member(seller, user.sub, Role(role), email=user.email)
    return user


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    # Given a seller whose orders are stored (seeded directly: no sync needed for the inbox)
    from sellerflow import wiring

    stack = LocalStack(LocalStackConfig(sellers=1, seed=11, time_scale=100.0)).start()
    try:
        stack.connect_demo_sellers()
        seller = stack.world.sellers[0].seller_id
        wiring.order_store().upsert([to_order(seller, doc) for doc in stack.world.orders(seller)])
        # When three buyer mails arrive and the owner approves and sends one reply
        with captured_output() as tees:
            run = run_messages(stack, 1)
        yield Inbox(stack, seller, run, "".join(tees[0].copy + tees[1].copy))
    finally:
        stack.stop()


def test_mail_in_thread_draft_approve_send_and_no_pii_anywhere(inbox: Inbox) -> None:
    stack, seller, run = inbox.stack, inbox.seller, inbox.run
    with captured_output() as tees:
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
    assert marker_places(stack, inbox.printed + "".join(tees[0].copy + tees[1].copy)) == []
    s3 = stack.session.client("s3")
    inbound = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "inbound-mail" in b["Name"])
    assert s3.list_objects_v2(Bucket=inbound).get("KeyCount", 0) == 0  # raw mail deleted once parsed


def test_an_owner_edits_approves_and_sends_a_draft_in_the_dashboard(inbox: Inbox) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    stack, seller = inbox.stack, inbox.seller
    assert stack.gateway is not None
    user = stack.users["owner1@sellerflow.local"]
    sent = sent_mails(stack)
    sent_before = len(sent)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page: Any = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            # Given the owner signed in, on the Messages tab: three threads, one already sent
            sign_in(page, stack.gateway.url, user.email, user.password, user.totp_secret)
            page.goto(f"{stack.gateway.url}/#/sellers/{seller}")
            page.get_by_role("link", name="Messages", exact=True).click()
            rows = page.locator("[data-testid=thread-list] tbody tr")
            rows.first.wait_for()
            assert rows.count() == 3
            assert rows.filter(has_text="Sent").count() == 1
            assert rows.filter(has_text="Draft ready").count() == 2
            # When they open a drafted thread: the buyer's message, the order's context, the draft
            drafted = rows.filter(has_text="Draft ready").first
            order_id = drafted.get_by_test_id("open-thread").inner_text()
            drafted.get_by_test_id("open-thread").click()
            view = page.get_by_test_id("thread-view")
            view.get_by_test_id("message-in").first.wait_for()
            assert view.get_by_test_id("order-context").get_by_text(order_id).is_visible()
            draft = view.get_by_test_id("draft-text")
            assert order_id in draft.input_value()
            # And edit the draft, approve and send it
            edited = draft.input_value() + "\nEdited in the dashboard."
            draft.fill(edited)
            view.get_by_role("button", name="Approve and send").click()
            view.get_by_text("Sent to the buyer through Amazon.").wait_for()
            shot(page, "15-messages-sent")
            # Then the thread shows as sent, with the edited reply, and SES took exactly one mail
            assert view.get_by_test_id("thread-state").get_by_text("Sent").is_visible()
            assert view.get_by_test_id("message-out").get_by_text("Edited in the dashboard.").is_visible()
            assert not view.get_by_role("button", name="Approve and send").is_visible()
            row = page.locator("[data-testid=thread-list] tbody tr", has_text=order_id)
            assert row.get_by_text("Sent", exact=True).is_visible()
            assert len(sent) == sent_before + 1
            assert order_id in sent[-1].raw_data
            assert "Edited in the dashboard." in sent[-1].raw_data
            assert not find_pii_markers(page.locator("[data-testid=thread-list]").inner_text())
            # And the tab follows the API's roles: support answers buyers, an analyst sees no tab
            for role, shown in (("support", True), ("analyst", False)):
                other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                other.on("pageerror", lambda error: errors.append(str(error)))
                member = member_of(stack, seller, role)
                sign_in(other, stack.gateway.url, member.email, DEMO_PASSWORD, member.totp_secret)
                other.goto(f"{stack.gateway.url}/#/sellers/{seller}")
                other.get_by_test_id("page-overview").wait_for()  # drawn once the member's role is known
                assert other.get_by_role("link", name="Messages", exact=True).is_visible() is shown, role
                if shown:
                    other.get_by_role("link", name="Messages", exact=True).click()
                    other.locator("[data-testid=thread-list] tbody tr").first.wait_for()
                    assert other.locator("[data-testid=thread-list] tbody tr").count() == 3
                    # the inbox settings: read, not changed (messages:manage is the owners')
                    settings = other.get_by_test_id("inbox-settings")
                    settings.get_by_text("Drafting instructions, sending address and auto-send").click()
                    assert settings.get_by_text("Only owners can change the inbox settings.").is_visible()
                    assert settings.get_by_label("Sending address").is_disabled()
                    assert settings.get_by_role("button", name="Save inbox settings").count() == 0
        finally:
            browser.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def test_an_owner_sets_the_inbox_up_in_the_dashboard_on_a_phone(inbox: Inbox) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    stack, seller = inbox.stack, inbox.seller
    assert stack.gateway is not None
    user = stack.users["owner1@sellerflow.local"]
    url = f"/sellers/{seller}/messages/settings"
    client = LabelClient(stack, stack.id_token(user.email))
    before = client.call("GET", url).json()
    sender = f"replies@{seller.lower()}.example"
    stack.session.client("sesv2").create_email_identity(EmailIdentity=sender)  # verified, as in SES
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.gateway.url)
        page: Any = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            # Given the owner on the Messages tab of a phone: the address to forward to, copied in a tap
            sign_in(page, stack.gateway.url, user.email, user.password, user.totp_secret)
            page.goto(f"{stack.gateway.url}/#/sellers/{seller}/messages")
            box = page.get_by_test_id("inbox-settings")
            box.get_by_test_id("inbound-address").wait_for()
            assert box.get_by_test_id("inbound-address").get_by_text(before["inbound_address"]).is_visible()
            box.get_by_role("button", name="Copy address").click()
            box.get_by_text("Copied.").wait_for()
            assert page.evaluate("() => navigator.clipboard.readText()") == before["inbound_address"]
            # When they fill the form with a sending address that is no address and save
            box.get_by_text("Edit drafting instructions, sending address and auto-send").click()
            form = box.get_by_test_id("inbox-settings-form")
            form.get_by_label("Sending address").fill("not an address")
            form.get_by_label("Tone", exact=True).fill("warm and brief")
            form.get_by_label("Policies the drafts follow").fill("Free returns within 60 days.")
            form.get_by_label("Signature", exact=True).fill("Ana, Alpha Goods")
            form.get_by_label("Where is my order").check()
            form.get_by_label("Invoice request").check()
            form.get_by_role("button", name="Save inbox settings").click()
            # Then the API's problem shows next to the field, and nothing was stored
            problem = form.get_by_test_id("error-from_address")
            problem.wait_for()
            assert problem.get_by_text("must be an e-mail address such as replies@yourshop.com").is_visible()
            shot(page, "15-messages-inbox-settings-problem")
            assert client.call("GET", url).json() == before
            # When they correct it and save, then reload the page
            form.get_by_label("Sending address").fill(sender)
            form.get_by_role("button", name="Save inbox settings").click()
            box.get_by_text("Inbox settings saved.").wait_for()
            assert not problem.is_visible()
            page.reload()
            box.get_by_test_id("inbound-address").wait_for()
            # Then the page shows the saved values, read back from the API
            state = box.get_by_test_id("sending-state")
            assert state.get_by_text(f"Replies go out from {sender}.").is_visible()
            assert state.get_by_text(
                "Sent without approval: Where is my order, Invoice request."
            ).is_visible()
            box.get_by_text("Edit drafting instructions, sending address and auto-send").click()
            assert form.get_by_label("Tone", exact=True).is_visible()
            assert form.get_by_label("Tone", exact=True).input_value() == "warm and brief"
            assert (
                form.get_by_label("Policies the drafts follow").input_value()
                == "Free returns within 60 days."
            )
            assert form.get_by_label("Signature", exact=True).input_value() == "Ana, Alpha Goods"
            assert form.get_by_label("Sending address").input_value() == sender
            assert (
                form.get_by_test_id("sender-verified")
                .get_by_text(f"{sender} is verified in SES")
                .is_visible()
            )
            assert form.get_by_label("Where is my order").is_checked()
            assert not form.get_by_label("Return or refund").is_checked()
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scroll
            shot(page, "15-messages-inbox-settings-phone")
        finally:
            browser.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    # And the API holds what the form saved (the inbound address unchanged)
    stored = client.call("GET", url).json()
    assert stored == {
        **before,
        "tone": "warm and brief",
        "policies": "Free returns within 60 days.",
        "signature": "Ana, Alpha Goods",
        "from_address": sender,
        "from_address_verified": True,
        "auto_send_intents": ["where_is_my_order", "invoice_request"],
    }
