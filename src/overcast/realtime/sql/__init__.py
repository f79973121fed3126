"""The AWS IoT SQL engine of topic rules (pure, no I/O).

``parse(sql)`` gives a :class:`Statement`; ``Statement.evaluate(payload, topic=..., client_id=..., now_ms=...)``
gives the object the rule's actions get, or None when WHERE is not true.
"""

from overcast.realtime.sql.errors import PayloadError, SqlError
from overcast.realtime.sql.parser import parse
from overcast.realtime.sql.statement import Statement
from overcast.realtime.sql.values import UNDEFINED

__all__ = ["parse", "Statement", "SqlError", "PayloadError", "UNDEFINED"]
