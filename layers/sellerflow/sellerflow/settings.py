"""Typed configuration, read from the environment once per process.

A plain pydantic model that reads the environment itself (`_from_environment`) rather than
pydantic-settings' `BaseSettings`: every field is a scalar named after its variable, and importing
pydantic-settings cost every handler's cold start ~80 ms for what is a dictionary lookup per field.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator


class Settings(BaseModel):
    """Every environment variable a Sellerflow function reads.

    Names map one to one (`SELLER_DATA_TABLE` -> `seller_data_table`). Secrets are never settings:
    settings only name where a secret lives (Secrets Manager) or which KMS key protects it.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    aws_region: str = Field(default="us-east-1", validation_alias=AliasChoices("aws_region", "AWS_REGION"))
    # Only set locally: where moto serves every AWS API (boto3 reads AWS_ENDPOINT_URL itself;
    # PynamoDB needs it spelled out).
    aws_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("aws_endpoint_url", "AWS_ENDPOINT_URL")
    )

    seller_data_table: str = "sellerflow-seller-data"
    sellers_table: str = "sellerflow-sellers"
    audit_table: str = "sellerflow-audit"
    pii_table: str = "sellerflow-buyer-pii"
    raw_bucket: str = "sellerflow-raw-documents"
    # Kept shipping labels (buyer PII, PII key; only the PII app's function reaches it)
    label_bucket: str = "sellerflow-labels"
    # Marketplace ids whose labels are bought through Merchant Fulfillment v0 instead of Shipping v2
    # (comma-separated; empty: Shipping v2 everywhere, as Amazon advises for new integrations)
    label_mfn_marketplaces: str = ""
    data_key_id: str = "alias/sellerflow-data"
    pii_key_id: str = "alias/sellerflow-pii"
    # The role a seller's items are read and written with, assumed per seller (sellerflow.store.tenancy);
    # empty: the function's own credentials (unit tests, tools that bind tables without a deployment).
    tenant_data_role_arn: str = ""

    # The app's LWA client id/secret: a Secrets Manager secret holding {"client_id","client_secret"}.
    lwa_app_secret_name: str = "sellerflow/lwa-app"
    lwa_endpoint: str = "https://api.amazon.com/auth/o2/token"
    spapi_endpoint: str = "https://sellingpartnerapi-na.amazon.com"
    spapi_timeout_s: float = 20.0
    # In-call retries stay short; long waits belong to Step Functions (Retry with backoff).
    spapi_max_attempts: int = 3
    spapi_max_inline_wait_s: float = 2.0

    # Amazon Ads API: three regional hosts, each with its own Login with Amazon token endpoint and
    # authorize page; a seller's grant is given per region and reaches only that region's profiles.
    # ADS_ENDPOINT / LWA_ENDPOINT / ADS_AUTHORIZE_URL are North America's, the *_EU and *_FE names
    # Europe's and the Far East's. Its LWA client is the app's own unless ads_client_id names another.
    ads_endpoint: str = "https://advertising-api.amazon.com"
    # The ECB's euro reference rates files (the simulator's recorded table locally).
    ecb_rates_url: str = "https://www.ecb.europa.eu/stats/eurofxref/"
    ads_endpoint_eu: str = "https://advertising-api-eu.amazon.com"
    ads_endpoint_fe: str = "https://advertising-api-fe.amazon.com"
    ads_lwa_endpoint_eu: str = "https://api.amazon.co.uk/auth/o2/token"
    ads_lwa_endpoint_fe: str = "https://api.amazon.co.jp/auth/o2/token"
    # The authorize page (www.amazon.com, eu.account.amazon.com, apac.account.amazon.com): where an owner
    # grants the advertising scope for that region; the redirect_uri is WEB_ORIGIN +
    # "/connect-ads-callback.html" (an Allowed Return URL of the app's LWA profile).
    ads_authorize_url: str = "https://www.amazon.com/ap/oa"
    ads_authorize_url_eu: str = "https://eu.account.amazon.com/ap/oa"
    ads_authorize_url_fe: str = "https://apac.account.amazon.com/ap/oa"
    ads_client_id: str = ""
    ads_timeout_s: float = 20.0
    ads_max_attempts: int = 3
    ads_max_inline_wait_s: float = 2.0
    ads_fresh_days: int = Field(default=31, ge=14, le=31)  # ads data is restated for ~14 days
    ads_backfill_days: int = Field(default=93, ge=0, le=95)  # Amazon keeps SP report data 95 days
    ads_first_poll_s: int = 15
    ads_max_polls: int = 20

    seller_sync_state_machine_arn: str = ""
    seller_sync_hourly_state_machine_arn: str = ""  # the Express hourly seller-sync (sync.routing)
    # How often a Standard run plans the reports when the last one found none to do (sync.routing)
    sync_reports_every_minutes: int = Field(default=360, ge=15, le=1440)
    # The seller's data rights (sellerflow.privacy): export and erasure workflows, where exports live.
    export_state_machine_arn: str = ""
    erase_state_machine_arn: str = ""
    exports_prefix: str = "exports/"
    raw_prefix: str = "raw/"
    # Orders and finance transactions older than this many days move from DynamoDB to gzip JSON-lines
    # objects under `history_prefix` (docs/cost.md): past the dashboard's Last 90 and its recomputes.
    history_prefix: str = "history/"
    history_hot_days: int = Field(default=100, ge=95, le=540)
    export_url_ttl_s: int = Field(default=900, ge=60, le=900)  # presigned export URLs: at most 15 minutes
    erase_items_per_call: int = Field(default=1000, ge=1, le=5000)
    # Per-seller EventBridge Scheduler schedules (when they exist) are named <prefix><sellerId>.
    seller_schedule_name_prefix: str = "sellerflow-sync-"
    seller_schedule_group: str = "default"
    orders_lookback_minutes: int = 15
    orders_initial_days: int = 30
    orders_page_size: int = Field(default=100, ge=1, le=100)
    data_retention_days: int = Field(default=540, le=548)  # DPP: Amazon data kept at most 18 months
    # Data protection: buyer PII at most delivery + 30 days; audit entries at least 12 months;
    # the sweeper deletes at most this many expired items per seller partition and table per run.
    pii_retention_after_delivery_days: int = Field(default=30, ge=1, le=30)
    audit_retention_days: int = Field(default=400, ge=366, le=800)
    sweep_max_items_per_partition: int = Field(default=5000, ge=25, le=100_000)
    sync_window_minutes: int = 15
    # Where a fanout tick writes its due-seller list for the Distributed Map's ItemReader (kept a day).
    fanout_bucket: str = "sellerflow-fanout"
    report_first_poll_s: int = 15
    report_max_polls: int = 20
    # At most, per marketplace; a run takes fewer when createReport's burst holds fewer
    # (sellerflow.sync.reports.backfill_per_marketplace, docs/performance.md "Sync efficiency").
    report_backfill_windows_per_run: int = Field(default=11, ge=1, le=25)
    # Days whose All Orders windows a run plans past the burst, paced (sellerflow.sync.reports,
    # ReportPolicy.comparison_history): 180 brings "Last 90 vs previous 90" in a first run, and the
    # finances' first run covers those days too (FinancesPolicy.covering); 0 = off.
    report_comparison_history_days: int = Field(default=0, ge=0, le=548)

    # Alerts (sellerflow.alerts): the SNS topic evaluations publish to; the WhatsApp sender's Twilio
    # credentials live in a Secrets Manager secret ({"account_sid","auth_token","from_number"}),
    # its approved templates are a JSON object alert kind -> Content SID. The API base URL is only
    # set locally (the simulator's Twilio stand-in); in AWS the twilio library's default is used.
    alerts_topic_arn: str = ""
    alert_retention_days: int = Field(default=90, ge=7, le=400)
    twilio_secret_name: str = "sellerflow/twilio"
    twilio_content_sids: str = "{}"
    twilio_api_base_url: str = ""
    twilio_timeout_s: float = 10.0
    # Where Twilio calls back (status callbacks): the API's public base URL, e.g. the stage's
    # execute-api URL. Empty: messages go without a status callback. The API rebuilds the URL Twilio
    # signed from this base (or, when empty, from the request's API Gateway domain and path).
    twilio_webhook_base_url: str = ""

    # The web dashboard's origin (links in invitations, the LWA redirect page); locally the gateway.
    web_origin: str = "http://127.0.0.1:8000"
    # Team invitations (sellerflow.members): single-use links that expire.
    invitation_ttl_days: int = Field(default=7, ge=1, le=30)
    break_glass_max_minutes: int = Field(default=60, ge=5, le=60)

    # Connecting an Amazon account (sellerflow.connect): the SP-API website authorization workflow.
    # The consent page is Seller Central's of the app's region (locally the simulator's); the LWA
    # redirect_uri is WEB_ORIGIN + "/connect-callback.html". `state` is HMAC-signed with a key kept in
    # a Secrets Manager secret ({"key": ...}), lives at most 10 minutes and is used once.
    spapi_application_id: str = ""
    spapi_consent_url: str = "https://sellercentral.amazon.com/apps/authorize/consent"
    spapi_app_draft: bool = False  # a draft (unpublished) app adds version=beta to the consent URL
    connect_state_secret_name: str = "sellerflow/connect-state"
    connect_state_ttl_s: int = Field(default=600, ge=60, le=600)
    authorization_valid_days: int = Field(default=365, ge=1, le=365)  # Amazon: a year after consent
    authorization_warning_days: int = Field(default=30, ge=1, le=90)  # "expiring" from this many days
    # A newly connected seller's sync cadence (a multiple of SYNC_WINDOW_MINUTES; the fanout honours it).
    seller_sync_every_minutes: int = Field(default=15, ge=5, le=1440)

    # Push (sellerflow.sync.notifications): the SQS queue Amazon's Notifications API delivers to, the
    # app's one destination; blank turns subscribing off (polling alone). The idempotency records of
    # the notifications received expire after `notification_retention_days`.
    notifications_queue_arn: str = ""
    notification_retention_days: int = Field(default=14, ge=5, le=90)
    # A seller subscribed to notifications is polled this often (the safety net; push brings changes).
    push_sync_every_minutes: int = Field(default=60, ge=5, le=1440)

    # Economics (sellerflow.sync.economics): each marketplace's Data Kiosk economics are compared with
    # the rollups at most once per `economics_check_hours` (0 turns it off), over the last
    # `economics_check_days` local days that ended `economics_settle_hours` ago or more (Amazon's
    # dataset is refreshed daily, so a day that just ended still moves); one sync waits
    # `economics_wait_s` for Amazon's queries.
    economics_check_hours: int = Field(default=24, ge=0, le=720)
    economics_check_days: int = Field(default=7, ge=1, le=30)
    economics_settle_hours: int = Field(default=24, ge=0, le=168)
    economics_wait_s: float = Field(default=240.0, ge=0, le=600)

    # Billing (sellerflow.billing): only for teams that run Sellerflow as a service (template parameter
    # Billing=on). The Stripe secret key and webhook signing secret live in a Secrets Manager secret
    # ({"api_key","webhook_secret"}); the plans are the layer's plans.json, with the deployment's Stripe
    # price ids (a JSON object plan id -> price id). STRIPE_API_BASE is only set locally (the stand-in).
    billing_enabled: bool = False
    billing_table: str = "sellerflow-billing"
    stripe_secret_name: str = "sellerflow/stripe"
    stripe_api_base: str = ""
    stripe_webhook_tolerance_s: int = Field(default=300, ge=30, le=600)
    billing_price_ids: str = "{}"

    # Buyer messages (sellerflow.messages, docs/messages.md): the inbound domain SES receives on, the
    # bucket SES writes raw mail to (a day at most), the drafter (`bedrock` in AWS; `local`: the
    # deterministic intent templates), Bedrock's model id and endpoint (the endpoint only set locally:
    # the simulator's Converse stand-in), the PII detector (`comprehend` in AWS; `rules` alone locally;
    # the rule-based detector always runs as the second pass) and the sending endpoint (locally moto).
    messages_inbound_domain: str = ""  # blank: buyer messages are off (no address, no sub-processor)
    inbound_mail_bucket: str = "sellerflow-inbound-mail"
    messages_drafter: str = Field(default="local", pattern="^(bedrock|local)$")
    bedrock_model_id: str = "amazon.nova-lite-v1:0"
    bedrock_endpoint_url: str = ""
    pii_detector: str = Field(default="rules", pattern="^(comprehend|rules)$")

    cognito_user_pool_id: str = ""
    cognito_app_client_id: str = ""
    # Derived from the pool in AWS; set explicitly locally (moto serves its own issuer and JWKS).
    cognito_issuer: str = ""
    cognito_jwks_url: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        """Arguments win; every field not given is read from its environment variable (the field's
        name in upper case; names are matched regardless of case, as pydantic-settings did)."""
        if not isinstance(data, dict):
            return data
        environment = {name.upper(): value for name, value in os.environ.items()}
        merged = dict(data)
        for name in cls.model_fields:
            if name in merged or name.upper() in merged:
                continue
            value = environment.get(name.upper())
            if value is not None:
                merged[name] = value
        return merged

    def ads_hosts(self) -> dict[str, tuple[str, str]]:
        """Per Ads region: (Ads API host, LWA token endpoint)."""
        return {
            "NA": (self.ads_endpoint, self.lwa_endpoint),
            "EU": (self.ads_endpoint_eu, self.ads_lwa_endpoint_eu),
            "FE": (self.ads_endpoint_fe, self.ads_lwa_endpoint_fe),
        }

    def ads_authorize_urls(self) -> dict[str, str]:
        return {
            "NA": self.ads_authorize_url,
            "EU": self.ads_authorize_url_eu,
            "FE": self.ads_authorize_url_fe,
        }

    @property
    def issuer(self) -> str:
        if self.cognito_issuer:
            return self.cognito_issuer
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def jwks_url(self) -> str:
        return self.cognito_jwks_url or f"{self.issuer}/.well-known/jwks.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local runtime change the environment)."""
    get_settings.cache_clear()
