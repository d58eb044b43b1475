"""Alert outputs (console, JSON lines, webhook, SNS, SQS) and their deduplication.

Each detection is sent to each output at most once per dedup window: the store keeps,
per output and dedup key, the last event time alerted on (table ``detection_alerts``).
A detection is sent again only when its activity reaches past that time plus the
window, so a re-run over the same logs sends nothing new and an ongoing burst alerts
once per window. State is written only after an output accepted the alert, so an
output that failed is retried by the next run. Outputs are named in the state by a
hash of their target, never the target itself (webhook URLs often carry a secret).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from faasguard.logs.detections.model import Detection

if TYPE_CHECKING:
    import duckdb

STATE_TABLE = "detection_alerts"
USER_AGENT = "faasguard-detect"


class AlertError(Exception):
    """An output could not deliver an alert, or an output is misconfigured."""


def payload(detection: Detection) -> dict[str, Any]:
    return {"source": "faasguard", "kind": "detection", "alert": detection.to_json()}


def _key(kind: str, target: str) -> str:
    return f"{kind}:{hashlib.sha256(target.encode()).hexdigest()[:16]}"


class Output(Protocol):
    kind: str
    key: str
    """Names the output in the dedup state."""

    def send(self, detection: Detection) -> None:
        """Deliver one alert or raise AlertError."""

    def close(self) -> None:
        """Release what the output holds open."""


class _Stateless:
    def close(self) -> None:
        """Nothing held open between alerts."""


class Console(_Stateless):
    kind = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.key = "console"

    def send(self, detection: Detection) -> None:
        d = detection
        self.stream.write(f"ALERT [{d.severity.value}] {d.rule_id}: {d.title}: {d.summary}\n")


class JsonLines:
    kind = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key = _key("jsonl", str(path.resolve()))
        self._handle: TextIO | None = None

    def send(self, detection: Detection) -> None:
        try:
            if self._handle is None:
                self._handle = self.path.open("a", encoding="utf-8")
            self._handle.write(json.dumps(payload(detection), sort_keys=True) + "\n")
            self._handle.flush()
        except OSError as exc:
            raise AlertError(f"jsonl {self.path}: {exc}") from None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


class Webhook(_Stateless):
    """POST each alert as JSON. Retries connection errors, timeouts, 429 and 5xx with
    exponential backoff; any other status is a failure at once."""

    kind = "webhook"

    def __init__(self, url: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AlertError(f"webhook: not an http(s) URL: {_redact(url)}")
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.key = _key("webhook", url)

    def send(self, detection: Detection) -> None:
        body = json.dumps(payload(detection)).encode()
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(min(self.backoff * 2 ** (attempt - 1), 30.0))
            request = urllib.request.Request(
                self.url, data=body, method="POST",
                headers={"Content-Type": "application/json", "User-Agent": USER_AGENT})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read(65536)
                    return
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}"
                if exc.code != 429 and exc.code < 500:
                    break
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
        raise AlertError(f"webhook {_redact(self.url)}: {problem} "
                         f"(after {attempt + 1} attempts)")


def _redact(url: str) -> str:
    """Scheme, host and port only: the path and query of a webhook are often its secret."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/..."


