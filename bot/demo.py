"""Demo content for the embedded default: loaded by `make run`, idempotent."""
from __future__ import annotations

from bot.console.demo import load_demo_staff
from bot.push.demo import load_demo_followers
from bot.services.activities import load_demo_activities
from bot.services.people import OFFICIAL
from bot.stats.demo import load_demo_figures

DEMO_OPENID = "o_demo_member"
DEMO_FIELDS = {"name": "王小明", "phone": "13900001234", "id_number": "330106199003072319",
               "employer": "", "no_fixed_employer": True, "city": "杭州", "district": "西湖区",
               "industry": "交通运输、快递外卖", "occupation": "外卖骑手"}


def load_demo_member(runtime) -> str:
    """A demo member (openid o_demo_member, a delivery rider in Hangzhou) for trying cards and benefits."""
    service = runtime.membership
    person_id = runtime.people.person_id(OFFICIAL, DEMO_OPENID)
    if service.is_member(person_id):
        return "demo member already there"
    application = service.current_application(person_id)
    if application is None or application.status not in ("submitted", "need_info"):
        application = service.submit(person_id, DEMO_FIELDS, consent=True, channel="console")
    service.review(application.application_no, "approve", reviewer="demo", notify=False)  # nobody to tell
    return f"demo member {DEMO_OPENID} approved"


# Loaders taking the Runtime, each safe to run again; in this order (the followers include the demo member).
# The demo figures come last: they aggregate every day, the other demo rows included.
DEMO_LOADERS = [load_demo_activities, load_demo_member, load_demo_followers, load_demo_staff, load_demo_figures]


def load_demo_content(runtime) -> list[str]:
    """Run every demo loader; return what each reported."""
    return [f"{loader.__name__}: {loader(runtime)}" for loader in DEMO_LOADERS]
