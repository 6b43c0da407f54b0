"""The Twilio adapter without the twilio library: our X-Twilio-Signature check agrees with Twilio's own
RequestValidator (a test dependency only), and a message is one form-encoded POST whose errors map
to our typed errors."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from sellerflow.alerts.content import AlertKind
from sellerflow.errors import WhatsAppRecipientOptedOut, WhatsAppRecipientRejected, WhatsAppTemporaryFailure
from sellerflow.notifications.whatsapp import (
    TwilioCredentials,
    TwilioSignatures,
    TwilioWhatsApp,
    signature_valid,
    twilio_signature,
)

TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC" + "a" * 32
CREDS = TwilioCredentials(account_sid=ACCOUNT, auth_token=SecretStr(TOKEN), from_number="+15550001111")
CONTENT_SID = "HX" + "b" * 32
FORMS = [
    {},
    {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "To": "whatsapp:+15550002222"},
    {"Body": "STOP", "From": "whatsapp:+4915112345678", "ProfileName": "Zoë ünïcödé ✓"},
    {"b": "2", "a": "1", "A": "0", "a1": "x&y=z"},
]
URLS = [
    "https://api.example.com/webhooks/twilio/inbound",
    "https://api.example.com:443/webhooks/twilio/status/A1SELLER/alert-1",
    "http://localhost:8080/webhooks/twilio/status/A1SELLER/alert%2F1?x=1",
    "https://api.example.com/webhooks/twilio/inbound?bodySHA256=abc",
]


class _Creds:
    def credentials(self) -> TwilioCredentials:
        return CREDS


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("form", FORMS)
def test_our_signature_is_twilios(url: str, form: dict[str, str]) -> None:
    validator = RequestValidator(TOKEN)

    assert twilio_signature(TOKEN, url, form) == validator.compute_signature(url, form)
    signed = validator.compute_signature(url, form)
    assert signature_valid(TOKEN, url, form, signed) is validator.validate(url, form, signed) is True


@pytest.mark.parametrize("url", URLS)
def test_a_signature_twilio_refuses_we_refuse(url: str) -> None:
    form = FORMS[1]
    validator = RequestValidator(TOKEN)
    good = validator.compute_signature(url, form)
    forged = [
        "",
        good[:-2],
        base64.b64encode(b"x" * 20).decode(),
        RequestValidator("another-token").compute_signature(url, form),
        validator.compute_signature(url + "x", form),
        validator.compute_signature(url, {**form, "MessageStatus": "read"}),
    ]
    for signature in forged:
        assert signature_valid(TOKEN, url, form, signature) is validator.validate(url, form, signature)
        assert not TwilioSignatures(_Creds()).valid(url, form, signature)


def test_the_url_is_checked_with_and_without_its_default_port_as_twilio_does() -> None:
    form = FORMS[1]
    with_port = RequestValidator(TOKEN).compute_signature("https://api.example.com:443/hook", form)

    assert TwilioSignatures(_Creds()).valid("https://api.example.com/hook", form, with_port)
    assert not TwilioSignatures(_Creds()).valid("https://api.example.com:8443/hook", form, with_port)


def _sender(answer: httpx.Response | Exception, sent: list[httpx.Request]) -> TwilioWhatsApp:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    sender = TwilioWhatsApp(
        _Creds(), {AlertKind.LOW_STOCK: CONTENT_SID}, webhook_base_url="https://api.example.com"
    )
    sender._http = httpx.Client(transport=httpx.MockTransport(handler))
    return sender


def test_a_message_is_one_form_post_with_basic_auth_and_the_template() -> None:
    sent: list[httpx.Request] = []
    sender = _sender(httpx.Response(201, json={"sid": "SM" + "2" * 32, "status": "queued"}), sent)

    message = sender.send("+15550002222", AlertKind.LOW_STOCK, {"1": "SKU-1"}, seller_id="A1S", alert_id="a1")

    assert (message.sid, message.status) == ("SM" + "2" * 32, "queued")
    (request,) = sent
    assert str(request.url) == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    )
    form: dict[str, Any] = dict(httpx.QueryParams(request.content.decode()))
    assert form == {
        "To": "whatsapp:+15550002222",
        "From": "whatsapp:+15550001111",
        "ContentSid": CONTENT_SID,
        "ContentVariables": json.dumps({"1": "SKU-1"}, separators=(",", ":")),
        "StatusCallback": "https://api.example.com/webhooks/twilio/status/A1S/a1",
    }
    assert "Body" not in form  # never free-form text


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            httpx.Response(400, json={"code": 21610, "message": "unsubscribed", "status": 400}),
            WhatsAppRecipientOptedOut,
        ),
        (
            httpx.Response(400, json={"code": 21211, "message": "invalid To", "status": 400}),
            WhatsAppRecipientRejected,
        ),
        (httpx.Response(429, json={"code": 20429, "status": 429}), WhatsAppTemporaryFailure),
        (httpx.Response(401, json={"code": 20003, "status": 401}), WhatsAppTemporaryFailure),
        (httpx.Response(503, text="unavailable"), WhatsAppTemporaryFailure),
        (httpx.Response(201, text="not json"), WhatsAppTemporaryFailure),
        (httpx.ConnectError("down"), WhatsAppTemporaryFailure),
    ],
)
def test_twilios_answers_map_to_our_errors(
    answer: httpx.Response | Exception, error: type[Exception]
) -> None:
    with pytest.raises(error):
        _sender(answer, []).send("+15550002222", AlertKind.LOW_STOCK, {"1": "x"})
