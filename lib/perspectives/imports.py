"""Import helpers: ``jsonschema`` (which nbformat imports) without its slowest optional part.

Purpose
    ``jsonschema`` tries ``import rfc3987_syntax`` at import time; where that package is
    installed (pytest-notebook's dependencies bring it) it builds a grammar that costs about
    2 s per process. It only serves the ``iri`` / ``iri-reference`` string formats, which
    neither the notebook schema nor nbformat's validation uses. Every process that imports
    nbformat (the run server, the build's assembly through nbconvert) calls
    :func:`import_jsonschema_quickly` first.

Inputs / Outputs
    None: the module changes only which modules are imported, and when.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator

__all__ = ["hidden_module", "import_jsonschema_quickly"]


@contextlib.contextmanager
def hidden_module(name: str) -> Iterator[None]:
    """Make ``import name`` raise ImportError inside the block, then undo it.

    Args:
        name: a top-level module name; a module already imported stays untouched.
    """
    present = name in sys.modules
    saved = sys.modules.get(name)
    if not present:
        sys.modules[name] = None  # type: ignore[assignment]  # None in sys.modules: ImportError
    try:
        yield
    finally:
        if not present:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved  # type: ignore[assignment]


def import_jsonschema_quickly() -> None:
    """Import ``jsonschema`` with ``rfc3987_syntax`` hidden; do nothing when it is imported.

    Once jsonschema is imported the block is lifted, so code importing ``rfc3987_syntax``
    itself still gets it. Does nothing when jsonschema is not installed.
    """
    if "jsonschema" in sys.modules:
        return
    with hidden_module("rfc3987_syntax"), contextlib.suppress(ImportError):
        importlib.import_module("jsonschema")
