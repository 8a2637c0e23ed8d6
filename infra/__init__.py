"""Adapters: PostgreSQL event store, read models, Redis, mail, webhooks, writers, embedded dev servers."""
