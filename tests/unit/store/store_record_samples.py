"""Domain values, one or more per stored fact, whose stored items were captured before the store's
mappings became declarative (`stored_items_before.json`): the same values must still be stored as
the same attribute dicts, and those dicts must still read back as the same values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sellerflow.alerts.model import Delivery, DeliveryStatus, Recipient
from sellerflow.analytics.model import DayRollup, SkuRollup
from sellerflow.audit.chain import ChainHead
from sellerflow.domain import Order, OrderLine, Role
from sellerflow.facts import (
    AdCampaignDayFact,
    CogsEntry,
    FinanceTransactionFact,
    InventoryFact,
    ListingFact,
    SettlementLineFact,
    SettlementSummary,
    TrafficByAsinFact,
    TrafficByDateFact,
)
from sellerflow.members.model import BreakGlassGrant, Invitation, InvitationStatus, Member
from sellerflow.store.audit import AuditEntry

SELLER = "A1SELLER"
US = "ATVPDKIKX0DER"
AT = datetime(2026, 3, 2, 8, 30, 15, 123456, tzinfo=UTC)
EXPIRES_AT = 1820000000
DAY = date(2026, 3, 1)

LISTING = ListingFact(
    seller_id=SELLER, marketplace_id=US, sku="SKU-1", asin="B000000001", title="Mug",
    price=Decimal("12.50"), currency="USD", quantity=7, status="Active",
    fulfillment_channel="DEFAULT", open_date=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
)  # fmt: skip
LISTING_BARE = ListingFact(
    seller_id=SELLER, marketplace_id=US, sku="SKU-2", asin=None, title=None, price=None,
    currency="USD", quantity=None, status=None, fulfillment_channel=None, open_date=None,
)  # fmt: skip
INVENTORY = InventoryFact(
    seller_id=SELLER, marketplace_id=US, sku="SKU-1", asin="B000000001", fnsku="X001", condition="New",
    fulfillable=10, inbound_working=1, inbound_shipped=2, inbound_receiving=3, reserved=4,
    unfulfillable=0, as_of=AT,
)  # fmt: skip
TRAFFIC_DATE = TrafficByDateFact(
    seller_id=SELLER, marketplace_id=US, day=DAY, sessions=120, page_views=300,
    buy_box_percentage=Decimal("97.5"), units_ordered=9, ordered_product_sales=Decimal("112.40"),
    currency="USD",
)  # fmt: skip
TRAFFIC_ASIN = TrafficByAsinFact(
    seller_id=SELLER, marketplace_id=US, day=DAY, parent_asin="B0PARENT", child_asin="B000000001",
    sku="SKU-1", sessions=12, page_views=30, buy_box_percentage=Decimal("100"), units_ordered=2,
    ordered_product_sales=Decimal("25.00"), currency="USD",
)  # fmt: skip
FINANCE = FinanceTransactionFact(
    seller_id=SELLER, transaction_id="T-1", transaction_type="Shipment", posted_at=AT,
    marketplace_id=US, local_date=DAY, order_id="111-0000001-0000001", sku="SKU-1", quantity=2,
    total=Decimal("20.13"), currency="USD",
    amounts=(("ProductCharges", Decimal("25.00")), ("ReferralFee", Decimal("-3.75")), ("FBAFee", Decimal("-1.12"))),
)  # fmt: skip
FINANCE_BARE = FinanceTransactionFact(
    seller_id=SELLER, transaction_id="T-2", transaction_type="ServiceFee", posted_at=AT,
    marketplace_id=US, local_date=DAY, order_id=None, sku=None, quantity=None,
    total=Decimal("-39.99"), currency="USD",
)  # fmt: skip
SETTLEMENT = SettlementSummary(
    seller_id=SELLER, settlement_id="S-1", marketplace_id=US, start=datetime(2026, 2, 1, tzinfo=UTC),
    end=datetime(2026, 2, 15, tzinfo=UTC), deposit_date=datetime(2026, 2, 17, tzinfo=UTC),
    total=Decimal("1234.56"), currency="USD",
)  # fmt: skip
SETTLEMENT_LINE = SettlementLineFact(
    seller_id=SELLER, settlement_id="S-1", line=42, transaction_type="Order",
    order_id="111-0000001-0000001", sku="SKU-1", amount_type="ItemPrice", amount_description="Principal",
    amount=Decimal("25.00"), currency="USD", posted_at=AT, marketplace_name="Amazon.com", quantity=2,
)  # fmt: skip
ORDER = Order(
    seller_id=SELLER, order_id="111-0000001-0000001", marketplace_id=US,
    created_time=datetime(2026, 3, 1, 12, 0, tzinfo=UTC), last_updated_time=datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
    local_date=DAY, status="Shipped", fulfilled_by="MERCHANT", fulfillment_service_level="Standard",
    currency="USD", order_total=Decimal("25.98"), programs=("PRIME", "BUSINESS"),
    lines=(
        OrderLine(
            order_item_id="OI-1", asin="B000000001", seller_sku="SKU-1", title="Mug", quantity_ordered=2,
            quantity_shipped=1, unit_price=Decimal("9.995"), item_price=Decimal("19.99"),
            shipping_price=Decimal("5.99"), promotion_discount=Decimal("-1.00"),
            proceeds_total=Decimal("24.98"), promotion_ids=("PROMO1", "PROMO2"),
        ),
        OrderLine(order_item_id="OI-2", quantity_ordered=1),
    ),
)  # fmt: skip
ORDER_BARE = Order(
    seller_id=SELLER, order_id="111-0000002-0000002", marketplace_id=US,
    created_time=datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), last_updated_time=datetime(2026, 3, 2, tzinfo=UTC),
    local_date=DAY, status="Pending",
)  # fmt: skip
DAY_ROLLUP = DayRollup(
    seller_id=SELLER, marketplace_id=US, day=DAY, currency="USD", orders=3, units=5,
    gross_sales=Decimal("100.00"), shipping=Decimal("9.00"), promotions=Decimal("2.50"),
    refunds=Decimal("10"), amazon_fees=Decimal("15.25"),
    fees_by_type={"ReferralFee": Decimal("-12.00"), "FBAFee": Decimal("-3.25")},
    ad_spend=Decimal("4.10"), ad_sales=Decimal("33.30"), cogs=Decimal("20"), cogs_complete=False,
    excluded_other_currency=1,
)  # fmt: skip
DAY_ROLLUP_EMPTY = DayRollup(seller_id=SELLER, marketplace_id=US, day=DAY, currency="USD")
SKU_ROLLUP = SkuRollup(
    seller_id=SELLER, marketplace_id=US, day=DAY, sku="SKU-1", currency="USD", orders=2, units=3,
    gross_sales=Decimal("60"), shipping=Decimal("5"), promotions=Decimal("1"), refunds=Decimal("0"),
    fees=Decimal("9.5"), cogs=Decimal("12"), cogs_complete=True,
)  # fmt: skip
AD_DAY = AdCampaignDayFact(
    seller_id=SELLER, marketplace_id=US, profile_id="P-1", campaign_id="C-1", campaign_name="Mugs",
    day=DAY, currency="USD", impressions=1000, clicks=25, cost=Decimal("12.34"), purchases_7d=2,
    purchases_14d=3, sales_7d=Decimal("40.00"), sales_14d=Decimal("55.5"),
)  # fmt: skip
COGS = CogsEntry(seller_id=SELLER, sku="SKU-1", effective_from=DAY, unit_cost=Decimal("3.20"), currency="USD")
INVITATION = Invitation(
    seller_id=SELLER, invitation_id="INV-1", email="bob@example.com", role=Role.ANALYST,
    token_hash="ab" * 32, status=InvitationStatus.PENDING, invited_by="sub-owner", created_at=AT,
    valid_until=datetime(2026, 3, 9, 8, 30, tzinfo=UTC),
)  # fmt: skip
INVITATION_CLOSED = Invitation(
    seller_id=SELLER, invitation_id="INV-2", email="eve@example.com", role=Role.SUPPORT,
    token_hash="cd" * 32, status=InvitationStatus.REVOKED, invited_by="sub-owner", created_at=AT,
    valid_until=datetime(2026, 3, 9, 8, 30, tzinfo=UTC), closed_at=AT, closed_by="sub-owner",
)  # fmt: skip
GRANT = BreakGlassGrant(
    seller_id=SELLER, admin_sub="sub-admin", reason="ticket 42", granted_at=AT,
    valid_until=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
)  # fmt: skip
MEMBER = Member(seller_id=SELLER, user_sub="sub-bob", role=Role.ANALYST, email="bob@example.com", added_at=AT)
MEMBER_BARE = Member(seller_id=SELLER, user_sub="sub-eve", role=Role.OWNER)
RECIPIENT = Recipient(phone="+14155550100", opted_in=True)
RECIPIENT_OUT = Recipient(
    phone="+14155550101", opted_in=False, opted_out_at=AT, opted_out_reason="unsubscribed"
)
DELIVERY = Delivery(
    alert_id="AL-1", phone="+14155550100", status=DeliveryStatus.FAILED, message_sid="SM1",
    provider_status="undelivered", error_code=30003, updated_at=AT,
)  # fmt: skip
AUDIT_ENTRY = AuditEntry(
    seller_id=SELLER, actor="sub-bob", action="orders.read", resource="orders", at=AT, seq=12,
    hash="f" * 64, prev_hash="0" * 64,
)  # fmt: skip
AUDIT_HEAD = ChainHead(seq=12, hash="f" * 64, at=AT, trimmed_seq=3, trimmed_hash="e" * 64)
