"""The local SRP verifier (the server half of Cognito's USER_SRP_AUTH) against pycognito's client,
an independent implementation of Cognito's SRP maths: the right password is accepted, a wrong one,
a tampered timestamp, a replayed claim and an unknown secret block are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pycognito.aws_srp import AWSSRP

from sellerflow_dev.local.cognito_srp import SrpVerifier
from sellerflow_dev.local.webapp import WebApp

POOL_ID = "us-east-1_Ab12Cd34E"
USER_ID = "7d1f0c2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f"
PASSWORD = "Correct-Horse-2026!"
MOTO_CHALLENGE = {  # what moto answers: random SALT/SRP_B, its session as SECRET_BLOCK
    "SALT": "00ff",
    "SRP_B": "ab",
    "USERNAME": "owner1@sellerflow.local",
    "USER_ID_FOR_SRP": USER_ID,
    "SECRET_BLOCK": "b3b8c6e2-1f7a-4d2b-9c1e-2f3a4b5c6d7e",
}


def client(password: str) -> AWSSRP:
    return AWSSRP(
        username="owner1@sellerflow.local", password=password, pool_id=POOL_ID, client_id="c", client=object()
    )


def answer(verifier: SrpVerifier, srp_client: AWSSRP, password_on_server: str = PASSWORD) -> dict[str, Any]:
    auth_params = srp_client.get_auth_params()
    challenge = verifier.challenge(POOL_ID, dict(MOTO_CHALLENGE), auth_params["SRP_A"], password_on_server)
    responses: dict[str, Any] = srp_client.process_challenge(challenge, auth_params)
    return responses


def test_the_right_password_is_accepted_and_gives_back_motos_session() -> None:
    verifier = SrpVerifier()
    responses = answer(verifier, client(PASSWORD))
    assert verifier.verify(responses) == MOTO_CHALLENGE["SECRET_BLOCK"]


def test_a_wrong_password_is_refused() -> None:
    verifier = SrpVerifier()
    assert verifier.verify(answer(verifier, client("Wrong-password-123!"))) is None


def test_a_changed_timestamp_or_a_replayed_claim_is_refused() -> None:
    verifier = SrpVerifier()
    responses = answer(verifier, client(PASSWORD))
    day = responses["TIMESTAMP"].split(" ")[2]
    zero_padded_day = responses["TIMESTAMP"].replace(f" {day} ", f" {int(day):02d} ", 1)
    assert verifier.verify({**responses, "TIMESTAMP": zero_padded_day + " "}) is None  # not Cognito's format
    responses = answer(verifier, client(PASSWORD))
    assert verifier.verify(responses) == MOTO_CHALLENGE["SECRET_BLOCK"]
    assert verifier.verify(responses) is None  # each claim once
    assert verifier.verify({**responses, "PASSWORD_CLAIM_SECRET_BLOCK": "not-issued"}) is None


def test_the_challenge_is_real_srp_not_motos_random_values() -> None:
    challenge = SrpVerifier().challenge(
        POOL_ID, dict(MOTO_CHALLENGE), client(PASSWORD).get_auth_params()["SRP_A"], PASSWORD
    )
    assert challenge["SALT"] != MOTO_CHALLENGE["SALT"]
    assert len(challenge["SRP_B"]) > 700
    assert challenge["SECRET_BLOCK"] != MOTO_CHALLENGE["SECRET_BLOCK"]
    assert {k: challenge[k] for k in ("USERNAME", "USER_ID_FOR_SRP")} == {
        k: MOTO_CHALLENGE[k] for k in ("USERNAME", "USER_ID_FOR_SRP")
    }


def test_the_proxy_refuses_an_unverified_password_claim_without_calling_moto() -> None:
    app = WebApp(root=Path("web"), region="us-east-1", user_pool_client_id="c", moto_url="http://127.0.0.1:1")
    body = {
        "ClientId": "c",
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": {
            "USERNAME": USER_ID,
            "PASSWORD_CLAIM_SECRET_BLOCK": MOTO_CHALLENGE["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": "AAAA",
            "TIMESTAMP": "Thu Dec 3 23:40:00 UTC 2026",
        },
    }
    status, _, reply = app.cognito(
        "AWSCognitoIdentityProviderService.RespondToAuthChallenge", json.dumps(body).encode()
    )
    assert status == 400
    assert json.loads(reply) == {
        "__type": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }
