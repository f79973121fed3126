"""What a limit is: its value, whether it is hard or soft, its scope and the AWS limit it mirrors.

Hard limits are fixed by design or by AWS compatibility; soft ones are platform settings you may raise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

MB = 1024 * 1024
KB = 1024


@dataclass(frozen=True)
class Limit:
    name: str
    title: str
    value: int
    unit: str
    kind: str  # "hard" | "soft"
    scope: str  # "invocation" | "function" | "account"
    aws: str
    minimum: int | None = None
    http_status: int = 400
    aws_error: str | None = None

    @property
    def how_to_raise(self) -> str | None:
        if self.kind != "soft":
            return None
        return f"raise it with `overcast dev --limit {self.name}=N` (or `overcast node --limit ...`)"

    def shown(self) -> str:
        if self.unit == "bytes" and self.value % MB == 0:
            return f"{self.value // MB} MB"
        if self.unit == "bytes" and self.value % KB == 0:
            return f"{self.value // KB} KB"
        if self.minimum is not None:
            return f"{self.minimum}-{self.value} {self.unit}"
        return f"{self.value} {self.unit}"

    def describe_violation(self, actual: object | None = None) -> str:
        got = f" (got {actual})" if actual is not None else ""
        msg = f"limit {self.name} exceeded: {self.title} is {self.shown()}, {self.kind}{got}"
        if self.how_to_raise:
            msg += f"; {self.how_to_raise}"
        return msg

    def to_dict(self) -> dict:
        out = asdict(self)
        out["shown"] = self.shown()
        out["how_to_raise"] = self.how_to_raise
        return out
