"""The static dashboard (web/): self-contained (no CDN, nothing fetched from elsewhere), CSP-clean,
in step with the template's CloudFront headers, and its local serving (config.json, Cognito proxy)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from template_helpers import ROOT, load_template

from sellerflow.marketplaces import MARKETPLACES
from sellerflow_dev.local.webapp import COGNITO_PROXY_PATH, WebApp, content_security_policy

WEB = ROOT / "web"
FILES = sorted(p for p in WEB.rglob("*") if p.is_file())


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_dashboard_loads_nothing_from_another_origin() -> None:
    for path in FILES:
        text = _text(path)
        for url in re.findall(r"""(?:src|href)=["'](https?:)?//""", text):
            raise AssertionError(f"{path.name} loads from another origin: {url}")
        assert "@import url(http" not in text, path.name
        assert not re.search(r"""\bimport\s.*from\s+["']https?:""", text), path.name


def test_html_has_no_inline_script_or_style_the_csp_would_block() -> None:
    for path in WEB.glob("*.html"):
        text = _text(path)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {path.name}"
        assert "<style" not in text, f"inline style in {path.name}"
        assert " style=" not in text, f"inline style in {path.name}"
        assert not re.search(r"\son[a-z]+=", text), f"inline event handler in {path.name}"


def _imports_of(module: str) -> set[str]:
    """Every module `module` imports, directly or not (static `from "./x.js"` imports)."""
    found: set[str] = set()
    pending = [module]
    while pending:
        text = _text(WEB / "js" / pending.pop())
        for imported in re.findall(r"""\bfrom\s+["']\./([A-Za-z0-9_-]+\.js)["']""", text):
            if imported not in found:
                found.add(imported)
                pending.append(imported)
    return found


def test_the_page_asks_for_every_module_app_js_imports_at_once() -> None:
    # modulepreload: the browser fetches the whole graph in parallel, not one import level at a time
    html = _text(WEB / "index.html")
    preloaded = re.findall(r'<link rel="modulepreload" href="/js/([A-Za-z0-9_-]+\.js)">', html)
    assert len(preloaded) == len(set(preloaded))
    assert set(preloaded) == _imports_of("app.js")
    assert "dom.js" in preloaded  # the graph was read (not an empty list on both sides)


def test_scripts_set_no_inline_style_attribute_or_html() -> None:
    for path in (WEB / "js").glob("*.js"):
        text = _text(path)
        for forbidden in ("innerHTML", "outerHTML", 'setAttribute("style"', "eval("):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


def test_every_module_import_resolves_to_a_file() -> None:
    for path in (WEB / "js").glob("*.js"):
        for target in re.findall(r"""from\s+["'](\.[^"']+)["']""", _text(path)):
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports missing {target}"
    for path in WEB.glob("*.html"):
        for target in re.findall(r"""(?:src|href)=["'](/[^"']+)["']""", _text(path)):
            assert (WEB / target.lstrip("/")).is_file(), f"{path.name} refers to missing {target}"


def test_the_marketplaces_of_the_dashboard_are_the_backends() -> None:
    # name, country (its flag), currency and time zone (the calendar its periods are resolved in)
    entry = (
        r'(\w+): \{ name: "([^"]+)", country: "([A-Z]{2})", currency: "([A-Z]{3})", timeZone: "([^"]+)" \}'
    )
    shown = {m: rest for m, *rest in re.findall(entry, _text(WEB / "js" / "marketplaces.js"))}
    assert shown == {k: [v.name, v.country_code, v.currency, v.time_zone] for k, v in MARKETPLACES.items()}


def test_the_inbox_form_names_every_intent_the_drafter_knows() -> None:
    # the auto-send toggles come from the API's `intents`; each has its words in the dashboard
    from sellerflow.messages.intents import INTENTS

    block = re.search(r"INTENT_NAMES = \{(.*?)\};", _text(WEB / "js" / "inbox-settings.js"), re.S)
    assert block is not None
    assert tuple(re.findall(r"^\s+(\w+): \"[^\"]+\",$", block.group(1), re.M)) == INTENTS


def test_cloudfront_sends_the_same_csp_as_the_local_gateway() -> None:
    policy = load_template()["Resources"]["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    raw = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    text = raw["Fn::Sub"] if isinstance(raw, dict) else raw
    expected = content_security_policy("https://cognito-idp.${AWS::Region}.amazonaws.com")
    assert " ".join(text.split()) == expected


def test_the_web_bucket_is_private_encrypted_tls_only_and_read_by_cloudfront_only() -> None:
    resources = load_template()["Resources"]
    bucket = resources["WebBucket"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in allow] == [{"Service": "cloudfront.amazonaws.com"}]
    assert "AWS:SourceArn" in allow[0]["Condition"]["StringEquals"]
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in statements)
    distribution = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    assert distribution["DefaultRootObject"] == "index.html"
    assert all("OriginAccessControlId" in o for o in distribution["Origins"] if "S3OriginConfig" in o)
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "WebUrl" in load_template()["Outputs"]


def test_local_config_points_the_browser_at_the_same_origin(tmp_path: Path) -> None:
    app = WebApp(
        root=WEB,
        region="us-east-1",
        user_pool_client_id="client-1",
        moto_url="http://127.0.0.1:1",
        user_pool_id="us-east-1_pool1",
    )
    status, content_type, body = app.static_file("/config.json") or (0, "", b"")
    assert (status, content_type) == (200, "application/json")
    assert json.loads(body) == {
        "apiBase": "",
        "region": "us-east-1",
        "userPoolId": "us-east-1_pool1",
        "userPoolClientId": "client-1",
        "cognitoEndpoint": COGNITO_PROXY_PATH,
        "billing": False,  # Billing=off: no Billing tab, no plan banner
    }
    billed = replace(app, billing=True)
    assert json.loads((billed.static_file("/config.json") or (0, "", b""))[2])["billing"] is True
    assert app.static_file("/")[1].startswith("text/html")  # type: ignore[index]
    assert app.static_file("/../template.yaml") is None
    assert app.static_file("/js/missing.js") is None


def test_the_cognito_proxy_refuses_admin_actions_without_calling_moto() -> None:
    app = WebApp(root=WEB, region="us-east-1", user_pool_client_id="c", moto_url="http://127.0.0.1:1")
    for target in ("AWSCognitoIdentityProviderService.AdminCreateUser", "DynamoDB_20120810.Scan", None):
        status, _, body = app.cognito(target, b"{}")
        assert status == 400
        assert json.loads(body)["__type"] == "NotAuthorizedException"
