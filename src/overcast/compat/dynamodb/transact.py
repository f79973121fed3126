"""TransactWriteItems and TransactGetItems: all-or-nothing over ``Storage.transact_write`` / ``transact_get``.

As in AWS: a bad expression or placeholder fails the request (ValidationException); a bad key or item
cancels it with a ``ValidationError`` reason (the first found; the others ``None``); false conditions
cancel it with ``ConditionalCheckFailed`` reasons, every action evaluated.

ClientRequestToken (boto3 sends one with every call) makes a write idempotent for 10 minutes. The
token is claimed by an extra write in the same storage transaction, in an internal table no request
can name, so two gateways (or concurrent retries) cannot both apply one request: the loser finds the
claim and answers like the first call, or with IdempotentParameterMismatchException when its request
differs. Expired claims are overwritten when met and deleted in small sweeps.
"""

from __future__ import annotations

import hashlib
import time
import weakref

import orjson

from overcast.compat.dynamodb.batch import Resolve, consumed, invalid, projection
from overcast.compat.dynamodb.items import _check_condition, _condition, check_key_values, read_units, write_units
from overcast.tables import expressions as ex
from overcast.tables.errors import (
    ConditionalCheckFailedException,
    DynamoError,
    ResourceInUseException,
    TransactionCanceledException,
    ValidationException,
)
from overcast.tables.sizes import check_item_size, item_size
from overcast.tables.storage.base import KeySchema, Storage, TableDef
from overcast.tables.storage.keys import stored_key
from overcast.tables.values import validate_item

MAX_ACTIONS, PAYLOAD_BYTES = 100, 4 * 1024 * 1024
WRITES = ("ConditionCheck", "Put", "Delete", "Update")
TOKENS = "overcast:client-request-tokens"  # ':' is not allowed in table names: no request reaches it
TOKEN_WINDOW, SWEEP_EVERY, SWEEP_MAX = 600.0, 10.0, 500
_ready: weakref.WeakSet = weakref.WeakSet()  # storages known to hold the tokens table
_swept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # storage -> time of its last sweep


class IdempotentParameterMismatchException(DynamoError):
    code = "tables.idempotent_parameter_mismatch"
    aws_name = "IdempotentParameterMismatchException"


def _compile(kind: str, spec: dict, n: int):
    """The action's condition predicate; its expressions and placeholders are checked here."""
    rv = spec.get("ReturnValuesOnConditionCheckFailure", "NONE")
    if rv not in ("NONE", "ALL_OLD"):
        raise invalid(f"transactItems.{n}.member.{kind}.returnValuesOnConditionCheckFailure", rv,
                       "Member must satisfy enum value set: [ALL_OLD, NONE]")
    need = {"ConditionCheck": "ConditionExpression", "Update": "UpdateExpression"}.get(kind)
    if need and not isinstance(spec.get(need), str):
        raise invalid(f"transactItems.{n}.member.{kind}.{need}", None, "Member must not be null")
    return _condition(spec, [ex.parse_update(spec["UpdateExpression"])] if kind == "Update" else [])


def _key_of(table: TableDef, kind: str, spec: dict) -> dict:
    if kind == "Put":
        validate_item(spec.get("Item"))
        check_item_size(spec["Item"])
        return check_key_values(table, spec["Item"], only_key=False)
    validate_item(spec.get("Key"))
    return check_key_values(table, spec["Key"], only_key=True)


def _mutation(kind: str, spec: dict, key: dict, pred):
    def mutate(old):
        _check_condition(pred, old, spec)
        if kind != "Update":
            return old if kind == "ConditionCheck" else spec["Item"] if kind == "Put" else None
        return ex.apply_update(dict(old) if old else dict(key), spec["UpdateExpression"],
                               spec.get("ExpressionAttributeNames"), spec.get("ExpressionAttributeValues"),
                               key_names=list(key), check_unused=False)[0]
    return mutate


async def _plan(resolve: Resolve, req: dict, kinds: tuple[str, ...]) -> list:
    """[(table, kind, spec, key, predicate)], every action checked in DynamoDB's order."""
    entries = req.get("TransactItems")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_ACTIONS:
        raise invalid("transactItems", "[...]", f"Member must have length less than or equal to {MAX_ACTIONS} "
                       "and greater than or equal to 1")
    actions = []
    for n, entry in enumerate(entries, 1):
        found = [k for k in kinds if isinstance(entry, dict) and k in entry]
        if len(found) != 1 or len(entry) != 1 or not isinstance(entry[found[0]], dict):
            raise ValidationException("TransactItems can only contain one of " + ", ".join(kinds))
        kind, spec = found[0], entry[found[0]]
        actions.append((await resolve(spec.get("TableName")), kind, spec,
                        None if kind == "Get" else _compile(kind, spec, n)))
    keys = []
    for n, (table, kind, spec, _) in enumerate(actions):
        try:
            keys.append(_key_of(table, kind, spec))
        except ValidationException as error:  # a bad key or item cancels the transaction at that action
            reasons = [{"Code": "None"} for _ in actions]
            reasons[n] = {"Code": "ValidationError", "Message": error.message}
            raise TransactionCanceledException(reasons) from None
    if len({(t.name, stored_key(t.key, k)) for (t, *_), k in zip(actions, keys)}) != len(keys):
        raise ValidationException("Transaction request cannot include multiple operations on one item")
    return [(t, kind, spec, key, pred) for (t, kind, spec, pred), key in zip(actions, keys)]


