"""The verantwoording's sections on referrals (pure): to a local partner per kind of partner and warm or cold,
from one per kind of partner, and both ways per partner. Rows come from rm_referrals_v3 (every referral: to or
from a partner the library has not listed under question_stats.NO_PARTNER), over the kinds of question "Hoe
geholpen" counts, so that the referrals to partners add up to "Doorverwezen naar lokale partner" there."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.catalogue import CATALOGUE, Catalogue
from domain.question_stats import FROM, NO_PARTNER, TO
from domain.referrals import WARMTH_NOT_RECORDED, WARMTHS
from domain.report import Cell, Section

DIGITAL = "digitale_overheid"
# referrals to or from a local partner that name none listed (the library's list lacks it, or it had none yet)
UNLISTED_PARTNER = "Andere partner / staat er niet bij"
OTHER_KIND = "Onbekende soort partner"


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """rm_referrals_v3 summed over the period per direction, partner, kind of question and warmth, with the
    partner's name and kind (`kind`: of the partner; `question_kind`: of the question). A partner not listed is
    NO_PARTNER; `warmth` is 'warm', 'koud' or '' (not recorded, and always for a referral received)."""

    partner_id: UUID
    name: str
    kind: str
    count: int
    question_kind: str = DIGITAL
    direction: str = TO
    warmth: str = ""

    @property
    def listed(self) -> bool:
        return self.partner_id != NO_PARTNER


def of_kinds(rows: Iterable[ReferralRow], kinds: frozenset[str] = frozenset({DIGITAL})) -> list[ReferralRow]:
    """The referrals of the kinds of question a report counts (the verantwoording: digital government)."""
    return [r for r in rows if r.question_kind in kinds]


def _total(
    key: str, title: str, columns: tuple[str, ...], rows: list[tuple[Cell, ...]], labels: int = 1
) -> Section:
    """`labels` label columns, then count columns, with a total under each count column."""
    counts = tuple(range(labels, len(columns)))
    sums = [sum(int(r[c]) for r in rows) for c in counts]  # type: ignore[call-overload]
    total = ("Totaal", *([""] * (labels - 1)), *sums)
    return Section(key, title, columns, tuple(rows), counts, total)


def _per_kind(rows: Iterable[ReferralRow], direction: str, cat: Catalogue) -> list[tuple[Cell, ...]]:
    """Every kind of partner (zeros too), then partners of a kind the catalogue no longer knows, then the
    partners not listed: every library has the same rows, for the aggregates."""
    per: dict[str, int] = defaultdict(int)
    unlisted = 0
    for r in rows:
        if r.direction != direction:
            continue
        if r.listed:
            per[r.kind] += r.count
        else:
            unlisted += r.count
    out: list[tuple[Cell, ...]] = [(o.label, per.pop(o.code, 0)) for o in cat.partner_kinds]
    out += [(OTHER_KIND, n) for n in [sum(per.values())] if n]
    out.append((UNLISTED_PARTNER, unlisted))
    return out


def referral_kind_section(referrals: Iterable[ReferralRow], cat: Catalogue = CATALOGUE) -> Section:
    """Referrals to a local partner per kind of partner: the rows add up to every referral."""
    rows = _per_kind(referrals, TO, cat)
    return _total(
        "verwijzing",
        "Doorverwezen naar een lokale partner, per soort partner",
        ("Soort partner", "Doorverwijzingen"),
        rows,
    )


def referred_by_kind_section(referrals: Iterable[ReferralRow], cat: Catalogue = CATALOGUE) -> Section:
    """Questions of visitors a local partner sent, per kind of partner."""
    rows = _per_kind(referrals, FROM, cat)
    return _total(
        "verwijzing_door",
        "Doorverwezen door een lokale partner, per soort partner",
        ("Soort partner", "Vragen"),
        rows,
    )


def warmth_section(referrals: Iterable[ReferralRow]) -> Section:
    """Referrals to a local partner, warm or cold (and those recorded before it was asked, or imported without
    it): the rows add up to every referral. Its own section of one count column, so that suppression in the
    aggregates hides a small cell from its total as in any other column."""
    per: dict[str, int] = defaultdict(int)
    for r in referrals:
        if r.direction == TO:
            per[r.warmth] += r.count
    rows: list[tuple[Cell, ...]] = [(label, per.pop(code, 0)) for code, label in WARMTHS]
    rows.append((WARMTH_NOT_RECORDED, sum(per.values())))
    return _total(
        "warmte",
        "Doorverwezen naar een lokale partner: warm of koud",
        ("Doorverwijzing", "Doorverwijzingen"),
        rows,
    )


BOTH_WAYS_COLUMNS = (
    "Lokale partner",
    "Soort partner",
    "Naar: warm",
    "Naar: koud",
    "Naar: niet vastgelegd",
    "Naar: totaal",
    "Door",
)


@dataclass
class BothWays:
    """One partner's referrals: to it per warmth ('' not recorded), and from it."""

    to: dict[str, int]
    by: int = 0

    def cells(self) -> tuple[int, ...]:
        warm, cold = (self.to.get(code, 0) for code, _ in WARMTHS)
        return warm, cold, self.to.get("", 0), sum(self.to.values()), self.by


def both_ways(rows: Iterable[ReferralRow]) -> dict[UUID, BothWays]:
    """Per partner (NO_PARTNER for those not listed): to it per warmth, and from it."""
    out: dict[UUID, BothWays] = {}
    for r in rows:
        b = out.setdefault(r.partner_id, BothWays({}))
        if r.direction == TO:
            b.to[r.warmth] = b.to.get(r.warmth, 0) + r.count
        else:
            b.by += r.count
    return out


def partner_section(referrals: Iterable[ReferralRow], cat: Catalogue = CATALOGUE) -> Section:
    """Per listed partner with a referral either way (by name), then the partners not listed (always): to each
    warm, cold, not recorded and in all, and from each. The "Naar: totaal" column adds up to every referral, the
    "Door" column to every question of a visitor a partner sent."""
    rows = list(referrals)
    kinds = {o.code: o.label for o in cat.partner_kinds}
    names = {r.partner_id: (r.name, kinds.get(r.kind, "Onbekend")) for r in rows if r.listed}
    per = both_ways(rows)
    unlisted = per.pop(NO_PARTNER, BothWays({}))
    order = sorted(per, key=lambda p: (names[p][0].lower(), str(p)))
    body: list[tuple[Cell, ...]] = [(*names[p], *per[p].cells()) for p in order if any(per[p].cells())]
    body.append((UNLISTED_PARTNER, "", *unlisted.cells()))
    return _total("partner", "Doorverwijzingen naar en door lokale partners", BOTH_WAYS_COLUMNS, body, 2)
