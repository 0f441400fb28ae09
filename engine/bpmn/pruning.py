"""Keep a running instance's SpiffWorkflow task tree as small as its live part.

Spiff keeps every passage of a token through an element as a node of one tree, so a loop
makes the tree (and its depth) grow with every iteration, and every engine pass walks the
whole tree: the cost of a step grows with the instance's history (research/spiffworkflow.md
§d). Camunda keeps no such history in the runtime state; neither do we.

**Re-rooting.** The *anchors* of a workflow are the tasks that are not finished (predicted,
waiting, ready, started, error), ``workflow.last_task`` (a finishing sub-process copies its
data) and the task just completed (hooks after pruning may look at it). All anchors descend from their lowest common ancestor, reached from the root by
one path. The deepest node ``X`` on that path such that

* ``X`` is COMPLETED and every node above it on the path is finished,
* no *open structured split* lies above ``X`` (a boundary-event or start-event split whose
  join has not fired: the join finds its split with ``find_ancestor``),
* ``X`` is not a join (Spiff's parallel and inclusive joins read ``task.parent`` of every
  task of their spec), a sub-process or a loop/multi-instance task,
* a join that is waiting or ready keeps the branches that already arrived in this round
  (their finished join tasks count as anchors: Spiff counts and merges them),

becomes the new root; everything outside its subtree is dropped, with the sub-processes
of dropped tasks. Inside the subtree nothing changes, so joins still see every branch of a
structure that is open, boundary joins their splits, multi-instance tasks their children.
What is dropped is history of closed structures: previous loop iterations, cancelled
boundary events, branches of joins that already fired (whose stale join tasks Spiff would
otherwise merge into later iterations).

**Splicing.** Inside the kept subtree, a chain of COMPLETED single-child nodes (a loop
inside a branch of a structure that is still open) is shortened: a finished node whose one
child is finished too is taken out and the child hangs from its grandparent. Ancestor
relations among the remaining nodes are unchanged; joins, their inputs (the parent of a
join task), splits and bookkeeping tasks are never spliced out.

``maybe_prune`` runs after every completed task (a ``did_complete`` behaviour) but does the
O(n) work only when the tree has doubled since the last pruning, so the amortized cost per
step is constant and the tree stays within a constant factor of its live part.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

PRUNE_FLOOR = 32
_THRESHOLD = "_m8flow_prune_at"
_SPLITS = "_m8flow_structured_splits"
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def maybe_prune(workflow: Any, keep: Any = None) -> int:
    """Prune ``workflow`` if its tree doubled since the last pruning; returns tasks removed.
    ``keep`` (the task just completed) stays, with its ancestors, for the hooks after this."""
    if len(workflow.tasks) < getattr(workflow, _THRESHOLD, PRUNE_FLOOR):
        return 0
    removed = prune(workflow, keep)
    setattr(workflow, _THRESHOLD, max(PRUNE_FLOOR, 2 * len(workflow.tasks)))
    return removed


def prune(workflow: Any, keep: Any = None) -> int:
    """Drop the finished history of one workflow (top level or sub-process); returns the
    number of tasks removed from it."""
    if isinstance(workflow.spec, AdHocSubprocessSpec) or workflow.task_tree is None:
        return 0
    before = len(workflow.tasks)
    kept = {id(task) for task in (workflow.last_task, keep) if task is not None}
    kept.update(id(task) for task in _arrived_branches(workflow))
    path = _path_to_anchors(workflow, kept)
    cut = _cut(workflow, path)
    if cut is not None and cut is not workflow.task_tree:
        _reroot(workflow, cut)
    _splice(workflow, kept)
    return before - len(workflow.tasks)


def _path_to_anchors(workflow: Any, kept: set[int]) -> list[Any]:
    """Root → lowest common ancestor of all anchors (just the root if there are none)."""
    root = workflow.task_tree
    path: list[Any] | None = None
    index: dict[Any, int] = {}
    for task in workflow.tasks.values():
        if task.has_state(_FINISHED) and id(task) not in kept:
            continue
        if path is None:
            chain = [task]
            while chain[-1]._parent is not None and chain[-1] is not root:
                parent = chain[-1].parent
                if parent is None:
                    break
                chain.append(parent)
            path = list(reversed(chain))
            index = {node.id: i for i, node in enumerate(path)}
            continue
        node = task
        while node is not None and node.id not in index:
            node = node.parent
        if node is None:
            return [root]
        keep = index[node.id] + 1
        if keep < len(path):
            for dropped in path[keep:]:
                index.pop(dropped.id, None)
            del path[keep:]
    if not path or path[0] is not root:
        return [root]
    return path


def _arrived_branches(workflow: Any) -> list[Any]:
    """Finished join tasks of this round that a waiting or ready join still reads.

    A parallel or inclusive join counts the branches that arrived by the finished tasks of
    its spec (the first arrivals are cancelled as later ones come) and merges their parents'
    data when it fires. Tasks of earlier rounds (not below the last fired instance of the
    join above the waiting one) are not needed.
    """
    waiting = [
        task for task in workflow.tasks.values()
        if isinstance(task.task_spec, Join) and task.has_state(TaskState.WAITING | TaskState.READY)
    ]
    if not waiting:
        return []
    names = {task.task_spec.name for task in waiting}
    finished = [
        task for task in workflow.tasks.values()
        if task.task_spec.name in names and task.has_state(_FINISHED)
    ]
    arrived = []
    for join in waiting:
        ancestors, fired = set(), None
        node = join.parent
        while node is not None:
            ancestors.add(node.id)
            if fired is None and node.task_spec.name == join.task_spec.name and node.state == TaskState.COMPLETED:
                fired = node
            node = node.parent
        for task in finished:
            if task.task_spec.name != join.task_spec.name or task.id in ancestors:
                continue
            if fired is None or _descends_from(task, fired):
                arrived.append(task)
    return arrived


def _descends_from(task: Any, ancestor: Any) -> bool:
    node = task.parent
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def _structured_splits(spec: Any) -> dict[str, str]:
    """Split spec name → join spec name for joins that look their split up by ancestry."""
    cached = getattr(spec, _SPLITS, None)
    if cached is None:
        cached = {
            join.split_task: join.name
            for join in spec.task_specs.values()
            if isinstance(join, Join) and getattr(join, "split_task", None)
        }
        setattr(spec, _SPLITS, cached)
    return cached


def _is_open_split(task: Any, splits: dict[str, str]) -> bool:
    join_name = splits.get(task.task_spec.name)
    if join_name is None:
        return False
    for child in task.children:
        for grandchild in child.children:
            if grandchild.task_spec.name == join_name and grandchild.has_state(TaskState.COMPLETED):
                return False
    return True


def _may_be_root(task: Any) -> bool:
    spec = task.task_spec
    return task.state == TaskState.COMPLETED and not isinstance(spec, (Join, SubWorkflowTask, LoopTask))


def _cut(workflow: Any, path: list[Any]) -> Any | None:
    splits = _structured_splits(workflow.spec)
    cut = None
    for task in path:
        if _may_be_root(task):
            cut = task
        if not task.has_state(_FINISHED) or _is_open_split(task, splits):
            break
    return cut


def _reroot(workflow: Any, cut: Any) -> None:
    keep = {cut.id}
    stack = [cut]
    while stack:
        for child_id in stack.pop()._children:
            if child_id not in keep:
                keep.add(child_id)
                child = workflow.tasks.get(child_id)
                if child is not None:
                    stack.append(child)
    dropped = [task_id for task_id in workflow.tasks if task_id not in keep]
    _forget(workflow, dropped)
    cut._parent = None
    workflow.task_tree = cut


def _splice(workflow: Any, kept: set[int]) -> None:
    """Take finished single-child nodes out of chains whose next node is finished too."""
    splits = _structured_splits(workflow.spec)
    dropped = []
    for task in list(workflow.tasks.values()):
        parent = task.parent
        if parent is None or len(task._children) != 1 or not _spliceable(task, parent, splits, kept):
            continue
        child = workflow.tasks.get(task._children[0])
        if child is None or not child.has_state(_FINISHED) or isinstance(child.task_spec, Join):
            continue
        siblings = parent._children
        siblings[siblings.index(task.id)] = child.id
        child._parent = parent.id
        task._children = []
        dropped.append(task.id)
    _forget(workflow, dropped)


def _spliceable(task: Any, parent: Any, splits: dict[str, str], kept: set[int]) -> bool:
    # Splits, loop/multi-instance and sub-process tasks read their children; joins and
    # bookkeeping tasks are looked up themselves: neither they nor their children move.
    bookkeeping = (Join, SubWorkflowTask, LoopTask)
    return (
        task.state == TaskState.COMPLETED
        and id(task) not in kept
        and task.task_spec.name not in splits
        and parent.task_spec.name not in splits
        and not isinstance(task.task_spec, bookkeeping)
        and not isinstance(parent.task_spec, bookkeeping)
    )


def _forget(workflow: Any, task_ids: list[Any]) -> None:
    if not task_ids:
        return
    top = workflow.top_workflow
    for task_id in task_ids:
        task = workflow.tasks.pop(task_id)
        top.event_manager.remove_task(task)
        if task_id in top.subprocesses:
            _drop_subprocess(top, task_id)


def _drop_subprocess(top: Any, task_id: Any) -> None:
    subprocess = top.subprocesses.pop(task_id)
    nested = [sp_id for sp_id in top.subprocesses if sp_id in subprocess.tasks]
    for sp_id in nested:
        _drop_subprocess(top, sp_id)


def prune_after_completion(session: Any, task: Any) -> None:
    """The ``did_complete`` behaviour (engine/behaviours.py)."""
    maybe_prune(task.workflow, keep=task)
