"""Connecting an Amazon account: the SP-API website authorization workflow and its lifecycle.

- `state`: the signed, single-use, short-lived `state` bound to the signed-in user;
- `service`: start (consent URL) and complete (the callback) a connection, and read its status;
- `status`: `connection_status(...)`, active | expiring | lapsed | revoked | disconnected;
(the seller's sync cadence, as the fanout honours it, is `sellerflow.sync.schedule`).
"""

from sellerflow.connect.status import ConnectionState, ConnectionStatus, connection_status

__all__ = ["ConnectionState", "ConnectionStatus", "connection_status"]
