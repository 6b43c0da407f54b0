"""The user pool is configured so that Cognito's own lockout applies (moto does not enforce it).

Cognito locks a user out after 5 failed sign-ins, with delays that grow up to 15 minutes, on every
tier and without any setting; what the template must do is not route sign-in around it: users sign
in to the pool itself (password flows of the public client, no custom auth Lambda or admin flow around it),
existence errors are hidden, MFA is required, and threat protection is enforced in prod (opt-in
elsewhere, for its per-user cost).
"""

from __future__ import annotations

from template_helpers import load_template


def _resources() -> dict:
    resources: dict = load_template()["Resources"]
    return resources


def test_sign_in_goes_through_the_pools_own_lockout() -> None:
    resources = _resources()
    pool = resources["UserPool"]["Properties"]
    client = resources["UserPoolClient"]["Properties"]
    assert "LambdaConfig" not in pool  # no custom auth challenge that could bypass the failure count
    # SRP sign-in counts failures; no plain-password, custom or admin-side flow
    flows = set(client["ExplicitAuthFlows"])
    assert flows <= {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, flows
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert pool["MfaConfiguration"] == "ON"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_threat_protection_is_enforced_in_prod_opt_in_elsewhere_and_moves_the_pool_to_plus() -> None:
    template = load_template()
    pool = template["Resources"]["UserPool"]["Properties"]
    assert template["Parameters"]["ThreatProtection"]["Default"] == "OFF"
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == {
        "Fn::If": ["IsProd", "ENFORCED", {"Ref": "ThreatProtection"}]
    }
    assert pool["UserPoolTier"] == {"Fn::If": ["HasThreatProtection", "PLUS", "ESSENTIALS"]}
