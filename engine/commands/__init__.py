"""One function per Camunda operation. Each owns its transaction (``engine.database.transaction``)."""
