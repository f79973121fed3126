"""Parsing the ``Authorization`` header and the request date of a SigV4 request (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from overcast.compat.sigv4_canonical import ALGORITHM, TERMINATOR
from overcast.compat.sigv4_errors import IncompleteSignature, InvalidSignature

AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_SEPARATORS = re.compile(r"[\s,]+")
_REQUIRED = ("Credential", "Signature", "SignedHeaders")


@dataclass(frozen=True)
class Authorization:
    """The parts of ``AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…``."""

    access_key_id: str
    date: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: list[str]  # as listed by the client, lower-cased
    signed_headers_text: str  # verbatim, as it goes into the canonical request
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


def parse_authorization(value: str, has_date: bool) -> Authorization:
    """Parse the header; ``has_date`` tells whether ``X-Amz-Date`` or ``Date`` was sent.

    Raises ``IncompleteSignature`` with AWS's messages: a missing ``=``, the
    list of missing parameters (and the missing date) ending in
    ``Authorization=<value>``, or a credential that is not 5 elements.
    """
    algorithm, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    if algorithm == ALGORITHM:
        for token in _SEPARATORS.split(rest.strip()):
            if not token:
                continue
            name, eq, param = token.partition("=")
            if not eq:
                raise IncompleteSignature(
                    f"'{token}' not a valid key=value pair (missing equal-sign) in Authorization header: '{value}'."
                )
            params[name] = param
    elif algorithm.startswith("AWS4-"):
        # SigV4a (AWS4-ECDSA-P256-SHA256) and other variants: not accepted.
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    missing = [f"Authorization header requires '{name}' parameter." for name in _REQUIRED if not params.get(name)]
    if not has_date:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if missing:
        raise IncompleteSignature(" ".join(missing) + f" Authorization={value}")
    credential = params["Credential"].split("/")
    if len(credential) != 5:
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term,"
            f" got '{params['Credential']}'"
        )
    key_id, date, region, service, terminator = credential
    if terminator != TERMINATOR:
        raise InvalidSignature(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. "
        )
    text = params["SignedHeaders"]
    return Authorization(
        access_key_id=key_id,
        date=date,
        region=region,
        service=service,
        signed_headers=[name.lower() for name in text.split(";")],
        signed_headers_text=text,
        signature=params["Signature"],
    )


def parse_request_date(amz_date: str | None, http_date: str | None) -> tuple[datetime, str]:
    """The request time (UTC) and its ISO-8601 basic form, which the string to sign uses.

    ``X-Amz-Date`` wins over ``Date``; ``Date`` may be an HTTP date (botocore
    sends one when the request already had a ``Date`` header) or ISO basic.
    """
    raw = amz_date if amz_date is not None else http_date or ""
    raw = raw.strip()
    try:
        when = datetime.strptime(raw, AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        when = None
        if amz_date is None:
            try:
                when = parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
        if when is None:
            raise IncompleteSignature(
                f"Date must be in ISO-8601 'basic format'. Got '{raw}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ) from None
    when = when.astimezone(timezone.utc)
    return when, when.strftime(AMZ_DATE_FORMAT)
