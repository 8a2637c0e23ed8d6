"""The desk (/t/{slug}/balie): three taps — party, topic, how helped — and the question is registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from litestar import Controller, MediaType, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response, Template

from application.aggregates import QUESTION, load
from application.bus import Bus
from application.questions import id_for_key
from domain import questions as q
from domain.calendar import as_local, local
from domain.catalogue import CATALOGUE
from domain.errors import DomainError, IdempotencyConflict, NotFound
from domain.ports import Clock
from domain.referrals import WARMTH_UNKNOWN, WARMTHS
from infra.platform.partners import Partner, Partners, for_topic
from infra.queries.desk import DeskPage, DeskQueries
from services.api.deps import picked
from services.api.desk.digid_hint import digid_hint
from services.api.desk.offline import asked_on_device, catalogue_json
from services.api.scope import STAFF, Library
from services.api.web import is_partial, meta, page, see_other


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _when(value: str) -> datetime | None:
    """A datetime-local field (Dutch time, domain.calendar); empty means now."""
    if not value:
        return None
    try:
        return as_local(datetime.fromisoformat(value).replace(tzinfo=None))
    except ValueError:
        raise DomainError("Vul een geldige datum en tijd in.", field="asked_at") from None


# "Staat er niet bij" of the partner select and of "Doorverwezen door" (templates/desk/partials/
# _details_fields.html.j2 and _referred_by.html.j2)
UNLISTED = "niet-vermeld"


def _referrals(form: dict[str, Any]) -> dict[str, Any]:
    """The form's referral fields as command fields: the partner referred to (`partner`: a partner, "Staat er
    niet bij" or none) and how (`warmte`), and the partner that sent the visitor (`door`: a partner, "Staat er
    niet bij" or none; a value that is neither is no partner of the library, which the domain refuses)."""
    partner, by = str(form.get("partner", "")), str(form.get("door", ""))
    return {
        "partner_id": _uuid(partner) if partner else None,
        "partner_unlisted": partner == UNLISTED,
        "warmth": str(form.get("warmte", "")) or None,
        "referred_by_partner_id": None if by in ("", UNLISTED) else _uuid(by) or UUID(int=0),
        "referred_by_unlisted": by == UNLISTED,
    }


UNLISTED_LABEL = "een partner die er niet bij staat"  # as the desk says who sent the visitor


def _referred_by(value: Any, partners: list[Partner]) -> tuple[str, str]:
    """A step's "Doorverwezen door" (its value and what the desk shows): one of the active partners, "Staat er
    niet bij", or none (also for a value that is neither)."""
    if value == UNLISTED:
        return UNLISTED, UNLISTED_LABEL
    chosen = next((p for p in partners if str(p.partner_id) == value), None)
    return (str(chosen.partner_id), chosen.name) if chosen else ("", "")


def _sender(what: q.Classification, partners: list[Partner]) -> str:
    """Who sent the visitor of a question on today's list, as the steps say it; "" for nobody. A partner no
    longer active is "een lokale partner"."""
    if what.referred_by_unlisted:
        return UNLISTED_LABEL
    if what.referred_by_partner_id is None:
        return ""
    return _referred_by(str(what.referred_by_partner_id), partners)[1] or "een lokale partner"


@dataclass(frozen=True)
class Parts:
    """What the desk uses: the bus (the commands, and a question from its events), the desk's queries (its
    locations, partners and today's questions) and the clock."""

    bus: Bus
    desk_queries: DeskQueries
    clock: Clock


