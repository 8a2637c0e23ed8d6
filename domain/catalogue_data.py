"""Seed data of the NPD catalogue as plain literals; domain.catalogue builds the objects from it."""

VERSION = "2026.1"
KB_FORM_VERSION = "KB-IDO-registratie 2026"
NOT_YET_JOINED = "Overige NPD-partij (nog niet aangesloten)"

# Parties in seed order: (code, name, kb_category, website, joined, handles, ((topic slug, topic name), ...)).
# Every party also gets the topic `<code>.overig` ("Overig"); domain.catalogue adds it.
PARTIES = (
    (
        "belastingdienst",
        "Belastingdienst",
        "Belastingdienst/Toeslagen",
        "https://www.belastingdienst.nl",
        True,
        "Belastingaangifte, aanslagen en de toeslagen (zorg-, huur- en kinderopvangtoeslag en kindgebonden budget).",
        (
            ("aangifte_ib", "Aangifte inkomstenbelasting"),
            ("toeslagen", "Toeslagen (zorg-, huur-, kinderopvangtoeslag)"),
            ("machtigen", "Machtigen / hulp bij aangifte"),
            ("brief_aanslag", "Brief of aanslag begrijpen"),
            ("betalen", "Betalen of betalingsregeling"),
        ),
    ),
    (
        "cak",
        "CAK (Centraal Administratiekantoor)",
        "CAK",
        "https://www.hetcak.nl",
        True,
        "De eigen bijdrage voor zorg uit de Wmo en de Wlz en de regelingen voor wie de zorgpremie niet betaalt.",
        (
            ("eigen_bijdrage", "Eigen bijdrage (Wmo/Wlz)"),
            ("zorgpremie", "Zorgpremie niet betaald (wanbetalersregeling)"),
            ("factuur", "Factuur of brief begrijpen"),
        ),
    ),
    (
        "cbr",
        "CBR (Centraal Bureau Rijvaardigheidsbewijzen)",
        "CBR",
        "https://www.cbr.nl",
        True,
        "Rijexamens en de medische keuring voor het rijbewijs, zoals de gezondheidsverklaring bij verlengen vanaf 75.",
        (
            ("rijbewijs_75", "Rijbewijs verlengen 75+"),
            ("gezondheidsverklaring", "Gezondheidsverklaring"),
            ("examen", "Rijexamen reserveren"),
        ),
    ),
    (
        "ciz",
        "CIZ (Centrum indicatiestelling zorg)",
        "CIZ",
        "https://www.ciz.nl",
        True,
        "Het besluit of iemand langdurige zorg uit de Wet langdurige zorg (Wlz) kan krijgen.",
        (("indicatie_wlz", "Indicatie Wlz aanvragen"), ("besluit", "Besluit of bezwaar")),
    ),
    (
        "cjib",
        "CJIB (Centraal Justitieel Incassobureau)",
        "CJIB",
        "https://www.cjib.nl",
        True,
        "Het innen van verkeersboetes, strafbeschikkingen en andere boetes, ook met een betalingsregeling.",
        (("boete", "Boete (verkeersboete, bekeuring)"), ("betalingsregeling", "Betalingsregeling")),
    ),
    (
        "duo",
        "DUO (Dienst Uitvoering Onderwijs)",
        "DUO",
        "https://duo.nl",
        True,
        "Studiefinanciering, het terugbetalen van de studieschuld en de inburgering.",
        (
            ("studiefinanciering", "Studiefinanciering"),
            ("terugbetalen", "Terugbetalen studieschuld"),
            ("inburgering", "Inburgering"),
        ),
    ),
    (
        "lbio",
        "LBIO (Landelijk Bureau Inning Onderhoudsbijdragen)",
        "LBIO",
        "https://www.lbio.nl",
        True,
        "Het innen van kinderalimentatie en partneralimentatie die niet (op tijd) wordt betaald.",
        (("kinderalimentatie", "Kinderalimentatie"), ("partneralimentatie", "Partneralimentatie")),
    ),
    (
        "logius",
        "Logius (DigiD)",
        "Logius (DigiD)",
        "https://www.digid.nl",
        True,
        "DigiD: aanvragen, activeren, de DigiD-app en iemand machtigen met DigiD Machtigen.",
        (
            ("digid_aanvragen", "DigiD aanvragen"),
            ("digid_activeren", "DigiD activeren"),
            ("digid_app", "DigiD-app"),
            ("machtigen", "Machtigen (DigiD Machtigen)"),
            ("inloggen", "Inloggen lukt niet / wachtwoord vergeten"),
        ),
    ),
    (
        "rvr",
        "Raad voor Rechtsbijstand",
        "Raad voor Rechtsbijstand",
        "https://www.rechtsbijstand.nl",
        True,
        "Gesubsidieerde rechtsbijstand: een advocaat of mediator met een toevoeging en de eigen bijdrage daarvoor.",
        (
            ("toevoeging", "Gesubsidieerde rechtsbijstand / toevoeging"),
            ("eigen_bijdrage", "Eigen bijdrage rechtsbijstand"),
        ),
    ),
    (
        "rdw",
        "RDW",
        "RDW",
        "https://www.rdw.nl",
        True,
        "Kentekens en voertuigen: tenaamstelling, schorsen, de APK en de registratie van rijbewijzen.",
        (("kenteken", "Kenteken / voertuig"), ("apk", "APK"), ("schorsen", "Voertuig schorsen")),
    ),
    (
        "svb",
        "SVB (Sociale Verzekeringsbank)",
        "SVB",
        "https://www.svb.nl",
        True,
        "De AOW, de kinderbijslag, de nabestaandenuitkering (Anw) en het uitbetalen van het persoonsgebonden budget.",
        (
            ("aow", "AOW"),
            ("kinderbijslag", "Kinderbijslag"),
            ("anw", "Nabestaandenuitkering (Anw)"),
            ("pgb", "Persoonsgebonden budget (pgb)"),
        ),
    ),
    (
        "uwv",
        "UWV (Uitvoeringsinstituut Werknemersverzekeringen)",
        "UWV",
        "https://www.uwv.nl",
        True,
        "Uitkeringen bij werkloosheid, ziekte en arbeidsongeschiktheid, en hulp bij het zoeken naar werk.",
        (
            ("ww", "WW-uitkering"),
            ("mijn_uwv", "Mijn UWV"),
            ("wia", "Arbeidsongeschiktheid (WIA/Ziektewet)"),
            ("wajong", "Wajong"),
            ("werk_zoeken", "Werk zoeken (werk.nl)"),
        ),
    ),
    (
        "huurcommissie",
        "Huurcommissie",
        NOT_YET_JOINED,
        "https://www.huurcommissie.nl",
        False,
        "Geschillen tussen huurder en verhuurder over de huurprijs, de servicekosten en onderhoud.",
        (
            ("huurprijs", "Huurprijs laten toetsen"),
            ("servicekosten", "Servicekosten"),
            ("onderhoud", "Onderhoudsgebreken"),
        ),
    ),
    (
        "kvk",
        "KvK (Kamer van Koophandel)",
        NOT_YET_JOINED,
        "https://www.kvk.nl",
        False,
        "Het Handelsregister: een onderneming inschrijven, wijzigen of uitschrijven en uittreksels.",
        (
            ("inschrijven", "Onderneming inschrijven"),
            ("wijzigen", "Wijziging doorgeven / uitschrijven"),
            ("uittreksel", "Uittreksel Handelsregister"),
        ),
    ),
    (
        "kadaster",
        "Kadaster",
        NOT_YET_JOINED,
        "https://www.kadaster.nl",
        False,
        "Gegevens over eigendom van huizen en grond, kadastrale kaarten en perceelgrenzen.",
        (("eigendom", "Eigendomsinformatie opvragen"), ("grenzen", "Kadastrale kaart / perceelgrenzen")),
    ),
    (
        "kifid",
        "Kifid (Klachteninstituut Financiële Dienstverlening)",
        NOT_YET_JOINED,
        "https://www.kifid.nl",
        False,
        "Klachten over banken, verzekeraars en andere financiële dienstverleners.",
        (("klacht", "Klacht over financiële dienstverlener"), ("procedure", "Lopende klachtprocedure")),
    ),
    (
        "skgz",
        "SKGZ (Stichting Klachten en Geschillen Zorgverzekeringen)",
        NOT_YET_JOINED,
        "https://www.skgz.nl",
        False,
        "Klachten en geschillen over de zorgverzekering en de vergoeding van zorg.",
        (("klacht", "Klacht over zorgverzekeraar"), ("vergoeding", "Geschil over vergoeding")),
    ),
    (
        "gemeente",
        "Gemeente",
        "Gemeente",
        "",
        True,
        "Paspoort en ID-kaart, verhuizen, bijstand, zorg en ondersteuning (Wmo), afval en gemeentelijke belastingen.",
        (
            ("paspoort_id", "Paspoort of ID-kaart"),
            ("verhuizing", "Verhuizing doorgeven"),
            ("bijstand", "Bijstand / uitkering"),
            ("wmo", "Wmo / zorg"),
            ("afval_belastingen", "Afval en gemeentelijke belastingen"),
        ),
    ),
    (
        "andere_overheid",
        "Andere overheid",
        "Andere overheid",
        "",
        True,
        "Andere overheden, zoals het waterschap, de IND en de Rijksoverheid in het algemeen.",
        (
            ("waterschap", "Waterschap (waterschapsbelasting)"),
            ("ind", "IND (verblijf, naturalisatie)"),
            ("rijksoverheid", "Rijksoverheid algemeen"),
        ),
    ),
    (
        "geen_overheid",
        "Geen overheid",
        "Geen overheid",
        "",
        True,
        "Vragen over organisaties die geen overheid zijn, zoals banken, energieleveranciers en webwinkels.",
        (
            ("bank", "Bank (internetbankieren)"),
            ("energie", "Energieleverancier"),
            ("zorgverzekeraar", "Zorgverzekeraar"),
            ("webwinkel", "Webwinkel / online aankoop"),
        ),
    ),
)

