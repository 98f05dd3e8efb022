"""The PostgreSQL backend: jieba-segmented columns, a generated GIN-indexed tsvector.

Segmentation happens in Python (PostgreSQL has no Chinese parser); PostgreSQL then only
splits the space-joined words with the 'simple' config. Fields are told apart by weight:
title A, body B, pinyin C, character bigrams D, so `'牡丹':AB` never matches a bigram.
pg_trgm is not used: two-character words would force sequential scans.

Word queries (the usual case) are answered from TextPosting rows instead: one narrow row
per (word, design) with the word's ts_rank in that design precomputed, so a common
word's exact total and top 20 come from an index-only scan, and an AND of words from a
merge join of such scans, without reading the wide document rows (see
docs/benchmarks.md). The tsvector answers the rest: bigram phrases of the segmentation
fallback and the empty query's listing.
"""

import itertools
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from search import analysis
from search.text import FACETS, Filters, QueryPlan, QueryWord, RawResults, Scope

COLUMNS = (
    "design_id",
    "regno",
    "title_words",
    "body_words",
    "pinyin_words",
    "bigram_words",
    "status",
    "owner_id",
    "category",
    "technique",
    "year",
    "updated",
)
# ts_rank weights for {D, C, B, A}: a bigram-only match ranks well below a word match.
RANK_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
TITLE_WEIGHT, BODY_WEIGHT, PINYIN_WEIGHT = 1.0, 0.4, 0.2
REGNO_BONUS = 100
# Postings store a word's ts_rank in a design as a smallint of these units (it is < 1).
IMPACT_SCALE = 10_000
# Longer words are cut to this, in postings and in queries alike (btree entries are
# limited in size).
MAX_TERM = 100
# pg_advisory_xact_lock(class, design) serialises index writes per design.
ADVISORY_LOCK_CLASS = 4004
FACET_COLUMNS = {
    "category": "category",
    "technique": "technique",
    "year": "year",
    "owner": "owner_id",
}


def rows_for(doc: dict) -> tuple[tuple, list[tuple]]:
    """Return a document's table row and its posting rows (see search.text.document_for)."""
    both = f"{doc['title']}\n{doc['body']}"
    grams = " x ".join(
        " ".join(analysis.bigrams(run)) for run in analysis.cjk_runs(both)
    )
    # " x " is a filler word between runs: it takes a position, so a phrase of bigrams
    # cannot match across punctuation, as in Whoosh.
    title = analysis.index_tokens(doc["title"])
    body = analysis.index_tokens(doc["body"])
    # The same tokens as PinyinAnalyzer gives Whoosh for title + body, segmented once.
    pinyin = [analysis.pinyin_of(w) for w in title + body if analysis.has_cjk(w)]
    row = (
        doc["pk"],
        doc["regno"],
        " ".join(title),
        " ".join(body),
        " ".join(pinyin),
        grams,
        doc["status"],
        doc["owner"],
        doc["category"],
        doc["technique"],
        doc["year"],
        doc["updated"],
    )
    return row, postings_for(doc, title, body)


def postings_for(doc: dict, title: list[str], body: list[str]) -> list[tuple]:
    """Return (term, design_id, impact, public) for each distinct word of the design."""
    weights: dict[str, list[float]] = {}
    # Title words come first in the tsvector, then body words: the same order here.
    for token in title:
        weights.setdefault(token[:MAX_TERM], []).append(TITLE_WEIGHT)
    for token in body:
        weights.setdefault(token[:MAX_TERM], []).append(BODY_WEIGHT)
    public = doc["status"] == "registered"
    return [(term, doc["pk"], impact(w), public) for term, w in weights.items()]


def impact(weights: list[float]) -> int:
    """Return ts_rank of a one-word query over its occurrences' weights, scaled."""
    # PostgreSQL's calc_rank_or for one operand: the best weight counts fully, the
    # others fade with 1/position², normalised by the series' limit π²/6.
    best = max(weights)
    first_best = weights.index(best)
    faded = sum(w / (j + 1) ** 2 for j, w in enumerate(weights))
    rank = (best + faded - best / (first_best + 1) ** 2) / 1.64493406685
    return min(32767, round(rank * IMPACT_SCALE))


def count_terms(
    counts: dict[str, list[int]], postings: Iterable[tuple], sign: int = 1
) -> None:
    """Add (or with sign=-1 remove) the postings to per-term [designs, public] counts."""
    for posting in postings:
        term, public = posting[0], posting[-1]
        pair = counts.setdefault(term, [0, 0])
        pair[0] += sign
        pair[1] += sign if public else 0


