"""Legal FAQ and benefits from the mini-program: the same content and rules as the chat."""
from __future__ import annotations

from tests.miniprogram_api.conftest import error_of


def test_legal_topics_search_entry_and_aid(api):
    member = api.login()
    topics = member.get("/legal/topics").get_json()["items"]
    assert len(topics) == 9 and all(t["count"] > 0 for t in topics)
    wage = member.get("/legal/topics/wage_arrears").get_json()
    assert wage["title"] and wage["total"] == len(wage["items"]) > 0
    assert member.get("/legal/topics/no_such_topic").status_code == 404

    found = member.get("/legal/search", query_string={"q": "老板拖欠工资三个月了怎么办"}).get_json()
    assert found["total"] >= 1 and found["items"][0]["topic"] == "wage_arrears"
    entry = member.get(f"/legal/faq/{found['items'][0]['id']}").get_json()
    assert entry["citations"] and "12351" in entry["text"]
    assert member.get("/legal/faq/nope").status_code == 404
    assert "12351" in entry["disclaimer"]
    aid = member.get("/legal/aid").get_json()
    assert aid["who_qualifies"] and aid["how_it_works"]
    assert "回复" not in aid["text"] + "".join(aid["how_it_works"]) + entry["text"]  # nothing to reply to in an app
    assert error_of(member.get("/legal/search"))["fields"] == {"q": "这一项必须填写。"}


def test_benefits_are_filtered_for_a_non_member(api, runtime):
    member = api.login()
    page = member.get("/benefits").get_json()
    assert page["is_member"] is False and page["city"] is None
    assert all(not b["members_only"] for b in page["items"])
    assert all(not b["cities"] for b in page["items"])  # no city: province-wide only
    ningbo = member.get("/benefits?city=宁波").get_json()
    assert ningbo["city"] == "宁波" and ningbo["total"] >= page["total"]
    categories = member.get("/benefits/categories").get_json()["items"]
    assert categories and member.get(f"/benefits?category={categories[0]}").get_json()["total"] >= 1

    members_only = next(b for b in runtime_catalogue(runtime).items if b.members_only)
    detail = member.get(f"/benefits/{members_only.id}").get_json()
    assert detail["available_to_you"] is False and detail["how_to"] is None and "入会" in detail["text"]
    assert member.get("/benefits/nope").status_code == 404


def runtime_catalogue(runtime):
    """The catalogue the API serves."""
    from bot.services.benefits import BenefitCatalogue

    return BenefitCatalogue.load(runtime.content_dir)
