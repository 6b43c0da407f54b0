"""The `Mailer` adapter: Amazon SES v2 `SendEmail` with a raw MIME message, so that the reply
carries In-Reply-To and References and Amazon's relay threads it with the buyer's message."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any


class SesMailer:
    def __init__(self, client: Any, *, configuration_set: str | None = None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    @staticmethod
    def mime(
        *,
        from_address: str,
        to_address: str,
        subject: str,
        body: str,
        in_reply_to: str | None,
        references: str | None,
    ) -> EmailMessage:
        message = EmailMessage()
        message["From"] = from_address
        message["To"] = to_address
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
        if references:
            message["References"] = references
        message.set_content(body)
        return message

    def send(
        self,
        *,
        from_address: str,
        to_address: str,
        subject: str,
        body: str,
        in_reply_to: str | None,
        references: str | None,
    ) -> str:
        message = self.mime(
            from_address=from_address,
            to_address=to_address,
            subject=subject,
            body=body,
            in_reply_to=in_reply_to,
            references=references,
        )
        kwargs: dict[str, Any] = {
            "FromEmailAddress": from_address,
            "Destination": {"ToAddresses": [to_address]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        self._client.send_email(**kwargs)
        return str(message["Message-ID"])
