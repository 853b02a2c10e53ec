"""入会进度, 会员卡 and membership questions (会籍转移, 会费, 补办会员卡, 入会证明).

The matcher sends every membership question here (intent membership_query); the words of the
question decide whether it is about the worker's own records (progress, card) or a general
question answered from content/membership.yaml.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.messages import Reply
from bot.turn import Turn

CARD_WORDS = ("会员卡", "会员证", "电子会员", "会员号", "会员编号", "卡号")
MENU = ("返回菜单", "@intent:greeting_help")


def handle(turn: Turn) -> Reply:
    """Answer a membership question: a content answer, the member card, or the application's progress."""
    text = turn.text or ""
    service = turn.services.membership
    entry = service.content.answer_for(text) if text else None
    if entry is not None:
        return answer(turn, entry)
    if any(word in text for word in CARD_WORDS):
        return card(turn)
    return progress(turn)


def answer(turn: Turn, entry: dict) -> Reply:
    """A general membership question answered from content."""
    return turn.offer(str(entry["text"]).strip(),
                     [("查看我的入会进度 / 会员卡", "@intent:membership_query"), ("转人工咨询", "@intent:human_agent"),
                      MENU])


def card(turn: Turn) -> Reply:
    """The worker's electronic member card, or why they have none yet."""
    member = turn.services.membership.membership(turn.worker.person_id)
    if member is None:
        return progress(turn, head="您还不是工会会员，暂时没有会员卡。")
    return _card(turn, member)


def progress(turn: Turn, head: str = "") -> Reply:
    """Where the worker's application stands (or their card, once they are a member)."""
    service = turn.services.membership
    person_id = turn.worker.person_id
    member = service.membership(person_id)
    if member is not None:
        return _card(turn, member, head="您已经是工会会员了。")
    application = service.current_application(person_id)
    lead = f"{head}\n" if head else ""
    if application is None:
        paused = turn.state.context.get("paused_form") or {}
        if turn.state.form == "join_union" or paused.get("form") == "join_union":
            return turn.offer(f"{lead}您的入会申请还没有提交：填到一半的内容已为您保存（保留一天）。",
                             [("继续填写入会申请", "@action:resume_form:"), MENU])
        return turn.offer(f"{lead}您还没有提交过入会申请。在线入会免费，约 3 分钟就能填完。",
                         [("在线入会", "@intent:join_union"), MENU])
    lines = [f"{lead}您的入会申请 {application.application_no}",
             f"状态：{application.status_label}"]
    steps = service.history(person_id, application.application_no)
    if steps:
        lines.append("进度：" + " → ".join(f"{_local(s.created_at):%m-%d %H:%M} {_step_label(s)}" for s in steps[-4:]))
    if application.status == "submitted":
        days = service.content.data.get("review_days", 5)
        lines.append(f"所在地工会一般在 {days} 个工作日内审核完毕，结果会通过微信通知您。")
        return turn.offer("\n".join(lines), [("看看会员福利", "@intent:benefit_query"), MENU])
    if application.status == "need_info":
        lines.append(f"需要补充：{application.reason}")
        return turn.offer("\n".join(lines), [("修改后重新提交", "@intent:join_union"),
                                            ("转人工咨询", "@intent:human_agent"), MENU])
    if application.status == "rejected":
        lines.append(f"原因：{application.reason}")
        lines.append("如有疑问可转人工或拨打职工服务热线 12351，也可以修改信息后重新申请。")
        return turn.offer("\n".join(lines), [("重新申请入会", "@intent:join_union"),
                                            ("转人工咨询", "@intent:human_agent"), MENU])
    return turn.offer("\n".join(lines), [("重新申请入会", "@intent:join_union"), MENU])


def _card(turn: Turn, member, head: str = "") -> Reply:
    employer = member.employer
    if member.no_fixed_employer:
        employer = f"无固定单位（{member.employer}）" if member.employer else "无固定单位"
    lines = [head] if head else []
    lines += ["【浙江工会 电子会员卡】",
              f"姓名：{member.name}",
              f"会员号：{member.member_no}",
              f"所在地：{member.city}{member.district}",
              f"工作单位：{employer}",
              f"入会日期：{_local(member.joined_at):%Y年%m月%d日}",
              "",
              member.perks.strip()]
    return turn.offer("\n".join(lines), [("福利查询", "@intent:benefit_query"), ("工会活动", "@intent:activity"), MENU])


def _step_label(step) -> str:
    return "已提交" if step.from_status is None else step.status_label


def _local(moment: datetime) -> datetime:
    """Zhejiang time of a stored (UTC) time."""
    return moment + timedelta(hours=8)
