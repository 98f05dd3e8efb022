import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from dashboard import reports, rollups
from dashboard.stats import Period


class Command(BaseCommand):
    help = (
        "Recompute the stored monthly statistics (after importing data with historical "
        "times, or when a figure's definition changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=datetime.date.fromisoformat,
            default=None,
            help="First month to compute now (YYYY-MM-DD); default: three years ago.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, since: datetime.date | None, no_progress: bool, **options):
        removed = rollups.rebuild()
        today = timezone.localdate()
        since = (since or today.replace(year=today.year - 3)).replace(day=1)
        last = today.replace(day=1) - datetime.timedelta(days=1)
        if last < since:
            self.stdout.write(f"removed {removed} stored months; nothing to compute")
            return
        period = Period(since, last)
        months = len(period.months())
        bar = tqdm(
            reports.TABLES.values(), unit="table", disable=no_progress, file=self.stderr
        )
        for metric in bar:
            bar.set_postfix_str(metric.key)
            metric(period)  # computes and stores every complete month
        self.stdout.write(
            f"removed {removed} stored months; stored {months} months × {len(reports.TABLES)} tables"
        )
