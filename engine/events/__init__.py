"""Messages and signals: Camunda's event subscriptions, message correlation and signal
broadcast, on top of SpiffWorkflow's per-instance events.

Spiff matches an event only inside one workflow; Camunda correlates across the engine. So every
save projects the instance's waiting message and signal catches into ``event_subscription``
rows (``subscriptions``), deployments register the message and signal start events of the
latest definition versions (``start_events``), correlation picks rows by name, business key and
variables (``correlation``), and ``delivery`` hands the event to the chosen Spiff task, starts
a new instance, or broadcasts a signal thrown inside a process to the rest of the engine.
"""
