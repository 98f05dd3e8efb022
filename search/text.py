"""Backend-neutral pieces of text search: documents, query plans, highlighting, sync.

A design becomes one flat document (the same dict for Whoosh and PostgreSQL); a query
becomes a QueryPlan that each backend compiles to its own query language, so both
backends answer the same question.
"""

import html
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from search import analysis

logger = logging.getLogger("ipcenter.search")

# Below this many hits from the word fields, the character-bigram fallback joins in.
FALLBACK_BELOW = 5
MAX_QUERY_WORDS = 10
MAX_QUERY_CHARS = 200
FACETS = ("category", "technique", "year", "owner")


# --- documents -------------------------------------------------------------------------


def _labels(design, name: str) -> str:
    # Index the English and the Chinese label, so "bedding set" and 四件套 both hit.
    labels = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            labels.append(str(getattr(design, f"get_{name}_display")()))
    return " ".join(dict.fromkeys(labels))


def normalize_regno(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).lower()


def document_for(design) -> dict:
    """Flatten a design (with its owner loaded) into the document both backends index."""
    owner = design.owner
    body = "\n".join(
        part
        for part in (
            design.description,
            _labels(design, "category"),
            _labels(design, "technique"),
            design.authors,
            design.copyright_holder,
            owner.shop_name,
            design.registration_no or "",
        )
        if part
    )
    return {
        "pk": design.pk,
        "regno": normalize_regno(design.registration_no or ""),
        "title": design.title,
        "body": body,
        "status": design.status,
        "owner": design.owner_id,
        "category": design.category,
        "technique": design.technique,
        "year": design.registered_on.year if design.registered_on else None,
        "updated": design.updated_at.isoformat() if design.updated_at else "",
    }


# --- queries ---------------------------------------------------------------------------


@dataclass
class QueryWord:
    text: str
    tokens: list[str]
    pinyin: str | None
    runs: list[str]

    @property
    def bigram_phrases(self) -> list[list[str]]:
        return [analysis.bigrams(run) for run in self.runs]


@dataclass
class QueryPlan:
    raw: str
    words: list[QueryWord] = field(default_factory=list)
    joined_pinyin: str | None = None
    regno: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.regno

    @property
    def can_fall_back(self) -> bool:
        return any(w.runs for w in self.words)


def build_plan(query: str) -> QueryPlan:
    """Normalise a query the way documents were: every word must match (AND)."""
    raw = (query or "").strip()[:MAX_QUERY_CHARS]
    normalized = analysis.normalize(raw)
    words = []
    for part in normalized.split()[:MAX_QUERY_WORDS]:
        tokens = [t for t in analysis.query_tokens(part) if t]
        runs = analysis.cjk_runs(part, normalized=True)
        if not tokens and not runs:
            continue  # a stop word or punctuation alone
        pinyin = part if analysis.is_ascii_word(part) else None
        words.append(QueryWord(part, tokens, pinyin, runs))
    parts = normalized.split()
    joined = None
    if len(parts) > 1 and all(analysis.is_ascii_word(p) for p in parts):
        joined = "".join(parts)  # "mu dan" → mudan
    return QueryPlan(
        raw=raw, words=words, joined_pinyin=joined, regno=normalize_regno(raw)
    )


# --- who sees what ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which documents a searcher may see: the public sees registered designs only."""

    everything: bool = False
    owner_id: int | None = None


PUBLIC = Scope()


def scope_for(user) -> Scope:
    from accounts.roles import is_staff_member

    if user is None or not user.is_authenticated:
        return PUBLIC
    if is_staff_member(user) or user.is_superuser:
        return Scope(everything=True)
    return Scope(owner_id=user.pk)


@dataclass
class Filters:
    category: str | None = None
    technique: str | None = None
    year: int | None = None
    owner: int | None = None


@dataclass
class RawResults:
    total: int
    hits: list[tuple[int, float]]
    facets: dict[str, dict[str, int]]
    fallback: bool = False


# --- backends --------------------------------------------------------------------------

_backends: dict[tuple, object] = {}


def get_backend(name: str | None = None):
    """Return this process's backend object (one Whoosh index handle per index folder)."""
    name = name or settings.SEARCH_BACKEND
    if name == "whoosh":
        from search.index import WhooshBackend

        key = ("whoosh", str(settings.SEARCH_INDEX_DIR))
        if key not in _backends:
            _backends[key] = WhooshBackend(settings.SEARCH_INDEX_DIR)
        return _backends[key]
    if name == "postgres":
        from search.text_pg import PostgresBackend

        return _backends.setdefault(("postgres",), PostgresBackend())
    raise ValueError(f"Unknown search backend {name!r}")


def run_search(
    backend,
    plan: QueryPlan,
    *,
    scope: Scope,
    filters: Filters,
    offset: int = 0,
    limit: int = 20,
    facets: bool = True,
) -> RawResults:
    """Search the word fields; add the bigram fallback when they find little."""
    kwargs = dict(
        scope=scope, filters=filters, offset=offset, limit=limit, facets=facets
    )
    results = backend.run(plan, fallback=False, **kwargs)
    if results.total < FALLBACK_BELOW and plan.can_fall_back:
        wider = backend.run(plan, fallback=True, **kwargs)
        if wider.total > results.total:
            wider.fallback = True
            return wider
    return results


def designs_to_documents(pks: Iterable[int]) -> tuple[list[dict], set[int]]:
    """Load designs by pk; return their documents and the pks that no longer exist."""
    from designs.models import FabricDesign

    wanted = set(pks)
    found = FabricDesign.objects.filter(pk__in=wanted).select_related("owner")
    docs = [document_for(design) for design in found]
    return docs, wanted - {doc["pk"] for doc in docs}


