"""EventBridge implementation of the event publisher."""

import json

import boto3


class EventBridgePublisher:
    def publish(self, name: str, detail: dict) -> None:
        boto3.client("events").put_events(Entries=[{"DetailType": name, "Detail": json.dumps(detail)}])
