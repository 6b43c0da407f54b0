"""The dashboard's SRP maths (web/js/srp.js), run in Chromium, against pycognito's (an independent
implementation of Cognito's USER_SRP_AUTH client) for the same fixed inputs: SRP_A and the
PASSWORD_VERIFIER responses must be identical, byte for byte. No local stack: a few seconds.
moto does not check SRP signatures, so this and the local verifier (tests/unit/test_local_cognito_srp.py)
are what prove the browser's signature is the one Cognito expects."""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from browser_e2e_support import launch, require_chromium
from pycognito import aws_srp
from pycognito.aws_srp import AWSSRP

WEB = Path(__file__).resolve().parents[2] / "web"
ORIGIN = "http://localhost"  # a secure context (WebCrypto needs one); page.route serves it, no server
N = int(aws_srp.N_HEX, 16)


def vectors() -> list[dict[str, Any]]:
    """Fixed inputs: small and large B (B < k·v makes the base negative before reduction), a salt
    whose top bit is set, non-ASCII passwords, one- and two-digit days."""
    rng = random.Random(20261203)
    cases = []
    for index, (password, when, b_bits) in enumerate(
        [
            ("Correct-Horse-2026!", dt.datetime(2026, 12, 3, 9, 5, 7), 128),
            ("Pässwörd-✓-2026", dt.datetime(2027, 1, 23, 23, 59, 59), 3070),
            ("short1!A", dt.datetime(2026, 2, 1, 0, 0, 0), 3071),
        ]
    ):
        cases.append(
            {
                "pool_id": "eu-west-1_Ab12Cd34E",
                "username": f"user{index}@example.com",
                "user_id_for_srp": f"7d1f0c2e-3b4a-4c5d-8e9f-0a1b2c3d4e5{index}",
                "password": password,
                "small_a": rng.getrandbits(1024) % N,
                "srp_b": f"{rng.getrandbits(b_bits) | (1 << (b_bits - 1)):x}",
                "salt": f"{rng.getrandbits(128) | (1 << 127):x}",
                "secret_block": base64.b64encode(rng.randbytes(64 + index)).decode(),
                "when": when,
            }
        )
    return cases


def pycognito_answer(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, str]]:
    frozen = SimpleNamespace(datetime=SimpleNamespace(utcnow=lambda: case["when"]))
    monkeypatch.setattr(aws_srp, "datetime", frozen)
    srp = AWSSRP(
        username=case["username"],
        password=case["password"],
        pool_id=case["pool_id"],
        client_id="c",
        client=object(),
    )
    srp.small_a_value = case["small_a"]
    srp.large_a_value = srp.calculate_a()
    challenge = {
        "SALT": case["salt"],
        "SRP_B": case["srp_b"],
        "SECRET_BLOCK": case["secret_block"],
        "USER_ID_FOR_SRP": case["user_id_for_srp"],
        "USERNAME": case["user_id_for_srp"],
    }
    auth = srp.get_auth_params()
    responses: dict[str, str] = srp.process_challenge(challenge, auth)
    return auth["SRP_A"], responses


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        tab = browser.new_page()

        def serve(route: Any) -> None:
            path = route.request.url.removeprefix(ORIGIN)
            if path == "/js/srp.js":
                route.fulfill(body=(WEB / "js" / "srp.js").read_text(), content_type="text/javascript")
            else:
                route.fulfill(body="<!doctype html><title>srp</title>", content_type="text/html")

        tab.route(f"{ORIGIN}/**", serve)
        tab.goto(f"{ORIGIN}/")
        yield tab
        browser.close()


BROWSER_ANSWER = """async (c) => {
  const srp = await import("/js/srp.js");
  const smallA = BigInt("0x" + c.smallA);
  const responses = await srp.passwordVerifierResponses({
    userPoolId: c.poolId,
    password: c.password,
    smallA,
    challenge: { SALT: c.salt, SRP_B: c.srpB, SECRET_BLOCK: c.secretBlock,
                 USER_ID_FOR_SRP: c.userIdForSrp, USERNAME: c.userIdForSrp },
    now: new Date(c.epochMs),
  });
  return { srpA: srp.largeA(smallA), responses };
}"""


@pytest.mark.parametrize("case", vectors(), ids=lambda c: c["when"].isoformat())
def test_the_browser_signs_exactly_as_pycognito(
    page: Any, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected_a, expected = pycognito_answer(case, monkeypatch)
    got = page.evaluate(
        BROWSER_ANSWER,
        {
            "smallA": f"{case['small_a']:x}",
            "poolId": case["pool_id"],
            "password": case["password"],
            "salt": case["salt"],
            "srpB": case["srp_b"],
            "secretBlock": case["secret_block"],
            "userIdForSrp": case["user_id_for_srp"],
            "epochMs": int(case["when"].replace(tzinfo=dt.UTC).timestamp() * 1000),
        },
    )
    assert got["srpA"] == expected_a
    assert got["responses"] == expected


def test_the_timestamp_is_cognitos_format_with_an_unpadded_day(page: Any) -> None:
    for when in (dt.datetime(2026, 12, 3, 9, 5, 7), dt.datetime(2027, 1, 23, 23, 59, 59)):
        epoch_ms = int(when.replace(tzinfo=dt.UTC).timestamp() * 1000)
        shown = page.evaluate(
            "async (ms) => (await import('/js/srp.js')).cognitoTimestamp(new Date(ms))", epoch_ms
        )
        assert shown == AWSSRP.get_cognito_formatted_timestamp(when)
    assert shown == "Sat Jan 23 23:59:59 UTC 2027"


def test_an_opaque_secret_block_is_decoded_as_cognitos_js_client_does(page: Any) -> None:
    # moto's SECRET_BLOCK is its session id, not base64: read it leniently (URL-safe alphabet, other
    # characters skipped) instead of throwing, as Node's Buffer does in AWS's own client
    decoded = page.evaluate(
        """async (blocks) => {
             const srp = await import('/js/srp.js');
             return blocks.map((b) => Array.from(srp.base64ToBytes(b)));
           }""",
        ["b3b8c6e2-1f7a-4d2b-9c1e-2f3a4b5c6d7e", "AQID", "AQI=", "_-8", " AQ ID\n"],
    )
    assert decoded[0] == list(base64.b64decode("b3b8c6e2+1f7a+4d2b+9c1e+2f3a4b5c6d7e"))
    assert decoded[1:] == [[1, 2, 3], [1, 2], list(base64.urlsafe_b64decode("_-8=")), [1, 2, 3]]
