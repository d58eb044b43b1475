"""Tokens and rate limits in one DynamoDB table, shared by every container.

Table: partition key ``pk`` (string), no sort key, on-demand billing; TTL on the
``ttl`` attribute (only rate-limit items carry one). `DynamoDBStore.create_table`
and ``faasguard tokens create-table`` make it. Items:

- ``token#<id>``: token_hash, principal, roles, scopes (lists of strings), created,
  expires (absent: never), max_invocations (absent: unlimited), used, revoked (bool),
  last_used;
- ``rate#<key>``: tat (GCRA theoretical arrival time, integer microseconds), ttl.

Every change is a single `UpdateItem`/`PutItem` with a `ConditionExpression`, which
DynamoDB evaluates and applies atomically per item: a use is counted only if
``used < max_invocations`` (and the other checks) hold at that instant, so concurrent
callers can never overspend. The functions' role needs dynamodb:GetItem, PutItem,
UpdateItem on the table (and Scan for `faasguard tokens list`).

boto3 (in the Lambda runtime already; extra ``dynamodb`` elsewhere) is imported when
the store is created.
"""

from __future__ import annotations

from faasguard.runtime.stores.base import OK, Store, StoreError, TokenExists, diagnose
from faasguard.runtime.tokens import TokenRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

KEY = "pk"
TTL = "ttl"
_TOKEN = "token#"
_RATE = "rate#"
# Each failed round of the rate-limit loop means another caller's update succeeded,
# so the loop ends quickly in practice; the bound only stops a pathological spin.
MAX_ROUNDS = 50

_CONSUME_UPDATE = "SET #used = #used + :one, #last = :at"
_CONSUME_CONDITION = (
    "attribute_exists(#pk) AND #hash = :hash AND #revoked = :false"
    " AND (attribute_not_exists(#expires) OR #expires > :now)"
    " AND (attribute_not_exists(#max) OR #used < #max)")
# Every attribute goes through a placeholder: several plain names (TTL among them) are
# DynamoDB reserved words, and a placeholder cannot be mistaken for one.
_NAMES = {"#pk": KEY, "#hash": "token_hash", "#revoked": "revoked", "#expires": "expires",
          "#max": "max_invocations", "#used": "used", "#last": "last_used", "#tat": "tat",
          "#ttl": TTL}


def _names(*expressions: str) -> dict[str, str]:
    """The placeholders these expressions use (DynamoDB refuses unused ones)."""
    return {k: v for k, v in _NAMES.items() if any(k in e for e in expressions)}


