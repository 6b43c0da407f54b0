"""Data Kiosk 2023-11-15: GraphQL queries over Amazon's analytics datasets (createQuery → getQuery
(or DATA_KIOSK_QUERY_PROCESSING_FINISHED) → getDocument → a JSONL document).

The calls go through the SP-API port's one request path (`SpApiClient.call`: LWA token, usage-plan
pacing, retries, typed errors) and its streaming download; this module only knows Data Kiosk's
paths, bodies and query text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sellerflow.spapi.client import SpApiClient
from sellerflow.spapi.http import DocumentDownload

DATA_KIOSK_PATH = "/dataKiosk/2023-11-15"
SALES_AND_TRAFFIC_DATASET = "analytics_salesAndTraffic_2024_04_24"
ECONOMICS_DATASET = "analytics_economics_2024_03_15"

_AMOUNT = "{ amount currencyCode }"
_BY_DATE_FIELDS = (
    "startDate endDate marketplaceId "
    f"sales {{ orderedProductSales {_AMOUNT} unitsOrdered totalOrderItems }} "
    "traffic { sessions pageViews buyBoxPercentage }"
)
_BY_ASIN_FIELDS = (
    "startDate endDate marketplaceId parentAsin childAsin sku "
    f"sales {{ orderedProductSales {_AMOUNT} unitsOrdered totalOrderItems }} "
    "traffic { sessions pageViews buyBoxPercentage }"
)


def sales_and_traffic_query(marketplace_id: str, start: date, end: date) -> str:
    """The query that yields what GET_SALES_AND_TRAFFIC_REPORT gives (by day; by child ASIN per day).

    By-ASIN rows aggregate the whole date range, so `start` and `end` should be one day for daily ASIN
    facts (the sync asks one query per day)."""
    args = (
        f'startDate: "{start.isoformat()}", endDate: "{end.isoformat()}", '
        f'marketplaceIds: ["{marketplace_id}"]'
    )
    return (
        f"query {{ {SALES_AND_TRAFFIC_DATASET} {{ "
        f"salesAndTrafficByDate({args}, aggregateBy: DAY) {{ {_BY_DATE_FIELDS} }} "
        f"salesAndTrafficByAsin({args}, aggregateBy: CHILD) {{ {_BY_ASIN_FIELDS} }} "
        "} }"
    )


_ECONOMICS_FIELDS = (
    "startDate endDate marketplaceId msku childAsin "
    f"sales {{ orderedProductSales {_AMOUNT} netProductSales {_AMOUNT} unitsOrdered }} "
    f"fees {{ feeTypeName charges {{ aggregatedDetail {{ totalAmount {_AMOUNT} }} }} }} "
    f"ads {{ adTypeName charge {{ totalAmount {_AMOUNT} }} }} "
    f"netProceeds {{ total {_AMOUNT} }}"
)


def economics_query(marketplace_id: str, start: date, end: date) -> str:
    """Per marketplace-local day and MSKU: sales, fees by type, ad charges and net proceeds."""
    return (
        f"query {{ {ECONOMICS_DATASET} {{ economics("
        f'startDate: "{start.isoformat()}", endDate: "{end.isoformat()}", '
        f'marketplaceIds: ["{marketplace_id}"], aggregateBy: {{ date: DAY, productId: MSKU }}) '
        f"{{ {_ECONOMICS_FIELDS} }} }} }}"
    )


class DataKioskClient:
    """Data Kiosk on the SP-API port (same credentials, pacing and error types)."""

    def __init__(self, port: SpApiClient) -> None:
        self._port = port

    def create_query(self, seller_id: str, query: str) -> str:
        body = self._port.call(
            seller_id, "createQuery", "POST", f"{DATA_KIOSK_PATH}/queries", json_body={"query": query}
        )
        return str(body["queryId"])

    def create_sales_and_traffic_query(self, seller_id: str, marketplace_id: str, day: date) -> str:
        return self.create_query(seller_id, sales_and_traffic_query(marketplace_id, day, day))

    def create_economics_query(self, seller_id: str, marketplace_id: str, start: date, end: date) -> str:
        return self.create_query(seller_id, economics_query(marketplace_id, start, end))

    def get_query(self, seller_id: str, query_id: str) -> dict[str, Any]:
        return self._port.call(seller_id, "getQuery", "GET", f"{DATA_KIOSK_PATH}/queries/{query_id}")

    def get_queries(self, seller_id: str, *, processing_statuses: Sequence[str] = ()) -> dict[str, Any]:
        params = {"processingStatuses": ",".join(processing_statuses)} if processing_statuses else None
        return self._port.call(seller_id, "getQueries", "GET", f"{DATA_KIOSK_PATH}/queries", params=params)

    def get_document(self, seller_id: str, document_id: str) -> dict[str, Any]:
        """`{"documentId", "documentUrl"}`; the URL is valid for 5 minutes and never leaves the caller."""
        return self._port.call(seller_id, "getDocument", "GET", f"{DATA_KIOSK_PATH}/documents/{document_id}")

    def download(self, url: str, *, chunk_size: int = 1 << 16) -> DocumentDownload:
        return self._port.download(url, chunk_size=chunk_size)
