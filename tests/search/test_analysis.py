import pickle

from search import analysis


def test_normalize_folds_full_width_traditional_and_case():
    assert analysis.normalize("ＮＯＲＤＩＣ 刺繡窗簾") == "nordic 刺绣窗帘"


def test_textile_dictionary_keeps_trade_words_whole():
    tokens = analysis.query_tokens("莫兰迪雾霾蓝缠枝莲抱枕")
    assert tokens == ["莫兰迪", "雾霾蓝", "缠枝莲", "抱枕"]
    assert "ins风" in analysis.query_tokens("INS风遮光窗帘")
    assert "遮光窗帘" in analysis.query_tokens("INS风遮光窗帘")


def test_search_mode_adds_sub_words_at_the_same_sequential_position():
    words = analysis.segment("牡丹四件套，遮光窗帘")
    positions = {w.text: w.pos for w in words}
    assert positions["牡丹"] == 0
    assert positions["四件套"] == positions["四件"] == 1
    assert positions["遮光窗帘"] == positions["窗帘"] == 2
    assert sorted({w.pos for w in words}) == [0, 1, 2]


def test_stop_words_and_punctuation_are_dropped():
    assert analysis.query_tokens("the 牡丹 的 and 花型！") == ["牡丹", "花型"]


def test_pinyin_is_one_joined_token_per_word():
    assert analysis.pinyin_tokens("牡丹") == ["mudan"]
    assert "sijiantao" in analysis.pinyin_tokens("四件套")


def test_bigrams_have_sequential_positions_with_a_gap_between_runs():
    words = analysis.bigram_words("牡丹花型,窗帘")
    assert [(w.text, w.pos) for w in words] == [
        ("牡丹", 0),
        ("丹花", 1),
        ("花型", 2),
        ("窗帘", 4),
    ]


def test_whoosh_analyzers_pickle_by_reference_and_produce_positions():
    analyzer = pickle.loads(pickle.dumps(analysis.ChineseAnalyzer()))
    tokens = [(t.text, t.pos) for t in analyzer("刺繡 NORDIC", positions=True)]
    assert tokens == [("刺绣", 0), ("nordic", 1)]


def test_fingerprint_changes_with_the_dictionary(tmp_path, monkeypatch):
    before = analysis.fingerprint()
    copy = tmp_path / "dict.txt"
    copy.write_text(analysis.USER_DICT.read_text() + "新词 10 n\n")
    monkeypatch.setattr(analysis, "USER_DICT", copy)
    assert analysis.fingerprint() != before
