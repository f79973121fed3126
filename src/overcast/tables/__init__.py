"""Tables with DynamoDB semantics.

The pure core lives here and is tested without servers: attribute values
(:mod:`values`, :mod:`numbers`, :mod:`comparison`, :mod:`sizes`), the
expression language (:mod:`expressions`) and the errors (:mod:`errors`).
Storage backends (SQLite, PostgreSQL) and the wire protocol build on it.
"""
