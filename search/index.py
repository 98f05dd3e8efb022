"""The Whoosh backend: schema, one index handle and searcher per process, guarded writes.

Layout under SEARCH_INDEX_DIR: one folder per build ("generation") and a CURRENT file
naming the live one. rebuild_index builds a new generation beside the live one and
switches CURRENT atomically, so searches never see a half-built index; each process
notices the switch on its next search.
"""

import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import sorting
from whoosh.fields import ID, STORED, TEXT, Schema

from search import analysis
from search.text import FACETS, Filters, QueryPlan, QueryWord, RawResults, Scope

logger = logging.getLogger("ipcenter.search")

TITLE_BOOST = 3.0
REGNO_BOOST = 50.0
CURRENT = "CURRENT"
ANALYSIS = "ANALYSIS"


def make_schema() -> Schema:
    words = analysis.ChineseAnalyzer()
    return Schema(
        pk=ID(stored=True, unique=True),
        regno=ID,
        title=TEXT(analyzer=words, phrase=False),
        body=TEXT(analyzer=words, phrase=False),
        pinyin=TEXT(analyzer=analysis.PinyinAnalyzer(), phrase=False),
        bigram=TEXT(analyzer=analysis.BigramAnalyzer(), phrase=True),
        status=ID,
        owner=ID(sortable=True),
        category=ID(sortable=True),
        technique=ID(sortable=True),
        year=ID(sortable=True),
        updated=STORED,
    )


def whoosh_fields(doc: dict) -> dict:
    both = f"{doc['title']}\n{doc['body']}"
    fields = {
        "pk": str(doc["pk"]),
        "title": doc["title"],
        "body": doc["body"],
        "pinyin": both,
        "bigram": both,
        "status": doc["status"],
        "owner": str(doc["owner"]),
        "category": doc["category"],
        "technique": doc["technique"],
        "updated": doc["updated"],
    }
    if doc["regno"]:
        fields["regno"] = doc["regno"]
    if doc["year"]:
        fields["year"] = str(doc["year"])
    return fields


# --- query compilation -------------------------------------------------------------------


def _bigram_query(word: QueryWord) -> Q.Query | None:
    phrases = []
    for grams in word.bigram_phrases:
        if len(grams) > 1:
            phrases.append(Q.Phrase("bigram", grams))
        elif len(grams[0]) == 1:
            phrases.append(Q.Prefix("bigram", grams[0]))  # a lone character
        else:
            phrases.append(Q.Term("bigram", grams[0]))
    if not phrases:
        return None
    return phrases[0] if len(phrases) == 1 else Q.And(phrases)


def _word_query(word: QueryWord, *, fallback: bool) -> Q.Query:
    options: list[Q.Query] = []
    if word.tokens:
        parts = [
            Q.Or([Q.Term("title", t, boost=TITLE_BOOST), Q.Term("body", t)])
            for t in word.tokens
        ]
        options.append(parts[0] if len(parts) == 1 else Q.And(parts))
    if word.pinyin:
        options.append(Q.Term("pinyin", word.pinyin))
    if fallback and (bigram := _bigram_query(word)) is not None:
        options.append(bigram)
    if not options:
        return Q.NullQuery
    return options[0] if len(options) == 1 else Q.Or(options)


def compile_query(plan: QueryPlan, *, fallback: bool = False) -> Q.Query:
    """Every query word must match (in some field); alternatives are OR-ed in."""
    if plan.is_empty:
        return Q.Every()
    options: list[Q.Query] = []
    if plan.words:
        words = [_word_query(w, fallback=fallback) for w in plan.words]
        options.append(words[0] if len(words) == 1 else Q.And(words))
    if plan.joined_pinyin:
        options.append(Q.Term("pinyin", plan.joined_pinyin))
    if plan.regno:
        options.append(Q.Term("regno", plan.regno, boost=REGNO_BOOST))
    return options[0] if len(options) == 1 else Q.Or(options)


def compile_filter(scope: Scope, filters: Filters) -> Q.Query | None:
    """Return the scope and facet choices as one query (the reference semantics)."""
    parts: list[Q.Query] = []
    if not scope.everything:
        public = Q.Term("status", "registered")
        if scope.owner_id is not None:
            parts.append(Q.Or([public, Q.Term("owner", str(scope.owner_id))]))
        else:
            parts.append(public)
    parts.extend(_facet_terms(filters))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


def _facet_terms(filters: Filters) -> list[Q.Query]:
    return [
        Q.Term(name, str(getattr(filters, name)))
        for name in FACETS
        if getattr(filters, name) not in (None, "")
    ]


# --- the backend -------------------------------------------------------------------------


