"""Finding secrets in settings and text without crying wolf.

A value is judged on three signals, combined:

1. **Known formats.** Strict patterns for credentials that announce themselves (AWS
   access key ids, GitHub/Slack/Stripe/Google/SendGrid/npm/OpenAI/Anthropic tokens,
   PEM private keys, JWTs whose header decodes to JSON, URLs and connection strings
   with an inline password). A match is a finding whatever the setting is called.
2. **Entropy.** Shannon entropy per character, compared with what a random string of
   the same length and alphabet reaches, for values of 20 characters or more that mix
   letters and digits. Alone it gives only a LOW-confidence hint; with a secret name
   it makes the finding HIGH.
3. **Names.** A setting whose name ends in a secret noun (PASSWORD, SECRET, TOKEN,
   API_KEY, PRIVATE_KEY, CREDENTIALS, DB_PASS, ...) and whose value looks like a
   credential is a MEDIUM finding. A name that only *describes* a secret
   (SECRET_ARN, TOKEN_TTL, PASSWORD_MIN_LENGTH, API_KEY_HEADER) is not a secret name.

Decisions, so results are predictable:

- **References are never secrets**, whatever the name: ARNs, ``{{resolve:...}}``
  dynamic references, ``${...}``/``$(...)``/``#{...}``/``{{...}}`` templating, unresolved
  model values and ``Ref``\\s, URLs without a password, file and parameter paths,
  e-mail addresses, numbers, booleans and keywords (``true``, ``disabled``), dates and
  version numbers.
- **Identifiers are secrets only under a secret name.** UUIDs, ULIDs, hex digests
  (7-12 character short SHAs and 32/40/64/128 character hashes), Stripe publishable
  keys and base64 that decodes to readable text are reported under PASSWORD/TOKEN/
  API_KEY-style names (old GitHub tokens are 40 hex characters, many API keys are
  UUIDs) and never otherwise, so ``GIT_SHA`` and ``REQUEST_ID`` stay quiet.
- **Placeholders are not secrets; default passwords are.** Text that announces a
  substitution (``<token>``, ``xxxx``, ``REPLACE_ME``, ``your-api-key``, anything with
  "example", "dummy" or "placeholder", AWS's documented example keys) cannot
  authenticate anywhere. Well-known default passwords (``changeme``, ``changeit``,
  ``password``, ``admin``, ``123456``, ...) under a password name *are* reported: a
  service deployed with one accepts it.
- **Values with whitespace** are prose, not credentials, unless a known format
  matches inside them. Values shorter than 6 characters are reported only when they
  are a known default password.

Nothing leaves this module in clear: a :class:`Detection` carries a masked form (see
:func:`mask`) and a fingerprint keyed per process, good for telling that two settings
hold the same secret and useless to anyone who reads a report.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import field
from enum import IntEnum
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


class Confidence(IntEnum):
    """How sure a detection is; rules report MEDIUM and above by default."""

    LOW = 1
    """Looks random, and nothing else says it is a secret."""
    MEDIUM = 2
    """A secret name with a credential-like value, or a weaker known format."""
    HIGH = 3
    """A strict known format, or a random value under a secret name."""

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Detection:
    """A secret found in one value or line. Never holds the secret itself."""

    kind: str
    """What it is: "aws-access-key-id", "password", "url-with-password", ..."""
    confidence: Confidence
    masked: str
    """The secret as :func:`mask` shows it."""
    reason: str
    """Why it was reported, as a short phrase for messages."""
    fingerprint: str = field(repr=False)
    """A keyed hash of the secret, equal for equal secrets within one process."""
    span: tuple[int, int] = (0, 0)
    """Where the secret sits in the scanned value or line (start, end)."""


# --- masking and fingerprints ----------------------------------------------------------


def mask(value: str) -> str:
    """``value`` as every output shows it: at most its first 4 characters (fewer for
    short values, so a 6-character password shows one), ``****`` and its length."""
    shown = min(4, len(value) // 4)
    return f"{value[:shown]}****({len(value)} chars)"


_FINGERPRINT_KEY = os.urandom(16)


def fingerprint(value: str) -> str:
    """Equal for equal values in this process; a different key every run, so the
    digest cannot be matched against a list of known passwords offline."""
    return hashlib.blake2b(value.encode(), key=_FINGERPRINT_KEY, digest_size=16).hexdigest()


def _detection(kind: str, confidence: Confidence, secret: str, reason: str,
               span: tuple[int, int] | None = None) -> Detection:
    return Detection(kind, confidence, mask(secret), reason, fingerprint(secret),
                     span or (0, len(secret)))


# --- signal 2: entropy -----------------------------------------------------------------

MIN_RANDOM_LENGTH = 20
"""Shorter values cannot be told from words by entropy."""

_HEX = frozenset("0123456789abcdefABCDEF")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_BASE64 = _ALNUM | frozenset("+/=-_")
# lower-case words joined by separators: "orders-table-prod-eu-west-1"
_WORDY = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+){2,}$")


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``'s own character distribution."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def random_entropy(length: int, alphabet: int) -> float:
    """About the entropy a random string of ``length`` characters from an alphabet of
    ``alphabet`` symbols shows: log2 of the number of distinct symbols it should hold."""
    distinct = alphabet * (1 - (1 - 1 / alphabet) ** length)
    return math.log2(distinct)


def looks_random(value: str) -> bool:
    """True for values that read like machine-generated keys rather than words.

    The value's entropy must reach 90% of what a random string of its length and
    alphabet (hex, alphanumeric, base64, printable) shows; 85% for hex, whose small
    alphabet makes the estimate looser. That keeps about 99% of random keys of 32
    characters and more, and leaves identifiers and hyphenated names out. Letters and
    digits must both appear, which random strings of this length almost always do.
    """
    if len(value) < MIN_RANDOM_LENGTH or _WORDY.match(value):
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    chars = set(value)
    if chars <= _HEX:
        alphabet, share = 16, 0.85
    elif chars <= _ALNUM:
        alphabet, share = 62, 0.9
    elif chars <= _BASE64:
        alphabet, share = 64, 0.9
    else:
        alphabet, share = 94, 0.9  # printable ASCII
    return shannon_entropy(value) >= share * random_entropy(len(value), alphabet)


# --- signal 1: known formats -------------------------------------------------------------


def _jwt_ok(token: str) -> bool:
    """A JWT's header and payload decode to JSON objects and the header names its alg."""
    header, payload = (_b64json(part) for part in token.split(".")[:2])
    return isinstance(header, dict) and isinstance(payload, dict) and "alg" in header


