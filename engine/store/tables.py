"""The m8flow schema, in SQLAlchemy Core. Table names follow Camunda's concepts (not its
ACT_* names): a Camunda user reading a query can tell what each row is.

Changes to this file need an alembic revision in engine/store/migrations/versions.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

ID = String(64)
NAME = String(255)

deployment = Table(
    "deployment",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME),
    Column("source", NAME),
    Column("tenant_id", ID),
    Column("deployment_time", DateTime(timezone=True), nullable=False),
)

resource = Table(
    "resource",
    metadata,
    Column("id", ID, primary_key=True),
    Column("deployment_id", ID, ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(1000), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_resource_deployment", "deployment_id"),
)

process_definition = Table(
    "process_definition",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("key", NAME, nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", NAME),
    Column("category", NAME),
    Column("description", Text),
    Column("deployment_id", ID, ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False),
    Column("resource_name", String(1000), nullable=False),
    Column("tenant_id", ID),
    Column("version_tag", NAME),
    Column("history_time_to_live", Integer),
    Column("startable_in_tasklist", Boolean, nullable=False, default=True),
    Column("suspended", Boolean, nullable=False, default=False),
    Column("start_form_key", String(1000)),
    Column("has_start_form_fields", Boolean, nullable=False, default=False),
    Column("deployment_time", DateTime(timezone=True), nullable=False),
    UniqueConstraint("key", "version", "tenant_id", name="uq_process_definition_version"),
    Index("ix_process_definition_key", "key", "tenant_id", "version"),
)

process_instance = Table(
    "process_instance",
    metadata,
    Column("id", ID, primary_key=True),
    Column("process_definition_id", String(255), nullable=False),
    Column("process_definition_key", NAME, nullable=False),
    Column("business_key", NAME),
    Column("tenant_id", ID),
    Column("super_process_instance_id", ID),
    Column("super_execution_id", ID),
    Column("root_process_instance_id", ID),
    # ACTIVE, SUSPENDED, COMPLETED, EXTERNALLY_TERMINATED, INTERNALLY_TERMINATED
    Column("state", String(32), nullable=False),
    Column("suspended", Boolean, nullable=False, default=False),
    Column("revision", Integer, nullable=False, default=1),
    # SpiffWorkflow's serialized instance, without the model (the model is parsed once per
    # definition version from its deployment resources and cached).
    Column("spiff_state", Text),
    Column("start_time", DateTime(timezone=True), nullable=False),
    Column("end_time", DateTime(timezone=True)),
    Column("start_activity_id", NAME),
    Column("end_activity_id", NAME),
    Column("delete_reason", Text),
    Index("ix_process_instance_definition", "process_definition_id"),
    Index("ix_process_instance_key", "process_definition_key"),
    Index("ix_process_instance_business_key", "business_key"),
    Index("ix_process_instance_super", "super_process_instance_id"),
)

task = Table(
    "task",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME),
    Column("description", Text),
    Column("assignee", NAME),
    Column("owner", NAME),
    Column("delegation_state", String(16)),
    Column("priority", Integer, nullable=False, default=50),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("last_updated", DateTime(timezone=True)),
    Column("due", DateTime(timezone=True)),
    Column("follow_up", DateTime(timezone=True)),
    Column("execution_id", ID),
    Column("activity_instance_id", String(255)),
    Column("process_instance_id", ID, ForeignKey("process_instance.id", ondelete="CASCADE")),
    Column("process_definition_id", String(255)),
    Column("process_definition_key", NAME),
    Column("task_definition_key", NAME),
    Column("form_key", String(1000)),
    Column("camunda_form_ref", Text),
    Column("tenant_id", ID),
    Column("suspended", Boolean, nullable=False, default=False),
    Index("ix_task_process_instance", "process_instance_id"),
    Index("ix_task_assignee", "assignee"),
)

identity_link = Table(
    "identity_link",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", ID, ForeignKey("task.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),  # candidate | assignee | owner
    Column("user_id", NAME),
    Column("group_id", NAME),
    Index("ix_identity_link_task", "task_id"),
    Index("ix_identity_link_group", "group_id"),
    Index("ix_identity_link_user", "user_id"),
)

variable = Table(
    "variable",
    metadata,
    Column("id", ID, primary_key=True),
    Column("process_instance_id", ID, ForeignKey("process_instance.id", ondelete="CASCADE")),
    # The scope that owns the variable: the process instance id (process variables), a task
    # id (task-local) or an execution / activity instance id (local variables).
    Column("scope_id", ID, nullable=False),
    Column("task_id", ID),
    Column("name", NAME, nullable=False),
    Column("type", String(32), nullable=False),
    Column("text_value", Text),
    Column("long_value", BigInteger),
    Column("double_value", Float),
    Column("bytes_value", LargeBinary),
    Column("value_info", Text),
    Column("revision", Integer, nullable=False, default=1),
    UniqueConstraint("scope_id", "name", name="uq_variable_scope_name"),
    Index("ix_variable_process_instance", "process_instance_id"),
    Index("ix_variable_name", "name"),
)

external_task = Table(
    "external_task",
    metadata,
    # The Spiff task id of the parked activity: one row per token waiting at an external
    # service task (or message throw / end event), removed when the token moves on.
    Column("id", ID, primary_key=True),
    Column("topic_name", NAME, nullable=False),
    Column("worker_id", NAME),
    Column("lock_expiration_time", DateTime(timezone=True)),
    # NULL until the first failure or an explicit retries update (Camunda's semantics).
    Column("retries", Integer),
    Column("error_message", String(666)),
    Column("error_details", Text),
    Column("priority", BigInteger, nullable=False, default=0),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("activity_id", NAME, nullable=False),
    Column("activity_instance_id", String(255), nullable=False),
    Column("execution_id", ID, nullable=False),
    Column("process_instance_id", ID, ForeignKey("process_instance.id", ondelete="CASCADE"), nullable=False),
    Column("process_definition_id", String(255), nullable=False),
    Column("process_definition_key", NAME, nullable=False),
    Column("process_definition_version_tag", NAME),
    Column("tenant_id", ID),
    Column("business_key", NAME),
    # {name: value} of the activity's camunda:properties, as JSON.
    Column("extension_properties", Text),
    Column("revision", Integer, nullable=False, default=1),
    Index("ix_external_task_topic", "topic_name", "lock_expiration_time"),
    # fetchAndLock's order: the oldest tasks of a topic first, without sorting them all.
    Index("ix_external_task_fetch_order", "topic_name", "create_time", "id"),
    Index("ix_external_task_process_instance", "process_instance_id"),
)

incident = Table(
    "incident",
    metadata,
    Column("id", ID, primary_key=True),
    Column("incident_timestamp", DateTime(timezone=True), nullable=False),
    Column("incident_type", String(64), nullable=False),  # failedExternalTask | failedJob | custom
    Column("incident_message", Text),
    Column("execution_id", ID),
    Column("activity_id", NAME),
    Column("failed_activity_id", NAME),
    Column("process_instance_id", ID, ForeignKey("process_instance.id", ondelete="CASCADE")),
    Column("process_definition_id", String(255)),
    Column("cause_incident_id", ID),
    Column("root_cause_incident_id", ID),
    # The failed thing: an external task id (failedExternalTask) or a job id (failedJob).
    Column("configuration", String(255)),
    Column("tenant_id", ID),
    Column("job_definition_id", ID),
    Column("annotation", String(4000)),
    Index("ix_incident_process_instance", "process_instance_id"),
    Index("ix_incident_configuration", "configuration"),
)

event_subscription = Table(
    "event_subscription",
    metadata,
    Column("id", ID, primary_key=True),
    Column("event_type", String(32), nullable=False),  # message | signal
    Column("event_name", NAME, nullable=False),
    # The waiting token (a Spiff task id), the process instance for event sub-process starts,
    # NULL for start events of the latest definition version (which start new instances).
    Column("execution_id", ID),
    Column("process_instance_id", ID, ForeignKey("process_instance.id", ondelete="CASCADE")),
    Column("activity_id", NAME, nullable=False),
    Column("process_definition_id", String(255), nullable=False),
    Column("tenant_id", ID),
    Column("created_date", DateTime(timezone=True), nullable=False),
    Index("ix_event_subscription_name", "event_type", "event_name"),
    Index("ix_event_subscription_process_instance", "process_instance_id"),
    Index("ix_event_subscription_definition", "process_definition_id"),
)

job_definition = Table(
    "job_definition",
    metadata,
    # One row per activity of a process definition that creates jobs (timer, async
    # continuation), as Camunda's ACT_RU_JOBDEF; created when first needed.
    Column("id", ID, primary_key=True),
    Column("process_definition_id", String(255), ForeignKey("process_definition.id", ondelete="CASCADE"), nullable=False),
    Column("process_definition_key", NAME, nullable=False),
    Column("activity_id", NAME, nullable=False),
    # timer-start-event | timer-intermediate-transition | timer-transition |
    # timer-start-event-subprocess | async-continuation
    Column("job_type", String(64), nullable=False),
    Column("job_configuration", String(4000)),
    Column("overriding_job_priority", BigInteger),
    Column("suspended", Boolean, nullable=False, default=False),
    Column("tenant_id", ID),
    Column("deployment_id", ID),
    UniqueConstraint("process_definition_id", "activity_id", "job_type", "job_configuration", name="uq_job_definition_activity"),
)

job = Table(
    "job",
    metadata,
    # Instance jobs are keyed by the Spiff task id of the waiting timer or held token; timer
    # start jobs (no instance yet) by a fresh id.
    Column("id", ID, primary_key=True),
    Column("job_type", String(16), nullable=False),  # timer | message (async continuation)
    Column("handler_type", String(64), nullable=False),  # the job definition's job type
    Column("handler_configuration", String(4000)),
    Column("job_definition_id", ID),
    Column("process_instance_id", ID, ForeignKey("process_instance.id", ondelete="CASCADE")),
    Column("execution_id", ID),
    Column("process_definition_id", String(255)),
    Column("process_definition_key", NAME),
    Column("activity_id", NAME),
    Column("due_date", DateTime(timezone=True)),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("retries", Integer, nullable=False, default=3),
    Column("exception_message", String(4000)),
    Column("exception_stacktrace", Text),
    Column("failed_activity_id", NAME),
    Column("suspended", Boolean, nullable=False, default=False),
    Column("priority", BigInteger, nullable=False, default=0),
    Column("tenant_id", ID),
    Column("deployment_id", ID),
    # The lease of the gateway process running the job.
    Column("lock_owner", NAME),
    Column("lock_expiration_time", DateTime(timezone=True)),
    Column("revision", Integer, nullable=False, default=1),
    Index("ix_job_acquirable", "due_date"),
    Index("ix_job_process_instance", "process_instance_id"),
    Index("ix_job_process_definition", "process_definition_id"),
)
