"""Seller analytics: daily rollups per marketplace and SKU, and the dashboard, inventory and money
views the API serves from them. Pure logic lives in `rollups`, `ranges`, `kpis` and `inventory`;
data access is injected (see `service`)."""
