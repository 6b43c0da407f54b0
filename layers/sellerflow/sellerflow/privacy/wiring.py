"""The composition root of the privacy handlers and routes: real collaborators from the settings."""

from __future__ import annotations

from sellerflow.privacy.erase import ErasurePolicy
from sellerflow.privacy.service import PrivacyConfig
from sellerflow.settings import Settings, get_settings
from sellerflow.store.tables import bind_tables


def bound_settings(settings: Settings | None = None) -> Settings:
    current = settings or get_settings()
    bind_tables(current)
    return current


def erasure_policy(settings: Settings) -> ErasurePolicy:
    return ErasurePolicy(
        items_per_call=settings.erase_items_per_call,
        objects_per_call=1000,
        prefixes=(settings.raw_prefix, settings.exports_prefix),
        schedule_name_prefix=settings.seller_schedule_name_prefix,
    )


def privacy_config(settings: Settings) -> PrivacyConfig:
    return PrivacyConfig(
        export_state_machine_arn=settings.export_state_machine_arn,
        erase_state_machine_arn=settings.erase_state_machine_arn,
        exports_prefix=settings.exports_prefix,
        url_ttl_s=settings.export_url_ttl_s,
    )
