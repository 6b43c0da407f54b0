"""Drafting replies: a prompt without buyer PII, a drafter port, and the two adapters' logic.

The prompt is the thread's messages after redaction (`redaction.Redactor`: known values, then the
detector, then the rule-based pass), the seller's own instructions (tone, policies, signature: the
seller's words, no buyer data) and the order's non-PII context (status, items, dates, fulfilment
channel, tracking). Nothing else of the thread reaches a drafter.

    BedrockDrafter   Amazon Bedrock's Converse API (boto3 `bedrock-runtime`), model id a deploy
                     parameter; locally the same adapter talks to the simulator's stand-in
    TemplateDrafter  deterministic intent templates (where is my order, return, damaged item,
                     invoice request, cancellation, other): tests, and deployments without Bedrock
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sellerflow.messages import intents
from sellerflow.messages.model import Direction, OrderContext, SellerInstructions, StoredMessage
from sellerflow.messages.redaction import Redactor
from sellerflow.settings import Settings
from sellerflow.subprocessors import SubprocessorUse


def _bedrock_on(settings: Settings) -> bool:
    return bool(settings.messages_inbound_domain) and settings.messages_drafter == "bedrock"


SENDS = SubprocessorUse(
    role="ai",
    provider="Amazon Web Services",
    service="Amazon Bedrock (Converse API, the model the deployment names; in the deployment's region)",
    purpose="drafts replies to buyer messages for a person to approve",
    receives=(
        "the thread's buyer and seller message text after redaction: the relay address and the buyer "
        "data Sellerflow holds for the order removed, then names, addresses, phone numbers, e-mail "
        "addresses and postcodes replaced by placeholders",
        "the seller's own drafting instructions: tone, policies, signature",
        "the order's non-personal context: order id, status, items, dates, fulfilment channel, carrier "
        "and tracking",
    ),
    in_use=_bedrock_on,
)
MAX_PROMPT_MESSAGES = 10
MAX_MESSAGE_CHARS = 4000


@dataclass(frozen=True)
class DraftPrompt:
    system: str
    user: str
    intent: str
    redactions: int = 0

    def __repr__(self) -> str:
        return f"DraftPrompt(intent={self.intent!r}, chars={len(self.system) + len(self.user)})"


class Drafter(Protocol):
    name: str

    def draft(self, prompt: DraftPrompt) -> str: ...


def context_lines(order: OrderContext | None) -> list[str]:
    if order is None:
        return ["Order: none named in the message."]
    if not order.known:
        return [f"Order: {order.order_id} (not found among the seller's synced orders)."]
    lines = [f"Order: {order.order_id}", f"Status: {order.status or 'unknown'}"]
    if order.purchased_at:
        lines.append(f"Purchased: {order.purchased_at.date().isoformat()}")
    if order.ship_by:
        lines.append(f"Ship by: {order.ship_by.date().isoformat()}")
    if order.fulfilment_channel:
        by = "Amazon (FBA)" if order.fulfilment_channel == "AFN" else "the seller (FBM)"
        lines.append(f"Fulfilled by: {by}")
    if order.items:
        lines.append("Items: " + "; ".join(order.items))
    if order.carrier or order.tracking_id:
        lines.append(f"Carrier: {order.carrier or 'unknown'}, tracking: {order.tracking_id or 'none'}")
    if order.tracking_status:
        lines.append(f"Tracking status: {order.tracking_status}")
    if order.delivered_at:
        lines.append(f"Delivered: {order.delivered_at.date().isoformat()}")
    return lines


def build_prompt(
    messages: list[StoredMessage],
    *,
    order: OrderContext | None,
    instructions: SellerInstructions,
    intent: str,
    redactor: Redactor,
    known: list[str],
) -> DraftPrompt:
    """The prompt of a thread: every buyer/seller text redacted before it is placed in it."""
    redactions = 0
    conversation = []
    for message in messages[-MAX_PROMPT_MESSAGES:]:
        if message.content is None:
            continue
        body = message.content.body
        if message.direction is Direction.IN:
            from sellerflow.messages.parser import ParsedMessage

            body = ParsedMessage(None, None, "", None, None, (), None, body).buyer_text or body
        cleaned = redactor.redact(f"{message.content.subject}\n{body}"[:MAX_MESSAGE_CHARS], known)
        redactions += sum(cleaned.counts.values())
        who = "Buyer" if message.direction is Direction.IN else "Seller"
        conversation.append(
            f"--- {who} ({message.received_at.strftime('%Y-%m-%d %H:%M')} UTC) ---\n{cleaned.text}"
        )
    system = "\n".join(
        [
            "You draft replies to Amazon buyers for a seller. Write only the reply text.",
            "Rules: answer within Amazon's communication guidelines; no links outside Amazon, no marketing,",
            "no request for reviews or personal data. Placeholders like [NAME] or [ADDRESS] stand for",
            "redacted buyer data: never guess or fill them in, and never repeat them.",
            f"Tone: {instructions.tone}",
            f"Seller policies: {instructions.policies or 'none given'}",
            f"Signature: {instructions.signature or 'none'}",
        ]
    )
    user = "\n".join(
        [
            f"Intent: {intent}",
            "Order context (from the seller's records):",
            *context_lines(order),
            "",
            "Conversation (redacted):",
            *conversation,
            "",
            "Draft the seller's reply to the latest buyer message.",
        ]
    )
    return DraftPrompt(system=system, user=user, intent=intent, redactions=redactions)


# --- the deterministic drafter ---------------------------------------------------------------------
_TEMPLATES = {
    intents.WHERE_IS_MY_ORDER: (
        "Thank you for your message about order {order_id}. {status_sentence} {tracking_sentence}"
        "If it has not arrived by the expected date, please let us know and we will make it right."
    ),
    intents.RETURN: (
        "Thank you for contacting us about order {order_id}. You can start a return from Your Orders on "
        "Amazon; once the item is back with us we refund it as Amazon's return policy sets out."
    ),
    intents.DAMAGED: (
        "We are sorry that your item from order {order_id} arrived damaged. Please start a return from "
        "Your Orders on Amazon (reason: damaged) and we will send a replacement or refund it in full, "
        "whichever you prefer."
    ),
    intents.INVOICE: (
        "Thank you for your message about order {order_id}. We will upload the invoice to the order on "
        "Amazon; you will find it under Your Orders shortly."
    ),
    intents.CANCELLATION: ("Thank you for your message about order {order_id}. {cancel_sentence}"),
    intents.OTHER: (
        "Thank you for your message about order {order_id}. We have received it and will get back to you "
        "within one business day."
    ),
}


def template_reply(intent: str, order: OrderContext | None, instructions: SellerInstructions) -> str:
    order_id = order.order_id if order else "your order"
    status = (order.status or "").lower() if order and order.known else ""
    shipped = status in {"shipped", "delivered", "partially_shipped"} or bool(order and order.tracking_id)
    status_sentence = (
        "It has been shipped."
        if shipped
        else "It is being prepared for dispatch."
        if status
        else "We are checking its status."
    )
    tracking_sentence = (
        f"Tracking ({order.carrier or 'carrier'}): {order.tracking_id}. "
        if order and order.tracking_id
        else ""
    )
    cancel_sentence = (
        "It has already been shipped, so it can no longer be cancelled; you can return it once it arrives."
        if shipped
        else "We will cancel it; you will see the cancellation in Your Orders shortly."
    )
    body = _TEMPLATES.get(intent, _TEMPLATES[intents.OTHER]).format(
        order_id=order_id,
        status_sentence=status_sentence,
        tracking_sentence=tracking_sentence,
        cancel_sentence=cancel_sentence,
    )
    signature = instructions.signature.strip()
    return (
        f"Hello,\n\n{body.strip()}\n\nKind regards,\n{signature}"
        if signature
        else f"Hello,\n\n{body.strip()}\n\nKind regards"
    )


class TemplateDrafter:
    """Deterministic: the intent's template, filled from the order context and the signature."""

    name = "local"

    def __init__(self) -> None:
        self.last_prompt: DraftPrompt | None = None

    def draft(self, prompt: DraftPrompt) -> str:
        self.last_prompt = prompt
        return template_reply(prompt.intent, _order_from_prompt(prompt), _instructions_from_prompt(prompt))


