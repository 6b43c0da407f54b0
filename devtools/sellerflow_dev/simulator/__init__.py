"""A local, deterministic stand-in for Amazon (LWA + SP-API).

    world = SimWorld.generate(sellers=3, seed=7)
    server = SimServer(world, config=SimConfig(rate_scale=100))
    server.start()  # point an SP-API client at server.lwa_endpoint / server.api_endpoint

Serves Orders 2026-01-01, Reports 2021-06-30 (`reports_api`, documents in Amazon's formats from
`documents`), Finances 2024-06-19 listTransactions and FBA getInventorySummaries (`finances_api`),
all projected from one ground truth: `SimWorld` (orders, backfill history) and `ledger`
(listings, inventory, traffic, transactions, settlements, `SimWorld.expected_daily_rollups`).

Every buyer-personal string carries `PII_MARKER`; `find_pii_markers` finds leaks (see `pii`).
"""

from sellerflow_dev.simulator.faults import SimConfig
from sellerflow_dev.simulator.pii import PII_MARKER, find_pii_markers
from sellerflow_dev.simulator.server import SimServer
from sellerflow_dev.simulator.world import SimSeller, SimWorld

__all__ = ["PII_MARKER", "SimConfig", "SimSeller", "SimServer", "SimWorld", "find_pii_markers"]
