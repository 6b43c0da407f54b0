"""Billing for teams that run Sellerflow as a service (off unless the template's `Billing=on`).

plans.json / plans.py   the plans as versioned data: Stripe prices, trial, grace period, limits
model.py                an account's plan state and the state machine Stripe's webhook events drive
limits.py               the plan's limits enforced (typed 402/409 errors, never lost data)
service.py              trials, Checkout and Customer Portal sessions, webhook events, usage reports
views.py                the billing routes' bodies and answers
stripe_adapter.py       the only module holding the `stripe` client (an import-linter contract)
subprocessor.py         Stripe as a sub-processor: what it receives, nothing of Amazon's
"""
