"""services/api/templating.fixed: markup that is the same for every request (the desk's first step) is rendered once
per process, and shows what the template would."""

from __future__ import annotations

from types import SimpleNamespace

from jinja2 import Environment, FileSystemLoader

from domain.catalogue import CATALOGUE
from services.api import templating
from services.api.app import HERE

NAME = "desk/partials/_party_choices.html.j2"


def test_the_first_steps_choices_are_rendered_once_with_every_party_and_its_key(monkeypatch) -> None:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    templating.configure_environment(SimpleNamespace(engine=env))  # type: ignore[arg-type]
    monkeypatch.setattr(templating, "_fixed", {})
    rendered = env.globals["fixed"](NAME)
    parties = CATALOGUE.active_parties()
    assert rendered.count('name="partij"') == len(parties)
    for n, p in enumerate(parties):
        assert f'value="{p.code}"' in rendered
        assert f'data-key="{templating.CHOICE_KEYS[n]}"' in rendered
    monkeypatch.setattr(env, "get_template", None)  # a second call renders nothing
    assert env.globals["fixed"](NAME) is rendered
