"""Libraries the zygote imports once, so that every environment it forks starts with them loaded.

boto3 is part of AWS's Python runtime, and importing it (botocore, urllib3, dateutil, six, ...) is most of a
typical handler's cold start: a few hundred milliseconds of CPU per environment, paid once in the zygote
instead. A function may bring its own copy of any of these packages (in its code or its
``requirements.txt``): its copy wins, as in Lambda, where the task root and layers come before the runtime's.
:func:`forget_shadowed` then drops every preloaded package from the forked environment before the handler is
imported (all of them: they import one another), so the function imports its own copies and the platform's
for the rest, as it would without the zygote's help.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

log = logging.getLogger("overcast.runtime")

# What the zygote imports (boto3 imports most of the rest), then what a client's creation and first call import.
MODULES = ("boto3", "boto3.session", "botocore.session", "botocore.client", "botocore.endpoint", "botocore.auth",
           "botocore.httpsession", "botocore.parsers", "botocore.serialize", "botocore.retries.standard",
           "botocore.credentials", "botocore.regions", "botocore.handlers")
PRELOADED: tuple[str, ...] = ()
"""Top-level packages :func:`preload` brought into this process (none of the standard library)."""


def preload() -> tuple[str, ...]:
    """Import :data:`MODULES` where installed; sets and returns :data:`PRELOADED`."""
    global PRELOADED
    before = {name.partition(".")[0] for name in sys.modules}
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception as exc:  # not installed or broken: environments import it themselves, or fail there
            log.debug("not preloading %s: %s", name, exc)
    tops = {name.partition(".")[0] for name in sys.modules} - before
    PRELOADED = tuple(sorted(n for n in tops if n not in sys.stdlib_module_names and not n.startswith("_")))
    return PRELOADED


def shadowed(paths: list[str]) -> list[str]:
    """The preloaded packages a function provides itself in one of ``paths`` (its code, its dependencies)."""
    out = []
    for name in PRELOADED:
        for path in paths:
            if path and (os.path.isdir(os.path.join(path, name)) or os.path.isfile(os.path.join(path, name + ".py"))):
                out.append(name)
                break
    return out


def forget_shadowed(paths: list[str]) -> list[str]:
    """When ``paths`` provide any preloaded package, drop every preloaded package from this process's modules
    (they import one another, so none may keep a reference to a replaced one); returns what was dropped."""
    if not shadowed(paths):
        return []
    dropped = set(PRELOADED)
    for mod in list(sys.modules):
        if mod.partition(".")[0] in dropped:
            del sys.modules[mod]
    return sorted(dropped)
