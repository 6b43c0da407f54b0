"""The `Mailer` adapter: Amazon SES v2 `SendEmail` with a raw MIME message, so that the reply
carries In-Reply-To and References and Amazon's relay threads it with the buyer's message."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sellerflow.messages.replies import OutgoingMail, SendRefused
from sellerflow.settings import Settings
from sellerflow.subprocessors import SubprocessorUse


def messages_on(settings: Settings) -> bool:
    return bool(settings.messages_inbound_domain)


SENDS = SubprocessorUse(
    role="email",
    provider="Amazon Web Services",
    service="Amazon SES (receiving on the deployment's inbound domain; sending from the seller's verified address)",
    purpose="receives the Amazon buyer messages sellers forward, and sends the replies a person approved "
    "(or the intents the seller set to auto-send) back through Amazon's buyer relay",
    receives=(
        "the buyer messages forwarded to the seller's inbound address, as Amazon relayed them "
        "(raw mail kept at most a day, deleted once parsed)",
        "each reply sent: its text, the buyer's Amazon relay address, the subject with the order id, "
        "In-Reply-To/References headers, and the seller's sending address",
    ),
    in_use=messages_on,
)


class SesMailer:
    def __init__(self, client: Any, *, configuration_set: str | None = None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    @staticmethod
    def mime(mail: OutgoingMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = mail.from_address
        message["To"] = mail.to_address
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain=mail.from_address.rpartition("@")[2] or None)
        if mail.in_reply_to:
            message["In-Reply-To"] = mail.in_reply_to
        if mail.references:
            message["References"] = mail.references
        message.set_content(mail.body)
        return message

    def send(self, mail: OutgoingMail) -> str:
        message = self.mime(mail)
        kwargs: dict[str, Any] = {
            "FromEmailAddress": mail.from_address,
            "Destination": {"ToAddresses": [mail.to_address]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self._configuration_set:
            kwargs["ConfigurationSetName"] = self._configuration_set
        errors = self._client.exceptions
        try:
            self._client.send_email(**kwargs)
        except (errors.MessageRejected, errors.MailFromDomainNotVerifiedException):
            # SES's own reason names the address (the seller's, never the buyer's): the route's 409
            raise SendRefused(
                f"SES refused to send from {mail.from_address}: verify the address or its domain in SES "
                "for this installation, or set a verified sending address in the inbox settings"
            ) from None
        return str(message["Message-ID"])


class SesIdentities:
    """Whether SES lets this deployment send from an address: the address, or its domain, verified
    for sending (SES v2 `GetEmailIdentity`; reads identities, sends nothing)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def verified(self, address: str) -> bool | None:
        """True/False; None when SES could not say (throttled, not allowed): unknown, not refused."""
        errors = self._client.exceptions
        for identity in dict.fromkeys((address, address.rpartition("@")[2])):
            try:
                got = self._client.get_email_identity(EmailIdentity=identity)
            except errors.NotFoundException:
                continue
            except errors.ClientError:
                return None
            # either field says so (moto answers the status and leaves the flag False)
            if got.get("VerifiedForSendingStatus") or got.get("VerificationStatus") == "SUCCESS":
                return True
        return False