def sync_designs(pks: Iterable[int]) -> None:
    """Bring the index up to date for these designs; never raises (the DB is the truth)."""
    pks = set(pks)
    if not pks:
        return
    try:
        docs, gone = designs_to_documents(pks)
        get_backend().update(docs, delete=gone)
    except Exception:
        # The database write has committed; the next reconcile_index repairs the index.
        logger.exception(
            "Could not update the search index for designs %s", sorted(pks)
        )


def all_documents(batch: int = 1000):
    """Yield the document of every design, in pk order, a batch at a time."""
    from designs.models import FabricDesign

    last = 0
    while True:
        chunk = list(
            FabricDesign.objects.filter(pk__gt=last)
            .select_related("owner")
            .order_by("pk")[:batch]
        )
        if not chunk:
            return
        for design in chunk:
            yield document_for(design)
        last = chunk[-1].pk


# --- highlighting ----------------------------------------------------------------------


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise text keeping, for each normalised character, its original index."""
    pieces, owners = [], []
    for i, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char)
        pieces.append(folded)
        owners.extend([i] * len(folded))
    nfkc = "".join(pieces)
    converted = analysis.normalize(nfkc)
    if len(converted) != len(nfkc):
        # A rare many-to-one conversion: convert character by character instead.
        converted = "".join(analysis.normalize(c) or c for c in nfkc)
        if len(converted) != len(nfkc):
            converted = nfkc.lower()
    return converted, owners


def _needles(plan: QueryPlan) -> tuple[set[str], set[str]]:
    texts, pinyins = set(), set()
    for word in plan.words:
        texts.update(t for t in word.tokens if t)
        texts.update(word.runs)
        if word.pinyin:
            pinyins.add(word.pinyin)
    if plan.joined_pinyin:
        pinyins.add(plan.joined_pinyin)
    return texts, pinyins


def _spans(text: str, plan: QueryPlan) -> list[tuple[int, int]]:
    """Character ranges of the original text that matched the query."""
    if not text or plan.is_empty:
        return []
    normalized, owners = _normalized_with_map(text)
    texts, pinyins = _needles(plan)
    if plan.regno:
        texts.add(plan.regno)
    found = []
    for needle in texts:
        start = normalized.find(needle)
        while needle and start != -1:
            found.append((start, start + len(needle)))
            start = normalized.find(needle, start + len(needle))
    if pinyins and analysis.has_cjk(normalized):
        for word in analysis.segment(normalized, normalized=True):
            if analysis.has_cjk(word.text) and analysis.pinyin_of(word.text) in pinyins:
                found.append((word.start, word.end))
    merged: list[list[int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    # Map back to the original characters.
    return [(owners[s], owners[e - 1] + 1) for s, e in merged if e > s]


def _render(
    text: str, spans: list[tuple[int, int]], lo: int = 0, hi: int | None = None
) -> str:
    hi = len(text) if hi is None else hi
    out, cursor = [], lo
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:hi]))
    return "".join(out)


def highlight(text: str, plan: QueryPlan) -> SafeString:
    """Return the whole text, escaped, with the matched words in <mark>."""
    return mark_safe(_render(text, _spans(text, plan)))


def snippet(text: str, plan: QueryPlan, width: int = 80) -> SafeString:
    """Return a window of the text around its first match, escaped and marked."""
    text = " ".join((text or "").split())
    spans = _spans(text, plan)
    if not spans:
        short = text[:width]
        return mark_safe(html.escape(short) + ("…" if len(text) > width else ""))
    first = spans[0][0]
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    lo = max(0, hi - width)
    body = _render(text, spans, lo, hi)
    return mark_safe(("…" if lo > 0 else "") + body + ("…" if hi < len(text) else ""))


# --- maintenance -------------------------------------------------------------------------


def rebuild(backend, *, progress=None) -> int:
    """Rebuild the backend from the database; return how many designs it now holds."""
    from datetime import timedelta

    from django.utils import timezone

    from designs.models import FabricDesign

    started = timezone.now()
    count = backend.rebuild(all_documents(), progress=progress)
    # Writes that landed while we were building went to the old index: redo them.
    changed = FabricDesign.objects.filter(
        updated_at__gte=started - timedelta(seconds=1)
    )
    _update_in_batches(backend, list(changed.values_list("pk", flat=True)))
    return count


def _update_in_batches(backend, pks: list[int], size: int = 500) -> None:
    for i in range(0, len(pks), size):
        docs, gone = designs_to_documents(pks[i : i + size])
        backend.update(docs, delete=gone)


def reconcile(backend) -> dict[str, int]:
    """Repair the index against the database: add, refresh and drop what differs."""
    from designs.models import FabricDesign

    if not backend.analysis_current():
        return {"rebuilt": rebuild(backend), "added": 0, "refreshed": 0, "removed": 0}
    in_db = {
        pk: updated.isoformat()
        for pk, updated in FabricDesign.objects.values_list(
            "pk", "updated_at"
        ).iterator()
    }
    indexed = backend.indexed()
    added = sorted(in_db.keys() - indexed.keys())
    refreshed = sorted(
        pk for pk in in_db.keys() & indexed.keys() if in_db[pk] != indexed[pk]
    )
    removed = sorted(indexed.keys() - in_db.keys())
    if removed:
        backend.update([], delete=removed)
    _update_in_batches(backend, added + refreshed)
    return {
        "rebuilt": 0,
        "added": len(added),
        "refreshed": len(refreshed),
        "removed": len(removed),
    }