class WhooshBackend:
    name = "whoosh"

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.RLock()
        self._generation: str | None = None
        self._index = None
        self._searcher = None
        self._warned_stale = False
        self._hidden_docs: tuple | None = None

    # -- opening --

    def _live_generation(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def _new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"gen-{time.time_ns()}-{os.getpid()}"
        path.mkdir()
        whoosh_index.create_in(str(path), make_schema())
        (path / ANALYSIS).write_text(analysis.fingerprint())
        return path

    def _publish(self, path: Path) -> None:
        tmp = self.root / f"{CURRENT}.{os.getpid()}.tmp"
        tmp.write_text(path.name)
        os.replace(
            tmp, self.root / CURRENT
        )  # atomic: readers see the old or the new name

    def index(self):
        """Open the live index (creating an empty one if there is none)."""
        with self._lock:
            generation = self._live_generation()
            if generation is None:
                logger.warning(
                    "No search index in %s; created an empty one.", self.root
                )
                path = self._new_generation()
                self._publish(path)
                generation = path.name
            if generation != self._generation:
                self._index = whoosh_index.open_dir(str(self.root / generation))
                self._generation = generation
                self._searcher = None
                self._warned_stale = False
                if not self.analysis_current() and not self._warned_stale:
                    self._warned_stale = True
                    logger.warning(
                        "The search index was built with another dictionary or analyzer; "
                        "run `python manage.py rebuild_index`."
                    )
            return self._index

    def analysis_current(self) -> bool:
        """Return whether the live index was built with today's dictionary and analyzer."""
        generation = self._live_generation()
        if generation is None:
            return False
        try:
            built_with = (self.root / generation / ANALYSIS).read_text().strip()
        except FileNotFoundError:
            return False
        return built_with == analysis.fingerprint()

    def searcher(self):
        """Return this process's searcher, refreshed if the index changed since last use."""
        ix = self.index()
        with self._lock:
            if self._searcher is None:
                self._searcher = ix.searcher()
            else:
                self._searcher = self._searcher.refresh()
            return self._searcher

    def _restrict(self, searcher, scope: Scope, filters: Filters) -> tuple:
        """Return (filter, mask) document-number sets for the scope and facets."""
        mask = None
        if not scope.everything:
            # Masking the few unregistered documents is much cheaper than filtering to
            # the many registered ones; the set is kept until the searcher changes.
            cached = self._hidden_docs
            if cached is None or cached[0] is not searcher:
                statuses = [_text(v) for v in searcher.lexicon("status")]
                hidden = Q.Or(
                    [Q.Term("status", v) for v in statuses if v != "registered"]
                )
                cached = self._hidden_docs = (
                    searcher,
                    set(searcher.docs_for_query(hidden)),
                )
            mask = cached[1]
            if scope.owner_id is not None:
                mask = mask - set(
                    searcher.docs_for_query(Q.Term("owner", str(scope.owner_id)))
                )
        allowed = None
        for term in _facet_terms(filters):
            docs = set(searcher.docs_for_query(term))
            allowed = docs if allowed is None else allowed & docs
        return allowed, mask

    @contextlib.contextmanager
    def _writer(self):
        # Whoosh allows one writer per index; wait at most the timeout for the lock
        # rather than queueing forever (AsyncWriter would drop writes if killed).
        writer = self.index().writer(timeout=settings.SEARCH_WRITER_TIMEOUT)
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        else:
            writer.commit()

    # -- writing --

    def update(self, docs: Iterable[dict], *, delete: Iterable[int] = ()) -> None:
        with self._writer() as writer:
            for pk in delete:
                writer.delete_by_term("pk", str(pk))
            for doc in docs:
                writer.update_document(**whoosh_fields(doc))

    def rebuild(
        self, docs: Iterable[dict], *, progress: Callable[[int], None] | None = None
    ) -> int:
        """Build a fresh index from the documents and make it live; return the count."""
        path = self._new_generation()
        ix = whoosh_index.open_dir(str(path))
        writer = ix.writer(limitmb=256)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**whoosh_fields(doc))
                count += 1
                if progress:
                    progress(1)
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        previous = self._live_generation()
        self._publish(path)
        self._remove_generations(keep={path.name, previous})
        return count

    def _remove_generations(self, keep: set) -> None:
        # The previous generation stays one more round: another process may still be
        # reading it until its next search notices CURRENT changed.
        for child in self.root.iterdir():
            if (
                child.is_dir()
                and child.name.startswith("gen-")
                and child.name not in keep
            ):
                shutil.rmtree(child, ignore_errors=True)

    # -- reading --

    def indexed(self) -> dict[int, str]:
        """Return {pk: updated} for every indexed document (for reconcile_index)."""
        searcher = self.searcher()
        return {
            int(f["pk"]): f.get("updated", "") for f in searcher.all_stored_fields()
        }

    def size_bytes(self) -> int:
        generation = self._live_generation()
        if generation is None:
            return 0
        return sum(
            p.stat().st_size for p in (self.root / generation).iterdir() if p.is_file()
        )

    def run(
        self,
        plan: QueryPlan,
        *,
        fallback: bool,
        scope: Scope,
        filters: Filters,
        offset: int,
        limit: int,
        facets: bool,
    ) -> RawResults:
        searcher = self.searcher()
        groupedby = (
            {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS}
            if facets
            else None
        )
        allowed, hidden = self._restrict(searcher, scope, filters)
        results = searcher.search(
            compile_query(plan, fallback=fallback),
            filter=allowed,
            mask=hidden,
            limit=max(offset + limit, 1),
            groupedby=groupedby,
        )
        hits = [
            (int(hit["pk"]), float(hit.score or 0.0))
            for hit in results[offset : offset + limit]
        ]
        counts = {}
        if facets:
            for name in FACETS:
                counts[name] = {
                    _text(value): n
                    for value, n in results.groups(name).items()
                    if value
                }
        return RawResults(total=len(results), hits=hits, facets=counts)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
