"""The task entity."""

from dataclasses import asdict, dataclass


@dataclass
class Task:
    title: str
    due: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)
