"""Lambda entry of the Sellerflow API (`Handler: app.app`): the Chalice app object is the handler.

API Gateway (REST, Lambda proxy) events are routed by `requestContext.resourcePath`, so the
template's paths must match the app's routes exactly (`/sellers/{sellerId}/orders`, ...).
"""

from sellerflow.api.app import app
from sellerflow.wiring.api import use_deployment_adapters

use_deployment_adapters()

__all__ = ["app"]