class DeskController(Controller):
    path = "/t/{slug:str}"
    dependencies = {"lib": STAFF, "parts": picked(Parts)}

    async def _state(
        self, parts: Parts, lib: Library, params: dict[str, Any], data: DeskPage | None = None, **extra: Any
    ) -> dict[str, Any]:
        """What the desk's templates show; `data` when the page was read already (in the command's transaction)."""
        if data is None:
            data = await parts.desk_queries.page(lib.tenant_id, _uuid(params.get("locatie")))
        party = params.get("partij") or None
        topic = params.get("onderwerp") or None
        if party and party not in {p.code for p in CATALOGUE.parties}:
            party = topic = None
        if topic and (not party or topic not in {t.code for t in CATALOGUE.party(party).topics}):
            topic = None
        step = "help" if topic else "topic" if party else "party"
        door, door_name = _referred_by(params.get("door"), data.partners)
        return {
            "lib": lib,
            "locations": data.locations,
            "location": data.location,
            "step": step,
            "party": CATALOGUE.party(party) if party else None,
            "topic": CATALOGUE.topic(topic) if topic else None,
            "visit": _uuid(params.get("bezoek")) or uuid4(),
            "key": uuid4(),
            "today": data.today,
            "catalogue": CATALOGUE,
            "help_kinds": CATALOGUE.help_kinds,
            "channels": CATALOGUE.channels,
            "durations": CATALOGUE.durations,
            "kinds": CATALOGUE.question_kinds,
            "partners": data.partners,
            "door": door,  # "Doorverwezen door", chosen on the first step and kept by the next two
            "door_name": door_name,
            "sender": lambda what: _sender(what, data.partners),  # today's list: who sent the visitor
            "warmths": WARMTHS,
            "message": None,
            "error": None,
            "values": {},
            "now_local": local(parts.clock()),
            "opening_hours": None,
            "visit_link": True,
            "desk_catalogue": catalogue_json(),
            # the DigiD hint of the help step (services/api/desk/digid_hint.py)
            **digid_hint(CATALOGUE.topic(topic) if topic else None, data.partners),
            **extra,
        }

    @get("/balie", include_in_schema=False)
    async def desk(self, request: Request, lib: Library, parts: Parts) -> Template:
        params = dict(request.query_params)
        extra = {}
        if params.get("melding") == "geregistreerd":
            extra["message"] = "De vraag is geregistreerd."
        elif params.get("melding") == "geteld" and str(params.get("aantal", "")).isdigit():
            n, v = int(params["aantal"]), str(params.get("bezoekers", ""))
            visitors = f" van {v} {'bezoeker' if v == '1' else 'bezoekers'}" if v.isdigit() else ""
            extra["message"] = f"{n} {'vraag' if n == 1 else 'vragen'}{visitors} geteld."
            extra["visit_link"] = False  # a tally is no visit
        elif params.get("melding") == "ongedaan":
            extra["message"] = "De registratie is ongedaan gemaakt."
        elif params.get("melding") == "verbeterd":
            extra["message"] = "De vraag is verbeterd."
        state = await self._state(parts, lib, params, **extra)
        return page(request, "desk/page.html.j2", "desk/partials/_wizard.html.j2", **state)

    @post("/balie/vragen", include_in_schema=False)
    async def register(self, request: Request, lib: Library, parts: Parts) -> Response:
        """A question from the form, or one the browser kept while the server did not answer (docs/offline.md):
        that one carries `gevraagd`, the instant it was asked on the device, and `gebruiker`, who entered it."""
        form = dict(await request.form())
        key = str(form.get("key", ""))[:100] or str(uuid4())
        kept = bool(form.get("gevraagd"))
        if "gebruiker" in form and str(form["gebruiker"]) != str(lib.who.user_id):
            return Response(ANOTHER_USER, status_code=409, media_type=MediaType.TEXT)
        try:
            cmd = q.RegisterQuestion(
                question_id=id_for_key(lib.tenant_id, key),
                visit_id=_uuid(form.get("bezoek")) or id_for_key(lib.tenant_id, key, "visit"),
                location_id=_uuid(form.get("locatie")) or UUID(int=0),
                npd_party=str(form.get("partij", "")),
                topic=str(form.get("onderwerp", "")),
                help=str(form.get("hulp", "")),
                kind=str(form.get("soort") or "digitale_overheid"),
                channel=str(form.get("kanaal") or "balie"),
                duration=str(form.get("duur") or "") or None,
                **_referrals(form),
                note=str(form.get("notitie", "")),
                asked_at=_when(str(form.get("tijdstip", "")))
                or asked_on_device(str(form.get("gevraagd", "")), parts.clock()),
            )
            # the partial's page is read in the command's transaction (a redirect reads it with the next GET)
            then = parts.desk_queries.page_after(cmd.location_id) if is_partial(request) else None
            try:
                _, data = await parts.bus.handle_then(
                    lib.tenant_id, cmd, meta(request, "desk"), then, key=key
                )
            except IdempotencyConflict:
                # a kept question whose first sending was stored, without `gevraagd`, before its answer was lost
                if not kept or not await _stored(parts, lib, cmd.question_id):
                    raise
                data = await parts.desk_queries.page(lib.tenant_id, cmd.location_id) if then else None
        except DomainError as err:
            params = {
                "locatie": form.get("locatie"),
                "partij": form.get("partij"),
                "onderwerp": form.get("onderwerp"),
                "bezoek": form.get("bezoek"),
                "door": form.get("door"),
            }
            state = await self._state(parts, lib, params, error=err, values=form)
            return page(request, "desk/page.html.j2", "desk/partials/_wizard.html.j2", status=422, **state)
        if not is_partial(request):
            return see_other(
                f"/t/{lib.slug}/balie?locatie={cmd.location_id}&bezoek={cmd.visit_id}&melding=geregistreerd"
            )
        state = await self._state(
            parts,
            lib,
            {"locatie": str(cmd.location_id), "bezoek": str(cmd.visit_id)},
            data,
            message=_registered_text(cmd),
        )
        return page(request, "desk/page.html.j2", "desk/partials/_after_write.html.j2", **state)

    @post("/balie/vragen/{question_id:uuid}/ongedaan", include_in_schema=False)
    async def retract(self, request: Request, lib: Library, parts: Parts, question_id: UUID) -> Response:
        form = dict(await request.form())
        try:
            await parts.bus.handle(
                lib.tenant_id,
                q.RetractQuestion(question_id=question_id, by_coordinator=lib.is_coordinator),
                meta(request, "desk"),
            )
            message, error = "De registratie is ongedaan gemaakt.", None
        except NotFound:
            raise
        except DomainError as err:
            message, error = None, err
        if not is_partial(request):
            return see_other(f"/t/{lib.slug}/balie?locatie={form.get('locatie', '')}&melding=ongedaan")
        state = await self._state(parts, lib, {"locatie": form.get("locatie")}, message=message, error=error)
        return page(request, "desk/page.html.j2", "desk/partials/_after_write.html.j2", **state)

    @get("/balie/vragen/{question_id:uuid}", include_in_schema=False)
    async def correct_form(self, request: Request, lib: Library, parts: Parts, question_id: UUID) -> Template:
        return await self._correct_page(request, lib, parts, question_id, None, {})

    async def _correct_page(
        self,
        request: Request,
        lib: Library,
        parts: Parts,
        question_id: UUID,
        error: DomainError | None,
        values: dict[str, Any],
    ) -> Template:
        """The correction form: filled in with the question, or with what was posted (`values`) and the error.
        The topic select lists the topics of the chosen party only."""
        state = await parts.bus.read(lib.tenant_id, lambda tx: load(tx, QUESTION, question_id))
        if state.version == 0 or state.retracted or state.tally:
            raise NotFoundException()
        w = state.what
        ctx = await self._state(parts, lib, {"locatie": str(w.location_id)}, error=error, values=values)
        # a referral stored before warm or cold was asked (or imported without it) may keep "Niet vastgelegd"
        ctx["warmth_unknown"] = w.help == q.REFERRAL and w.warmth is None
        if not values:
            unlisted = w.help == q.REFERRAL and w.partner_id is None and ctx["partners"]
            by = str(w.referred_by_partner_id) if w.referred_by_partner_id else ""
            ctx["values"] = {
                "partij": w.npd_party,
                "onderwerp": w.topic,
                "hulp": w.help,
                "soort": w.kind,
                "kanaal": w.channel,
                "duur": w.duration or "",
                "partner": str(w.partner_id) if w.partner_id else UNLISTED if unlisted else "",
                "warmte": w.warmth or (WARMTH_UNKNOWN if ctx["warmth_unknown"] else ""),
                "door": UNLISTED if w.referred_by_unlisted else by,
                "notitie": state.note,
                "tijdstip": f"{local(w.asked_at):%Y-%m-%dT%H:%M}",
            }
        return page(
            request,
            "desk/correct.html.j2",
            status=422 if error else 200,
            question=state,
            topic_party=_party_or(str(ctx["values"].get("partij", "")), w.npd_party),
            **ctx,
        )

    @post("/balie/vragen/{question_id:uuid}", include_in_schema=False)
    async def correct(self, request: Request, lib: Library, parts: Parts, question_id: UUID) -> Response:
        form = dict(await request.form())
        try:
            cmd = q.CorrectQuestion(
                question_id=question_id,
                npd_party=str(form.get("partij", "")),
                topic=str(form.get("onderwerp", "")),
                help=str(form.get("hulp", "")),
                kind=str(form.get("soort") or "digitale_overheid"),
                channel=str(form.get("kanaal") or "balie"),
                duration=str(form.get("duur") or "") or None,
                **_referrals(form),
                note=str(form.get("notitie", "")),
                by_coordinator=lib.is_coordinator,
                asked_at=_when(str(form.get("tijdstip", ""))),
            )
            outcome = await parts.bus.handle(lib.tenant_id, cmd, meta(request, "desk"))
        except NotFound:
            raise
        except DomainError as err:
            return await self._correct_page(request, lib, parts, question_id, err, form)
        return see_other(f"/t/{lib.slug}/balie?locatie={outcome.body['location_id']}&melding=verbeterd")

    @get("/balie/onderwerpen", include_in_schema=False)
    async def topic_options(self, request: Request, lib: Library, partij: str = "") -> Template:
        """The topic options of one party, for the correction form's topic select (htmx swaps them in when the
        party changes; without JavaScript the server refuses a topic of another party and shows the form again).
        Opened as a page, it lists the party's topics."""
        return page(
            request,
            "desk/topics.html.j2",
            "desk/partials/_topic_options.html.j2",
            lib=lib,
            catalogue=CATALOGUE,
            topic_party=_party_or(partij, None),
            selected=None,
        )

    @get("/balie/telling", include_in_schema=False)
    async def tally_form(self, request: Request, lib: Library, parts: Parts) -> Template:
        ctx = await self._state(parts, lib, dict(request.query_params))
        return page(request, "desk/tally.html.j2", **ctx)

    @post("/balie/telling", include_in_schema=False)
    async def tally(self, request: Request, lib: Library, parts: Parts) -> Response:
        form = dict(await request.form())
        key = str(form.get("key", ""))[:100] or str(uuid4())
        try:
            count = str(form.get("aantal", "")).strip()
            if not count.isdigit():
                raise DomainError("Vul het aantal vragen in als heel getal.", field="count")
            visitors = str(form.get("bezoekers", "")).strip()
            if visitors and not visitors.isdigit():
                raise DomainError(
                    "Vul het aantal bezoekers in als heel getal, of laat het leeg.", field="visitors"
                )
            hour = (
                _when(f"{form.get('datum', '')}T{int(form.get('uur') or 0):02d}:00")
                if form.get("datum")
                else None
            )
            cmd = q.TallyQuestions(
                question_id=id_for_key(lib.tenant_id, key),
                location_id=_uuid(form.get("locatie")) or UUID(int=0),
                hour_start=hour or local(parts.clock()).replace(minute=0, second=0, microsecond=0),
                npd_party=str(form.get("partij", "")),
                count=int(count),
                kind=str(form.get("soort") or "digitale_overheid"),
                visitors=int(visitors) if visitors else None,  # empty: one visitor per question
            )
            await parts.bus.handle(lib.tenant_id, cmd, meta(request, "desk"), key=key)
        except (DomainError, ValueError) as err:
            err = (
                err
                if isinstance(err, DomainError)
                else DomainError("Kies een geldig uur.", field="hour_start")
            )
            ctx = await self._state(parts, lib, {"locatie": form.get("locatie")}, error=err, values=form)
            return page(request, "desk/tally.html.j2", status=422, **ctx)
        visitors = f"&bezoekers={cmd.visitors}" if cmd.visitors is not None else ""
        return see_other(
            f"/t/{lib.slug}/balie?locatie={cmd.location_id}&melding=geteld&aantal={cmd.count}{visitors}"
        )

    @get("/baliemenu", include_in_schema=False)
    async def baliemenu(
        self, request: Request, lib: Library, partners: Partners, onderwerp: str = ""
    ) -> Template:
        """The parties and the library's partners; for a chosen topic (`onderwerp`), the partners that help."""
        active = await partners.list(lib.tenant_id, active_only=True)
        topic, error = None, None
        if onderwerp.strip():
            try:
                topic = CATALOGUE.topic(onderwerp.strip())
            except DomainError:
                error = "Dit onderwerp staat niet in de catalogus. Kies een onderwerp uit de lijst."
        return page(
            request,
            "desk/baliemenu.html.j2",
            status=422 if error else 200,
            lib=lib,
            catalogue=CATALOGUE,
            partners=active,
            topic=topic,
            party=CATALOGUE.party_of_topic(topic.code) if topic else None,
            matching=for_topic(active, topic.code) if topic else [],
            topic_error=error,
        )


def _party_or(code: str, fallback: str | None) -> Any:
    """The catalogue's party of `code`, else that of `fallback` (None: no party)."""
    for c in (code, fallback):
        if c and c in {p.code for p in CATALOGUE.parties}:
            return CATALOGUE.party(c)
    return None


ANOTHER_USER = (
    "Deze vraag is op dit apparaat ingevoerd door een andere gebruiker. Zij wordt verzonden als die gebruiker "
    "hier weer inlogt."
)


async def _stored(parts: Parts, lib: Library, question_id: UUID) -> bool:
    state = await parts.bus.read(lib.tenant_id, lambda tx: load(tx, QUESTION, question_id))
    return state.version > 0


def _registered_text(cmd: q.RegisterQuestion) -> str:
    return f"Geregistreerd: {CATALOGUE.party(cmd.npd_party).name} – {CATALOGUE.topic(cmd.topic).name}."
