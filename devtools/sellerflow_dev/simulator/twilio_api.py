"""A Twilio stand-in: the Messages API for WhatsApp, recording every message it is sent.

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   form-encoded, HTTP basic auth
        From/To "whatsapp:+E164", ContentSid (an approved template) required, ContentVariables JSON;
        a free-form Body alone is refused (63016: outside the 24-hour window only templates go)
        -> 201 {sid, status: "queued", ...}
    GET  /_sim/twilio/messages      every message accepted (tests and `make demo` read it)
    GET  /_sim/twilio/config        POST /_sim/twilio/config  {"fail_next": N, "fail_status": 500,
                                    "unsubscribed": ["+4915..."]}: fault modes
    POST /_sim/twilio/reset         forget messages and faults

    POST /_sim/twilio/inbound       {"from": "+4915...", "body": "STOP"}: the number sends a WhatsApp
                                    message; the stand-in posts it, signed, to `inbound_url`
                                    (config) as Twilio posts to the number's webhook

Faults: the next N sends fail with `fail_status` (500: to prove retry, then DLQ); a number in
`unsubscribed` gets Twilio's 400 with error code 21610 (it replied STOP).

Callbacks: a message created with `StatusCallback` gets Twilio's status callbacks ("sent", then
"delivered") shortly after the create answered, as Twilio sends them: form-encoded POSTs with an
`X-Twilio-Signature` computed by Twilio's algorithm (HMAC-SHA1 keyed with the auth token over the
URL and the sorted parameters, base64). An inbound STOP also unsubscribes the number (later sends
get 21610, as with Twilio's Advanced Opt-Out); START subscribes it again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

API_PREFIX = "/2010-04-01/Accounts/"
CONTROL_PREFIX = "/_sim/twilio"
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})/Messages\.json$")
_WHATSAPP = re.compile(r"^whatsapp:\+[1-9][0-9]{6,14}$")
ALERT_KINDS = ("daily_sales", "low_stock", "acos_jump", "authorization", "sync_failing", "message_unanswered")
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """`X-Twilio-Signature`: base64(HMAC-SHA1(auth token, url + every key+value sorted by key))."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class TwilioReply:
    status: int
    body: dict[str, Any]


