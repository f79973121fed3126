"""Import a handler the way AWS's Python runtime does, with no stale bytecode.

Code under the task root is compiled from source on every import: Python's
``.pyc`` check compares whole-second mtimes and sizes, so an edit made within
the same second as the previous one could otherwise run old code. Modules
outside the task root (the standard library, site-packages) keep their caches.
"""

from __future__ import annotations

import importlib
import importlib.machinery as machinery
import os
import sys
import traceback


class FreshSourceLoader(machinery.SourceFileLoader):
    """A source loader that neither reads nor writes bytecode caches."""

    def path_stats(self, path):  # noqa: D401 - importlib protocol
        raise OSError("overcast: no bytecode cache for task code")

    def set_data(self, path, data, *, _mode=0o666):
        return None


def install_fresh_imports(task_root: str) -> None:
    root = os.path.realpath(task_root)
    details = [(FreshSourceLoader, machinery.SOURCE_SUFFIXES),
               (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES)]
    make_finder = machinery.FileFinder.path_hook(*details)

    def hook(path: str):
        real = os.path.realpath(path or ".")
        if real == root or real.startswith(root + os.sep):
            return make_finder(path)
        raise ImportError("not under the task root")

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


class InitError(Exception):
    """Init failed; ``error`` is the Lambda error object to report."""

    def __init__(self, error: dict) -> None:
        super().__init__(error["errorMessage"])
        self.error = error


def _error(message: str, error_type: str, exc: BaseException | None = None) -> dict:
    stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)) if exc else []
    return {"errorMessage": message, "errorType": error_type, "stackTrace": stack}


def load_handler(handler: str):
    """Return the callable named by ``module.function`` (module may be ``dir/mod``)."""
    module_part, sep, attr = handler.rpartition(".")
    if not sep or not module_part or not attr:
        raise InitError(_error(f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
                               "Runtime.MalformedHandlerName"))
    modname = module_part.replace("/", ".")
    try:
        module = importlib.import_module(modname)
    except SyntaxError as exc:
        where = f"{os.path.basename(exc.filename or '?')}, line {exc.lineno}"
        raise InitError(_error(f"Syntax error in module '{modname}': {exc.msg} ({where})",
                               "Runtime.UserCodeSyntaxError", exc)) from None
    except ImportError as exc:
        raise InitError(_error(f"Unable to import module '{modname}': {exc}", "Runtime.ImportModuleError",
                               exc)) from None
    except Exception as exc:
        raise InitError(_error(str(exc), type(exc).__name__, exc)) from None
    fn = getattr(module, attr, None)
    if fn is None:
        raise InitError(_error(f"Handler '{attr}' missing on module '{modname}'", "Runtime.HandlerNotFound"))
    if not callable(fn):
        raise InitError(_error(f"Handler '{attr}' on module '{modname}' is not callable",
                               "Runtime.HandlerNotFound"))
    return fn
