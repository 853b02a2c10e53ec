"""Applications to join the union: one open at a time, numbers at rest only encrypted, reviews notified."""
from __future__ import annotations

import re
import shutil
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from bot.validation import FieldInvalid
from bot.services.identity_checks import id_check_digit
from bot.services.membership import (
    ConsentRequired,
    DuplicateApplication,
    InvalidDecision,
    MembershipService,
    ValidationFailed,
    check_content,
)
from bot.services.people import MINIPROGRAM, OFFICIAL
from bot.storage.models import Follower, Member, MembershipApplication

CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
PHONE = "13812345678"
ID_NUMBER = "330102199506151232"


def fields(**changes) -> dict:
    base = {"name": "张三", "phone": PHONE, "id_number": ID_NUMBER, "employer": "杭州娃哈哈集团有限公司",
            "no_fixed_employer": False, "city": "杭州", "district": "西湖区", "industry": "制造业",
            "occupation": "车间操作工"}
    return {**base, **changes}


def another_id(seed: int) -> str:
    first17 = f"330106199001{seed % 28 + 1:02d}{seed % 1000:03d}"
    return first17 + id_check_digit(first17)


@pytest.fixture
def service(runtime) -> MembershipService:
    runtime.config = runtime.config.with_overrides(membership_template_id="TPL_MEMBERSHIP_STATUS")
    return runtime.membership


@pytest.fixture
def person(runtime):
    """Make a follower of the service account; return their person id."""
    def make(openid: str = "o_worker_1", wrote_recently: bool = True) -> int:
        person_id = runtime.people.person_id(OFFICIAL, openid)
        if wrote_recently:
            with runtime.database.session() as session:
                session.add(Follower(openid=openid, subscribed=True, last_message_at=runtime.clock()))
        return person_id
    return make


def test_submitting_creates_a_quotable_application_with_masked_numbers(service, person):
    view = service.submit(person(), fields(), consent=True, channel="official")
    assert re.fullmatch(r"RH\d{8}-\d{5}", view.application_no)
    assert view.status == "submitted" and view.status_label == "审核中"
    assert view.name == "张*" and view.phone == "138****5678" and view.id_number == "330102********1232"
    assert view.city == "杭州市" and view.district == "西湖区"
    assert view.to_dict()["created_at"]


def test_consent_is_required_and_recorded(service, person, runtime):
    person_id = person()
    with pytest.raises(ConsentRequired):
        service.submit(person_id, fields(), consent=False, channel="official")
    view = service.submit(person_id, fields(), consent=True, channel="miniprogram")
    with runtime.database.session() as session:
        row = session.scalar(select(MembershipApplication).where(
            MembershipApplication.application_no == view.application_no))
        assert row.consent_at is not None and row.consent_version == "2026-11" and row.channel == "miniprogram"


def test_every_wrong_field_is_reported_with_its_hint(service, person):
    with pytest.raises(ValidationFailed) as failed:
        service.submit(person(), fields(phone="138123", id_number="330102199506151233", district="鄞州区",
                                        employer=""), consent=True, channel="official")
    hints = failed.value.fields
    assert "位数不对" in hints["phone"] and "校验位不对" in hints["id_number"]
    assert "不在杭州市" in hints["district"] and "工作单位" in hints["employer"]


def test_gig_workers_apply_without_an_employer(service, person):
    view = service.submit(person(), fields(employer="", no_fixed_employer=True, occupation="外卖骑手"),
                          consent=True, channel="official")
    assert view.no_fixed_employer and view.employer == ""


def test_a_second_open_application_is_refused_with_the_first_number(service, person):
    person_id = person()
    first = service.submit(person_id, fields(), consent=True, channel="official")
    with pytest.raises(DuplicateApplication) as duplicate:
        service.submit(person_id, fields(id_number=another_id(1)), consent=True, channel="miniprogram")
    assert duplicate.value.application_no == first.application_no and duplicate.value.status == "submitted"


def test_the_same_id_cannot_apply_under_two_wechat_accounts_and_is_not_revealed(service, person):
    service.submit(person("o_first"), fields(), consent=True, channel="official")
    with pytest.raises(DuplicateApplication) as duplicate:
        service.submit(person("o_second"), fields(), consent=True, channel="official")
    assert duplicate.value.application_no == "" and "身份证号" in duplicate.value.message


