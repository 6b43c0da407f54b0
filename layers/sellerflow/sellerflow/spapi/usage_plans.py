"""Default SP-API usage plans (rate in requests/second, burst) per operation.

Copied by hand from the operation descriptions of the official models; a conformance test
compares this table with the models' `rate-limits.csv` when that reference is present.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
    rate_per_s: float
    burst: int

    @property
    def header_value(self) -> str:
        """The value Amazon puts in `x-amzn-RateLimit-Limit`."""
        return f"{self.rate_per_s:g}"


USAGE_PLANS: dict[str, UsagePlan] = {
    # Orders 2026-01-01
    "searchOrders": UsagePlan(0.0056, 20),
    "getOrder": UsagePlan(0.5, 30),
    # Orders v0 (shipment confirmation of a merchant-fulfilled order)
    "confirmShipment": UsagePlan(2.0, 10),
    # Amazon Shipping v2 (labels)
    "getRates": UsagePlan(80.0, 100),
    "purchaseShipment": UsagePlan(80.0, 100),
    "getShipmentDocuments": UsagePlan(80.0, 100),
    "cancelShipment": UsagePlan(80.0, 100),
    "getTracking": UsagePlan(80.0, 100),
    # Merchant Fulfillment v0 (labels where Shipping v2 does not apply); its cancelShipment shares the
    # operation name with Shipping v2's, so it is planned as "mfn.cancelShipment"
    "getEligibleShipmentServices": UsagePlan(6.0, 12),
    "createShipment": UsagePlan(2.0, 2),
    "getShipment": UsagePlan(1.0, 1),
    "mfn.cancelShipment": UsagePlan(1.0, 1),
    # Reports 2021-06-30
    "getReports": UsagePlan(0.0222, 10),
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2.0, 15),
    "getReportDocument": UsagePlan(0.0167, 15),
    # Data Kiosk 2023-11-15
    "createQuery": UsagePlan(0.0167, 15),
    "getQueries": UsagePlan(0.0222, 10),
    "getQuery": UsagePlan(2.0, 15),
    "cancelQuery": UsagePlan(0.0222, 10),
    "getDocument": UsagePlan(0.0167, 15),
    # Finances 2024-06-19
    "listTransactions": UsagePlan(0.5, 10),
    # FBA inventory v1
    "getInventorySummaries": UsagePlan(2.0, 2),
    # Sellers v1
    "getMarketplaceParticipations": UsagePlan(0.016, 15),
    # Tokens 2021-03-01
    "createRestrictedDataToken": UsagePlan(1.0, 10),
    # Solicitations v1 (review requests)
    "getSolicitationActionsForOrder": UsagePlan(1.0, 5),
    "createProductReviewAndSellerFeedbackSolicitation": UsagePlan(1.0, 5),
    # Notifications v1 (the destination and deleteSubscriptionById are grantless: the app's own bucket)
    "getSubscription": UsagePlan(1.0, 5),
    "createSubscription": UsagePlan(1.0, 5),
    "getSubscriptionById": UsagePlan(1.0, 5),
    "deleteSubscriptionById": UsagePlan(1.0, 5),
    "getDestinations": UsagePlan(1.0, 5),
    "createDestination": UsagePlan(1.0, 5),
    "getDestination": UsagePlan(1.0, 5),
    "deleteDestination": UsagePlan(1.0, 5),
}


def plan_for(operation: str) -> UsagePlan:
    try:
        return USAGE_PLANS[operation]
    except KeyError:
        raise KeyError(f"no usage plan is known for SP-API operation {operation!r}") from None
