from django.core.management.base import BaseCommand, CommandError

from cases.audit import verify_all
from cases.models import Case


class Command(BaseCommand):
    help = "Check every case's hash-chained audit trail; name the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument("--case", help="Check only this complaint number.")

    def handle(self, *args, case=None, **options):
        cases = Case.objects.order_by("pk")
        if case:
            cases = cases.filter(number=case)
        broken = list(verify_all(cases))
        for entry in broken:
            self.stderr.write(f"BROKEN: {entry}")
        if broken:
            raise CommandError(f"{len(broken)} case audit trail(s) broken.")
        self.stdout.write(f"OK: {cases.count()} case audit trail(s) intact.")
