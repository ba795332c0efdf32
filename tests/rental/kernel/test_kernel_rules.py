"""The kernel's pure rules as tables of cases: settings from the environment, i18n, the web
helpers (safe redirects, fragments, flash cookies) and phone numbers. No database."""

from __future__ import annotations

import base64
import json
import stat
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import SimpleNamespace

import pytest
from litestar.datastructures import Headers

from rental.kernel import i18n, web
from rental.kernel.phones import InvalidPhone, display_phone, normalise_phone
from rental.kernel.settings import (
    PROJECT_ROOT,
    ConfigError,
    Database,
    EmailConfig,
    Settings,
    SmsConfig,
    load_settings,
    parse_database_url,
    parse_email_url,
    parse_public_url,
    parse_sms,
)

pytestmark = pytest.mark.no_database  # pure rules: plain values in and out

VAR = Path("/srv/toollib/var")
PASSWORD = "s3cr3t-Pa55"  # a password in the URLs below; no error message may show it


@contextmanager
def in_locale(locale: str):
    token = i18n.current_locale.set(locale)
    try:
        yield
    finally:
        i18n.current_locale.reset(token)


def make_settings(secret_key: str = "k" * 40, secure_cookies: bool = False) -> Settings:
    return Settings(
        database=Database("sqlite", path=VAR / "rental.sqlite"),
        var_dir=VAR,
        secret_key=secret_key,
        debug=False,
        secure_cookies=secure_cookies,
        default_timezone="Asia/Tbilisi",
        session_days=14,
        login_max_failures=5,
        login_window_minutes=15,
        expire_interval_seconds=300,
    )


# --- rental.settings: parse_database_url ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(None, Database("sqlite", path=VAR / "rental.sqlite"), id="none"),
        pytest.param("", Database("sqlite", path=VAR / "rental.sqlite"), id="empty"),
        pytest.param(
            "sqlite:///var/dev.sqlite",
            Database("sqlite", path=PROJECT_ROOT / "var" / "dev.sqlite"),
            id="sqlite-relative-to-project",
        ),
        pytest.param(
            "sqlite:////srv/x/rental.sqlite",
            Database("sqlite", path=Path("/srv/x/rental.sqlite")),
            id="sqlite-absolute",
        ),
        pytest.param(
            "sqlite:////srv/with%20space.sqlite",
            Database("sqlite", path=Path("/srv/with space.sqlite")),
            id="sqlite-percent-decoded",
        ),
        pytest.param(
            f"postgres://toollib:{PASSWORD}@127.0.0.1:5432/toollib",
            Database("postgres", dsn=f"postgresql://toollib:{PASSWORD}@127.0.0.1:5432/toollib"),
            id="postgres-scheme-rewritten",
        ),
        pytest.param(
            "postgresql://u:p@db.example:6543/toollib?sslmode=require",
            Database("postgres", dsn="postgresql://u:p@db.example:6543/toollib?sslmode=require"),
            id="postgresql-kept-with-query",
        ),
        pytest.param(
            "postgres:///toollib",
            Database("postgres", dsn="postgresql:///toollib"),
            id="postgres-socket-db-only",
        ),
        pytest.param(
            "postgres://db.example",
            Database("postgres", dsn="postgresql://db.example"),
            id="postgres-host-only",
        ),
    ],
)
def test_parse_database_url(url, expected):
    assert parse_database_url(url, VAR) == expected


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"mysql://root:{PASSWORD}@localhost/toollib", id="mysql"),
        pytest.param("file:///srv/rental.sqlite", id="file-scheme"),
        pytest.param("sqlite://host/x.sqlite", id="sqlite-with-host"),
        pytest.param("sqlite:///", id="sqlite-no-path"),
        pytest.param("sqlite://", id="sqlite-nothing"),
        pytest.param("postgres://", id="postgres-nothing"),
        pytest.param(f"postgres://toollib:{PASSWORD}@/", id="postgres-no-host-no-db"),
        pytest.param(f"postgres://toollib:{PASSWORD}@db:abc/toollib", id="port-not-a-number"),
        pytest.param(f"postgres://toollib:{PASSWORD}@db:99999/toollib", id="port-out-of-range"),
        pytest.param(f"postgres://:{PASSWORD}@db:x/toollib", id="password-without-user"),
        pytest.param(f"postgres://u:pa:{PASSWORD}@db:x/toollib", id="password-with-colon"),
        pytest.param(f"postgres://u:p@{PASSWORD}@db:x/toollib", id="password-with-at"),
    ],
)
def test_parse_database_url_rejects_without_showing_the_password(url):
    with pytest.raises(ConfigError) as info:
        parse_database_url(url, VAR)
    message = str(info.value)
    assert "DATABASE_URL" in message
    assert PASSWORD not in message


def test_bad_sqlite_url_does_not_show_its_password():
    with pytest.raises(ConfigError) as info:
        parse_database_url(f"sqlite://toollib:{PASSWORD}@db/rental.sqlite", VAR)
    assert PASSWORD not in str(info.value)


