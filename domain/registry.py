"""Every event type the store may hold, so infra can encode and decode them."""

from domain.ido import IdoRegistered, OpeningHoursSet
from domain.questions import QUESTION_EVENTS

EVENT_TYPES = (IdoRegistered, OpeningHoursSet, *QUESTION_EVENTS)
