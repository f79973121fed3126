"""Which stacks may use a table another stack owns (pure).

A stack reaches the tables it owns. It also reaches a table another stack of
its stage *exports* to it: when it imports an output (``${stack:OWNER.NAME}``)
whose value is the name of a table ``OWNER`` declares. Grantees may read and
write items; only the owner may change or delete the table itself.
"""

from __future__ import annotations


def grants_of(states: dict[tuple[str, str], dict]) -> dict[str, set[str]]:
    """Table name → principals (``STAGE.STACK``) granted access by imports."""
    out: dict[str, set[str]] = {}
    for (stage, stack), doc in states.items():
        for imp in doc.get("imports") or []:
            exporter = states.get((stage, imp["stack"]))
            if exporter is None:
                continue
            for res in (exporter.get("resources") or {}).values():
                if res.get("kind") == "table" and res.get("props", {}).get("name") == imp["value"]:
                    out.setdefault(imp["value"], set()).add(f"{stage}.{stack}")
    return out
