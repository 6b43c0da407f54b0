"""Secrets: seller refresh tokens in the CredentialVault (AWS Encryption SDK, moto KMS) and the
app's LWA client credentials (moto Secrets Manager), used against the simulator's LWA."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import botocore.session
import httpx
import pytest
from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError
from int_core_support import REFRESH_TOKEN_PREFIX, REGION, Port, StaticAppCredentials, raw_items
from pydantic import SecretStr

from sellerflow.errors import ConfigurationError, CredentialsMissing, SpApiAuthorizationRevoked
from sellerflow.spapi.client import AccessTokenCache
from sellerflow.spapi.lwa import LwaClient
from sellerflow.store.app_secrets import SecretsManagerAppCredentials
from sellerflow.store.credentials import CredentialVault
from sellerflow.store.sellers import CREDENTIALS
from sellerflow_dev.simulator import SimServer, SimWorld


def credentials_item(dynamodb: Any, seller_id: str) -> dict[str, Any]:
    item: dict[str, Any] = dynamodb.get_item(
        TableName="SellersTable", Key={"seller_id": {"S": seller_id}, "sk": {"S": CREDENTIALS}}
    )["Item"]
    return item


def test_a_stored_refresh_token_decrypts_to_the_same_token(
    aws: Any, kms_key_arn: str, world: SimWorld
) -> None:
    # Given a seller's refresh token
    seller = world.sellers[0]
    vault = CredentialVault(kms_key_arn)

    # When it is stored and read back (by a second vault, as another container would)
    vault.store_refresh_token(seller.seller_id, SecretStr(seller.refresh_token))
    token = CredentialVault(kms_key_arn).refresh_token(seller.seller_id)

    # Then it is the same token, still wrapped so it does not print
    assert isinstance(token, SecretStr)
    assert token.get_secret_value() == seller.refresh_token
    assert seller.refresh_token not in repr(token)


def test_the_stored_item_holds_only_ciphertext(aws: Any, kms_key_arn: str, world: SimWorld) -> None:
    # Given a stored refresh token
    seller = world.sellers[0]
    CredentialVault(kms_key_arn).store_refresh_token(seller.seller_id, SecretStr(seller.refresh_token))

    # When the raw item is read straight from DynamoDB
    item = credentials_item(aws, seller.seller_id)
    everything = repr(raw_items(aws, "SellersTable")).encode()

    # Then the ciphertext is binary and neither it nor any other attribute contains the token
    ciphertext: bytes = item["refresh_token_ciphertext"]["B"]
    token = seller.refresh_token.encode()
    assert ciphertext
    assert token not in ciphertext
    assert token[5:40] not in ciphertext
    assert token not in everything
    assert set(item) == {"seller_id", "sk", "refresh_token_ciphertext"}


@pytest.mark.parametrize("cached", [False, True], ids=["key-not-cached", "key-cached"])
def test_a_ciphertext_copied_to_another_seller_does_not_decrypt_as_theirs(
    aws: Any, kms_key_arn: str, world: SimWorld, cached: bool
) -> None:
    # Given seller A's encrypted token (read once when `cached`: its data key in the vault's decrypt
    # cache), copied into seller B's CREDENTIALS item
    seller_a, seller_b = world.sellers
    vault = CredentialVault(kms_key_arn)
    vault.store_refresh_token(seller_a.seller_id, SecretStr(seller_a.refresh_token))
    if cached:
        assert vault.refresh_token(seller_a.seller_id).get_secret_value() == seller_a.refresh_token
    stolen = credentials_item(aws, seller_a.seller_id)["refresh_token_ciphertext"]
    aws.put_item(
        TableName="SellersTable",
        Item={
            "seller_id": {"S": seller_b.seller_id},
            "sk": {"S": CREDENTIALS},
            "refresh_token_ciphertext": stolen,
        },
    )

    # When B's token is asked for, by the same vault
    # Then the encryption context (seller A) betrays the copy, whether its key came from KMS or the
    # cache: no token for B, and A's is not revealed
    with pytest.raises(CredentialsMissing, match=seller_b.seller_id) as raised:
        vault.refresh_token(seller_b.seller_id)
    assert seller_a.refresh_token not in str(raised.value)
    assert vault.refresh_token(seller_a.seller_id).get_secret_value() == seller_a.refresh_token


def test_a_re_authorised_sellers_new_token_is_read_never_the_cached_one(
    aws: Any, kms_key_arn: str, world: SimWorld
) -> None:
    # Given a seller's token read twice by one vault (a warm container): KMS asked once
    seller = world.sellers[0]
    session = botocore.session.get_session()
    decrypts: list[str] = []
    session.register("before-call.kms.Decrypt", lambda **_: decrypts.append("Decrypt"))
    vault = CredentialVault(kms_key_arn, botocore_session=session)
    vault.store_refresh_token(seller.seller_id, SecretStr(seller.refresh_token))
    for _ in range(2):
        assert vault.refresh_token(seller.seller_id).get_secret_value() == seller.refresh_token
    assert len(decrypts) == 1

    # When the seller authorises again (a new token, stored by another container) and it is read
    renewed = f"{REFRESH_TOKEN_PREFIX}renewed-{uuid.uuid4().hex}"
    CredentialVault(kms_key_arn).store_refresh_token(seller.seller_id, SecretStr(renewed))
    token = vault.refresh_token(seller.seller_id)

    # Then the new token comes back, its data key from KMS; and once deleted, nothing does
    assert token.get_secret_value() == renewed
    assert len(decrypts) == 2
    vault.delete_refresh_token(seller.seller_id)
    with pytest.raises(CredentialsMissing):
        vault.refresh_token(seller.seller_id)


def test_a_seller_without_a_stored_token_raises_credentials_missing(
    aws: Any, kms_key_arn: str, world: SimWorld
) -> None:
    # Given one seller who never connected and one who disconnected
    never, disconnected = world.sellers
    vault = CredentialVault(kms_key_arn)
    vault.store_refresh_token(disconnected.seller_id, SecretStr(disconnected.refresh_token))
    vault.delete_refresh_token(disconnected.seller_id)

    # When their tokens are asked for
    # Then both are CredentialsMissing, naming the seller
    for seller in (never, disconnected):
        with pytest.raises(CredentialsMissing, match=seller.seller_id):
            vault.refresh_token(seller.seller_id)


def test_a_token_encrypted_under_another_key_is_not_accepted(
    aws: Any, kms_key_arn: str, world: SimWorld
) -> None:
    # Given a token encrypted under a different KMS key than the vault trusts
    seller = world.sellers[0]
    other_key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    CredentialVault(other_key).store_refresh_token(seller.seller_id, SecretStr(seller.refresh_token))

    # When the vault with the data key reads it
    # Then it refuses: the strict key provider only uses the configured key. (What surfaces is the
    # Encryption SDK's own error, not a Sellerflow error: see the report.)
    with pytest.raises(AWSEncryptionSDKClientError) as raised:
        CredentialVault(kms_key_arn).refresh_token(seller.seller_id)
    assert seller.refresh_token not in str(raised.value)


# --- the app's LWA client credentials (Secrets Manager) ---------------------------------------------
def test_app_credentials_from_secrets_manager_let_the_port_reach_the_simulator(
    aws: Any, sim: SimServer, world: SimWorld, make_port: Callable[..., Port]
) -> None:
    # Given the app's LWA client stored as a JSON secret (moto Secrets Manager)
    name = f"sellerflow/lwa-app-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=name,
        SecretString=json.dumps({"client_id": world.client_id, "client_secret": world.client_secret}),
    )
    seller_id = world.sellers[0].seller_id
    cache = AccessTokenCache()

    # When an access token is obtained with them (and used by the port)
    with httpx.Client() as http:
        lwa = LwaClient(sim.lwa_endpoint, SecretsManagerAppCredentials(name), http)
        cache.put(seller_id, lwa.access_token(SecretStr(world.sellers[0].refresh_token), seller_id=seller_id))
    port = make_port(sim, token_cache=cache)
    page = port.client.search_orders(seller_id, last_updated_after=world.now - timedelta(days=1))

    # Then LWA accepted the app, and the token opened the seller's orders without another refresh
    assert isinstance(page.orders, list)
    assert port.refresh_tokens.calls == []


def test_a_malformed_app_secret_is_a_configuration_error(aws: Any) -> None:
    # Given a secret that lacks the client secret
    name = f"sellerflow/lwa-app-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=name, SecretString=json.dumps({"client_id": "amzn1.application-oa2-client.x"})
    )

    # When the app credentials are read
    # Then the error names the secret (not its content)
    with pytest.raises(ConfigurationError, match=name):
        SecretsManagerAppCredentials(name).app_credentials()


def test_wrong_app_credentials_are_a_configuration_error_without_the_secret(
    sim: SimServer, world: SimWorld
) -> None:
    # Given the right client id with a wrong client secret
    wrong = "amzn1.oa2-cs.v1.not-the-secret"
    http = httpx.Client()
    lwa = LwaClient(sim.lwa_endpoint, StaticAppCredentials(world.client_id, wrong), http)

    # When a seller's access token is asked for
    with http, pytest.raises(ConfigurationError) as raised:
        lwa.access_token(SecretStr(world.sellers[0].refresh_token), seller_id=world.sellers[0].seller_id)

    # Then LWA's invalid_client is a configuration error that repeats neither secret
    assert "invalid_client" in str(raised.value)
    assert wrong not in str(raised.value)
    assert REFRESH_TOKEN_PREFIX not in str(raised.value)


def test_an_authorization_code_is_exchanged_for_the_sellers_refresh_token(
    sim: SimServer, world: SimWorld
) -> None:
    # Given a seller who just consented (the redirect carried a one-time code)
    seller = world.sellers[0]
    code = world.mint_authorization_code(seller.seller_id)
    app = StaticAppCredentials(world.client_id, world.client_secret)

    # When the code is exchanged, and then exchanged again
    with httpx.Client() as http:
        lwa = LwaClient(sim.lwa_endpoint, app, http)
        refresh_token = lwa.exchange_authorization_code(code)
        with pytest.raises(SpApiAuthorizationRevoked):
            lwa.exchange_authorization_code(code)

    # Then the first exchange yields the seller's refresh token; the reused code was refused
    assert refresh_token.get_secret_value() == seller.refresh_token
