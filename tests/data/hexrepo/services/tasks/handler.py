"""API Gateway entry point of the task service."""

import json

from services.tasks.domain.task_service import TaskService
from shared.integration.dynamodb_adapter import DynamoTaskRepository
from shared.integration.eventbridge_adapter import EventBridgePublisher

SERVICE = TaskService(DynamoTaskRepository(), EventBridgePublisher())


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    task = SERVICE.create_task(body["title"], body.get("due"))
    return {"statusCode": 201, "body": json.dumps(task.to_dict())}
