"""Redaction of secrets and personal data, and structured JSON logs.

Each piece works alone:

- `redact(obj)` returns a copy of a dict/list/str with sensitive values replaced;
- `RedactingFilter` is a `logging.Filter` for any handler (plain text or JSON);
- `JsonFormatter` writes one JSON object per record and redacts by default.

Two ways to find a secret: by key name (password, secret, token, authorization,
api_key, cookie, ... anywhere in the name, ignoring case, "-" and "_") and by value
pattern (JWTs, bearer/basic credentials, `key=value` pairs with such a key, AWS
access key ids, payment card numbers that pass the Luhn check, email addresses).
Every pattern has bounded repetition, so a hostile log line costs linear time.
"""

from __future__ import annotations

import json
import logging
import re
import time

REDACTED = "[REDACTED]"

# Parts of key names (normalised: lower case, "-" and "_" removed) that mark a secret.
SENSITIVE_KEY_PARTS = (
    "password", "passwd", "passphrase", "secret", "token", "authorization", "apikey",
    "accesskey", "privatekey", "credential", "cookie", "session", "signature",
    "cardnumber", "creditcard", "iban",
)
# Whole key names (normalised) that mark a secret but are too short to match as parts.
SENSITIVE_KEYS = frozenset({"pwd", "pin", "cvv", "cvc", "ssn", "otp", "pan", "auth", "jwt"})

_KEYWORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "api_key",
             "api-key", "accesskey", "access_key", "access-key", "privatekey", "private_key",
             "private-key", "authorization", "credential", "cookie", "session")
_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA", "AROA", "AIDA", "ANPA", "AGPA")

# (name, regex). Applied in this order, each only when a cheap substring test says it
# can match: a regex alternation is scanned at every position, a `str.__contains__`
# test is a C loop. Every repetition is bounded, so hostile text costs linear time.
_SOURCES = (
    # key=value, key: value, "key": "value" with a sensitive key; the key stays visible.
    # A quoted value is taken to its closing quote (escapes allowed), so "a b c" goes
    # whole; an unquoted one ends at a space or a separator (&,;}).
    ("kv", r"(?i)(?P<key>(?:" + "|".join(k.replace("-", r"\-") for k in _KEYWORDS) + r")"
           r"[A-Za-z0-9_-]{0,32}[\"']?\s{0,4}[:=]\s{0,4})"
           r"(?:\"(?:[^\"\\]|\\.){0,4096}\"|'(?:[^'\\]|\\.){0,4096}'"
           r"|(?:(?:bearer|basic)\s{1,4})?[^\s\"'&,;}]{1,4096})"),
    ("bearer", r"(?i)(?P<key>\b(?:bearer|basic)\s{1,4})[A-Za-z0-9._~+/=-]{8,4096}"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,4096}"),
    ("aws-key", r"(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA|ANPA|AGPA)[A-Z0-9]{16}\b"),
    # the look-behind starts a try only at the start of a run, so long runs cost O(n)
    ("email", r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}"
              r"(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"),
    # Card numbers start with 2-6 (Mastercard, Amex, Visa, Discover, ...): the rule keeps
    # epoch-millisecond timestamps (1...) out. The Luhn check runs on each match.
    ("card", r"(?<![\d.])[2-6](?:[ -]?\d){12,18}(?!\d)"),
)
_compiled_patterns: dict[str, re.Pattern[str]] = {}


def _pattern(name: str) -> re.Pattern[str]:
    compiled = _compiled_patterns.get(name)
    if compiled is None:
        if not _compiled_patterns:
            _compiled_patterns.update((n, re.compile(src)) for n, src in _SOURCES)
        compiled = _compiled_patterns[name]
    return compiled