def _field(prompt_text: str, label: str) -> str | None:
    for line in prompt_text.splitlines():
        if line.startswith(f"{label}: "):
            return line.split(": ", 1)[1]
    return None


def _order_from_prompt(prompt: DraftPrompt) -> OrderContext | None:
    order = _field(prompt.user, "Order")
    if not order or order.startswith("none"):
        return None
    tracking = _field(prompt.user, "Carrier")
    carrier, tracking_id = None, None
    if tracking and ", tracking: " in tracking:
        carrier, tracking_id = tracking.split(", tracking: ", 1)
        tracking_id = None if tracking_id == "none" else tracking_id
    return OrderContext(
        order_id=order.split(" ", 1)[0],
        status=_field(prompt.user, "Status"),
        carrier=carrier,
        tracking_id=tracking_id,
        known="not found" not in order,
    )


def _instructions_from_prompt(prompt: DraftPrompt) -> SellerInstructions:
    signature = _field(prompt.system, "Signature") or ""
    return SellerInstructions(signature="" if signature == "none" else signature)


class BedrockDrafter:
    """Amazon Bedrock, Converse API: the system prompt and one user turn; the first text block back."""

    name = "bedrock"

    def __init__(
        self, client: Any, model_id: str, *, max_tokens: int = 600, temperature: float = 0.2
    ) -> None:
        self._client = client
        self._model_id = model_id
        self._max_tokens = max_tokens
        self._temperature = temperature

    def draft(self, prompt: DraftPrompt) -> str:
        answer = self._client.converse(
            modelId=self._model_id,
            system=[{"text": prompt.system}],
            messages=[{"role": "user", "content": [{"text": prompt.user}]}],
            inferenceConfig={"maxTokens": self._max_tokens, "temperature": self._temperature},
        )
        blocks = ((answer.get("output") or {}).get("message") or {}).get("content") or []
        text = "".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict)).strip()
        if not text:
            raise ValueError(f"Bedrock returned no text (stopReason={answer.get('stopReason')})")
        return text
