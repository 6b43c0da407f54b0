"""Sales and traffic of many sellers through the app-wide report budget and Data Kiosk.

Prints:
  BENCH traffic_sellers_served <n> sellers        sellers whose every asked-for day is stored and equals the truth
  BENCH traffic_refused_requests <n> count        429s the simulator answered (usage plans and the app-wide cap)
  BENCH traffic_days_from_report <n> days         days that came from GET_SALES_AND_TRAFFIC_REPORT
  BENCH traffic_days_from_data_kiosk <n> days     days that came from Data Kiosk
  BENCH traffic_campaign_s <n> s                  wall time of the campaign (world and tables excluded)

Usage: python devtools/sellerflow_dev/bench/traffic_bench.py [--sellers N] [--days D]
The sync's flows run in process against the simulator over HTTP and DynamoDB on moto (see
`traffic_campaign`); the simulated clock moves a minute per seller.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
REGION = "us-east-1"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sellers", type=int, default=200)
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }.items():
        os.environ.setdefault(name, value)
    import boto3
    from moto import mock_aws

    from sellerflow.settings import Settings
    from sellerflow.store.tables import bind_tables
    from sellerflow_dev.bench.traffic_campaign import SimClock, run_campaign
    from sellerflow_dev.local.provision import create_dynamodb_tables
    from sellerflow_dev.local.template import load_template
    from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

    template = load_template(Path(__file__).resolve().parents[3] / "template.yaml")
    with mock_aws():
        tables = create_dynamodb_tables(template, boto3.client("dynamodb", region_name=REGION))
        bind_tables(
            Settings(
                aws_region=REGION,
                aws_endpoint_url=None,
                seller_data_table=tables["SellerDataTable"],
                sellers_table=tables["SellersTable"],
                audit_table=tables["AuditTable"],
            )
        )
        world = SimWorld.generate(sellers=args.sellers, seed=41, now=START)
        clock = SimClock(START)
        config = SimConfig(report_processing_s=0.3, data_kiosk_processing_s=0.3, data_kiosk_fatal_rate=0.03)
        with SimServer(world, config=config, wall_clock=clock) as sim:
            result = run_campaign(world, sim, clock, traffic_days=args.days, step=timedelta(minutes=1))
    print(f"BENCH traffic_sellers_served {result.sellers_served} sellers")
    print(f"BENCH traffic_refused_requests {result.refused + result.app_quota_refused} count")
    print(f"BENCH traffic_days_from_report {result.sources['report']} days")
    print(f"BENCH traffic_days_from_data_kiosk {result.sources['data_kiosk']} days")
    print(f"BENCH traffic_campaign_s {result.seconds:.1f} s")
    ok = not result.missing and result.refused + result.app_quota_refused == 0
    if not ok:
        print(f"missing: {result.missing[:10]}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
