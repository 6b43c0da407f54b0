"""Lambda entry of Twilio's webhooks (`TwilioWebhooksFunction`, `Handler: app.app`): the Chalice app
object is the handler. Public routes (no Cognito): every request must carry Twilio's signature.
"""

from sellerflow.api.webhook_app import app
from sellerflow.wiring.api import use_deployment_adapters

use_deployment_adapters()

__all__ = ["app"]
