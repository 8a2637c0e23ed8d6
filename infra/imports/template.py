"""The import template to download (/t/{slug}/import/sjabloon.xlsx): an empty sheet with the column names the
import recognises, and a sheet that explains each column with the values it takes."""

from __future__ import annotations

import io

from domain import legacy_import as li
from domain.catalogue import CATALOGUE

HEADERS = {  # the column names of the template; each is recognised by domain/legacy_import.guess_mapping
    "date": "Datum",
    "time": "Tijd",
    "party": "Dienstverlener",
    "topic": "Onderwerp",
    "help": "Hoe geholpen",
    "warmth": "Warm of koud",
    "referred_by": "Doorverwezen door",
    "kind": "Soort vraag",
    "channel": "Kanaal",
    "count": "Aantal",
    "note": "Notitie",
}


def _explanations() -> dict[str, tuple[str, str]]:
    """Per field: what goes in it, and an example."""
    party = CATALOGUE.active_parties()[0]
    help_kinds = CATALOGUE.help_kinds
    return {
        "date": ("De dag van de vraag, als datum (dd-mm-jjjj).", "5-12-2026"),
        "time": ("Het tijdstip (uu:mm). Leeg: 12:00 uur.", "10:30"),
        "party": (
            "De naam of code van de NPD-partij, of Gemeente, Andere overheid of Geen overheid.",
            party.name,
        ),
        "topic": ("Een onderwerp van die dienstverlener. Leeg: Overig.", party.topics[0].name),
        "help": ("Een van: " + "; ".join(h.label for h in help_kinds) + ".", help_kinds[0].label),
        "warmth": (
            "Bij Doorverwezen naar lokale partner: warm (contact gelegd voor de bezoeker) of koud (adres "
            "meegegeven). Leeg: niet vastgelegd. Bij andere hulp leeg laten.",
            "koud",
        ),
        "referred_by": (
            "Stuurde een lokale partner de bezoeker naar u? De naam van de partner zoals die bij uw partners "
            "staat, of ja (een partner die er niet bij staat). Leeg of nee: niet doorverwezen.",
            "",
        ),
        "kind": (
            "Een van: "
            + "; ".join(k.label for k in CATALOGUE.question_kinds)
            + f". Leeg: {CATALOGUE.question_kinds[0].label}.",
            CATALOGUE.question_kinds[0].label,
        ),
        "channel": (
            "Een van: "
            + "; ".join(c.label for c in CATALOGUE.channels)
            + f". Leeg: {CATALOGUE.channels[0].label}.",
            CATALOGUE.channels[0].label,
        ),
        "count": ("Hoeveel vragen deze rij telt (1 tot en met 500). Leeg: 1.", "1"),
        "note": ("Een korte notitie, zonder persoonsgegevens: zo'n rij wordt geweigerd.", ""),
    }


def import_template() -> bytes:
    import openpyxl  # imported when the template is asked for
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Registraties"
    sheet.append([HEADERS[f.key] for f in li.FIELDS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, f in enumerate(li.FIELDS):
        sheet.column_dimensions[li.column_letter(i)].width = max(14, len(HEADERS[f.key]) + 4)
    help_sheet = wb.create_sheet("Uitleg")
    help_sheet.append(["Kolom", "Wat erin staat", "Voorbeeld", "Verplicht"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    explanations = _explanations()
    for f in li.FIELDS:
        what, example = explanations[f.key]
        help_sheet.append([HEADERS[f.key], what, example, "ja" if f.required else "nee"])
    help_sheet.column_dimensions["A"].width = 18
    help_sheet.column_dimensions["B"].width = 80
    help_sheet.column_dimensions["C"].width = 30
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
