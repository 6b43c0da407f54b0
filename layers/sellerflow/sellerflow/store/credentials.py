"""Seller refresh tokens, envelope-encrypted with the AWS Encryption SDK under the data key.

The encryption context names the seller and the purpose, and decryption checks it: a ciphertext
copied into another seller's record does not decrypt as that seller's token. Plaintext tokens exist
only in memory, only inside the SP-API port's credential provider, wrapped in `SecretStr`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr
from pynamodb.exceptions import DoesNotExist

from sellerflow.amazon.ads import ADS_REGIONS, AdsRegion
from sellerflow.errors import CredentialsMissing
from sellerflow.store.envelope import ContextEnvelope
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


def ads_credentials_key(region: AdsRegion) -> str:
    return ADS_CREDENTIALS if region == "NA" else f"{ADS_CREDENTIALS}#{region}"


def _ads_purpose(region: AdsRegion) -> str:
    return ADS_PURPOSE if region == "NA" else f"{ADS_PURPOSE}-{region.lower()}"


class CredentialVault:
    def __init__(self, key_arn: str, *, botocore_session: BotocoreSession | None = None) -> None:
        self._envelope = ContextEnvelope(key_arn, botocore_session)

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
