"""Every event type the store may hold, so infra can encode and decode them."""

from domain.courses import COURSE_EVENTS
from domain.ido import IDO_EVENTS
from domain.questions import QUESTION_EVENTS
from domain.survey import RESPONSE_EVENTS, SURVEY_EVENTS

EVENT_TYPES = (*IDO_EVENTS, *QUESTION_EVENTS, *COURSE_EVENTS, *SURVEY_EVENTS, *RESPONSE_EVENTS)
