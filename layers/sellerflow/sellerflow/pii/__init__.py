"""Buyer PII: fetched on demand through a restricted data token, used in memory, stored only when a
feature must (the label queue), field-encrypted, and never kept past delivery + 30 days.

    models.py     the shipping label (the only PII shape Sellerflow handles) and its extraction
    retention.py  when a stored label expires
    redaction.py  masking a label (and any PII-named field) for logs and errors
    service.py    the shipping-address logic: membership-checked by the API, RDT → getOrder → label
"""
