"""The whole Sellerflow stack on one machine: moto, the SP-API simulator, the template's resources,
the workflows, the schedules and the API — in one process, on loopback, offline.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from pydantic import SecretStr

from sellerflow.domain import Role
from sellerflow_dev.local.gateway import CognitoAuthorizer, LocalApiGateway
from sellerflow_dev.local.identity import LocalIdentity, LocalUser
from sellerflow_dev.local.lambdas import LambdaDispatcher, LocalLambdaContext
from sellerflow_dev.local.provision import LocalResources, Provisioner
from sellerflow_dev.local.template import load_template
from sellerflow_dev.local.timecompression import compress_step_functions_time, restore_step_functions_time
from sellerflow_dev.local.webapp import COGNITO_PROXY_PATH, SECURITY_HEADERS, WebApp

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

REGION = "us-east-1"
DEMO_PASSWORD = "Sellerflow-Demo-2026!"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def project_root() -> Path:
    """The folder holding template.yaml (the checkout), found from this file or the working directory."""
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "template.yaml").is_file() and (folder / "statemachines").is_dir():
                return folder
    raise FileNotFoundError("template.yaml not found: run from the Sellerflow checkout")


@dataclass
class LocalStackConfig:
    root: Path = field(default_factory=project_root)
    sellers: int = 3
    seed: int = 7
    time_scale: float = 60.0  # Step Functions Retry/Wait run this many times faster
    schedule_time_scale: float = 60.0  # schedules fire this many times faster
    api_port: int = 0
    sim_port: int = 0
    log_level: str = "WARNING"
    sim_config: Any = None  # sellerflow_dev.simulator.SimConfig
    world_age: timedelta = timedelta(hours=1)  # the simulated "now" lags real time (Amazon's 2-min rule)
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. ORDERS_PAGE_SIZE for a test
    # template parameters over their defaults, e.g. a FanoutBatchSize that gives a test several batches
    parameters: dict[str, str] = field(default_factory=dict)
    # How many simulated sellers `connect_demo_sellers` connects (None: all); the rest are left for a
    # test or the browser to connect for real through the simulator's consent page.
    preconnected: int | None = None
    # Billing=on (hosted deployments): the billing function, table and secret exist, Stripe is the
    # simulator's stand-in (sellerflow_dev.simulator.stripe_api) and its webhooks come to the gateway.
    billing: bool = False
    # The local API Gateway's environments per function (requests of one function run at once, as
    # Lambda's environments); None: SELLERFLOW_LOCAL_ENVIRONMENTS or the gateway's default (4).
    environments: int | None = None


@dataclass
class SellerSyncReport:
    seller_id: str
    execution_name: str
    status: str
    duration_s: float
    orders_stored: int
    spapi_calls: int
    throttled: int
    error: str | None = None
    # which seller-sync ran the window: "standard", "express" (the hourly machine), or
    # "express+standard" (an hourly run that handed over to Standard, whose status this is)
    machine: str = "standard"


class LocalStack:
    session: boto3.session.Session  # AWS clients of the local stack (moto), made by start()

    def __init__(self, config: LocalStackConfig | None = None) -> None:
        self.config = config or LocalStackConfig()
        self.resources: LocalResources | None = None
        self.users: dict[str, LocalUser] = {}
        self._moto: Any = None
        self._sim: Any = None
        self.world: Any = None
        self.dispatcher: LambdaDispatcher | None = None
        self.gateway: LocalApiGateway | None = None
        self._scheduler_stop = threading.Event()
        self._scheduler_thread: threading.Thread | None = None
        self._pollers_stop = threading.Event()
        self._pollers: list[threading.Thread] = []
        self._saved_env: dict[str, str | None] = {}
        self._identity: LocalIdentity | None = None
        self.webapp: WebApp | None = None
        self.tenant_policy: Any = None  # sellerflow_dev.tenant_policy.TenantPolicyCheck, once started
        self.last_fanout: dict[str, Any] | None = None  # the fanout execution `run_sync` waited for

    # --- start / stop ------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        import logging

        from moto.server import ThreadedMotoServer

        from sellerflow_dev.moto_dispatch import (
            memoize_json_paths,
            memoize_moto_dispatch,
            reuse_task_lambda_clients,
            share_botocore_models,
        )
        from sellerflow_dev.moto_reads import fast_dynamodb_reads
        from sellerflow_dev.moto_writes import serialize_dynamodb_writes
        from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

        serialize_dynamodb_writes()  # the moto server runs in this process
        # SELLERFLOW_MOTO_ACCELERATION=off leaves moto as it ships: to rule the shortcuts out when
        # the local stack and moto disagree, and for bench/local_stack_bench.py's side-by-side run.
        if os.environ.get("SELLERFLOW_MOTO_ACCELERATION", "on") != "off":
            fast_dynamodb_reads()  # its reads skip moto's generic serializer (moto_reads.py)
            memoize_moto_dispatch()  # ... it finds a request's backend once per host
            reuse_task_lambda_clients()  # ... its workflows' Lambda tasks share a client
            memoize_json_paths()  # ... it parses each JSONPath once
            share_botocore_models()  # every thread's botocore session reads the models once
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_url = f"http://{host}:{port}"
        self._set_env(
            {
                "MOTO_PORT": str(port),
                "AWS_ENDPOINT_URL": self.moto_url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_SESSION_TOKEN": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
            }
        )
        self._post_json(
            f"{self.moto_url}/moto-api/config", {"stepfunctions": {"execute_state_machine": True}}
        )
        compress_step_functions_time(self.config.time_scale)
        self.session = boto3.session.Session(region_name=REGION)

        world_now = (datetime.now(UTC) - self.config.world_age).replace(second=0, microsecond=0)
        self.world = SimWorld.generate(sellers=self.config.sellers, seed=self.config.seed, now=world_now)
        kwargs: dict[str, Any] = {"host": "127.0.0.1", "port": self.config.sim_port}
        # Amazon's clock is compressed like the workflow's: the usage plans refill `time_scale` times
        # faster (the port learns the applied rate from x-amzn-RateLimit-Limit, as with a raised plan).
        kwargs["config"] = self.config.sim_config or SimConfig(
            rate_scale=self.config.time_scale, report_processing_s=0.5
        )
        self._sim = SimServer(self.world, **kwargs)
        self._sim.start()

        template = load_template(self.config.root / "template.yaml")
        self.resources = Provisioner(
            template,
            root=self.config.root,
            session=self.session,
            region=REGION,
            parameters={
                "Stage": "dev",
                "LwaClientId": self.world.client_id,
                "LwaClientSecret": self.world.client_secret,
                "SpApiEndpoint": self._sim.api_endpoint,
                "LwaEndpoint": self._sim.lwa_endpoint,
                "AdsApiEndpoint": self._sim.api_endpoint,  # the simulator serves the Amazon Ads API too
                "EcbRatesUrl": f"{self._sim.api_endpoint}/stats/eurofxref/",  # and the ECB's rates files
                # WhatsApp alerts go to the simulator's Twilio stand-in, with its credentials and templates.
                "TwilioAccountSid": self._sim.twilio.account_sid,
                "TwilioAuthToken": self._sim.twilio.auth_token,
                "TwilioWhatsAppFrom": self._sim.twilio.from_number,
                "TwilioContentSids": json.dumps(self._sim.twilio.content_sids),
                **self._billing_parameters(),
                **self.config.parameters,
            },
        ).provision()
        self._configure_functions()
        self.dispatcher = LambdaDispatcher(self.resources.functions)
        self.dispatcher.install()
        self._start_queue_pollers()
        self._start_gateway()
        self._configure_connect()
        return self

    def _billing_parameters(self) -> dict[str, str]:
        if not self.config.billing:
            return {}
        return {
            "Billing": "on",
            "StripeSecretKey": self._sim.stripe.api_key,
            "StripeWebhookSecret": self._sim.stripe.webhook_secret,
        }

    @property
    def stripe(self) -> Any:
        """The simulator's Stripe stand-in (its recorded requests, its controls)."""
        return self._sim.stripe

    def _configure_connect(self) -> None:
        """The connect flow: Seller Central's consent page (and LWA's /ap/oa for Amazon Ads) are the
        simulator's, and the redirects land on the web app's connect-callback.html (and
        connect-ads-callback.html), served by the local gateway."""
        from sellerflow import wiring
        from sellerflow.settings import reset_settings

        values = {
            "SPAPI_APPLICATION_ID": self._sim.application_id,
            "SPAPI_CONSENT_URL": self._sim.consent_url,
            "SPAPI_APP_DRAFT": "true",
            "ADS_AUTHORIZE_URL": self._sim.ads_authorize_url,
            # Amazon Ads' EU and FE hosts, LWA endpoints and authorize pages (NA's come from the template)
            "ADS_ENDPOINT_EU": self._sim.ads_endpoint("EU"),
            "ADS_ENDPOINT_FE": self._sim.ads_endpoint("FE"),
            "ADS_LWA_ENDPOINT_EU": self._sim.ads_lwa_endpoint("EU"),
            "ADS_LWA_ENDPOINT_FE": self._sim.ads_lwa_endpoint("FE"),
            "ADS_AUTHORIZE_URL_EU": self._sim.ads_authorize_url_of("EU"),
            "ADS_AUTHORIZE_URL_FE": self._sim.ads_authorize_url_of("FE"),
        }
        if self.gateway is not None:
            values["WEB_ORIGIN"] = self.gateway.url
        self._set_env({**values, **{k: v for k, v in self.config.extra_env.items() if k in values}})
        reset_settings()
        wiring.reset()

    def stop(self) -> None:
        self._scheduler_stop.set()
        self._pollers_stop.set()
        for poller in self._pollers:
            poller.join(timeout=10)
        if self.gateway is not None:
            self.gateway.stop()
        if self._sim is not None:
            self._sim.stop()
        if self.dispatcher is not None:
            self.dispatcher.uninstall()
        restore_step_functions_time()
        self._check_tenant_policy("")
        if self._moto is not None:
            # moto's backends live in this process, not in the server: wipe them for the next stack.
            self._post_json(f"{self.moto_url}/moto-api/reset", {})
            self._moto.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._reset_caches()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- wiring ------------------------------------------------------------------------------------
    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _configure_functions(self) -> None:
        """Functions run in this process, so their environment is this process's environment."""
        assert self.resources is not None
        merged: dict[str, str] = {}
        for spec in self.resources.functions.values():
            for key, value in spec.environment.items():
                if key in merged and merged[key] != value:
                    raise RuntimeError(
                        f"functions disagree on {key}; the local runtime shares one environment"
                    )
                merged[key] = value
        pool = self.resources.user_pool_id
        merged.update(
            {
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": self.config.log_level,
                "POWERTOOLS_METRICS_DISABLED": "true",
                "COGNITO_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
                "COGNITO_JWKS_URL": f"{self.moto_url}/{pool}/.well-known/jwks.json",
                # The simulated world lags real time; look back far enough to see all of it.
                "ORDERS_INITIAL_DAYS": "60",
                # Only inside the WhatsApp port: twilio's https://api.twilio.com -> the Twilio stand-in.
                "TWILIO_API_BASE_URL": self._sim.url,
                # Only inside the Stripe adapter: the stripe library's API base -> the Stripe stand-in.
                "STRIPE_API_BASE": self._sim.url,
                # Buyer messages: the inbound domain the local addresses use, Bedrock -> the
                # simulator's Converse stand-in (records every prompt), the rule-based PII detector
                # alone (moto has no Comprehend), SES sending -> moto.
                "MESSAGES_INBOUND_DOMAIN": "inbound.sellerflow.local",
                "BEDROCK_ENDPOINT_URL": self._sim.url,
                "PII_DETECTOR": "rules",
                **self.config.extra_env,
            }
        )
        self._set_env(merged)
        self._reset_caches()
        self._check_tenant_policy(merged.get("TENANT_DATA_ROLE_ARN", ""))

    def _check_tenant_policy(self, role_arn: str) -> None:
        """moto evaluates no IAM: the tenant data role's policy is checked on each tenant client's calls."""
        from sellerflow.store.tenancy import clear_tenant_client_hooks, on_tenant_client, use_tenant_sessions
        from sellerflow_dev.tenant_policy import TenantPolicyCheck

        clear_tenant_client_hooks()
        use_tenant_sessions(None)  # the next binding assumes the role anew, in this stack's moto
        self.tenant_policy = TenantPolicyCheck(self.session, role_arn) if role_arn else None
        if self.tenant_policy is not None:
            on_tenant_client(self.tenant_policy)

    @staticmethod
    def _reset_caches() -> None:
        from sellerflow import wiring
        from sellerflow.settings import reset_settings

        reset_settings()
        wiring.reset()
        # A new local stack is a cold start: the API apps build their collaborators again.
        for name in (
            "sellerflow.api.app",
            "sellerflow.api.pii_app",
            "sellerflow.api.webhook_app",
            "sellerflow.api.billing_app",
        ):
            api_module = sys.modules.get(name)
            if api_module is not None:
                importlib.reload(api_module)

    def _start_gateway(self) -> None:
        assert self.resources is not None
        assert self.dispatcher is not None
        # Each route goes to the function whose Api event declares it (the general API, buyer PII).
        api_functions = {f.name: f for f in self.resources.functions.values() if f.api_routes}
        if not api_functions:
            return
        dispatcher = self.dispatcher
        routes = [(method, path, f.name) for f in api_functions.values() for method, path in f.api_routes]
        for name in api_functions:  # imported now, as a function's init runs before its first request
            dispatcher.handler(name)
        authorizer = CognitoAuthorizer(
            jwks_url=os.environ["COGNITO_JWKS_URL"],
            issuer=os.environ["COGNITO_ISSUER"],
            audience=self.resources.user_pool_client_id,
        )

        def invoke(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
            api = api_functions[function_name]
            context = LocalLambdaContext(
                function_name=api.name,
                memory_limit_in_mb=api.memory_mb,
                invoked_function_arn=api.arn,
                timeout_s=api.timeout_s,
            )
            response: dict[str, Any] = dispatcher.handler(api.name)(event, context)
            return response

        self.webapp = WebApp(
            root=self.config.root / "web",
            region=REGION,
            user_pool_client_id=self.resources.user_pool_client_id,
            moto_url=self.moto_url,
            user_pool_id=self.resources.user_pool_id,
            password_of=moto_user_password,
            billing=self.config.billing,
        )
        self.gateway = LocalApiGateway(
            routes,
            invoke,
            authorizer,
            port=self.config.api_port,
            static=self._static_file,
            static_headers=SECURITY_HEADERS,
            proxies={COGNITO_PROXY_PATH: self.webapp.cognito},
            public_routes=frozenset(r for f in api_functions.values() for r in f.public_routes),
            environments=self.config.environments,
            drop_abandoned=True,  # a browser's aborted fetches (a reload) are not run
        )
        self.gateway.start()
        # Twilio calls the API back (status callbacks, inbound STOP/START): here, the local gateway.
        self._set_env({"TWILIO_WEBHOOK_BASE_URL": self.gateway.url})
        from sellerflow import wiring
        from sellerflow.settings import reset_settings

        reset_settings()
        wiring.reset()
        self._sim.twilio.configure(inbound_url=f"{self.gateway.url}/webhooks/twilio/inbound")
        self._sim.stripe.webhook_url = f"{self.gateway.url}/webhooks/stripe"  # Stripe's webhook endpoint

    def _static_file(self, path: str) -> tuple[int, str, bytes] | None:
        """The web dashboard (web/) and its generated /config.json (sellerflow_dev.local.webapp)."""
        return None if self.webapp is None else self.webapp.static_file(path)

    # --- sellers and users -------------------------------------------------------------------------
    def connect_demo_sellers(self) -> None:
        """Connect every simulated seller (profile + encrypted refresh token) and create demo users:
        `demo@sellerflow.local` owns all of them, `owner<N>@sellerflow.local` owns seller N only."""
        from sellerflow import wiring

        assert self.resources is not None
        sellers = wiring.seller_store()
        vault = wiring.credential_vault()
        identity = self.identity()
        demo = identity.create_user("demo@sellerflow.local", DEMO_PASSWORD)
        self.users[demo.email] = demo
        from sellerflow.store.connections import ConnectionStore

        connections = ConnectionStore()
        now = datetime.now(UTC)
        for index, seller in enumerate(self.world.sellers, start=1):
            if self.config.preconnected is not None and index > self.config.preconnected:
                # Not connected: its owner<N> user connects it through the consent page.
                unconnected = identity.create_user(f"owner{index}@sellerflow.local", DEMO_PASSWORD)
                self.users[unconnected.email] = unconnected
                continue
            sellers.put_profile(seller.seller_id, name=seller.name, marketplace_ids=seller.marketplace_ids)
            vault.store_refresh_token(seller.seller_id, SecretStr(seller.refresh_token))
            connections.record_authorization(  # consented now: a year's authorization, default cadence
                seller.seller_id,
                name=seller.name,
                marketplace_ids=list(seller.marketplace_ids),
                authorized_at=now.replace(microsecond=0),
                expires_at=now.replace(microsecond=0) + timedelta(days=365),
                sync_every_minutes=wiring.settings().seller_sync_every_minutes,
            )
            for region, ads_token in seller.ads_refresh_tokens.items():  # one Amazon Ads grant per region
                vault.store_ads_refresh_token(seller.seller_id, SecretStr(ads_token), region)
            connections.record_ads_authorization(seller.seller_id, connected_at=now.replace(microsecond=0))
            sellers.add_member(seller.seller_id, demo.sub, Role.OWNER, email=demo.email)
            owner = identity.create_user(f"owner{index}@sellerflow.local", DEMO_PASSWORD)
            self.users[owner.email] = owner
            sellers.add_member(seller.seller_id, owner.sub, Role.OWNER, email=owner.email)
            self.subscribe_to_notifications(seller.seller_id)

    def subscribe_to_notifications(self, seller_id: str) -> None:
        """What the connect callback does for push: the app's destination, the seller's subscriptions
        (the simulator then delivers Amazon's notifications into the template's queue)."""
        from sellerflow.wiring.notifications import push_subscriptions

        push_subscriptions().subscribe(seller_id)

    def wait_for_notifications(self, timeout_s: float = 60.0) -> bool:
        """Until the simulator has sent every notification and the queue is drained (True), or timeout."""
        assert self.resources is not None
        sqs = self.session.client("sqs")
        url = self.resources.queues.get("NotificationsQueue")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._sim.notifications.flush()
            waiting = self._sim.notifications.pending()
            if url:
                attributes = sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                waiting += sum(int(v) for v in attributes.values())
            if not waiting:
                return True
            time.sleep(0.2)
        return False

    def identity(self) -> LocalIdentity:
        assert self.resources is not None
        if self._identity is None:
            self._identity = LocalIdentity(
                self.session.client("cognito-idp"),
                self.resources.user_pool_id,
                self.resources.user_pool_client_id,
            )
        return self._identity

    def id_token(self, email: str) -> str:
        return self.identity().id_token(email, self.users[email].password)

    # --- schedules and workflows -------------------------------------------------------------------
    def fire_schedule(self, logical_id: str = "FanoutSchedule") -> str:
        """Do what EventBridge Scheduler does at a tick: start the target with the schedule's input.

        A state machine target returns the execution ARN; a Lambda target (Scheduler → Lambda, e.g.
        the expiry sweeper) is invoked synchronously and its JSON response payload is returned."""
        assert self.resources is not None
        schedule = self.resources.schedules[logical_id]
        if schedule.target_arn.split(":")[2:3] == ["lambda"]:
            invoked = self.session.client("lambda").invoke(
                FunctionName=schedule.target_arn, Payload=schedule.input.encode()
            )
            return str(invoked["Payload"].read().decode())
        sfn = self.session.client("stepfunctions")
        # Scheduler names each execution uniquely (moto would otherwise name every one "None").
        name = f"{logical_id[:40]}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        started = sfn.start_execution(stateMachineArn=schedule.target_arn, name=name, input=schedule.input)
        return str(started["executionArn"])

    def start_scheduler(self) -> None:
        """Fire every rate() schedule of the template at its rate, compressed by `schedule_time_scale`.
        Calendar (cron) schedules, e.g. the monthly usage report, are not run by a local session; fire
        one by hand with `fire_schedule(logical_id)`."""
        assert self.resources is not None
        for logical_id, schedule in self.resources.schedules.items():
            # a calendar schedule (cron) runs once a day here (the reference rates on weekdays); a
            # monthly one (the usage report on the 1st) is not run by the local scheduler
            expression = schedule.expression.strip()
            cron = expression.startswith("cron(")
            if cron and expression[5:-1].split()[2] not in ("*", "?"):
                continue
            period = (86400 if cron else _rate_seconds(expression)) / self.config.schedule_time_scale
            thread = threading.Thread(
                target=self._schedule_loop,
                args=(logical_id, period),
                daemon=True,
                name=f"schedule-{logical_id}",
            )
            thread.start()

    def _schedule_loop(self, logical_id: str, period: float) -> None:
        while not self._scheduler_stop.wait(period):
            self.fire_schedule(logical_id)

    # --- SQS event sources (moto does not run them) ---------------------------------------------------
    def _start_queue_pollers(self) -> None:
        """What Lambda's SQS event source does: receive, invoke the function, delete what succeeded."""
        assert self.resources is not None
        for spec in self.resources.functions.values():
            for source in spec.queue_sources:
                thread = threading.Thread(
                    target=self._poll_loop,
                    args=(spec.name, source),
                    daemon=True,
                    name=f"sqs-{spec.logical_id}",
                )
                thread.start()
                self._pollers.append(thread)

    def _poll_loop(self, function_name: str, source: Any) -> None:
        # one client and one queue URL per poller: five polls a second each, beside the API's requests
        sqs: Any = None
        queue_url = ""
        while not self._pollers_stop.is_set():
            try:
                if sqs is None:
                    sqs = self.session.client("sqs")
                    queue_url = sqs.get_queue_url(QueueName=source.queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
                handled = self.poll_queue_once(function_name, source, sqs=sqs, queue_url=queue_url)
            except Exception:
                handled = 0
            if not handled:
                self._pollers_stop.wait(0.2)

    def poll_queue_once(
        self, function_name: str, source: Any, *, sqs: Any = None, queue_url: str = ""
    ) -> int:
        """One receive -> invoke -> delete round. A record the function reports failed (or every record
        when the invocation fails) is left to become visible again after the queue's visibility
        timeout, compressed by `time_scale`; moto moves it to the DLQ after maxReceiveCount receives."""
        sqs = sqs or self.session.client("sqs")
        queue_url = queue_url or sqs.get_queue_url(QueueName=source.queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(source.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [_sqs_record(m, source.queue_arn) for m in received]}
        invoked = self.session.client("lambda").invoke(
            FunctionName=function_name, Payload=json.dumps(event).encode()
        )
        payload = json.loads(invoked["Payload"].read() or b"{}")
        if invoked.get("FunctionError"):
            failed = {m["MessageId"] for m in received}
        elif source.report_batch_item_failures:
            failed = {f["itemIdentifier"] for f in (payload or {}).get("batchItemFailures", [])}
        else:
            failed = set()
        timeout = int(
            sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])["Attributes"][
                "VisibilityTimeout"
            ]
        )
        for message in received:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=max(1, round(timeout / self.config.time_scale)),
                )
            else:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(received)

    def wait_for(self, execution_arn: str, timeout_s: float = 600.0) -> dict[str, Any]:
        sfn = self.session.client("stepfunctions")
        deadline = time.monotonic() + timeout_s
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] in TERMINAL:
                return dict(described)
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"execution {execution_arn} still {described['status']} after {timeout_s}s"
                )
            time.sleep(0.2)

    def run_sync(self, timeout_s: float = 900.0) -> list[SellerSyncReport]:
        """One schedule tick end to end: fanout, then every seller-sync it started, to completion."""
        assert self.resources is not None
        fanout = self.last_fanout = self.wait_for(self.fire_schedule(), timeout_s)
        if fanout["status"] != "SUCCEEDED":
            raise RuntimeError(
                f"fanout ended {fanout['status']}: {fanout.get('error')} {fanout.get('cause')}"
            )
        reports = []
        # The tick's Distributed Map keeps its batches' results out of the state (and moto's
        # ResultWriter writes none): the seller syncs it started are read by their names.
        for seller_id, name in self.due_executions(fanout):
            reports.append(self._follow(seller_id, name, timeout_s))
        return reports

    def start_window(self, seller_id: str, window: str, timeout_s: float = 900.0) -> SellerSyncReport:
        """What the fanout's map does for one due seller, for a window of the caller's choosing (the
        tick's own window is the clock's): invoke StartSellerSync, then follow the execution it started
        (or found) on either machine to its end, as `run_sync` does."""
        assert self.resources is not None
        from sellerflow.sync.fanout import execution_name

        invoked = self.session.client("lambda").invoke(
            FunctionName=self.resources.functions["StartSellerSyncFunction"].name,
            Payload=json.dumps({"seller_id": seller_id, "window": window}).encode(),
        )
        if invoked.get("FunctionError"):
            raise RuntimeError(f"StartSellerSync failed: {invoked['Payload'].read().decode()}")
        return self._follow(seller_id, execution_name(seller_id, window), timeout_s)

    def _follow(self, seller_id: str, name: str, timeout_s: float) -> SellerSyncReport:
        """A seller's sync of one window to its end: on the hourly Express machine first (moto keeps
        its executions, AWS would not), then on Standard (the start's choice, or an hourly run's
        hand-over, which Standard runs under the same name)."""
        assert self.resources is not None
        machines = self.resources.state_machines
        hourly_arn = machines.get("SellerSyncHourlyStateMachine")
        hourly = self._finished(hourly_arn, name, timeout_s) if hourly_arn else None
        standard = self._finished(machines["SellerSyncStateMachine"], name, timeout_s)
        described = standard if standard is not None else hourly
        if described is None:
            return SellerSyncReport(seller_id, "-", "NOT_STARTED", 0.0, 0, 0, 0, None)
        machine = "+".join(m for m, d in (("express", hourly), ("standard", standard)) if d is not None)
        started = (hourly or described)["startDate"]
        return self._report(seller_id, name, {**described, "startDate": started}, machine)

    def _finished(self, machine_arn: str, name: str, timeout_s: float) -> dict[str, Any] | None:
        """The execution `name` of a machine once it has ended; None when there is none."""
        sfn = self.session.client("stepfunctions")
        arn = machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
        try:
            sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            return None
        return self.wait_for(arn, timeout_s)

    def due_executions(self, fanout: dict[str, Any]) -> list[tuple[str, str]]:
        """(seller id, seller-sync execution name) of each seller a finished fanout found due."""
        return [(seller_id, name) for batch in self.due_batches(fanout) for seller_id, name in batch]

    def due_batches(self, fanout: dict[str, Any]) -> list[list[tuple[str, str]]]:
        """The batches (one map child each) of a finished fanout's due list, in order: (seller id,
        seller-sync execution name) of each of their sellers."""
        from sellerflow.sync.fanout import execution_name
        from sellerflow.sync.models import DueBatch

        due = json.loads(fanout["output"])["due"]
        listed = self.session.client("s3").get_object(Bucket=due["bucket"], Key=due["key"])
        batches = [DueBatch.model_validate(item) for item in json.loads(listed["Body"].read())]
        return [[(s, execution_name(s, due["window"])) for s in batch.sellers] for batch in batches]

    def _report(
        self, seller_id: str, name: str, described: dict[str, Any], machine: str = "standard"
    ) -> SellerSyncReport:
        from sellerflow import wiring

        stats = self._sim.stats(seller_id)
        stop = described.get("stopDate") or datetime.now(UTC)
        return SellerSyncReport(
            seller_id=seller_id,
            execution_name=name,
            status=described["status"],
            duration_s=(stop - described["startDate"]).total_seconds(),
            orders_stored=wiring.order_store().count(seller_id),
            spapi_calls=sum(stats.get("calls", {}).values()),
            throttled=sum(stats.get("throttled", {}).values()),
            error=described.get("error"),
            machine=machine,
        )

    @property
    def simulator(self) -> Any:
        return self._sim

    @staticmethod
    def _post_json(url: str, payload: dict[str, Any]) -> None:
        request = urllib.request.Request(  # noqa: S310 - loopback moto server
            url,
            data=json.dumps(payload).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()


def _sqs_record(message: MessageTypeDef, queue_arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's event source hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value.get("DataType", "String"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def _rate_seconds(expression: str) -> float:
    import re

    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not match:
        raise ValueError(f"the local scheduler only runs rate() schedules, not {expression!r}")
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    return amount * {"minute": 60, "hour": 3600, "day": 86400}[unit]


def moto_user_password(user_pool_id: str, username: str) -> str | None:
    """A user's password as the in-process moto server holds it (by name or email), for the local
    SRP verifier; None when the pool or the user does not exist."""
    from moto.cognitoidp.exceptions import ResourceNotFoundError, UserNotFoundError
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    try:
        user = cognitoidp_backends[DEFAULT_ACCOUNT_ID][REGION].admin_get_user(user_pool_id, username)
    except (ResourceNotFoundError, UserNotFoundError):
        return None
    password: str | None = user.password
    return password
