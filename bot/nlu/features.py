"""What the learned model reads in a message: character n-grams and the private jieba tokenizer's words.

The same function serves training (scikit-learn calls it as the vectoriser's analyzer) and the running service
(bot/nlu/model.py), so the two can never read a message differently.
"""
from __future__ import annotations

from typing import Iterable

CHAR_NGRAMS = (1, 2)  # lengths of the character n-grams (the model file records them; a change needs a retrain)


def features(norm: str, words: Iterable[str]) -> list[str]:
    """Return the features of a normalised message: c:<n-gram> for characters, w:<word> for jieba's words.

    The message is padded with a space at each end, so a short message's start and end are features too
    (" 人工" and "人工 " say more than 人工 inside a story).
    """
    low, high = CHAR_NGRAMS
    padded = f" {norm} "
    out = []
    for size in range(low, high + 1):
        for start in range(len(padded) - size + 1):
            gram = padded[start:start + size]
            if not gram.isspace():
                out.append("c:" + gram)
    out.extend("w:" + word for word in words if word.strip())
    return out