def _term_rows(counts: dict[str, list[int]]) -> list[tuple]:
    # Sorted, so that concurrent updates lock the counter rows in one order.
    return [
        (term, analysis.pinyin_of(term) if analysis.has_cjk(term) else "", n, public)
        for term, (n, public) in sorted(counts.items())
        if n or public
    ]


# --- query compilation -------------------------------------------------------------------


def _lexeme(text: str, weights: str, *, prefix: bool = False) -> str:
    quoted = text.replace("\\", "\\\\").replace("'", "''")
    return f"'{quoted}':{'*' if prefix else ''}{weights}"


def _bigram_query(word: QueryWord) -> str | None:
    phrases = []
    for grams in word.bigram_phrases:
        if len(grams) > 1:
            phrases.append("(" + " <-> ".join(_lexeme(g, "D") for g in grams) + ")")
        else:
            phrases.append(_lexeme(grams[0], "D", prefix=len(grams[0]) == 1))
    return "(" + " & ".join(phrases) + ")" if phrases else None


def _word_query(word: QueryWord, *, fallback: bool) -> str:
    options = []
    if word.tokens:
        options.append("(" + " & ".join(_lexeme(t, "AB") for t in word.tokens) + ")")
    if word.pinyin:
        options.append(_lexeme(word.pinyin, "C"))
    if fallback and (bigram := _bigram_query(word)):
        options.append(bigram)
    return "(" + " | ".join(options) + ")"


def compile_tsquery(plan: QueryPlan, *, fallback: bool = False) -> str:
    """Return to_tsquery text equivalent to search.index.compile_query (minus regno)."""
    options = []
    if plan.words:
        options.append(
            " & ".join(_word_query(w, fallback=fallback) for w in plan.words)
        )
    if plan.joined_pinyin:
        options.append(_lexeme(plan.joined_pinyin, "C"))
    return " | ".join(f"({o})" for o in options)


def _where(
    plan: QueryPlan, tsquery: str, scope: Scope, filters: Filters
) -> tuple[list[str], list]:
    where, params = [], []
    if not plan.is_empty:
        if tsquery:
            where.append("(document @@ to_tsquery('simple', %s) OR regno = %s)")
            params += [tsquery, plan.regno]
        else:
            where.append("regno = %s")
            params.append(plan.regno)
    if not scope.everything:
        scope_sql, scope_params = _document_scope(scope)
        where.append(scope_sql)
        params += scope_params
    facet_where, facet_params = _facet_filters(filters)
    return where + facet_where, params + facet_params


def _document_scope(scope: Scope) -> tuple[str, list]:
    if scope.owner_id is not None:
        return "(status = 'registered' OR owner_id = %s)", [scope.owner_id]
    return "status = 'registered'", []


def _facet_filters(filters: Filters, alias: str = "") -> tuple[list[str], list]:
    where, params = [], []
    for name in FACETS:
        value = getattr(filters, name)
        if value not in (None, ""):
            where.append(f"{alias}{FACET_COLUMNS[name]} = %s")
            params.append(int(value) if name in ("year", "owner") else value)
    return where, params


# Each part below is SQL yielding (design_id, s): the matching designs and their score
# in impact units. Words AND by joining parts on design_id, alternatives OR by a sum.
Part = tuple[str, list]
NOTHING: Part = ("SELECT NULL::bigint AS design_id, 0 AS s WHERE FALSE", [])


def _all_of(parts: list[Part]) -> Part:
    if not parts:
        return NOTHING
    if len(parts) == 1:
        return parts[0]
    score = " + ".join(f"t{i}.s" for i in range(len(parts)))
    sql = f"SELECT t0.design_id, {score} AS s FROM ({parts[0][0]}) t0"
    for i, (part, _params) in enumerate(parts[1:], start=1):
        sql += f" JOIN ({part}) t{i} ON t{i}.design_id = t0.design_id"
    return sql, [p for _sql, params in parts for p in params]


def _any_of(parts: list[Part]) -> Part:
    if not parts:
        return NOTHING
    if len(parts) == 1:
        return parts[0]
    union = " UNION ALL ".join(f"({sql})" for sql, _params in parts)
    sql = f"SELECT design_id, sum(s) AS s FROM ({union}) u GROUP BY design_id"
    return sql, [p for _sql, params in parts for p in params]


