"""The desk offline and on a tablet (docs/offline.md): the service worker at /sw.js (its scope must cover
/t/{slug}/balie, so it is served from the root), the web app manifest of a library's desk, and the catalogue the
desk's script renders the three steps from when the server does not answer (static/desk-offline.js)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

import msgspec
from litestar import Controller, Response, get

from domain import questions as q
from domain.calendar import TZ, local
from domain.catalogue import CATALOGUE
from domain.errors import DomainError
from services.api.scope import STAFF, Library

STATIC = Path(__file__).resolve().parent.parent / "static"
KEYS = "1234567890abcdefghijklmnopqrstuvwxyz"  # the shortcut keys, as templates/desk/partials/_wizard.html.j2
MAX_INSTANT = 40  # characters of an ISO 8601 instant with microseconds and an offset, and some


@cache
def _service_worker() -> bytes:
    return (STATIC / "sw.js").read_bytes()


@get("/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    """The service worker, from the root so that its scope (/) covers every library's desk. No-store (the
    security headers' default for everything outside /static/): a browser sees a new version at once."""
    return Response(_service_worker(), media_type="text/javascript; charset=utf-8")


@cache
def catalogue_json() -> str:
    """What the desk's script needs to render the three steps itself: the parties in the desk's order with
    their topics, the kinds of help, the keys, and the time zone the desk shows times in. One string per process (the catalogue is a constant), safe
    inside <script type="application/json"> (no '<')."""
    data = {
        "version": CATALOGUE.version,
        "zone": TZ.key,
        "keys": KEYS,
        "parties": [
            {
                "code": p.code,
                "name": p.name,
                "joined": p.joined,
                "topics": [[t.code, t.name] for t in p.topics],
            }
            for p in CATALOGUE.active_parties()
        ],
        "help": [[h.code, h.label] for h in CATALOGUE.help_kinds],
    }
    return msgspec.json.encode(data).decode().replace("<", "\\u003c")


def asked_on_device(value: str, now: datetime) -> datetime | None:
    """The instant a question kept in the browser was asked (the form's `gevraagd`: ISO 8601 with an offset, by
    the device's clock). A time more than the clock skew ahead of the server is refused here, naming the
    device's clock; the domain then holds it to the rules of a backdated question (not before the IDO
    registers, domain.questions._check_when). Empty: not a kept question.

    Raises: DomainError (field asked_at)."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value) if len(value) <= MAX_INSTANT else None
    except ValueError:
        at = None
    if at is None:
        raise DomainError(
            "Het tijdstip waarop de vraag is gesteld is geen geldig tijdstip.", field="asked_at"
        )
    if at.tzinfo is None:
        raise DomainError(
            "Het tijdstip waarop de vraag is gesteld mist de tijdzone (bijvoorbeeld +01:00).",
            field="asked_at",
        )
    if at > now + q.CLOCK_SKEW:
        raise DomainError(
            f"Het tijdstip van de vraag ({local(at):%d-%m-%Y %H:%M}) ligt in de toekomst: loopt de klok van dit "
            "apparaat voor? Zet de klok goed en voer de vraag opnieuw in.",
            field="asked_at",
        )
    return at


class DeskAppController(Controller):
    """The desk as an installable web app: its manifest (linked from the desk page)."""

    path = "/t/{slug:str}"
    dependencies = {"lib": STAFF}

    @get("/balie/app.webmanifest", include_in_schema=False)
    async def manifest(self, lib: Library) -> Response:
        desk = f"/t/{lib.slug}/balie"
        body = {
            "id": desk,
            "name": f"IDO-balie {lib.tenant.name}",
            "short_name": "IDO-balie",
            "description": "Vragen registreren aan de balie van het Informatiepunt Digitale Overheid.",
            "lang": "nl",
            "start_url": desk,
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#00437a",
            "icons": [
                {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
                {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
                {
                    "src": "/static/icons/icon-maskable-512.png",
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
        return Response(msgspec.json.encode(body), media_type="application/manifest+json")
