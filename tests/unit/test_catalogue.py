"""The NPD catalogue: parties, topics, code lists, lookups and their Dutch errors."""

from __future__ import annotations

import re

import pytest

from domain.catalogue import CATALOGUE, CURRENT_VERSION, Option, Party, Topic
from domain.errors import DomainError

NPD_MEMBERS = (
    "belastingdienst",
    "cak",
    "cbr",
    "ciz",
    "cjib",
    "duo",
    "lbio",
    "logius",
    "rvr",
    "rdw",
    "svb",
    "uwv",
)
JOINING_LATER = ("huurcommissie", "kvk", "kadaster", "kifid", "skgz")
EXTRA = ("gemeente", "andere_overheid", "geen_overheid")
OPTION_LISTS = {
    "question_kind": ("kind", ("digitale_overheid", "bibliotheekdienst", "overig")),
    "help_kind": (
        "help",
        ("wegwijzer", "samen_gezocht", "lokale_partner", "klantenservice", "niet_geholpen"),
    ),
    "channel": ("channel", ("balie", "telefoon", "email", "afspraak")),
    "duration": ("duration", ("0-5", "5-15", "15-30", "30+")),
    "partner_kind": (
        "partner_kind",
        (
            "formulierenbrigade",
            "sociaal_raadslieden",
            "welzijn",
            "gemeente",
            "schuldhulp",
            "taalhuis",
            "overig",
        ),
    ),
}


def _topic_names(party_code: str) -> list[str]:
    return [t.name.lower() for t in CATALOGUE.party(party_code).topics]


def _has_topic(party_code: str, *words: str) -> bool:
    return any(all(w.lower() in name for w in words) for name in _topic_names(party_code))


def test_versions():
    assert CATALOGUE.version == "2026.1"
    assert CURRENT_VERSION == "2026.1"
    assert CATALOGUE.kb_form_version == "KB-IDO-registratie 2026"


def test_all_parties_present_in_seed_order():
    assert tuple(p.code for p in CATALOGUE.parties) == NPD_MEMBERS + JOINING_LATER + EXTRA
    assert all(isinstance(p, Party) for p in CATALOGUE.parties)


def test_joined_flags():
    for code in NPD_MEMBERS + EXTRA:
        assert CATALOGUE.party(code).joined, code
    for code in JOINING_LATER:
        assert not CATALOGUE.party(code).joined, code


def test_kb_categories_of_parties():
    assert CATALOGUE.party("belastingdienst").kb_category == "Belastingdienst/Toeslagen"
    assert CATALOGUE.party("logius").kb_category == "Logius (DigiD)"
    assert CATALOGUE.party("rvr").kb_category == "Raad voor Rechtsbijstand"
    for code in ("cak", "cbr", "ciz", "cjib", "duo", "lbio", "rdw", "svb", "uwv"):
        assert CATALOGUE.party(code).kb_category == code.upper()
    for code in JOINING_LATER:
        assert CATALOGUE.party(code).kb_category == "Overige NPD-partij (nog niet aangesloten)"
    assert CATALOGUE.party("gemeente").kb_category == "Gemeente"
    assert CATALOGUE.party("andere_overheid").kb_category == "Andere overheid"
    assert CATALOGUE.party("geen_overheid").kb_category == "Geen overheid"


def test_websites():
    assert CATALOGUE.party("belastingdienst").website == "https://www.belastingdienst.nl"
    assert CATALOGUE.party("logius").website == "https://www.digid.nl"
    assert CATALOGUE.party("cak").website == "https://www.hetcak.nl"
    assert CATALOGUE.party("duo").website == "https://duo.nl"
    for code in NPD_MEMBERS + JOINING_LATER:
        assert CATALOGUE.party(code).website.startswith("https://"), code
    for code in EXTRA:
        assert CATALOGUE.party(code).website == ""


def test_every_party_handles_something_and_has_a_name():
    for p in CATALOGUE.parties:
        assert p.name and p.handles.endswith("."), p.code
        assert re.fullmatch(r"[a-z_]+", p.code)


