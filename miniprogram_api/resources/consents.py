"""Subscribe-message consents, recorded where the push side reads them (push_subscribe_consents).

Each 'accept' allows one message of that template to this mini-program openid; 'reject' and
'ban' record the refusal ('ban' also drops what was left: the member switched it off);
'filter' means WeChat itself filtered the template and records nothing.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.services.people import MINIPROGRAM
from bot.storage.models import Identity, MiniprogramSession, SubscribeConsent
from miniprogram_api.auth import current_member
from miniprogram_api.errors import ApiError
from miniprogram_api.schemas.consents import ConsentRequest
from miniprogram_api.services import runtime


def _openids(session, person_id: int) -> list[str]:
    return list(session.scalars(select(Identity.openid).where(
        Identity.person_id == person_id, Identity.channel == MINIPROGRAM)))


def _listing(session, person_id: int) -> dict:
    rows = session.scalars(select(SubscribeConsent).where(
        SubscribeConsent.openid.in_(_openids(session, person_id))).order_by(SubscribeConsent.template_id))
    return {"items": [{"template_id": r.template_id, "status": r.last_status, "remaining": r.remaining,
                       "updated_at": r.updated_at} for r in rows]}


def mine() -> dict:
    """List what the member agreed to receive."""
    with runtime().database.session() as session:
        return _listing(session, current_member().person_id)


def record(body: ConsentRequest) -> dict:
    """Record the member's answers to a subscribe-message request."""
    member = current_member()
    rt = runtime()
    for attempt in (1, 2):  # two first answers for the same template may race on the unique key
        try:
            with rt.database.session() as session:
                openid = session.scalar(select(MiniprogramSession.openid)
                                        .where(MiniprogramSession.public_id == member.sid))
                if openid is None:
                    raise ApiError(401, "token_invalid", "登录信息无效，请重新登录。")
                now = rt.clock()
                for template_id, decision in body.results.items():
                    if decision == "filter":
                        continue
                    row = session.scalar(select(SubscribeConsent).where(
                        SubscribeConsent.openid == openid, SubscribeConsent.template_id == template_id)
                        .with_for_update())
                    if row is None:
                        row = SubscribeConsent(openid=openid, template_id=template_id, remaining=0,
                                               last_status="reject", source=MINIPROGRAM)
                        session.add(row)
                    if decision == "accept":
                        row.remaining = (row.remaining or 0) + 1
                        row.last_status = "accept"
                    else:
                        row.last_status = "reject"
                        if decision == "ban":
                            row.remaining = 0
                    row.updated_at = now
                    session.flush()
                return _listing(session, member.person_id)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
