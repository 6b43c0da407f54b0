"""Review requests: Amazon's Solicitations API, once per eligible order (docs/solicitations.md)."""