def test_malformed_ipv6_host_is_a_config_error():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        parse_database_url(f"postgres://toollib:{PASSWORD}@[::1/toollib", VAR)


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        pytest.param(
            Database("sqlite", path=Path("/srv/rental.sqlite")),
            "SQLite /srv/rental.sqlite",
            id="sqlite",
        ),
        pytest.param(
            Database("postgres", dsn=f"postgresql://u:{PASSWORD}@db.example:6543/toollib"),
            "PostgreSQL db.example:6543/toollib",
            id="postgres-full",
        ),
        pytest.param(
            Database("postgres", dsn="postgresql:///toollib"),
            "PostgreSQL localhost:5432/toollib",
            id="postgres-defaults",
        ),
        pytest.param(
            Database("postgres", dsn="postgresql://db.example/toollib?sslmode=require"),
            "PostgreSQL db.example:5432/toollib",
            id="postgres-query-dropped",
        ),
    ],
)
def test_database_describe(database, expected):
    described = database.describe()
    assert described == expected
    assert PASSWORD not in described


# --- rental.settings: load_settings --------------------------------------------------------

SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "SECURE_COOKIES",
    "DEFAULT_TIMEZONE",
    "SESSION_DAYS",
    "LOGIN_MAX_FAILURES",
    "LOGIN_WINDOW_MINUTES",
    "CLOCK_START",
    "NOTIFY_INTERVAL_SECONDS",
    "EMAIL_URL",
    "EMAIL_FROM",
    "SMS_URL",
    "SMS_TOKEN",
    "SMS_SENDER",
    "PUBLIC_URL",
    "NOTIFY_MAX_ATTEMPTS",
)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean settings environment with VAR_DIR under tmp_path; monkeypatch restores it."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    return monkeypatch


def test_load_settings_defaults(env, tmp_path):
    settings = load_settings()
    assert settings.var_dir == tmp_path / "var"
    assert settings.database == Database("sqlite", path=tmp_path / "var" / "rental.sqlite")
    assert settings.debug is False
    assert settings.secure_cookies is False
    assert settings.default_timezone == "Asia/Tbilisi"
    assert (settings.session_days, settings.login_max_failures) == (14, 5)
    assert settings.login_window_minutes == 15
    assert settings.media_dir == tmp_path / "var" / "media"


@pytest.mark.parametrize(
    ("name", "value", "field", "expected"),
    [
        pytest.param("DEBUG", "1", "debug", True, id="debug-1"),
        pytest.param("DEBUG", "TRUE", "debug", True, id="debug-TRUE"),
        pytest.param("DEBUG", "yes", "debug", True, id="debug-yes"),
        pytest.param("DEBUG", "on", "debug", True, id="debug-on"),
        pytest.param("DEBUG", "0", "debug", False, id="debug-0"),
        pytest.param("DEBUG", "Off", "debug", False, id="debug-Off"),
        pytest.param("DEBUG", "", "debug", False, id="debug-empty-is-default"),
        pytest.param("SECURE_COOKIES", "true", "secure_cookies", True, id="secure-cookies"),
        pytest.param("SESSION_DAYS", "30", "session_days", 30, id="session-days"),
        pytest.param("SESSION_DAYS", "1", "session_days", 1, id="session-days-minimum"),
        pytest.param("SESSION_DAYS", "", "session_days", 14, id="session-days-empty"),
        pytest.param("LOGIN_MAX_FAILURES", "3", "login_max_failures", 3, id="max-failures"),
        pytest.param("DEFAULT_TIMEZONE", "UTC", "default_timezone", "UTC", id="timezone-utc"),
        pytest.param(
            "DEFAULT_TIMEZONE", "Europe/Berlin", "default_timezone", "Europe/Berlin", id="tz"
        ),
        pytest.param("SECRET_KEY", "x" * 32, "secret_key", "x" * 32, id="secret-key-32"),
        pytest.param("NOTIFY_INTERVAL_SECONDS", "", "notify_interval_seconds", 3600,
                     id="notify-interval-default"),
        pytest.param("NOTIFY_INTERVAL_SECONDS", "600", "notify_interval_seconds", 600,
                     id="notify-interval"),
        pytest.param("NOTIFY_INTERVAL_SECONDS", "0", "notify_interval_seconds", 0,
                     id="notify-interval-off"),
    ],
)
def test_load_settings_reads_the_environment(env, name, value, field, expected):
    env.setenv(name, value)
    assert getattr(load_settings(), field) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("DEBUG", "maybe", id="debug-word"),
        pytest.param("DEBUG", "2", id="debug-2"),
        pytest.param("SECURE_COOKIES", "y", id="secure-cookies-y"),
        pytest.param("SESSION_DAYS", "two weeks", id="session-days-words"),
        pytest.param("SESSION_DAYS", "1.5", id="session-days-fraction"),
        pytest.param("SESSION_DAYS", "0", id="session-days-zero"),
        pytest.param("SESSION_DAYS", "-3", id="session-days-negative"),
        pytest.param("LOGIN_WINDOW_MINUTES", "0", id="login-window-zero"),
        pytest.param("DEFAULT_TIMEZONE", "Asia/Tiflis-ish", id="timezone-unknown"),
        pytest.param("DEFAULT_TIMEZONE", "Mars/Olympus_Mons", id="timezone-mars"),
        pytest.param("DEFAULT_TIMEZONE", "../../etc/passwd", id="timezone-path"),
        pytest.param("SECRET_KEY", "short", id="secret-key-short"),
        pytest.param("SECRET_KEY", "x" * 31, id="secret-key-31"),
        pytest.param("DATABASE_URL", "mysql://localhost/toollib", id="database-url"),
        pytest.param("CLOCK_START", "tomorrow", id="clock-start-words"),
        pytest.param("CLOCK_START", "2026-11-23T12:00:00", id="clock-start-without-offset"),
        pytest.param("NOTIFY_INTERVAL_SECONDS", "-1", id="notify-interval-negative"),
        pytest.param("NOTIFY_INTERVAL_SECONDS", "hourly", id="notify-interval-words"),
    ],
)
def test_load_settings_rejects_malformed_values(env, name, value):
    env.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert name in str(info.value)


