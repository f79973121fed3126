"""Topic rules and WebSocket APIs as deploy resources (pure): the ``rule``, ``websocket`` and ``wsroute`` kinds.

They are listed in plans as CloudFormation lists ``AWS::IoT::TopicRule``, ``AWS::ApiGatewayV2::Api`` and
``AWS::ApiGatewayV2::Route``. Nothing is applied for them: the dispatcher runs the rules and the gateways serve
the WebSocket APIs straight from the deployed state, as they serve HTTP routes. Being resources is what makes
a change to them a change of the stack: a deploy that only edits a rule's SQL is written, not skipped as
"no changes".

- ``rule:NAME`` — props ``sql``, ``actions`` and ``errorAction`` (dumped without the unset keys of each
  action, so they read like the stack file), ``enabled`` and ``description``.
- ``websocket:PATH`` — the stack's API, present when a function serves a WebSocket route or the stack declares
  ``websocket:``. The id is the path clients connect to (unique in a stage, as an HTTP route key is), so moving
  the API shows the old endpoint deleted and the new one created; its one prop is ``routeSelectionExpression``.
  The API-level settings live here once, not on every route: changing them is one update, not one per route.
- ``wsroute:ROUTEKEY`` — one per route key (``$connect``, ``$default``, ``sendMessage``…); prop ``function``.
"""

from __future__ import annotations

from overcast.deploy.resources import Kind, Resource, register_kind, resource_id
from overcast.spec.websocket import DEFAULT_PATH, DEFAULT_SELECTION, routes_of

RULE = register_kind(Kind("rule"))
WEBSOCKET = register_kind(Kind("websocket"))
WSROUTE = register_kind(Kind("wsroute"))


def _action(action) -> dict | None:
    return None if action is None else action.model_dump(mode="json", exclude_none=True)


def rule_resources(spec) -> dict[str, Resource]:
    """The topic-rule resources of a validated ``StackSpec``."""
    out = {}
    for name, rule in (getattr(spec, "rules", None) or {}).items():
        rid = resource_id(RULE.name, name)
        out[rid] = Resource(rid, RULE.name, {
            "sql": rule.sql,
            "actions": [_action(a) for a in rule.actions],
            "errorAction": _action(rule.errorAction),
            "enabled": rule.enabled,
            "description": rule.description,
        })
    return out


def websocket_resources(spec) -> dict[str, Resource]:
    """The WebSocket API and route resources of a validated ``StackSpec`` (none when it has no API)."""
    routes = routes_of(spec.functions)
    settings = getattr(spec, "websocket", None)
    if not routes and settings is None:
        return {}
    path = settings.path if settings is not None else DEFAULT_PATH
    selection = settings.routeSelectionExpression if settings is not None else DEFAULT_SELECTION
    api = resource_id(WEBSOCKET.name, path)
    out = {api: Resource(api, WEBSOCKET.name, {"routeSelectionExpression": selection})}
    for key, function in routes.items():
        rid = resource_id(WSROUTE.name, key)
        out[rid] = Resource(rid, WSROUTE.name, {"function": function})
    return out
