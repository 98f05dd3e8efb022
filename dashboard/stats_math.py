"""Pure arithmetic for the statistics (no Django)."""


def percentile(values: list[float], q: float) -> float | None:
    """Return the q-th percentile (0–100) by linear interpolation, None for no data.

    The same definition as PostgreSQL's percentile_cont, so both backends agree.
    """
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def percentile_of_counts(counts: dict[float, int], q: float) -> float | None:
    """Return percentile() of the multiset {value: how many}, without expanding it."""
    items = sorted((float(v), n) for v, n in counts.items() if n > 0)
    total = sum(n for _, n in items)
    if not total:
        return None
    pos = (total - 1) * q / 100
    lo_index = int(pos)
    lo_value = hi_value = None
    seen = 0
    for value, n in items:
        if lo_value is None and lo_index < seen + n:
            lo_value = value
        if lo_index + 1 < seen + n:
            hi_value = value
            break
        seen += n
    if hi_value is None:
        hi_value = lo_value
    return lo_value + (hi_value - lo_value) * (pos - lo_index)
