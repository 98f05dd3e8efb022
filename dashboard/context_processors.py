def watch_alerts(request) -> dict:
    """Unread watch alerts for the header (one count query for signed-in users)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from dashboard.models import WatchAlert

    return {
        "unread_alerts": WatchAlert.objects.filter(
            watch__owner=user, read_at__isnull=True
        ).count()
    }
