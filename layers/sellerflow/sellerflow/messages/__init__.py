"""Buyer messages: the seller's inbox of Amazon buyer-seller messages, drafted replies without buyer
PII, approved by a person, sent on time.

    model.py      threads, messages, order context, the inbound address, the 24-hour clock, expiry
    parser.py     raw MIME (stdlib `email`, policy default) → a parsed message in Amazon's layout
    service.py    inbound: accept or reject (counted, never stored), thread, order context, store
(the stores live in sellerflow.store.messages; no AWS client is touched here)
"""
