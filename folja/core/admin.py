"""The background tasks' results, as operators need them: which task, how it went, when, and why not.

django_tasks_db's own admin shows each result's arguments, return value and traceback. The
project's tasks take ids only, but a traceback carries the exception's message, and that can
hold personal data (an SMTP refusal names the address; a PostgreSQL unique violation quotes the
key, a civic number). So only the task, its status, its times and the class of its error are
shown (R5: no sealed person; R13: administration is not reading).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django_tasks_db import admin as tasks_db_admin  # registers its admin first, so it can be replaced
from django_tasks_db.models import DBTaskResult


class TaskResultAdmin(tasks_db_admin.DBTaskResultAdmin):
    """DBTaskResultAdmin without the arguments, return value and traceback: read-only as before."""

    fields = (
        "id",
        "task_name",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "display_run_after",
        "priority",
        "queue_name",
        "backend_name",
        "exception_class_path",
    )
    readonly_fields = fields

    def get_fields(self, request: HttpRequest, obj: DBTaskResult | None = None) -> list[str]:
        return list(self.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: DBTaskResult | None = None) -> list[str]:
        return list(self.readonly_fields)


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
