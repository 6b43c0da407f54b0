"""Seller refresh tokens, envelope-encrypted with the AWS Encryption SDK under the data key.

The encryption context names the seller and the purpose, and decryption checks it: a ciphertext
copied into another seller's record does not decrypt as that seller's token. Plaintext tokens exist
only in memory, only inside the SP-API port's credential provider, wrapped in `SecretStr`.

A token is decrypted each time an LWA access token is needed (once an hour per seller and warm
container: access tokens live an hour), from the item read then. The data key KMS decrypted for that
ciphertext is kept in the container's memory for `REFRESH_TOKEN_KEY_CACHE` (the Encryption SDK's
data key caching, decryption only): the next hours' decrypts of the same ciphertext in that
container make no KMS request. Never the token itself: it is decrypted again from the item each
time, so a deleted or replaced token (a revoked or re-authorised seller) is never served from memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr
from pynamodb.exceptions import DoesNotExist

from sellerflow.amazon.ads import ADS_REGIONS, AdsRegion
from sellerflow.errors import CredentialsMissing
from sellerflow.store.envelope import ContextEnvelope, DecryptCache
from sellerflow.store.sellers import CREDENTIALS
from sellerflow.store.tables import SellerRecord

if TYPE_CHECKING:
    from botocore.session import Session as BotocoreSession

PURPOSE = "spapi-refresh-token"
ADS_PURPOSE = "ads-refresh-token"
# The Amazon Ads grant is a separate LWA authorization: its own item beside the SP-API one. It is
# given per Ads region (NA, EU, FE), one item each; NA keeps the key (and purpose) grants had before
# regions existed.
ADS_CREDENTIALS = f"{CREDENTIALS}#ADS"

# A seller's next decrypt in a container comes an hour after the last (the access token's life, the
# hourly sync's cadence), so an age under an hour would never be reused: six hours lets a container
# that served the seller in any of the last five hourly runs skip KMS, and bounds how long a warm
# container keeps decrypting after the data key is disabled or its grant revoked (a new function
# version or configuration drops every warm container at once: docs/incident-response.md). Capacity:
# a thousand sellers' SP-API grant and three Ads regions' each, ~1.4 KB apiece (measured): < 6 MB.
REFRESH_TOKEN_KEY_CACHE = DecryptCache(max_age_s=6 * 3600.0, capacity=4096)


def ads_credentials_key(region: AdsRegion) -> str:
    return ADS_CREDENTIALS if region == "NA" else f"{ADS_CREDENTIALS}#{region}"


def _ads_purpose(region: AdsRegion) -> str:
    return ADS_PURPOSE if region == "NA" else f"{ADS_PURPOSE}-{region.lower()}"


class CredentialVault:
    def __init__(self, key_arn: str, *, botocore_session: BotocoreSession | None = None) -> None:
        self._envelope = ContextEnvelope(key_arn, botocore_session, decrypt_cache=REFRESH_TOKEN_KEY_CACHE)

    @staticmethod
    def _context(seller_id: str, purpose: str = PURPOSE) -> dict[str, str]:
        return {"seller_id": seller_id, "purpose": purpose}

    def store_refresh_token(self, seller_id: str, refresh_token: SecretStr) -> None:
        self._store(seller_id, CREDENTIALS, PURPOSE, refresh_token)

    def store_ads_refresh_token(
        self, seller_id: str, refresh_token: SecretStr, region: AdsRegion = "NA"
    ) -> None:
        """The seller's Amazon Ads refresh token (advertising scope) of one region, encrypted for it."""
        self._store(seller_id, ads_credentials_key(region), _ads_purpose(region), refresh_token)

    def refresh_token(self, seller_id: str) -> SecretStr:
        return self._load(seller_id, CREDENTIALS, PURPOSE)

    def ads_refresh_token(self, seller_id: str, region: AdsRegion = "NA") -> SecretStr:
        """CredentialsMissing when the seller never granted Amazon Ads access in that region."""
        return self._load(seller_id, ads_credentials_key(region), _ads_purpose(region))

    def _store(self, seller_id: str, sk: str, purpose: str, refresh_token: SecretStr) -> None:
        ciphertext = self._envelope.encrypt(
            refresh_token.get_secret_value().encode(), self._context(seller_id, purpose)
        )
        SellerRecord(seller_id=seller_id, sk=sk, refresh_token_ciphertext=ciphertext).save()

    def _load(self, seller_id: str, sk: str, purpose: str) -> SecretStr:
        try:
            record = SellerRecord.get(seller_id, sk, consistent_read=True)
        except DoesNotExist:
            raise CredentialsMissing(f"seller {seller_id} has no stored {purpose}") from None
        if not record.refresh_token_ciphertext:
            raise CredentialsMissing(f"seller {seller_id} has no stored {purpose}")
        plaintext = self._envelope.decrypt(record.refresh_token_ciphertext, self._context(seller_id, purpose))
        if plaintext is None:
            raise CredentialsMissing(f"stored {purpose} of seller {seller_id} was not encrypted for it")
        return SecretStr(plaintext.decode())

    def delete_refresh_token(self, seller_id: str) -> None:
        SellerRecord(seller_id=seller_id, sk=CREDENTIALS).delete()
        for region in ADS_REGIONS:
            SellerRecord(seller_id=seller_id, sk=ads_credentials_key(region)).delete()
