"""The texture embedding inside the engine: stored codes, the third shortlist, the rule."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from search import embedding, engine
from search import fingerprint as fp
from search import match_suite as suite

PATTERNS = Path(__file__).resolve().parent.parent / "data" / "patterns"


def rgb(name: str) -> np.ndarray:
    with Image.open(PATTERNS / name) as image:
        return np.asarray(image.convert("RGB"))


def image(array: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(array))


def test_registered_fingerprint_stores_three_embeddings_and_their_codes():
    f = fp.compute(image(rgb("hero-leaf.png")))
    e = f.embeddings()
    assert e.shape == (len(embedding.REGISTRY_SCALES), embedding.DIM)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1, atol=1e-2)  # float16
    assert f.vector[64:] == fp.embedding_code(e)
    assert len(f.vector) * 8 == fp.VECTOR_BITS == 512 + 3 * embedding.DIM
    # The stored bytes keep the embeddings (the database row holds no more).
    again = fp.Fingerprint.from_bytes(f.to_bytes())
    np.testing.assert_array_equal(again.embeddings(), e)
    # The three sizes see different things: they are not one embedding thrice.
    assert float(e[0] @ e[2]) < 0.99


def test_a_query_is_embedded_once_and_as_the_registry_does_at_1x():
    photo = suite.market_photo(rgb("hero-leaf.png"), np.random.default_rng(2))
    q = fp.compute_query(image(photo))
    (one,) = q.embeddings()
    assert len(q.vector) * 8 == fp.QUERY_VECTOR_BITS
    assert q.vector[64:] == fp.embedding_code(one)
    # A photo is not a seamless tile: the registry side embeds it unpadded at 1x too.
    registered = fp.compute(image(photo)).embeddings()
    np.testing.assert_allclose(registered[1], one, atol=2e-3)


def test_no_embedding_is_read_from_features_without_one():
    assert fp.Fingerprint(bytes(engine.CODE_BYTES), b"", 1, 1).embeddings().shape == (
        0,
        embedding.DIM,
    )


def registered_codes(bow_spectrum: bytes, embedded: np.ndarray) -> bytes:
    return bow_spectrum + fp.embedding_code(embedded)


def query_with(bow_spectrum: bytes, embedded: np.ndarray) -> fp.Fingerprint:
    return fp.Fingerprint(bow_spectrum + fp.embedding_code(embedded), b"", 1, 1)


def test_embedding_distance_is_the_nearest_of_the_registered_scales():
    rng = np.random.default_rng(4)
    stored = rng.standard_normal((4, 3, embedding.DIM))
    index = engine.MatchIndex()
    for key, e in enumerate(stored):
        index.add(key, registered_codes(bytes(64), e))
    # The query equals design 2's 2x embedding, and is the opposite of its 1x one.
    d = index.distances(query_with(bytes(64), stored[2, 2]).vector)
    assert d.shape == (3, 4)
    assert d[2, 2] == 0 and min(d[2, [0, 1, 3]]) > 20
    assert list(d[0]) == [0] * 4 and list(d[1]) == [0] * 4
    assert index.distances(query_with(bytes(64), -stored[2, 0]).vector)[2, 2] > 0


def test_the_embedding_shortlist_reaches_designs_the_other_codes_rank_last():
    rng = np.random.default_rng(6)
    n = 200
    codes = rng.integers(0, 256, (n, 64), dtype=np.uint8)
    embeddings = rng.standard_normal((n, 3, embedding.DIM))
    index = engine.MatchIndex()
    index.load(
        np.arange(n),
        np.stack(
            [
                np.frombuffer(registered_codes(c.tobytes(), e), np.uint8)
                for c, e in zip(codes, embeddings, strict=True)
            ]
        ),
    )
    target = 123
    # The query's first two codes are the complement of the target's: it is last
    # by both; its embedding is the target's.
    query = query_with((~codes[target]).tobytes(), embeddings[target, 1])
    first, embedded = index.shortlists(query, 30, 15)
    assert target not in [k for k, _d in first]
    assert embedded[0] == (target, 0)
    assert len(embedded) == 15
    union = index.candidates(query, 30, 15)
    assert len(union) == len({k for k, _d in union}) and (target, 0) in union
    index.remove(target)
    assert target not in [k for k, _d in index.shortlists(query, 30, 15)[1]]


def test_embedding_lead_needs_a_margin_over_other_designs_only():
    cos = np.array([0.95, 0.93, 0.60])
    # 0 and 1 are two images of one design: 1 is no rival; design 2 is 0.35 behind.
    assert engine.embedding_lead(cos, [7, 7, 8]) == (0, pytest.approx(0.35))
    # As three designs, the leader is only 0.02 ahead: none.
    assert engine.embedding_lead(cos, [1, 2, 3]) == (None, 0.0)
    assert engine.embedding_lead(np.zeros(0), []) == (None, 0.0)


@pytest.fixture(scope="module")
def registry():
    names = sorted(p.name for p in PATTERNS.glob("*.png"))
    fps = {key: fp.compute(image(rgb(name))) for key, name in enumerate(names)}
    index = engine.MatchIndex()
    for key, f in fps.items():
        index.add(key, f.vector)
    return names, fps, index


def evidence(
    count: float, correlation: float = 0.0, phase: float = 0.0
) -> engine._Evidence:
    # The whitened peak ties with another design's, so it does not count on its own.
    return engine._Evidence(
        count,
        correlation=correlation,
        corr_runner_up=0.0,
        phase=phase,
        phase_runner_up=phase,
    )


@pytest.fixture(scope="module")
def leaf(registry):
    """(key of hero-leaf in the registry, its JPEG 30 copy as a query fingerprint)."""
    names, _fps, _index = registry
    query = fp.compute_query(image(suite._jpeg(rgb("hero-leaf.png"), 30)))
    return names.index("hero-leaf.png"), query


def set_evidence(monkeypatch, count: float) -> None:
    """Make verification find `count` agreeing places for every candidate alike."""
    monkeypatch.setattr(
        engine,
        "verify_many",
        lambda q, candidates, groups=None: [evidence(count) for _c in candidates],
    )


def set_cosines(monkeypatch, fps, key, leader: float, others: float) -> None:
    """Make the embedding give the design `key` one cosine and every other another."""
    monkeypatch.setattr(
        engine,
        "embedding_similarities",
        lambda q, candidates: np.array(
            [leader if c is fps[key] else others for c in candidates], np.float32
        ),
    )


@pytest.mark.parametrize(
    ("count", "correlation", "phase", "leader_cosine", "flagged"),
    [
        (2, 0.0, 0.0, 0.9, True),
        (1, 0.0, 0.0, 0.9, False),
        (0, 0.65, 0.0, 0.9, True),
        (0, 0.55, 0.0, 0.9, False),
        (0, 0.0, 7.5, 0.9, True),
        (0, 0.0, 6.5, 0.9, False),
        # A surface statistic backs a leader only at EMBED_SURFACE_COSINE (row 66):
        # plain noisy textures correlate with any other; places need no floor.
        (0, 0.65, 0.0, 0.72, False),
        (0, 0.0, 7.5, 0.72, False),
        (0, 0.65, 7.5, 0.72, False),
        (0, 0.65, 0.0, 0.76, True),
        (2, 0.0, 0.0, 0.72, True),
    ],
)
def test_embedding_leader_with_weak_backing_is_a_match(
    registry, leaf, monkeypatch, count, correlation, phase, leader_cosine, flagged
):
    # The rule of docs/benchmarks.md rows 17 and 25: the embedding alone flags 23% of
    # the distractor queries, so it only lowers the bar for evidence of another kind.
    _names, fps, index = registry
    key, query = leaf

    def weak(q, candidates, groups=None):
        return [
            evidence(count, correlation, phase) if c is fps[key] else evidence(0)
            for c in candidates
        ]

    monkeypatch.setattr(engine, "verify_many", weak)
    # A clear lead, short of EMBED_SURE_MARGIN: the backing decides.
    set_cosines(monkeypatch, fps, key, leader_cosine, leader_cosine - 0.15)
    results = engine.match(query, index, lambda keys: {k: fps[k] for k in keys})
    top = results[0]
    assert (
        engine.score_of(evidence(count, correlation, phase)) <= engine.MATCH_THRESHOLD
    )
    assert top.key == key and top.embedding > 0.5
    assert top.is_match is flagged
    assert (top.score == engine.EMBED_SCORE) is flagged
    assert not any(r.is_match for r in results[1:])


@pytest.mark.parametrize(
    ("leader_cosine", "runner_up_cosine", "flagged"),
    [
        (0.85, 0.50, True),
        (0.85, 0.60, False),  # 0.25 ahead: not far enough
        (0.75, 0.40, False),  # far ahead, but not close enough to the query
    ],
)
def test_embedding_leader_far_ahead_needs_no_backing(
    registry, leaf, monkeypatch, leader_cosine, runner_up_cosine, flagged
):
    # docs/benchmarks.md row 26: EMBED_SURE_MARGIN ahead at EMBED_SURE_COSINE or more.
    _names, fps, index = registry
    key, query = leaf
    set_evidence(monkeypatch, 0)
    set_cosines(monkeypatch, fps, key, leader_cosine, runner_up_cosine)
    results = engine.match(query, index, lambda keys: {k: fps[k] for k in keys})
    assert len(results) > 1
    assert [r.key for r in results if r.is_match] == ([key] if flagged else [])
    if flagged:
        assert results[0].key == key and results[0].score == engine.EMBED_SCORE
        assert results[0].embedding == pytest.approx(leader_cosine, abs=1e-4)


def test_weak_backing_without_the_embedding_lead_is_no_match(
    registry, leaf, monkeypatch
):
    _names, fps, index = registry
    key, query = leaf
    set_evidence(monkeypatch, 3)
    # Every design has stored the same embedding as the original: no one leads.
    same = {
        k: fp.Fingerprint(f.vector, fps[key].features, f.width, f.height)
        for k, f in fps.items()
    }
    results = engine.match(query, index, lambda keys: {k: same[k] for k in keys})
    assert results and not any(r.is_match for r in results)


def _registered_vector_bytes(array: np.ndarray) -> int:
    return len(fp.compute(image(array)).vector)


def test_fingerprinting_still_works_in_a_forked_child():
    # eval_match's workers and a pre-loading server fork after the parent has
    # fingerprinted: the embedding thread does not survive fork(), its executor must
    # not either, or the child waits for ever.
    import multiprocessing

    leaf = rgb("hero-leaf.png")
    fp.compute(image(leaf))
    with multiprocessing.get_context("fork").Pool(1) as pool:
        job = pool.apply_async(_registered_vector_bytes, (leaf,))
        assert job.get(timeout=120) == fp.VECTOR_BITS // 8


def test_fingerprinting_leaves_blas_one_thread_beside_its_own():
    # The match runs its own second thread; OpenBLAS's pool spinning against it made
    # fingerprints and queries 1.4-1.6x slower (docs/benchmarks.md, "Speed").
    from threadpoolctl import threadpool_info

    fp.compute(image(rgb("hero-leaf.png")))
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, "numpy's BLAS should be loaded by now"
    assert {pool["num_threads"] for pool in blas} == {1}
