"""Libraries the zygote imports once, so that every environment it forks starts with them loaded.

boto3 is part of AWS's Python runtime, and importing it (botocore, urllib3, dateutil, ...) is most of a
typical handler's cold start: a few hundred milliseconds of CPU per environment, paid once in the zygote
instead. A function may bring its own copy (in its code or its ``requirements.txt``): its copy wins, as in
Lambda, where the task root and layers come before the runtime's — :func:`forget_shadowed` drops the
preloaded package from the forked environment before the handler is imported, so the function's copy is
what ``import boto3`` finds.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

log = logging.getLogger("overcast.runtime")

# Top-level packages loaded by the zygote, in import order (boto3 imports the rest).
PACKAGES = ("urllib3", "jmespath", "dateutil", "botocore", "s3transfer", "boto3")
# Modules imported on a client's first creation or call, not by ``import boto3`` itself.
MODULES = ("boto3.session", "botocore.session", "botocore.client", "botocore.endpoint", "botocore.auth",
           "botocore.httpsession", "botocore.parsers", "botocore.serialize", "botocore.retries.standard",
           "botocore.credentials", "botocore.regions", "botocore.handlers")


def preload() -> list[str]:
    """Import :data:`PACKAGES` and :data:`MODULES` where installed; the names that loaded."""
    loaded = []
    for name in (*PACKAGES, *MODULES):
        try:
            importlib.import_module(name)
        except Exception as exc:  # not installed or broken: environments import it themselves, or fail there
            log.debug("not preloading %s: %s", name, exc)
            continue
        loaded.append(name)
    return loaded


def shadowed(paths: list[str]) -> list[str]:
    """The preloaded packages a function provides itself in one of ``paths`` (its code, its dependencies)."""
    out = []
    for name in PACKAGES:
        if name not in sys.modules:
            continue
        for path in paths:
            if path and (os.path.isdir(os.path.join(path, name)) or os.path.isfile(os.path.join(path, name + ".py"))):
                out.append(name)
                break
    return out


def forget_shadowed(paths: list[str]) -> list[str]:
    """Drop the preloaded packages ``paths`` provide (and, with boto3 or botocore, every package that depends
    on them) from this process's modules, so the function's own copies are imported; returns what was dropped."""
    names = shadowed(paths)
    if not names:
        return []
    if set(names) & {"botocore", "urllib3", "jmespath", "dateutil"}:  # a dependency changes: so do its users
        names = sorted(set(names) | {"botocore", "s3transfer", "boto3"})
    for mod in list(sys.modules):
        if mod.partition(".")[0] in names:
            del sys.modules[mod]
    return names