# Parties that are no NPD-partij; the desk shows them between the joined and the not-yet-joined parties.
EXTRA_PARTIES = ("gemeente", "andere_overheid", "geen_overheid")

# Topics that need a DigiD login in a "mijn" environment (a personal question: the desk refers the visitor to a
# local partner), with the name of that environment. A hint for the desk, no classification: events classified
# before it read the same, so it does not change the catalogue's version.
DIGID_MIJN = {
    "belastingdienst.aangifte_ib": "Mijn Belastingdienst",
    "belastingdienst.toeslagen": "Mijn toeslagen",
    "belastingdienst.betalen": "Mijn Belastingdienst",
    "cak.eigen_bijdrage": "Mijn CAK",
    "cbr.rijbewijs_75": "Mijn CBR",
    "cbr.gezondheidsverklaring": "Mijn CBR",
    "cjib.betalingsregeling": "Mijn CJIB",
    "duo.studiefinanciering": "Mijn DUO",
    "duo.terugbetalen": "Mijn DUO",
    "duo.inburgering": "Mijn Inburgering",
    "rdw.kenteken": "Mijn RDW",
    "rdw.schorsen": "Mijn RDW",
    "svb.aow": "Mijn SVB",
    "svb.kinderbijslag": "Mijn SVB",
    "svb.anw": "Mijn SVB",
    "svb.pgb": "Mijn pgb",
    "uwv.ww": "Mijn UWV",
    "uwv.mijn_uwv": "Mijn UWV",
    "uwv.wia": "Mijn UWV",
    "uwv.wajong": "Mijn UWV",
    "gemeente.bijstand": "de mijn-omgeving van de gemeente",
    "andere_overheid.ind": "Mijn IND",
}

