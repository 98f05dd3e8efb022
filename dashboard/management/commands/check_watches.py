from django.core.management.base import BaseCommand

from dashboard import watch


class Command(BaseCommand):
    help = "Scan new registrations and complaint evidence for look-alikes of watched designs (run from cron)."

    def handle(self, *args, **options):
        registrations = watch.scan_registrations()
        evidence = watch.scan_evidence()
        self.stdout.write(
            f"alerts: {len(registrations)} from registrations, {len(evidence)} from evidence"
        )