class DynamoDBStore(Store):
    """`table` in `region` (default: the AWS SDK's, e.g. AWS_REGION); `endpoint_url`
    for DynamoDB Local or moto. Pass `client` to reuse a configured boto3 client."""

    def __init__(self, table: str, *, region: str | None = None,
                 endpoint_url: str | None = None, client: Any = None) -> None:
        if not table:
            raise ValueError("DynamoDBStore needs a table name")
        self.table = table
        if client is None:
            try:
                import boto3
            except ImportError as exc:
                raise ImportError("DynamoDBStore needs boto3: "
                                  "pip install 'faasguard-runtime[dynamodb]'") from exc
            client = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url)
        self.client = client
        from botocore.exceptions import BotoCoreError, ClientError

        self._errors: tuple[type[Exception], ...] = (BotoCoreError, ClientError)

    # --- helpers ------------------------------------------------------------------------

    def _call(self, operation: str, **params: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """(response, None) on success; ({}, the item's old attributes or {}) when the
        condition failed; StoreError for anything else."""
        try:
            return getattr(self.client, operation)(TableName=self.table, **params), None
        except self._errors as exc:
            response = getattr(exc, "response", None) or {}
            code = response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                return {}, response.get("Item") or {}
            raise StoreError(f"DynamoDB table {self.table}: {code or type(exc).__name__}: "
                             f"{exc}") from None

    def _get(self, pk: str) -> dict[str, Any] | None:
        response, _ = self._call("get_item", Key={KEY: {"S": pk}}, ConsistentRead=True)
        item: dict[str, Any] | None = response.get("Item")
        return item

    # --- tokens -------------------------------------------------------------------------

    def put_token(self, record: TokenRecord) -> None:
        item: dict[str, Any] = {
            KEY: {"S": _TOKEN + record.id}, "id": {"S": record.id},
            "token_hash": {"S": record.token_hash}, "principal": {"S": record.principal},
            "roles": {"L": [{"S": r} for r in sorted(record.roles)]},
            "scopes": {"L": [{"S": s} for s in sorted(record.scopes)]},
            "created": {"N": str(record.created)}, "used": {"N": str(record.used)},
            "revoked": {"BOOL": record.revoked}}
        for name in ("expires", "max_invocations", "last_used"):
            value = getattr(record, name)
            if value is not None:
                item[name] = {"N": str(value)}
        _, failed = self._call("put_item", Item=item,
                               ConditionExpression="attribute_not_exists(#pk)",
                               ExpressionAttributeNames=_names("#pk"))
        if failed is not None:
            raise TokenExists(f"token id {record.id} already exists")

    def consume_token(self, token_id: str, token_hash: str,
                      now: float) -> tuple[str, TokenRecord | None]:
        response, failed = self._call(
            "update_item", Key={KEY: {"S": _TOKEN + token_id}},
            UpdateExpression=_CONSUME_UPDATE, ConditionExpression=_CONSUME_CONDITION,
            ExpressionAttributeNames=_names(_CONSUME_UPDATE, _CONSUME_CONDITION),
            ExpressionAttributeValues={":one": {"N": "1"}, ":at": {"N": str(int(now))},
                                       ":hash": {"S": token_hash}, ":false": {"BOOL": False},
                                       ":now": {"N": repr(float(now))}},
            ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        if failed is None:
            return OK, _record(response.get("Attributes"))
        # ALL_OLD carries the item when there is one; an empty answer means either no
        # item or an endpoint that ignores the parameter, so read to be sure.
        record = _record(failed) if failed else _record(self._get(_TOKEN + token_id))
        return diagnose(record, token_hash, now), record

    def get_token(self, token_id: str) -> TokenRecord | None:
        return _record(self._get(_TOKEN + token_id))

    def list_tokens(self) -> list[TokenRecord]:
        records: list[TokenRecord] = []
        params: dict[str, Any] = {
            "FilterExpression": "begins_with(#pk, :prefix)",
            "ExpressionAttributeNames": _names("#pk"),
            "ExpressionAttributeValues": {":prefix": {"S": _TOKEN}}, "ConsistentRead": True}
        while True:
            response, _ = self._call("scan", **params)
            records.extend(r for r in map(_record, response.get("Items", [])) if r is not None)
            if "LastEvaluatedKey" not in response:
                break
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return sorted(records, key=lambda r: (r.created, r.id))

    def revoke_token(self, token_id: str) -> bool:
        _, failed = self._call("update_item", Key={KEY: {"S": _TOKEN + token_id}},
                               UpdateExpression="SET #revoked = :true",
                               ConditionExpression="attribute_exists(#pk)",
                               ExpressionAttributeNames=_names("#revoked", "#pk"),
                               ExpressionAttributeValues={":true": {"BOOL": True}})
        return failed is None

    # --- rate limits ----------------------------------------------------------------------

    def rate_take(self, key: str, interval: int, burst: int, now: int) -> int:
        # GCRA in two conditional updates, because an update expression has no max():
        # while the bucket is busy (now <= tat <= limit) add one interval to tat; when
        # it is idle or new (tat < now) restart it at now + interval. When neither
        # condition holds, tat > limit (refused) or another caller moved tat between
        # our two reads (go round again).
        limit = now + (burst - 1) * interval
        pk = {KEY: {"S": _RATE + key}}
        ttl = {"N": str((limit + interval) // 1_000_000 + 1)}
        for _ in range(MAX_ROUNDS):
            _, failed = self._call(
                "update_item", Key=pk, UpdateExpression="SET #tat = #tat + :interval, #ttl = :ttl",
                ConditionExpression="#tat >= :now AND #tat <= :limit",
                ExpressionAttributeNames=_names("#tat", "#ttl"),
                ExpressionAttributeValues={":interval": {"N": str(interval)}, ":ttl": ttl,
                                           ":now": {"N": str(now)}, ":limit": {"N": str(limit)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD")
            if failed is None:
                return 0
            tat = self._tat(failed, pk)
            if tat is not None and tat > limit:
                return tat - limit
            if tat is not None and tat >= now:
                continue  # moved into the busy range since: the first update applies
            _, failed = self._call(
                "update_item", Key=pk, UpdateExpression="SET #tat = :tat, #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#tat) OR #tat < :now",
                ExpressionAttributeNames=_names("#tat", "#ttl"),
                ExpressionAttributeValues={":tat": {"N": str(now + interval)}, ":ttl": ttl,
                                           ":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD")
            if failed is None:
                return 0
        raise StoreError(f"DynamoDB table {self.table}: rate limit {key!r} still contended "
                         f"after {MAX_ROUNDS} rounds")

    def _tat(self, failed: dict[str, Any], pk: dict[str, Any]) -> int | None:
        item = failed or self._get(pk[KEY]["S"]) or {}
        value = item.get("tat")
        return None if value is None else int(value["N"])

    # --- table --------------------------------------------------------------------------

    def create_table(self, *, wait: bool = True) -> bool:
        """Create the table (on-demand, TTL on `ttl`); False when it already exists."""
        try:
            self.client.create_table(
                TableName=self.table, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
                KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}])
        except self._errors as exc:
            code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code", "")
            if code == "ResourceInUseException":
                return False
            raise StoreError(f"cannot create DynamoDB table {self.table}: {exc}") from None
        try:
            if wait:
                self.client.get_waiter("table_exists").wait(TableName=self.table)
            self.client.update_time_to_live(
                TableName=self.table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL})
        except self._errors as exc:
            raise StoreError(f"DynamoDB table {self.table} created, but: {exc}") from None
        return True


def _record(item: dict[str, Any] | None) -> TokenRecord | None:
    if not item or "token_hash" not in item:
        return None

    def number(name: str) -> int | None:
        value = item.get(name)
        return None if value is None else int(value["N"].split(".")[0])

    return TokenRecord(item["id"]["S"], item["token_hash"]["S"], item["principal"]["S"],
                       roles=[v["S"] for v in item.get("roles", {}).get("L", [])],
                       scopes=[v["S"] for v in item.get("scopes", {}).get("L", [])],
                       created=number("created") or 0, expires=number("expires"),
                       max_invocations=number("max_invocations"), used=number("used") or 0,
                       revoked=bool(item.get("revoked", {}).get("BOOL", False)),
                       last_used=number("last_used"))
