"""JSON API /api/v1: register and list questions, and the catalogue. Bearer tokens; problem+json errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from application.bus import Bus
from application.questions import id_for_key
from domain import questions as q
from domain.catalogue import CATALOGUE
from domain.errors import DomainError
from infra.queries.questions_query import questions_between
from infra.store.codec import Codec
from infra.store.db import Database
from services.api.errors import problem, problem_responses
from services.api.scope import STAFF, Library
from services.api.web import meta, require_who

# Printable ASCII (a UUID will do): a control character, a NUL above all, has no place in the stored key
IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[\x20-\x7e]+$",
        description="Printable ASCII, at most 100 characters; a UUID will do.",
    ),
]


class QuestionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    location_id: UUID
    npd_party: Annotated[str, msgspec.Meta(max_length=40)]
    topic: Annotated[str, msgspec.Meta(max_length=80)]
    help: Annotated[str, msgspec.Meta(max_length=40)]
    kind: Annotated[str, msgspec.Meta(max_length=40)] = "digitale_overheid"
    channel: Annotated[str, msgspec.Meta(max_length=40)] = "balie"
    duration: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    partner_id: UUID | None = None
    partner_unlisted: Annotated[
        bool,
        msgspec.Meta(
            description="Referred to a local partner the library has not listed ('staat er niet bij'). While "
            "the library has active partners, help 'lokale_partner' needs partner_id or partner_unlisted."
        ),
    ] = False
    warmth: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=20,
                description="How the visitor was referred to the local partner: 'warm' (a contact made for the "
                "visitor), 'koud' (an address given), or 'onbekend' (not known, e.g. taken over from a system that "
                "did not record it). Required with help 'lokale_partner'; with other help null or 'onbekend'.",
            ),
        ]
        | None
    ) = None
    referred_by_partner_id: Annotated[
        UUID | None,
        msgspec.Meta(
            description="The visitor was sent by this local partner of the library ('Doorverwezen door'), "
            "whatever the help."
        ),
    ] = None
    referred_by_unlisted: Annotated[
        bool,
        msgspec.Meta(
            description="The visitor was sent by a local partner the library has not listed ('staat er niet "
            "bij'); not together with referred_by_partner_id."
        ),
    ] = False
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    asked_at: datetime | None = None
    visit_id: UUID | None = None


class QuestionCreated(msgspec.Struct):
    question_id: UUID
    visit_id: UUID


class QuestionOut(msgspec.Struct):
    question_id: UUID
    location_id: UUID
    asked_at: datetime
    kind: str
    npd_party: str
    topic: str | None
    help: str | None
    channel: str
    duration: str | None
    partner_id: UUID | None
    warmth: str | None  # 'warm' or 'koud' for a referral to a local partner; null when not recorded
    referred_by_partner_id: UUID | None
    referred_by_unlisted: bool
    count: int
    tally: bool
    visit_id: UUID | None  # the visit a registered question belongs to (one visitor); null for a tally
    visitors: int | None  # a tally's visitors; null for a registered question


class Option(msgspec.Struct):
    code: str
    label: str
    kb_category: str


class TopicOut(msgspec.Struct):
    code: str
    name: str
    kb_category: str


class PartyOut(msgspec.Struct):
    code: str
    name: str
    kb_category: str
    website: str
    joined: bool
    topics: list[TopicOut]


class CatalogueOut(msgspec.Struct):
    version: str
    kb_form_version: str
    parties: list[PartyOut]
    question_kinds: list[Option]
    help_kinds: list[Option]
    channels: list[Option]
    durations: list[Option]


def json_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: the API reads bodies as JSON only; any other Content-Type is refused (415) before the body is read."""
    media_type = connection.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HTTPException(
            status_code=415,
            detail="Stuur de gegevens als JSON, met de header Content-Type: application/json.",
        )


@post(
    "/api/v1/t/{slug:str}/questions",
    tags=["vragen"],
    summary="Register a question",
    guards=[json_only],
    dependencies={"lib": STAFF},
    responses=problem_responses(400, 401, 404, 409, 413, 415, 422, 503),
)
async def register_question(
    request: Request,
    lib: Library,
    data: JSONBody[QuestionIn],
    idempotency_key: IdempotencyKey,
    bus: Bus,
) -> Response[QuestionCreated]:
    """The same Idempotency-Key with the same body answers as the first time; with another body: 409."""
    key = "api:" + idempotency_key
    cmd = q.RegisterQuestion(
        question_id=id_for_key(lib.tenant_id, key),
        visit_id=data.visit_id or id_for_key(lib.tenant_id, key, "visit"),
        location_id=data.location_id,
        npd_party=data.npd_party,
        topic=data.topic,
        help=data.help,
        kind=data.kind,
        channel=data.channel,
        duration=data.duration,
        partner_id=data.partner_id,
        partner_unlisted=data.partner_unlisted,
        warmth=data.warmth,
        referred_by_partner_id=data.referred_by_partner_id,
        referred_by_unlisted=data.referred_by_unlisted,
        note=data.note,
        asked_at=data.asked_at,
    )
    outcome = await bus.handle(lib.tenant_id, cmd, meta(request, "api"), key=key)
    return Response(
        msgspec.convert(outcome.body, QuestionCreated),
        status_code=outcome.status,
        headers={"Idempotent-Replayed": "true"} if outcome.replayed else None,
    )


@get(
    "/api/v1/t/{slug:str}/questions",
    tags=["vragen"],
    summary="Questions asked in a period",
    dependencies={"lib": STAFF},
    responses=problem_responses(400, 401, 404, 422, 503),
)
async def list_questions(
    lib: Library,
    from_: Annotated[date, QueryParameter(name="from")],
    to: Annotated[date, QueryParameter(name="to")],
    db: Database,
    codec: Codec,
) -> list[QuestionOut]:
    if to < from_ or to - from_ > timedelta(days=365):
        raise DomainError("Kies een periode van hoogstens een jaar, met 'from' niet na 'to'.", field="from")
    if from_ < date(2000, 1, 1) or to > date(2100, 12, 31):
        raise DomainError("Kies datums tussen 2000 en 2100.", field="from" if from_.year < 2000 else "to")
    rows = await questions_between(db, codec, lib.tenant_id, from_, to)
    return [
        QuestionOut(
            question_id=r.question_id,
            tally=r.tally,
            visit_id=r.visit_id,
            **{
                **msgspec.structs.asdict(r.what),
                "visitors": q.tally_visitors(r.what) if r.tally else None,
            },
        )
        for r in rows
    ]


@get(
    "/api/v1/catalogue",
    tags=["catalogus"],
    summary="The NPD catalogue in use",
    responses=problem_responses(401, 503),
)
async def catalogue(request: Request) -> CatalogueOut:
    require_who(request)

    def opts(xs) -> list[Option]:
        return [Option(o.code, o.label, o.kb_category) for o in xs]

    return CatalogueOut(
        version=CATALOGUE.version,
        kb_form_version=CATALOGUE.kb_form_version,
        parties=[
            PartyOut(
                p.code,
                p.name,
                p.kb_category,
                p.website,
                p.joined,
                [TopicOut(t.code, t.name, t.kb_category) for t in p.topics],
            )
            for p in CATALOGUE.parties
        ],
        question_kinds=opts(CATALOGUE.question_kinds),
        help_kinds=opts(CATALOGUE.help_kinds),
        channels=opts(CATALOGUE.channels),
        durations=opts(CATALOGUE.durations),
    )


ROUTES = [register_question, list_questions, catalogue]
__all__ = ["ROUTES", "problem"]
