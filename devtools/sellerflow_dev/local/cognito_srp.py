"""The server half of Cognito's USER_SRP_AUTH for the local stack.

moto answers InitiateAuth(USER_SRP_AUTH) with a random SALT and SRP_B and accepts any
PASSWORD_CLAIM_SIGNATURE, so a dashboard signing in through moto would get in with any password.
The local Cognito proxy (`sellerflow_dev.local.webapp`) puts this verifier in between: it answers
with a real salt and B computed from the user's password (read from moto), and refuses a
PASSWORD_VERIFIER response whose signature the password could not have made, as Cognito does.
Same group, hashes and key derivation as Cognito (RFC 5054 3072-bit N, g = 2, k = H(N | g),
HKDF-SHA256 with info "Caldera Derived Key").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key"
# Cognito's TIMESTAMP: "EEE MMM d HH:mm:ss UTC yyyy", the day not zero-padded.
TIMESTAMP = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] UTC [0-9]{4}"
)


def pad_hex(value: int) -> str:
    """Even-length hex, "00"-prefixed when the top bit is set (Java's BigInteger.toByteArray)."""
    text = f"{value:x}"
    if len(text) % 2:
        text = "0" + text
    return "00" + text if text[0] in "89abcdef" else text


def hash_hex(hex_text: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(hex_text)).hexdigest(), 16)


K = hash_hex(pad_hex(N) + pad_hex(G))


def verifier(pool_name: str, user_id_for_srp: str, password: str, salt_hex: str) -> int:
    """v = g^x mod N, x = H(pad(salt) | H(pool name | user id | ":" | password))."""
    identity = hashlib.sha256(f"{pool_name}{user_id_for_srp}:{password}".encode()).hexdigest()
    x = hash_hex(pad_hex(int(salt_hex, 16)) + identity)
    return pow(G, x, N)


def derived_key(shared_secret: int, scrambler: int) -> bytes:
    """HKDF-SHA256(ikm = pad(S), salt = pad(u), info "Caldera Derived Key"), first 16 bytes."""
    prk = hmac.new(
        bytes.fromhex(pad_hex(scrambler)), bytes.fromhex(pad_hex(shared_secret)), "sha256"
    ).digest()
    return hmac.new(prk, INFO + b"\x01", "sha256").digest()[:16]


def claim_signature(
    key: bytes, pool_name: str, user_id_for_srp: str, secret_block: bytes, timestamp: str
) -> str:
    message = pool_name.encode() + user_id_for_srp.encode() + secret_block + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, "sha256").digest()).decode()


@dataclass(frozen=True)
class PendingClaim:
    """What the server keeps between InitiateAuth and PASSWORD_VERIFIER."""

    moto_session: str
    pool_name: str
    user_id_for_srp: str
    large_a: int
    large_b: int
    small_b: int
    password_verifier: int


class SrpVerifier:
    """Issues SRP challenges and checks the answers; one per local stack (thread-safe)."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingClaim] = {}
        self._lock = threading.Lock()

    def challenge(
        self, user_pool_id: str, params: dict[str, str], srp_a_hex: str, password: str
    ) -> dict[str, str]:
        """moto's PASSWORD_VERIFIER ChallengeParameters with a real SALT, SRP_B and SECRET_BLOCK."""
        large_a = int(srp_a_hex, 16)
        if large_a % N == 0:
            raise ValueError("SRP_A is zero mod N")
        pool_name = user_pool_id.split("_", 1)[1]
        user_id = params["USER_ID_FOR_SRP"]
        salt_hex = pad_hex(secrets.randbits(128) | 1)
        v = verifier(pool_name, user_id, password, salt_hex)
        small_b = secrets.randbits(1024)
        large_b = (K * v + pow(G, small_b, N)) % N
        moto_session = params["SECRET_BLOCK"]
        secret_block = base64.b64encode(b"sellerflow-local-srp:" + moto_session.encode()).decode()
        with self._lock:
            self._pending[secret_block] = PendingClaim(
                moto_session, pool_name, user_id, large_a, large_b, small_b, v
            )
        return {**params, "SALT": salt_hex, "SRP_B": f"{large_b:x}", "SECRET_BLOCK": secret_block}

    def verify(self, responses: dict[str, str]) -> str | None:
        """moto's session for a correct PASSWORD_VERIFIER answer; None when the signature, the
        timestamp or the secret block is wrong (each claim is checked once)."""
        secret_block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
        with self._lock:
            claim = self._pending.pop(secret_block, None)
        timestamp = responses.get("TIMESTAMP", "")
        if claim is None or not TIMESTAMP.fullmatch(timestamp):
            return None
        scrambler = hash_hex(pad_hex(claim.large_a) + pad_hex(claim.large_b))
        shared = pow(claim.large_a * pow(claim.password_verifier, scrambler, N), claim.small_b, N)
        try:
            block = base64.b64decode(secret_block, validate=True)
        except binascii.Error:
            return None
        expected = claim_signature(
            derived_key(shared, scrambler), claim.pool_name, claim.user_id_for_srp, block, timestamp
        )
        if not hmac.compare_digest(expected, responses.get("PASSWORD_CLAIM_SIGNATURE", "")):
            return None
        return claim.moto_session
