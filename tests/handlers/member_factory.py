"""Make a follower an approved union member, the way staff would (submit, then approve)."""
from __future__ import annotations

import zlib

from bot.services.identity_checks import id_check_digit
from bot.services.people import OFFICIAL

DISTRICTS = {"杭州": "西湖区", "宁波": "海曙区", "温州": "鹿城区", "舟山": "定海区", "绍兴": "越城区"}


def make_member(runtime, openid: str, city: str = "杭州") -> int:
    """Return the person id of openid, now an active member in city."""
    person_id = runtime.people.person_id(OFFICIAL, openid)
    seed = zlib.crc32(openid.encode()) % 100000  # a distinct, valid ID number per follower
    first17 = f"33020319900{seed % 9 + 1}{seed % 28 + 1:02d}{seed % 1000:03d}"
    fields = {"name": "王芳", "phone": f"139{seed:08d}", "id_number": first17 + id_check_digit(first17),
              "employer": "宁波港集团", "no_fixed_employer": False, "city": city,
              "district": DISTRICTS.get(city, ""), "industry": "交通运输业", "occupation": "码头装卸工"}
    membership = runtime.membership
    application = membership.submit(person_id, fields, consent=True, channel="chat")
    membership.review(application.application_no, "approve")
    return person_id