async def transact_write_items(storage: Storage, resolve: Resolve, req: dict, principal: str) -> dict:
    token = req.get("ClientRequestToken")
    if token is not None and (not isinstance(token, str) or not 1 <= len(token) <= 36):
        raise invalid("clientRequestToken", token, "Member must have length less than or equal to 36")
    plan = await _plan(resolve, req, WRITES)
    if sum(item_size(s.get("Item") or k) + item_size(s.get("ExpressionAttributeValues") or {})
           for _, _, s, k, _ in plan) > PAYLOAD_BYTES:
        raise ValidationException("Transaction request cannot be processed: payload size cannot exceed 4 MB")
    ops = [(t.name, key, _mutation(kind, spec, key, pred)) for t, kind, spec, key, pred in plan]
    now = time.time()
    if token is not None:
        fingerprint = hashlib.sha256(orjson.dumps(req["TransactItems"], option=orjson.OPT_SORT_KEYS)).hexdigest()
        ops.append(await _claim(storage, f"{principal}\n{token}", fingerprint, now))
    try:
        results = await storage.transact_write(ops)
    except TransactionCanceledException as cancelled:
        reasons = cancelled.reasons
        if token is not None:
            if reasons[-1].get("Code") == "ConditionalCheckFailed":  # the token is claimed: a repeated request
                return _replay(reasons[-1].get("Item") or {}, fingerprint, plan, req)
            reasons = reasons[:-1]
        raise TransactionCanceledException(reasons) from None
    except DynamoError as error:  # PostgreSQL's retry budget for serialization conflicts ran out
        if error.aws_name != "TransactionConflictException":
            raise
        raise TransactionCanceledException([{"Code": "TransactionConflict", "Message": error.message}
                                            for _ in plan]) from None
    if token is not None and now - _swept.get(storage, 0.0) > SWEEP_EVERY:
        await _sweep(storage, now)
    # A transactional write costs twice a plain one.
    return consumed(req, ((t.name, 2 * write_units(old, new)) for (t, *_), (old, new) in zip(plan, results)))


async def transact_get_items(storage: Storage, resolve: Resolve, req: dict) -> dict:
    plan = await _plan(resolve, req, ("Get",))
    paths = [projection(spec) for _, _, spec, _, _ in plan]
    found = await storage.transact_get([(t.name, key) for t, _, _, key, _ in plan])
    responses = [{} if item is None else {"Item": item if p is None else ex.project(item, p)}
                 for item, p in zip(found, paths)]
    return {"Responses": responses} | consumed(req, ((t.name, 2 * read_units(item, True))
                                                     for (t, *_), item in zip(plan, found)))


async def _claim(storage: Storage, token: str, fingerprint: str, now: float):
    """The action claiming ``token``: it fails, returning the claim, while another request holds it."""
    if storage not in _ready:
        try:
            await storage.create_table(TableDef(name=TOKENS, key=KeySchema("token", "S"), ttl_attribute="expires",
                                                owner="overcast:internal", attribute_types={"token": "S"}))
        except ResourceInUseException:
            pass
        _ready.add(storage)
    record = {"token": {"S": token}, "fingerprint": {"S": fingerprint}, "expires": {"N": str(now + TOKEN_WINDOW)}}

    def claim(old):
        if old is not None and float(old["expires"]["N"]) > now:
            raise ConditionalCheckFailedException(item=old)
        return record

    return TOKENS, {"token": {"S": token}}, claim


def _replay(claim: dict, fingerprint: str, plan: list, req: dict) -> dict:
    if claim.get("fingerprint", {}).get("S") != fingerprint:
        raise IdempotentParameterMismatchException("You retried a request with a different payload but with an "
                                                   "idempotent token that was already used.")
    # AWS charges a repeated call the reads of the items, not the writes.
    return consumed(req, ((t.name, read_units(None, True)) for t, *_ in plan))


async def _sweep(storage: Storage, now: float) -> None:
    _swept[storage] = now
    keys = await storage.expired(TOKENS, now, SWEEP_MAX)

    def drop(old):
        return None if old is None or float(old["expires"]["N"]) <= now else old

    if keys:
        await storage.transact_write([(TOKENS, key, drop) for key in keys])
