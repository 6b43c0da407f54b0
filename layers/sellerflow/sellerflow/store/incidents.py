"""Security incidents in the sellers table, as the deployment's control data (no seller's partition).

    #INCIDENTS / INCIDENT#<id>   title, severity, detected_at, opened_by, contained_at,
                                 amazon_notified_at, resolved_at

Kept as long as the audit log (the runbook's post-incident record); few items, so listing is one query.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute

from sellerflow.incidents.model import INCIDENTS_PARTITION, Incident
from sellerflow.store.mapping import RecordMapping
from sellerflow.store.tables import SellerItem, table

INCIDENT_PREFIX = "INCIDENT#"
INCIDENT_KEEP = timedelta(days=400)


@table("sellers")
class IncidentRecord(SellerItem):
    """INCIDENT#<incidentId> under the #INCIDENTS partition (the other attributes: `INCIDENTS`)."""

    expires_at = NumberAttribute()  # DynamoDB TTL: as long as the audit log keeps its entries


INCIDENTS = RecordMapping(
    Incident,
    IncidentRecord,
    sort_key=lambda i: f"{INCIDENT_PREFIX}{i.incident_id}",
    write={"seller_id": lambda _i: INCIDENTS_PARTITION},
)


def _expires_at(detected_at: datetime) -> int:
    return int((detected_at + INCIDENT_KEEP).timestamp())


class IncidentStore:
    def put_incident(self, incident: Incident) -> None:
        INCIDENTS.to_record(incident, expires_at=_expires_at(incident.detected_at)).save()

    def incident(self, incident_id: str) -> Incident | None:
        try:
            record = IncidentRecord.get(
                INCIDENTS_PARTITION, f"{INCIDENT_PREFIX}{incident_id}", consistent_read=True
            )
        except IncidentRecord.DoesNotExist:
            return None
        return INCIDENTS.to_domain(record)

    def incidents(self) -> list[Incident]:
        records = IncidentRecord.query(
            INCIDENTS_PARTITION, IncidentRecord.sk.startswith(INCIDENT_PREFIX), consistent_read=True
        )
        return [INCIDENTS.to_domain(r) for r in records]
