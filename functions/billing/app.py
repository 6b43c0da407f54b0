"""Lambda entry of billing (`BillingFunction`, `Handler: app.app`, only with Billing=on): the owners'
billing routes (Cognito) and Stripe's public webhook (signature-checked, idempotent on the event id).
"""

from sellerflow.api.billing_app import app
from sellerflow.wiring.api import use_deployment_adapters

use_deployment_adapters()

__all__ = ["app"]
