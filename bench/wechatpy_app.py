"""The second baseline for bench/webhook.py: a minimal wechatpy webhook that verifies, parses and replies.

No storage, no dedup, no dialogue: the signature (and in safe mode the AES envelope) is checked,
the XML parsed and a fixed text reply rendered, as wechatpy's own example does.
"""
import os

from flask import Flask, request
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

TOKEN = os.environ["WECHAT_TOKEN"]
crypto = WeChatCrypto(TOKEN, os.environ["WECHAT_ENCODING_AES_KEY"], os.environ["WECHAT_APP_ID"])
app = Flask(__name__)


@app.post("/wechat")
def wechat():
    """Verify, parse, reply."""
    args = request.args
    try:
        check_signature(TOKEN, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
    except InvalidSignatureException:
        return "forbidden", 403
    body = request.get_data()
    if args.get("encrypt_type") == "aes":
        try:
            body = crypto.decrypt_message(body, args.get("msg_signature", ""), args["timestamp"], args["nonce"])
        except InvalidSignatureException:
            return "forbidden", 403
        message = parse_message(body)
        return crypto.encrypt_message(create_reply("收到", message).render(), args["nonce"], args["timestamp"])
    return create_reply("收到", parse_message(body)).render()


@app.get("/healthz")
def healthz():
    """For the benchmark's start-up wait."""
    return "ok"
