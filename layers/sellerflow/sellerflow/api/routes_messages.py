"""Buyer messages (the PII app: message bodies are buyer data under the PII key).

    GET    /sellers/{sellerId}/messages/threads                       MESSAGES_ANSWER  threads, no text
    GET    /sellers/{sellerId}/messages/threads/{threadId}            MESSAGES_ANSWER  messages and draft
                                                                                       (decrypted; audited pii.read)
    POST   /sellers/{sellerId}/messages/threads/{threadId}/draft      MESSAGES_ANSWER  (re)generate the draft
    PUT    /sellers/{sellerId}/messages/threads/{threadId}/draft      MESSAGES_ANSWER  edit the draft
    POST   /sellers/{sellerId}/messages/threads/{threadId}/send       MESSAGES_ANSWER  approve and send (audited)
    POST   /sellers/{sellerId}/messages/threads/{threadId}/close      MESSAGES_ANSWER  close the thread
    GET    /sellers/{sellerId}/messages/settings                      MESSAGES_ANSWER  inbound address, instructions
    PUT    /sellers/{sellerId}/messages/settings                      MESSAGES_MANAGE  instructions, sending
                                                                                       address, auto-send intents

Owners and the support role answer buyers; analysts see none of it. Answers holding message text
are `no-store`; nothing of a message reaches a log line, an audit entry or an error message.
"""

from __future__ import annotations

from datetime import datetime

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint, error_body
from sellerflow.api.models import ResponseModel
from sellerflow.api.routes_protection import NO_STORE_HEADERS
from sellerflow.billing.limits import Feature
from sellerflow.members.permissions import Permission
from sellerflow.members.rules import is_email_address
from sellerflow.messages import intents
from sellerflow.messages.model import DraftText, OrderContext, SellerInstructions, Thread
from sellerflow.messages.replies import SendRefused, ThreadNotFound
from sellerflow.observability import PII_READS, count


def message_errors(exc: Exception) -> Response | None:
    if isinstance(exc, ThreadNotFound):
        return error_body(404, "not_found", str(exc))
    if isinstance(exc, SendRefused):
        return error_body(409, "conflict", str(exc))
    return None


class OrderContextOut(ResponseModel):
    order_id: str
    known: bool
    status: str | None
    purchased_at: datetime | None
    ship_by: datetime | None
    fulfilment_channel: str | None
    items: list[str]
    carrier: str | None
    tracking_id: str | None
    tracking_status: str | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, o: OrderContext) -> OrderContextOut:
        return cls(
            order_id=o.order_id, known=o.known, status=o.status, purchased_at=o.purchased_at, ship_by=o.ship_by,
            fulfilment_channel=o.fulfilment_channel, items=list(o.items), carrier=o.carrier,
            tracking_id=o.tracking_id, tracking_status=o.tracking_status, delivered_at=o.delivered_at,
        )  # fmt: skip


class ThreadOut(ResponseModel):
    thread_id: str
    order_id: str | None
    state: str
    intent: str | None
    messages: int
    first_received_at: datetime
    last_received_at: datetime
    due_at: datetime | None
    answered_at: datetime | None
    auto_sent: bool
    order: OrderContextOut | None

    @classmethod
    def of(cls, t: Thread) -> ThreadOut:
        return cls(
            thread_id=t.thread_id, order_id=t.order_id, state=t.state.value, intent=t.intent, messages=t.messages,
            first_received_at=t.first_received_at, last_received_at=t.last_received_at, due_at=t.due_at,
            answered_at=t.answered_at, auto_sent=t.auto_sent, order=OrderContextOut.of(t.order) if t.order else None,
        )  # fmt: skip


class ThreadsOut(ResponseModel):
    threads: list[ThreadOut]


class AttachmentOut(ResponseModel):
    filename: str | None
    content_type: str
    size: int


class MessageOut(ResponseModel):
    direction: str
    received_at: datetime
    subject: str
    body: str
    attachments: list[AttachmentOut]


