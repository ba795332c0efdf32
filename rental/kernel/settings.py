"""Settings from the environment, read once. Nothing here touches the database."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rental.kernel.clock import Clock, StartedClock

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The languages of the interface, each named in its own (the switch shows these names), each
# with a complete catalog in rental/locale; the first is the default. A language more is one
# line here and its catalog (`pybabel init -l <code>`, then `make messages`).
LANGUAGE_NAMES = {"ka": "ქართული", "en": "English", "ru": "Русский"}
LANGUAGES = tuple(LANGUAGE_NAMES)


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Database:
    engine: str  # "sqlite" or "postgres"
    path: Path | None = None  # sqlite
    dsn: str | None = None  # postgres

    def describe(self) -> str:
        if self.engine == "sqlite":
            return f"SQLite {self.path}"
        parts = urlsplit(self.dsn or "")
        return f"PostgreSQL {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


def parse_database_url(url: str | None, var_dir: Path) -> Database:
    """`None`/empty means the embedded SQLite file; otherwise sqlite:///path or postgres://..."""
    if not url:
        return Database("sqlite", path=var_dir / "rental.sqlite")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise ConfigError(f"DATABASE_URL {_redact(url)!r}: {exc}") from None
    if parts.scheme == "sqlite":
        raw = unquote(parts.path)
        if parts.netloc or not raw or raw == "/":
            raise ConfigError(
                f"DATABASE_URL {_redact(url)!r}: write sqlite:///relative/path.sqlite or "
                "sqlite:////absolute/path.sqlite"
            )
        path = Path(raw[1:]) if raw.startswith("/") else Path(raw)
        return Database("sqlite", path=path if path.is_absolute() else PROJECT_ROOT / path)
    if parts.scheme in ("postgres", "postgresql"):
        if not parts.hostname and not parts.path.strip("/"):
            raise ConfigError(
                f"DATABASE_URL {_redact(url)!r}: name a host and a database, e.g. "
                "postgres://user:password@127.0.0.1:5432/toollib"
            )
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise ConfigError(f"DATABASE_URL {_redact(url)!r}: {exc}") from None
        return Database("postgres", dsn="postgresql://" + url.split("://", 1)[1])
    raise ConfigError(
        f"DATABASE_URL {_redact(url)!r}: only sqlite:/// and postgres:// are supported "
        "(leave it unset for the embedded SQLite database under var/)"
    )


def _redact(url: str) -> str:
    """The URL with any password replaced, even when the URL is too broken to parse."""
    scheme, sep, rest = url.partition("://")
    if not sep and "@" in url:  # user:password@host without a scheme
        return "***@" + url.rpartition("@")[2]
    if not sep or "@" not in rest:
        return url
    credentials, _at, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


@dataclass(frozen=True)
class EmailConfig:
    """The SMTP server members' e-mails leave through (EMAIL_URL, EMAIL_FROM)."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    implicit_tls: bool  # smtps://: TLS from the first byte; smtp://: STARTTLS when offered
    sender: str  # the From header: an address, or "Name <address>"
    timeout: float = 10.0  # seconds for each step of the conversation


@dataclass(frozen=True)
class SmsConfig:
    """The SMS gateway's HTTP endpoint (SMS_URL, SMS_TOKEN, SMS_SENDER; rental.channels)."""

    url: str
    token: str = field(repr=False)
    sender: str | None  # the name the phone shows; None: the gateway's default
    timeout: float = 5.0  # seconds; then the message is tried again later


def parse_email_url(url: str | None, sender: str | None) -> EmailConfig | None:
    """EMAIL_URL (smtp://user:password@host:587, or smtps://...:465) and EMAIL_FROM; None
    when EMAIL_URL is unset or empty: members are told on their page only."""
    if not url:
        return None
    hint = ("write smtp://user:password@host:587 (STARTTLS when the server offers it) or "
            "smtps://user:password@host:465 (TLS); percent-encode @ : / in the password")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"EMAIL_URL {_redact(url)!r}: {exc}; {hint}") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(f"EMAIL_URL {_redact(url)!r}: {hint}")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise ConfigError(f"EMAIL_URL {_redact(url)!r}: nothing may follow host:port; {hint}")
    if not sender:
        raise ConfigError("EMAIL_FROM must be set with EMAIL_URL: the address members' "
                          "e-mails come from, e.g. EMAIL_FROM='Tool library <tools@example.ge>'")
    _name, address = parseaddr(sender)
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", address):
        raise ConfigError(f"EMAIL_FROM={sender!r}: write an address, e.g. tools@example.ge or "
                          "'Tool library <tools@example.ge>'")
    implicit_tls = parts.scheme == "smtps"
    return EmailConfig(
        host=parts.hostname, port=port or (465 if implicit_tls else 587),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=implicit_tls, sender=sender)