def test_empty_default_timezone_means_the_default(env):
    env.setenv("DEFAULT_TIMEZONE", "")
    assert load_settings().default_timezone == "Asia/Tbilisi"


def test_secret_key_is_generated_once_and_reused(env, tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    assert not key_file.exists()
    first = load_settings().secret_key
    assert len(first) >= 32
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings().secret_key == first  # read back, not generated again
    assert key_file.read_text() == first


def test_secret_key_from_the_environment_wins_over_the_file(env, tmp_path):
    load_settings()  # writes a generated key
    env.setenv("SECRET_KEY", "e" * 40)
    assert load_settings().secret_key == "e" * 40


def test_empty_secret_key_file_is_not_used(env, tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("")
    try:
        key = load_settings().secret_key
    except ConfigError:
        return  # refusing to start is an acceptable fix too
    assert len(key) >= 32


# --- rental.settings: the providers of e-mail and SMS ----------------------------------------

FROM = "Tool library <tools@example.ge>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(f"smtp://tools:{PASSWORD}@mail.example.ge:587",
                     EmailConfig("mail.example.ge", 587, "tools", PASSWORD, False, FROM),
                     id="smtp-starttls"),
        pytest.param("smtp://mail.example.ge", EmailConfig("mail.example.ge", 587, None, None,
                                                           False, FROM), id="smtp-no-login"),
        pytest.param(f"smtps://tools:{PASSWORD}@mail.example.ge",
                     EmailConfig("mail.example.ge", 465, "tools", PASSWORD, True, FROM),
                     id="smtps-default-port"),
        pytest.param("smtps://tools%40example.ge:p%40ss%3Aword@mail.example.ge:2465",
                     EmailConfig("mail.example.ge", 2465, "tools@example.ge", "p@ss:word", True,
                                 FROM), id="percent-encoded-credentials"),
        pytest.param("smtp://127.0.0.1:2525/",
                     EmailConfig("127.0.0.1", 2525, None, None, False, FROM), id="loopback"),
    ],
)
def test_parse_email_url(url, expected):
    parsed = parse_email_url(url, FROM)
    assert parsed == expected
    assert PASSWORD not in repr(parsed)  # a settings dump in a log shows no password


@pytest.mark.parametrize("url", [None, ""])
def test_no_email_url_means_no_email(url):
    assert parse_email_url(url, None) is None


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"http://tools:{PASSWORD}@mail.example.ge:587", id="http"),
        pytest.param(f"smtp://tools:{PASSWORD}@:587", id="no-host"),
        pytest.param(f"smtp://tools:{PASSWORD}@mail.example.ge:port", id="port-words"),
        pytest.param(f"smtp://tools:{PASSWORD}@mail.example.ge:99999", id="port-too-big"),
        pytest.param(f"smtp://tools:{PASSWORD}@mail.example.ge/inbox", id="a-path"),
        pytest.param(f"smtp://tools:{PASSWORD}@mail.example.ge?tls=1", id="a-query"),
        pytest.param(f"smtp://tools:{PASSWORD}@[::1", id="broken-ipv6"),
        pytest.param(f"tools:{PASSWORD}@mail.example.ge:587", id="no-scheme"),
    ],
)
def test_malformed_email_url_is_refused_without_showing_the_password(url):
    with pytest.raises(ConfigError, match="EMAIL_URL") as info:
        parse_email_url(url, FROM)
    assert PASSWORD not in str(info.value)


@pytest.mark.parametrize(
    ("sender", "accepted"),
    [
        ("tools@example.ge", True),
        ("Tool library <tools@example.ge>", True),
        ("ხელსაწყოების ბიბლიოთეკა <tools@example.ge>", True),
        (None, False),
        ("", False),
        ("tools", False),
        ("Tool library", False),
        ("tools@localhost", False),
    ],
)
def test_email_from_is_required_with_email_url(sender, accepted):
    url = "smtp://mail.example.ge:587"
    if accepted:
        assert parse_email_url(url, sender).sender == sender
    else:
        with pytest.raises(ConfigError, match="EMAIL_FROM"):
            parse_email_url(url, sender)