class DraftOut(ResponseModel):
    text: str
    intent: str | None
    drafter: str
    updated_at: datetime

    @classmethod
    def of(cls, d: DraftText) -> DraftOut:
        return cls(text=d.text, intent=d.intent, drafter=d.drafter, updated_at=d.updated_at)


class ThreadDetailOut(ResponseModel):
    thread: ThreadOut
    messages: list[MessageOut]
    draft: DraftOut | None


class DraftIn(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)


class SettingsIn(BaseModel):
    """What an owner sets; each problem names its field (`field: message`, as the dashboard's form
    shows it next to the field), in words a seller understands rather than a regular expression."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    tone: str = Field(default="friendly and professional", max_length=200)
    policies: str = Field(default="", max_length=2000)
    signature: str = Field(default="", max_length=300)
    auto_send_intents: list[str] = Field(
        default_factory=list,
        max_length=6,
        description="intents replied to without approval (GET's `intents`)",
    )
    from_address: str | None = Field(
        default=None,
        max_length=254,
        description="an address verified in SES; empty or null: none (drafts only)",
    )

    @field_validator("from_address")
    @classmethod
    def _an_email_address(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None  # no sending address: drafts only, nothing can be sent
        if not is_email_address(value):
            raise PydanticCustomError("email", "must be an e-mail address such as replies@yourshop.com")
        return value

    @field_validator("auto_send_intents")
    @classmethod
    def _known_intents(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(intents.INTENTS))
        if unknown:
            raise PydanticCustomError(
                "intent",
                "unknown intents: {unknown} (known: {known})",
                {"unknown": ", ".join(unknown), "known": ", ".join(intents.INTENTS)},
            )
        return list(dict.fromkeys(value))


class SettingsOut(ResponseModel):
    inbound_address: str
    tone: str
    policies: str
    signature: str
    auto_send_intents: list[str]
    from_address: str | None
    from_address_verified: bool | None = Field(
        description="SES lets this installation send from it (the address or its domain verified); "
        "null: no address, or SES could not say"
    )
    intents: list[str]


def message_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__, errors=message_errors)
    errors = (404, 409)
    base = "/sellers/{sellerId}/messages/threads/{threadId}"

    def allowed(seller_id: str, permission: Permission = Permission.MESSAGES_ANSWER) -> str:
        who = ctx.caller()
        ctx.access.require(who, seller_id, permission)
        return who.sub

    @bp.get("/sellers/{sellerId}/messages/threads", RouteDoc(ThreadsOut))
    def list_message_threads(sellerId: str) -> Response:
        """Buyer-message threads, open ones first by due time; no message text (MESSAGES_ANSWER)."""
        allowed(sellerId)
        threads = list(ctx.ports.messages().replies.threads(sellerId))
        threads.sort(key=lambda t: (t.due_at is None, t.due_at or t.last_received_at))
        return json_response(ThreadsOut(threads=[ThreadOut.of(t) for t in threads]))

    @bp.get(base, RouteDoc(ThreadDetailOut, errors=errors))
    def get_message_thread(sellerId: str, threadId: str) -> Response:
        """A thread's messages and draft, decrypted; audited as a buyer-data read (MESSAGES_ANSWER)."""
        sub = allowed(sellerId)
        replies = ctx.ports.messages().replies
        thread = replies.thread(sellerId, threadId)
        ctx.ports.audit.record(sellerId, sub, "pii.read", f"thread/{threadId} purpose=buyer_message")
        count(PII_READS)
        messages, draft = replies.conversation(sellerId, threadId)
        out = ThreadDetailOut(
            thread=ThreadOut.of(thread),
            messages=[
                MessageOut(
                    direction=m.direction.value, received_at=m.received_at,
                    subject=m.content.subject if m.content else "", body=m.content.body if m.content else "",
                    attachments=[AttachmentOut(**a.model_dump()) for a in m.attachments],
                )
                for m in messages
            ],
            draft=DraftOut.of(draft) if draft else None,
        )  # fmt: skip
        return json_response(out, headers=NO_STORE_HEADERS)

    @bp.post(f"{base}/draft", RouteDoc(DraftOut, errors=(*errors, 402)))
    def create_message_draft(sellerId: str, threadId: str) -> Response:
        """Draft (or draft again) the reply from the redacted thread; never sends (MESSAGES_ANSWER)."""
        sub = allowed(sellerId)
        ctx.ports.plans.require_feature(sellerId, Feature.MESSAGING)  # 402 on plans without messaging
        draft = ctx.ports.messages().replies.draft(sellerId, threadId, auto_send=False)
        ctx.ports.audit.record(sellerId, sub, "message.drafted", f"thread/{threadId} drafter={draft.drafter}")
        return json_response(DraftOut.of(draft), headers=NO_STORE_HEADERS)

    @bp.put(f"{base}/draft", RouteDoc(DraftOut, body=DraftIn, errors=errors))
    def edit_message_draft(sellerId: str, threadId: str) -> Response:
        """Replace the draft with the text a person wrote or edited (MESSAGES_ANSWER)."""
        sub = allowed(sellerId)
        body = parse_json_body(ctx.body(), DraftIn, "expected text (1 to 10000 characters)")
        draft = ctx.ports.messages().replies.edit(sellerId, threadId, body.text, actor_sub=sub)
        return json_response(DraftOut.of(draft), headers=NO_STORE_HEADERS)

    @bp.post(f"{base}/send", RouteDoc(ThreadOut, errors=(*errors, 402)))
    def send_message_reply(sellerId: str, threadId: str) -> Response:
        """Approve the draft and send it to the buyer through Amazon's relay; audited (MESSAGES_ANSWER)."""
        sub = allowed(sellerId)
        ctx.ports.plans.require_feature(sellerId, Feature.MESSAGING)  # reading and closing stay open
        thread = ctx.ports.messages().replies.send(sellerId, threadId, actor_sub=sub)
        return json_response(ThreadOut.of(thread))

    @bp.post(f"{base}/close", RouteDoc(ThreadOut, errors=errors))
    def close_message_thread(sellerId: str, threadId: str) -> Response:
        """Close the thread: its clock stops, its messages expire 30 days later (MESSAGES_ANSWER)."""
        sub = allowed(sellerId)
        thread = ctx.ports.messages().replies.close(sellerId, threadId, actor_sub=sub)
        return json_response(ThreadOut.of(thread))

    def settings_out(seller_id: str, instructions: SellerInstructions) -> SettingsOut:
        ports = ctx.ports.messages()
        sender = instructions.from_address
        return SettingsOut(
            inbound_address=ports.inbound.inbound_address(seller_id), tone=instructions.tone,
            policies=instructions.policies, signature=instructions.signature,
            auto_send_intents=list(instructions.auto_send_intents), from_address=sender,
            from_address_verified=ports.identities.verified(sender) if sender and ports.identities else None,
            intents=list(intents.INTENTS),
        )  # fmt: skip

    @bp.get("/sellers/{sellerId}/messages/settings", RouteDoc(SettingsOut))
    def get_message_settings(sellerId: str) -> Response:
        """The inbound address to forward Amazon's buyer messages to, and the drafting instructions."""
        allowed(sellerId)
        return json_response(settings_out(sellerId, ctx.ports.messages().settings.instructions(sellerId)))

    @bp.put("/sellers/{sellerId}/messages/settings", RouteDoc(SettingsOut, body=SettingsIn))
    def put_message_settings(sellerId: str) -> Response:
        """Tone, policies, signature, the verified sending address, auto-send intents (MESSAGES_MANAGE)."""
        sub = allowed(sellerId, Permission.MESSAGES_MANAGE)
        body = parse_json_body(ctx.body(), SettingsIn, "inbox settings not saved")
        instructions = SellerInstructions(
            tone=body.tone, policies=body.policies, signature=body.signature,
            auto_send_intents=tuple(body.auto_send_intents), from_address=body.from_address,
        )  # fmt: skip
        ctx.ports.messages().settings.put_instructions(sellerId, instructions)
        ctx.ports.audit.record(
            sellerId,
            sub,
            "messages.settings",
            f"auto_send={','.join(instructions.auto_send_intents) or 'none'}",
        )
        return json_response(settings_out(sellerId, instructions))

    return bp