def batched(items: Iterable, size: int):
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class PostgresBackend:
    name = "postgres"

    def __init__(
        self,
        table: str = "search_textdocument",
        postings: str = "search_textposting",
        terms: str = "search_textterm",
    ):
        self.table = table
        self.postings = postings
        self.terms = terms

    # -- writing --

    def update(self, docs: Iterable[dict], *, delete: Iterable[int] = ()) -> None:
        both = [rows_for(doc) for doc in docs]
        rows = [row for row, _postings in both]
        postings = [p for _row, doc_postings in both for p in doc_postings]
        delete = [int(pk) for pk in delete]
        names = ", ".join(COLUMNS)
        marks = ", ".join(["%s"] * len(COLUMNS))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
        stale = sorted(set(delete) | {row[0] for row in rows})
        # One transaction: a search sees a design's document, postings and counts all
        # old or all new.
        with transaction.atomic(), connection.cursor() as cursor:
            # Two syncs of one design must not both replace its postings at once.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) "
                "FROM (SELECT unnest(%s::bigint[]) AS id ORDER BY 1) ids",
                [ADVISORY_LOCK_CLASS, stale],
            )
            cursor.execute(
                f"DELETE FROM {self.postings} WHERE design_id = ANY(%s) "
                "RETURNING term, public",
                [stale],
            )
            counts: dict[str, list[int]] = {}
            count_terms(counts, cursor.fetchall(), sign=-1)
            count_terms(counts, postings)
            if delete:
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE design_id = ANY(%s)", [delete]
                )
            if rows:
                cursor.executemany(
                    f"INSERT INTO {self.table} ({names}) VALUES ({marks}) "
                    f"ON CONFLICT (design_id) DO UPDATE SET {updates}",
                    rows,
                )
            self.copy_postings(cursor, postings)
            cursor.executemany(
                f"INSERT INTO {self.terms} AS t (term, pinyin, designs, public_designs) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (term) DO UPDATE SET "
                "designs = t.designs + EXCLUDED.designs, "
                "public_designs = t.public_designs + EXCLUDED.public_designs",
                _term_rows(counts),
            )

    def copy_rows(self, cursor, rows: list[tuple]) -> None:
        with cursor.cursor.copy(
            f"COPY {self.table} ({', '.join(COLUMNS)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)

    def copy_postings(self, cursor, postings: list[tuple]) -> None:
        if not postings:
            return
        sql = f"COPY {self.postings} (term, design_id, impact, public) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for posting in postings:
                copy.write_row(posting)

    def copy_terms(self, cursor, counts: dict[str, list[int]]) -> None:
        sql = f"COPY {self.terms} (term, pinyin, designs, public_designs) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in _term_rows(counts):
                copy.write_row(row)

    def rebuild(
        self, docs: Iterable[dict], *, progress: Callable[[int], None] | None = None
    ) -> int:
        """Replace every row in one transaction: searches see the old rows until commit."""
        count = 0
        counts: dict[str, list[int]] = {}
        with transaction.atomic(), connection.cursor() as cursor:
            for table in (self.postings, self.terms, self.table):
                cursor.execute(f"DELETE FROM {table}")
            # The documents come from queries on this same connection, which cannot run
            # while a COPY is open: copy a batch at a time.
            for batch in batched(docs, 2000):
                both = [rows_for(doc) for doc in batch]
                postings = [p for _row, doc_postings in both for p in doc_postings]
                self.copy_rows(cursor, [row for row, _postings in both])
                self.copy_postings(cursor, postings)
                count_terms(counts, postings)
                count += len(both)
                if progress:
                    progress(len(both))
            self.copy_terms(cursor, counts)
        with connection.cursor() as cursor:
            for table in (self.table, self.postings, self.terms):
                cursor.execute(f"ANALYZE {table}")
        return count

    # -- reading --

    def analysis_current(self) -> bool:
        """Return False when documents have no postings (migrated from before them)."""
        # Rows carry no dictionary fingerprint; rebuild_index after a dictionary change.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {self.table}), "
                f"EXISTS (SELECT 1 FROM {self.postings})"
            )
            documents, postings = cursor.fetchone()
        return postings or not documents

    def indexed(self) -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT design_id, updated FROM {self.table}")
            return dict(cursor.fetchall())

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_total_relation_size(%s) + pg_total_relation_size(%s) "
                "+ pg_total_relation_size(%s)",
                [self.table, self.postings, self.terms],
            )
            return cursor.fetchone()[0]

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
        if not plan.is_empty and not fallback:
            return self._run_postings(plan, scope, filters, offset, limit, facets)
        # The empty query's listing and the bigram fallback: the documents' tsvector.
        tsquery = compile_tsquery(plan, fallback=fallback) if not plan.is_empty else ""
        where, params = _where(plan, tsquery, scope, filters)
        where_sql = " AND ".join(where) or "TRUE"
        if tsquery:
            score = (
                f"ts_rank('{RANK_WEIGHTS}', document, to_tsquery('simple', %s))"
                f" + CASE WHEN regno = %s THEN {REGNO_BONUS} ELSE 0 END"
            )
            score_params = [tsquery, plan.regno]
        else:
            score, score_params = "0", []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT design_id, {score} AS score FROM {self.table} WHERE {where_sql} "
                "ORDER BY score DESC, design_id DESC LIMIT %s OFFSET %s",
                score_params + params + [limit, offset],
            )
            hits = [(pk, float(s)) for pk, s in cursor.fetchall()]
            counts: dict[str, dict[str, int]] = {}
            if facets:
                total, counts = _facet_counts(
                    cursor, f"{self.table} WHERE {where_sql}", params
                )
            else:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {self.table} WHERE {where_sql}", params
                )
                total = cursor.fetchone()[0]
        return RawResults(total=total, hits=hits, facets=counts)

    # -- word queries: postings --

    def _own_drafts(self) -> str:
        """Return SQL for the ids of one owner's unregistered designs (param: owner)."""
        # Served by the partial index search_textdoc_owner_drafts.
        return (
            f"SELECT design_id FROM {self.table} "
            "WHERE owner_id = %s AND status <> 'registered'"
        )

    def _visible(self, scope: Scope) -> Part:
        """Return the condition on a posting that its design may be shown."""
        if scope.everything:
            return "", []
        if scope.owner_id is not None:
            drafts = self._own_drafts()
            return f" AND (public OR design_id IN ({drafts}))", [scope.owner_id]
        return " AND public", []

    def _lookups(self, plan: QueryPlan, scope: Scope) -> tuple[dict, list[int]]:
        """Return the Chinese words of each pinyin in the plan, and regno matches."""
        pinyins = [w.pinyin for w in plan.words if w.pinyin] + [plan.joined_pinyin]
        pinyins = sorted({p for p in pinyins if p})
        words: dict[str, list[str]] = {}
        regno_ids: list[int] = []
        with connection.cursor() as cursor:
            if pinyins:
                cursor.execute(
                    f"SELECT pinyin, term FROM {self.terms} "
                    "WHERE pinyin = ANY(%s) AND pinyin <> '' ORDER BY term",
                    [pinyins],
                )
                for pinyin, term in cursor:
                    words.setdefault(pinyin, []).append(term)
            if plan.regno:
                where, params = "regno = %s", [plan.regno]
                if not scope.everything:
                    scope_sql, scope_params = _document_scope(scope)
                    where, params = f"{where} AND {scope_sql}", params + scope_params
                cursor.execute(
                    f"SELECT design_id FROM {self.table} WHERE {where}", params
                )
                regno_ids = [pk for (pk,) in cursor]
        return words, regno_ids

    def _match(self, plan: QueryPlan, scope: Scope, words, regno_ids) -> Part:
        """Return SQL yielding (design_id, s) for every design the plan matches."""
        visible, visible_params = self._visible(scope)

        def term(text: str) -> Part:
            sql = (
                f"SELECT design_id, impact AS s FROM {self.postings} "
                f"WHERE term = %s{visible}"
            )
            return sql, [text[:MAX_TERM], *visible_params]

        def pinyin(text: str) -> list[Part]:
            if text not in words:
                return []
            # Any Chinese word with this pinyin; a design may have several of them.
            sql = (
                f"SELECT design_id, max(impact) * {PINYIN_WEIGHT} AS s "
                f"FROM {self.postings} WHERE term = ANY(%s){visible} GROUP BY design_id"
            )
            return [(sql, [words[text], *visible_params])]

        parts = []
        for word in plan.words:
            options = pinyin(word.pinyin) if word.pinyin else []
            if word.tokens:
                tokens = dict.fromkeys(t[:MAX_TERM] for t in word.tokens)
                options.insert(0, _all_of([term(t) for t in tokens]))
            parts.append(_any_of(options))
        options = [_all_of(parts)] if parts else []
        if plan.joined_pinyin:
            options += pinyin(plan.joined_pinyin)
        if regno_ids:
            bonus = REGNO_BONUS * IMPACT_SCALE
            options.append(
                (f"SELECT unnest(%s::bigint[]) AS design_id, {bonus} AS s", [regno_ids])
            )
        return _any_of(options)

    def _single_term(self, plan: QueryPlan, words, regno_ids) -> str | None:
        """Return the one word the whole plan comes down to, if it does."""
        if len(plan.words) != 1 or regno_ids or plan.joined_pinyin in words:
            return None
        word = plan.words[0]
        tokens = {t[:MAX_TERM] for t in word.tokens}
        if len(tokens) != 1 or word.pinyin in words:
            return None
        return tokens.pop()

    def _count_term(self, cursor, term: str, scope: Scope) -> int:
        """Return how many designs in scope have the word: a counter, not a scan."""
        column = "designs" if scope.everything else "public_designs"
        cursor.execute(f"SELECT {column} FROM {self.terms} WHERE term = %s", [term])
        row = cursor.fetchone()
        total = row[0] if row else 0
        if scope.owner_id is not None and not scope.everything:
            cursor.execute(
                f"SELECT count(*) FROM {self.postings} "
                f"WHERE design_id IN ({self._own_drafts()}) AND term = %s AND NOT public",
                [scope.owner_id, term],
            )
            total += cursor.fetchone()[0]
        return total

    def _run_postings(
        self,
        plan: QueryPlan,
        scope: Scope,
        filters: Filters,
        offset: int,
        limit: int,
        facets: bool,
    ) -> RawResults:
        words, regno_ids = self._lookups(plan, scope)
        facet_where, facet_params = _facet_filters(filters, alias="d.")
        single = None if facet_where else self._single_term(plan, words, regno_ids)
        match, params = self._match(plan, scope, words, regno_ids)
        if facet_where:
            # Filters read the matching documents' rows: fine for narrowed results,
            # as slow as before for a whole common word.
            match = (
                f"SELECT m.design_id, m.s FROM ({match}) m JOIN {self.table} d "
                "ON d.design_id = m.design_id WHERE " + " AND ".join(facet_where)
            )
            params = params + facet_params
        with connection.cursor() as cursor:
            if single is not None:
                # One word: its postings in rank order are the index order, read
                # backwards, and the total is a counter.
                cursor.execute(
                    f"SELECT design_id, s::float8 / {IMPACT_SCALE} FROM ({match}) m "
                    "ORDER BY s DESC, design_id DESC LIMIT %s OFFSET %s",
                    params + [limit, offset],
                )
                hits = cursor.fetchall()
                total = self._count_term(cursor, single, scope)
            else:
                cursor.execute(
                    f"SELECT design_id, s::float8 / {IMPACT_SCALE}, count(*) OVER () "
                    f"FROM ({match}) m ORDER BY s DESC, design_id DESC "
                    "LIMIT %s OFFSET %s",
                    params + [limit, offset],
                )
                rows = cursor.fetchall()
                hits = [(pk, score) for pk, score, _total in rows]
                if rows:
                    total = rows[0][2]
                elif offset:  # past the end: count without a page
                    cursor.execute(f"SELECT count(*) FROM ({match}) m", params)
                    total = cursor.fetchone()[0]
                else:
                    total = 0
            counts = {}
            if facets:
                total, counts = _facet_counts(
                    cursor,
                    f"({match}) m JOIN {self.table} d ON d.design_id = m.design_id",
                    params,
                )
        return RawResults(total=total, hits=hits, facets=counts)


def _facet_counts(cursor, source: str, params: list) -> tuple[int, dict]:
    """Return the total and per-facet counts of the rows `FROM source` yields."""
    cursor.execute(
        "SELECT GROUPING(category), GROUPING(technique), GROUPING(year), "
        "GROUPING(owner_id), category, technique, year, owner_id, COUNT(*) "
        f"FROM {source} GROUP BY GROUPING SETS "
        "((), (category), (technique), (year), (owner_id))",
        params,
    )
    total = 0
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for g_cat, g_tech, g_year, g_owner, cat, tech, year, owner, n in cursor:
        if g_cat and g_tech and g_year and g_owner:
            total = n
        elif not g_cat:
            counts["category"][cat] = n
        elif not g_tech:
            counts["technique"][tech] = n
        elif not g_year:
            if year is not None:
                counts["year"][str(year)] = n
        elif owner is not None:
            counts["owner"][str(owner)] = n
    return total, counts
