"""Keep rows and their files together: a failed write leaves neither behind.

Services that write files run under `atomic_with_files`; every file saved through
`track_written` inside it is deleted again if the transaction does not commit.
Reused by the cases app for evidence files.
"""

import functools
import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.core.files.storage import default_storage
from django.db import transaction

log = logging.getLogger("ipcenter.files")

P = ParamSpec("P")
R = TypeVar("R")

_written: ContextVar[list[str] | None] = ContextVar(
    "ipcenter_written_files", default=None
)


def track_written(name: str) -> None:
    """Note a file just saved, so a rollback of the enclosing service removes it."""
    pending = _written.get()
    if pending is not None:
        pending.append(name)


def delete_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # the orphan scan reports whatever could not be removed
            log.exception("could not delete %s", name)


def atomic_with_files(func: Callable[P, R]) -> Callable[P, R]:
    """Run func in a transaction; if it raises, delete the files it wrote."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _written.get() is not None:  # nested: the outermost call cleans up
            with transaction.atomic():
                return func(*args, **kwargs)
        token = _written.set([])
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except BaseException:
            delete_files(_written.get() or [])
            raise
        finally:
            _written.reset(token)

    return wrapper
