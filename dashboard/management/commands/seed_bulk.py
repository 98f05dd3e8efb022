import datetime
import random

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from tqdm import tqdm

from accounts.models import User
from designs.models import DesignEvent, FabricDesign, RegistrationCounter

BATCH = 5000
Status = FabricDesign.Status


class Command(BaseCommand):
    help = (
        "Seed synthetic merchants, designs and cases in bulk for benchmarks (deterministic). "
        "Adds to what is there; run on an empty benchmark database."
    )

    # Apps with their own bulk seeders: called with (count, rng, merchants, designs_ids).
    CASE_SEEDER = "dashboard.bulk.seed_cases"

    def add_arguments(self, parser):
        parser.add_argument("--designs", type=int, default=200_000)
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--merchants", type=int, default=2_000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(
        self, *args, designs: int, cases: int, merchants: int, seed: int, **options
    ):
        rng = random.Random(seed)
        users = self._merchants(merchants)
        reviewer = User.objects.filter(is_superuser=True).first() or users[0]
        design_ids = self._designs(designs, rng, users, reviewer)
        if cases:
            seeder = import_string(self.CASE_SEEDER)
            seeder(
                cases,
                rng=rng,
                merchants=users,
                design_ids=design_ids,
                stdout=self.stderr,
            )
        self.stdout.write(
            f"seeded {len(users)} merchants, {len(design_ids)} designs, {cases} cases"
        )

    def _merchants(self, count: int) -> list[User]:
        password = make_password("ipcenter-bench")
        existing = User.objects.filter(username__startswith="bulk-m").count()
        new = [
            User(
                username=f"bulk-m{n:05d}",
                password=password,
                shop_name=f"批量测试家纺{n}号",
                stall_no=f"{'ABCD'[n % 4]}区{n % 5 + 1}-{n:03d}",
                phone=f"139{n:08d}",
            )
            for n in range(existing, count)
        ]
        User.objects.bulk_create(new, batch_size=BATCH)
        return list(
            User.objects.filter(username__startswith="bulk-m").order_by("pk")[:count]
        )

    def _designs(
        self, count: int, rng: random.Random, users: list[User], reviewer: User
    ) -> list[int]:
        today = timezone.localdate()
        tz = timezone.get_current_timezone()
        words = [
            "牡丹",
            "缠枝莲",
            "莫兰迪",
            "雾霾蓝",
            "北欧",
            "几何",
            "格纹",
            "碎花",
            "ins风",
            "中式",
        ]
        products = list(FabricDesign.Category.values)
        techniques = list(FabricDesign.Technique.values)
        counters: dict[int, int] = {}
        ids: list[int] = []
        bar = tqdm(total=count, unit="design", file=self.stderr)
        for start in range(0, count, BATCH):
            batch, events = [], []
            with transaction.atomic():
                for i in range(start, min(start + BATCH, count)):
                    created = today - datetime.timedelta(days=rng.randrange(3 * 365))
                    registered = created + datetime.timedelta(days=rng.randrange(3, 30))
                    status = (
                        Status.REGISTERED
                        if registered <= today and rng.random() < 0.9
                        else rng.choice(
                            [Status.SUBMITTED, Status.DRAFT, Status.RETURNED]
                        )
                    )
                    fields = {}
                    if status == Status.REGISTERED:
                        counters[registered.year] = (
                            counters.get(registered.year, self._last(registered.year))
                            + 1
                        )
                        fields = {
                            "registration_no": f"BULK-{registered.year}-{counters[registered.year]:07d}",
                            "registered_on": registered,
                        }
                    batch.append(
                        FabricDesign(
                            title=f"{rng.choice(words)}{rng.choice(words)}{i}",
                            category=rng.choice(products),
                            technique=rng.choice(techniques),
                            authors="批量作者",
                            copyright_holder="批量测试",
                            owner=rng.choice(users),
                            created_on=created,
                            status=status,
                            reviewer=reviewer if status == Status.REGISTERED else None,
                            submitted_at=datetime.datetime.combine(
                                created, datetime.time(10), tzinfo=tz
                            ),
                            **fields,
                        )
                    )
                FabricDesign.objects.bulk_create(batch)
                for design in batch:
                    submitted = design.submitted_at
                    events.append(
                        DesignEvent(
                            design=design,
                            from_status=Status.DRAFT,
                            to_status=Status.SUBMITTED,
                            actor=design.owner,
                            created_at=submitted,
                            stage_started_at=submitted,
                        )
                    )
                    if design.status == Status.REGISTERED:
                        decided = datetime.datetime.combine(
                            design.registered_on, datetime.time(15), tzinfo=tz
                        )
                        events.append(
                            DesignEvent(
                                design=design,
                                from_status=Status.SUBMITTED,
                                to_status=Status.REGISTERED,
                                actor=reviewer,
                                created_at=decided,
                                stage_started_at=submitted,
                            )
                        )
                DesignEvent.objects.bulk_create(events)
            ids.extend(d.pk for d in batch)
            bar.update(len(batch))
        bar.close()
        for year, last in counters.items():
            RegistrationCounter.objects.update_or_create(
                year=year, defaults={"last_number": max(last, self._last(year))}
            )
        return ids

    @staticmethod
    def _last(year: int) -> int:
        row = RegistrationCounter.objects.filter(year=year).first()
        return row.last_number if row else 0
