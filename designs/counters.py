"""Gap-free yearly sequences (registration and complaint numbers)."""

from django.db import models


def next_in_year(counter_model: type[models.Model], year: int) -> int:
    """Return the next number of the year; call inside a transaction (the row stays locked).

    The counter row is created first, so concurrent first numbers of a year do not both
    insert it; the row lock then serialises them, and a rolled-back caller rolls its
    number back too, so there are no gaps. The model needs `year` and `last_number`.
    """
    counter_model.objects.bulk_create([counter_model(year=year)], ignore_conflicts=True)
    counter = counter_model.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number
