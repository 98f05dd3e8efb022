"""Queue design pks touched in a transaction; index them once it commits."""

import threading

from django.db import transaction

from search.text import sync_designs

_pending = threading.local()


def queue_design(sender, instance, **kwargs) -> None:
    """Signal receiver: remember the design and index it after the commit."""
    pks = getattr(_pending, "pks", None)
    if pks is None:
        pks = _pending.pks = set()
    # One callback per save is registered, but the first to run takes the whole set, so
    # a service that saves a design several times still costs one index write. A rolled
    # back transaction leaves its pks here: they are re-read from the database (the
    # truth) on the next commit, which is harmless.
    pks.add(instance.pk)
    transaction.on_commit(flush)


def flush() -> None:
    pks = getattr(_pending, "pks", None)
    if pks:
        _pending.pks = set()
        sync_designs(pks)
