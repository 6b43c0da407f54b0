"""Local sign-in against moto's Cognito: users with a password and TOTP MFA, as the pool requires.

Invited users are made by the API itself (`AdminCreateUser` with the invited, verified email);
`complete_invitation` is the invitee's part. Their ID tokens carry `email_verified` because the local
app client may read every attribute, as a Cognito client without ReadAttributes does (provision.py).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP


def totp_code(secret: str, at: float | None = None) -> str:
    """The current RFC 6238 code of an authenticator app holding `secret` (base32, as Cognito gives it)."""
    padded = secret + "=" * (-len(secret) % 8)
    totp = TOTP(base64.b32decode(padded, casefold=True), 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303
    return totp.generate(int(at if at is not None else time.time())).decode()


@dataclass(frozen=True)
class LocalUser:
    email: str
    password: str
    sub: str
    totp_secret: str


class LocalIdentity:
    def __init__(self, client: Any, user_pool_id: str, app_client_id: str) -> None:
        self._idp = client
        self._pool = user_pool_id
        self._client_id = app_client_id
        self._totp_secrets: dict[str, str] = {}

    def create_user(self, email: str, password: str, *, groups: tuple[str, ...] = ()) -> LocalUser:
        self._idp.admin_create_user(
            UserPoolId=self._pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        for group in groups:
            self._idp.admin_add_user_to_group(UserPoolId=self._pool, Username=email, GroupName=group)
        return self.activate(email, password)

    def complete_invitation(self, email: str, password: str) -> LocalUser:
        """What an invited person does with Cognito's invitation email: replace the temporary password
        and enrol an authenticator. The user (and its verified email) is the API's `AdminCreateUser`."""
        attributes = self._attributes(email)
        if attributes.get("email_verified") != "true":
            raise RuntimeError(f"{email} was not created by an invitation (its email is not verified)")
        return self.activate(email, password)

    def _attributes(self, email: str) -> dict[str, str]:
        user = self._idp.admin_get_user(UserPoolId=self._pool, Username=email)
        return {a["Name"]: a["Value"] for a in user["UserAttributes"]}

    def activate(self, email: str, password: str) -> LocalUser:
        """A permanent password (Cognito's NEW_PASSWORD_REQUIRED step, done by the admin API here) and
        TOTP MFA, set up on the first sign-in as the pool requires."""
        self._idp.admin_set_user_password(
            UserPoolId=self._pool, Username=email, Password=password, Permanent=True
        )
        first = self.sign_in(email, password)  # the first sign-in sets up TOTP MFA (the pool requires it)
        if email not in self._totp_secrets:
            # moto's admin flow skips the MFA_SETUP challenge Cognito gives; enrol the way a signed-in user would.
            secret = self._idp.associate_software_token(AccessToken=first["AccessToken"])["SecretCode"]
            self._fresh_code(
                secret,
                lambda code: self._idp.verify_software_token(
                    AccessToken=first["AccessToken"], UserCode=code, FriendlyDeviceName="local"
                ),
            )
            self._totp_secrets[email] = secret
            self._idp.admin_set_user_mfa_preference(
                UserPoolId=self._pool,
                Username=email,
                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
            )
        sub = self._attributes(email)["sub"]
        return LocalUser(email=email, password=password, sub=sub, totp_secret=self._totp_secrets[email])

    def sign_in(self, email: str, password: str) -> dict[str, str]:
        """Password, then MFA (set up on first sign-in): returns the Cognito AuthenticationResult."""
        response = self._idp.admin_initiate_auth(
            UserPoolId=self._pool,
            ClientId=self._client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        for _ in range(4):
            if "AuthenticationResult" in response:
                result: dict[str, str] = response["AuthenticationResult"]
                return result
            challenge = response["ChallengeName"]
            session = response.get("Session", "")
            if challenge == "MFA_SETUP":
                secret = self._idp.associate_software_token(Session=session)["SecretCode"]
                self._totp_secrets[email] = secret

                def verify(code: str, session: str = session) -> Any:
                    return self._idp.verify_software_token(
                        Session=session, UserCode=code, FriendlyDeviceName="local"
                    )

                verified = self._fresh_code(secret, verify)
                response = self._idp.admin_respond_to_auth_challenge(
                    UserPoolId=self._pool,
                    ClientId=self._client_id,
                    ChallengeName="MFA_SETUP",
                    Session=verified.get("Session", session),
                    ChallengeResponses={"USERNAME": email},
                )
            elif challenge == "SOFTWARE_TOKEN_MFA":
                secret = self._totp_secrets[email]

                def answer(code: str, session: str = session) -> Any:
                    return self._idp.admin_respond_to_auth_challenge(
                        UserPoolId=self._pool,
                        ClientId=self._client_id,
                        ChallengeName="SOFTWARE_TOKEN_MFA",
                        Session=session,
                        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code},
                    )

                response = self._fresh_code(secret, answer)
            else:
                raise RuntimeError(f"unexpected Cognito challenge {challenge} for {email}")
        raise RuntimeError(f"sign-in of {email} did not complete")

    def _fresh_code(self, secret: str, call: Callable[[str], Any]) -> Any:
        """`call` with the current TOTP code, again with a new one if the 30-second step turned between
        computing and checking it (moto accepts the current step only; a loaded machine crosses it)."""
        for attempt in range(3):
            try:
                return call(totp_code(secret))
            except self._idp.exceptions.CodeMismatchException:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def id_token(self, email: str, password: str) -> str:
        return self.sign_in(email, password)["IdToken"]
