"""What a worker types when joining: names, mobile numbers, ID numbers (GB 11643) and places in Zhejiang."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.validation import FieldInvalid
from bot.services import identity_checks as checks
from functools import partial

from bot.config import PROJECT_ROOT
from bot.content import Replies
from bot.services.membership import MembershipContent, check_field as check_field_of
from bot.services.places import Regions
from bot.content_entries import read_yaml

TODAY = date(2026, 11, 27)
REPLIES = Replies(PROJECT_ROOT / "content")  # the hints the checks give are the editors' wording


def with_check_digit(first17: str) -> str:
    return first17 + checks.id_check_digit(first17)


@pytest.mark.parametrize("number", [
    "11010519491231002X",  # the GB 11643 standard's own example
    "330102199506151232",
    "440308198501012348",
])
def test_valid_id_numbers_pass(number):
    today = date(2000, 1, 1) if number.startswith("1101") else TODAY
    assert checks.clean_id_number(number, today, replies=REPLIES) == number


def test_the_check_digit_follows_gb_11643():
    assert checks.id_check_digit("11010519491231002") == "X"
    assert checks.id_check_digit("33010219950615123") == "2"


def test_a_lowercase_x_is_accepted_and_stored_uppercase():
    x_number = next(n for n in (with_check_digit(f"33010619900101{i:03d}") for i in range(1000)) if n.endswith("X"))
    assert checks.clean_id_number(x_number.lower(), TODAY, replies=REPLIES) == x_number


def test_spaces_and_full_width_digits_are_tolerated():
    assert checks.clean_id_number("３３０１０２ １９９５０６１５ １２３２", TODAY, replies=REPLIES) == "330102199506151232"


def test_a_wrong_check_digit_says_so():
    with pytest.raises(FieldInvalid, match="校验位不对"):
        checks.clean_id_number("330102199506151233", TODAY, replies=REPLIES)


@pytest.mark.parametrize("text, hint", [
    ("33010219950615123", "位数不对"),
    ("3301021995061512321", "位数不对"),
    ("330102950615123", "15 位"),
    ("33010219950615123A", "格式不对"),
    ("990102199506151232", "地区代码"),
])
def test_malformed_id_numbers_get_a_specific_hint(text, hint):
    with pytest.raises(FieldInvalid, match=hint):
        checks.clean_id_number(text, TODAY, replies=REPLIES)


@pytest.mark.parametrize("birth", ["19990230", "19991301", "19990000", "20270101", "18991231"])
def test_impossible_or_future_birth_dates_are_refused(birth):
    number = with_check_digit(f"330102{birth}123")  # a correct check digit: only the date is wrong
    with pytest.raises(FieldInvalid, match="出生日期不对"):
        checks.clean_id_number(number, TODAY, replies=REPLIES)


def test_a_worker_must_be_16():
    fifteen = with_check_digit("33010220101128123")  # 16 tomorrow
    sixteen = with_check_digit("33010220101127123")  # 16 today
    with pytest.raises(FieldInvalid, match="不满 16 周岁"):
        checks.clean_id_number(fifteen, TODAY, replies=REPLIES)
    assert checks.clean_id_number(sixteen, TODAY, replies=REPLIES) == sixteen


def test_implausible_ages_over_70_are_refused_with_a_way_forward():
    seventy_one = with_check_digit("33010219551126123")
    seventy = with_check_digit("33010219561127123")
    with pytest.raises(FieldInvalid, match="超过 70 周岁.*12351"):
        checks.clean_id_number(seventy_one, TODAY, replies=REPLIES)
    assert checks.clean_id_number(seventy, TODAY, replies=REPLIES) == seventy


def test_ages_are_counted_in_zhejiang_time():
    # 2026-11-26 17:00 UTC is already the 27th in Zhejiang.
    assert checks.shanghai_today(datetime(2026, 11, 26, 17, 0)) == date(2026, 11, 27)


@pytest.mark.parametrize("text, expected", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("８６１３８１２３４５６７８", "13812345678"),
    ("19912345678", "19912345678"),
])
def test_mobile_numbers_are_cleaned(text, expected):
    assert checks.clean_phone(text, replies=REPLIES) == expected


@pytest.mark.parametrize("text, hint", [
    ("138123", "位数不对.*6 位"),
    ("138123456789", "位数不对.*12 位"),
    ("12812345678", "13 到 19 开头"),
    ("0571-8888888", "13 到 19 开头"),  # a landline is 11 digits too
    ("我的手机号", "只能包含数字"),
])
def test_wrong_mobile_numbers_get_a_specific_hint(text, hint):
    with pytest.raises(FieldInvalid, match=hint):
        checks.clean_phone(text, replies=REPLIES)


@pytest.mark.parametrize("text", ["张三", "欧阳娜娜", "阿卜杜拉·买买提", "阿卜杜拉.买买提", "John Smith"])
def test_real_names_pass(text):
    assert checks.clean_name(text, replies=REPLIES)


@pytest.mark.parametrize("text, hint", [("张", "2 到 20"), ("张3", "数字"), ("张三!", "汉字")])
def test_odd_names_are_asked_again(text, hint):
    with pytest.raises(FieldInvalid, match=hint):
        checks.clean_name(text, replies=REPLIES)


@pytest.fixture(scope="module")
def regions():
    return Regions.load(PROJECT_ROOT / "content")


def test_zhejiang_has_11_cities_and_90_county_level_divisions(regions):
    assert len(regions.cities) == 11
    assert sum(len(c.districts) for c in regions.cities) == 90


@pytest.mark.parametrize("text", ["杭州", "杭州市", "hz", "HZ", "Hangzhou", "浙江杭州", "浙江省杭州市", "杭 州"])
def test_the_ways_workers_name_a_city(regions, text):
    assert regions.check_city(text, replies=REPLIES) == "杭州市"


def test_a_district_at_the_city_question_names_its_city(regions):
    assert regions.check_city("义乌", replies=REPLIES) == "金华市"
    assert regions.check_city("鄞州区", replies=REPLIES) == "宁波市"


def test_an_unknown_city_lists_the_eleven(regions):
    with pytest.raises(FieldInvalid, match="杭州、宁波、温州"):
        regions.check_city("上海", replies=REPLIES)


@pytest.mark.parametrize("text, expected", [("西湖", "西湖区"), ("西湖区", "西湖区"), ("杭州市余杭区", "余杭区"),
                                            ("建德", "建德市"), ("淳安县", "淳安县")])
def test_districts_are_checked_against_the_city(regions, text, expected):
    assert regions.check_district("杭州市", text, replies=REPLIES) == expected


def test_a_district_of_another_city_is_refused_naming_both(regions):
    with pytest.raises(FieldInvalid) as refused:
        regions.check_district("杭州市", "鄞州区", replies=REPLIES)
    assert "不在杭州市" in refused.value.hint and "宁波市" in refused.value.hint and "西湖区" in refused.value.hint


def test_jingning_is_found_by_its_short_name(regions):
    assert regions.check_district("丽水", "景宁", replies=REPLIES) == "景宁畲族自治县"


def test_check_field_applies_the_same_rules_as_the_form(regions):
    content = MembershipContent.parse(read_yaml(PROJECT_ROOT / "content" / "membership.yaml"), regions)
    check_field = partial(check_field_of, content=content, replies=REPLIES)
    assert check_field("phone", "138 1234 5678") == "13812345678"
    assert check_field("city", "nb") == "宁波市"
    assert check_field("district", "海曙", city="宁波市") == "海曙区"
    assert check_field("industry", "3") == "交通运输、快递外卖"
    assert check_field("industry", "送外卖") == "交通运输、快递外卖"
    assert check_field("industry", "文物修复") == "文物修复"
    assert check_field("employer", "无固定单位") == "无固定单位"
    assert check_field("no_fixed_employer", "是") is True
    with pytest.raises(FieldInvalid):
        check_field("industry", "99")
    with pytest.raises(FieldInvalid):
        check_field("occupation", "1")
