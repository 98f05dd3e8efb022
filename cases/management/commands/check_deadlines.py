import datetime

from django.core.management.base import BaseCommand

from cases import services


class Command(BaseCommand):
    help = (
        "Mark overdue cases, send reminders, and close complaints whose supplement "
        "period ran out as withdrawn. Run daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="Pretend it is this date."
        )

    def handle(self, *args, today=None, **options):
        counts = services.check_deadlines(today)
        self.stdout.write(
            "withdrawn: {withdrawn}, newly overdue: {overdue}, "
            "reminded: {reminded}, deadlines recounted: {recounted}".format(**counts)
        )
