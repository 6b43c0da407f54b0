"""The reference rates' collaborators: the ECB's files and the rates' table (imports on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sellerflow.settings import Settings
from sellerflow.wiring import per_settings

if TYPE_CHECKING:
    from sellerflow.ecb.client import EcbRates
    from sellerflow.store.fx import FxRateStore


@per_settings
def rates_source(s: Settings) -> EcbRates:
    from sellerflow.ecb.client import EcbRates

    return EcbRates(s.ecb_rates_url)


@per_settings
def fx_rate_store(_: Settings) -> FxRateStore:
    from sellerflow.store.fx import FxRateStore

    return FxRateStore()