@pytest.mark.parametrize(
    ("url", "token", "sender", "expected"),
    [
        pytest.param(None, None, None, None, id="not-configured"),
        pytest.param("", "t", "TOOLS", None, id="empty-url-not-configured"),
        pytest.param("https://sms.example.ge/v1/messages", "tok", "TOOLS",
                     SmsConfig("https://sms.example.ge/v1/messages", "tok", "TOOLS"),
                     id="https"),
        pytest.param("http://127.0.0.1:8025/sms", "tok", None,
                     SmsConfig("http://127.0.0.1:8025/sms", "tok", None),
                     id="local-adapter-no-sender"),
        pytest.param("https://sms.example.ge", "tok", "+995322000000",
                     SmsConfig("https://sms.example.ge", "tok", "+995322000000"),
                     id="number-as-sender"),
        pytest.param("https://sms.example.ge", "tok", "Tool Lib", SmsConfig(
            "https://sms.example.ge", "tok", "Tool Lib"), id="eleven-characters"),
    ],
)
def test_parse_sms(url, token, sender, expected):
    assert parse_sms(url, token, sender) == expected


def test_sms_token_is_not_in_the_repr():
    assert PASSWORD not in repr(parse_sms("https://sms.example.ge", PASSWORD, None))


@pytest.mark.parametrize(
    ("url", "token", "sender", "named"),
    [
        pytest.param("https://sms.example.ge", None, None, "SMS_TOKEN", id="no-token"),
        pytest.param("https://sms.example.ge", "", None, "SMS_TOKEN", id="empty-token"),
        pytest.param("ftp://sms.example.ge", "tok", None, "SMS_URL", id="ftp"),
        pytest.param("sms.example.ge/v1", "tok", None, "SMS_URL", id="no-scheme"),
        pytest.param("https://:443/v1", "tok", None, "SMS_URL", id="no-host"),
        pytest.param("https://sms.example.ge:port", "tok", None, "SMS_URL", id="bad-port"),
        pytest.param(f"https://user:{PASSWORD}@sms.example.ge", "tok", None, "SMS_URL",
                     id="credentials-in-url"),
        pytest.param("https://sms.example.ge", "tok", "Tool Library Samgori", "SMS_SENDER",
                     id="sender-too-long"),
        pytest.param("https://sms.example.ge", "tok", "ბიბლიოთეკა", "SMS_SENDER",
                     id="sender-georgian"),
    ],
)
def test_malformed_sms_settings_are_refused(url, token, sender, named):
    with pytest.raises(ConfigError, match=named) as info:
        parse_sms(url, token, sender)
    assert PASSWORD not in str(info.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "http://localhost:8000"),
        ("", "http://localhost:8000"),
        ("https://tools.example.ge", "https://tools.example.ge"),
        ("https://tools.example.ge/", "https://tools.example.ge"),
        ("https://example.ge/tools/", "https://example.ge/tools"),
    ],
)
def test_parse_public_url(url, expected):
    assert parse_public_url(url) == expected


@pytest.mark.parametrize("url", ["tools.example.ge", "ftp://tools.example.ge",
                                 "https://tools.example.ge/?x=1", "https://"])
def test_malformed_public_url_is_refused(url):
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        parse_public_url(url)


def test_load_settings_without_providers_sends_nothing(env):
    settings = load_settings()
    assert settings.email is None and settings.sms is None
    assert settings.public_url == "http://localhost:8000"
    assert settings.notify_max_attempts == 5


def test_load_settings_reads_the_providers(env):
    env.setenv("EMAIL_URL", f"smtp://tools:{PASSWORD}@mail.example.ge:587")
    env.setenv("EMAIL_FROM", FROM)
    env.setenv("SMS_URL", "https://sms.example.ge/v1/messages")
    env.setenv("SMS_TOKEN", "tok")
    env.setenv("SMS_SENDER", "TOOLS")
    env.setenv("PUBLIC_URL", "https://tools.example.ge/")
    env.setenv("NOTIFY_MAX_ATTEMPTS", "8")
    settings = load_settings()
    assert settings.email == EmailConfig("mail.example.ge", 587, "tools", PASSWORD, False, FROM)
    assert settings.sms == SmsConfig("https://sms.example.ge/v1/messages", "tok", "TOOLS")
    assert settings.public_url == "https://tools.example.ge"
    assert settings.notify_max_attempts == 8


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"EMAIL_URL": "smtp://mail.example.ge:587"}, "EMAIL_FROM"),
        ({"EMAIL_URL": f"pop3://tools:{PASSWORD}@mail.example.ge", "EMAIL_FROM": FROM},
         "EMAIL_URL"),
        ({"SMS_URL": "https://sms.example.ge"}, "SMS_TOKEN"),
        ({"PUBLIC_URL": "tools.example.ge"}, "PUBLIC_URL"),
        ({"NOTIFY_MAX_ATTEMPTS": "0"}, "NOTIFY_MAX_ATTEMPTS"),
        ({"NOTIFY_MAX_ATTEMPTS": "many"}, "NOTIFY_MAX_ATTEMPTS"),
    ],
)
def test_load_settings_refuses_malformed_provider_settings(env, variables, named):
    for name, value in variables.items():
        env.setenv(name, value)
    with pytest.raises(ConfigError, match=named) as info:
        load_settings()
    assert PASSWORD not in str(info.value)


