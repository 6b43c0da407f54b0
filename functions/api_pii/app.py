"""Lambda entry of the buyer-PII API (`PiiApiFunction`, `Handler: app.app`): the Chalice app object
is the handler. This function alone holds the PII key and table; its routes are the buyer-PII ones.
"""

from sellerflow.api.pii_app import app
from sellerflow.wiring.api import use_deployment_adapters

use_deployment_adapters()

__all__ = ["app"]
