"""The desk's "Vandaag" rows, rendered once per process for what they show (services/api/templating.today_rows):
each page gets its own session's CSRF field, a row shows what changed (its sender's new name), and a row from the
cache is the row as it was rendered."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import UUID

import msgspec
import pytest
from jinja2 import Environment, FileSystemLoader

from domain.catalogue import CATALOGUE
from domain.questions import Classification
from infra.queries.desk import Today, TodayRow
from services.api import templating
from services.api.app import HERE

LOCATION = UUID(int=7)


@pytest.fixture
def env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    engine = SimpleNamespace(engine=env)
    templating.configure_environment(engine)  # type: ignore[arg-type]
    templating._today_rows.clear()
    return env


def row(n: int, partner: UUID | None = None) -> TodayRow:
    what = Classification(
        location_id=LOCATION,
        asked_at=datetime(2026, 3, 2, 9, n, tzinfo=UTC),
        kind="digitale_overheid",
        npd_party="uwv",
        topic="uwv.wia",
        help="lokale_partner" if partner else "samen_gezocht",
        channel="balie",
        partner_id=partner,
        warmth="warm" if partner else None,
        referred_by_partner_id=partner,
    )
    return TodayRow(UUID(int=100 + n), what, "", False, event_id=UUID(int=200 + n))


def page(env: Environment, token: str, sender_name: str = "Het Juridisch Loket") -> str:
    rows = [row(1), row(2, partner=UUID(int=9))]
    return env.get_template("desk/partials/_today.html.j2").render(
        lib=SimpleNamespace(slug="bieb"),
        location=SimpleNamespace(location_id=LOCATION),
        today=Today(rows, 2),
        catalogue=CATALOGUE,
        sender=lambda what: sender_name if what.referred_by_partner_id else "",
        csrf_input=f'<input type="hidden" name="_csrf_token" value="{token}">',
        oob=False,
    )


def test_each_page_has_its_own_csrf_token_in_every_row(env):
    first, second = page(env, "token-a"), page(env, "token-b")
    assert first.count('value="token-a"') == 2 and "token-b" not in first
    assert second.count('value="token-b"') == 2 and "token-a" not in second
    assert "\x00" not in first + second
    assert first.replace("token-a", "token-b") == second


def test_a_row_from_the_cache_is_the_row_as_rendered(env):
    rendered = page(env, "t")
    assert len(templating._today_rows) == 2
    assert page(env, "t") == rendered
    templating._today_rows.clear()
    assert page(env, "t") == rendered
    assert "Doorverwezen door Het Juridisch Loket" in rendered and "(warm)" in rendered
    assert "/t/bieb/balie/vragen/00000000-0000-0000-0000-000000000066/ongedaan" in rendered


def test_a_renamed_sender_shows_at_once_and_a_full_cache_starts_again(env, monkeypatch):
    page(env, "t")
    assert "Doorverwezen door Juridisch Loket Utrecht" in page(env, "t", "Juridisch Loket Utrecht")
    monkeypatch.setattr(templating, "TODAY_ROWS_KEPT", 3)
    page(env, "t", "Derde naam")
    assert len(templating._today_rows) <= 3


def test_an_event_id_that_comes_again_with_other_content_is_rendered_afresh(env):
    """A registration's transaction that rolled back after its page was read, and the same event id stored later
    with another classification (a question the browser kept, sent again with the time it was asked)."""

    def render(what) -> str:
        return env.get_template("desk/partials/_today.html.j2").render(
            lib=SimpleNamespace(slug="bieb"),
            location=SimpleNamespace(location_id=LOCATION),
            today=Today([TodayRow(UUID(int=150), what, "", False, event_id=UUID(int=250))], 1),
            catalogue=CATALOGUE,
            sender=lambda what: "",
            csrf_input='<input type="hidden" name="_csrf_token" value="t">',
            oob=False,
        )

    first, other = (
        row(5).what,
        msgspec.structs.replace(row(5).what, npd_party="duo", topic="duo.studiefinanciering"),
    )
    assert "UWV" in render(first)
    assert "DUO" in render(other) and "UWV" not in render(other)
    assert render(msgspec.structs.replace(other)) == render(other)  # equal content: the kept row
    assert len(templating._today_rows) == 1