def test_topic_codes_unique_and_prefixed():
    codes = [t.code for t in CATALOGUE.topics()]
    assert len(codes) == len(set(codes))
    for p in CATALOGUE.parties:
        for t in p.topics:
            assert isinstance(t, Topic)
            assert re.fullmatch(rf"{p.code}\.[a-z0-9_]+", t.code), t.code


def test_every_party_has_two_to_six_topics_plus_overig():
    for p in CATALOGUE.parties:
        overig = [t for t in p.topics if t.code == f"{p.code}.overig"]
        assert len(overig) == 1 and overig[0].name == "Overig", p.code
        assert overig[0].kb_category == f"{p.kb_category} – overig"
        assert 2 <= len(p.topics) - 1 <= 6, p.code


@pytest.mark.parametrize(
    "party, words",
    [
        ("belastingdienst", ("aangifte", "inkomstenbelasting")),
        ("belastingdienst", ("toeslag",)),
        ("belastingdienst", ("machtigen",)),
        ("belastingdienst", ("brief", "aanslag")),
        ("cbr", ("rijbewijs", "75")),
        ("cbr", ("gezondheidsverklaring",)),
        ("logius", ("digid", "aanvragen")),
        ("logius", ("digid", "activeren")),
        ("logius", ("digid-app",)),
        ("logius", ("machtigen",)),
        ("svb", ("aow",)),
        ("svb", ("kinderbijslag",)),
        ("cjib", ("boete",)),
        ("cjib", ("betalingsregeling",)),
        ("uwv", ("ww",)),
        ("uwv", ("mijn uwv",)),
        ("uwv", ("wia",)),
        ("duo", ("studiefinanciering",)),
        ("duo", ("studieschuld",)),
        ("rdw", ("kenteken",)),
        ("rdw", ("apk",)),
        ("cak", ("eigen bijdrage",)),
        ("ciz", ("indicatie", "wlz")),
        ("lbio", ("kinderalimentatie",)),
        ("rvr", ("toevoeging",)),
        ("gemeente", ("paspoort",)),
        ("gemeente", ("verhuizing",)),
        ("gemeente", ("bijstand",)),
        ("gemeente", ("wmo",)),
        ("gemeente", ("afval",)),
        ("andere_overheid", ("waterschap",)),
        ("geen_overheid", ("bank",)),
        ("geen_overheid", ("webwinkel",)),
    ],
)
def test_required_topics_present(party, words):
    assert _has_topic(party, *words), (party, words, _topic_names(party))


def test_every_code_maps_to_a_kb_category():
    for p in CATALOGUE.parties:
        assert CATALOGUE.kb_category(p.code) == p.kb_category
        for t in p.topics:
            assert t.kb_category.startswith(f"{p.kb_category} – ")
            assert CATALOGUE.kb_category(p.code, t.code) == t.kb_category
    for list_name, (_, codes) in OPTION_LISTS.items():
        for code in codes:
            option = CATALOGUE.option(list_name, code)
            assert isinstance(option, Option) and option.label and option.kb_category


def test_topic_kb_category_names_the_topic():
    assert CATALOGUE.topic("cbr.rijbewijs_75").kb_category == "CBR – Rijbewijs verlengen 75+"
    assert CATALOGUE.party_of_topic("cbr.rijbewijs_75").code == "cbr"


def test_option_lists_and_labels():
    assert tuple(o.code for o in CATALOGUE.question_kinds) == OPTION_LISTS["question_kind"][1]
    assert tuple(o.code for o in CATALOGUE.help_kinds) == OPTION_LISTS["help_kind"][1]
    assert tuple(o.code for o in CATALOGUE.channels) == OPTION_LISTS["channel"][1]
    assert tuple(o.code for o in CATALOGUE.durations) == OPTION_LISTS["duration"][1]
    assert tuple(o.code for o in CATALOGUE.partner_kinds) == OPTION_LISTS["partner_kind"][1]
    assert CATALOGUE.help_kind("wegwijzer").label == "Informatie gegeven / wegwijzer"
    assert CATALOGUE.channel("email").label == "E-mail"
    assert CATALOGUE.duration("30+").label == "30 minuten of langer"
    assert CATALOGUE.question_kind("digitale_overheid").label == "Digitale overheid"
    assert CATALOGUE.partner_kind("taalhuis").label == "Taalhuis"


