"""Chinese text analysis shared by every search backend, the query side and highlighting.

Pipeline: NFKC (full-width → half-width) → OpenCC traditional → simplified → lowercase →
jieba (search mode: each word plus its dictionary sub-words, all at the word's position,
so positions stay sequential per word) → Chinese and English stop words.

Keep this module importable without Django and its names stable: Whoosh pickles the
analyzer classes below into the index schema by module path. Lowercasing happens before
jieba rather than after so that mixed-case input still hits dictionary entries ("INS风").
"""

import functools
import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from whoosh.analysis import Token, Tokenizer

# Bump when the pipeline changes so that stale indexes are detected (see fingerprint()).
ANALYZER_VERSION = "1"
USER_DICT = Path(__file__).resolve().parent / "data" / "textile_dict.txt"

STOP_WORDS = frozenset(
    # Chinese function words that carry no meaning on their own.
    "的 了 和 与 及 或 在 是 为 等 之 其 并 也 都 而 着 把 被 从 以 于 这 那 该 个".split()
    # English.
    + "a an and are as at be by for from in into is it of on or that the to with".split()
)

_WORD = re.compile(r"\w+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_WORD = re.compile(r"[a-z]+")

_lock = threading.Lock()
_jieba = None
_opencc = None


def _load() -> None:
    """Load jieba (≈1.5 s) and OpenCC once per process, whichever thread asks first."""
    global _jieba, _opencc, _traditional
    with _lock:
        if _jieba is not None:
            return
        import logging

        import jieba
        from opencc import OpenCC

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        tokenizer.load_userdict(str(USER_DICT))
        _traditional = _traditional_chars()
        _opencc = OpenCC("t2s")
        _jieba = tokenizer


def warm_up() -> None:
    """Load the dictionaries now (app ready, gunicorn --preload) instead of on first use."""
    _load()
    pinyin_of("牡丹")


_traditional: frozenset[str] = frozenset()


def _traditional_chars() -> frozenset[str]:
    """Characters OpenCC's t2s changes: text without any of them needs no conversion."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _tab, values = line.partition("\t")
        if key and values.split() and values.split()[0] != key:
            chars.add(key)
    return frozenset(chars)


def normalize(text: str) -> str:
    """Fold full-width forms, traditional characters and case: the text both sides compare."""
    if _opencc is None:
        _load()
    value = unicodedata.normalize("NFKC", text or "")
    # OpenCC's pure-Python converter is the slowest step; most text is simplified already.
    if not _traditional.isdisjoint(value):
        value = _opencc.convert(value)
    return value.lower()


def fingerprint() -> str:
    """Identify the analysis: an index built with another fingerprint must be rebuilt."""
    digest = hashlib.sha256(ANALYZER_VERSION.encode())
    digest.update(USER_DICT.read_bytes())
    digest.update(" ".join(sorted(STOP_WORDS)).encode())
    return digest.hexdigest()[:16]


class Word(NamedTuple):
    text: str
    pos: int
    start: int
    end: int


def _pieces(word: str) -> list[str]:
    # jieba keeps "3.5" or "a&b" together; the PostgreSQL parser would not, so both
    # backends see only runs of word characters.
    return _WORD.findall(word)


def segment(
    text: str, *, search_mode: bool = True, normalized: bool = False
) -> list[Word]:
    """Split text into words; search mode adds dictionary sub-words at the same position."""
    # Line by line, each line cached: jieba splits at line breaks anyway, and the title
    # and body lines come back again for the pinyin field and in repeated labels.
    words: list[Word] = []
    pos = offset = 0
    for line in (text or "").split("\n"):
        line_words = _segment_line(line, search_mode, normalized)
        for w in line_words:
            words.append(Word(w.text, w.pos + pos, w.start + offset, w.end + offset))
        if line_words:
            pos = words[-1].pos + 1
        offset += len(line) + 1
    return words


@functools.lru_cache(maxsize=16384)
def _segment_line(line: str, search_mode: bool, normalized: bool) -> tuple[Word, ...]:
    if _jieba is None:
        _load()
    value = line if normalized else normalize(line)
    words: list[Word] = []
    pos = 0
    offset = 0
    for chunk in _jieba.cut(value, HMM=True):
        start = offset
        offset += len(chunk)
        for piece in _pieces(chunk):
            if piece in STOP_WORDS:
                continue
            if search_mode:
                # The same sub-words jieba's cut_for_search adds, but at the word's position.
                for size in (2, 3):
                    if len(piece) > size:
                        for i in range(len(piece) - size + 1):
                            gram = piece[i : i + size]
                            if _jieba.FREQ.get(gram) and gram not in STOP_WORDS:
                                words.append(
                                    Word(gram, pos, start + i, start + i + size)
                                )
            words.append(Word(piece, pos, start, start + len(piece)))
            pos += 1
    return tuple(words)


def index_tokens(text: str) -> list[str]:
    return [w.text for w in segment(text)]


def query_tokens(text: str) -> list[str]:
    """Tokens of one query word: plain segmentation, no sub-words."""
    return [w.text for w in segment(text, search_mode=False)]


_pinyin_cache: dict[str, str] = {}


def pinyin_of(word: str) -> str:
    """Return the toneless pinyin of a word joined into one token: 牡丹 → mudan."""
    cached = _pinyin_cache.get(word)
    if cached is None:
        from pypinyin import lazy_pinyin

        cached = "".join(lazy_pinyin(word)).lower()
        if len(_pinyin_cache) < 100_000:
            _pinyin_cache[word] = cached
    return cached


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def pinyin_tokens(text: str) -> list[str]:
    """One joined pinyin token per Chinese word (and sub-word) of the text."""
    return [pinyin_of(w.text) for w in segment(text) if has_cjk(w.text)]


def cjk_runs(text: str, *, normalized: bool = False) -> list[str]:
    value = text if normalized else normalize(text)
    return _CJK_RUN.findall(value)


def bigrams(run: str) -> list[str]:
    """Overlapping character pairs of one run of Chinese characters (a lone one stays)."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def bigram_words(text: str) -> list[Word]:
    """Character bigrams with sequential positions; a gap of one between separate runs."""
    words = []
    pos = 0
    for run in cjk_runs(text):
        for gram in bigrams(run):
            words.append(Word(gram, pos, 0, 0))
            pos += 1
        pos += 1  # keep a phrase from matching across punctuation or Latin text
    return words


def is_ascii_word(word: str) -> bool:
    return _ASCII_WORD.fullmatch(word) is not None


# --- Whoosh adapters -----------------------------------------------------------------


class _Base(Tokenizer):
    """A Whoosh tokenizer over one of the functions above (no state: pickles by name)."""

    def words(self, value: str) -> list[Word]:
        raise NotImplementedError

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = self.words(value) if tokenize else [Word(value, 0, 0, len(value))]
        for word in words:
            token.text = word.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word.text
            if positions:
                token.pos = start_pos + word.pos
            if chars:
                token.startchar = start_char + word.start
                token.endchar = start_char + word.end
            yield token


class ChineseAnalyzer(_Base):
    """Words and sub-words of the normalised text (title and body fields)."""

    def words(self, value: str) -> list[Word]:
        return segment(value)


class PinyinAnalyzer(_Base):
    """Joined pinyin of each Chinese word."""

    def words(self, value: str) -> list[Word]:
        return [
            Word(pinyin_of(w.text), w.pos, w.start, w.end)
            for w in segment(value)
            if has_cjk(w.text)
        ]


class BigramAnalyzer(_Base):
    """Character bigrams: the fallback when segmentation differs between text and query."""

    def words(self, value: str) -> list[Word]:
        return bigram_words(value)
