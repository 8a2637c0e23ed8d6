"""Every event type the store may hold, so infra can encode and decode them."""

from domain.ido import IdoRegistered

EVENT_TYPES = (IdoRegistered,)
