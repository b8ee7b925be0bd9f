"""Reminder scheduling: it calls SQS directly, which the domain should not do."""

import boto3

from services.tasks.models.task import Task


def schedule_reminder(task: Task) -> None:
    boto3.client("sqs").send_message(QueueUrl="reminders", MessageBody=task.title)