# --- rental.i18n ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_language", "cookie", "accept_language", "expected"),
    [
        pytest.param(None, None, None, "ka", id="nothing-default-ka"),
        pytest.param(None, None, "", "ka", id="empty-header"),
        pytest.param("en", "ka", "ka", "en", id="user-setting-wins"),
        pytest.param("ka", "en", "en", "ka", id="user-setting-ka-wins"),
        pytest.param(None, "en", "ka", "en", id="cookie-beats-header"),
        pytest.param("fr", "en", "ka", "en", id="unknown-user-language-ignored"),
        pytest.param(None, "de", "en", "en", id="unknown-cookie-ignored"),
        pytest.param(None, "", "en", "en", id="empty-cookie-ignored"),
        pytest.param(None, None, "en-US,en;q=0.9", "en", id="region-subtag"),
        pytest.param(None, None, "EN-gb", "en", id="header-case-insensitive"),
        pytest.param(None, None, "ka;q=0.5, en;q=0.9", "en", id="highest-q-wins"),
        pytest.param(None, None, "en;q=0.5, ka;q=0.5", "en", id="tie-keeps-order"),
        pytest.param(None, None, "fr, de;q=0.9, en;q=0.1", "en", id="unknown-skipped"),
        pytest.param(None, None, "fr-FR, de;q=0.9", "ka", id="only-unknown-default"),
        pytest.param(None, None, "en;q=0", "ka", id="q-zero-excluded"),
        pytest.param(None, None, "en;q=abc, ka;q=0.2", "ka", id="malformed-q-ignored"),
        pytest.param(None, None, "en;q=, ru", "ru", id="empty-q-ignored"),
        pytest.param(None, None, "*", "ka", id="wildcard"),
        pytest.param(None, None, " , ;q=1, en", "en", id="empty-items"),
        # Russian, and the languages read as Russian
        pytest.param(None, None, "ru", "ru", id="ru"),
        pytest.param(None, None, "ru-RU", "ru", id="ru-region"),
        pytest.param(None, None, "uk,en;q=0.5", "ru", id="ukrainian-reads-russian"),
        pytest.param(None, None, "be", "ru", id="belarusian-reads-russian"),
        pytest.param(None, None, "ka,ru", "ka", id="first-of-two-known"),
        pytest.param(None, None, "en-GB,ru;q=0.9", "en", id="higher-q-beats-russian"),
        pytest.param(None, None, "de", "ka", id="unknown-only-default"),
        pytest.param("ru", "en", "ka", "ru", id="saved-ru-beats-cookie-and-header"),
        pytest.param(None, "ru", "en", "ru", id="ru-cookie-beats-header"),
        pytest.param("en", "ru", "ru", "en", id="saved-en-beats-ru-cookie"),
        pytest.param(None, "uk", "en", "en", id="unknown-cookie-ignored-not-read-as-ru"),
        pytest.param(None, "xx", "ru", "ru", id="unknown-cookie-header-ru"),
    ],
)
def test_choose_locale(user_language, cookie, accept_language, expected):
    assert i18n.choose_locale(user_language, cookie, accept_language) == expected


NBSP = "\xa0"


@pytest.mark.parametrize(
    ("tetri", "ka", "en"),
    [
        pytest.param(0, f"0,00{NBSP}₾", "GEL0.00", id="zero"),
        pytest.param(5, f"0,05{NBSP}₾", "GEL0.05", id="five-tetri"),
        pytest.param(1250, f"12,50{NBSP}₾", "GEL12.50", id="twelve-fifty"),
        pytest.param(100000, f"1{NBSP}000,00{NBSP}₾", "GEL1,000.00", id="thousand"),
        pytest.param(-1250, f"-12,50{NBSP}₾", "-GEL12.50", id="negative"),
    ],
)
def test_format_money(tetri, ka, en):
    with in_locale("ka"):
        assert i18n.format_money(tetri) == ka
    with in_locale("en"):
        # spacing is checked on its own below
        assert i18n.format_money(tetri).replace(NBSP, "").replace(" ", "") == en
    assert i18n.current_locale.get() == "ka"  # the token restored the default


def test_format_money_separates_the_code_in_english():
    with in_locale("en"):
        assert i18n.format_money(1250).replace(NBSP, " ") == "GEL 12.50"


@pytest.mark.parametrize(
    ("mask", "en", "ka"),
    [
        pytest.param(0b0111111, "Mon–Sat", "ორშ–შაბ", id="mon-sat"),
        pytest.param(0b0011101, "Mon, Wed–Fri", "ორშ, ოთხ–პარ", id="mon-wed-fri"),
        pytest.param(0b1111111, "Mon–Sun", "ორშ–კვი", id="every-day"),
        pytest.param(0b1000001, "Mon, Sun", "ორშ, კვი", id="mon-and-sun"),
        pytest.param(0b0000100, "Wed", "ოთხ", id="single-day"),
        pytest.param(0b0000011, "Mon–Tue", "ორშ–სამ", id="two-day-run"),
        pytest.param(0, "", "", id="closed"),
    ],
)
def test_format_weekdays(mask, en, ka):
    with in_locale("en"):
        assert i18n.format_weekdays(mask) == en
    with in_locale("ka"):
        assert i18n.format_weekdays(mask) == ka


