"""Generate a large log4j-style service log for the log benchmarks.

    python benchmarks/generate_logs.py LINES OUT [--seed 0] [--gz] [--layout log4j|learned]

Sixty message templates of a task service (handlers, domain, DynamoDB/SQS adapters), each
filled with numbers, ids, IPs, paths and user names drawn at random; about one error in twenty
carries a Java stack trace with "Caused by". Deterministic for a given seed.

``--layout log4j`` (the default) writes log4j headers, one of riskmap's known layouts;
``--layout learned`` writes a header no known layout fits (epoch seconds, a node id, the thread
in brackets, the level, ``logger:``), so riskmap has to learn it from the file.
"""

from __future__ import annotations

import argparse
import gzip
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

COMPONENTS = ("handlers.http", "handlers.sqs_consumer", "domain.tasks", "domain.scheduling",
              "adapters.dynamodb_repository", "adapters.sqs_publisher", "adapters.http_client")
LEVELS = ("INFO",) * 14 + ("DEBUG",) * 3 + ("WARN",) * 2 + ("ERROR",)
WORDS = ("task", "user", "queue", "table", "request", "batch", "lease", "cache", "shard", "token")
USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")


def _templates(rng: random.Random) -> list[str]:
    """Sixty message shapes; {n} number, {id} hex id, {uuid}, {ip}, {path}, {user}, {ms} duration."""
    shapes = [
        "Request {uuid} from {ip} handled in {ms} ms",
        "Task {n} created by {user}",
        "Task {n} moved to state {word}",
        "Retrying {word} {n} after {ms} ms (attempt {n} of 5)",
        "Wrote item {id} to table {word}-{n}",
        "Conditional check failed for item {id} in table {word}",
        "Published message {uuid} to queue {word}-events",
        "Received {n} messages from queue {word}-inbox",
        "Lease {id} expired for worker {ip}",
        "Cache miss for key {word}:{n}",
        "Loaded configuration from {path}",
        "Connection to {ip} refused",
        "Timed out after {ms} ms waiting for {word} {n}",
        "User {user} is not allowed to update task {n}",
        "Validation failed: field {word} must be at most {n} characters",
        "Throttled by DynamoDB on table {word}, backing off {ms} ms",
        "Scheduled {n} reminders for {user}",
        "Deleted {n} expired {word} records",
        "Could not parse payload {id}: unexpected token at position {n}",
        "Slow query on index {word}-by-{word} took {ms} ms",
    ]
    out = []
    for index in range(60):
        base = shapes[index % len(shapes)]
        out.append(base if index < len(shapes) else f"{rng.choice(WORDS).capitalize()} step {index}: {base}")
    return out


def _fill(shape: str, rng: random.Random) -> str:
    values = {
        "n": lambda: str(rng.randint(0, 99999)),
        "id": lambda: f"{rng.getrandbits(48):012x}",
        "uuid": lambda: str(uuid.UUID(int=rng.getrandbits(128))),
        "ip": lambda: f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        "path": lambda: f"/etc/tasks/{rng.choice(WORDS)}/{rng.randint(1, 9)}.yaml",
        "user": lambda: rng.choice(USERS),
        "ms": lambda: str(rng.randint(1, 30000)),
        "word": lambda: rng.choice(WORDS),
    }
    parts = shape.split("{")
    text = parts[0]
    for part in parts[1:]:
        name, rest = part.split("}", 1)
        text += values[name]() + rest
    return text


def _trace(rng: random.Random, component: str) -> list[str]:
    package = "com.example.tasks." + component.split(".")[0]
    cls = component.split(".")[1].title().replace("_", "")
    return [
        "java.lang.IllegalStateException: write rejected",
        f"\tat {package}.{cls}.save({cls}.java:{rng.randint(20, 400)})",
        f"\tat com.example.tasks.domain.TaskService.update(TaskService.java:{rng.randint(20, 400)})",
        "\tat java.base/java.lang.Thread.run(Thread.java:833)",
        "Caused by: software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException:"
        " The conditional request failed",
        "\tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handle("
        "CombinedResponseHandler.java:88)",
        "\t... 12 more",
    ]


#: The header layouts ``generate`` writes.
LAYOUTS = ("log4j", "learned")


def generate(lines: int, out: Path, seed: int = 0, gz: bool = False, layout: str = "log4j") -> int:
    """Write about ``lines`` lines (traces included) to ``out`` with headers of ``layout`` (see
    ``LAYOUTS``); return the number written."""
    rng = random.Random(seed)
    templates = _templates(rng)
    weights = [1 / (rank + 1) for rank in range(len(templates))]
    now = datetime(2026, 11, 1, 8, 0, 0)
    written = 0
    opener = gzip.open if gz else open
    with opener(out, "wt", encoding="utf-8") as handle:
        while written < lines:
            now += timedelta(milliseconds=rng.randint(1, 400))
            level = rng.choice(LEVELS)
            component = rng.choice(COMPONENTS)
            shape = rng.choices(templates, weights)[0]
            thread = f"pool-{rng.randint(1, 4)}-thread-{rng.randint(1, 16)}"
            if layout == "learned":
                node = f"node-{rng.randint(1, 24)}"
                header = f"{now.replace(tzinfo=UTC).timestamp():.3f} {node} [{thread}] {level} {component}:"
            else:
                stamp = now.strftime("%Y-%m-%d %H:%M:%S,") + f"{now.microsecond // 1000:03d}"
                header = f"{stamp} {level} [{thread}] {component}:"
            block = [f"{header} {_fill(shape, rng)}"]
            if level == "ERROR" and rng.random() < 0.05:
                block += _trace(rng, component)
            handle.write("\n".join(block) + "\n")
            written += len(block)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lines", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gz", action="store_true", help="write gzip-compressed")
    parser.add_argument("--layout", choices=LAYOUTS, default="log4j", help="the header layout of the lines")
    args = parser.parse_args()
    count = generate(args.lines, args.out, args.seed, args.gz, args.layout)
    print(f"wrote {count} lines to {args.out}")


if __name__ == "__main__":
    main()
