"""Shipping labels of merchant-fulfilled (FBM) orders, keeping nothing of the buyer.

    model.py    package profiles, label settings, the queue entry, the kept shipment (no PII),
                the label's expiry rule
    service.py  queue, rates (the recipient fetched for the getRates call only), idempotent purchase,
                shipment confirmation, reprint, void, tracking
(the SP-API calls live in sellerflow.spapi.client, the stores in sellerflow.store.labels)
"""
