"""Production settings refuse to start when misconfigured, and `check --deploy` is clean.

Settings are read once per process, so every start-up case runs `manage.py` in a subprocess
with a clean environment: nothing from the developer's shell or from pytest leaks in.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env, base_url

REPO = Path(__file__).resolve().parents[3]

# Printed by a subprocess so a test can see what the settings module decided.
_SHOW_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "TESTING": s.TESTING,
    "FOLJA_DEMO_LOGIN": s.FOLJA_DEMO_LOGIN,
    "SECRET_KEY_IS_DEV": s.SECRET_KEY.startswith("dev-only"),
    "SESSION_COOKIE_SECURE": getattr(s, "SESSION_COOKIE_SECURE", False),
    "CSRF_COOKIE_SECURE": getattr(s, "CSRF_COOKIE_SECURE", False),
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "STATICFILES_BACKEND": s.STORAGES["staticfiles"]["BACKEND"],
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "FOLJA_CARD_CACHE": s.FOLJA_CARD_CACHE,
    "SESSION_ENGINE": s.SESSION_ENGINE,
    "FOLJA_BASE_URL": s.FOLJA_BASE_URL,
}))
"""


def clean_env(**overrides: str) -> dict[str, str]:
    """Return os.environ without Följa, database and pytest variables, plus the given ones."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLJA_", "PYTEST_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env["PYTHONPATH"] = str(REPO)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(overrides)
    return env


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Return a complete, valid production environment on a throw-away SQLite database."""
    values = {
        "FOLJA_SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "FOLJA_ALLOWED_HOSTS": "folja.example.se",
        "FOLJA_BASE_URL": "https://folja.example.se",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "FOLJA_VAR_DIR": str(tmp_path / "var"),
    }
    return clean_env(**{**values, **overrides})


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with exactly the given environment and return the finished process."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def shown_settings(env: dict[str, str]) -> dict[str, object]:
    """Return the settings a process started with this environment ends up with."""
    done = manage(env, "shell", "--no-imports", "-c", _SHOW_SETTINGS)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- production start-up, in a subprocess ------------------------------------------------------


def test_deploy_check_passes_without_warnings_in_production(tmp_path):
    env = production_env(tmp_path)

    done = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


def test_production_process_is_neither_debug_nor_testing_and_uses_https_settings(tmp_path):
    env = production_env(tmp_path)
    assert not any(key.startswith("PYTEST") or key == "FOLJA_TESTING" for key in env)

    shown = shown_settings(env)

    assert shown["DEBUG"] is False
    assert shown["TESTING"] is False
    assert shown["FOLJA_DEMO_LOGIN"] is False, "the demo e-ID must be off in production"
    assert shown["SECRET_KEY_IS_DEV"] is False
    assert shown["SESSION_COOKIE_SECURE"] is True
    assert shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert shown["ALLOWED_HOSTS"] == ["folja.example.se"]
    assert shown["STATICFILES_BACKEND"].endswith("CompressedManifestStaticFilesStorage")


def test_sessions_and_cards_sit_in_the_cache_only_when_the_cache_is_shared(tmp_path):
    """A per-process cache would keep a signed-out session alive in the other workers, and a
    sealed child's posts' cards in the processes that did not seal."""
    alone = shown_settings(production_env(tmp_path))
    assert alone["CACHE_BACKEND"].endswith("LocMemCache")
    assert alone["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert alone["FOLJA_CARD_CACHE"] is False  # sealing could not empty the other processes' caches

    shared = shown_settings(production_env(tmp_path, FOLJA_CACHE_URL="redis://127.0.0.1:6379/1"))
    assert shared["CACHE_BACKEND"] == "folja.core.cache.FailSoftRedisCache"  # Django's, carrying on without Redis
    assert shared["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert shared["FOLJA_CARD_CACHE"] is True


def test_development_starts_with_no_configuration_at_all():
    shown = shown_settings(clean_env(FOLJA_DEBUG="1"))

    assert shown["DEBUG"] is True
    assert shown["SECRET_KEY_IS_DEV"] is True
    assert shown["FOLJA_DEMO_LOGIN"] is True
    assert "127.0.0.1" in shown["ALLOWED_HOSTS"]
    assert shown["FOLJA_BASE_URL"] == "http://localhost:8000"


def test_production_links_in_e_mails_use_the_configured_address(tmp_path):
    shown = shown_settings(production_env(tmp_path, FOLJA_BASE_URL="https://folja.exempelby.se/"))

    assert shown["FOLJA_BASE_URL"] == "https://folja.exempelby.se"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("FOLJA_SECRET_KEY", "FOLJA_SECRET_KEY"),
        ("FOLJA_ALLOWED_HOSTS", "FOLJA_ALLOWED_HOSTS"),
        ("FOLJA_BASE_URL", "FOLJA_BASE_URL"),
    ],
)
def test_production_without_a_required_variable_refuses_to_start_naming_it(tmp_path, missing, named):
    env = production_env(tmp_path)
    del env[missing]

    done = manage(env, "check")

    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert named in done.stderr


