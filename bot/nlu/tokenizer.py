"""A private jieba tokenizer loaded with our domain dictionary (never the global jieba instance)."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)


class DomainTokenizer:
    """jieba with the terms of content/nlu/dictionary.txt kept whole."""

    def __init__(self, dictionary_path: str | os.PathLike | None, cache_dir: str | os.PathLike | None = None):
        self._jieba = jieba.Tokenizer()
        cache_dir = Path(cache_dir or tempfile.gettempdir())
        cache_dir.mkdir(parents=True, exist_ok=True)
        # jieba caches its prefix dictionary; a private cache file keeps start-up under a second.
        self._jieba.tmp_dir = str(cache_dir)
        self._jieba.cache_file = "zgzj-jieba.cache"
        self._jieba.initialize()
        self.dictionary_path = Path(dictionary_path) if dictionary_path else None
        if self.dictionary_path and self.dictionary_path.exists():
            self._jieba.load_userdict(str(self.dictionary_path))

    def add_word(self, word: str, freq: int | None = None) -> None:
        """Keep word whole from now on."""
        self._jieba.add_word(word, freq)

    def tokens(self, text: str) -> list[str]:
        """Return the non-blank tokens of text, in order."""
        return [t for t in self._jieba.lcut(text, HMM=True) if t.strip()]

    @staticmethod
    def fingerprint(path: Path) -> str:
        """Return a short hash of a dictionary file (detects edits)."""
        return hashlib.sha1(path.read_bytes()).hexdigest()[:12] if path.exists() else "none"

    def load_dictionary(self, path: str | os.PathLike) -> None:
        """Add the words of a jieba user dictionary file (after an edit)."""
        self._jieba.load_userdict(str(path))
