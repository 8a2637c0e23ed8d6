"""Thin edges: the web app and JSON API, the Celery workers, and the `ido` command line."""