def test_production_with_a_short_secret_key_refuses_to_start_without_echoing_it(tmp_path):
    env = production_env(tmp_path, FOLJA_SECRET_KEY="tooshort-but-secret")

    done = manage(env, "check")

    assert done.returncode != 0
    assert "FOLJA_SECRET_KEY" in done.stderr
    assert "tooshort-but-secret" not in done.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FOLJA_DEBUG", "maybe"),
        ("FOLJA_SESSION_IDLE_SECONDS", "abc"),
        ("FOLJA_SESSION_IDLE_SECONDS", "5"),
        ("DATABASE_URL", "nonsense://"),
        ("DATABASE_URL", "postgres://127.0.0.1:5432"),
        ("FOLJA_TASKS_BACKEND", "celery"),
        ("FOLJA_BEHIND_PROXY", "perhaps"),
        ("FOLJA_CACHE_URL", "memcached://127.0.0.1:11211"),
        ("FOLJA_BASE_URL", "folja.example.se"),
        ("FOLJA_BASE_URL", "ftp://folja.example.se"),
        ("FOLJA_BASE_URL", "https://folja.example.se/?next=/"),
        ("FOLJA_METRICS_ALLOWED_ADDRESSES", "127.0.0.1,prometheus.internal"),
        ("FOLJA_METRICS_TOKEN", "too-short"),
        ("FOLJA_READY_TASK_LAG_SECONDS", "0"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_message_naming_the_variable(tmp_path, name, value):
    env = production_env(tmp_path, **{name: value})

    done = manage(env, "check")

    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured")
    assert name in last_line


# --- config/env.py helpers, in process ---------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("ON", True), (" true ", True)])
def test_env_bool_accepts_yes_words(raw, expected):
    assert Env({"FLAG": raw}).bool("FLAG") is expected


@pytest.mark.parametrize("raw", ["0", "no", "off", "false", ""])
def test_env_bool_accepts_no_words(raw):
    assert Env({"FLAG": raw}).bool("FLAG", default=True) is False


def test_env_bool_uses_the_default_only_when_unset():
    assert Env({}).bool("FLAG", default=True) is True
    assert Env({}).bool("FLAG") is False


def test_env_bool_rejects_other_words_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        Env({"FLAG": "maybe"}).bool("FLAG")


def test_env_int_parses_and_falls_back_on_unset_or_blank():
    assert Env({"N": "42"}).int("N", 7) == 42
    assert Env({}).int("N", 7) == 7
    assert Env({"N": "  "}).int("N", 7) == 7


def test_env_int_rejects_text_and_values_below_the_minimum_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        Env({"N": "abc"}).int("N", 7)
    with pytest.raises(ImproperlyConfigured, match="N must be at least 60"):
        Env({"N": "59"}).int("N", 7, minimum=60)


def test_env_list_splits_on_commas_and_drops_blanks():
    assert Env({"HOSTS": " a.se, ,b.se,"}).list("HOSTS") == ["a.se", "b.se"]
    assert Env({}).list("HOSTS", ["x"]) == ["x"]
    assert Env({}).list("HOSTS") == []


def test_env_choice_accepts_listed_values_and_rejects_others_naming_the_variable():
    env = Env({"BACKEND": "rq"})
    assert env.choice("BACKEND", ("database", "rq"), "database") == "rq"
    assert Env({}).choice("BACKEND", ("database", "rq"), "database") == "database"
    with pytest.raises(ImproperlyConfigured, match="BACKEND must be one of database, rq"):
        Env({"BACKEND": "celery"}).choice("BACKEND", ("database", "rq"), "database")


def test_base_url_drops_the_trailing_slash_and_keeps_a_path():
    assert base_url("https://folja.example.se/", "URL") == "https://folja.example.se"
    assert base_url(" https://example.se/folja/ ", "URL") == "https://example.se/folja"
    assert base_url("", "URL") == ""


@pytest.mark.parametrize("raw", ["folja.example.se", "https://", "https://a.se/#x", "https://user:pw@a.se"])
def test_base_url_refuses_what_is_not_an_address_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match="URL must"):
        base_url(raw, "URL")


def test_env_str_returns_the_raw_value_or_the_default():
    assert Env({"NAME": " spaced "}).str("NAME") == " spaced "
    assert Env({}).str("NAME", "fallback") == "fallback"
    assert Env({}).str("NAME") is None
