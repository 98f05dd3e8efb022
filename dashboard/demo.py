"""Demo watches: merchant1 watches a few designs, and the scans run once (seed_demo)."""

from accounts.models import User
from dashboard import watch
from designs.models import FabricDesign


def seed_watches() -> str:
    owner = User.objects.filter(username="merchant1").first()
    if owner is None:
        return "no merchant1"
    for design in FabricDesign.objects.registered().owned_by(owner).order_by("pk")[:3]:
        watch.watch_design(design, by=owner)
    alerts = watch.scan_registrations() + watch.scan_evidence()
    return f"{owner.watches.count()} watches, {len(alerts)} alerts"
