"""Settings: what a hosted process refuses (known secrets, default passwords, a fixed clock), and secure cookies
following an https BASE_URL."""

from __future__ import annotations

import pytest

from infra.settings import DEV_SECRET_KEY, Settings, hosted_problems, is_development

PROPER = {
    "DATABASE_URL": "postgresql://ido_owner:Eigen-Wachtwoord-Owner-1@db:5432/ido",
    "REDIS_URL": "redis://redis:6379/0",
    "DB_APP_PASSWORD": "Eigen-Wachtwoord-App-1",
    "DB_READER_PASSWORD": "Eigen-Wachtwoord-Reader-1",
    "SECRET_KEY": "x7Tq0pZ3vLr8Nw2Ks5Yh9Bd4Gf6Jm1Qc",  # 32 characters
}


def _problems(**changes: str) -> list[str]:
    return hosted_problems(Settings.from_env({**PROPER, **changes}))


def test_a_proper_environment_has_no_problems():
    assert _problems() == []


def test_the_defaults_name_the_secret_and_both_passwords():
    env = {k: v for k, v in PROPER.items() if k in ("DATABASE_URL", "REDIS_URL")}
    problems = hosted_problems(Settings.from_env(env))
    assert len(problems) == 3
    for var in ("SECRET_KEY", "DB_APP_PASSWORD", "DB_READER_PASSWORD"):
        assert any(f"zet {var} op" in p for p in problems), var


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY is niet gezet of een voorbeeldwaarde"),
        (
            {"SECRET_KEY": "change-me-to-64-random-characters"},
            "SECRET_KEY is niet gezet of een voorbeeldwaarde",
        ),
        ({"SECRET_KEY": "a" * 31}, "SECRET_KEY is korter dan 32 tekens"),
        ({"DB_APP_PASSWORD": "ido_app"}, "DB_APP_PASSWORD is niet gezet of een standaardwachtwoord"),
        ({"DB_APP_PASSWORD": "ido_reader"}, "DB_APP_PASSWORD is niet gezet of een standaardwachtwoord"),
        ({"DB_APP_ROLE": "bieb_app", "DB_APP_PASSWORD": "bieb_app"}, "zet DB_APP_PASSWORD op"),
        ({"DB_READER_PASSWORD": "ido_reader"}, "DB_READER_PASSWORD is niet gezet of een standaardwachtwoord"),
        ({"DB_READER_ROLE": "bieb_lezer", "DB_READER_PASSWORD": "bieb_lezer"}, "zet DB_READER_PASSWORD op"),
        ({"DATABASE_URL": "postgresql://ido_owner:ido_owner@db/ido"}, "DATABASE_URL is de gebruikersnaam"),
        (
            {"IDO_FIXED_NOW": "2026-12-06T10:00:00+01:00"},
            "IDO_FIXED_NOW is alleen voor tests en ontwikkeling",
        ),
        ({"PASSWORD_HASH_PROFILE": "test"}, "haal PASSWORD_HASH_PROFILE weg"),
    ],
)
def test_one_known_default_is_one_problem_that_names_its_variable(change, says):
    [problem] = _problems(**change)
    assert says in problem


def test_a_long_secret_and_a_url_without_password_are_fine():
    assert (
        _problems(SECRET_KEY="k" * 32, DATABASE_URL="postgresql://ido_owner@/ido?host=/run/postgresql") == []
    )


def test_development_is_only_an_explicit_yes():
    assert is_development({"IDO_DEVELOPMENT": "1"}) and is_development({"IDO_DEVELOPMENT": "true"})
    assert not is_development({}) and not is_development({"IDO_DEVELOPMENT": "0"})


@pytest.mark.parametrize(
    ("base_url", "cookie_secure", "secure"),
    [
        ("https://ido.example.nl", None, True),
        ("http://localhost:8000", None, False),
        (None, None, False),
        ("https://ido.example.nl", "false", False),  # an explicit setting wins
        ("http://localhost:8000", "true", True),
    ],
)
def test_secure_cookies_follow_an_https_base_url_unless_set(base_url, cookie_secure, secure):
    env = dict(PROPER)
    if base_url:
        env["BASE_URL"] = base_url
    if cookie_secure:
        env["COOKIE_SECURE"] = cookie_secure
    assert Settings.from_env(env).cookie_secure is secure


def test_the_bundle_lease_is_a_setting_of_thirty_seconds_by_default():
    assert Settings.from_env(PROPER).bundle_lease_seconds == 30.0
    assert Settings.from_env({**PROPER, "BUNDLE_LEASE_SECONDS": "5"}).bundle_lease_seconds == 5.0


# development mail and the base URL of `ido run` (issue 18)


def test_mail_kept_in_a_folder_is_refused_when_hosted():
    problems = _problems(SMTP_URL="file:///tmp/post")
    assert problems == [
        "SMTP_URL met file:// bewaart de e-mail in een map en is alleen voor ontwikkeling "
        "(zet SMTP_URL op uw mailserver)"
    ]
    assert Settings.from_env({**PROPER, "SMTP_URL": "file:///tmp/post"}).dev_mail_folder == "/tmp/post"
    assert Settings.from_env(PROPER).dev_mail_folder is None


def test_development_is_a_setting_only_under_ido_development():
    assert Settings.from_env({**PROPER, "IDO_DEVELOPMENT": "1"}).development
    assert not Settings.from_env(PROPER).development


def test_ido_run_links_to_its_own_port_and_keeps_mail_without_a_mail_server(tmp_path):
    from services.cli.devserver import development_env

    env = development_env({**PROPER, "IDO_VAR_DIR": str(tmp_path)}, 8101)
    assert env["BASE_URL"] == "http://127.0.0.1:8101" and is_development(env)
    assert env["SMTP_URL"] == f"file://{tmp_path.resolve()}/dev-mail"
    own = development_env({**PROPER, "BASE_URL": "http://ido.test", "SMTP_URL": "smtp://mail:25"}, 8101)
    assert own["BASE_URL"] == "http://ido.test" and own["SMTP_URL"] == "smtp://mail:25"


def test_a_kept_message_is_one_whole_file(tmp_path):
    from email import message_from_bytes
    from email.policy import default

    from infra.notify import mail

    mail.send(
        f"file://{tmp_path}/post",
        "IDO <noreply@ido.test>",
        ["a@ido.test"],
        "Onderwerp",
        "tekst",
        "<p>tekst</p>",
    )
    [kept] = list((tmp_path / "post").iterdir())
    assert kept.suffix == ".eml"
    msg = message_from_bytes(kept.read_bytes(), policy=default)
    assert msg["Subject"] == "Onderwerp" and msg.get_body(("plain",)).get_content().strip() == "tekst"
