"""Celery workers: projection runner, notice dispatcher, report builder, beat schedule."""
