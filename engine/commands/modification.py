"""Process-instance modification: Camunda's ``ProcessInstanceModificationBuilder``.

Instructions (cancel, startBeforeActivity, startAfterActivity, startTransition) apply in
order to one instance in one transaction; then the instance runs until it waits again.
"""
from __future__ import annotations

from collections.abc import Sequence

from engine import modification
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
    """``skip_custom_listeners``, ``skip_io_mappings`` and ``annotation`` are accepted for
    compatibility; m8flow records no operation log and applies listeners and mappings."""
    if not instructions:
        raise InvalidRequest("'instructions' must be set")
    with engine.database.transaction() as conn:
        session = ProcessInstanceSession.load(engine, conn, instance_id)
        modification.modify(session, list(instructions))
        session.run()
        modification.end_if_empty(session)
        session.save()