def luhn_ok(digits: str) -> bool:
    """True when a digit string passes the Luhn check used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _keep_key(match: re.Match[str]) -> str:
    return match.group("key") + REDACTED


def _keep_key_and_quotes(match: re.Match[str]) -> str:
    key = match.group("key")
    quote = match.string[match.end("key")]
    if quote in "\"'":
        return f"{key}{quote}{REDACTED}{quote}"
    return key + REDACTED


def _card(match: re.Match[str]) -> str:
    text = match.group()
    digits = text.replace(" ", "").replace("-", "")
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return "[REDACTED:card]"
    return text


def redact_text(text: str) -> str:
    """`text` with every value pattern replaced."""
    if len(text) < 6:  # shorter than the shortest thing we redact ("a@b.io")
        return text
    lower = text.lower()
    if any(k in lower for k in ("pass", "secret", "token", "key", "authorization",
                                "credential", "cookie", "session")):
        text = _pattern("kv").sub(_keep_key_and_quotes, text)
    if "bearer" in lower or "basic" in lower:
        text = _pattern("bearer").sub(_keep_key, text)
    if "eyJ" in text:
        text = _pattern("jwt").sub("[REDACTED:jwt]", text)
    if any(p in text for p in _AWS_PREFIXES):
        text = _pattern("aws-key").sub("[REDACTED:aws-key]", text)
    if "@" in text:
        text = _pattern("email").sub("[REDACTED:email]", text)
    if sum(map(text.count, "0123456789")) >= 13:
        text = _pattern("card").sub(_card, text)
    return text


_key_cache: dict[str, bool] = {}


def sensitive_key(key: str) -> bool:
    """True when a key name marks a secret or personal value."""
    known = _key_cache.get(key)
    if known is not None:
        return known
    norm = key.lower().replace("-", "").replace("_", "")
    verdict = norm in SENSITIVE_KEYS or any(part in norm for part in SENSITIVE_KEY_PARTS)
    if len(_key_cache) < 4096:  # bounded: key names may come from callers
        _key_cache[key] = verdict
    return verdict


def _redact_int(value: int) -> object:
    if 10**12 <= value < 10**19:
        digits = str(value)
        if "2" <= digits[0] <= "6" and luhn_ok(digits):
            return "[REDACTED:card]"
    return value


def redact(obj: object, _depth: int = 0) -> object:
    """A copy of `obj` (dicts, lists, tuples, strings, numbers) with secrets replaced.

    Values under a sensitive key become "[REDACTED]" whatever their type; strings
    anywhere are scanned for value patterns. Deeper than 32 levels becomes
    "[TRUNCATED]". Other objects are returned as they are.
    """
    if isinstance(obj, str):
        return redact_text(obj)
    if _depth > 32:
        return "[TRUNCATED]"
    if isinstance(obj, dict):
        out: dict[object, object] = {}
        for key, value in obj.items():
            if isinstance(key, str) and sensitive_key(key):
                out[key] = REDACTED
            else:
                out[key] = redact(value, _depth + 1)
        return out
    if isinstance(obj, list | tuple):
        items = [redact(item, _depth + 1) for item in obj]
        return items if isinstance(obj, list) else tuple(items)
    if isinstance(obj, int) and not isinstance(obj, bool):
        return _redact_int(obj)
    return obj


# LogRecord's own attributes: anything else on a record came from `extra=`.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}
_exc_formatter = logging.Formatter()


class RedactingFilter(logging.Filter):
    """A `logging.Filter` that redacts a record in place before any handler formats it.

    Attach it to handlers (filters on a logger do not see records propagated from
    child loggers): `handler.addFilter(RedactingFilter())`. It formats the message
    with its arguments, redacts the text, the `extra=` fields, the exception text and
    the stack; a dict message is redacted as a dict so JSON formatters keep its shape.
    Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_faasguard_redacted", False):
            return True
        try:
            if isinstance(record.msg, dict) and not record.args:
                record.msg = redact(record.msg)
            else:
                record.msg = redact_text(record.getMessage())
                record.args = None
            for key, value in list(vars(record).items()):
                if key not in _RECORD_ATTRS and not key.startswith("_"):
                    setattr(record, key, REDACTED if sensitive_key(key) else redact(value))
            if record.exc_info and not record.exc_text:
                record.exc_text = _exc_formatter.formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact_text(record.exc_text)
            if record.stack_info:
                record.stack_info = redact_text(record.stack_info)
        except Exception:  # a filter must never break logging; say so in the record
            record.msg, record.args = "[REDACTED: record could not be redacted]", None
        record._faasguard_redacted = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ms), level, logger, message, the
    `extra=` fields, and `exception`/`stack` text when present.

    Redacts by default (`redact=False` to turn off, e.g. behind a RedactingFilter).
    """

    def __init__(self, *, redact: bool = True, static: dict[str, object] | None = None) -> None:
        super().__init__()
        self.redact = redact
        self.static = dict(static or {})
        self._encoder = json.JSONEncoder(separators=(",", ":"), default=str)
        self._second = -1
        self._prefix = ""

    def format(self, record: logging.LogRecord) -> str:
        seconds = int(record.created)
        if seconds != self._second:  # strftime once a second, not once a record
            self._second = seconds
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        out: dict[str, object] = {
            "time": f"{self._prefix}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
        }
        out.update(self.static)
        msg = record.msg
        out["message"] = msg if isinstance(msg, dict) and not record.args else record.getMessage()
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                out[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        if self.redact:
            out = redact(out)  # type: ignore[assignment]
        return self._encoder.encode(out)


def install(logger: logging.Logger | None = None) -> int:
    """Attach one shared RedactingFilter to every handler of `logger` (the root logger
    by default) that has none yet. Returns how many handlers got it.

    The guard's own logger ("faasguard.runtime") gets the filter too, so its error
    records (with tracebacks) are redacted even where no handler is configured and
    `logging` falls back to printing on stderr."""
    target = logger if logger is not None else logging.getLogger()
    own = logging.getLogger("faasguard.runtime")
    if not any(isinstance(f, RedactingFilter) for f in own.filters):
        own.addFilter(_SHARED_FILTER)
    added = 0
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(_SHARED_FILTER)
            added += 1
    return added


_SHARED_FILTER = RedactingFilter()
