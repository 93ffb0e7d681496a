"""Configuration: defaults for the embedded setup, every setting overridable by environment.

The defaults run a complete marketplace with no servers: SQLite under ``instance/``,
the embedded search engine and in-process jobs. Production sets ``DATABASE_URL``
(PostgreSQL), ``REDIS_URL`` (workers), ``MEILI_URL`` and a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
MAP_TILE_URL_DEFAULT = (
    "https://cache.kartverket.no/v1/wmts/1.0.0/topo/default/webmercator/{z}/{y}/{x}.png")
MAP_ATTRIBUTION_DEFAULT = '© <a href="https://www.kartverket.no/">Kartverket</a>'


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _database_url(url: str) -> str:
    """Accept the usual ``postgres://`` spellings and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def from_environment() -> dict:
    """Build the configuration mapping from the process environment."""
    env = os.environ.get
    instance = Path(env("INSTANCE_PATH", str(INSTANCE)))
    production = env("KRETSLOP_ENV", "development") == "production"
    return {
        "KRETSLOP_ENV": env("KRETSLOP_ENV", "development"),
        "SECRET_KEY": env("SECRET_KEY") or DEFAULT_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": _database_url(
            env("DATABASE_URL", f"sqlite:///{instance / 'kretslop.sqlite3'}")
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "INSTANCE_DIR": str(instance),
        "MEDIA_ROOT": env("MEDIA_ROOT", str(instance / "media")),
        "MEDIA_URL": env("MEDIA_URL", "/media/"),
        "REDIS_URL": env("REDIS_URL") or None,
        # "inline" delivers outbox events in the request's process right after commit;
        # "redis" hands them to RQ workers. Default: redis when REDIS_URL is set.
        "JOBS_MODE": env("JOBS_MODE") or ("redis" if env("REDIS_URL") else "inline"),
        "JOBS_QUEUE": env("JOBS_QUEUE", "kretslop"),
        "JOBS_MAX_ATTEMPTS": _int("JOBS_MAX_ATTEMPTS", 12),
        "JOBS_BACKOFF_SECONDS": _float("JOBS_BACKOFF_SECONDS", 5.0),
        # Inline mode: a thread in the serving process delivers due retries every so many
        # seconds (0 turns it off; then `flask jobs run` does it). Off under tests unless
        # a test sets JOBS_RETRY_THREAD.
        "JOBS_RETRY_SECONDS": _float("JOBS_RETRY_SECONDS", 5.0),
        "JOBS_RETRY_THREAD": None,
        # Rendered public pages for anonymous visitors (app/pagecache.py); 0 turns it off.
        "PAGE_CACHE_SECONDS": _float("PAGE_CACHE_SECONDS", 60.0),
        "PAGE_CACHE_ENTRIES": _int("PAGE_CACHE_ENTRIES", 500),
        # Viewer-independent parts of pages, for everyone (app/fragments.py); 0: off.
        "FRAGMENT_CACHE_SECONDS": _float("FRAGMENT_CACHE_SECONDS", 60.0),
        "FRAGMENT_CACHE_ENTRIES": _int("FRAGMENT_CACHE_ENTRIES", 2000),
        # The search page's own caches (app/searching/fragments.py): the category tree
        # per content generation and language (at most CATEGORY_CACHE_SECONDS old),
        # result cards keyed by their content, filter panels and result maps by inputs.
        "SEARCH_FRAGMENT_CACHE": _bool(os.environ.get("SEARCH_FRAGMENT_CACHE"), True),
        "SEARCH_CARD_CACHE_ENTRIES": _int("SEARCH_CARD_CACHE_ENTRIES", 5000),
        "SEARCH_PANEL_CACHE_ENTRIES": _int("SEARCH_PANEL_CACHE_ENTRIES", 1000),
        "CATEGORY_CACHE_SECONDS": _float("CATEGORY_CACHE_SECONDS", 60.0),
        # GET /readyz (app/main.py) answers 503 when an outbox delivery has been due for
        # longer than this many minutes, or (only when set) when there are more dead
        # outbox rows than READYZ_MAX_DEAD_ROWS; dead rows are always reported.
        "READYZ_OUTBOX_MAX_AGE_MINUTES": _float("READYZ_OUTBOX_MAX_AGE_MINUTES", 15.0),
        "READYZ_MAX_DEAD_ROWS": (_int("READYZ_MAX_DEAD_ROWS", 0)
                                 if env("READYZ_MAX_DEAD_ROWS") not in (None, "") else None),
        "MEILI_URL": env("MEILI_URL") or None,
        "MEILI_MASTER_KEY": env("MEILI_MASTER_KEY") or None,
        "MEILI_INDEX": env("MEILI_INDEX", "listings"),
        "SEARCH_PATH": env("SEARCH_PATH", str(instance / "search")),
        "STRIPE_SECRET_KEY": env("STRIPE_SECRET_KEY") or None,
        "STRIPE_PUBLISHABLE_KEY": env("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_CONNECT_WEBHOOK_SECRET": env("STRIPE_CONNECT_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": env("STRIPE_API_BASE") or None,
        "STRIPE_JS_URL": env("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        "PLATFORM_FEE_PERCENT": _float("PLATFORM_FEE_PERCENT", 0.0),
        "PLATFORM_OPERATOR_ORGNR": env("PLATFORM_OPERATOR_ORGNR") or None,
        "MAIL_SERVER": env("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "Kretsløp <noreply@kretslop.local>"),
        "MAIL_DIR": env("MAIL_DIR", str(instance / "mail")),
        # The address in e-mailed links. Unset: the address the request was served on
        # (development only: production refuses to start without it, see app/__init__.py).
        "BASE_URL": env("BASE_URL") or None,
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024),
        "IMAGE_MAX_BYTES": _int("IMAGE_MAX_BYTES", 15 * 1024 * 1024),
        # Checked from the image header before any pixel is decoded (a 7000 x 7000 PNG of
        # one colour is 143 KB on disk and 49 MP).
        "IMAGE_MAX_PIXELS": _int("IMAGE_MAX_PIXELS", 40_000_000),
        "IMPORT_MAX_ROWS": _int("IMPORT_MAX_ROWS", 10_000),
        # Spreadsheet bounds, checked before a row is read (app/listings/importer.py):
        # columns, the uncompressed size of an XLSX's sheet and shared strings (other
        # parts: a quarter of it), and imports above IMPORT_INLINE_ROWS rows run as a job.
        "IMPORT_MAX_COLUMNS": _int("IMPORT_MAX_COLUMNS", 100),
        "IMPORT_MAX_XML_BYTES": _int("IMPORT_MAX_XML_BYTES", 32 * 1024 * 1024),
        "IMPORT_INLINE_ROWS": _int("IMPORT_INLINE_ROWS", 200),
        "IMPORT_DIR": env("IMPORT_DIR", str(instance / "imports")),
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PASSWORD_HASH_METHOD": env("PASSWORD_HASH_METHOD", "scrypt"),
        # Failed logins per e-mail address (from any client address) and per client
        # address (across every e-mail tried); registrations and reset requests per client
        # address, reset requests also per e-mail. Flask-Limiter syntax ("10 per 5 minutes").
        "LOGIN_RATE_LIMIT": env("LOGIN_RATE_LIMIT", "10 per 5 minutes"),
        "LOGIN_ADDRESS_RATE_LIMIT": env("LOGIN_ADDRESS_RATE_LIMIT", "20 per 5 minutes"),
        "REGISTER_RATE_LIMIT": env("REGISTER_RATE_LIMIT", "5 per hour"),
        "PASSWORD_RESET_RATE_LIMIT": env("PASSWORD_RESET_RATE_LIMIT", "5 per 15 minutes"),
        "PASSWORD_RESET_EMAIL_RATE_LIMIT": env("PASSWORD_RESET_EMAIL_RATE_LIMIT",
                                               "3 per hour"),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI")
        or (env("REDIS_URL") or "memory://"),
        # Short timeouts, so an unreachable Redis costs a second, not a hung login.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}
        if (env("RATELIMIT_STORAGE_URI") or env("REDIS_URL") or "").startswith("redis")
        else {},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_ENABLED": _bool(env("RATELIMIT_ENABLED"), True),
        # How many reverse proxies in front of us append to X-Forwarded-For (and set
        # X-Forwarded-Proto/Host/Port). 0: the headers are ignored, the socket's peer is
        # the client.
        "TRUSTED_PROXY_HOPS": _int("TRUSTED_PROXY_HOPS", 0),
        "PASSWORD_RESET_MAX_AGE": _int("PASSWORD_RESET_MAX_AGE", 3600),
        "REGISTRATION_CONFIRM_MAX_AGE": _int("REGISTRATION_CONFIRM_MAX_AGE", 48 * 3600),
        "INVITATION_DAYS": _int("INVITATION_DAYS", 14),
        # A link to confirm a new e-mail address (Min konto > E-post) lasts this long.
        "EMAIL_CHANGE_MAX_AGE": _int("EMAIL_CHANGE_MAX_AGE", 24 * 3600),
        # Who runs the service: shown on Om tjenesten, Kontakt, the privacy notice, the
        # terms and the accessibility statement; feedback from those pages goes to
        # OPERATOR_EMAIL (at most FEEDBACK_RATE_LIMIT per client address).
        "OPERATOR_NAME": env("OPERATOR_NAME", "Asker kommune (demo)"),
        "OPERATOR_EMAIL": env("OPERATOR_EMAIL", "kretslop@asker.kommune.invalid"),
        "OPERATOR_ORGNR": env("OPERATOR_ORGNR", "999999999"),
        "FEEDBACK_RATE_LIMIT": env("FEEDBACK_RATE_LIMIT", "5 per hour"),
        # Personal data (app/privacy): how long a "Last ned mine data" ZIP can be fetched,
        # where it is kept (unset: INSTANCE_DIR/exports, never under MEDIA_ROOT, which a
        # web server may serve), how many a person may ask for per day; the nightly
        # `flask privacy retention` anonymises messages and inactive accounts this old.
        "DATA_EXPORT_TTL_HOURS": _int("DATA_EXPORT_TTL_HOURS", 72),
        "DATA_EXPORT_DIR": env("DATA_EXPORT_DIR") or None,
        "DATA_EXPORTS_PER_DAY": _int("DATA_EXPORTS_PER_DAY", 3),
        "RETENTION_MESSAGE_DAYS": _int("RETENTION_MESSAGE_DAYS", 730),
        "RETENTION_MESSAGE_BODIES": _bool(env("RETENTION_MESSAGE_BODIES"), True),
        "RETENTION_INACTIVE_ACCOUNT_DAYS": _int("RETENTION_INACTIVE_ACCOUNT_DAYS", 1095),
        # Delivered outbox rows (mails keep the address and the text) are removed after this.
        "RETENTION_OUTBOX_DAYS": _int("RETENTION_OUTBOX_DAYS", 30),
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "LANGUAGES": ["nb", "en"],
        "WTF_CSRF_TIME_LIMIT": None,
        "DEFAULT_MUNICIPALITY_NUMBER": env("DEFAULT_MUNICIPALITY_NUMBER", "3203"),
        # Enhetsregisteret (app/accounts/registry.py); an empty value turns the registry
        # off: organisations stay unverified and nothing is looked up.
        "BRREG_API_URL": env("BRREG_API_URL", "https://data.brreg.no/enhetsregisteret/api"),
        "BRREG_TIMEOUT_SECONDS": _float("BRREG_TIMEOUT_SECONDS", 3.0),
        # Map tiles (app/maps.py): Kartverket's open WMTS cache, layer topo, web mercator
        # ({z}/{y}/{x} = TileMatrix/TileRow/TileCol). Tiles load in the visitor's browser;
        # the server never calls it. An empty value turns the maps off.
        "MAP_TILE_URL": env("MAP_TILE_URL", MAP_TILE_URL_DEFAULT),
        "MAP_ATTRIBUTION": env("MAP_ATTRIBUTION", MAP_ATTRIBUTION_DEFAULT),
    }


DEFAULT_SECRET_KEY = "dev-only-not-secret-change-me"  # noqa: S105 - the refused default
MIN_SECRET_KEY_LENGTH = 32
MAKE_KEY = "python -c 'import secrets; print(secrets.token_hex(32))'"


def production_problems(config: dict) -> list[str]:
    """What keeps a ``KRETSLOP_ENV=production`` configuration from starting (empty: none)."""
    if config.get("KRETSLOP_ENV") != "production":
        return []
    problems = []
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY is the development default or shorter than {MIN_SECRET_KEY_LENGTH} "
            f"characters. Make one with\n    export SECRET_KEY=$({MAKE_KEY})\nand keep it the "
            "same for every process and every restart (it signs sessions and reset links)."
        )
    if not config.get("BASE_URL"):
        problems.append(
            "BASE_URL is not set. E-mailed links (invitations, password resets, "
            "reservations) must not follow the Host header a client sends; set the public "
            "address, e.g. export BASE_URL=https://ombruk.example.no"
        )
    return problems
