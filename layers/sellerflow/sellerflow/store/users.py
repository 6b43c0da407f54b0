"""The user pool, as the invitation flow needs it: does this email have a user, and create one if not.

`AdminCreateUser` makes Cognito email the person its own invitation with a temporary password (the
pool's template); Sellerflow never sees or sends a password. The API role may call only
`cognito-idp:ListUsers` and `cognito-idp:AdminCreateUser`, on this pool only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from sellerflow.errors import ConfigurationError

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


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
        self._client = client or boto3.client("cognito-idp", region_name=region)

    def exists(self, email: str) -> bool:
        escaped = email.replace("\\", "\\\\").replace('"', '\\"')
        found = self._client.list_users(UserPoolId=self._pool, Filter=f'email = "{escaped}"', Limit=1)
        return bool(found.get("Users"))

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
