"""The WeChat callback envelope: signatures, safe-mode encryption, replay protection, XML parsing.

Owned by the webhook. Signatures are compared in constant time; XML is parsed with
defusedxml so no DTD or entity is ever resolved; during an EncodingAESKey change the
previous key still decrypts.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from xml.etree.ElementTree import ParseError

from wechatpy.crypto import PrpCrypto

MAX_BODY_BYTES = 64 * 1024


class EnvelopeError(Exception):
    """Base of the reasons a callback is refused."""

    status = 400


class BadSignature(EnvelopeError):
    status = 403


class Replayed(EnvelopeError):
    status = 403


class Malformed(EnvelopeError):
    status = 400


class TooLarge(EnvelopeError):
    status = 413


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts joined."""
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode()).hexdigest()


def signature_matches(expected: str | None, *parts: str) -> bool:
    """Compare a received signature with ours in constant time."""
    return bool(expected) and hmac.compare_digest(sign(*parts), str(expected).lower())


def parse_xml(body: bytes | str) -> dict:
    """Return the child elements of a WeChat <xml> document as a flat dict; raise Malformed."""
    if isinstance(body, str):
        body = body.encode()
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge("body too large")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise Malformed(f"bad XML: {exc.__class__.__name__}") from exc
    if root.tag != "xml":
        raise Malformed("root element is not <xml>")
    fields: dict = {}
    for child in root:
        # Nested elements: one level is flattened (SendLocationInfo.Location_X); repeated records
        # one level further down (SubscribeMsgPopupEvent > List > TemplateId) become a list of dicts.
        for grandchild in child:
            key = f"{child.tag}.{grandchild.tag}"
            if len(grandchild):
                record = {leaf.tag: (leaf.text or "").strip() for leaf in grandchild}
                fields.setdefault(key, []).append(record)
            else:
                fields[key] = (grandchild.text or "").strip()
        fields[child.tag] = (child.text or "").strip()
    return fields


@dataclass(frozen=True)
class Opened:
    """A verified, decrypted callback."""

    fields: dict[str, str]
    mode: str  # plain, safe, compat
    nonce: str
    timestamp: str


class Envelope:
    """Verify, decrypt and seal callbacks for one service account."""

    def __init__(self, token: str, app_id: str, aes_keys: list[str], replay_window: int = 300):
        self.token = token
        self.app_id = app_id
        self._ciphers = [PrpCrypto(_decode_key(k)) for k in aes_keys if k]
        self.replay_window = replay_window

    def check_timestamp(self, timestamp: str, now: float | None = None) -> None:
        """Refuse a timestamp outside the replay window."""
        try:
            sent = int(timestamp)
        except (TypeError, ValueError):
            raise Malformed("timestamp is not a number") from None
        if abs((now or time.time()) - sent) > self.replay_window:
            raise Replayed("timestamp outside the replay window")

    def verify_server(self, args: dict) -> str:
        """Answer WeChat's server verification: return echostr or raise BadSignature."""
        if not signature_matches(args.get("signature"), self.token, args.get("timestamp", ""), args.get("nonce", "")):
            raise BadSignature("bad signature")
        return args.get("echostr", "")

    def open(self, args: dict, body: bytes) -> Opened:
        """Verify and decrypt an incoming callback; raise an EnvelopeError subclass."""
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not signature_matches(args.get("signature"), self.token, timestamp, nonce):
            raise BadSignature("bad signature")
        self.check_timestamp(timestamp)
        fields = parse_xml(body)
        if args.get("encrypt_type", "raw").lower() != "aes":
            return Opened(fields, "plain", nonce, timestamp)
        encrypted = fields.get("Encrypt")
        if not encrypted:
            raise Malformed("safe mode without <Encrypt>")
        if not signature_matches(args.get("msg_signature"), self.token, timestamp, nonce, encrypted):
            raise BadSignature("bad msg_signature")
        inner = self._decrypt(encrypted)
        mode = "compat" if fields.get("FromUserName") or fields.get("MsgType") else "safe"
        return Opened(parse_xml(inner), mode, nonce, timestamp)

    def _decrypt(self, encrypted: str) -> str:
        if not self._ciphers:
            raise Malformed("safe mode message but no EncodingAESKey is configured")
        for cipher in self._ciphers:  # current key first, then the previous one
            try:
                return cipher.decrypt(encrypted, self.app_id)
            except Exception:  # wrong key gives bad padding, garbage or a foreign app id
                continue
        raise BadSignature("message could not be decrypted with the configured keys")

    def seal(self, xml: str, mode: str, nonce: str, timestamp: str | None = None) -> str:
        """Encrypt and sign a reply for safe or compat mode; plain replies pass through."""
        if mode == "plain" or not xml:
            return xml
        timestamp = timestamp or str(int(time.time()))
        encrypted = self._ciphers[0].encrypt(xml, self.app_id)
        encrypted = encrypted.decode() if isinstance(encrypted, bytes) else encrypted
        return (
            "<xml><Encrypt><![CDATA[{e}]]></Encrypt><MsgSignature><![CDATA[{s}]]></MsgSignature>"
            "<TimeStamp>{t}</TimeStamp><Nonce><![CDATA[{n}]]></Nonce></xml>"
        ).format(e=encrypted, s=sign(self.token, timestamp, nonce, encrypted), t=timestamp, n=nonce)


def _decode_key(aes_key: str) -> bytes:
    import base64

    key = base64.b64decode(aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key
