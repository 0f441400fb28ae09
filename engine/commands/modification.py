"""Process-instance modification: Camunda's ``ProcessInstanceModificationBuilder``.

Instructions (cancel, startBeforeActivity, startAfterActivity, startTransition) apply in
order to one instance in one transaction; then the instance runs until it waits again.
"""
from __future__ import annotations

from collections.abc import Sequence

from engine import listeners, modification
from engine.errors import InvalidRequest
from engine.instance import ProcessInstanceSession
from engine.modification import Instruction
from engine.process_engine import ProcessEngine


def modify_process_instance(
    engine: ProcessEngine,
    instance_id: str,
    instructions: Sequence[Instruction],
    *,
    skip_custom_listeners: bool = False,
    skip_io_mappings: bool = False,
    annotation: str | None = None,
) -> None:
    """``skip_custom_listeners`` runs no listeners in this command, neither of the activities
    the instructions cancel nor of those they start (and the tasks these create);
    ``skip_io_mappings`` and ``annotation`` are accepted for compatibility (m8flow
    records no operation log and applies the mappings)."""
    if not instructions:
        raise InvalidRequest("'instructions' must be set")
    with engine.database.transaction() as conn:
        session = ProcessInstanceSession.load(engine, conn, instance_id)
        if skip_custom_listeners:
            listeners.skip_custom_listeners(session)
        listeners.open_activities(session)  # before the instructions cancel anything
        modification.modify(session, list(instructions))
        session.run()
        modification.end_if_empty(session)
        session.save()
