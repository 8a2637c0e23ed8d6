"""Every projection the workers run, in the order they are advanced."""

from __future__ import annotations

from infra.projections.courses import Courses
from infra.projections.help_time import HelpTime
from infra.projections.notices import Notices
from infra.projections.opening_status import OpeningStatus
from infra.projections.question_stats import QuestionStats
from infra.projections.referrals import Referrals
from infra.projections.survey import SurveyStats
from infra.projections.visitors import Visitors
from infra.settings import Settings
from infra.store.event_store import PostgresEventStore


def all_projections(settings: Settings, store: PostgresEventStore) -> list:
    return [
        QuestionStats(),
        Referrals(),
        Visitors(),
        HelpTime(),
        OpeningStatus(store),
        Notices(settings, store),
        Courses(store),
        SurveyStats(),
    ]


def projection_names() -> list[str]:
    return [
        QuestionStats.name,
        Referrals.name,
        Visitors.name,
        HelpTime.name,
        OpeningStatus.name,
        Notices.name,
        Courses.name,
        SurveyStats.name,
    ]