def _region_of_arn(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def _region_of_queue(url: str) -> str | None:
    host = urllib.parse.urlsplit(url).hostname or ""
    labels = host.split(".")
    if len(labels) >= 4 and labels[0] == "sqs":
        return labels[1]
    return None


class Sns(_Stateless):
    kind = "sns"

    def __init__(self, topic_arn: str, client: Any = None) -> None:
        if not topic_arn.startswith("arn:") or _region_of_arn(topic_arn) is None:
            raise AlertError(f"sns: not a topic ARN: {topic_arn}")
        self.topic_arn = topic_arn
        self.key = _key("sns", topic_arn)
        self._client = client

    def _sns(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("sns", region_name=_region_of_arn(self.topic_arn))
        return self._client

    def send(self, detection: Detection) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        subject = f"[{detection.severity.value}] {detection.title}"
        subject = "".join(c for c in subject if 32 <= ord(c) < 127)[:100]
        try:
            self._sns().publish(TopicArn=self.topic_arn, Subject=subject,
                                Message=json.dumps(payload(detection)))
        except (BotoCoreError, ClientError) as exc:
            raise AlertError(f"sns {self.topic_arn}: {exc}") from None


class Sqs(_Stateless):
    kind = "sqs"

    def __init__(self, queue_url: str, client: Any = None) -> None:
        if urllib.parse.urlsplit(queue_url).scheme not in ("http", "https"):
            raise AlertError(f"sqs: not a queue URL: {queue_url}")
        self.queue_url = queue_url
        self.key = _key("sqs", queue_url)
        self._client = client

    def _sqs(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs", region_name=_region_of_queue(self.queue_url))
        return self._client

    def send(self, detection: Detection) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._sqs().send_message(QueueUrl=self.queue_url,
                                     MessageBody=json.dumps(payload(detection)))
        except (BotoCoreError, ClientError) as exc:
            raise AlertError(f"sqs {self.queue_url}: {exc}") from None


def parse_output(spec: str) -> Output:
    """``console``, ``jsonl=FILE``, ``webhook=URL``, ``sns=TOPIC_ARN``, ``sqs=QUEUE_URL``."""
    kind, sep, target = spec.partition("=")
    if kind == "console" and not sep:
        return Console()
    if not sep or not target:
        raise AlertError(f"--alert {spec!r}: use console, jsonl=FILE, webhook=URL, "
                         "sns=TOPIC_ARN or sqs=QUEUE_URL")
    if kind == "jsonl":
        return JsonLines(Path(target))
    if kind == "webhook":
        return Webhook(target)
    if kind == "sns":
        return Sns(target)
    if kind == "sqs":
        return Sqs(target)
    raise AlertError(f"--alert: unknown output {kind!r} (console, jsonl, webhook, sns, sqs)")


class AlertState:
    """What was alerted where, kept in the store."""

    def __init__(self, db: duckdb.DuckDBPyConnection) -> None:
        self.db = db
        db.execute(f"""CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
            output VARCHAR, dedup_key VARCHAR, rule_id VARCHAR, first_seen TIMESTAMP,
            last_seen TIMESTAMP, alerted_at TIMESTAMP, alerts BIGINT,
            PRIMARY KEY (output, dedup_key))""")

    def due(self, output: str, detection: Detection, window: timedelta) -> bool:
        found = self.db.execute(
            f"SELECT last_seen FROM {STATE_TABLE} WHERE output = ? AND dedup_key = ?",
            [output, detection.dedup_key]).fetchone()
        return found is None or detection.last_seen >= found[0] + window

    def record(self, output: str, detection: Detection, now: datetime) -> None:
        self.db.execute(
            f"""INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, ?, ?, 1)
                ON CONFLICT (output, dedup_key) DO UPDATE SET
                  first_seen = excluded.first_seen, last_seen = excluded.last_seen,
                  alerted_at = excluded.alerted_at, alerts = {STATE_TABLE}.alerts + 1""",
            [output, detection.dedup_key, detection.rule_id, detection.first_seen,
             detection.last_seen, now])


@dataclass
class Delivery:
    """What one output did in a run."""

    output: str
    kind: str
    sent: int = 0
    suppressed: int = 0
    errors: list[str] = field(default_factory=list)


def dispatch(db: duckdb.DuckDBPyConnection, detections: Sequence[Detection],
             outputs: Sequence[Output], window: timedelta,
             now: datetime | None = None) -> list[Delivery]:
    """Send every detection not yet alerted within `window` to each output. After an
    output fails, the rest of its alerts are left for the next run."""
    state = AlertState(db)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    report = []
    for output in outputs:
        delivery = Delivery(output.key, output.kind)
        report.append(delivery)
        try:
            for detection in detections:
                if not state.due(output.key, detection, window):
                    delivery.suppressed += 1
                    continue
                try:
                    output.send(detection)
                except AlertError as exc:
                    delivery.errors.append(str(exc))
                    break
                state.record(output.key, detection, now)
                delivery.sent += 1
        finally:
            output.close()
    return report