@pytest.mark.parametrize(
    ("record", "locale", "expected"),
    [
        pytest.param({"name_ka": "ბურღი", "name_en": "Drill"}, "en", "Drill", id="dict-en"),
        pytest.param({"name_ka": "ბურღი", "name_en": "Drill"}, "ka", "ბურღი", id="dict-ka"),
        pytest.param({"name_ka": "ბურღი", "name_en": ""}, "en", "ბურღი", id="dict-empty-en"),
        pytest.param({"name_ka": "ბურღი", "name_en": None}, "en", "ბურღი", id="dict-none-en"),
        pytest.param({"name_ka": "ბურღი"}, "en", "ბურღი", id="dict-missing-en"),
        pytest.param({"title_en": "Drill"}, "en", "", id="dict-other-field"),
        pytest.param({}, "ka", "", id="dict-empty"),
        pytest.param(
            SimpleNamespace(name_ka="ხერხი", name_en="Saw"), "en", "Saw", id="object-en"
        ),
        pytest.param(
            SimpleNamespace(name_ka="ხერხი", name_en=""), "en", "ხერხი", id="object-empty-en"
        ),
        pytest.param(SimpleNamespace(name_ka="ხერხი"), "en", "ხერხი", id="object-missing-en"),
        pytest.param(SimpleNamespace(), "en", "", id="object-nothing"),
    ],
)
def test_localized(record, locale, expected):
    with in_locale(locale):
        assert i18n.localized(record, "name") == expected


@pytest.mark.parametrize(
    ("locale", "message", "params", "expected"),
    [
        pytest.param("ka", "Page %(page)s of %(pages)s", {"page": 2, "pages": 5}, "გვერდი 2 / 5",
                     id="ka-params"),
        pytest.param("en", "Page %(page)s of %(pages)s", {"page": 2, "pages": 5}, "Page 2 of 5",
                     id="en-params"),
        pytest.param("ka", "Welcome, %(name)s.", {"name": "ნინო"}, "მოგესალმებით, ნინო.",
                     id="ka-name"),
        pytest.param("ka", "Welcome, %(name)s.", {"name": "100%"}, "მოგესალმებით, 100%.",
                     id="percent-in-value"),
        pytest.param("ka", "Log out", {}, "გასვლა", id="ka-no-params"),
        pytest.param("en", "Log out", {}, "Log out", id="en-no-params"),
        pytest.param("ka", "50% off", {}, "50% off", id="untranslated-percent-untouched"),
        pytest.param("ka", "%(n)s left", {"n": 3}, "3 left", id="untranslated-with-params"),
    ],
)
def test_gettext(locale, message, params, expected):
    with in_locale(locale):
        assert i18n.gettext(message, **params) == expected


# --- rental.web ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("/", "/", id="root"),
        pytest.param("/tools/42", "/tools/42", id="path"),
        pytest.param("/tools?q=drill&page=2#top", "/tools?q=drill&page=2#top", id="query"),
        pytest.param(None, "/", id="none"),
        pytest.param("", "/", id="empty"),
        pytest.param("https://evil.example/", "/", id="absolute-https"),
        pytest.param("http://testserver/tools", "/", id="absolute-same-host"),
        pytest.param("//evil.example", "/", id="protocol-relative"),
        pytest.param("///evil.example", "/", id="triple-slash"),
        pytest.param("/\\evil.example", "/", id="backslash"),
        pytest.param("\\\\evil.example", "/", id="double-backslash"),
        pytest.param("/tools\\..\\admin", "/", id="backslash-in-path"),
        pytest.param("javascript:alert(1)", "/", id="javascript"),
        pytest.param("/\t/evil.example", "/", id="tab-hidden-double-slash"),
        pytest.param("tools", "/", id="relative-without-slash"),
        pytest.param(" /tools", "/", id="leading-space"),
    ],
)
def test_safe_next(target, expected):
    assert web.safe_next(target) == expected


def test_safe_next_custom_default():
    assert web.safe_next("https://evil.example", default="/account") == "/account"
    assert web.safe_next("/tools", default="/account") == "/tools"


# Jinja block names cannot hold hyphens: element id `tool-list` is block `tool_list`.
BLOCKS = {"main", "content", "tool_list", "title"}


