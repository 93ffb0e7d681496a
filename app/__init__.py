"""Kretsløp: a reuse marketplace. ``create_app`` is the application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, request, session

from app.config import ROOT, from_environment, production_problems


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: environment config, then ``config`` overrides (tests pass theirs)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    problems = production_problems(app.config)
    if problems:
        raise RuntimeError("KRETSLOP_ENV=production refuses to start:\n- "
                           + "\n- ".join(problems))
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:  # X-Forwarded-* is believed only for this many proxies in front of us
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO if not app.testing else logging.WARNING)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_request_hooks(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import pagecache, security, templating
    from app.db import db
    from app.extensions import babel, csrf, limiter, login_manager, migrate
    from app.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    from app import inputs

    inputs.init_app(app)  # after CSRF: NUL, lone surrogates, JSON depth, single-line fields
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(ROOT / "app" / "translations"))
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    pagecache.init_app(app)  # before the request hooks: it stores after the commit
    from app import fragments

    fragments.init_app(app)  # after the page cache: a page served whole needs no fragments
    import app.models  # noqa: F401 - every model and outbox handler registered


def register_blueprints(app: Flask) -> None:
    from app.accounts.profile import bp as profile_bp
    from app.accounts.settings import bp as settings_bp
    from app.accounts.signin import bp as security_bp
    from app.accounts.views import bp as accounts_bp
    from app.admin.views import bp as admin_bp
    from app.api import bp as api_bp
    from app.exchange.views import bp as exchange_bp
    from app.listings.media import bp as media_bp
    from app.listings.views import bp as listings_bp
    from app.main import bp as main_bp
    from app.matching.views import bp as matching_bp
    from app.moderation.views import bp as moderation_bp
    from app.pages.views import bp as pages_bp
    from app.payments.views import bp as payments_bp
    from app.payments.webhooks import bp as stripe_webhooks_bp
    from app.privacy.views import bp as privacy_bp
    from app.projects.views import bp as projects_bp
    from app.questions.views import bp as questions_bp
    from app.reporting.views import bp as reporting_bp
    from app.searching.views import bp as searching_bp
    from app.wanted.views import bp as wanted_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(exchange_bp)
    app.register_blueprint(listings_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(stripe_webhooks_bp)  # CSRF-exempt: Stripe signs its webhooks
    app.register_blueprint(reporting_bp)
    app.register_blueprint(searching_bp)
    app.register_blueprint(wanted_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(admin_bp)  # /admin: site admins only
    app.register_blueprint(questions_bp)  # questions before reserving
    app.register_blueprint(profile_bp)  # public organisation profiles
    app.register_blueprint(settings_bp)  # /account/...: name, language, e-mail, password
    app.register_blueprint(security_bp)  # /account/security: sessions, tokens, two-factor
    app.register_blueprint(privacy_bp)  # my data: download, delete; record of processing
    app.register_blueprint(pages_bp)  # about, contact, privacy notice, terms, accessibility
    app.register_blueprint(projects_bp)  # /prosjekter: building projects, TEK17 § 9-7
    # The API checks CSRF itself, and only for writes made with the browser session.
    from app.extensions import csrf

    csrf.exempt(api_bp)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


def register_request_hooks(app: Flask) -> None:
    """One commit per request: commit on success, roll back otherwise."""
    from flask_babel import get_locale
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import commit, db
    from app.errors import database_error_response, reset_database

    @app.after_request
    def _commit(response):
        if response.status_code >= 400:
            reset_database()  # never raises, also with the connection gone
            return response
        try:
            commit()
        except SQLAlchemyError as exc:  # a constraint (409), a refused value (422), a lost
            # connection (503), a deadlock (409): the error page or problem, never a 500
            return app.make_response(database_error_response(exc))
        return response

    @app.teardown_appcontext
    def _remove_session(exc):
        db.session.remove()

    @app.context_processor
    def _template_globals():
        from flask_wtf.csrf import generate_csrf

        from app.pagecache import is_public_page

        return {
            "current_locale": str(get_locale() or "nb"),
            "csrf_token": generate_csrf,
            "public_page": is_public_page,
            "languages": app.config["LANGUAGES"],
        }

    @app.before_request
    def _served_address():
        from app import jobs, links

        links.remember_served_address()
        jobs.start_retry_thread(app)

    @app.before_request
    def _remember_language():
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["lang"] = lang
