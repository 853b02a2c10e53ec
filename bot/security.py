"""Personal data protection: encryption at rest, blind indexes for look-ups, masking for display.

ID card and mobile numbers are encrypted with a key derived from SECRET_KEY (AES-GCM via
Fernet), and looked up through a keyed HMAC so equal numbers can be matched without
decrypting. Lists and logs only ever show masked forms.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken


def _derive(secret_key: str, purpose: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret_key.encode(), f"zgzj:{purpose}".encode(), 50_000)


class PersonalDataCipher:
    """Encrypt, decrypt and index personal data with keys derived from the service secret."""

    def __init__(self, secret_key: str):
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret_key, "pii-encryption")))
        self._index_key = _derive(secret_key, "pii-index")

    def encrypt(self, plaintext: str) -> str:
        """Return the ciphertext of plaintext as text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Return the plaintext; raise ValueError when the ciphertext was tampered with."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("personal data could not be decrypted") from exc

    def blind_index(self, value: str) -> str:
        """Return a keyed hash of value for equality look-ups."""
        normalized = value.strip().upper()
        return hmac.new(self._index_key, normalized.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str | None) -> str:
    """138****5678."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_id_number(number: str | None) -> str:
    """330102********123X."""
    if not number:
        return ""
    return number[:6] + "*" * max(len(number) - 10, 4) + number[-4:] if len(number) >= 10 else "****"


def mask_openid(openid: str | None) -> str:
    """Keep enough of an openid to correlate log lines, not to identify the follower."""
    if not openid:
        return ""
    return openid[:4] + "…" + openid[-4:] if len(openid) > 10 else openid[:2] + "…"


def mask_name(name: str | None) -> str:
    """张** for lists."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


_OPENID_IN_QUERY = re.compile(r"(?i)(openid=)[^&\s\"']+")
# A WeChat openid: "o" and 27 URL-safe base64 characters.
_OPENID = re.compile(r"(?<![0-9A-Za-z_-])(o[0-9A-Za-z_-]{3})[0-9A-Za-z_-]{20}([0-9A-Za-z_-]{4})(?![0-9A-Za-z_-])")


def mask_text(text: str) -> str:
    """Mask every ID card or mobile number (in any writing) and every openid inside free text (logs)."""
    from bot.personal_numbers import mask_numbers  # the finders import forms, which import this module

    text = _OPENID_IN_QUERY.sub(lambda m: m.group(1) + mask_openid(m.group(0)[len(m.group(1)):]), text)
    text = _OPENID.sub(lambda m: m.group(1) + "…" + m.group(2), text)
    return mask_numbers(text)
