"""WeChat's signature and safe-mode encryption, against known vectors and random keys."""
import base64
import os

import pytest
from wechatpy.crypto import WeChatCrypto

from bot.wechat.envelope import BadSignature, Envelope, Malformed, Replayed, parse_xml, sign


def test_signature_matches_the_published_vector():
    # Vector shared by the WeChat SDKs: token "test", timestamp 123456, nonce "test", encrypt "rust".
    assert sign("test", "123456", "test", "rust") == "d6056f2bb3ad3e30f4afa5ef90cc9ddcdc7b7b27"


def test_decrypts_the_published_ciphertext():
    envelope = Envelope("123456", "rust", ["kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"])
    assert envelope._decrypt("9s4gMv99m88kKTh/H8IdkNiFGeG9pd7vNWl50fGRWXY=") == "test"


@pytest.mark.parametrize("trial", range(5))
def test_round_trip_with_random_keys_interoperates_with_wechatpy(trial):
    key = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    ours = Envelope("tok", "wxapp", [key])
    theirs = WeChatCrypto("tok", key, "wxapp")
    sealed = ours.seal("<xml><Content>你好</Content></xml>", "safe", "nonce1", "1700000000")
    fields = parse_xml(sealed)
    assert theirs.decrypt_message(sealed, fields["MsgSignature"], "1700000000", "nonce1") == "<xml><Content>你好</Content></xml>"
    encrypted_by_them = theirs.encrypt_message("<xml><A>1</A></xml>", "n2", "1700000001")
    assert ours._decrypt(parse_xml(encrypted_by_them)["Encrypt"]) == "<xml><A>1</A></xml>"


def test_a_foreign_app_id_is_refused():
    key = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    sealed = Envelope("tok", "wx_other", [key]).seal("<xml/>", "safe", "n", "1")
    with pytest.raises(BadSignature):
        Envelope("tok", "wx_ours", [key])._decrypt(parse_xml(sealed)["Encrypt"])


def test_old_timestamps_are_replays():
    envelope = Envelope("tok", "wx", [], replay_window=300)
    envelope.check_timestamp("1000", now=1200)
    with pytest.raises(Replayed):
        envelope.check_timestamp("1000", now=1301)
    with pytest.raises(Malformed):
        envelope.check_timestamp("soon", now=1)


@pytest.mark.parametrize("body", [
    b"",
    b"not xml",
    b"<xml><Content>unclosed</xml>",
    b"<html><body/></html>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><xml><C>&b;</C></xml>',
])
def test_malformed_and_hostile_xml_is_refused(body):
    with pytest.raises(Malformed):
        parse_xml(body)
