"""Task use cases."""

from services.tasks.domain.ports import EventPublisher, TaskRepository
from services.tasks.domain.rules import check_due_date
from services.tasks.models.task import Task


class TaskService:
    def __init__(self, repository: TaskRepository, events: EventPublisher) -> None:
        self._repository = repository
        self._events = events

    def create_task(self, title: str, due: str | None) -> Task:
        task = Task(title=title, due=due)
        check_due_date(task)
        self._repository.save(task)
        self._events.publish("TaskCreated", task.to_dict())
        return task
