"""The m8flow runtime: Camunda 7 semantics on SpiffWorkflow, with persistence. Knows nothing of HTTP."""
