"""The seller's schedule: how often its seller-sync runs, honoured by the fanout, and whether its
authorization still allows a sync at all.

One EventBridge schedule ticks every SYNC_WINDOW_MINUTES for all sellers (per-seller schedules would
be one AWS resource per seller). Each seller carries its own cadence in the sellers table
(`sync_every_minutes` on its PROFILE, set when it connects). At a tick, a seller is due when its
cadence is at most the window, or when the tick's window is the one of its period in which the
seller's offset falls. The offset is a stable hash of the seller id, in whole windows, so sellers
with the same cadence spread over the period instead of all syncing at the same tick. The decision
is stateless: overlapping and repeated ticks of a window agree, and execution names (seller +
window) still de-duplicate.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sellerflow.domain import ScheduledSeller


def cadence_minutes(every: int | None, window_minutes: int) -> int:
    """The effective cadence: a whole number of windows, at least one."""
    if every is None or every <= window_minutes:
        return window_minutes
    return (every // window_minutes) * window_minutes


def offset_minutes(seller_id: str, cadence: int, window_minutes: int) -> int:
    """Where in its period a seller syncs, in whole windows (stable across runs and machines)."""
    windows = cadence // window_minutes
    if windows <= 1:
        return 0
    digest = hashlib.sha256(seller_id.encode()).digest()
    return (int.from_bytes(digest[:4], "big") % windows) * window_minutes


# What the seller's connection status says once its authorization has run out.
LAPSED_REASON = "the Amazon authorization expired; reconnect"


def is_lapsed(expires_at: datetime | None, now: datetime) -> bool:
    """The authorization ran out (a year after consent): the seller is not synced until reconnected."""
    return expires_at is not None and now >= expires_at


def is_due(seller: ScheduledSeller, tick: datetime, window_minutes: int) -> bool:
    cadence = cadence_minutes(seller.sync_every_minutes, window_minutes)
    if cadence == window_minutes:
        return True
    epoch_minutes = int(tick.timestamp()) // 60
    window_start = epoch_minutes - epoch_minutes % window_minutes
    return (window_start - offset_minutes(seller.seller_id, cadence, window_minutes)) % cadence == 0
