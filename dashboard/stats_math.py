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