def test_unknown_party_raises_domain_error():
    with pytest.raises(DomainError) as e:
        CATALOGUE.party("ing")
    assert e.value.field == "npd_party"
    assert e.value.message == "Onbekende NPD-partij 'ing'."


@pytest.mark.parametrize("call", [CATALOGUE.topic, CATALOGUE.party_of_topic])
def test_unknown_topic_raises_domain_error(call):
    with pytest.raises(DomainError) as e:
        call("cbr.zwemdiploma")
    assert e.value.field == "topic"
    assert "Onbekend onderwerp 'cbr.zwemdiploma'" in e.value.message


@pytest.mark.parametrize(
    "list_name, field, method",
    [
        ("question_kind", "kind", CATALOGUE.question_kind),
        ("help_kind", "help", CATALOGUE.help_kind),
        ("channel", "channel", CATALOGUE.channel),
        ("duration", "duration", CATALOGUE.duration),
        ("partner_kind", "partner_kind", CATALOGUE.partner_kind),
    ],
)
def test_unknown_option_raises_domain_error_with_field(list_name, field, method):
    for lookup in (method, lambda code: CATALOGUE.option(list_name, code)):
        with pytest.raises(DomainError) as e:
            lookup("bestaat-niet")
        assert e.value.field == field
        assert "'bestaat-niet'" in e.value.message and e.value.message.startswith("Onbek")


def test_unknown_list_name_is_a_programming_error():
    with pytest.raises(ValueError):
        CATALOGUE.option("colour", "rood")


def test_check_topic():
    assert CATALOGUE.check_topic("cbr", "cbr.gezondheidsverklaring").name == "Gezondheidsverklaring"
    with pytest.raises(DomainError) as e:
        CATALOGUE.check_topic("cbr", "svb.aow")
    assert e.value.field == "topic"
    assert "hoort bij" in e.value.message
    with pytest.raises(DomainError) as e:
        CATALOGUE.check_topic("cbr", "cbr.bestaat_niet")
    assert e.value.field == "topic"
    with pytest.raises(DomainError) as e:
        CATALOGUE.check_topic("onbekend", "cbr.overig")
    assert e.value.field == "npd_party"


def test_kb_category_refuses_a_topic_of_another_party():
    with pytest.raises(DomainError) as e:
        CATALOGUE.kb_category("uwv", "svb.aow")
    assert e.value.field == "topic"


def test_active_parties_order():
    codes = [p.code for p in CATALOGUE.active_parties()]
    assert codes == list(NPD_MEMBERS + EXTRA + JOINING_LATER)


def test_catalogue_is_immutable():
    with pytest.raises(AttributeError):
        CATALOGUE.version = "2027.1"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        CATALOGUE.parties[0].joined = False  # type: ignore[misc]


def test_topics_that_need_a_digid_login_in_a_mijn_environment_are_marked():
    from domain.catalogue_data import DIGID_MIJN

    assert set(DIGID_MIJN) <= {t.code for t in CATALOGUE.topics()}, (
        "a DigiD mark on a topic that does not exist"
    )
    assert CATALOGUE.topic("uwv.wia").needs_digid and CATALOGUE.topic("uwv.wia").mijn == "Mijn UWV"
    assert CATALOGUE.topic("belastingdienst.toeslagen").mijn == "Mijn toeslagen"
    # information, a general question or DigiD itself is no login in a "mijn" environment
    for code in (
        "cbr.examen",
        "uwv.werk_zoeken",
        "logius.digid_aanvragen",
        "uwv.overig",
        "geen_overheid.bank",
    ):
        assert not CATALOGUE.topic(code).needs_digid, code