def _b64json(part: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError):
        return None


def _literal(secret: str) -> bool:
    """The secret part of a URL or connection string is written out, not referenced."""
    return bool(secret) and not _is_template(secret) and not _is_placeholder(secret)


VALIDATORS: Mapping[str, Callable[[str], bool]] = {"jwt": _jwt_ok, "literal": _literal}
"""Checks a format may name in ``secret_patterns.json`` ("valid")."""


@dataclass(frozen=True, slots=True)
class Format:
    """A known credential format (one entry of ``secret_patterns.json``)."""

    kind: str
    regex: re.Pattern[str]
    reason: str
    confidence: Confidence = Confidence.HIGH
    group: int = 0
    """The regex group that is the secret (e.g. the password inside a URL)."""
    marker: bool = False
    """The match only announces the secret (a PEM header): the secret runs from the
    match to the end of the text."""
    valid: Callable[[str], bool] | None = None
    needs: tuple[str, ...] = ()
    """Every match contains one of these (case-folded when the pattern ignores case):
    text holding none of them is not searched. Empty: always searched."""
    folds: bool = False
    """The pattern ignores case: ``needs`` are case-folded, and so is the text."""

    def may_match(self, text: str, folded: str) -> bool:
        if not self.needs:
            return True
        haystack = folded if self.folds else text
        return any(needle in haystack for needle in self.needs)


@dataclass(frozen=True, slots=True)
class Tables:
    """The detector's data, read once from ``faasguard/data/secret_patterns.json``."""

    formats: tuple[Format, ...]
    key_qualifiers: frozenset[str]
    private_key_qualifiers: frozenset[str]
    describing_words: frozenset[str]
    negating_words: frozenset[str]
    password_nouns: tuple[str, ...]
    exact_nouns: Mapping[str, str]
    keywords: frozenset[str]
    placeholder_marks: tuple[str, ...]
    default_passwords: frozenset[str]
    needles: tuple[str, ...] | None = None
    """Every format's ``needs`` that compare as written, or None when some format has
    no ``needs`` (then there is no quick answer)."""
    folded_needles: tuple[str, ...] = ()
    """The ``needs`` of the formats that ignore case (case-folded)."""

    def may_hold_a_format(self, text: str) -> bool:
        """False when no format can match ``text``: it holds none of their ``needs``.
        Most text holds none; the search runs in C, one call per group of needles."""
        if self.needles is None:
            return True
        return (any(map(text.__contains__, self.needles))
                or (bool(self.folded_needles)
                    and any(map(text.casefold().__contains__, self.folded_needles))))


