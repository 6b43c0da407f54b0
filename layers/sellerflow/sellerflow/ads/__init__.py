"""The Amazon Ads port: LWA with the advertising scope, profiles, v3 Sponsored Products reports."""
