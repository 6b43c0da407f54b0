"""Security incidents: the record the runbook keeps (`docs/incident-response.md`) and the 24-hour
deadline for notifying Amazon (Data Protection Policy, incident response)."""
