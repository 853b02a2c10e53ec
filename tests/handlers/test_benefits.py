"""Benefits as members and non-members ask about them, including follow-ups like 那疗休养呢."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import dialogue
from bot.messages import Inbound
from bot.content_entries import ContentError
from handlers import benefits
from tests.handlers.member_factory import make_member

CONTENT = Path(__file__).resolve().parents[2] / "content"
WORKER = "o_benefit_worker"


@pytest.fixture
def say(runtime):
    def send(text: str, openid: str = WORKER) -> str:
        return dialogue.respond(runtime, Inbound(openid, "text", text=text)).reply.as_text()
    return send


@pytest.fixture
def member_in_ningbo(runtime):
    make_member(runtime, WORKER, city="宁波")


def test_a_non_member_sees_what_joining_brings_and_can_join_by_number(say):
    text = say("工会有什么福利")
    assert "您还不是工会会员" in text and "疗休养" in text
    assert "不是会员也能享受：" in text and "职工书屋" in text
    assert "1 在线入会" in text
    assert "入会" in say("1")


def test_a_non_member_asking_for_a_members_only_benefit_is_told_how_to_get_it(say):
    text = say("电影票怎么领")
    assert "【会员观影优惠】" in text and "会员专享" in text and '回复"入会"' in text
    assert "怎么领：" not in text  # the steps only help once they are a member
    assert "在线入会" in text


def test_a_follow_up_in_context_answers_about_the_new_benefit(say):
    say("电影票怎么领")
    text = say("那疗休养呢")
    assert "【职工疗休养】" in text
    assert "【职工医疗互助" in say("医疗互助呢")


def test_a_member_sees_what_they_are_eligible_for_in_their_city(say, member_in_ningbo):
    text = say("我能享受哪些福利")
    assert "您是工会会员，在宁波可以享受这些福利" in text and "在线入会" not in text
    assert "普惠（" in text
    category = say("1")
    assert "宁波职工健身卡优惠" in category and "杭州会员公园年卡优惠" not in category


def test_a_member_gets_the_steps_and_the_follow_up_works(say, member_in_ningbo):
    text = say("电影票怎么领")
    assert "怎么领：" in text and "谁能享受：" in text and "在线入会" not in text
    text = say("那疗休养呢")
    assert "【职工疗休养】" in text and "怎么领：" in text


def test_a_member_asking_about_a_city_offer_gets_their_citys(say, member_in_ningbo):
    assert "【宁波职工健身卡优惠】" in say("健身卡有优惠吗")


def test_a_member_asking_about_another_citys_route_is_told_where_it_runs(say, runtime):
    make_member(runtime, WORKER, city="杭州")
    text = say("舟山海岛疗休养线路怎么报名")
    assert "【舟山海岛疗休养线路】" in text and "只在舟山开展" in text


def test_a_follow_up_that_is_not_about_benefits_goes_where_it_belongs(say):
    say("电影票怎么领")
    text = say("那加班费呢")
    assert "依据" in text or "加班费怎么算" in text


def test_na_ne_without_a_benefit_before_is_routed_as_usual(say):
    text = say("那疗休养呢")  # the matcher knows 疗休养 is a benefit even without context
    assert "【职工疗休养】" in text


def test_content_check_passes_and_names_the_broken_item(tmp_path):
    benefits.check_content(CONTENT)
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    catalogue = broken / "benefits" / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("cities: [宁波]", "cities: [上海]", 1),
                         encoding="utf-8")
    with pytest.raises(ContentError, match=r"catalogue\.yaml.*ningbo-fitness-card.*上海"):
        benefits.check_content(broken)
