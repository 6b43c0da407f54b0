"""Adapters that carry alerts out of Sellerflow: the SNS topic (`sns`) and Twilio WhatsApp (`whatsapp`).

They implement ports the alerts domain defines (`alerts.service.Publisher`,
`alerts.delivery.WhatsAppPort`) and import only the domain's types."""
