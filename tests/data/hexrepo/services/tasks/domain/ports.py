"""Ports the domain needs from the outside world."""

from typing import Protocol


class TaskRepository(Protocol):
    def save(self, task) -> None: ...


class EventPublisher(Protocol):
    def publish(self, name: str, detail: dict) -> None: ...
