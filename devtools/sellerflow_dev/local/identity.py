"""Local sign-in against moto's Cognito: users with a password and TOTP MFA, as the pool requires."""

from __future__ import annotations

import base64
import time
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
        self._idp.admin_set_user_password(
            UserPoolId=self._pool, Username=email, Password=password, Permanent=True
        )
        for group in groups:
            self._idp.admin_add_user_to_group(UserPoolId=self._pool, Username=email, GroupName=group)
        first = self.sign_in(email, password)  # the first sign-in sets up TOTP MFA (the pool requires it)
        if email not in self._totp_secrets:
            # moto's admin flow skips the MFA_SETUP challenge Cognito gives; enrol the way a signed-in user would.
            secret = self._idp.associate_software_token(AccessToken=first["AccessToken"])["SecretCode"]
            self._idp.verify_software_token(
                AccessToken=first["AccessToken"], UserCode=totp_code(secret), FriendlyDeviceName="local"
            )
            self._totp_secrets[email] = secret
            self._idp.admin_set_user_mfa_preference(
                UserPoolId=self._pool,
                Username=email,
                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
            )
        user = self._idp.admin_get_user(UserPoolId=self._pool, Username=email)
        sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
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
                verified = self._idp.verify_software_token(
                    Session=session, UserCode=totp_code(secret), FriendlyDeviceName="local"
                )
                response = self._idp.admin_respond_to_auth_challenge(
                    UserPoolId=self._pool,
                    ClientId=self._client_id,
                    ChallengeName="MFA_SETUP",
                    Session=verified.get("Session", session),
                    ChallengeResponses={"USERNAME": email},
                )
            elif challenge == "SOFTWARE_TOKEN_MFA":
                secret = self._totp_secrets[email]
                response = self._idp.admin_respond_to_auth_challenge(
                    UserPoolId=self._pool,
                    ClientId=self._client_id,
                    ChallengeName="SOFTWARE_TOKEN_MFA",
                    Session=session,
                    ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": totp_code(secret)},
                )
            else:
                raise RuntimeError(f"unexpected Cognito challenge {challenge} for {email}")
        raise RuntimeError(f"sign-in of {email} did not complete")

    def id_token(self, email: str, password: str) -> str:
        return self.sign_in(email, password)["IdToken"]
