"""Projections: read models folded from the event feed by workers, checkpointed in the same transaction."""
