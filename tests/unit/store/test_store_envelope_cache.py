"""The data key caches of `ContextEnvelope` (the Encryption SDK's data key caching). Decryption: a
ciphertext decrypted again within the cache's age makes no KMS request; a new ciphertext, an entry past
its age or one the capacity pushed out does; a decrypt cache caches no encryption; the encryption
context is checked on every decrypt, cached or not. Encryption (`EncryptCache`): one data key per
context for at most max_messages ciphertexts and max_age, never another context's. KMS is moto's, in
process (no socket); each KMS request the envelope's own botocore session sends is counted."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import aws_encryption_sdk.caches
import boto3
import pytest
from kms_counting import KmsRequests
from moto import mock_aws

from sellerflow.store.envelope import ContextEnvelope, DecryptCache, EncryptCache

REGION = "us-east-1"
SELLER_A = {"seller_id": "A1SELLERA", "purpose": "spapi-refresh-token"}
SELLER_B = {"seller_id": "A2SELLERB", "purpose": "spapi-refresh-token"}
TOKEN = b"Atzr|IwEBIA-canary-refresh-token-never-logged"


@pytest.fixture
def key_arn(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]


def test_a_second_decrypt_of_the_same_ciphertext_within_max_age_makes_no_kms_request(
    key_arn: str, kms: KmsRequests
) -> None:
    # Given a refresh token encrypted for seller A, and an envelope that caches decrypted data keys
    ciphertext = ContextEnvelope(key_arn).encrypt(TOKEN, SELLER_A)
    envelope = ContextEnvelope(key_arn, kms.session, decrypt_cache=DecryptCache(max_age_s=3600, capacity=8))

    # When it is decrypted twice (two hourly access-token refreshes in one warm container)
    first = envelope.decrypt(ciphertext, SELLER_A)
    second = envelope.decrypt(ciphertext, SELLER_A)

    # Then both give the token, and only the first asked KMS
    assert first == second == TOKEN
    assert kms.operations == ["Decrypt"]


def test_a_changed_ciphertext_is_decrypted_by_kms(key_arn: str, kms: KmsRequests) -> None:
    # Given seller A's token decrypted once through the cache
    plain = ContextEnvelope(key_arn)
    envelope = ContextEnvelope(key_arn, kms.session, decrypt_cache=DecryptCache(max_age_s=3600, capacity=8))
    assert envelope.decrypt(plain.encrypt(TOKEN, SELLER_A), SELLER_A) == TOKEN

    # When the seller authorises again: a new token, a new ciphertext under the same context
    renewed = b"Atzr|IwEBIA-the-re-authorised-token"
    assert envelope.decrypt(plain.encrypt(renewed, SELLER_A), SELLER_A) == renewed

    # Then KMS decrypted the new ciphertext's data key (never the old one's reused)
    assert kms.count("Decrypt") == 2


def test_an_entry_past_max_age_is_decrypted_by_kms_again(
    key_arn: str, kms: KmsRequests, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a ciphertext decrypted through a cache of 6 hours
    ciphertext = ContextEnvelope(key_arn).encrypt(TOKEN, SELLER_A)
    envelope = ContextEnvelope(
        key_arn, kms.session, decrypt_cache=DecryptCache(max_age_s=6 * 3600, capacity=8)
    )
    assert envelope.decrypt(ciphertext, SELLER_A) == TOKEN

    # When it is decrypted 5 h 59 min later, and again 6 h 1 min later (the SDK's entries age by its
    # module's clock)
    real = aws_encryption_sdk.caches.time.time
    monkeypatch.setattr(aws_encryption_sdk.caches.time, "time", lambda: real() + 6 * 3600 - 60)
    assert envelope.decrypt(ciphertext, SELLER_A) == TOKEN
    decrypts_within = kms.count("Decrypt")
    monkeypatch.setattr(aws_encryption_sdk.caches.time, "time", lambda: real() + 6 * 3600 + 60)
    assert envelope.decrypt(ciphertext, SELLER_A) == TOKEN

    # Then the first used the cached key, the second asked KMS again
    assert decrypts_within == 1
    assert kms.count("Decrypt") == 2


def test_the_capacity_bounds_the_cache_least_recently_used_first(key_arn: str, kms: KmsRequests) -> None:
    # Given a cache that holds one data key, and two sellers' ciphertexts
    plain = ContextEnvelope(key_arn)
    token_a, token_b = plain.encrypt(TOKEN, SELLER_A), plain.encrypt(TOKEN, SELLER_B)
    envelope = ContextEnvelope(key_arn, kms.session, decrypt_cache=DecryptCache(max_age_s=3600, capacity=1))

    # When they are decrypted in turn, twice
    for ciphertext, context in [(token_a, SELLER_A), (token_b, SELLER_B)] * 2:
        assert envelope.decrypt(ciphertext, context) == TOKEN

    # Then each decrypt asked KMS: the other's key had pushed it out
    assert kms.count("Decrypt") == 4


def test_a_cached_key_still_refuses_a_ciphertext_copied_to_another_seller(
    key_arn: str, kms: KmsRequests
) -> None:
    # Given seller A's ciphertext, decrypted as A's (its data key now cached)
    ciphertext = ContextEnvelope(key_arn).encrypt(TOKEN, SELLER_A)
    envelope = ContextEnvelope(key_arn, kms.session, decrypt_cache=DecryptCache(max_age_s=3600, capacity=8))
    assert envelope.decrypt(ciphertext, SELLER_A) == TOKEN

    # When the same ciphertext is offered as seller B's (copied into B's item)
    # Then it is refused, although its key came from the cache
    assert envelope.decrypt(ciphertext, SELLER_B) is None
    assert kms.count("Decrypt") == 1


def test_a_decrypt_cache_caches_no_encryption(key_arn: str, kms: KmsRequests) -> None:
    # Given an envelope with a decrypt cache
    envelope = ContextEnvelope(key_arn, kms.session, decrypt_cache=DecryptCache(max_age_s=3600, capacity=8))

    # When the same token is encrypted twice for the same seller
    first, second = envelope.encrypt(TOKEN, SELLER_A), envelope.encrypt(TOKEN, SELLER_A)

    # Then each got a data key of its own from KMS
    assert kms.count("GenerateDataKey") == 2
    assert first != second


def test_without_a_cache_every_decrypt_asks_kms(key_arn: str, kms: KmsRequests) -> None:
    # Given an envelope without a cache (the buyer-PII stores: one data key per order and purpose)
    ciphertext = ContextEnvelope(key_arn).encrypt(TOKEN, SELLER_A)
    envelope = ContextEnvelope(key_arn, kms.session)

    # When a ciphertext is decrypted twice
    assert envelope.decrypt(ciphertext, SELLER_A) == envelope.decrypt(ciphertext, SELLER_A) == TOKEN

    # Then KMS was asked twice
    assert kms.count("Decrypt") == 2


def test_cached_decrypts_log_no_plaintext(
    key_arn: str, kms: KmsRequests, caplog: pytest.LogCaptureFixture
) -> None:
    # Given every logger at DEBUG (the SDK's and botocore's included)
    caplog.set_level(logging.DEBUG)
    ciphertext = ContextEnvelope(key_arn).encrypt(TOKEN, SELLER_A)
    envelope = ContextEnvelope(key_arn, kms.session, decrypt_cache=DecryptCache(max_age_s=3600, capacity=8))

    # When the token is decrypted by KMS, then from the cache
    assert envelope.decrypt(ciphertext, SELLER_A) == envelope.decrypt(ciphertext, SELLER_A) == TOKEN

    # Then nothing logged holds the token or a part of it
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert kms.count("Decrypt") == 1
    assert TOKEN.decode() not in logged
    assert "canary-refresh-token" not in logged


@pytest.mark.parametrize(("max_age_s", "capacity"), [(0, 8), (-1.0, 8), (3600, 0)])
def test_a_cache_without_a_positive_age_or_capacity_is_refused(max_age_s: float, capacity: int) -> None:
    with pytest.raises(ValueError, match="positive max_age_s"):
        DecryptCache(max_age_s=max_age_s, capacity=capacity)


# --- encryption: EncryptCache -------------------------------------------------------------------------
LABELS_A = {"seller_id": "A1SELLERA", "purpose": "label_document"}
LABELS_B = {"seller_id": "A2SELLERB", "purpose": "label_document"}
LABEL = b"%PDF label printing the recipient"


def test_encrypts_of_one_context_share_a_data_key_within_max_messages(key_arn: str, kms: KmsRequests) -> None:
    # Given an envelope whose encrypt cache lets a data key encrypt 3 messages
    envelope = ContextEnvelope(
        key_arn, kms.session, encrypt_cache=EncryptCache(max_age_s=300, max_messages=3, capacity=8)
    )

    # When seller A's context is encrypted for 7 times
    ciphertexts = [envelope.encrypt(LABEL + bytes([n]), LABELS_A) for n in range(7)]

    # Then KMS generated ceil(7 / 3) = 3 data keys, and each ciphertext decrypts to its own plaintext
    assert kms.count("GenerateDataKey") == 3
    plain = ContextEnvelope(key_arn)
    assert [plain.decrypt(c, LABELS_A) for c in ciphertexts] == [LABEL + bytes([n]) for n in range(7)]


def test_a_cached_data_key_never_serves_another_context(key_arn: str, kms: KmsRequests) -> None:
    # Given seller A's data key cached
    envelope = ContextEnvelope(
        key_arn, kms.session, encrypt_cache=EncryptCache(max_age_s=300, max_messages=100, capacity=8)
    )
    envelope.encrypt(LABEL, LABELS_A)

    # When seller B's context is encrypted, then A's again
    for_b = envelope.encrypt(LABEL, LABELS_B)
    envelope.encrypt(LABEL, LABELS_A)

    # Then B got a data key of its own from KMS (A's second reused A's), and B's ciphertext is not A's
    assert kms.count("GenerateDataKey") == 2
    assert ContextEnvelope(key_arn).decrypt(for_b, LABELS_A) is None
    assert ContextEnvelope(key_arn).decrypt(for_b, LABELS_B) == LABEL


def test_an_encrypt_past_max_age_gets_a_new_data_key(
    key_arn: str, kms: KmsRequests, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given seller A's data key generated through a cache of 5 minutes
    envelope = ContextEnvelope(
        key_arn, kms.session, encrypt_cache=EncryptCache(max_age_s=300, max_messages=100, capacity=8)
    )
    envelope.encrypt(LABEL, LABELS_A)

    # When A encrypts again 4 min 59 s later, then 5 min 1 s later (the SDK's entries age by its clock)
    real = aws_encryption_sdk.caches.time.time
    monkeypatch.setattr(aws_encryption_sdk.caches.time, "time", lambda: real() + 299)
    envelope.encrypt(LABEL, LABELS_A)
    within = kms.count("GenerateDataKey")
    monkeypatch.setattr(aws_encryption_sdk.caches.time, "time", lambda: real() + 301)
    envelope.encrypt(LABEL, LABELS_A)

    # Then the first reused the key, the second asked KMS for a new one
    assert within == 1
    assert kms.count("GenerateDataKey") == 2


@pytest.mark.parametrize(("max_age_s", "max_messages", "capacity"), [(0, 100, 8), (300, 0, 8), (300, 100, 0)])
def test_an_encrypt_cache_without_positive_thresholds_is_refused(
    max_age_s: float, max_messages: int, capacity: int
) -> None:
    with pytest.raises(ValueError, match="positive max_age_s"):
        EncryptCache(max_age_s=max_age_s, max_messages=max_messages, capacity=capacity)
