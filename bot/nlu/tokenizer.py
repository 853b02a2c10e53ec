"""A private jieba tokenizer loaded with our domain dictionary (never the global jieba instance)."""
from __future__ import annotations

import functools
import hashlib
import io
import logging
import marshal
import os
import tempfile
from pathlib import Path
from typing import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

_CACHE_PREFIX = "zgzj-jieba-"
_CACHE_FORMAT = "2"  # bump when what the cache holds changes
_MAIN_DICTIONARY = Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME


class DomainTokenizer:
    """jieba with the terms of content/nlu/dictionary.txt (and any extra words) kept whole.

    The whole prefix dictionary, ours included, is cached in cache_dir (var/cache in the service, a temporary
    directory otherwise; never inside the package) under a name that changes when jieba's dictionary, ours, the
    extra words or min_freq change, so a fresh process loads it in one read instead of rebuilding it.

    min_freq drops the rare words of jieba's general dictionary (names, idioms, technical terms): the matcher only
    needs the boundaries of everyday words, and a third of the dictionary loads three times faster and takes a
    third of the memory. The legal FAQ keeps the whole dictionary (min_freq 0).
    """

    def __init__(self, dictionary_path: str | os.PathLike | None, cache_dir: str | os.PathLike | None = None,
                 words: Iterable[str] = (), word_freq: int = 20000, min_freq: int = 0):
        self._jieba = jieba.Tokenizer()
        # The rules (boundaries) and the learned model (words) read the same message's plain cut: do it once.
        self._plain_cut = functools.lru_cache(maxsize=4096)(self._cut_without_hmm)
        self.dictionary_path = Path(dictionary_path) if dictionary_path else None
        cache_dir = Path(cache_dir or tempfile.gettempdir())
        words = sorted(set(words))
        main = _MAIN_DICTIONARY
        key = hashlib.sha1("\n".join([
            _CACHE_FORMAT, jieba.__version__, str(main.stat().st_size), str(main.stat().st_mtime_ns),
            str(min_freq), str(word_freq),
            self.fingerprint(self.dictionary_path) if self.dictionary_path else "none",
            *words,
        ]).encode("utf-8")).hexdigest()[:16]
        # One file per kind of tokenizer (the matcher's, the legal FAQ's ...), replaced when what it is built from
        # changes; kinds never evict one another.
        kind = f"f{min_freq}{'w' if words else ''}"
        cache = cache_dir / f"{_CACHE_PREFIX}{kind}-{key}.marshal"
        if not self._load(cache):
            self._build(main, min_freq, words, word_freq)
            self._save(cache, kind)

    def _load(self, cache: Path) -> bool:
        try:
            with open(cache, "rb") as handle:
                self._jieba.FREQ, self._jieba.total = marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            return False
        self._jieba.initialized = True
        return True

    def _build(self, main: Path, min_freq: int, words: list[str], word_freq: int) -> None:
        lines = main.read_bytes().splitlines(keepends=True)
        if min_freq > 0:
            lines = [line for line in lines if int(line.split(b" ", 2)[1]) >= min_freq]
        self._jieba.FREQ, self._jieba.total = self._jieba.gen_pfdict(io.BytesIO(b"".join(lines)))
        self._jieba.initialized = True
        if self.dictionary_path and self.dictionary_path.exists():
            self._jieba.load_userdict(str(self.dictionary_path))
        for word in words:
            self._jieba.add_word(word, word_freq)

    def _save(self, cache: Path, kind: str) -> None:
        """Write the cache atomically and drop the ones older content left behind."""
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            with open(partial, "wb") as handle:
                marshal.dump((self._jieba.FREQ, self._jieba.total), handle)
            os.replace(partial, cache)
            for old in cache.parent.glob(f"{_CACHE_PREFIX}{kind}-*.marshal"):
                if old != cache and old.stat().st_mtime < cache.stat().st_mtime - 60:
                    old.unlink(missing_ok=True)
        except OSError as exc:  # a read-only cache directory only costs start-up time
            logging.getLogger(__name__).warning("jieba cache not written to %s: %s", cache, exc)

    def add_word(self, word: str, freq: int | None = None) -> None:
        """Keep word whole from now on."""
        self._jieba.add_word(word, freq)
        self._plain_cut.cache_clear()

    def tokens(self, text: str) -> list[str]:
        """Return the non-blank tokens of text, in order."""
        return [t for t in self._jieba.lcut(text, HMM=True) if t.strip()]

    def _cut_without_hmm(self, text: str) -> tuple[str, ...]:
        return tuple(self._jieba.cut(text, HMM=False))

    def words(self, text: str) -> list[str]:
        """Return the non-blank tokens of text without HMM guessing (what the learned model reads; see boundaries)."""
        return [t for t in self._plain_cut(text) if t.strip()]

    def boundaries(self, text: str) -> frozenset[int]:
        """Return the offsets in text where a token starts or ends (0 and len(text) included).

        No HMM: a run of characters jieba does not know stays single characters, so an unknown word never
        hides a keyword, and the result depends only on the dictionaries.
        """
        cuts = {0}
        offset = 0
        for token in self._plain_cut(text):
            offset += len(token)
            cuts.add(offset)
        return frozenset(cuts)

    @staticmethod
    def fingerprint(path: Path) -> str:
        """Return a short hash of a dictionary file (detects edits)."""
        return hashlib.sha1(path.read_bytes()).hexdigest()[:12] if path.exists() else "none"

    def load_dictionary(self, path: str | os.PathLike) -> None:
        """Add the words of a jieba user dictionary file (after an edit)."""
        self._jieba.load_userdict(str(path))
        self._plain_cut.cache_clear()