@cache
def tables() -> Tables:
    from faasguard.meta import load_data

    raw = load_data("secret_patterns.json")
    formats = tuple(_format(f) for f in raw["formats"])
    return Tables(
        formats=formats,
        key_qualifiers=frozenset(raw["key_qualifiers"]),
        private_key_qualifiers=frozenset(raw["private_key_qualifiers"]),
        describing_words=frozenset(raw["describing_words"]),
        negating_words=frozenset(raw["negating_words"]),
        password_nouns=tuple(raw["password_nouns"]),
        exact_nouns=dict(raw["exact_nouns"]),
        keywords=frozenset(raw["keywords"]),
        placeholder_marks=tuple(raw["placeholder_marks"]),
        default_passwords=frozenset(raw["default_passwords"]),
        needles=(tuple(n for f in formats if not f.folds for n in f.needs)
                 if all(f.needs for f in formats) else None),
        folded_needles=tuple(n for f in formats if f.folds for n in f.needs),
    )


def _format(entry: Mapping[str, Any]) -> Format:
    regex = re.compile(entry["pattern"])
    folds = bool(regex.flags & re.IGNORECASE)
    return Format(kind=entry["kind"], regex=regex, reason=entry["reason"],
                  confidence=Confidence[entry.get("confidence", "high").upper()],
                  group=entry.get("group", 0), marker=entry.get("marker", False),
                  valid=VALIDATORS[entry["valid"]] if "valid" in entry else None,
                  needs=tuple(n.casefold() if folds else n for n in entry.get("needs", ())),
                  folds=folds)


def _find_formats(text: str, offset: int = 0) -> list[Detection]:
    data = tables()
    if not data.may_hold_a_format(text):
        return []
    found: list[Detection] = []
    taken: list[tuple[int, int]] = []
    folded = text.casefold()
    for fmt in data.formats:
        if not fmt.may_match(text, folded):
            continue
        for match in fmt.regex.finditer(text):
            start, end = match.span(fmt.group)
            if fmt.marker:
                end = len(text)
            secret = text[start:end]
            if any(s < end and start < e for s, e in taken):
                continue
            if fmt.valid is not None and not fmt.valid(match.group(0) if fmt.group == 0
                                                       else secret):
                continue
            if _is_doc_example(secret):
                continue
            taken.append((start, end))
            found.append(_detection(fmt.kind, fmt.confidence, secret, fmt.reason,
                                    (start + offset, end + offset)))
    return found


# AWS secret access keys have no prefix: 40 base64 characters, recognised only next to
# an access key id or under a name that says so.
_AWS_SECRET = re.compile(r"[A-Za-z0-9/+]{40}")


# --- signal 3: names -------------------------------------------------------------------

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

def name_words(name: str) -> list[str]:
    """``DB_PASSWORD`` / ``dbPassword`` / ``x-api-key`` as lower-case words."""
    return [w.lower() for w in _WORDS.findall(name)]


def _noun(words: list[str], index: int) -> str | None:
    """The kind of secret word ``index`` names, if it names one."""
    data = tables()
    word = words[index]
    if word in data.exact_nouns:
        return data.exact_nouns[word]
    if word.endswith(data.password_nouns):
        return "password"
    if word.endswith("token"):
        return "token"
    if word.endswith("secret"):
        return "secret"
    if word.endswith("key"):
        qualifier = word[:-3] if len(word) > 3 else (words[index - 1] if index else "")
        if qualifier in data.key_qualifiers:
            if qualifier == "api":
                return "api-key"
            return "private-key" if qualifier in data.private_key_qualifiers else "secret-key"
    return None


