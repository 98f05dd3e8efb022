from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from designs import demo


class Command(BaseCommand):
    help = "Load demo merchants, staff, designs and cases once (safe to run again)."

    # Later apps add their own seeders here; each must be idempotent.
    # The last one forgets stored monthly statistics, since the demo backdates its history.
    SEEDERS = [
        "cases.demo.seed_cases",
        "dashboard.demo.seed_watches",
        "dashboard.rollups.rebuild",
    ]

    def handle(self, *args, **options) -> None:
        users = demo.ensure_users()
        created = demo.seed_designs(
            progress=lambda line: self.stdout.write(f"  {line}")
        )
        self.stdout.write(f"Designs created: {created}")
        for dotted in self.SEEDERS:
            try:
                seeder = import_string(dotted)
            except ImportError:
                continue
            result = seeder()
            self.stdout.write(f"{dotted}: {result}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Accounts ({', '.join(sorted(users))}) use the password "
                f"'{demo.DEMO_PASSWORD}'."
            )
        )
