"""The wiring: the long-lived objects one bff process shares (storage, the cloud client, the SMS
sender, the services), built once and handed to the channels (`get_services()`).

They are built on first use (`get_services()`), not when the app is created, so that commands
which need none of them (`flask bff sandbox`) start nothing.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, current_app

from bff.accounts import AccountService, ApiTokens
from bff.accounts.sessions import WebSessions
from bff.accounts.number_change import NumberChanges
from bff.audit import AuditLog
from bff.claims.service import ClaimsService
from bff.db.store import Store
from bff.devices import DeviceService
from bff.imports import ImportService
from bff.operators import OperatorService
from bff.ownership import OwnershipService
from bff.ownership.lifecycle import LifecycleService
from bff.ownership.modes import OwnershipModes
from bff.particle import sandbox_link
from bff.particle.client import ParticleCloud
from bff.sealing import Sealer
from bff.twilio.sender import SmsSender
from bff.webhooks import WebhookOutbox
from bff.webhooks.service import WebhookDelivery
from bff.wifi_setup.service import SetupService

_build_lock = threading.Lock()


@dataclass
class Services:
    """What the blueprints, the worker and the CLI work with."""

    store: Store
    particle: ParticleCloud
    sandbox_url: str | None  # the sandbox cloud's base URL in sandbox mode, else None
    sms: SmsSender  # outbound SMS (Twilio, or the outbox without credentials)
    accounts: AccountService  # users, phone sign-in, operators, rate limits
    api_tokens: ApiTokens  # the JSON API's bearer tokens
    sessions: WebSessions  # browser sessions kept on the server (sign out, sign out everywhere)
    devices: DeviceService  # known devices: find, view, name, rename
    claims: ClaimsService  # the one claims state machine for every channel
    setup: SetupService  # Wi-Fi setup: claim codes, watching devices arrive, API tokens
    audit: AuditLog  # every operator action
    events: WebhookOutbox  # events for the product creator's systems (written with each change)
    webhooks: WebhookDelivery  # the worker sends those events, signed; operators list and resend them
    operators: OperatorService  # operators' two-step sign-in, managing operators
    imports: ImportService  # device ID batches into a product (/ops/import, import-devices), label rows
    ownership: OwnershipService  # release, give, re-read, reprint; the device doctor and people pages
    number_changes: NumberChanges  # a person's move to a new phone number
    lifecycle: LifecycleService | None = None  # remove, give, ask, share, YES/NO; moves (built in _build)
    sealer: Sealer | None = None  # BFF_TOKEN_KEY: tokens and codes sealed at rest (bff/sealing.py)
    modes: OwnershipModes | None = None  # each product's ownership mode: the record, the check, set-mode


def get_services(app: Flask | None = None) -> Services:
    """The services of `app` (default: the current app), built on first use."""
    app = app or current_app._get_current_object()
    with _build_lock:
        if "bff" not in app.extensions:
            app.extensions["bff"] = _build(app)
    return app.extensions["bff"]


def _build(app: Flask) -> Services:
    """Open the database, link to the cloud (starting the sandbox if needed), build the services."""
    config = app.config
    store = Store(config["DATABASE"])
    store.migrate()
    sandbox_url = None
    if config["SANDBOX_MODE"]:
        link = sandbox_link.connect(config["PARTICLE_API_URL"], config["SANDBOX_STATE_FILE"],
                                    mode=config["OWNERSHIP_MODE"])
        config["PARTICLE_API_URL"] = sandbox_url = link.base_url
        config["PARTICLE_PRODUCTS"] = link.products
    sealer = Sealer(config["TOKEN_KEY"])
    particle = ParticleCloud(config["PARTICLE_API_URL"], config["PARTICLE_PRODUCTS"], store, sealer=sealer,
                             customer_key=config["LABEL_KEY"])
    sms = SmsSender(store, account_sid=config["TWILIO_ACCOUNT_SID"],
                    auth_token=config["TWILIO_AUTH_TOKEN"], from_number=config["TWILIO_FROM"],
                    status_callback=f"{config['PUBLIC_URL']}/sms/status", sealer=sealer,
                    readable_outbox=config["SANDBOX_MODE"])
    accounts = AccountService(store, sms, secret=config["SECRET_KEY"], customer_key=config["LABEL_KEY"])
    devices = DeviceService(store, particle, label_key=config["LABEL_KEY"])
    audit = AuditLog(store)
    events = WebhookOutbox(store, config["WEBHOOK_URLS"])
    claims = ClaimsService(store, particle, sms, label_key=config["LABEL_KEY"], devices=devices,
                           rate_limit=accounts.hit_rate_limit, audit=audit, events=events,
                           guesses=accounts.guesses)
    setup = SetupService(store, particle, claims, sms, devices=devices, rate_limit=accounts.hit_rate_limit,
                         events=events, sealer=sealer)
    webhooks = WebhookDelivery(store, urls=config["WEBHOOK_URLS"], secret=config["WEBHOOK_SECRET"], audit=audit)
    modes = OwnershipModes(store, particle, claims, audit)
    if config["SANDBOX_MODE"]:
        modes.settle()  # BFF_OWNERSHIP_MODE changed: the demo products' data follows, owners kept
    else:
        modes.check_and_log()  # a product whose data is in another mode: an error naming the command
    return Services(store=store, particle=particle, sandbox_url=sandbox_url, sms=sms,
                    accounts=accounts, api_tokens=ApiTokens(store), sessions=WebSessions(store), devices=devices, claims=claims,
                    setup=setup, audit=audit, events=events, webhooks=webhooks, operators=OperatorService(store, accounts, audit),
                    ownership=OwnershipService(store, particle, claims, devices, sms, audit, accounts),
                    imports=ImportService(store, particle, devices, audit),
                    number_changes=NumberChanges(store, accounts, sms, audit, events),
                    lifecycle=LifecycleService(store, particle, claims, devices, accounts, sms, events, audit,
                                               public_url=config["PUBLIC_URL"],
                                               rate_limit=accounts.hit_rate_limit),
                    sealer=sealer, modes=modes)