@pytest.mark.parametrize(
    ("headers", "blocks", "expected"),
    [
        pytest.param({}, BLOCKS, None, id="not-htmx"),
        pytest.param({"hx-target": "tool-list"}, BLOCKS, None, id="target-without-hx-request"),
        pytest.param({"hx-request": "false"}, BLOCKS, None, id="hx-request-false"),
        pytest.param({"hx-request": "true"}, BLOCKS, "main", id="htmx-no-target"),
        pytest.param(
            {"hx-request": "true", "hx-target": "tool-list"}, BLOCKS, "tool_list", id="known"
        ),
        pytest.param(
            {"hx-request": "true", "hx-target": "sidebar"}, BLOCKS, "main", id="unknown-target"
        ),
        pytest.param({"hx-request": "true", "hx-target": ""}, BLOCKS, "main", id="empty-target"),
        pytest.param(
            {"hx-request": "true", "hx-target": "tool-list", "hx-history-restore-request": "true"},
            BLOCKS,
            None,
            id="history-restore",
        ),
        pytest.param({"hx-request": "true"}, {"content"}, None, id="no-main-block"),
        pytest.param(
            {"hx-request": "true", "hx-target": "x"}, {"content"}, None, id="no-main-unknown"
        ),
        pytest.param(
            {"hx-request": "true", "hx-target": "content"},
            {"content"},
            "content",
            id="no-main-known",
        ),
        pytest.param(
            Headers({"HX-Request": "true", "HX-Target": "tool-list"}),
            BLOCKS,
            "tool_list",
            id="litestar-headers-any-case",
        ),
    ],
)
def test_fragment_block(headers, blocks, expected):
    assert web.fragment_block(headers, blocks) == expected


@pytest.mark.parametrize(
    ("level", "message"),
    [
        pytest.param("success", "ნივთი დაიჯავშნა.", id="success-georgian"),
        pytest.param("error", "Wrong password. Try again.", id="error-with-dots"),
        pytest.param("info", "", id="info-empty"),
        pytest.param("info", 'quotes " and <b>tags</b>; a=b', id="info-punctuation"),
    ],
)
def test_flash_round_trip(level, message):
    settings = make_settings()
    cookie = web.flash_cookie(settings, level, message)
    assert cookie.key == web.FLASH_COOKIE
    assert cookie.httponly is True
    assert cookie.samesite == "lax"
    assert cookie.max_age == 60
    assert web.read_flash(settings, cookie.value) == (level, message)


@pytest.mark.parametrize("secure", [False, True], ids=["plain", "secure"])
def test_flash_cookie_follows_secure_cookies(secure):
    assert web.flash_cookie(make_settings(secure_cookies=secure), "info", "x").secure is secure


def _signed(settings: Settings, payload: str) -> str:
    return f"{payload}.{web._sign(settings.secret_key, payload.encode())}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def _tampered_signature(settings: Settings) -> str:
    value = web.flash_cookie(settings, "success", "saved").value
    return value[:-1] + ("0" if value[-1] != "0" else "1")


def _tampered_payload(settings: Settings) -> str:
    value = web.flash_cookie(settings, "success", "saved").value
    _payload, signature = value.rsplit(".", 1)
    return f"{_b64(json.dumps(['success', 'owned']).encode())}.{signature}"


FLASH_GARBAGE = {
    "none": lambda s: None,
    "empty": lambda s: "",
    "no-dot": lambda s: "garbage",
    "dot-only": lambda s: ".",
    "unsigned": lambda s: "abc.def",
    "tampered-signature": _tampered_signature,
    "tampered-payload": _tampered_payload,
    "other-key": lambda s: web.flash_cookie(make_settings("o" * 40), "info", "hi").value,
    "unknown-level": lambda s: web.flash_cookie(s, "debug", "hi").value,
    "level-not-a-string": lambda s: _signed(s, _b64(json.dumps([["info"], "hi"]).encode())),
    "signed-not-base64": lambda s: _signed(s, "!!!!"),
    "signed-not-json": lambda s: _signed(s, _b64(b"not json")),
    "signed-not-utf8": lambda s: _signed(s, _b64(b"\xff\xfe\xfd")),
    "signed-number": lambda s: _signed(s, _b64(b"5")),
    "signed-one-item": lambda s: _signed(s, _b64(b'["info"]')),
    "signed-three-items": lambda s: _signed(s, _b64(b'["info", "a", "b"]')),
    "signed-null": lambda s: _signed(s, _b64(b"null")),
}


@pytest.mark.parametrize("make_raw", FLASH_GARBAGE.values(), ids=FLASH_GARBAGE.keys())
def test_read_flash_rejects(make_raw):
    settings = make_settings()
    assert web.read_flash(settings, make_raw(settings)) is None


def test_read_flash_rejects_non_ascii_signature():
    settings = make_settings()
    payload = web.flash_cookie(settings, "info", "hi").value.rsplit(".", 1)[0]
    assert web.read_flash(settings, f"{payload}.\xe9") is None


