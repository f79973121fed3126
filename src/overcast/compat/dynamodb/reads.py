"""Query and Scan: key conditions, filters, projections, pagination (1 MB pages), parallel segments."""

from __future__ import annotations

from overcast.compat.dynamodb.items import capacity, read_units
from overcast.tables import expressions as ex
from overcast.tables.errors import ValidationException
from overcast.tables.storage.base import RangeCondition, Storage, TableDef
from overcast.tables.values import validate_item

PAGE_BYTES = 1024 * 1024  # DynamoDB stops a page after 1 MB of items read


def _common(req: dict, extra_parsed: list):
    """(filter predicate, projection paths, select) with every placeholder checked once."""
    names, values = req.get("ExpressionAttributeNames"), req.get("ExpressionAttributeValues")
    filt, proj = req.get("FilterExpression"), req.get("ProjectionExpression")
    for legacy in ("KeyConditions", "QueryFilter", "ScanFilter", "AttributesToGet", "ConditionalOperator"):
        if legacy in req:
            raise ValidationException(f"the legacy parameter {legacy} is not supported by overcast; use "
                                      "KeyConditionExpression / FilterExpression / ProjectionExpression")
    parsed = list(extra_parsed)
    pred = None
    if filt:
        parsed.append(ex.parse_condition(filt, ex.FILTER))
        pred = ex.compile_condition(filt, names, values, kind=ex.FILTER, check_unused=False)
    paths = None
    if proj:
        parsed.append(ex.parse_projection(proj))
        paths = ex.projection_paths(proj, names, check_unused=False)
    ex.check_unused(names, values, *parsed)
    select = req.get("Select", "SPECIFIC_ATTRIBUTES" if proj else "ALL_ATTRIBUTES")
    if select not in ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"):
        raise ValidationException(f"Unknown Select {select}")
    if select == "SPECIFIC_ATTRIBUTES" and not proj:
        raise ValidationException("Select SPECIFIC_ATTRIBUTES needs a ProjectionExpression")
    if proj and select != "SPECIFIC_ATTRIBUTES":
        raise ValidationException("Cannot specify the ProjectionExpression when choosing to get "
                                  f"{select}")
    return pred, paths, select


def _limit(req: dict) -> int | None:
    limit = req.get("Limit")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValidationException("1 validation error detected: Value at 'limit' failed to satisfy constraint: "
                                  "Member must have value greater than or equal to 1")
    return limit


def _start(req: dict) -> dict | None:
    start = req.get("ExclusiveStartKey")
    if start is not None:
        validate_item(start)
    return start


def _answer(page, pred, paths, select, req, table) -> dict:
    items = [i for i in page.items if pred(i)] if pred else page.items
    out = {"Count": len(items), "ScannedCount": len(page.items)}
    if select != "COUNT":
        out["Items"] = [ex.project(i, paths) for i in items] if paths is not None else items
    if page.last_key:
        out["LastEvaluatedKey"] = page.last_key
    units = sum(read_units(i, bool(req.get("ConsistentRead"))) for i in page.items) or 0.5
    return out | capacity(req, table, units)


async def query(storage: Storage, table: TableDef, req: dict) -> dict:
    index = table.named_index(req.get("IndexName"))
    schema = index.key if index else table.key
    expr = req.get("KeyConditionExpression")
    if not expr:
        raise ValidationException("Either the KeyConditions or KeyConditionExpression parameter must be "
                                  "specified in the request.")
    names, values = req.get("ExpressionAttributeNames"), req.get("ExpressionAttributeValues")
    types = {schema.hash_key: schema.hash_type}
    if schema.range_key:
        types[schema.range_key] = schema.range_type
    kc = ex.key_condition(expr, names, values, schema.hash_key, schema.range_key, key_types=types,
                          check_unused=False)
    pred, paths, select = _common(req, [ex.parse_key_condition(expr)])
    rc = RangeCondition(kc.range_op, tuple(kc.range_values)) if kc.range_op else None
    page = await storage.query(table.name, index.name if index else None, kc.hash_value, rc,
                               bool(req.get("ScanIndexForward", True)), _start(req), _limit(req), PAGE_BYTES)
    return _answer(page, pred, paths, select, req, table)


async def scan(storage: Storage, table: TableDef, req: dict) -> dict:
    index = table.named_index(req.get("IndexName"))
    segment, total = req.get("Segment"), req.get("TotalSegments")
    if (segment is None) != (total is None):
        raise ValidationException("The TotalSegments parameter is required but was not present in the request "
                                  "when Segment parameter is present" if total is None else
                                  "The Segment parameter is required but was not present in the request when "
                                  "parameter TotalSegments is present")
    if total is not None and not (isinstance(total, int) and 1 <= total <= 1000000 and isinstance(segment, int)
                                  and 0 <= segment < total):
        raise ValidationException(f"The Segment parameter is zero-based and must be less than parameter "
                                  f"TotalSegments: Segment: {segment} is not less than TotalSegments: {total}")
    pred, paths, select = _common(req, [])
    page = await storage.scan(table.name, index.name if index else None, segment or 0, total or 1, _start(req),
                              _limit(req), PAGE_BYTES)
    return _answer(page, pred, paths, select, req, table)