# Other code lists: (code, label, kb_category).
QUESTION_KINDS = (
    ("digitale_overheid", "Digitale overheid", "Digitale overheid"),
    ("bibliotheekdienst", "Bibliotheekdienst", "Bibliotheekdienst"),
    ("overig", "Overig", "Overig"),
)
HELP_KINDS = (
    ("wegwijzer", "Informatie gegeven / wegwijzer", "Informatie gegeven / wegwijzer"),
    ("samen_gezocht", "Samen gezocht op de website", "Samen gezocht op de website"),
    ("lokale_partner", "Doorverwezen naar lokale partner", "Doorverwezen naar lokale partner"),
    (
        "klantenservice",
        "Doorverwezen naar klantenservice dienstverlener",
        "Doorverwezen naar klantenservice dienstverlener",
    ),
    ("niet_geholpen", "Niet geholpen", "Niet geholpen"),
)
CHANNELS = (
    ("balie", "Balie", "Balie"),
    ("telefoon", "Telefoon", "Telefoon"),
    ("email", "E-mail", "E-mail"),
    ("afspraak", "Afspraak", "Afspraak"),
)
DURATIONS = (
    ("0-5", "0–5 minuten", "0–5 minuten"),
    ("5-15", "5–15 minuten", "5–15 minuten"),
    ("15-30", "15–30 minuten", "15–30 minuten"),
    ("30+", "30 minuten of langer", "30 minuten of langer"),
)
PARTNER_KINDS = (
    ("formulierenbrigade", "Formulierenbrigade", "Formulierenbrigade"),
    ("sociaal_raadslieden", "Sociaal raadslieden", "Sociaal raadslieden"),
    ("welzijn", "Welzijnsorganisatie", "Welzijn"),
    ("gemeente", "Gemeente (sociaal loket)", "Gemeente"),
    ("schuldhulp", "Schuldhulpverlening", "Schuldhulp"),
    ("taalhuis", "Taalhuis", "Taalhuis"),
    ("overig", "Andere lokale partner", "Overig"),
)
