"""Every event type the store may hold, so infra can encode and decode them."""

from domain.ido import IdoRegistered
from domain.questions import QUESTION_EVENTS

EVENT_TYPES = (IdoRegistered, *QUESTION_EVENTS)
