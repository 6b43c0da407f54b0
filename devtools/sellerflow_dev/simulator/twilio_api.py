"""A Twilio stand-in: the Messages API for WhatsApp, recording every message it is sent.

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   form-encoded, HTTP basic auth
        From/To "whatsapp:+E164", ContentSid (an approved template) required, ContentVariables JSON;
        a free-form Body alone is refused (63016: outside the 24-hour window only templates go)
        -> 201 {sid, status: "queued", ...}
    GET  /_sim/twilio/messages      every message accepted (tests and `make demo` read it)
    GET  /_sim/twilio/config        POST /_sim/twilio/config  {"fail_next": N, "fail_status": 500,
                                    "unsubscribed": ["+4915..."]}: fault modes
    POST /_sim/twilio/reset         forget messages and faults

Faults: the next N sends fail with `fail_status` (500: to prove retry, then DLQ); a number in
`unsubscribed` gets Twilio's 400 with error code 21610 (it replied STOP).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

API_PREFIX = "/2010-04-01/Accounts/"
CONTROL_PREFIX = "/_sim/twilio"
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})/Messages\.json$")
_WHATSAPP = re.compile(r"^whatsapp:\+[1-9][0-9]{6,14}$")
ALERT_KINDS = ("daily_sales", "low_stock", "acos_jump", "authorization", "sync_failing")


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
        return TwilioReply(201, message)

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
        if (method, route) == ("POST", "reset"):
            with self._lock:
                self.messages.clear()
                self.fail_next, self.attempts = 0, 0
                self.unsubscribed.clear()
            return TwilioReply(200, self._config())
        return TwilioReply(404, {"message": f"no Twilio stand-in control endpoint {method} {route}"})

    def configure(
        self,
        *,
        fail_next: int | None = None,
        fail_status: int | None = None,
        unsubscribed: list[str] | None = None,
    ) -> None:
        with self._lock:
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
