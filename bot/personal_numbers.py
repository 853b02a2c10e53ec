"""Phone and ID numbers in any writing: found, masked for logs, sealed (encrypted) for stored stories.

The finders are bot.understanding.slots' (spaces, dashes, full-width digits, digits said one by
one, +86): this module only runs them over a whole text, every number in turn, and decides what
becomes of each one. Spans index the text as written, because the reading form keeps its length.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.understanding.slots import find_id_number, find_phone
from bot.understanding.text import DIGIT_WORDS, reading_form

PHONE, ID_NUMBER = "phone", "id_number"
# Sealed numbers in a stored text are wrapped in private-use characters a keyboard does not type.
_OPEN, _CLOSE = "\ue000", "\ue001"
_SEALED = re.compile(f"{_OPEN}([^{_CLOSE}]*){_CLOSE}")
_MIN_DIGITS = 11  # shorter texts cannot hold a phone or an ID number


@dataclass(frozen=True)
class PersonalNumber:
    """A number found in a text: its kind, its digits, and the span [start, end) as written."""

    kind: str
    digits: str
    start: int
    end: int

    @property
    def masked(self) -> str:
        """138****5678 or 330102********123X."""
        from bot.security import mask_id_number, mask_phone

        return mask_phone(self.digits) if self.kind == PHONE else mask_id_number(self.digits)


def _could_hold_a_number(text: str) -> bool:
    return sum(1 for ch in text if ch.isdigit() or ch in DIGIT_WORDS) >= _MIN_DIGITS


def find_personal_numbers(text: str) -> list[PersonalNumber]:
    """Every phone and ID number in text, in order (ID numbers first where both could be read)."""
    if not text or not _could_hold_a_number(text):
        return []
    reading = reading_form(text)
    found: list[PersonalNumber] = []
    for kind, finder in ((ID_NUMBER, find_id_number), (PHONE, find_phone)):
        while (hit := finder(reading)) is not None:
            found.append(PersonalNumber(kind, hit.value, hit.start, hit.end))
            # Blank what was found (same length) so the finder moves on to the next number.
            reading = reading[:hit.start] + "\0" * (hit.end - hit.start) + reading[hit.end:]
    return sorted(found, key=lambda n: n.start)


def mask_numbers(text: str) -> str:
    """The text with every phone and ID number masked (138****5678), for logs and the message log."""
    return _replace(text, lambda number: number.masked)


def _replace(text: str, replacement) -> str:
    numbers = find_personal_numbers(text)
    if not numbers:
        return text
    parts, cursor = [], 0
    for number in numbers:
        parts += [text[cursor:number.start], replacement(number)]
        cursor = number.end
    parts.append(text[cursor:])
    return "".join(parts)


def seal(text: str, cipher) -> tuple[str, str | None]:
    """(text with each number masked and marked, the numbers encrypted) for storing a story; (text, None) if none."""
    text = (text or "").replace(_OPEN, "").replace(_CLOSE, "")
    numbers = find_personal_numbers(text)
    if not numbers:
        return text, None
    sealed = _replace(text, lambda number: f"{_OPEN}{number.masked}{_CLOSE}")
    return sealed, cipher.encrypt(json.dumps([n.digits for n in numbers]))


def shown(sealed_text: str) -> str:
    """A stored story as staff and the worker read it: the numbers masked."""
    return _SEALED.sub(lambda m: m.group(1), sealed_text or "")


def unseal(sealed_text: str, encrypted_numbers: str | None, cipher) -> str:
    """A stored story with its numbers in full (the console's audited reveal only)."""
    if not encrypted_numbers:
        return shown(sealed_text)
    digits = iter(json.loads(cipher.decrypt(encrypted_numbers)))
    return _SEALED.sub(lambda m: next(digits, m.group(1)), sealed_text or "")
