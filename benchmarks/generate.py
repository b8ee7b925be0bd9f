"""Generate N realistic synthetic bug records of a hexagonal serverless task service.

    python benchmarks/generate.py N OUT.json [--seed S] [--jsonl] [--lean]

The records have the fields of ``sample_data/bugs.json`` (id, title, description, severity,
component, file, type, status, created_at, resolved_at, root_cause, testing_gap) and are written
as ``{"bugs": [...]}`` or, with ``--jsonl``, one object per line. By default each record also
carries what a tracker's REST export carries besides (reporter and assignee objects, label
objects, URLs, reactions, a milestone and a few comments), about 4-5 KB a record in all: the real
exports in ../shared/corpus/bugs hold 4.5 to 19 KB a record. ``--lean`` leaves that out (about
1 KB a record). The output depends only on N, the seed and the flags. Standard library only, so it
runs without riskmap installed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

# --------------------------------------------------------------------------------------------
# The service: files per folder, with the functions a traceback can name in each.
# --------------------------------------------------------------------------------------------

FILES: dict[str, tuple[str, ...]] = {
    # inbound adapters: API Gateway / EventBridge / SQS entry points
    "src/handlers/task_handler.py": ("handle", "create_task", "update_task", "complete_task", "_parse_body"),
    "src/handlers/auth_handler.py": ("authorize", "_decode_token", "_policy"),
    "src/handlers/schedule_handler.py": ("handle", "send_reminders", "_due_tasks"),
    "src/handlers/project_handler.py": ("handle", "create_project", "archive_project", "list_members"),
    "src/handlers/comment_handler.py": ("handle", "add_comment", "delete_comment"),
    "src/handlers/webhook_handler.py": ("handle", "verify_signature", "dispatch"),
    "src/handlers/export_handler.py": ("handle", "start_export", "_write_csv"),
    "src/handlers/import_handler.py": ("handle", "import_csv", "_row_to_task"),
    "src/handlers/search_handler.py": ("handle", "search_tasks", "_build_query"),
    "src/handlers/user_handler.py": ("handle", "get_profile", "update_preferences"),
    "src/handlers/attachment_handler.py": ("handle", "presign_upload", "confirm_upload"),
    "src/handlers/stream_handler.py": ("handle", "on_record", "_unmarshal"),
    "src/handlers/health_handler.py": ("handle",),
    # domain: pure logic and ports
    "src/domain/task_service.py": ("create_task", "update_task", "complete_task", "list_tasks", "assign"),
    "src/domain/rules.py": ("is_overdue", "end_of_day", "can_transition", "next_occurrence"),
    "src/domain/models.py": ("Task.__post_init__", "Task.to_dict", "Task.from_dict", "Project.add_member"),
    "src/domain/ports.py": ("TaskRepository.save", "EventPublisher.publish"),
    "src/domain/project_service.py": ("create_project", "archive", "add_member", "remove_member"),
    "src/domain/recurrence.py": ("expand", "next_date", "parse_rrule"),
    "src/domain/permissions.py": ("can_edit", "can_view", "role_for"),
    "src/domain/comment_service.py": ("add_comment", "mentions", "delete_comment"),
    "src/domain/events.py": ("TaskCreated.to_detail", "TaskCompleted.to_detail"),
    "src/domain/errors.py": ("DomainError.__init__",),
    "src/domain/validation.py": ("validate_task", "validate_title", "validate_due_date"),
    "src/domain/user_service.py": ("get_user", "update_preferences", "timezone_for"),
    "src/domain/billing_service.py": ("charge_seats", "proration", "plan_limits"),
    "src/domain/search_service.py": ("search", "rank", "highlight"),
    # outbound adapters: AWS services and third parties
    "src/adapters/dynamodb_repository.py": ("save", "get", "update_task", "list_tasks", "bulk_save", "_paginate"),
    "src/adapters/eventbridge_publisher.py": ("publish", "publish_batch", "_entry"),
    "src/adapters/notification_client.py": ("send", "render_email", "_html_body"),
    "src/adapters/s3_attachment_store.py": ("put", "presign", "delete"),
    "src/adapters/sqs_queue.py": ("send_batch", "receive", "delete_message"),
    "src/adapters/ses_mailer.py": ("send_email", "_raw_message"),
    "src/adapters/cognito_client.py": ("get_user", "list_groups", "_jwks"),
    "src/adapters/secrets_provider.py": ("get_secret", "_cached"),
    "src/adapters/opensearch_index.py": ("index_task", "search", "_bulk"),
    "src/adapters/stripe_client.py": ("create_charge", "update_subscription", "_request"),
    "src/adapters/slack_webhook.py": ("post", "_format_blocks"),
    "src/adapters/user_repository.py": ("get", "save", "batch_get"),
    "src/adapters/project_repository.py": ("get", "save", "list_for_user"),
    "src/adapters/comment_repository.py": ("add", "list_for_task", "delete"),
    "src/adapters/redis_cache.py": ("get", "set", "invalidate"),
    # shared code, jobs, middleware, infrastructure
    "src/shared/logging.py": ("get_logger", "log_event", "_redact"),
    "src/shared/config.py": ("load", "require", "_env"),
    "src/shared/json_utils.py": ("dumps", "loads", "_default"),
    "src/shared/clock.py": ("now", "today_in"),
    "src/shared/ids.py": ("new_id", "parse_id"),
    "src/shared/retry.py": ("retry", "_sleep"),
    "src/shared/pagination.py": ("encode_cursor", "decode_cursor"),
    "src/middleware/error_middleware.py": ("wrap", "_to_response"),
    "src/middleware/cors.py": ("add_headers",),
    "src/middleware/request_context.py": ("bind", "correlation_id"),
    "src/jobs/cleanup_job.py": ("run", "_expired_tasks"),
    "src/jobs/export_job.py": ("run", "_upload"),
    "src/jobs/digest_job.py": ("run", "_build_digest"),
    "infra/stacks/api_stack.py": ("ApiStack.__init__", "_routes"),
    "infra/stacks/data_stack.py": ("DataStack.__init__", "_table"),
}
FILE_NAMES = list(FILES)

#: Severity spellings as trackers write them, with how often each appears.
_SEVERITIES = (
    ("critical", 4), ("Critical", 2), ("Blocker", 2), ("P0", 1), ("Sev 1", 2), ("S1", 1), ("highest", 1),
    ("high", 12), ("High", 4), ("major", 6), ("Major", 2), ("P1", 4), ("Sev 2", 3), ("S2", 1),
    ("sev:high", 1), ("P1 - High", 1),
    ("medium", 14), ("Medium", 4), ("normal", 3), ("moderate", 1), ("P2", 4), ("S3", 2), ("Sev 3", 2),
    ("low", 7), ("Low", 2), ("minor", 5), ("Minor", 2), ("trivial", 1), ("P3", 2), ("S4", 1), ("Sev 4", 1),
    ("enhancement", 1),
)
SEVERITY_WORDS = [s for s, _ in _SEVERITIES]
SEVERITY_WEIGHTS = [w for _, w in _SEVERITIES]

STATUSES = ["open", "in progress", "resolved", "closed"]
STATUS_WEIGHTS = [35, 15, 25, 25]

#: Spellings of the category a tracker might give ("bug" and friends are no category at all).
TYPES = [
    "security", "concurrency", "data integrity", "validation", "business logic", "api contract",
    "error handling", "performance", "date and time", "configuration", "serialization",
    "observability", "Security", "Performance", "perf", "data-integrity", "error_handling",
    "race condition", "input validation", "reliability", "logging", "config", "bug", "defect",
    "regression", "incident",
]
TYPE_WEIGHTS = [8, 5, 6, 8, 6, 4, 8, 7, 3, 4, 4, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2, 2, 1]

ENTITIES = ["task", "project", "comment", "attachment", "reminder", "user", "webhook", "export",
            "import job", "recurring task", "subtask", "label", "due date", "assignee", "invitation"]
ROUTES = ["GET /tasks", "POST /tasks", "PATCH /tasks/{id}", "PUT /tasks/{id}", "DELETE /tasks/{id}",
          "POST /tasks/{id}/complete", "GET /projects/{id}/tasks", "POST /projects", "GET /me",
          "POST /tasks/{id}/comments", "POST /imports", "GET /exports/{id}", "POST /webhooks/stripe",
          "GET /search", "POST /attachments/presign"]
AWS = ["DynamoDB", "EventBridge", "SQS", "SES", "S3", "Cognito", "Secrets Manager", "OpenSearch",
       "API Gateway", "Lambda", "CloudWatch", "X-Ray", "Step Functions"]
THIRD = ["Stripe", "Slack", "SendGrid", "Auth0", "Sentry", "PagerDuty"]
ERRORS = ["KeyError: 'version'", "TypeError: Object of type datetime is not JSON serializable",
          "ValueError: invalid isoformat string: '2025-13-01'",
          "AttributeError: 'NoneType' object has no attribute 'get'",
          "botocore.exceptions.ClientError: An error occurred (ConditionalCheckFailedException)"
          " when calling the PutItem operation",
          "botocore.exceptions.ClientError: An error occurred (ThrottlingException)"
          " when calling the PutEvents operation",
          "botocore.exceptions.ClientError: An error occurred (ProvisionedThroughputExceededException)"
          " when calling the Query operation",
          "jwt.exceptions.ExpiredSignatureError: Signature has expired",
          "domain.errors.InvalidTransitionError: cannot move task from 'done' to 'in_progress'",
          "domain.errors.DueDateInPastError: 2025-03-30",
          "pydantic_core._pydantic_core.ValidationError: 1 validation error for TaskIn",
          "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 41: invalid continuation byte",
          "IndexError: list index out of range", "ZeroDivisionError: division by zero",
          "TimeoutError: Task timed out after 30.02 seconds",
          "RecursionError: maximum recursion depth exceeded while calling a Python object"]
SYMPTOMS = [
    "returns 500 instead of 400", "silently drops items after the first page", "times out under load",
    "accepts an expired token", "writes to the wrong table", "publishes duplicate events",
    "loses concurrent updates", "renders user HTML unescaped", "ignores partial batch failures",
    "marks tasks overdue a day early", "crashes on an empty body", "leaks the stack trace in the response",
    "double-charges on retry", "skips the next occurrence across DST", "logs the full JWT",
    "returns 200 with an empty list", "keeps retrying a poison message forever", "fails on non-ASCII titles",
    "reads a stale cached value", "exceeds the 6 MB Lambda payload limit", "throttles on cold start",
    "sorts by string instead of date", "allows a viewer to edit", "never expires presigned URLs",
    "does not paginate LastEvaluatedKey", "swallows ConditionalCheckFailedException",
]
CONDITIONS = [
    "when the project has more than 1,000 tasks", "for users east of UTC", "after a redeploy",
    "when the client retries after a timeout", "on the first request after a cold start",
    "when two users edit at the same time", "for tasks imported from CSV", "when the title contains emoji",
    "during the nightly batch", "when TASKS_TABLE_NAME is unset", "under 400 req/s",
    "for archived projects", "when the assignee was deleted", "with a FilterExpression applied",
    "across the DST change", "when the JWT has no exp claim", "for recurring weekly tasks",
    "behind the CloudFront distribution", "in eu-west-1 only", "when the body is base64-encoded",
]
TITLE_TEMPLATES = [
    "{fn} {symptom} {cond}",
    "{Entity} {symptom}",
    "{route} {symptom} {cond}",
    "{mod}: {err_short} {cond}",
    "{aws} call in {mod} {symptom}",
    "Intermittent {code} from {route} {cond}",
    "{Entity} list {symptom} {cond}",
    "{mod}.{fn} raises {err_name} {cond}",
    "Regression: {entity} {symptom} since release {version}",
    "{third} integration {symptom}",
    "Missing retry around {aws} in {mod}: {entity} updates lost",
    "{Entity} {symptom} ({route})",
]
OPENERS = [
    "Reported by a customer on the Business plan: {route} {symptom} {cond}.",
    "Seen in prod on {date}: {route} {symptom}.",
    "Support ticket #{ticket} says the {entity} view {symptom} {cond}.",
    "The on-call engineer was paged at {time} UTC because {route} {symptom}.",
    "During the load test at about {rps} req/s, roughly {pct}% of requests to {route} failed.",
    "A pen-test report showed that {route} {symptom}.",
    "QA found that the {entity} flow {symptom} {cond}.",
    "After release {version}, {mod} {symptom}.",
]
DETAILS = [
    "CloudWatch shows {n} errors in the last 24 hours for requestId {uuid}.",
    "X-Ray traces for requestId {uuid} show {n} sequential {aws} calls, one per {entity}.",
    "Reproduced in staging with two parallel requests {uuid} and {uuid2}; both returned 200.",
    "The {aws} metrics show throttling during the same window, with {n} throttled requests.",
    "It only happens {cond}; other projects are unaffected.",
    "About {pct}% of affected users are on the mobile client, which retries after 10 s.",
    "The {third} dashboard shows {n} failed deliveries for the same period.",
    "Rolling back to {version} makes the problem go away, so it came in with the last deploy.",
    "The Lambda duration p99 went from {ms} ms to {ms2} ms after the change.",
    "No alarm fired because the error is caught and logged at INFO level.",
    "The function's memory setting is 512 MB and max memory used reached {mb} MB.",
    "Logs contain \"{err_short}\" for every failed invocation.",
    "The DLQ for the {entity} queue has {n} messages that look like the same failure.",
    "Customers notice only the next morning, when the daily digest is wrong.",
    "The item in {aws} still has version {n} although the API reported success.",
    "The frontend shows 'Something went wrong' and the user retries, which makes it worse.",
    "A quick grep shows the same pattern in {mod2}, which may have the same problem.",
    "There is no test covering this path; the unit tests mock {aws} with a happy-path stub.",
]
CAUSES = [
    "{mod}.{fn} reads the value with a default instead of failing fast when it is missing.",
    "{fn} does a read-modify-write with no ConditionExpression on the version attribute.",
    "The handler catches Exception and returns 200, hiding the {aws} error.",
    "{mod} calls {aws} once per {entity} inside a loop instead of batching.",
    "The pagination loop stops on an empty page although LastEvaluatedKey is present.",
    "Dates are compared in UTC instead of the user's IANA time zone.",
    "The retry wrapper retries non-idempotent writes without an idempotency key.",
    "The serializer has no default for datetime and Decimal values.",
    "User input is interpolated into the HTML body with an f-string and never escaped.",
    "The IAM policy in the {aws} stack grants '*' on the table instead of the index only.",
    "{fn} trusts the client-supplied {entity} id without checking project membership.",
    "The cache key omits the project id, so two projects share one entry.",
]
GAPS = [
    "Unit: no test of {fn} with {cond_short}.",
    "Integration: no test ran {mod} against a throttled {aws} stub.",
    "Contract: no shared port test that every adapter of {mod} must pass.",
    "End-to-end: no load test of {route} with a realistic number of {entity}s.",
    "Unit: tests use a frozen clock in UTC and never set another time zone.",
    "Integration: no test called {fn} twice with the same request to check idempotency.",
    "Unit: no test rendered a {entity} title with HTML special characters.",
    "Integration: no test ran two concurrent writes against DynamoDB Local.",
]
CODES = ["500", "502", "503", "504", "429", "400", "403", "409"]
VERSIONS = [f"v{major}.{minor}.{patch}" for major in (1, 2) for minor in range(0, 12, 3) for patch in (0, 1, 4)]

START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        # Zipf-like file weights over a seed-shuffled order: a few hot files, a long tail.
        order = FILE_NAMES[:]
        self.r.shuffle(order)
        self.files = order
        self.file_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(order))]

    # -- small helpers -------------------------------------------------------------------------
    def uuid(self) -> str:
        h = f"{self.r.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def fill(self, template: str, file: str) -> str:
        r = self.r
        other = r.choice(FILE_NAMES)
        entity = r.choice(ENTITIES)
        err = r.choice(ERRORS)
        cond = r.choice(CONDITIONS)
        values = {
            "fn": r.choice(FILES[file]).split(".")[-1],
            "mod": _module(file), "mod2": _module(other),
            "symptom": r.choice(SYMPTOMS), "cond": cond, "cond_short": cond.removeprefix("when ").removeprefix("for "),
            "entity": entity, "Entity": entity[0].upper() + entity[1:],
            "route": r.choice(ROUTES), "aws": r.choice(AWS), "third": r.choice(THIRD),
            "err_short": err.split(": ", 1)[-1][:60], "err_name": err.split(":", 1)[0].rsplit(".", 1)[-1],
            "code": r.choice(CODES), "version": r.choice(VERSIONS),
            "uuid": self.uuid(), "uuid2": self.uuid(), "ticket": r.randint(10000, 99999),
            "n": r.randint(2, 5000), "pct": r.randint(1, 40), "rps": r.choice((150, 250, 400, 800, 1200)),
            "ms": r.randint(80, 400), "ms2": r.randint(900, 9000), "mb": r.randint(380, 512),
            "date": (START + timedelta(days=r.randint(0, 729))).strftime("%Y-%m-%d"),
            "time": f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
        }
        return template.format(**values)

    def title(self, file: str) -> str:
        for _ in range(20):
            text = self.fill(self.r.choice(TITLE_TEMPLATES), file)
            if 40 <= len(text) <= 100:
                return text
        text = text[:100].rstrip()
        return text if len(text) >= 40 else (text + " " + self.r.choice(CONDITIONS))[:100]

    def traceback(self, file: str, error: str) -> str:
        r = self.r
        frames = []
        # outermost frame: a handler (or middleware), innermost: the buggy file
        entry = r.choice([f for f in FILE_NAMES if f.startswith(("src/handlers/", "src/middleware/"))])
        chain = [entry]
        for _ in range(r.randint(0, 2)):
            chain.append(r.choice(FILE_NAMES))
        if chain[-1] != file:
            chain.append(file)
        for path in chain:
            fn = r.choice(FILES[path]).split(".")[-1]
            frames.append(f'  File "{path}", line {r.randint(12, 480)}, in {fn}\n'
                          f"    {r.choice(_CODE_LINES)}")
        return "Traceback (most recent call last):\n" + "\n".join(frames) + "\n" + error

    def description(self, file: str) -> str:
        r = self.r
        target = int(min(1500, max(200, r.lognormvariate(6.4, 0.55))))
        parts = [self.fill(r.choice(OPENERS), file)]
        if r.random() < 0.3:
            parts.append(self.traceback(file, r.choice(ERRORS)))
        length = sum(len(p) + 1 for p in parts)
        while length < target:
            sentence = self.fill(r.choice(DETAILS), file)
            if length + len(sentence) + 1 > 1500:
                break
            parts.append(sentence)
            length += len(sentence) + 1
        text = ""
        for part in parts:  # prose joined by spaces, a traceback on lines of its own
            if part.startswith("Traceback"):
                text += "\n" + part + "\n"
            else:
                text += part if not text or text.endswith("\n") else " " + part
        if len(text) < 200:
            text = (text + " " + "The same symptom was reported again by two more customers this week.")
        return text[:1500]

    # -- one record ----------------------------------------------------------------------------
    def record(self, index: int) -> dict:
        r = self.r
        file = r.choices(self.files, weights=self.file_weights)[0]
        created = START + timedelta(seconds=r.randrange(SPAN_SECONDS))
        status = r.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
        resolved = None
        if status in ("resolved", "closed"):
            resolved = created + timedelta(hours=r.expovariate(1 / 120) + 0.5)
        rec: dict = {"id": f"BUG-{index:06d}", "title": self.title(file), "description": self.description(file)}
        roll = r.random()
        if roll < 0.96:
            rec["severity"] = r.choices(SEVERITY_WORDS, weights=SEVERITY_WEIGHTS)[0]
        elif roll < 0.98:
            rec["severity"] = None
        # where: most give the file; some only a component; a few neither (text/traceback only)
        where = r.random()
        if where < 0.75:
            rec["component"] = _stem(file) if r.random() < 0.8 else ""
            rec["file"] = file
        elif where < 0.9:
            rec["component"] = _stem(file)
            rec["file"] = ""
        else:
            rec["component"] = ""
            rec["file"] = ""
        if r.random() < 0.5:
            rec["type"] = r.choices(TYPES, weights=TYPE_WEIGHTS)[0]
        rec["status"] = status
        rec["created_at"] = _iso(created)
        rec["resolved_at"] = _iso(resolved) if resolved else None
        if r.random() < 0.4:
            rec["root_cause"] = self.fill(r.choice(CAUSES), file)
        if r.random() < 0.35:
            rec["testing_gap"] = self.fill(r.choice(GAPS), file)
        return rec


_CODE_LINES = [
    "return self._table.put_item(Item=item)", "task = Task.from_dict(body)", "raise DueDateInPastError(task.due_date)",
    "payload = json.dumps(event.to_detail())", "claims = jwt.decode(token, key, algorithms=['RS256'])",
    "result = service.complete_task(task_id, user)", "items.extend(page['Items'])",
    "return handler(event, context)", "response = self._client.put_events(Entries=entries)",
    "user = self._users.get(task.assignee_id)", "if task.status not in ALLOWED[new_status]:",
    "cursor = base64.urlsafe_b64decode(token)", "return int(event['queryStringParameters']['limit'])",
]


def _module(path: str) -> str:
    return path.removeprefix("src/").removesuffix(".py").replace("/", ".")


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".py")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_USERS = [f"{first}{last}{n}" for first in ("ana", "bo", "chen", "dee", "eli", "farah", "gus", "hana")
          for last in ("-dev", "_ops", "k", "m") for n in ("", "42", "7")]
_REPO = "https://tracker.example.test/acme/task-api"


def _user(r: random.Random) -> dict:
    login = r.choice(_USERS)
    uid = zlib.crc32(login.encode()) % 10**7
    return {"login": login, "id": uid, "type": "User", "site_admin": False,
            "avatar_url": f"https://avatars.example.test/u/{uid}?v=4",
            "url": f"https://tracker.example.test/api/users/{login}", "html_url": f"https://tracker.example.test/{login}"}


def tracker_fields(gen: _Gen, rec: dict) -> dict:
    """What a tracker's REST export carries besides the fields riskmap reads."""
    r = gen.r
    number = int(rec["id"].split("-")[1])
    labels = sorted({r.choice(("bug", "regression", "needs-triage", "customer-reported", "backend", "p-aws",
                               "good first issue", "tech-debt", "api", "infra")) for _ in range(r.randint(1, 4))})
    comments = []
    for _ in range(r.randint(0, 5)):
        comments.append({"author": _user(r), "created_at": rec["created_at"], "author_association": "MEMBER",
                         "body": " ".join(gen.fill(r.choice(DETAILS), rec.get("file") or FILE_NAMES[0])
                                          for _ in range(r.randint(1, 4)))})
    return {
        "url": f"{_REPO}/issues/{number}", "html_url": f"{_REPO}/issues/{number}",
        "node_id": gen.uuid(), "locked": False, "comments": len(comments),
        "user": _user(r), "assignees": [_user(r) for _ in range(r.randint(0, 2))],
        "tags": [{"id": zlib.crc32(name.encode()), "name": name, "color": "d73a4a", "default": False,
                  "description": "", "url": f"{_REPO}/labels/{name}"} for name in labels],
        "milestone": {"title": f"Sprint {r.randint(1, 60)}", "state": r.choice(("open", "closed")),
                      "url": f"{_REPO}/milestones/{r.randint(1, 60)}"},
        "reactions": {"total_count": r.randint(0, 9), "+1": r.randint(0, 5), "-1": 0, "heart": 0,
                      "eyes": r.randint(0, 2)},
        "updated_at": rec["resolved_at"] or rec["created_at"],
        "comments_data": comments,
    }


def generate(n: int, seed: int = 0, lean: bool = False):
    """Yield n records, the same ones for the same seed and flags."""
    gen = _Gen(seed)
    for index in range(1, n + 1):
        rec = gen.record(index)
        yield rec if lean else {**rec, **tracker_fields(gen, rec)}


def write(n: int, out: Path, seed: int = 0, jsonl: bool = False, lean: bool = False) -> int:
    """Write n records to out; return the size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        if jsonl:
            for rec in generate(n, seed, lean):
                handle.write(dumps(rec))
                handle.write("\n")
        else:
            handle.write('{"bugs":[\n')
            for index, rec in enumerate(generate(n, seed, lean)):
                if index:
                    handle.write(",\n")
                handle.write(dumps(rec))
            handle.write("\n]}\n")
    return out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("out", type=Path, help="output file")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--jsonl", action="store_true", help="write JSON Lines instead of {\"bugs\": [...]}")
    parser.add_argument("--lean", action="store_true", help="only the sample's fields, without a tracker's metadata")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be >= 0")
    size = write(args.n, args.out, args.seed, args.jsonl, args.lean)
    print(f"wrote {args.n:,} records ({size / 1e6:.1f} MB) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
