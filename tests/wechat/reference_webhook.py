"""A webhook written with wechatpy alone, as WeChat's documentation describes it: the simulator's reference."""
from __future__ import annotations

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import ArticlesReply, TextReply, TransferCustomerServiceReply
from wechatpy.utils import check_signature

TOKEN = "sim-test-token"
APP_ID = "wx_sim_test_app"
AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"


def make_reference_webhook(tamper_reply_signature: bool = False) -> Flask:
    """A webhook written only with wechatpy, as WeChat's documentation describes it."""
    app = Flask(__name__)
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    app.config["seen"] = []  # (query, body, parsed message) of every message processed

    @app.route("/wechat", methods=["GET", "POST"])
    def wechat() -> Response:
        args = request.args
        try:
            check_signature(TOKEN, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
        except InvalidSignatureException:
            return Response("bad signature", status=403)
        if request.method == "GET":
            return Response(args.get("echostr", ""))
        body = request.get_data()
        encrypted = args.get("encrypt_type") == "aes"
        if encrypted:
            try:
                xml = crypto.decrypt_message(body, args.get("msg_signature", ""), args["timestamp"], args["nonce"])
            except InvalidSignatureException:
                return Response("bad msg_signature", status=403)
        else:
            xml = body
        message = parse_message(xml)
        app.config["seen"].append((dict(args), body, message))
        if message.type == "text" and message.content == "人工":
            reply = TransferCustomerServiceReply(message=message)
        elif message.type == "event" and message.event == "click":
            reply = ArticlesReply(message=message, articles=[
                {"title": "在线入会", "description": "三步完成入会", "url": "https://example.invalid/join", "image": ""},
                {"title": "入会须知", "description": "", "url": "https://example.invalid/faq", "image": ""}])
        elif message.type == "event" and message.event == "unsubscribe":
            return Response("success")
        else:
            summary = {"text": getattr(message, "content", ""), "voice": getattr(message, "recognition", ""),
                       "image": getattr(message, "image", ""), "link": getattr(message, "url", ""),
                       "location": f"{getattr(message, 'location', '')} {getattr(message, 'label', '')}"}
            detail = summary.get(message.type, getattr(message, "event", ""))
            reply = TextReply(message=message, content=f"收到{message.type}：{detail}")
        rendered = reply.render()
        if encrypted:
            rendered = crypto.encrypt_message(rendered, args["nonce"])
            if tamper_reply_signature:
                rendered = rendered.replace("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0")
        return Response(rendered, mimetype="text/xml")

    return app
