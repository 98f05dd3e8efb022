from django.core.management.base import BaseCommand
from tqdm import tqdm

from designs.models import DesignImage
from search import fingerprint, matching
from search.models import ImageFingerprint


class Command(BaseCommand):
    help = (
        "Compute the image-match fingerprint of every design image that lacks a "
        "current one (after an algorithm change, or with --all for every image). "
        "Running server processes pick the new rows up on their next query."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Recompute even current fingerprints."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Hide the progress bar."
        )

    def handle(self, *args, all=False, no_progress=False, **options):
        if all:
            ImageFingerprint.objects.all().delete()
        ids = list(DesignImage.objects.order_by("pk").values_list("pk", flat=True))
        failed = 0
        with tqdm(
            total=len(ids),
            unit="image",
            desc=f"Fingerprinting ({fingerprint.ALGORITHM_VERSION})",
            disable=no_progress,
            file=self.stderr._out,
        ) as bar:
            for pk in ids:
                try:
                    matching.fingerprint_image(pk)
                except Exception as e:  # one unreadable file must not stop the run
                    failed += 1
                    self.stderr.write(f"image {pk}: {e}")
                bar.update()
        stale = ImageFingerprint.objects.exclude(
            algorithm=fingerprint.ALGORITHM_VERSION
        ).delete()[0]
        matching.reset_index()
        self.stdout.write(
            self.style.SUCCESS(
                f"Fingerprinted {len(ids) - failed} images "
                f"({fingerprint.ALGORITHM_VERSION}); {failed} failed, "
                f"{stale} stale rows removed."
            )
        )
        if failed:
            raise SystemExit(1)
