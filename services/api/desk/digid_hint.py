"""The desk's DigiD hint: a topic that needs a DigiD login in a "mijn" environment is a personal question, which
the desk refers to a local partner; the hint names the library's partners that help with the topic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.catalogue import Topic
from infra.platform.partners import Partner, for_topic


def digid_hint(topic: Topic | None, partners: Iterable[Partner]) -> dict[str, Any]:
    """`digid` for the desk's templates (templates/desk/partials/_digid_hint.html.j2): None, or the "mijn"
    environment and the active partners that help with the topic."""
    if topic is None or not topic.needs_digid:
        return {"digid": None}
    return {"digid": {"mijn": topic.mijn, "partners": for_topic(partners, topic.code)}}