@dataclass
class TwilioStandIn:
    seed: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 500
    unsubscribed: set[str] = field(default_factory=set)
    attempts: int = 0
    inbound_url: str | None = None  # the number's "a message comes in" webhook
    callback_delay_s: float = 0.3
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # every callback posted, and its answer
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- credentials and approved templates (deterministic per seed) -----------------------------
    @property
    def account_sid(self) -> str:
        return "AC" + hashlib.sha256(f"twilio-account-{self.seed}".encode()).hexdigest()[:32]

    @property
    def auth_token(self) -> str:
        return hashlib.sha256(f"twilio-token-{self.seed}".encode()).hexdigest()[:32]

    from_number: str = "+15005550006"

    @property
    def content_sids(self) -> dict[str, str]:
        """One approved WhatsApp template (Content SID) per alert kind."""
        return {k: "HX" + hashlib.sha256(f"template-{k}".encode()).hexdigest()[:32] for k in ALERT_KINDS}

    def handles(self, path: str) -> bool:
        return path.startswith(API_PREFIX) or path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")

    # --- dispatch ----------------------------------------------------------------------------------
    def dispatch(
        self, method: str, path: str, headers: dict[str, str], body: bytes, loopback: bool
    ) -> TwilioReply:
        if path.startswith(CONTROL_PREFIX):
            if not loopback:
                return TwilioReply(
                    403, {"message": "simulator control endpoints only answer loopback clients"}
                )
            return self._control(method, path[len(CONTROL_PREFIX) :].strip("/"), body)
        match = _MESSAGES.match(path)
        if match is None:
            return _twilio_error(404, 20404, "The requested resource was not found")
        if method != "POST":
            return _twilio_error(405, 20004, "Method not allowed")
        if not self._authorized(match["account"], headers.get("authorization", "")):
            return _twilio_error(401, 20003, "Authenticate")
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        return self._create(match["account"], form)

    def _authorized(self, account: str, header: str) -> bool:
        if account != self.account_sid or not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.account_sid and password == self.auth_token

    def _create(self, account: str, form: dict[str, str]) -> TwilioReply:
        to, sender = form.get("To", ""), form.get("From", "")
        if not _WHATSAPP.match(to) or not _WHATSAPP.match(sender):
            return _twilio_error(400, 21211, "Invalid 'To' or 'From': expected whatsapp:+E.164")
        content_sid = form.get("ContentSid")
        if not content_sid:
            return _twilio_error(
                400, 63016, "Outside the 24-hour window only approved templates (ContentSid) go"
            )
        if content_sid not in self.content_sids.values():
            return _twilio_error(400, 21656, "The ContentSid is not an approved template")
        try:
            variables = json.loads(form.get("ContentVariables") or "{}")
        except ValueError:
            return _twilio_error(400, 21656, "ContentVariables is not valid JSON")
        with self._lock:
            self.attempts += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return _twilio_error(self.fail_status, 20500, "Internal Server Error")
            if to.removeprefix("whatsapp:") in self.unsubscribed:
                return _twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
            sid = "SM" + hashlib.sha256(f"{len(self.messages)}-{to}-{content_sid}".encode()).hexdigest()[:32]
            now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
            message = {
                "sid": sid,
                "account_sid": account,
                "to": to,
                "from": sender,
                "content_sid": content_sid,
                "content_variables": variables,
                "body": form.get("Body"),
                "status": "queued",
                "date_created": now,
                "date_updated": now,
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
                "error_code": None,
                "error_message": None,
            }
            self.messages.append(message)
        callback = form.get("StatusCallback")
        if callback:
            self._later(callback, message, ("sent", "delivered"))
        return TwilioReply(201, message)

    # --- callbacks (Twilio -> the application), signed ---------------------------------------------
    def post_signed(self, url: str, params: dict[str, str]) -> int:
        """POST a form to the application as Twilio does, signed; the HTTP status it answered."""
        if not url.startswith(("http://", "https://")):
            return 0
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url,
            data=urlencode(params).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(self.auth_token, url, params),
                "User-Agent": "TwilioProxy/1.1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the local stack
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        with self._lock:
            self.callbacks.append({"url": url, "params": dict(params), "status": status})
        return status

    def _later(self, url: str, message: dict[str, Any], statuses: tuple[str, ...]) -> None:
        def run() -> None:
            for status in statuses:
                threading.Event().wait(self.callback_delay_s)
                self.post_signed(
                    url,
                    {
                        "AccountSid": str(message["account_sid"]),
                        "MessageSid": str(message["sid"]),
                        "SmsSid": str(message["sid"]),
                        "MessageStatus": status,
                        "SmsStatus": status,
                        "To": str(message["to"]),
                        "From": str(message["from"]),
                        "ApiVersion": "2010-04-01",
                        "ChannelPrefix": "whatsapp",
                    },
                )

        threading.Thread(target=run, daemon=True, name="twilio-status-callbacks").start()

    def inbound(self, phone: str, body: str) -> TwilioReply:
        """The number sends a message: STOP/START change its subscription, then the app is told."""
        word = body.strip().upper()
        with self._lock:
            if word in OPT_OUT_WORDS:
                self.unsubscribed.add(phone)
            elif word in OPT_IN_WORDS:
                self.unsubscribed.discard(phone)
        if not self.inbound_url:
            return TwilioReply(409, {"message": "no inbound_url configured (POST /_sim/twilio/config)"})
        sid = "SM" + hashlib.sha256(f"inbound-{phone}-{body}-{len(self.callbacks)}".encode()).hexdigest()[:32]
        status = self.post_signed(
            self.inbound_url,
            {
                "AccountSid": self.account_sid,
                "MessageSid": sid,
                "SmsMessageSid": sid,
                "From": f"whatsapp:{phone}",
                "To": f"whatsapp:{self.from_number}",
                "Body": body,
                "NumMedia": "0",
                "ApiVersion": "2010-04-01",
            },
        )
        return TwilioReply(200, {"delivered_to": self.inbound_url, "status": status})

    def _control(self, method: str, route: str, body: bytes) -> TwilioReply:
        if (method, route) == ("GET", "messages"):
            with self._lock:
                return TwilioReply(200, {"messages": list(self.messages), "attempts": self.attempts})
        if (method, route) == ("GET", "config"):
            return TwilioReply(200, self._config())
        if (method, route) == ("POST", "config"):
            try:
                updates = json.loads(body or b"{}")
            except ValueError:
                return TwilioReply(400, {"message": "the body is not JSON"})
            self.configure(**updates)
            return TwilioReply(200, self._config())
        if (method, route) == ("GET", "callbacks"):
            with self._lock:
                return TwilioReply(200, {"callbacks": list(self.callbacks)})
        if (method, route) == ("POST", "inbound"):
            try:
                sent = json.loads(body or b"{}")
                return self.inbound(str(sent["from"]), str(sent["body"]))
            except (ValueError, KeyError):
                return TwilioReply(400, {"message": 'expected {"from": "+E.164", "body": "STOP"}'})
        if (method, route) == ("POST", "reset"):
            with self._lock:
                self.messages.clear()
                self.fail_next, self.attempts = 0, 0
                self.unsubscribed.clear()
                self.callbacks.clear()
            return TwilioReply(200, self._config())
        return TwilioReply(404, {"message": f"no Twilio stand-in control endpoint {method} {route}"})

    def configure(
        self,
        *,
        fail_next: int | None = None,
        fail_status: int | None = None,
        unsubscribed: list[str] | None = None,
        inbound_url: str | None = None,
        callback_delay_s: float | None = None,
    ) -> None:
        with self._lock:
            if inbound_url is not None:
                self.inbound_url = inbound_url or None
            if callback_delay_s is not None:
                self.callback_delay_s = float(callback_delay_s)
            if fail_next is not None:
                self.fail_next = int(fail_next)
            if fail_status is not None:
                self.fail_status = int(fail_status)
            if unsubscribed is not None:
                self.unsubscribed = set(unsubscribed)

    def _config(self) -> dict[str, Any]:
        return {
            "fail_next": self.fail_next,
            "fail_status": self.fail_status,
            "unsubscribed": sorted(self.unsubscribed),
            "inbound_url": self.inbound_url,
            "callback_delay_s": self.callback_delay_s,
        }

    def sent(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.messages)


def _twilio_error(status: int, code: int, message: str) -> TwilioReply:
    return TwilioReply(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )
