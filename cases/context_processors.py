def inbox(request) -> dict:
    """Unread notification count for the nav; one cheap query, only when signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from cases.models import Notification

        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    # Lazy: pages that never show the nav never run the query.
    return {"unread_notifications": unread}
