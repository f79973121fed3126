"""Attribute value builders for the tables tests."""

from __future__ import annotations

import base64


def S(text: str) -> dict:
    return {"S": text}


def N(text: object) -> dict:
    return {"N": str(text)}


def B(raw: bytes) -> dict:
    return {"B": base64.b64encode(raw).decode()}


def L(*elements: dict) -> dict:
    return {"L": list(elements)}


def M(**members: dict) -> dict:
    return {"M": dict(members)}


def SS(*members: str) -> dict:
    return {"SS": list(members)}


def NS(*members: object) -> dict:
    return {"NS": [str(m) for m in members]}


def BS(*members: bytes) -> dict:
    return {"BS": [base64.b64encode(m).decode() for m in members]}


BOOL_TRUE = {"BOOL": True}
NULL = {"NULL": True}
