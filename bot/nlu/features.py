"""What the learned model reads in a message: character n-grams and the private jieba tokenizer's words.

The same function serves training (scikit-learn calls it as the vectoriser's analyzer) and the running service
(bot/nlu/model.py), so the two can never read a message differently.
"""
from __future__ import annotations

from typing import Iterable

CHAR_NGRAMS = (1, 3)  # lengths of the character n-grams for training (each model file records its own)
WORD_BOUNDED = False  # True: n-grams inside jieba's words only (like scikit-learn's char_wb), not across them


def features(norm: str, words: Iterable[str], ngrams: tuple[int, int] = CHAR_NGRAMS,
             word_bounded: bool = WORD_BOUNDED) -> list[str]:
    """Return the features of a normalised message: c:<n-gram> for characters, w:<word> for jieba's words.

    The message is padded with a space at each end, so a short message's start and end are features too
    (" 人工" and "人工 " say more than 人工 inside a story). Word-bounded, each jieba word is padded instead, so
    an n-gram never straddles two words (入会 in 收入/会费 is not read).
    """
    low, high = ngrams
    words = [word for word in words if word.strip()]
    pieces = [f" {word} " for word in words] if word_bounded else [f" {norm} "]
    out = []
    for padded in pieces:
        for size in range(low, high + 1):
            for start in range(len(padded) - size + 1):
                gram = padded[start:start + size]
                if not gram.isspace():
                    out.append("c:" + gram)
    out.extend("w:" + word for word in words)
    return out
