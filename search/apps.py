from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def connect_text_index_sync() -> None:
    """Keep the text index following every design write, after the transaction commits.

    The house style's one signal: the index is a cache of the database, and every service
    that writes a design (create, edit, each status change, delete) passes through
    save() or delete(). One receiver serves both; it only queues the design's pk.
    """
    from django.db.models.signals import post_delete, post_save

    from designs.models import FabricDesign
    from search.sync import queue_design

    post_save.connect(
        queue_design, sender=FabricDesign, dispatch_uid="search.text.save"
    )
    post_delete.connect(
        queue_design, sender=FabricDesign, dispatch_uid="search.text.delete"
    )


def connect_match_sync() -> None:
    """Fingerprint every stored design image for the image match, after commit.

    The same kind of cache as the text index: the fingerprint table follows the
    image rows, and deleting an image deletes its fingerprint by cascade.
    """
    from django.db.models.signals import post_save

    from designs.models import DesignImage
    from search.matching import queue_fingerprint

    post_save.connect(
        queue_fingerprint, sender=DesignImage, dispatch_uid="search.match.save"
    )


def check_text_backend(app_configs, **kwargs):
    from django.conf import settings
    from django.core.checks import Error
    from django.db import connection

    if settings.SEARCH_BACKEND == "postgres" and connection.vendor != "postgresql":
        return [
            Error(
                "IPCENTER_SEARCH_BACKEND=postgres needs a PostgreSQL database.",
                id="search.E001",
            )
        ]
    return []


def check_fingerprint_version(app_configs, databases=None, **kwargs):
    """Warn when stored fingerprints are of another algorithm than this release's.

    The image match uses only current fingerprints, so after an upgrade that changes
    the algorithm it finds nothing until rebuild_fingerprints has run. Tagged as a
    database check: `migrate` runs it, as every upgrade does.
    """
    from django.core.checks import Warning
    from django.db import DatabaseError

    from search.fingerprint import ALGORITHM_VERSION
    from search.models import ImageFingerprint

    if not databases:
        return []
    try:
        stale = ImageFingerprint.objects.exclude(algorithm=ALGORITHM_VERSION).count()
    except DatabaseError:  # not migrated yet: nothing stored to be stale
        return []
    if not stale:
        return []
    return [
        Warning(
            f"{stale} design images have fingerprints of another image-match "
            f"algorithm than {ALGORITHM_VERSION}; the image search ignores them.",
            hint="Run: python manage.py rebuild_fingerprints",
            id="search.W001",
        )
    ]


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.core import checks

        connect_text_index_sync()
        connect_match_sync()
        checks.register(check_text_backend)
        checks.register(check_fingerprint_version, checks.Tags.database)
