"""Alerts: rules the owner sets, evaluated after each sync, published once to SNS, sent on WhatsApp.

model.py      rules, quiet hours, recipients, alert records (typed, no I/O)
content.py    the content rule: the only values a message may carry (figures, SKUs, ASINs,
              marketplaces, dates) and the Twilio template variables made from them
rules.py      the five rules as pure functions of typed inputs
service.py    evaluation: gather inputs, run the rules, de-duplicate, hold in quiet hours, publish
delivery.py   the WhatsApp sender's logic: recipients, opt-out, idempotent per message
(the SNS and Twilio adapters live in sellerflow.notifications)
"""
