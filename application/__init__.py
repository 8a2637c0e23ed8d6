"""The application layer: one handler per command, run by the bus in a unit of work (docs/architecture.md)."""
