"""QR channels: staff create a parametric QR code for a poster, factory, event or city union, download it,
and see the followers it brought, those it kept and the services they used."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from bot.console.web import console, forbidden, record, requires, runtime, say, staff
from bot.services.places import CITIES, normalize_city
from bot.stats.channels import ChannelRefused, Channels, qr_png
from bot.wechat.client import WeChatError


def _channels() -> Channels:
    return Channels(runtime().database, runtime().wechat, runtime().clock)


@console.route("/channels", methods=["GET", "POST"])
@requires("channels")
def channels():
    """The channels of the account's city (all for a province-wide account), and the form to add one."""
    me = staff()
    if request.method == "POST":
        city = me.city or normalize_city(request.form.get("city") or "") or None
        try:
            channel = _channels().create(request.form.get("name", ""), city=city, scene=request.form.get("scene"),
                                         welcome=request.form.get("welcome"), created_by=me.username)
        except ChannelRefused as refused:
            flash(say(refused.reason), "error")
        except WeChatError as error:
            flash(say("channel_wechat_failed", errcode=error.errcode), "error")
        else:
            record("channel.create", channel.scene, name=channel.name, city=city or "")
            flash(say("channel_created", name=channel.name), "info")
            return redirect(url_for("console.channels"))
    return render_template("console/channels.html", channels=_channels().figures(city=me.city), cities=CITIES)


@console.route("/channels/<int:channel_id>.png")
@requires("channels")
def channel_image(channel_id: int):
    """The channel's QR code as a PNG to print."""
    channel = _channels().get(channel_id)
    if channel is None or not channel.url:
        return render_template("console/error.html", message=say("console_not_found")), 404
    if staff().city and channel.city != staff().city:
        return forbidden()
    download = {"Content-Disposition": f"attachment; filename=qr-{channel.scene}.png"} if request.args.get("download") else {}
    return Response(qr_png(channel.url), mimetype="image/png", headers=download)
