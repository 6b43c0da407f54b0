"""What Amazon's APIs say, as typed models: the vocabulary the domain's ports speak (no I/O).

`spapi`: the SP-API payload subsets Sellerflow reads (orders, marketplace participations);
`ads`: the Amazon Ads API payload subsets it reads and sends (profiles, report requests, status).
The adapters (`sellerflow.spapi`, `sellerflow.ads`) fill them from HTTP; the domain (`sync`,
`connect`) reads them and never imports an adapter.
"""
