"""Business rules for tasks."""

from services.tasks.models.task import Task


def check_due_date(task: Task) -> None:
    if task.due is not None and task.due < "2000-01-01":
        raise ValueError("due date in the past")
