"""The Twilio stand-in signs its callbacks as Twilio does: Twilio's own validator accepts them."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from sellerflow_dev.simulator.twilio_api import TwilioStandIn, twilio_signature


def test_the_stand_ins_signature_is_the_one_twilios_validator_expects() -> None:
    twilio = TwilioStandIn(seed=3)
    url = "http://127.0.0.1:8123/webhooks/twilio/status/A1SELLER/al_0123456789abcdef01234567"
    params = {
        "MessageSid": "SM" + "a" * 32,
        "MessageStatus": "delivered",
        "To": "whatsapp:+15005550009",
        "Body": "",
    }
    signature = twilio_signature(twilio.auth_token, url, params)
    assert RequestValidator(twilio.auth_token).validate(url, params, signature)
    assert not RequestValidator("f" * 32).validate(url, params, signature)
    assert not RequestValidator(twilio.auth_token).validate(url + "x", params, signature)


def test_an_inbound_stop_unsubscribes_the_number_and_start_subscribes_it_again() -> None:
    twilio = TwilioStandIn(seed=3)
    assert twilio.inbound("+15005550009", "STOP").status == 409  # no inbound webhook configured
    assert twilio.unsubscribed == {"+15005550009"}
    twilio.inbound("+15005550009", " start ")
    assert twilio.unsubscribed == set()
