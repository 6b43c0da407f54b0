"""The user pool, as the team flows need it: does this email have a user (create one if not), and
who is the user with this `sub` (an admin's membership change names an existing, non-admin user).

`AdminCreateUser` makes Cognito email the person its own invitation with a temporary password (the
pool's template); Sellerflow never sees or sends a password. The API role may call only
`cognito-idp:ListUsers`, `cognito-idp:AdminCreateUser`, `cognito-idp:AdminListGroupsForUser` and
`cognito-idp:AdminUserGlobalSignOut`, on this pool only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sellerflow.errors import ConfigurationError
from sellerflow.members.model import PoolUser
from sellerflow.subprocessors import SubprocessorUse

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


SENDS = SubprocessorUse(
    role="email",
    provider="Amazon Web Services",
    service="Amazon Cognito (sign-in, and the invitation and password e-mails it sends)",
    purpose="signs team members in and e-mails invitations and password resets",
    receives=("team members' e-mail addresses", "password verifiers and MFA enrolment (never the password)"),
)


class CognitoUsers:
    def __init__(
        self,
        user_pool_id: str,
        *,
        client: CognitoIdentityProviderClient | None = None,
        region: str | None = None,
    ) -> None:
        if not user_pool_id:
            raise ConfigurationError("COGNITO_USER_POOL_ID is not configured")
        self._pool = user_pool_id
        import boto3  # here: a cold start loads boto3 only where it is used

        self._client = client or boto3.client("cognito-idp", region_name=region)

    def _first(self, attribute: str, value: str) -> str | None:
        """The username of the first user whose `attribute` equals `value` (ListUsers' exact filter)."""
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        found = self._client.list_users(UserPoolId=self._pool, Filter=f'{attribute} = "{escaped}"', Limit=1)
        users = found.get("Users") or []
        return users[0].get("Username") if users else None

    def exists(self, email: str) -> bool:
        return self._first("email", email) is not None

    def user(self, sub: str) -> PoolUser | None:
        """The user with this `sub` and its groups; None when the pool has no such user."""
        username = self._first("sub", sub)
        if username is None:
            return None
        groups: list[str] = []
        pages = self._client.get_paginator("admin_list_groups_for_user").paginate(
            UserPoolId=self._pool, Username=username
        )
        for page in pages:
            groups += [g["GroupName"] for g in page.get("Groups", []) if "GroupName" in g]
        return PoolUser(sub=sub, groups=tuple(groups))

    def sign_out_everywhere(self, sub: str) -> bool:
        """Revoke every refresh token of the user with this `sub` (`AdminUserGlobalSignOut`; issued
        access and ID tokens stay valid until they expire: the API's membership check refuses them)."""
        username = self._first("sub", sub)
        if username is None:
            return False
        self._client.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)
        return True

    def ensure_user(self, email: str) -> bool:
        """True when a user was created (Cognito sends the invitation email), False when one existed."""
        if self.exists(email):
            return False
        try:
            self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    # The owner invited this address; Cognito delivers the temporary password to it,
                    # so signing in proves the address.
                    {"Name": "email_verified", "Value": "true"},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except self._client.exceptions.UsernameExistsException:
            return False
        return True
