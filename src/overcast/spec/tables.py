"""The ``tables:`` section of a stack file: DynamoDB-style tables the stack owns (pure models).

    tables:
      todos:                              # logical name
        name: todos-${stage}              # physical TableName (default: the logical name)
        partitionKey: {name: id, type: S}
        sortKey: {name: created, type: N} # optional
        indexes:                          # global unless local: true (a local index keeps the partition key)
          - {name: by-owner, partitionKey: {name: owner, type: S}, projection: ALL}
        ttl: expiresAt                    # attribute holding an epoch-seconds expiry
        stream: NEW_AND_OLD_IMAGES        # NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES | KEYS_ONLY
        deletionPolicy: retain            # retain (default) | delete
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
ATTRIBUTE_NAME = re.compile(r"^.{1,255}$", re.S)


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("table_rule", "{message}", {"message": message})


class KeyAttribute(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(min_length=1, max_length=255, description="attribute name")
    type: Literal["S", "N", "B"] = Field(description="S (string), N (number) or B (binary)")


class IndexSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(description="index name: 3-255 of letters, digits, '_', '-', '.'",
                      json_schema_extra={"pattern": TABLE_NAME.pattern})
    partitionKey: KeyAttribute
    sortKey: KeyAttribute | None = None
    projection: Literal["ALL", "KEYS_ONLY"] | list[str] = Field(
        "ALL", description="ALL, KEYS_ONLY, or a list of non-key attributes to include")
    local: bool = Field(False, description="a local secondary index (same partition key as the table)")

    @model_validator(mode="after")
    def _name(self) -> IndexSpec:
        if not TABLE_NAME.match(self.name):
            raise _error(f"index name {self.name!r} must be 3-255 letters, digits, '_', '-' or '.'")
        if isinstance(self.projection, list) and not self.projection:
            raise _error("projection list must name at least one attribute (or use ALL / KEYS_ONLY)")
        return self


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str | None = Field(None, description="physical table name (default: the logical name)",
                             json_schema_extra={"pattern": TABLE_NAME.pattern})
    partitionKey: KeyAttribute
    sortKey: KeyAttribute | None = None
    indexes: list[IndexSpec] = Field(default_factory=list)
    ttl: str | None = Field(None, description="attribute with an epoch-seconds expiry time")
    stream: Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"] | None = None
    deletionPolicy: Literal["retain", "delete"] = Field(
        "retain", description="retain (default): removing the table from the stack keeps its data")

    @model_validator(mode="after")
    def _rules(self) -> TableSpec:
        if self.name is not None and not TABLE_NAME.match(self.name):
            raise _error(f"table name {self.name!r} must be 3-255 letters, digits, '_', '-' or '.'")
        seen: dict[str, str] = {}
        for attr in self._key_attributes():
            if seen.setdefault(attr.name, attr.type) != attr.type:
                raise _error(f"attribute {attr.name!r} is declared with two types ({seen[attr.name]} and {attr.type})")
        names = [i.name for i in self.indexes]
        if len(set(names)) != len(names):
            raise _error("index names must be unique")
        for index in self.indexes:
            if index.local and (index.partitionKey != self.partitionKey or index.sortKey is None):
                raise _error(f"local index {index.name!r} must use the table's partition key and have a sortKey")
        return self

    def _key_attributes(self):
        yield self.partitionKey
        if self.sortKey:
            yield self.sortKey
        for index in self.indexes:
            yield index.partitionKey
            if index.sortKey:
                yield index.sortKey

    def physical_name(self, logical: str) -> str:
        return self.name or logical
