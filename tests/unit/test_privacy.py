"""The privacy guard: BSN, e-mail, phone numbers and IBANs are refused in free text; ordinary text passes."""

from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.privacy import check_free_text, find_personal_data, is_valid_bsn, is_valid_iban

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def _eleven_test_sum(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True))


def _valid_bsn(first_eight: str) -> str:
    """Complete eight digits with the check digit that makes the nine pass the 11-proef."""
    for last in "0123456789":
        candidate = first_eight + last
        total = _eleven_test_sum(candidate)
        if total % 11 == 0 and total != 0:
            return candidate
    raise AssertionError(f"no valid BSN starts with {first_eight}")


VALID_BSNS = ["111222333", _valid_bsn("23456781"), _valid_bsn("98765432"), _valid_bsn("01234567")]


def test_test_helpers_agree_with_the_11_proef():
    assert _eleven_test_sum("111222333") == 66  # 66 = 6 * 11
    assert _eleven_test_sum("123456789") % 11 != 0  # 147
    for bsn in VALID_BSNS:
        assert _eleven_test_sum(bsn) % 11 == 0
        assert is_valid_bsn(bsn)
    assert not is_valid_bsn("123456789")
    assert not is_valid_bsn("000000000")
    assert not is_valid_bsn("11122233")


@pytest.mark.parametrize("bsn", VALID_BSNS)
@pytest.mark.parametrize("template", ["{}", "BSN {} van meneer", "bsn: {}."])
def test_valid_bsn_refused(bsn, template):
    assert find_personal_data(template.format(bsn)) == "bsn"


@pytest.mark.parametrize("written", ["111 222 333", "111.222.333", "1112.22.333", "1112 22 333"])
def test_valid_bsn_with_spaces_or_dots_refused(written):
    assert find_personal_data(f"Nummer {written} genoteerd") == "bsn"


@pytest.mark.parametrize("number", ["123456789", "111222334", "000000000", "987654321"])
def test_nine_digits_failing_the_11_proef_pass(number):
    assert _eleven_test_sum(number) % 11 != 0 or _eleven_test_sum(number) == 0
    assert find_personal_data(f"Dossier {number}") is None
    assert check_free_text(f"Dossier {number}") == f"Dossier {number}"


@pytest.mark.parametrize(
    "text",
    [
        "Mail naar jan.jansen@example.nl gestuurd",
        "adres: a_b+ido@sub.bieb-noord.example",
        "J.deVries@Gmail.COM",
    ],
)
def test_email_refused(text):
    assert find_personal_data(text) == "email"


@pytest.mark.parametrize(
    "phone",
    [
        "06-12345678",
        "06 1234 5678",
        "0612345678",
        "06 12 34 56 78",
        "06 - 1234 5678",
        "+31 6 12345678",
        "+31612345678",
        "0031 6 12345678",
        "0031612345678",
        "+31 (0)6 12345678",
        "020-1234567",
        "010 123 4567",
        "(020) 123 4567",
        "050-1234567",
        "0172 123456",
    ],
)
def test_phone_numbers_refused(phone):
    assert find_personal_data(f"Terugbellen op {phone} graag") == "phone"
    assert find_personal_data(phone) == "phone"


def test_phone_is_not_taken_for_a_bsn():
    # A 0 before a valid BSN makes ten digits starting with 0: a phone number, not a BSN.
    assert is_valid_bsn("111222333")
    assert find_personal_data("0111222333") == "phone"
    assert find_personal_data("011 122 2333") == "phone"
    assert find_personal_data("+31 111222333") == "phone"


def test_organisation_numbers_pass():
    assert find_personal_data("Verwezen naar UWV, 088-898 92 94") is None
    assert find_personal_data("BelastingTelefoon 0800-0543") is None


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "DE89370400440532013000",
        "BE68 5390 0754 7034",
    ],
)
def test_valid_iban_refused(iban):
    assert is_valid_iban(iban)
    assert find_personal_data(f"Rekening {iban} van mevrouw") == "iban"


@pytest.mark.parametrize("iban", ["NL92ABNA0417164300", "NL92 ABNA 0417 1643 00", "NL91ABNA0417164301"])
def test_iban_with_bad_checksum_passes(iban):
    assert not is_valid_iban(iban)
    assert find_personal_data(f"Rekening {iban}") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Afspraak om 14:30 gemaakt",
        "Bedrag € 1.250,00 terugbetaald",
        "Aangifte over 2026 samen ingevuld",
        "Op 12-03-2026 om 14.30 teruggekomen met 12 formulieren",
        "Op 06-12-2026 14 deelnemers bij de cursus",
        "01.02.2026 10.30 uur",
        "Zorgtoeslag aangevraagd, DigiD-app geactiveerd via www.digid.nl",
        "Rijbewijs 75+ en gezondheidsverklaring uitgelegd; doorverwezen naar @formulierenbrigade",
        "Postcode 1234 AB, huisnummer 12",
        "Tussen 5 en 15 minuten; 3 vragen over de AOW",
        "Bedrag 1.111.222.333 is onzin",
        "Om 08.40 kwamen 247 mensen, 199 vragen",
        "Tijden 09.13 339 69 08.58",
        "Lijst: 11 12 22 333",
    ],
)
def test_harmless_text_passes(text):
    assert find_personal_data(text) is None
    assert check_free_text(f"  {text}  ") == text


@pytest.mark.parametrize(
    "text, words",
    [
        ("BSN 111222333", "burgerservicenummer (BSN)"),
        ("jan@example.nl", "e-mailadres"),
        ("06-12345678", "telefoonnummer"),
        ("NL91ABNA0417164300", "bankrekeningnummer (IBAN)"),
    ],
)
def test_message_names_the_kind_in_dutch(text, words):
    with pytest.raises(DomainError) as e:
        check_free_text(f"Notitie: {text}")
    assert e.value.field == "note"
    assert e.value.message.startswith("Deze notitie bevat ")
    assert words in e.value.message
    assert "Noteer geen persoonsgegevens" in e.value.message and "anoniem" in e.value.message


def test_bsn_message_exactly():
    with pytest.raises(DomainError) as e:
        check_free_text("111 222 333")
    assert e.value.message.startswith(
        "Deze notitie bevat iets dat op een burgerservicenummer (BSN) lijkt. "
        "Noteer geen persoonsgegevens: de registratie is anoniem"
    )


def test_field_is_passed_on():
    with pytest.raises(DomainError) as e:
        check_free_text("mail a@b.nl", field="helps_with")
    assert e.value.field == "helps_with"
    assert e.value.message.startswith("Deze tekst bevat een e-mailadres.")


def test_too_long_text_refused():
    assert check_free_text("a" * 500) == "a" * 500
    assert check_free_text("  " + "a" * 500 + "  ") == "a" * 500
    with pytest.raises(DomainError) as e:
        check_free_text("a" * 501)
    assert e.value.field == "note"
    assert "is te lang (maximaal 500 tekens)" in e.value.message
    with pytest.raises(DomainError) as e:
        check_free_text("a" * 21, max_length=20)
    assert "maximaal 20 tekens" in e.value.message
