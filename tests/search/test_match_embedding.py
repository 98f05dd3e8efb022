"""The learned texture embedding run in numpy (search/embedding.py) and its training."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from search import embedding, train_embedding
from search import fingerprint as fp
from search import match_suite as suite

PATTERNS = Path(__file__).resolve().parent.parent / "data" / "patterns"


def network_input(rgb: np.ndarray) -> np.ndarray:
    return train_embedding.network_input_of(rgb)


def rgb(name: str) -> np.ndarray:
    with Image.open(PATTERNS / name) as image:
        return np.asarray(image.convert("RGB"))


def test_im2col_convolution_equals_the_direct_sum():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 7, 3)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)  # out, in, k, k
    layer = embedding.Layer(
        weight=w.transpose(2, 3, 1, 0).reshape(27, 4),
        bias=np.zeros(4, np.float32),
        kernel=3,
        stride=2,
    )
    got = embedding._conv(x, layer)
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    expected = np.zeros((5, 4, 4), np.float32)
    for i in range(5):
        for j in range(4):
            patch = padded[2 * i : 2 * i + 3, 2 * j : 2 * j + 3]  # k, k, in
            expected[i, j] = np.einsum("yxc,ocyx->o", patch, w)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_shipped_weights_embed_to_unit_vectors_and_ignore_inversion():
    x = network_input(rgb("hero-leaf.png"))
    e = embedding.embed(x)
    assert e.shape == (embedding.DIM,)
    assert abs(float(np.linalg.norm(e)) - 1) < 1e-4
    # The first layer is abs-activated: a negated input is the same embedding.
    np.testing.assert_allclose(embedding.embed(-x), e, atol=1e-6)
    registered = embedding.registry_embeddings(x)
    assert registered.shape == (len(embedding.REGISTRY_SCALES), embedding.DIM)
    np.testing.assert_allclose(np.linalg.norm(registered, axis=1), 1, atol=1e-4)


def test_an_altered_copy_embeds_nearest_its_own_original():
    names = sorted(p.name for p in PATTERNS.glob("*.png"))
    registry = {n: embedding.registry_embeddings(network_input(rgb(n))) for n in names}
    for name in names:
        a = rgb(name)
        copy = suite.crop(suite.hue(np.ascontiguousarray(a[:, ::-1]), 180), 0.7)
        q = embedding.embed(network_input(copy))
        sims = {n: float((r @ q).max()) for n, r in registry.items()}
        best = max(sims, key=sims.get)
        assert best == name, (name, sims)


def test_training_designs_are_a_stable_two_thirds_of_the_registered():
    names = [f"pattern-{i}.png" for i in range(600)]
    chosen = [n for n in names if train_embedding.is_training_design(n)]
    assert 0.6 < len(chosen) / len(names) < 0.73
    assert chosen == [n for n in names if train_embedding.is_training_design(n)]


def test_exported_weights_run_in_numpy_as_in_pytorch(tmp_path):
    torch = pytest.importorskip("torch")  # only the optional [train] extra has it
    torch.manual_seed(3)
    net = train_embedding.build_net(torch)
    # Batch norm with non-trivial statistics, so that folding it is exercised.
    for bn in (net.b1, net.b2, net.b3, net.b4):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    out = tmp_path / "w.npz"
    train_embedding.export(net, out)
    x = network_input(rgb("hero-leaf.png"))
    with torch.no_grad():
        expected = net(torch.from_numpy(x)[None, None]).numpy()[0]
    got = embedding.embed(x, embedding.network(out))
    assert float(got @ expected) > 0.999  # float16 weights


def test_network_input_is_the_normalised_grey_at_half_size():
    work = fp._work_array(Image.fromarray(rgb("hero-leaf.png")))
    x = embedding.network_input(fp.normalised_grey(work))
    assert x.shape == (work.shape[0] // 2, work.shape[1] // 2)
    assert abs(float(x.mean())) < 0.5 and 0.5 < float(x.std()) < 1.5


def test_training_refuses_a_folder_without_designs_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "w.npz"
    with pytest.raises(SystemExit) as exit_info:
        train_embedding.main([str(tmp_path), "--out", str(out)])
    assert exit_info.value.code == 2
    assert "0 training designs" in capsys.readouterr().err
    assert not out.exists()


def test_synthetic_textures_are_seeded_seamless_and_differ():
    a, b = suite.synthetic_texture(5), suite.synthetic_texture(6)
    np.testing.assert_array_equal(a, suite.synthetic_texture(5))
    assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3
    assert not np.array_equal(a[:150, :150], b[:150, :150])
    for seed in range(12):
        t = suite.synthetic_texture(seed).astype(float).mean(axis=2)
        n = t.shape[0]
        assert t.shape == (n, n) and 150 <= n <= 400
        # Tiled, the seam between repeats is no rougher than the texture inside it
        # (every family is periodic by construction; the same textures cut out of a
        # larger piece give a seam up to 7 times rougher).
        inside = np.abs(np.diff(t, axis=0)).mean() + np.abs(np.diff(t, axis=1)).mean()
        seam = np.abs(t[0] - t[-1]).mean() + np.abs(t[:, 0] - t[:, -1]).mean()
        assert seam <= 2 * inside, (seed, seam, inside)


def test_training_views_include_the_synthetic_textures(tmp_path):
    for n in range(12):
        Image.fromarray(suite.synthetic_texture(100 + n)).save(tmp_path / f"p{n}.png")
    bank = train_embedding.training_views(tmp_path, 2, synthetic=3)
    synthetic = [name for name in bank if name.startswith("synthetic-")]
    assert synthetic == ["synthetic-0", "synthetic-1", "synthetic-2"]
    registered, _ = suite.split(sorted(tmp_path.glob("*.png")))
    trained = [p.name for p in registered if train_embedding.is_training_design(p.name)]
    assert sorted(set(bank) - set(synthetic)) == sorted(trained)
    # The original and 2 altered views per design, each a network input.
    assert all(len(views) == 3 for views in bank.values())
    expected = network_input(suite.synthetic_texture(1)).astype(np.float16)
    np.testing.assert_array_equal(bank["synthetic-1"][0], expected)


def test_training_views_add_seeded_market_photos_after_the_suites_views(tmp_path):
    for n in range(12):
        Image.fromarray(suite.synthetic_texture(200 + n)).save(tmp_path / f"p{n}.png")
    plain = train_embedding.training_views(tmp_path, 2)
    with_photos = train_embedding.training_views(tmp_path, 2, photos=2)
    assert sorted(with_photos) == sorted(plain)
    name = next(iter(plain))
    # The original and the suite's 2 views come first, unchanged, then 2 photos.
    assert [len(v) for v in with_photos.values()] == [5] * len(plain)
    for got, expected in zip(with_photos[name][:3], plain[name], strict=True):
        np.testing.assert_array_equal(got, expected)
    photo_a, photo_b = with_photos[name][3:]
    # A photo is the photo generator's 800 x 600 frame at the network's input size
    # (the work size, 400 px, halved), not a square tile of the design, and each
    # photo is its own draw.
    assert photo_a.shape == photo_b.shape == (150, 200)
    assert plain[name][0].shape[0] == plain[name][0].shape[1]
    assert not np.array_equal(photo_a, photo_b)
    again = train_embedding.training_views(tmp_path, 2, photos=2)
    np.testing.assert_array_equal(again[name][4], photo_b)