SMS_SENDER_FORMAT = re.compile(r"[A-Za-z0-9 .\-]{1,11}|\+?[0-9]{3,15}")


def parse_sms(url: str | None, token: str | None, sender: str | None) -> SmsConfig | None:
    """SMS_URL (the gateway's https:// endpoint), SMS_TOKEN (sent as a bearer token) and
    SMS_SENDER (an alphanumeric name of up to 11 characters, or a number); None when SMS_URL is
    unset or empty: no SMS is sent."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ConfigError(f"SMS_URL {_redact(url)!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"SMS_URL {_redact(url)!r}: write the gateway's address, e.g. "
                          "https://sms.example.ge/v1/messages")
    if parts.username or parts.password:
        raise ConfigError(f"SMS_URL {_redact(url)!r}: put no credentials in the URL; "
                          "the gateway's token goes in SMS_TOKEN")
    if not token:
        raise ConfigError("SMS_TOKEN must be set with SMS_URL: the gateway's API token")
    if sender and not SMS_SENDER_FORMAT.fullmatch(sender):
        raise ConfigError(f"SMS_SENDER={sender!r}: up to 11 Latin letters, digits, spaces, "
                          "dots or dashes (a name), or a phone number")
    return SmsConfig(url=url, token=token, sender=sender or None)


def parse_public_url(url: str | None) -> str:
    """PUBLIC_URL: where members reach the site, for the links in e-mail and SMS."""
    if not url:
        return "http://localhost:8000"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ConfigError(f"PUBLIC_URL={url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username:
        raise ConfigError(f"PUBLIC_URL={url!r}: write the address members open, e.g. "
                          "https://tools.example.ge")
    return url.rstrip("/")


@dataclass(frozen=True)
class Settings:
    database: Database
    var_dir: Path
    secret_key: str
    debug: bool
    secure_cookies: bool
    default_timezone: str
    session_days: int
    login_max_failures: int
    login_window_minutes: int
    expire_interval_seconds: int
    clock: Clock = field(default_factory=Clock)
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks of reverse proxies
    notify_interval_seconds: int = 3600  # the members' reminders sweep; 0: not in the server
    email: EmailConfig | None = None  # None: no e-mail is sent
    sms: SmsConfig | None = None  # None: no SMS is sent
    public_url: str = "http://localhost:8000"  # the site's address, in links in messages
    notify_max_attempts: int = 5  # tries of an e-mail or SMS before it shows as failed
    log_format: str = "text"  # LOG_FORMAT: "text" for a person, "json" for a log collector
    log_level: str = "INFO"  # LOG_LEVEL
    # METRICS_ALLOW: the clients /metrics answers (others get a 404)
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    backup_dir: Path | None = None  # BACKUP_DIR; None: var_dir / "backups"
    backup_interval_hours: int = 24  # the server's own backups; 0: none (a timer runs them)
    backup_keep_daily: int = 7  # the newest backup of each of the last N days with backups
    backup_keep_weekly: int = 4  # ... and of each of the last M weeks
    pg_dump: Path | None = None  # PG_DUMP: pg_dump to use (pg_restore beside it); None: found
    # API_TOKEN_RATE_PER_MINUTE: requests an API token may make a minute (then 429); 0: no limit
    api_token_rate_per_minute: int = 120

    @property
    def media_dir(self) -> Path:
        return self.var_dir / "media"

    @property
    def backups(self) -> Path:
        return self.backup_dir or self.var_dir / "backups"



def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r}: use 1/0, true/false, yes/no or on/off")


def _int(name: str, default: int, minimum: int = 1) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: expected a whole number") from None
    if number < minimum:
        raise ConfigError(f"{name}={value!r}: must be at least {minimum}")
    return number


def _secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment; on a single PC, one generated once and kept under var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        return key
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: a crash never
        # leaves a half-written key, and of two processes starting at once both read the winner's.
        draft = var_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key: delete it and a new one is made")
    return key


def _clock() -> Clock:
    """The system clock; CLOCK_START (tests and demos only) starts it at another instant."""
    value = os.environ.get("CLOCK_START")
    if not value:
        return Clock()
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise ConfigError(f"CLOCK_START={value!r}: write an instant with its offset, "
                          "e.g. 2026-11-23T12:00:00+04:00")
    return StartedClock(start)


def _pg_dump() -> Path | None:
    """PG_DUMP: the pg_dump to back up PostgreSQL with (pg_restore is taken from beside it)."""
    value = os.environ.get("PG_DUMP")
    if not value:
        return None
    path = Path(value)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ConfigError(f"PG_DUMP={value!r}: no program there; name the pg_dump of the "
                          "server's version, e.g. /usr/lib/postgresql/15/bin/pg_dump")
    return path


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _choice(name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
    value = (os.environ.get(name) or default).strip()
    value = value.upper() if upper else value.lower()
    if value not in choices:
        raise ConfigError(f"{name}={os.environ.get(name)!r}: choose one of {', '.join(choices)}")
    return value


def _networks(name: str, default: str) -> tuple[str, ...]:
    """Addresses or networks separated by commas (127.0.0.1, ::1, 10.0.0.0/8)."""
    names = tuple(part.strip() for part in (os.environ.get(name) or default).split(",")
                  if part.strip())
    for part in names:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ConfigError(f"{name}: {part!r} is not an address or a network, "
                              "e.g. 127.0.0.1 or 10.0.0.0/8") from None
    return names


def var_dir_from_env() -> Path:
    return Path(os.environ.get("VAR_DIR") or PROJECT_ROOT / "var")


def database_from_env() -> Database:
    return parse_database_url(os.environ.get("DATABASE_URL"), var_dir_from_env())


def load_settings() -> Settings:
    var_dir = var_dir_from_env()
    timezone = os.environ.get("DEFAULT_TIMEZONE") or "Asia/Tbilisi"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"DEFAULT_TIMEZONE={timezone!r} is not a known time zone") from None
    return Settings(
        database=database_from_env(),
        var_dir=var_dir,
        secret_key=_secret_key(var_dir),
        debug=_bool("DEBUG", False),
        secure_cookies=_bool("SECURE_COOKIES", False),
        default_timezone=timezone,
        session_days=_int("SESSION_DAYS", 14),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
        login_window_minutes=_int("LOGIN_WINDOW_MINUTES", 15),
        expire_interval_seconds=_int("EXPIRE_INTERVAL_SECONDS", 300, minimum=0),
        clock=_clock(),
        # the reverse proxies whose X-Forwarded-For names the client; none by default: a client
        # cannot pretend to be someone else by sending the header itself
        trusted_proxies=_networks("TRUSTED_PROXIES", ""),
        notify_interval_seconds=_int("NOTIFY_INTERVAL_SECONDS", 3600, minimum=0),
        email=parse_email_url(os.environ.get("EMAIL_URL"), os.environ.get("EMAIL_FROM")),
        sms=parse_sms(os.environ.get("SMS_URL"), os.environ.get("SMS_TOKEN"),
                      os.environ.get("SMS_SENDER")),
        public_url=parse_public_url(os.environ.get("PUBLIC_URL")),
        notify_max_attempts=_int("NOTIFY_MAX_ATTEMPTS", 5),
        log_format=_choice("LOG_FORMAT", "text", LOG_FORMATS),
        log_level=_choice("LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
        metrics_allow=_networks("METRICS_ALLOW", "127.0.0.1, ::1"),
        backup_dir=Path(os.environ["BACKUP_DIR"]) if os.environ.get("BACKUP_DIR") else None,
        backup_interval_hours=_int("BACKUP_INTERVAL_HOURS", 24, minimum=0),
        backup_keep_daily=_int("BACKUP_KEEP_DAILY", 7),
        backup_keep_weekly=_int("BACKUP_KEEP_WEEKLY", 4, minimum=0),
        pg_dump=_pg_dump(),
        api_token_rate_per_minute=_int("API_TOKEN_RATE_PER_MINUTE", 120, minimum=0),
    )


_current: Settings | None = None


def current_settings() -> Settings:
    """The settings this process runs with: those the app or the command started with
    (`use_settings`), else the environment's, read once. For the services that need a setting
    deep in a call (rental.notifications asks which channels exist); the rest take theirs as
    arguments."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current


def use_settings(settings: Settings | None) -> None:
    """Run with these settings from now on (None: read the environment again when asked)."""
    global _current
    _current = settings
