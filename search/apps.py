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


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.core import checks

        connect_text_index_sync()
        connect_match_sync()
        checks.register(check_text_backend)
