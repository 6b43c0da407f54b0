"""The simulator's app-wide GET_SALES_AND_TRAFFIC_REPORT cap (across sellers, on the simulated clock)
and its Data Kiosk query lifecycle, exercised through `dispatch` without sockets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld
from sellerflow_dev.simulator.ratelimit import AppQuota, AppWideLimiter
from sellerflow_dev.simulator.server import Request

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
REPORTS = "/reports/2021-06-30/reports"
QUERIES = "/dataKiosk/2023-11-15/queries"


class Clocks:
    def __init__(self) -> None:
        self.monotonic = 0.0
        self.wall = NOW


def _server(clocks: Clocks, **config: object) -> SimServer:
    world = SimWorld.generate(sellers=2, seed=9, now=NOW)
    return SimServer(
        world,
        SimConfig(rate_scale=1000, **config),
        clock=lambda: clocks.monotonic,
        wall_clock=lambda: clocks.wall,
    )


def _headers(server: SimServer, index: int) -> dict[str, str]:
    world = server.world
    form = {
        "grant_type": "refresh_token",
        "refresh_token": world.sellers[index].refresh_token,
        "client_id": world.client_id,
        "client_secret": world.client_secret,
    }
    response = server.dispatch(Request.from_target("POST", "/auth/o2/token", body=urlencode(form).encode()))
    return {"x-amz-access-token": str(response.body["access_token"])}


def _traffic_report(server: SimServer, index: int) -> int:
    seller = server.world.sellers[index]
    body = {"reportType": "GET_SALES_AND_TRAFFIC_REPORT", "marketplaceIds": [seller.marketplace_ids[0]]}
    request = Request("POST", REPORTS, headers=_headers(server, index), body=json.dumps(body).encode())
    return server.dispatch(request).status


def test_the_cap_counts_every_seller_of_the_app_on_the_simulated_clock() -> None:
    clocks = Clocks()
    server = _server(clocks)
    assert _traffic_report(server, 0) == 202
    assert _traffic_report(server, 1) == 429  # another seller, same app: refused
    clocks.wall = NOW + timedelta(minutes=14, seconds=59)
    assert _traffic_report(server, 1) == 429
    clocks.wall = NOW + timedelta(minutes=15)
    assert _traffic_report(server, 1) == 202
    assert server.stats(server.world.sellers[1].seller_id)["throttled"] == {"createReport:app": 2}


def test_other_report_types_are_not_capped_app_wide() -> None:
    server = _server(Clocks())
    seller = server.world.sellers[0]
    for _ in range(3):
        body = {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [seller.marketplace_ids[0]]}
        request = Request("POST", REPORTS, headers=_headers(server, 0), body=json.dumps(body).encode())
        assert server.dispatch(request).status == 202


def test_ninety_six_a_day_then_refused_until_the_next_utc_day() -> None:
    limiter = AppWideLimiter({"T": AppQuota(min_interval=timedelta(minutes=1), per_day=96)})
    start = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    granted = [limiter.try_acquire("T", start + timedelta(minutes=i)) for i in range(100)]
    assert granted.count(True) == 96
    assert limiter.try_acquire("T", datetime(2026, 11, 21, 0, 0, tzinfo=UTC))


def _query(day: date, marketplace_id: str) -> str:
    args = f'startDate: "{day}", endDate: "{day}", marketplaceIds: ["{marketplace_id}"]'
    return (
        "query { analytics_salesAndTraffic_2024_04_24 { "
        f"salesAndTrafficByDate({args}, aggregateBy: DAY) {{ startDate sales {{ unitsOrdered }} traffic {{ sessions }} }} }} }}"
    )


def test_a_query_is_queued_then_in_progress_then_done_with_a_jsonl_document() -> None:
    clocks = Clocks()
    server = _server(clocks, data_kiosk_processing_s=4.0)
    seller = server.world.sellers[0]
    day = NOW.date() - timedelta(days=1)
    headers = _headers(server, 0)
    body = json.dumps({"query": _query(day, seller.marketplace_ids[0])}).encode()
    created = server.dispatch(Request("POST", QUERIES, headers=headers, body=body))
    assert created.status == 202
    query_path = f"{QUERIES}/{created.body['queryId']}"

    statuses = []
    for elapsed in (0.0, 2.0, 4.0):
        clocks.monotonic = elapsed
        statuses.append(server.dispatch(Request("GET", query_path, headers=headers)).body)
    assert [q["processingStatus"] for q in statuses] == ["IN_QUEUE", "IN_PROGRESS", "DONE"]

    document_id = statuses[-1]["dataDocumentId"]
    meta = server.dispatch(Request("GET", f"/dataKiosk/2023-11-15/documents/{document_id}", headers=headers))
    token_path = meta.body["documentUrl"].removeprefix(server.url)
    download = server.dispatch(Request("GET", token_path))
    assert download.raw is not None
    lines = [json.loads(line) for line in download.raw.decode().splitlines()]
    truth = server.world.traffic(seller.seller_id, seller.marketplace_ids[0], day)
    assert truth is not None
    assert lines == [
        {
            "startDate": day.isoformat(),
            "sales": {"unitsOrdered": truth.units_ordered},
            "traffic": {"sessions": truth.sessions},
        }
    ]


def test_another_sellers_query_is_not_found() -> None:
    server = _server(Clocks(), data_kiosk_processing_s=0.0)
    seller = server.world.sellers[0]
    body = json.dumps({"query": _query(NOW.date() - timedelta(days=1), seller.marketplace_ids[0])}).encode()
    created = server.dispatch(Request("POST", QUERIES, headers=_headers(server, 0), body=body))
    other = server.dispatch(
        Request("GET", f"{QUERIES}/{created.body['queryId']}", headers=_headers(server, 1))
    )
    assert other.status == 404


def test_an_unknown_field_is_refused() -> None:
    server = _server(Clocks())
    seller = server.world.sellers[0]
    query = _query(NOW.date() - timedelta(days=1), seller.marketplace_ids[0]).replace(
        "sessions", "inventedField"
    )
    response = server.dispatch(
        Request("POST", QUERIES, headers=_headers(server, 0), body=json.dumps({"query": query}).encode())
    )
    assert response.status == 400
    assert "inventedField" in response.body["errors"][0]["message"]
