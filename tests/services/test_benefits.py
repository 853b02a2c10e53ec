"""The benefits catalogue: who gets what where, found from the words workers use."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.services.benefits import BenefitCatalogue
from bot.content_entries import ContentError
from bot.services.places import Regions

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def catalogue() -> BenefitCatalogue:
    return BenefitCatalogue.load(CONTENT)


# ---- the real content -------------------------------------------------------------------
def test_every_category_has_benefits(catalogue):
    assert catalogue.categories() == ["普惠", "疗休养", "医疗互助", "慰问", "会员卡"]
    for category in catalogue.categories():
        assert catalogue.by_category(category), category


def test_every_benefit_says_who_how_and_where(catalogue):
    for b in catalogue.items:
        assert b.name and b.summary and b.eligibility and b.aliases, b.id
        assert b.how_to.startswith("1. "), b.id
        assert all(c in catalogue.regions.short_names() for c in b.cities), b.id


def test_some_benefits_are_for_particular_cities_and_some_are_open_to_all(catalogue):
    assert any(b.cities for b in catalogue.items)
    assert any(not b.members_only for b in catalogue.items)


# ---- who gets what ------------------------------------------------------------------------
def test_a_member_in_wenzhou_sees_wenzhou_and_province_wide_benefits(catalogue):
    ids = {b.id for b in catalogue.for_person(is_member=True, city="温州市")}
    assert {"wenzhou-recuperation-yandang", "recuperation-trip", "birthday-greeting", "medical-mutual-aid-join"} <= ids
    assert "zhoushan-recuperation-island" not in ids
    assert "shaoxing-haircut" not in ids


def test_a_member_without_a_city_sees_only_province_wide_benefits(catalogue):
    assert all(b.province_wide for b in catalogue.for_person(is_member=True, city=None))


def test_a_non_member_sees_only_what_is_open_to_all(catalogue):
    benefits = catalogue.for_person(is_member=False, city="嘉兴")
    assert benefits and all(not b.members_only for b in benefits)
    assert "jiaxing-summer-childcare" in {b.id for b in benefits}
    assert "recuperation-trip" not in {b.id for b in benefits}


def test_city_names_are_read_the_way_workers_write_them(catalogue):
    regions = catalogue.regions
    assert regions.short_name("杭州市") == "杭州"
    assert regions.short_name("宁波") == "宁波"
    assert regions.short_name("溫州") == "温州"  # traditional characters
    assert regions.short_name("上海") is None
    assert regions.short_name(None) is None
    assert [b.id for b in catalogue.for_person(True, "杭州市")] == [b.id for b in catalogue.for_person(True, "杭州")]


def test_the_cities_come_from_places_yaml(tmp_path):
    """A city an editor adds to content/places.yaml is a city the catalogue accepts."""
    shutil.copytree(CONTENT / "benefits", tmp_path / "benefits")
    places = yaml.safe_load((CONTENT / "places.yaml").read_text(encoding="utf-8"))
    places["cities"][0]["name"], places["cities"][0]["aliases"] = "新杭市", ["新杭"]
    (tmp_path / "places.yaml").write_text(yaml.safe_dump(places, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "benefits" / "catalogue.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data["items"]:
        item["cities"] = ["新杭" if c == "杭州" else c for c in item["cities"]]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    catalogue = BenefitCatalogue.load(tmp_path, Regions.load(tmp_path))
    assert "新杭" in catalogue.regions.short_names()
    with pytest.raises(ContentError, match="unknown city 杭州"):
        BenefitCatalogue.load(CONTENT, Regions.load(tmp_path))


# ---- finding a benefit in a message ---------------------------------------------------------
def test_a_follow_up_about_recuperation_finds_recuperation_trips(catalogue):
    found = catalogue.find("那疗休养呢")
    assert found and all(b.category == "疗休养" for b in found)
    assert found[0].id == "recuperation-trip"


@pytest.mark.parametrize("message, expected", [
    ("电影票", "puhui-movie"),
    ("工会的电影票在哪里领，每个月都有吗", "puhui-movie"),
    ("端午節工會有沒有粽子發啊", "festival-greeting"),
    ("今年生日慰问怎么还没收到", "birthday-greeting"),
    ("职工医疗互助怎么参加，一年交多少", "medical-mutual-aid-join"),
    ("我上个月住院了，医疗互助怎么申请报销", "medical-mutual-aid-claim"),
    ("会员卡能在哪些地方打折", "member-card-perks"),
    ("健身房有会员价吗，在宁波办个gym卡太贵了", "ningbo-fitness-card"),
    ("疗修养怎么报名", "recuperation-trip"),
])
def test_a_worker_finds_the_benefit_they_mean(catalogue, message, expected):
    found = catalogue.find(message)
    assert found and found[0].id == expected, (message, [b.id for b in found])


def test_unrelated_words_find_nothing(catalogue):
    assert catalogue.find("今天天气怎么样") == []
    assert catalogue.find("") == []


# ---- what the worker reads -------------------------------------------------------------------
def test_a_member_is_told_how_to_get_it(catalogue):
    text = catalogue.describe(catalogue.get("recuperation-trip"), is_member=True)
    assert "职工疗休养" in text and "怎么领" in text and "1. " in text
    assert "入会" not in text


def test_a_non_member_is_told_membership_gives_it_and_how_to_join(catalogue):
    text = catalogue.describe(catalogue.get("recuperation-trip"), is_member=False)
    assert "会员专享" in text and '回复"入会"' in text
    assert "怎么领" not in text


def test_a_non_member_gets_open_benefits_and_an_invitation(catalogue):
    text = catalogue.describe(catalogue.get("worker-reading-room"), is_member=False)
    assert "怎么领" in text and '回复"入会"' in text


def test_get_returns_none_for_an_unknown_id(catalogue):
    assert catalogue.get("no-such-benefit") is None


# ---- bad content is refused -------------------------------------------------------------------
@pytest.mark.parametrize("changes, complaint", [
    ({"category": "彩票"}, "unknown category '彩票'"),
    ({"cities": ["上海"]}, "unknown city 上海"),
    ({"members_only": "yes"}, "'members_only' must be true or false"),
    ({"how_to": None}, "missing field(s) how_to"),
])
def test_a_bad_item_is_refused_with_its_name(tmp_path, changes, complaint):
    shutil.copytree(CONTENT / "benefits", tmp_path / "benefits")
    shutil.copy(CONTENT / "places.yaml", tmp_path / "places.yaml")
    path = tmp_path / "benefits" / "catalogue.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    item = next(i for i in data["items"] if i["id"] == "puhui-movie")
    for key, value in changes.items():
        if value is None:
            item.pop(key)
        else:
            item[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        BenefitCatalogue.load(tmp_path)
    message = str(raised.value)
    assert "catalogue.yaml" in message and "puhui-movie" in message and complaint in message