def secret_name_kind(name: str | None) -> str | None:
    """The kind of secret a setting's name says it holds ("password", "token",
    "api-key", "secret-key", "private-key", "secret", "credentials"), or None.

    The last secret word counts, and only when no word after it describes the secret
    instead of holding it (``SECRET_ARN``, ``TOKEN_TTL``, ``PASSWORD_HASH``) and no
    word before it negates it (``MAX_TOKENS``, ``PUBLIC_KEY``).
    """
    if not name:
        return None
    data = tables()
    words = name_words(name)
    for index in range(len(words) - 1, -1, -1):
        kind = _noun(words, index)
        if kind is None:
            continue
        if any(w in data.describing_words for w in words[index + 1:]):
            return None
        if any(w in data.negating_words for w in words[:index]):
            return None
        return kind
    return None


# --- values that are not secrets -----------------------------------------------------

_TEMPLATE = re.compile(r"\$\{[^}]{0,500}\}|\$\([^)]{0,500}\)|#\{[^}]{0,500}\}|\{\{[^}]{0,500}\}\}|%\([^)]{0,80}\)[sd]"
                       r"|<%[^%]{0,500}%>"
                       r"|^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$")
_ARN = re.compile(r"^arn:[\w-]+:[\w-]*:")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{1,30}://")
_PATH = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\)[\w.@~\\/-]*$|^[a-z0-9._-]+(?:/[a-z0-9._-]+)+/?$")
_EMAIL = re.compile(r"^[^@\s:/]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+(?:[-+][\w.]+)?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_HEX_DIGEST = re.compile(r"^(?:[0-9a-fA-F]{7,12}|[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|"
                         r"[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$")
_PUBLISHABLE = re.compile(r"^pk_(?:live|test)_[A-Za-z0-9]+$")

_PLACEHOLDER = re.compile(r"^(?:<[^<>]*>|\[[^\[\]]*\]|([x*#.?_\-])\1{2,}|your[\W_].*|"
                          r"x{3,}.*)$", re.I)

MIN_PLAIN_LENGTH = 6


def _normalised(value: str) -> str:
    return re.sub(r"[\s_-]", "", value.lower())


def _is_template(value: str) -> bool:
    return bool(_TEMPLATE.search(value))


def _is_doc_example(value: str) -> bool:
    """AWS's documented example keys and other values marked as examples."""
    return "example" in value.lower()


def _is_placeholder(value: str) -> bool:
    norm = _normalised(value)
    if any(mark in norm for mark in tables().placeholder_marks):
        return True
    return bool(_PLACEHOLDER.match(value))


def is_reference(value: str) -> bool:
    """True for values that point at a secret or a resource instead of holding one."""
    if value.lower() in tables().keywords or _is_template(value):
        return True
    if _ARN.match(value) or _EMAIL.match(value) or _DATE.match(value) or _VERSION.match(value):
        return True
    if _NUMBER.match(value):
        return True
    if _URL.match(value):
        return True  # a URL's password and query tokens are checked separately
    return bool(_PATH.match(value)) and not looks_random(value.replace("/", ""))


def _decodes_to_text(value: str) -> bool:
    """Base64 that decodes to readable text is encoded data (config, JSON), not a key."""
    if len(value) < 16 or len(value) % 4 or not set(value) <= _BASE64:
        return False
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\n\r\t" for c in decoded)


def is_identifier(value: str) -> bool:
    """UUIDs, ULIDs, hex digests and git SHAs, publishable keys, encoded text."""
    return bool(_UUID.match(value) or _ULID.match(value) or _HEX_DIGEST.match(value)
                or _PUBLISHABLE.match(value)) or _decodes_to_text(value)


# --- combining the signals -------------------------------------------------------------


def _as_text(value: Any) -> str | None:
    # ``Interpolated`` is a str; Unresolved, Ref, containers and numbers are not text here.
    return value if isinstance(value, str) else None


def _url_query(name: str | None, url: str) -> Detection | None:
    """Tokens passed in a URL's query string (``?token=...``, ``&api_key=...``)."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    for key, item in parse_qsl(query):
        found = _judge(key, item, allow_url=False)
        if found is not None and found.confidence >= Confidence.MEDIUM:
            start = url.find(item)  # -1 when the query was percent-encoded
            span = (start, start + len(item)) if start >= 0 else (0, len(url))
            return Detection(found.kind, found.confidence, found.masked,
                             f"{key} in the query string of {name or 'a URL'}",
                             found.fingerprint, span)
    return None


def detect(name: str | None, value: Any) -> Detection | None:
    """Judge one setting: ``name`` (may be None) and its value.

    Non-text values (numbers, booleans, ``Unresolved``, ``Ref``, containers) are never
    secrets, with one exception: a number under a password name that is a well-known
    default password (``DB_PASSWORD: 123456``).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = str(value)
        if secret_name_kind(name) == "password" and number in tables().default_passwords:
            return _detection("default-password", Confidence.MEDIUM, number,
                              f"well-known default password in {name}")
        return None
    text = _as_text(value)
    if text is None:
        return None
    return _judge(name, text.strip())


@lru_cache(maxsize=8192)
def _judge(name: str | None, text: str, allow_url: bool = True) -> Detection | None:
    """The verdict on one value. Pure (Detection is frozen, the fingerprint key fixed
    per process), so memoised: templates repeat the same settings again and again."""
    if not text:
        return None
    formats = _find_formats(text)
    if formats:
        return formats[0]
    if allow_url and _URL.match(text) and not _is_template(text):
        return _url_query(name, text)
    kind = secret_name_kind(name)
    if kind in ("password", "secret") and _normalised(text) in tables().default_passwords:
        return _detection(f"default-{kind}", Confidence.MEDIUM, text,
                          f"well-known default {kind} in {name}")
    if kind is not None and any(w == "aws" for w in name_words(name or "")) \
            and kind in ("secret", "secret-key") and _AWS_SECRET.fullmatch(text) \
            and looks_random(text) and not _is_doc_example(text):
        return _detection("aws-secret-access-key", Confidence.HIGH, text,
                          f"AWS secret access key in {name}")
    if is_reference(text) or _is_placeholder(text):
        return None
    if kind is None:
        if is_identifier(text) or any(c.isspace() for c in text) or not looks_random(text):
            return None
        return _detection("high-entropy-string", Confidence.LOW, text,
                          "random-looking value" + (f" in {name}" if name else ""))
    if any(c.isspace() for c in text) or len(text) < MIN_PLAIN_LENGTH:
        return None
    if looks_random(text):
        return _detection(kind, Confidence.HIGH, text, f"random value in {name}")
    return _detection(kind, Confidence.MEDIUM, text, f"literal value in {name}")


def detect_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Detection]:
    """Judge a set of settings that belong together (one function's environment).

    Adds what single settings cannot show: a 40-character value next to an AWS access
    key id is that key's secret, whatever it is called.
    """
    items = list(pairs)
    found: dict[str, Detection] = {}
    for name, value in items:
        detection = _detect_nested(name, value)
        if detection is not None:
            found[name] = detection
    if any(d.kind == "aws-access-key-id" for d in found.values()):
        for name, value in items:
            current = found.get(name)
            if current is not None and current.confidence is Confidence.HIGH:
                continue
            text = _as_text(value)
            if text and _AWS_SECRET.fullmatch(text.strip()) and looks_random(text.strip()):
                found[name] = _detection("aws-secret-access-key", Confidence.HIGH, text.strip(),
                                         f"AWS secret access key next to an access key id, "
                                         f"in {name}")
    return found


def _detect_nested(name: str, value: Any) -> Detection | None:
    """``detect``, looking inside a value that is a JSON object (``APP_CONFIG='{...}'``)."""
    if isinstance(value, str) and _json_object_text(value):
        best: Detection | None = None
        for leaf in iter_leaves(value, name):
            found = detect(leaf.name, leaf.value)
            if found is not None and (best is None or found.confidence > best.confidence):
                best = found
        return best
    return detect(name, value)


# --- free text -------------------------------------------------------------------------

_ASSIGNMENT = re.compile(
    r"""(?<![A-Za-z0-9_.-])(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,80})["']?\s*(?::=|=>|[:=])\s*"""
    r"""(?:(?P<q>["'`])(?P<quoted>(?:(?!(?P=q)).){1,500})(?P=q)|(?P<bare>[^\s"'`,;#]{1,500}))""")


def scan_text(line: str, *, quoted_only: bool = False) -> list[Detection]:
    """Secrets in one line of a config or code file, with their spans in the line.

    Known formats anywhere in the line, then ``name = value`` / ``name: value`` /
    ``"name": "value"`` assignments judged like settings. In code, pass
    ``quoted_only=True``: an unquoted right-hand side is a variable, not a value.
    """
    found = _find_formats(line)
    if ":" not in line and "=" not in line:
        return sorted(found, key=lambda d: d.span)  # an assignment needs one of them
    taken = [d.span for d in found]
    for match in _ASSIGNMENT.finditer(line):
        group = "quoted" if match.group("quoted") is not None else "bare"
        if group == "bare" and quoted_only:
            continue
        start, end = match.span(group)
        if any(s < end and start < e for s, e in taken):
            continue
        detection = _judge(match.group("name"), match.group(group).strip())
        if detection is None or detection.confidence < Confidence.MEDIUM:
            continue
        span = (start + detection.span[0], start + detection.span[1])
        found.append(Detection(detection.kind, detection.confidence, detection.masked,
                               detection.reason, detection.fingerprint, span))
        taken.append(span)
    return sorted(found, key=lambda d: d.span)


@lru_cache(maxsize=16384)
def mask_in_text(text: str) -> str:
    """``text`` with every secret :func:`scan_text` finds replaced by its masked form.

    Reports run every message through this as a last defence: rules mask values
    themselves, but a value quoted from a template must never reach a report whole.
    """
    out = []
    for line in text.split("\n"):
        detections = scan_text(line) if len(line) <= MAX_JSON_TEXT else []
        for found in reversed(detections):
            start, end = found.span
            line = line[:start] + found.masked + line[end:]
        out.append(line)
    return "\n".join(out)


# --- nested structures -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leaf:
    """One scalar setting inside a nested structure."""

    path: tuple[str | int, ...]
    """Keys and list indexes from the root, e.g. ("Environment", "Variables", "TOKEN")."""
    name: str | None
    """The setting's name: its key, or the ``Name``/``Key`` beside a ``Value``."""
    value: Any
    container: Any = field(repr=False, compare=False)
    """The mapping or list holding it, for line lookups."""
    key: str | int | None = None


MAX_JSON_TEXT = 64 * 1024


_Trail = tuple[Any, str | int] | None
"""A path as a linked list (parent trail, key), so deep nesting costs linear time."""


def _unwind(trail: _Trail) -> tuple[str | int, ...]:
    keys: list[str | int] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    return tuple(reversed(keys))


def iter_leaves(data: Any, name: str | None = None) -> Iterator[Leaf]:
    """Every scalar in ``data`` with the name that describes it.

    ``[{Name: X, Value: y}]`` lists (CodeBuild, ECS, tags) name ``y`` after ``X``, and a
    string holding a JSON object (a ``SecretString``) is read as the object it encodes;
    its leaves keep the container and key of that string, so they keep its line.
    Iterative, so hostile nesting cannot exhaust the stack.
    """
    # (value, name, trail, container, key, anchored): anchored leaves keep container/key
    stack: list[tuple[Any, str | None, _Trail, Any, str | int | None, bool]] = [
        (data, name, None, None, None, False)]
    while stack:
        value, label, trail, container, key, anchored = stack.pop()
        if isinstance(value, Mapping):
            pair_name = _pair_name(value)
            for k, item in reversed(list(value.items())):
                if not isinstance(k, str):
                    continue
                child_name = pair_name if pair_name is not None and k in ("Value", "value") else k
                stack.append((item, child_name, (trail, k),
                              container if anchored else value, key if anchored else k, anchored))
        elif isinstance(value, list | tuple):
            for index in range(len(value) - 1, -1, -1):
                stack.append((value[index], label, (trail, index),
                              container if anchored else value, key if anchored else index,
                              anchored))
        elif isinstance(value, str) and _json_object_text(value):
            try:
                decoded = json.loads(value)
            except (ValueError, RecursionError):
                yield Leaf(_unwind(trail), label, value, container, key)
                continue
            stack.append((decoded, label, trail, container, key, True))
        else:
            yield Leaf(_unwind(trail), label, value, container, key)


def _pair_name(mapping: Mapping[Any, Any]) -> str | None:
    for name_key in ("Name", "name", "Key", "key"):
        if isinstance(mapping.get(name_key), str) and ("Value" in mapping or "value" in mapping):
            return str(mapping[name_key])
    return None


def _json_object_text(value: str) -> bool:
    text = value.strip()
    return len(text) <= MAX_JSON_TEXT and text.startswith("{") and text.endswith("}")


__all__ = [
    "Confidence",
    "Detection",
    "Format",
    "Leaf",
    "detect",
    "detect_pairs",
    "fingerprint",
    "is_identifier",
    "is_reference",
    "iter_leaves",
    "looks_random",
    "mask",
    "name_words",
    "random_entropy",
    "scan_text",
    "secret_name_kind",
    "shannon_entropy",
    "tables",
]
