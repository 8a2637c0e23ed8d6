"""The `ido` command line."""
