"""DynamoDB implementation of the task repository."""

import boto3

from services.tasks.domain.ports import TaskRepository


class DynamoTaskRepository(TaskRepository):
    def __init__(self) -> None:
        self._table = boto3.resource("dynamodb").Table("tasks")

    def save(self, task) -> None:
        self._table.put_item(Item=task.to_dict())
