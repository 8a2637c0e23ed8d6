"""The national question set of the visitor survey (the KB's IDO-impactmeting) as plain literals, per version;
domain.survey builds the objects from it. A library chooses a few of these questions; answers name the version
they were given in, so a later version never changes what an earlier answer meant.

Closed questions only: no free text, so no answer can hold personal data."""

VERSION = "2026.1"
MAX_CHOSEN = 6  # a short survey: visitors answer on a phone, at the desk or after the last lesson

DESK, COURSE, BOTH = "balie", "cursus", "beide"  # who a question is for

_SATISFIED = (
    ("zeer_tevreden", "Zeer tevreden"),
    ("tevreden", "Tevreden"),
    ("neutraal", "Niet tevreden, niet ontevreden"),
    ("ontevreden", "Ontevreden"),
    ("zeer_ontevreden", "Zeer ontevreden"),
)
_YES_MAYBE_NO = (("ja", "Ja"), ("misschien", "Misschien"), ("nee", "Nee"))

# (code, question, for whom, asked unless the library chooses otherwise, ((answer code, answer), ...))
QUESTIONS = {
    "2026.1": (
        ("tevreden", "Hoe tevreden bent u over de hulp die u kreeg?", BOTH, True, _SATISFIED),
        (
            "verder",
            "Kunt u nu verder met uw vraag?",
            DESK,
            True,
            (("ja", "Ja"), ("deels", "Gedeeltelijk"), ("nee", "Nee")),
        ),
        (
            "zelf",
            "Denkt u dat u zoiets de volgende keer zelf kunt regelen?",
            BOTH,
            True,
            _YES_MAYBE_NO,
        ),
        (
            "cursus_nut",
            "Helpt de cursus u om zelf zaken met de overheid online te regelen?",
            COURSE,
            True,
            (("ja_veel", "Ja, veel"), ("ja_beetje", "Ja, een beetje"), ("nee", "Nee")),
        ),
        (
            "eerder",
            "Was u eerder bij het Informatiepunt Digitale Overheid?",
            DESK,
            False,
            (("nee", "Nee, dit was de eerste keer"), ("ja", "Ja")),
        ),
        (
            "hoe_gekomen",
            "Hoe kwam u bij het Informatiepunt terecht?",
            DESK,
            False,
            (
                ("zelf_gezien", "Zelf gezien in de bibliotheek"),
                ("doorverwezen", "Doorgestuurd door een organisatie, zoals de gemeente of welzijn"),
                ("bekenden", "Via familie, vrienden of buren"),
                ("media", "Via krant, website of sociale media"),
                ("anders", "Op een andere manier"),
            ),
        ),
        (
            "leeftijd",
            "Hoe oud bent u?",
            BOTH,
            False,
            (
                ("tot_35", "Jonger dan 35 jaar"),
                ("35_54", "35 tot 55 jaar"),
                ("55_64", "55 tot 65 jaar"),
                ("65_74", "65 tot 75 jaar"),
                ("75_plus", "75 jaar of ouder"),
                ("zeg_niet", "Zeg ik liever niet"),
            ),
        ),
        ("aanraden", "Zou u het Informatiepunt aanraden aan anderen?", BOTH, False, _YES_MAYBE_NO),
    ),
}
