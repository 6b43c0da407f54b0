"""Settings read the environment themselves (no pydantic-settings): arguments win, names match
regardless of case, values are validated and converted like any model field."""

import pytest
from pydantic import ValidationError

from sellerflow.settings import Settings


def test_fields_come_from_their_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLER_DATA_TABLE", "t-data")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("SPAPI_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("spapi_timeout_s", "7.5")

    settings = Settings()

    assert settings.seller_data_table == "t-data"
    assert settings.aws_region == "eu-west-1"
    assert settings.spapi_max_attempts == 5
    assert settings.spapi_timeout_s == 7.5
    assert settings.sellers_table == "sellerflow-sellers"  # not set: the default


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLER_DATA_TABLE", "from-env")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    settings = Settings(seller_data_table="given", aws_region="ap-southeast-2")

    assert (settings.seller_data_table, settings.aws_region) == ("given", "ap-southeast-2")


def test_a_bad_value_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_PAGE_SIZE", "1000")

    with pytest.raises(ValidationError, match="orders_page_size"):
        Settings()
