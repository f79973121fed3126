"""Which deployed function an ``Invoke`` names, and whether a key may invoke it (pure).

Lambda accepts a function as its name (overcast's ``STACK-STAGE-FUNCTION``), a full ARN
(``arn:aws:lambda:REGION:ACCOUNT:function:NAME``), a partial ARN (``ACCOUNT:function:NAME``), each
optionally ending in ``:QUALIFIER``; the ``Qualifier`` query parameter may say the same again.

A key (principal ``STAGE.STACK``) reaches its own stack's functions, and — as for tables — a function
another stack of its stage exports to it: an output whose value is the function's name or ARN, imported
with ``${stack:OWNER.OUTPUT}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from overcast.compat.lambda_.errors import InvalidParameterValueException, ValidationException
from overcast.runtime.config import ACCOUNT_ID, REGION
from overcast.sources.invoking import lambda_name

_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,140}")
_QUALIFIER = re.compile(r"\$LATEST|[a-zA-Z0-9_-]{1,128}")
PATTERN = ("(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
           "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")


@dataclass(frozen=True)
class FunctionRef:
    """A ``FunctionName`` taken apart; ``region``/``account`` are None when it did not say."""

    name: str
    qualifier: str | None = None
    region: str | None = None
    account: str | None = None


def _invalid(text: str) -> ValidationException:
    return ValidationException(f"1 validation error detected: Value '{text}' at 'functionName' failed to satisfy "
                               f"constraint: Member must satisfy regular expression pattern: {PATTERN}")


def parse(text: str) -> FunctionRef:
    """``FunctionName`` in any of Lambda's forms; raises ValidationException for anything else."""
    parts = text.split(":")
    if parts[0] == "arn":
        if len(parts) not in (7, 8) or parts[2] != "lambda" or parts[5] != "function":
            raise _invalid(text)
        ref = FunctionRef(parts[6], parts[7] if len(parts) == 8 else None, parts[3], parts[4])
    elif len(parts) in (3, 4) and parts[1] == "function":
        ref = FunctionRef(parts[2], parts[3] if len(parts) == 4 else None, None, parts[0])
    elif len(parts) in (1, 2):
        ref = FunctionRef(parts[0], parts[1] if len(parts) == 2 else None)
    else:
        raise _invalid(text)
    if not _NAME.fullmatch(ref.name) or (ref.qualifier is not None and not _QUALIFIER.fullmatch(ref.qualifier)):
        raise _invalid(text)
    return ref


def qualifier_of(ref: FunctionRef, query_qualifier: str | None) -> str | None:
    """The one qualifier the request means: from the name, the query, or both when they agree (as Lambda)."""
    if query_qualifier is not None and not _QUALIFIER.fullmatch(query_qualifier):
        raise ValidationException(f"1 validation error detected: Value '{query_qualifier}' at 'qualifier' failed "
                                  "to satisfy constraint: Member must satisfy regular expression pattern: "
                                  "(|[a-zA-Z0-9$_-]+)")
    if ref.qualifier is not None and query_qualifier is not None and ref.qualifier != query_qualifier:
        raise InvalidParameterValueException("The derived qualifier from the function name does not match the "
                                             "specified qualifier.")
    return ref.qualifier if ref.qualifier is not None else query_qualifier


def arn_of(name: str, qualifier: str | None = None) -> str:
    """The function ARN Lambda shows for ``name`` (qualified when a qualifier is given)."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}" + (f":{qualifier}" if qualifier else "")


def find(states: dict[tuple[str, str], dict], ref: FunctionRef) -> tuple[str, str, str] | None:
    """``(stage, stack, function)`` deployed under ``ref``'s name in this region and account, or None."""
    if ref.region not in (None, REGION) or ref.account not in (None, ACCOUNT_ID):
        return None
    for (stage, stack), doc in states.items():
        for fn in ((doc.get("spec") or {}).get("functions") or {}):
            if lambda_name(stage, stack, fn) == ref.name:
                return stage, stack, fn
    return None


def may_invoke(states: dict[tuple[str, str], dict], principal: str, stage: str, stack: str, fn: str) -> bool:
    """Whether a key of ``principal`` (``STAGE.STACK``) may invoke ``stage.stack.fn``."""
    if principal == f"{stage}.{stack}":
        return True
    caller_stage, _, caller_stack = principal.partition(".")
    caller = states.get((caller_stage, caller_stack)) if caller_stage == stage else None
    if caller is None:
        return False
    name = lambda_name(stage, stack, fn)
    exported = {name, arn_of(name)}
    return any(imp.get("stack") == stack and imp.get("value") in exported for imp in caller.get("imports") or [])
