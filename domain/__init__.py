"""Pure domain of IDO-registratie: events, aggregates, catalogue and rules; no I/O."""
