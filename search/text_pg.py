"""The PostgreSQL backend: jieba-segmented columns, a generated GIN-indexed tsvector.

Segmentation happens in Python (PostgreSQL has no Chinese parser); PostgreSQL then only
splits the space-joined words with the 'simple' config. Fields are told apart by weight:
title A, body B, pinyin C, character bigrams D, so `'牡丹':AB` never matches a bigram.
pg_trgm is not used: two-character words would force sequential scans.
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
REGNO_BONUS = 100
FACET_COLUMNS = {
    "category": "category",
    "technique": "technique",
    "year": "year",
    "owner": "owner_id",
}


def row_for(doc: dict) -> tuple:
    """Return the table row for a document (see search.text.document_for)."""
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
    return (
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
        if scope.owner_id is not None:
            where.append("(status = 'registered' OR owner_id = %s)")
            params.append(scope.owner_id)
        else:
            where.append("status = 'registered'")
    for name in FACETS:
        value = getattr(filters, name)
        if value not in (None, ""):
            where.append(f"{FACET_COLUMNS[name]} = %s")
            params.append(int(value) if name in ("year", "owner") else value)
    return where, params


def _batched(items: Iterable, size: int):
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class PostgresBackend:
    name = "postgres"

    def __init__(self, table: str = "search_textdocument"):
        self.table = table

    def update(self, docs: Iterable[dict], *, delete: Iterable[int] = ()) -> None:
        rows = [row_for(doc) for doc in docs]
        delete = [int(pk) for pk in delete]
        names = ", ".join(COLUMNS)
        marks = ", ".join(["%s"] * len(COLUMNS))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
        with transaction.atomic(), connection.cursor() as cursor:
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

    def rebuild(
        self, docs: Iterable[dict], *, progress: Callable[[int], None] | None = None
    ) -> int:
        """Replace every row in one transaction: searches see the old rows until commit."""
        count = 0
        sql = f"COPY {self.table} ({', '.join(COLUMNS)}) FROM STDIN"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")
            # The documents come from queries on this same connection, which cannot run
            # while a COPY is open: copy a batch at a time.
            for batch in _batched(docs, 2000):
                rows = [row_for(doc) for doc in batch]
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                count += len(rows)
                if progress:
                    progress(len(rows))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.table}")
        return count

    def analysis_current(self) -> bool:
        # Rows carry no fingerprint; rebuild_index after a dictionary change.
        return True

    def indexed(self) -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT design_id, updated FROM {self.table}")
            return dict(cursor.fetchall())

    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [self.table])
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
                cursor.execute(
                    "SELECT GROUPING(category), GROUPING(technique), GROUPING(year), "
                    "GROUPING(owner_id), category, technique, year, owner_id, COUNT(*) "
                    f"FROM {self.table} WHERE {where_sql} GROUP BY GROUPING SETS "
                    "((), (category), (technique), (year), (owner_id))",
                    params,
                )
                total = 0
                counts = {name: {} for name in FACETS}
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
            else:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {self.table} WHERE {where_sql}", params
                )
                total = cursor.fetchone()[0]
        return RawResults(total=total, hits=hits, facets=counts)