def test_after_a_rejection_the_worker_may_apply_again(service, person):
    person_id = person()
    first = service.submit(person_id, fields(), consent=True, channel="official")
    service.review(first.application_no, "reject", "单位信息无法核实")
    second = service.submit(person_id, fields(employer="杭州某某科技有限公司"), consent=True, channel="official")
    assert second.application_no != first.application_no
    assert service.current_application(person_id).application_no == second.application_no


def test_phone_and_id_numbers_never_appear_in_the_database(service, person, runtime):
    view = service.submit(person(), fields(), consent=True, channel="official")
    service.review(view.application_no, "approve")
    with runtime.database.engine.connect() as connection:
        for table in ("membership_applications", "members", "membership_status_changes"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                dumped = " ".join(str(value) for value in row)
                assert PHONE not in dumped and ID_NUMBER not in dumped, table


def test_staff_lists_are_masked(service, person):
    service.submit(person(), fields(), consent=True, channel="official")
    [listed] = service.pending()
    dumped = str(listed.to_dict())
    assert PHONE not in dumped and ID_NUMBER not in dumped and "张三" not in dumped
    assert listed.phone == "138****5678"


def test_approval_issues_a_member_number_and_tells_the_worker_in_the_chat(service, person, fake_wechat):
    person_id = person("o_recent", wrote_recently=True)
    view = service.submit(person_id, fields(), consent=True, channel="official")
    approved = service.review(view.application_no, "approve", reviewer="李老师")
    assert approved.status == "approved" and re.fullmatch(r"ZJ3301\d{8}", approved.member_no)
    assert service.is_member(person_id) and service.member_city(person_id) == "杭州市"
    card = service.membership(person_id)
    assert card.member_no == approved.member_no and card.name == "张三" and card.perks
    [sent] = fake_wechat.calls(CUSTOM_SEND)
    assert sent["json"]["touser"] == "o_recent" and approved.member_no in sent["json"]["text"]["content"]
    steps = service.history(person_id, view.application_no)
    assert [s.to_status for s in steps] == ["submitted", "approved"]
    assert steps[-1].actor == "李老师" and steps[-1].notified_via == "customer_service"


def test_outside_the_48_hour_window_the_worker_gets_a_template_message(service, person, runtime, fake_wechat):
    person_id = person("o_quiet", wrote_recently=False)
    with runtime.database.session() as session:
        session.add(Follower(openid="o_quiet", subscribed=True, last_message_at=runtime.clock() - timedelta(hours=49)))
    view = service.submit(person_id, fields(), consent=True, channel="official")
    service.review(view.application_no, "reject", "工作单位不在浙江省内")
    assert fake_wechat.calls(CUSTOM_SEND) == []
    [sent] = fake_wechat.calls(TEMPLATE_SEND)
    assert sent["json"]["template_id"] == "TPL_MEMBERSHIP_STATUS"
    assert sent["json"]["data"]["keyword1"]["value"] == view.application_no
    assert service.history(person_id, view.application_no)[-1].notified_via == "template"


def test_a_failed_notification_does_not_undo_the_decision(service, person, fake_wechat):
    person_id = person()
    view = service.submit(person_id, fields(), consent=True, channel="official")
    fake_wechat.inject(CUSTOM_SEND, errcode=45047, times=None)
    approved = service.review(view.application_no, "approve")
    assert approved.status == "approved" and service.is_member(person_id)
    assert service.history(person_id, view.application_no)[-1].notified_via == "failed"


def test_need_info_then_resubmit_then_approve(service, person, fake_wechat):
    person_id = person()
    view = service.submit(person_id, fields(), consent=True, channel="official")
    with pytest.raises(InvalidDecision, match="原因"):
        service.review(view.application_no, "need_info")
    asked = service.review(view.application_no, "need-info", "请填写单位全称")
    assert asked.status == "need_info" and asked.reason == "请填写单位全称"
    assert "请填写单位全称" in fake_wechat.calls(CUSTOM_SEND)[-1]["json"]["text"]["content"]
    with pytest.raises(DuplicateApplication):  # need_info is still open
        service.submit(person_id, fields(), consent=True, channel="official")
    again = service.resubmit(person_id, view.application_no, {"employer": "杭州娃哈哈集团有限公司销售分公司"})
    assert again.status == "submitted" and again.employer.endswith("销售分公司") and again.phone == "138****5678"
    with pytest.raises(InvalidDecision):
        service.resubmit(person_id, view.application_no, {})
    service.review(view.application_no, "approve")
    with pytest.raises(InvalidDecision, match="已通过"):
        service.review(view.application_no, "approve")
    assert [s.to_status for s in service.history(person_id, view.application_no)] == [
        "submitted", "need_info", "submitted", "approved"]


def test_a_resubmission_is_checked_like_a_submission(service, person):
    person_id = person()
    view = service.submit(person_id, fields(), consent=True, channel="official")
    service.review(view.application_no, "need_info", "手机号无法接通")
    with pytest.raises(ValidationFailed) as failed:
        service.resubmit(person_id, view.application_no, {"phone": "1381234567"})
    assert "位数不对" in failed.value.fields["phone"]


def test_rejecting_needs_a_reason_and_unknown_decisions_are_refused(service, person):
    view = service.submit(person(), fields(), consent=True, channel="official")
    with pytest.raises(InvalidDecision):
        service.review(view.application_no, "reject", "  ")
    with pytest.raises(InvalidDecision):
        service.review(view.application_no, "maybe")


def test_a_worker_only_sees_their_own_application(service, person):
    owner, other = person("o_owner"), person("o_other")
    view = service.submit(owner, fields(), consent=True, channel="official")
    assert service.application(owner, view.application_no).application_no == view.application_no
    assert service.application(other, view.application_no) is None
    assert service.history(other, view.application_no) == []
    with pytest.raises(LookupError):
        service.resubmit(other, view.application_no, {})
    assert service.current_application(other) is None


def test_the_application_follows_the_person_when_two_accounts_turn_out_to_be_one(service, person, runtime):
    mini = runtime.people.person_id(MINIPROGRAM, "o_mini")  # the older record, which survives a merge
    official = person("o_official")
    view = service.submit(official, fields(), consent=True, channel="official")
    service.review(view.application_no, "approve")
    runtime.people.person_id(MINIPROGRAM, "o_mini", unionid="u1")
    survivor = runtime.people.person_id(OFFICIAL, "o_official", unionid="u1")
    assert survivor == mini != official
    assert service.is_member(survivor) and service.application(survivor, view.application_no) is not None


def test_deleting_personal_data_erases_names_and_numbers_but_keeps_counts(service, person, runtime):
    person_id = person("o_forget_me")
    first = service.submit(person_id, fields(), consent=True, channel="official")
    service.review(first.application_no, "approve")
    service.delete_personal_data(person_id)
    assert not service.is_member(person_id) and service.membership(person_id) is None
    assert service.current_application(person_id) is None
    with runtime.database.session() as session:
        row = session.scalar(select(MembershipApplication).where(
            MembershipApplication.application_no == first.application_no))
        assert (row.name, row.phone_encrypted, row.id_encrypted, row.id_index, row.person_id) == (None,) * 5
        assert row.city == "杭州市" and row.erased_at is not None
        member = session.scalar(select(Member))
        assert member.status == "erased" and member.name is None and member.id_index is None
        assert member.city == "杭州市" and session.scalar(select(func.count()).select_from(Member)) == 1
    # With the ID released, the same worker may join again later.
    service.submit(person_id, fields(), consent=True, channel="official")


def test_deleting_withdraws_an_open_application(service, person):
    person_id = person()
    service.submit(person_id, fields(), consent=True, channel="official")
    service.delete_personal_data(person_id)
    assert service.pending() == []


def test_two_concurrent_submissions_by_one_person_make_exactly_one_application(service, person, runtime):
    person_id = person()
    results, barrier = [], threading.Barrier(2)

    def apply(seed: int) -> None:
        barrier.wait()
        try:
            results.append(service.submit(person_id, fields(id_number=another_id(seed)), consent=True,
                                          channel="official"))
        except DuplicateApplication as duplicate:
            results.append(duplicate)

    threads = [threading.Thread(target=apply, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(r).__name__ for r in results) == ["ApplicationView", "DuplicateApplication"]
    with runtime.database.session() as session:
        assert session.scalar(select(func.count()).select_from(MembershipApplication)) == 1


def test_many_accounts_racing_with_one_id_make_exactly_one_application(service, person, runtime):
    people = [person(f"o_racer_{i}") for i in range(8)]
    results, barrier = [], threading.Barrier(len(people))

    def apply(person_id: int) -> None:
        barrier.wait()
        try:
            results.append(service.submit(person_id, fields(), consent=True, channel="official"))
        except DuplicateApplication as duplicate:
            results.append(duplicate)

    threads = [threading.Thread(target=apply, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if not isinstance(r, DuplicateApplication)) == 1
    assert len(results) == len(people)


def test_member_openids_stream_members_by_city_and_industry(service, person, runtime):
    hangzhou = person("o_hz")
    ningbo = person("o_nb")
    for person_id, changes in ((hangzhou, {}), (ningbo, {"city": "宁波", "district": "鄞州", "industry": "3",
                                                         "id_number": another_id(5)})):
        view = service.submit(person_id, fields(**changes), consent=True, channel="official")
        service.review(view.application_no, "approve")
    service.submit(person("o_applicant"), fields(id_number=another_id(6)), consent=True, channel="official")
    assert sorted(service.member_openids()) == ["o_hz", "o_nb"]
    assert list(service.member_openids(city="杭州")) == ["o_hz"]
    assert list(service.member_openids(city="宁波市")) == ["o_nb"]
    assert list(service.member_openids(industry="交通运输、快递外卖")) == ["o_nb"]
    assert list(service.member_openids(industry="快递")) == ["o_nb"]  # an alias, as an editor may type it
    assert [m["name"] for m in service.members(city="hz")] == ["张*"]


def test_the_membership_content_passes_its_check(runtime):
    check_content(runtime.content_dir)


def test_a_broken_membership_content_names_the_file_and_entry(tmp_path, runtime):
    shutil.copy(runtime.content_dir / "places.yaml", tmp_path / "places.yaml")
    (tmp_path / "membership.yaml").write_text("intro: hi\nconsent_notice: x\nconsent_version: '1'\n"
                                              "next_steps: x\ncard_perks: x\nprompts: {name: x}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"membership.yaml \[prompts\]: missing phone"):
        check_content(tmp_path)


def test_cities_in_membership_yaml_are_refused_they_belong_in_places(tmp_path, runtime):
    shutil.copy(runtime.content_dir / "places.yaml", tmp_path / "places.yaml")
    text = (runtime.content_dir / "membership.yaml").read_text(encoding="utf-8")
    (tmp_path / "membership.yaml").write_text(text + "\ncities: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="places.yaml"):
        check_content(tmp_path)


def test_membership_checks_cities_against_places_yaml(tmp_path, runtime):
    """An edit to content/places.yaml changes what the join form accepts, without a restart."""
    from bot.content import ContentFile
    from bot.services.places import Regions

    regions = Regions.load(runtime.content_dir)
    service = MembershipService(runtime.database, runtime.cipher, ContentFile(runtime.content_dir / "membership.yaml"),
                                replies=runtime.replies, places=lambda: regions, clock=runtime.now, people=runtime.people,
                                conversations=runtime.conversations, notifier=runtime.notifier)
    assert service.check_field("city", "舟山") == "舟山市"
    regions = Regions([c for c in regions.cities if c.short != "舟山"])
    with pytest.raises(FieldInvalid):
        service.check_field("city", "舟山")


def test_the_database_itself_refuses_a_second_open_application(service, person, runtime):
    from sqlalchemy.exc import IntegrityError

    person_id = person()
    first = service.submit(person_id, fields(), consent=True, channel="official")
    with pytest.raises(IntegrityError):
        with runtime.database.session() as session:  # bypassing the service's own check
            session.add(MembershipApplication(application_no="RH-BYPASS", person_id=person_id, status="need_info",
                                              channel="console", consent_at=runtime.clock(), consent_version="x",
                                              id_index="another-id"))
    service.review(first.application_no, "reject", "测试")
    with runtime.database.session() as session:  # a closed application no longer counts
        session.add(MembershipApplication(application_no="RH-BYPASS", person_id=person_id, status="submitted",
                                          channel="console", consent_at=runtime.clock(), consent_version="x",
                                          id_index="another-id"))


def test_an_application_number_with_a_nul_byte_is_simply_not_found(service, person):
    """PostgreSQL refuses NUL in text; a number typed with one is nobody's application, not a server error."""
    worker = person()
    assert service.application(worker, "RH2026\x001127-00001") is None
    assert service.history(worker, "\x00") == []
