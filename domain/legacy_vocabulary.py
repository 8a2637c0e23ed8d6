"""Words found in legacy Excel registration sheets: column headers and common names for catalogue codes."""

from __future__ import annotations

# Column headers per field, written as normalize() leaves them (lowercase letters and digits only).
# A header equal to a word scores best; a header containing a word of at least four letters scores less.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "date": (
        "datum",
        "date",
        "dag",
        "day",
        "datumvraag",
        "datumvandevraag",
        "registratiedatum",
        "datumbezoek",
    ),
    "time": ("tijd", "time", "tijdstip", "uur", "hour", "tijdvraag", "begintijd"),
    "party": (
        "dienstverlener",
        "npdpartij",
        "npd",
        "partij",
        "organisatie",
        "instantie",
        "overheidsorganisatie",
        "publiekedienstverlener",
        "party",
        "provider",
        "serviceprovider",
        "organisation",
        "organization",
    ),
    "topic": ("onderwerp", "topic", "subject", "thema", "vraag", "onderwerpvraag", "vraagover", "waarover"),
    "help": (
        "hulp",
        "help",
        "hoegeholpen",
        "soorthulp",
        "geholpen",
        "afhandeling",
        "hulpgeboden",
        "howhelped",
        "wijzevanhulp",
        "actie",
    ),
    "warmth": (
        "warmofkoud",
        "warmkoud",
        "warmte",
        "warmofkouddoorverwezen",
        "hoedoorverwezen",
        "contactgelegd",
    ),
    "referred_by": (
        "doorverwezendoor",
        "verwezendoor",
        "doorverwijzer",
        "verwijzer",
        "gestuurddoor",
        "aangemelddoor",
        "referredby",
    ),
    "kind": ("soortvraag", "soort", "kind", "type", "typevraag", "vraagsoort"),
    "channel": ("kanaal", "channel", "contactvorm", "contact", "via"),
    "count": ("aantal", "count", "number", "aantalvragen", "hoeveel", "qty", "n"),
    "note": (
        "notitie",
        "notities",
        "opmerking",
        "opmerkingen",
        "toelichting",
        "note",
        "notes",
        "comment",
        "comments",
        "remark",
        "bijzonderheden",
        "omschrijving",
    ),
}

# Other names for parties, besides each party's code, name, the parts of its name and its KB category.
PARTY_SYNONYMS: dict[str, str] = {
    "belastingdienst/toeslagen": "belastingdienst",
    "belasting": "belastingdienst",
    "belastingen": "belastingdienst",
    "toeslagen": "belastingdienst",
    "dienst toeslagen": "belastingdienst",
    "huurtoeslag": "belastingdienst",
    "zorgtoeslag": "belastingdienst",
    "digid": "logius",
    "digi-d": "logius",
    "mijnoverheid": "logius",
    "mijn overheid": "logius",
    "rijbewijs 75+": "cbr",
    "rechtsbijstand": "rvr",
    "sociale verzekeringsbank": "svb",
    "aow": "svb",
    "kinderbijslag": "svb",
    "werk.nl": "uwv",
    "ww": "uwv",
    "studiefinanciering": "duo",
    "kamer van koophandel": "kvk",
    "gemeentehuis": "gemeente",
    "stadhuis": "gemeente",
    "ind": "andere_overheid",
    "waterschap": "andere_overheid",
    "rijksoverheid": "andere_overheid",
    "overheid overig": "andere_overheid",
    "overige overheid": "andere_overheid",
    "bank": "geen_overheid",
    "commercieel": "geen_overheid",
    "geen": "geen_overheid",
    "niet overheid": "geen_overheid",
}
# A cell that starts with one of these words names that party ("Gemeente Utrecht").
PARTY_PREFIXES: dict[str, str] = {"gemeente": "gemeente", "waterschap": "andere_overheid"}

# Topic words that mean "<party>.overig" for any party.
OTHER_TOPIC = ("overig", "overige", "anders", "onbekend", "algemeen", "other")

HELP_SYNONYMS: dict[str, str] = {
    "informatie": "wegwijzer",
    "info": "wegwijzer",
    "informatie gegeven": "wegwijzer",
    "uitleg": "wegwijzer",
    "uitleg gegeven": "wegwijzer",
    "wegwijzen": "wegwijzer",
    "samen gezocht": "samen_gezocht",
    "samen op de website": "samen_gezocht",
    "samen op website": "samen_gezocht",
    "samen gezocht op website": "samen_gezocht",
    "website": "samen_gezocht",
    "klantenservice": "klantenservice",
    "doorverwezen naar klantenservice": "klantenservice",
    "doorverwezen naar dienstverlener": "klantenservice",
    "doorverwezen dienstverlener": "klantenservice",
    "lokale partner": "lokale_partner",
    "partner": "lokale_partner",
    "doorverwezen naar partner": "lokale_partner",
    "doorverwezen lokale partner": "lokale_partner",
    "niet": "niet_geholpen",
    "nee": "niet_geholpen",
    "geen hulp": "niet_geholpen",
    "niet gelukt": "niet_geholpen",
}

KIND_SYNONYMS: dict[str, str] = {
    "digitaal": "digitale_overheid",
    "overheid": "digitale_overheid",
    "overheidsvraag": "digitale_overheid",
    "ido": "digitale_overheid",
    "bibliotheek": "bibliotheekdienst",
    "bieb": "bibliotheekdienst",
    "anders": "overig",
    "overige": "overig",
}

CHANNEL_SYNONYMS: dict[str, str] = {
    "tel": "telefoon",
    "telefonisch": "telefoon",
    "gebeld": "telefoon",
    "mail": "email",
    "per mail": "email",
    "e-mail": "email",
    "loket": "balie",
    "inloop": "balie",
    "aan de balie": "balie",
    "fysiek": "balie",
    "op afspraak": "afspraak",
}

# Dutch and English month names by their first three letters ("mrt" is the Dutch short form of maart).
MONTHS: dict[str, int] = {
    "jan": 1,
    "feb": 2,
    "maa": 3,
    "mrt": 3,
    "mar": 3,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

# "Warm of koud": a referral to a local partner made a contact for the visitor, or gave an address
WARMTH_SYNONYMS = {
    "warm": "warm",
    "warm: contact gelegd": "warm",
    "contact gelegd": "warm",
    "warme overdracht": "warm",
    "koud": "koud",
    "koud: adres meegegeven": "koud",
    "adres meegegeven": "koud",
    "koude overdracht": "koud",
    "onbekend": "onbekend",
    "niet vastgelegd": "onbekend",
}
# "Doorverwezen door": no partner sent the visitor, or one did that the cell does not name
NO = frozenset({"nee", "n", "no", "0", "geen", "false", "onwaar"})
YES = frozenset({"ja", "j", "yes", "y", "1", "true", "waar", "x"})
