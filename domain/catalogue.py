"""The versioned catalogue of NPD-partijen, their topics and the other code lists of a registration."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import catalogue_data as data
from domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class Topic:
    """What a question was about; `code` is `<party code>.<slug>` and unique in the whole catalogue."""

    code: str
    name: str
    kb_category: str
    mijn: str = ""  # the "mijn" environment the visitor logs in to with DigiD for this topic, if any

    @property
    def needs_digid(self) -> bool:
        """A personal question that takes a DigiD login in a "mijn" environment: the desk refers it to a
        local partner (the seed: "wordt doorverwezen naar een lokale samenwerkingspartner")."""
        return bool(self.mijn)


@dataclass(frozen=True, slots=True)
class Party:
    """A public service provider (NPD-partij) or one of the catch-alls gemeente/andere/geen overheid."""

    code: str
    name: str
    kb_category: str
    website: str
    handles: str
    joined: bool
    topics: tuple[Topic, ...]


@dataclass(frozen=True, slots=True)
class Option:
    """One entry of a plain code list (kind of question, kind of help, channel, duration, partner kind)."""

    code: str
    label: str
    kb_category: str


# list name -> (attribute of Catalogue, field name for errors, Dutch noun phrase for "unknown ...")
_OPTION_LISTS = {
    "question_kind": ("question_kinds", "kind", "Onbekende soort vraag"),
    "help_kind": ("help_kinds", "help", "Onbekende soort hulp"),
    "channel": ("channels", "channel", "Onbekend kanaal"),
    "duration": ("durations", "duration", "Onbekende duur"),
    "partner_kind": ("partner_kinds", "partner_kind", "Onbekende soort lokale partner"),
}


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One version of the catalogue. Lookups raise DomainError (Dutch message, `field` set), never KeyError."""

    version: str
    kb_form_version: str
    parties: tuple[Party, ...]
    question_kinds: tuple[Option, ...]
    help_kinds: tuple[Option, ...]
    channels: tuple[Option, ...]
    durations: tuple[Option, ...]
    partner_kinds: tuple[Option, ...]
    extra_party_codes: tuple[str, ...] = ()
    _party_index: dict[str, Party] = field(init=False, repr=False, compare=False)
    _topic_index: dict[str, tuple[Topic, Party]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parties = {p.code: p for p in self.parties}
        topics: dict[str, tuple[Topic, Party]] = {}
        for p in self.parties:
            for t in p.topics:
                if t.code in topics or not t.code.startswith(p.code + "."):
                    raise ValueError(f"topic code {t.code!r} is a duplicate or lacks the prefix {p.code!r}")
                topics[t.code] = (t, p)
        if len(parties) != len(self.parties) or not set(self.extra_party_codes) <= parties.keys():
            raise ValueError("party codes are not unique, or an extra party is missing")
        for name, (attr, _, _) in _OPTION_LISTS.items():
            codes = [o.code for o in getattr(self, attr)]
            if len(set(codes)) != len(codes):
                raise ValueError(f"codes of {name} are not unique")
        object.__setattr__(self, "_party_index", parties)
        object.__setattr__(self, "_topic_index", topics)

    # NPD-partijen and topics

    def party(self, code: str) -> Party:
        try:
            return self._party_index[code]
        except KeyError:
            raise DomainError(f"Onbekende NPD-partij '{code}'.", field="npd_party") from None

    def topic(self, code: str) -> Topic:
        return self._topic_entry(code)[0]

    def party_of_topic(self, topic_code: str) -> Party:
        return self._topic_entry(topic_code)[1]

    def check_topic(self, party_code: str, topic_code: str) -> Topic:
        """The topic, if it belongs to the party. Raises: DomainError (field npd_party or topic)."""
        party = self.party(party_code)
        topic, owner = self._topic_entry(topic_code)
        if owner.code != party.code:
            raise DomainError(
                f"Het onderwerp '{topic.name}' hoort bij {owner.name}, niet bij {party.name}. "
                "Kies een onderwerp van de gekozen dienstverlener.",
                field="topic",
            )
        return topic

    def topics(self) -> tuple[Topic, ...]:
        """Every topic of every party, in seed order."""
        return tuple(t for p in self.parties for t in p.topics)

    def active_parties(self) -> tuple[Party, ...]:
        """For the desk's menu: the joined NPD-partijen in seed order, then gemeente/andere/geen overheid,
        then the parties that have not joined yet."""
        extra = [self.party(c) for c in self.extra_party_codes]
        npd = [p for p in self.parties if p.code not in self.extra_party_codes]
        return tuple([p for p in npd if p.joined] + extra + [p for p in npd if not p.joined])

    def kb_category(self, party_code: str, topic_code: str | None = None) -> str:
        """The KB registration category: the party's, or the topic's when a topic is given."""
        if topic_code is None:
            return self.party(party_code).kb_category
        return self.check_topic(party_code, topic_code).kb_category

    # Plain code lists

    def option(self, list_name: str, code: str) -> Option:
        """An entry of one of the lists question_kind, help_kind, channel, duration, partner_kind.
        Raises: DomainError for an unknown code; ValueError for an unknown list name (a programming error)."""
        try:
            attr, field_name, unknown = _OPTION_LISTS[list_name]
        except KeyError:
            raise ValueError(f"unknown code list {list_name!r}") from None
        options: tuple[Option, ...] = getattr(self, attr)
        for o in options:
            if o.code == code:
                return o
        allowed = ", ".join(o.code for o in options)
        raise DomainError(f"{unknown} '{code}'. Kies uit: {allowed}.", field=field_name)

    def question_kind(self, code: str) -> Option:
        return self.option("question_kind", code)

    def help_kind(self, code: str) -> Option:
        return self.option("help_kind", code)

    def channel(self, code: str) -> Option:
        return self.option("channel", code)

    def duration(self, code: str) -> Option:
        return self.option("duration", code)

    def partner_kind(self, code: str) -> Option:
        return self.option("partner_kind", code)

    def _topic_entry(self, code: str) -> tuple[Topic, Party]:
        try:
            return self._topic_index[code]
        except KeyError:
            raise DomainError(f"Onbekend onderwerp '{code}'.", field="topic") from None


def _build_party(
    code: str,
    name: str,
    kb: str,
    website: str,
    joined: bool,
    handles: str,
    topics: tuple[tuple[str, str], ...],
) -> Party:
    built = tuple(
        Topic(f"{code}.{slug}", title, f"{kb} – {title}", data.DIGID_MIJN.get(f"{code}.{slug}", ""))
        for slug, title in topics
    )
    overig = Topic(f"{code}.overig", "Overig", f"{kb} – overig")
    return Party(
        code=code,
        name=name,
        kb_category=kb,
        website=website,
        handles=handles,
        joined=joined,
        topics=built + (overig,),
    )


def _options(rows: tuple[tuple[str, str, str], ...]) -> tuple[Option, ...]:
    return tuple(Option(*row) for row in rows)


CATALOGUE = Catalogue(
    version=data.VERSION,
    kb_form_version=data.KB_FORM_VERSION,
    parties=tuple(_build_party(*row) for row in data.PARTIES),
    question_kinds=_options(data.QUESTION_KINDS),
    help_kinds=_options(data.HELP_KINDS),
    channels=_options(data.CHANNELS),
    durations=_options(data.DURATIONS),
    partner_kinds=_options(data.PARTNER_KINDS),
    extra_party_codes=data.EXTRA_PARTIES,
)
CURRENT_VERSION = CATALOGUE.version