# --- rental.phones -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("555 12 34 56", "+995555123456", id="mobile-local"),
        pytest.param("  599-12-34-56 ", "+995599123456", id="mobile-dashes-padded"),
        pytest.param("(555) 123 456", "+995555123456", id="mobile-brackets"),
        pytest.param("+995555123456", "+995555123456", id="already-e164"),
        pytest.param("+995 32 2 00 00 00", "+995322000000", id="tbilisi-landline-intl"),
        pytest.param("032 2 00 00 00", "+995322000000", id="tbilisi-landline-trunk"),
        pytest.param("00995 555 12 34 56", "+995555123456", id="georgia-via-00"),
        pytest.param("0032 2 555 12 12", "+3225551212", id="belgium-via-00"),
        pytest.param("00 44 20 7946 0958", "+442079460958", id="uk-via-00"),
        pytest.param("+44 20 7946 0958", "+442079460958", id="uk-plus"),
        pytest.param("+1 201 555 0123", "+12015550123", id="us-plus"),
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param(None, id="none"),
        pytest.param("abc", id="letters"),
        pytest.param("123", id="too-short"),
        pytest.param("555 12 34", id="mobile-too-short"),
        pytest.param("5551234567890123456789", id="too-long"),
        pytest.param("5" * 40, id="forty-chars"),
        pytest.param("+995 " + "5" * 30, id="over-32-chars"),
        pytest.param("+999 555 12 34 56", id="unknown-country"),
        pytest.param("ana@example.ge", id="email"),
    ],
)
def test_normalise_phone_rejects(raw):
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def test_invalid_phone_is_a_value_error():
    assert issubclass(InvalidPhone, ValueError)


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        pytest.param("+995555123456", "+995 555 12 34 56", id="georgian-mobile"),
        pytest.param("+995322000000", "+995 32 200 00 00", id="tbilisi-landline"),
        pytest.param("+3225551212", "+32 2 555 12 12", id="belgium"),
        pytest.param("+442079460958", "+44 20 7946 0958", id="uk"),
        pytest.param("garbage", "garbage", id="garbage-unchanged"),
        pytest.param("", "", id="empty-unchanged"),
    ],
)
def test_display_phone(e164, expected):
    assert display_phone(e164) == expected




# --- one date, one time and one date and time per language (Babel's) --------------------------

NNBSP = "\u202f"  # CLDR's narrow no-break space before AM/PM


@pytest.mark.parametrize(
    ("value", "ka", "en"),
    [
        pytest.param(date(2026, 12, 5), "5 დეკ. 2026", "Dec 5, 2026", id="date"),
        pytest.param(date(1984, 3, 14), "14 მარ. 1984", "Mar 14, 1984", id="birth-date"),
        pytest.param(datetime(2026, 12, 5, 6, 9, tzinfo=UTC), "5 დეკ. 2026, 10:09",
                     f"Dec 5, 2026, 10:09{NNBSP}AM", id="moment-in-tbilisi"),
        pytest.param(datetime(2026, 12, 5, 21, 0, tzinfo=UTC), "6 დეკ. 2026, 01:00",
                     f"Dec 6, 2026, 1:00{NNBSP}AM", id="moment-the-next-day-there"),
        pytest.param(time(16, 0), "16:00", f"4:00{NNBSP}PM", id="time-of-day"),
    ],
)
def test_one_date_and_time_format_per_language(value, ka, en):
    def shown() -> str:
        if isinstance(value, datetime):
            return i18n.format_datetime(value, "Asia/Tbilisi")
        if isinstance(value, time):
            return i18n.format_time(value)
        return i18n.format_date(value)

    with in_locale("ka"):
        assert shown() == ka
    with in_locale("en"):
        assert shown() == en


@pytest.mark.parametrize(
    ("params", "ka", "en"),
    [
        pytest.param({"title": i18n.Names("მილზე ხრახნის ჭრა", "Pipe threading")},
                     "მილზე ხრახნის ჭრა", "Pipe threading", id="names"),
        pytest.param({"title": i18n.Names("მილზე ხრახნის ჭრა")}, "მილზე ხრახნის ჭრა",
                     "მილზე ხრახნის ჭრა", id="names-no-english-falls-back"),
        pytest.param({"title": i18n.Day(date(2026, 12, 10))}, "10 დეკ. 2026", "Dec 10, 2026",
                     id="day"),
        pytest.param({"title": i18n.TimeOfDay(datetime(2026, 12, 10, 12, tzinfo=UTC),
                                              "Asia/Tbilisi")},
                     "16:00", f"4:00{NNBSP}PM", id="time-in-the-centres-zone"),
    ],
)
def test_values_of_a_message_are_written_when_it_is_shown(params, ka, en):
    """A service's message names a session or a day; the reader's language writes it."""
    message = ("%(title)s", params)
    with in_locale("ka"):
        assert i18n.message_text(message) == ka
    with in_locale("en"):
        assert i18n.message_text(message) == en


@pytest.mark.parametrize(
    ("code", "en"),
    [("ka", "Georgian"), ("en", "English"), ("ru", "Russian"), ("xx", "xx")],
)
def test_a_language_is_named_in_the_readers_language_in_running_text(code, en):
    """'Everyone · Georgian' on an English page; only the switcher names each in its own."""
    with in_locale("en"):
        assert i18n.language_label(code) == en
    assert i18n.LANGUAGE_NAMES == {"ka": "ქართული", "en": "English", "ru": "Русский"}


# --- rental.kernel.i18n.in_locale: a message written in its reader's language --------------


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "en"), ("ka", "ka"), ("xx", "ka"), ("", "ka"),  # unknown: the default language
])
def test_in_locale_translates_in_a_language_for_the_block_only(language, expected):
    outside = i18n.current_locale.get()
    with i18n.in_locale(language) as chosen:
        assert chosen == expected and i18n.current_locale.get() == expected
        assert i18n.gettext("Booked") == ("Booked" if expected == "en" else
                                          i18n.translations("ka").gettext("Booked"))
    assert i18n.current_locale.get() == outside
