"""TicketService: numbers, ownership, content security, answers reaching the worker, staff views, erasure."""
from __future__ import annotations

import json
import re
import shutil
import threading
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import Services
from bot.services.people import OFFICIAL
from bot.services.tickets import (FLAGGED_PLACEHOLDER, KINDS, MAX_TEXT, TicketRejected, check_content, normalize_mobile,
                                  normalize_number)
from bot.storage.models import Follower, Ticket, TicketReply
from bot.cli.tickets import tickets as tickets_cli

STORY = "公司拖欠我三个月工资，一共一万二，老板说没钱"


@pytest.fixture
def service(runtime):
    runtime.config = runtime.config.with_overrides(tickets_template_id_answer="TPL_TICKET_ANSWER")
    return runtime.tickets


@pytest.fixture
def worker(runtime):
    """A follower who wrote to the account a minute ago; returns their person id."""
    def make(openid: str = "o_worker_0001", last_message_minutes_ago: float | None = 1) -> int:
        with runtime.database.session() as session:
            last = runtime.clock() - timedelta(minutes=last_message_minutes_ago) \
                if last_message_minutes_ago is not None else None
            session.add(Follower(openid=openid, subscribed=True, last_message_at=last))
        return runtime.people.person_id(OFFICIAL, openid)
    return make


def _complaint(service, person_id, text=STORY, **extra):
    values = {"employer": "杭州某某电子有限公司", "contact_phone": "13812345678"} | extra
    return service.open(person_id, "complaint", text, **values)


# ---- opening -----------------------------------------------------------------------------------


def test_a_complaint_gets_a_number_department_deadline_and_topic(service, worker, runtime):
    view = _complaint(service, worker())
    today = (runtime.clock() + timedelta(hours=8)).strftime("%Y%m%d")
    assert view.number == f"WQ{today}-001"
    assert (view.kind, view.kind_name, view.status, view.status_name) == ("complaint", "维权投诉", "open", "处理中")
    assert view.department == "维权部" and view.topic == "wage_arrears" and view.topic_name == "工资拖欠"
    assert view.due_at > view.created_at + timedelta(days=5)  # five working days, weekends skipped
    assert view.contact_phone == "138****5678" and view.text == STORY
    assert _complaint(service, worker("o_other_worker")).number == f"WQ{today}-002"
    assert service.open(worker("o_third"), "report", "工会经费发购物卡", employer="某区总工会",
                        contact_phone="13812345678", details={"subject": "funds"}).number == f"JB{today}-001"


def test_numbers_stay_unique_when_many_workers_submit_at_once(service, worker):
    people = [worker(f"o_concurrent_{i:03d}") for i in range(16)]
    numbers, errors = [], []

    def submit(person_id):
        try:
            numbers.append(_complaint(service, person_id).number)
        except Exception as exc:  # noqa: BLE001 - collected and reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(numbers) == len(set(numbers)) == 16
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 17))


def test_the_phone_is_encrypted_at_rest(service, worker, runtime):
    view = _complaint(service, worker())
    with runtime.database.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.number == view.number))
        assert "13812345678" not in (row.contact_phone_encrypted or "")
        assert runtime.cipher.decrypt(row.contact_phone_encrypted) == "13812345678"


def test_department_follows_the_legal_topic_and_the_report_subject(service, worker):
    person = worker()
    injury = _complaint(service, person, text="在车间被机器压伤了手，公司不给申报工伤认定")
    assert injury.topic == "work_injury" and injury.department == "法律服务中心"
    about_employer = service.open(person, "report", "工厂让工人每天干14个小时，不签合同", employer="某鞋厂",
                                  anonymous=True, details={"subject": "employer"})
    assert about_employer.department == "维权部"
    about_cadre = service.open(person, "report", "工会主席挪用会费", employer="某公司工会", anonymous=True,
                               details={"subject": "cadre"})
    assert about_cadre.department == "经审会·纪检"


def test_rejections_name_the_field_in_chinese(service, worker):
    person = worker()
    with pytest.raises(TicketRejected) as empty:
        _complaint(service, person, text="   ")
    assert "text" in empty.value.fields
    with pytest.raises(TicketRejected) as long:
        _complaint(service, person, text="欠" * 2001)
    assert "2000" in long.value.fields["text"]
    with pytest.raises(TicketRejected) as phone:
        _complaint(service, person, contact_phone="12345")
    assert "11位" in phone.value.fields["contact_phone"]
    with pytest.raises(TicketRejected) as anonymous:
        _complaint(service, person, anonymous=True)
    assert "实名" in anonymous.value.fields["anonymous"]
    with pytest.raises(TicketRejected) as kind:
        service.open(person, "lottery", STORY)
    assert "kind" in kind.value.fields
    with pytest.raises(TicketRejected) as topic:
        _complaint(service, person, topic="astrology")
    assert "topic" in topic.value.fields
    for odd, field in (({"details": {"nested": {"a": 1}}}, "details"), ({"attachments": [42]}, "attachments"),
                       ({"topic": ["wage_arrears"]}, "topic"), ({"details": ["x"]}, "details")):
        with pytest.raises(TicketRejected) as rejected:
            _complaint(service, person, **odd)
        assert field in rejected.value.fields


def test_control_characters_are_dropped_before_storing(service, worker):
    view = _complaint(service, worker(), text="工资\x00拖欠了三个月", employer="某\x07公司", details={"note": "a\x00b"})
    assert view.text == "工资拖欠了三个月" and view.employer == "某公司" and view.details == {"note": "ab"}


def test_a_required_contact_falls_back_on_the_verified_phone(service, worker, runtime):
    person = worker()
    with pytest.raises(TicketRejected) as missing:
        service.open(person, "hardship", "家里老人生病住院，开销很大", details={"aid_type": "大病救助", "city": "杭州"})
    assert "手机号" in missing.value.fields["contact_phone"]
    person = runtime.people.link_phone(person, "13912345678")
    view = service.open(person, "hardship", "家里老人生病住院，开销很大", details={"aid_type": "大病救助", "city": "杭州"})
    assert view.contact_phone == "139****5678" and view.department == "帮扶中心"


def test_anonymous_report_keeps_no_contact_and_hides_the_reporter_from_staff(service, worker):
    person = worker()
    view = service.open(person, "report", "工会经费被用来发购物卡", employer="某区总工会",
                        contact_phone="13812345678", anonymous=True, details={"subject": "funds"})
    assert view.contact_phone == ""
    staff = service.staff_view(view.number)
    assert staff.anonymous and staff.person_id is None and staff.contact_phone == ""
    assert "person_id" in staff.to_dict() and staff.to_dict()["person_id"] is None
    assert service.get(person, view.number) is not None  # the reporter can still follow it


def test_numbers_are_read_however_the_worker_types_them():
    assert normalize_number("查询工单 wq20261127001") == "WQ20261127-001"
    assert normalize_number("JB20261127-012的进度") == "JB20261127-012"
    assert normalize_number("XX20261127-1234") == "XX20261127-1234"
    assert normalize_number("我的工单") is None
    assert normalize_mobile("+86 138-1234-5678") == "13812345678"
    with pytest.raises(ValueError):
        normalize_mobile("1381234567")


# ---- ownership -------------------------------------------------------------------------------------


def test_only_the_owner_sees_a_ticket(service, worker):
    owner, stranger = worker(), worker("o_stranger_01")
    view = _complaint(service, owner)
    assert service.get(owner, view.number).text == STORY
    assert service.get(owner, view.number.lower().replace("-", "")).number == view.number
    assert service.get(stranger, view.number) is None
    assert service.get(owner, "WQ19990101-001") is None
    assert service.list_for(stranger) == ([], 0)
    mine, total = service.list_for(owner)
    assert total == 1 and [v.number for v in mine] == [view.number]
    assert "flagged" not in mine[0].to_dict() and "person_id" not in mine[0].to_dict()


def test_list_for_pages_and_filters_by_kind(service, worker):
    person = worker()
    for i in range(3):
        _complaint(service, person, text=f"{STORY}，第{i}次")
    service.open(person, "mailbox", "建议多办职工书屋", details={"subject_type": "建议"})
    page, total = service.list_for(person, kind="complaint", offset=1, limit=1)
    assert total == 3 and len(page) == 1 and page[0].kind == "complaint"
    assert service.list_for(person)[1] == 4


def test_tickets_follow_a_person_whose_two_records_are_merged(service, worker, runtime):
    official = worker()
    mini = runtime.people.person_id("miniprogram", "mp_openid_0001")
    view = service.open(mini, "mailbox", "表扬一下工会的送清凉活动", channel="miniprogram",
                        details={"subject_type": "表扬"})
    runtime.people.link_phone(mini, "13712345678")
    survivor = runtime.people.link_phone(official, "13712345678")
    assert service.get(survivor, view.number) is not None


# ---- content security ----------------------------------------------------------------------------


def test_risky_text_is_kept_for_staff_but_never_shown_to_the_worker(service, worker, fake_wechat):
    person = worker()
    view = _complaint(service, person, text="老板组织工人赌博，输了就从工资里扣")
    assert fake_wechat.calls("/wxa/msg_sec_check")
    assert "赌博" not in json.dumps(view.to_dict(), ensure_ascii=False) and view.text == FLAGGED_PLACEHOLDER
    assert "赌博" not in json.dumps(service.get(person, view.number).to_dict(), ensure_ascii=False)
    assert all("赌博" not in v.text for v in service.list_for(person)[0])
    staff = service.staff_view(view.number)
    assert staff.flagged and staff.check_status == "risky" and "赌博" in staff.text
    assert [v.number for v in service.staff_list(flagged=True)] == [view.number]
    assert service.staff_list(flagged=False) == []


def test_a_wechat_outage_stores_the_ticket_unchecked_and_recheck_finishes_the_job(service, worker, fake_wechat):
    person = worker()
    fake_wechat.inject("/wxa/msg_sec_check", status=502, times=1)
    view = _complaint(service, person)
    assert service.staff_view(view.number).check_status == "unchecked"
    assert service.get(person, view.number).text == STORY  # the worker still reads what they wrote
    assert service.recheck() == {"passed": 1, "risky": 0, "unchecked": 0}
    assert service.staff_view(view.number).check_status == "passed"


def test_a_risky_ticket_found_on_recheck_is_flagged(service, worker, fake_wechat):
    person = worker()
    fake_wechat.inject("/wxa/msg_sec_check", errcode=-1, times=1)
    view = _complaint(service, person, text="车间里有人代开发票，老板还扣我们工资")
    assert service.staff_view(view.number).check_status == "unchecked"
    service.recheck()
    assert service.staff_view(view.number).flagged
    assert service.get(person, view.number).text == FLAGGED_PLACEHOLDER


# ---- answers -------------------------------------------------------------------------------------


def _sent(fake_wechat, path):
    return [c["json"] for c in fake_wechat.calls(path)]


def test_an_answer_within_48_hours_goes_as_a_customer_service_message(service, worker, fake_wechat, runtime):
    person = worker(last_message_minutes_ago=60 * 47)
    view = _complaint(service, person)
    answered = service.answer(view.number, "已联系贵公司人事，本周五前补发工资。", staff="维权部 王")
    assert answered.status == "closed" and answered.replies[0][1].startswith("已联系")
    sent = _sent(fake_wechat, "/cgi-bin/message/custom/send")
    assert len(sent) == 1 and sent[0]["touser"] == "o_worker_0001"
    assert view.number in sent[0]["text"]["content"] and "本周五前补发" in sent[0]["text"]["content"]
    assert _sent(fake_wechat, "/cgi-bin/message/template/send") == []
    with runtime.database.session() as session:
        assert session.scalar(select(TicketReply.delivery)) == "customer_service"
    assert service.get(person, view.number).replies[0][1] == "已联系贵公司人事，本周五前补发工资。"


def test_an_answer_after_48_hours_goes_as_a_template_message(service, worker, fake_wechat, runtime):
    person = worker(last_message_minutes_ago=60 * 49)
    view = _complaint(service, person)
    service.answer(view.number, "请带上工资条到区总工会维权部面谈。", close=False)
    assert _sent(fake_wechat, "/cgi-bin/message/custom/send") == []
    sent = _sent(fake_wechat, "/cgi-bin/message/template/send")
    assert len(sent) == 1 and sent[0]["template_id"] == "TPL_TICKET_ANSWER"
    assert sent[0]["data"]["keyword1"]["value"] == view.number
    assert service.get(person, view.number).status == "answered"
    with runtime.database.session() as session:
        assert session.scalar(select(TicketReply.delivery)) == "template"


def test_a_failed_delivery_is_recorded_not_raised(service, worker, fake_wechat, runtime):
    person = worker()
    view = _complaint(service, person)
    fake_wechat.inject("/cgi-bin/message/custom/send", errcode=45047, times=1)
    answered = service.answer(view.number, "已受理，会尽快联系您。")
    assert answered.status == "closed"
    with runtime.database.session() as session:
        assert session.scalar(select(TicketReply.delivery)) == "failed"


def test_answer_refuses_an_empty_text_and_an_unknown_number(service, worker):
    view = _complaint(service, worker())
    with pytest.raises(TicketRejected):
        service.answer(view.number, "  ")
    with pytest.raises(LookupError):
        service.answer("WQ19990101-001", "您好")


# ---- staff ---------------------------------------------------------------------------------------


def test_staff_lists_mask_contacts_and_filter(service, worker):
    person = worker()
    complaint = _complaint(service, person)
    service.open(person, "mailbox", "建议食堂延长开放时间", contact_phone="13912345678",
                 details={"subject_type": "建议"})
    everything = service.staff_list()
    assert {v.contact_phone for v in everything} == {"138****5678", "139****5678"}
    assert all("1381234" not in json.dumps(v.to_dict()) for v in everything)
    assert [v.number for v in service.staff_list(kind="complaint")] == [complaint.number]
    assert service.staff_list(status="closed") == []
    assert service.staff_list(kind="complaint")[0].person_id == person
    with pytest.raises(TicketRejected):
        service.staff_list(status="lost")


def test_overdue_lists_open_tickets_past_their_deadline(service, worker, runtime):
    view = _complaint(service, worker())
    assert service.overdue(runtime.clock()) == []
    later = view.due_at + timedelta(minutes=1)
    assert [v.number for v in service.overdue(later)] == [view.number]
    assert service.overdue(later)[0].overdue(later)
    service.answer(view.number, "已办结")
    assert service.overdue(later) == []


def test_assign(service, worker):
    view = _complaint(service, worker())
    assert service.assign(view.number, "维权部 李").assigned_to == "维权部 李"


def test_deadlines_skip_weekends_and_listed_holidays(runtime):
    service = runtime.tickets
    friday_morning_china = datetime(2026, 11, 27, 1, 0)  # 09:00 in China, a Friday
    due = service.due_at("complaint", friday_morning_china)  # 5 working days: Mon..Fri of next week
    assert due == datetime(2026, 12, 4, 15, 59, 59)  # 23:59:59 on 4 December in China
    # 1 working day from Thursday 31 December: 1 January is a holiday, then the weekend.
    assert service.due_at("callback", datetime(2026, 12, 31, 2, 0)) == datetime(2027, 1, 4, 15, 59, 59)


# ---- personal data -------------------------------------------------------------------------------


def test_delete_personal_data_erases_text_contact_and_link(service, worker, runtime):
    person = worker()
    view = _complaint(service, person)
    service.answer(view.number, "已联系张经理，下周补发。", close=False)
    service.delete_personal_data(person)
    assert service.list_for(person) == ([], 0) and service.get(person, view.number) is None
    staff = service.staff_view(view.number)
    assert staff.status == "closed" and staff.erased and staff.contact_phone == "" and staff.employer is None
    assert staff.replies[0][1] == "" and "拖欠" not in staff.text
    with runtime.database.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.number == view.number))
        assert row.person_id is None and row.contact_phone_encrypted is None and row.text == ""


# ---- content and command line --------------------------------------------------------------------


def test_the_content_file_passes_its_check_and_a_broken_one_is_named(tmp_path):
    from bot.config import PROJECT_ROOT

    check_content(PROJECT_ROOT / "content")
    shutil.copy(PROJECT_ROOT / "content" / "tickets.yaml", tmp_path / "tickets.yaml")
    text = (tmp_path / "tickets.yaml").read_text(encoding="utf-8")
    (tmp_path / "tickets.yaml").write_text(text.replace("deadline: {working_days: 15}", "deadline: soon")
                                           .replace("{due}前", "{when}前", 1), encoding="utf-8")
    with pytest.raises(ValueError) as problem:
        check_content(tmp_path)
    message = str(problem.value)
    assert "tickets.yaml" in message and "mailbox: deadline" in message and "placeholder" in message
    assert set(KINDS) <= set(re.findall(r"^  (\w+):$", text, re.M))


def _services(runtime) -> Services:
    services = Services()
    services._config, services._runtime = runtime.config, runtime
    return services


def test_staff_command_line_lists_shows_answers_and_assigns(service, worker, runtime, fake_wechat):
    person = worker()
    view = _complaint(service, person)
    run = lambda *args: CliRunner().invoke(tickets_cli, list(args), obj=_services(runtime))  # noqa: E731
    listed = run("list", "--kind", "complaint")
    assert listed.exit_code == 0 and view.number in listed.output and "138****5678" in listed.output
    assert "13812345678" not in listed.output
    shown = run("show", view.number)
    assert shown.exit_code == 0 and STORY in shown.output and "维权部" in shown.output
    assert run("assign", view.number, "--to", "王").exit_code == 0
    answered = run("answer", view.number, "--text", "已受理", "--keep-open")
    assert answered.exit_code == 0 and "answered" in answered.output
    assert len(fake_wechat.calls("/cgi-bin/message/custom/send")) == 1
    assert run("show", "WQ19990101-001").exit_code != 0
    as_json = run("list", "--status", "answered", "--json")
    assert json.loads(as_json.output.splitlines()[0])["assigned_to"] == "王"
    assert run("list", "--flagged").output.strip() == "(0 tickets)"


def test_a_long_answer_is_shortened_in_the_message_and_kept_whole(service, worker, fake_wechat):
    person = worker()
    view = _complaint(service, person)
    service.answer(view.number, "答" * 1500)
    content = fake_wechat.calls("/cgi-bin/message/custom/send")[0]["json"]["text"]["content"]
    assert len(content.encode("utf-8")) < 2048 and view.number in content
    assert service.get(person, view.number).replies[0][1] == "答" * 1500


# ---- the rules every front door shares ------------------------------------------------------------


def test_a_story_needs_at_least_five_characters(service, worker):
    person = worker()
    with pytest.raises(TicketRejected) as short:
        _complaint(service, person, text="没发钱")
    assert "至少5个字" in short.value.fields["text"]
    with pytest.raises(TicketRejected) as long:
        _complaint(service, person, text="拖" * (MAX_TEXT + 1))
    assert str(MAX_TEXT) in long.value.fields["text"]
    assert _complaint(service, person, text="三个月没发").text == "三个月没发"


def test_report_subject_letter_type_and_aid_type_come_from_the_closed_lists(service, worker):
    person = worker()
    with pytest.raises(TicketRejected) as report:
        service.open(person, "report", "工会经费被挪用了", employer="某工会", contact_phone="13812345678",
                     details={"subject": "weather"})
    assert "举报类别" in report.value.fields["subject"] and "工会干部违规违纪" in report.value.fields["subject"]
    with pytest.raises(TicketRejected) as no_subject:
        service.open(person, "report", "工会经费被挪用了", employer="某工会", contact_phone="13812345678")
    assert no_subject.value.fields == {"subject": "请选择举报类别。"}
    with pytest.raises(TicketRejected) as letter:
        service.open(person, "mailbox", "建议多办职工书屋", details={"subject_type": "抱怨"})
    assert "来信类型" in letter.value.fields["subject_type"]
    with pytest.raises(TicketRejected) as aid:
        service.open(person, "hardship", "家里老人生病住院，开销很大", contact_phone="13812345678",
                     details={"aid_type": "买房补贴", "city": "杭州"})
    assert "帮扶类型" in aid.value.fields["aid_type"] and "金秋助学" in aid.value.fields["aid_type"]
    # A label is as good as its key; the key is what is stored.
    view = service.open(person, "report", "工会经费被挪用了", employer="某工会", contact_phone="13812345678",
                        details={"subject": "工会经费、资产使用问题"})
    assert view.details["subject"] == "funds"


def test_hardship_aid_is_for_zhejiang(service, worker):
    person = worker()
    for city in ("上海", "", None):
        with pytest.raises(TicketRejected) as outside:
            service.open(person, "hardship", "家里老人生病住院，开销很大", contact_phone="13812345678",
                         details={"aid_type": "大病救助", "city": city})
        assert "浙江省内的城市" in outside.value.fields["city"] and "丽水" in outside.value.fields["city"]
    for typed, stored in (("杭州市", "杭州"), ("我在义乌打工", "金华"), ("溫州", "温州")):
        view = service.open(person, "hardship", "家里老人生病住院，开销很大", contact_phone="13812345678",
                            details={"aid_type": "大病救助", "city": typed})
        assert view.details["city"] == stored


def test_a_refused_ticket_stores_nothing(service, worker, runtime):
    with pytest.raises(TicketRejected):
        service.open(worker(), "hardship", "困难", details={"aid_type": "买房", "city": "上海"})
    with runtime.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_choices_are_offered_with_their_words(service):
    subjects = service.choices("report", "subject")
    assert [c.key for c in subjects] == ["employer", "cadre", "funds", "other"]
    assert subjects[1].label == "工会干部违规违纪" and "干部" in subjects[1].words
    assert [c.key for c in service.choices("report", "identity")] == ["real", "anonymous"]
    assert [c.label for c in service.choices("mailbox", "subject_type")] == ["建议", "意见", "表扬", "其他"]
    assert len(service.choices("hardship", "aid_type")) == 5
    assert service.choices("complaint", "subject") == []
    assert service.choice_for("hardship", "aid_type", "２").key == "大病救助"
    assert service.choice_for("hardship", "aid_type", "孩子上学要交学费").key == "金秋助学"
    assert service.choice_for("report", "subject", "工会干部违规违纪").key == "cadre"
    assert service.choice_for("report", "subject", "9") is None


@pytest.mark.parametrize("edit, problem", [
    (lambda d: d["kinds"]["hardship"].pop("choices"), "hardship: choices.aid_type is missing"),
    (lambda d: d["kinds"]["report"]["choices"]["subject"].append({"key": "funds", "label": "再来"}),
     "report: choices.subject lists 'funds' twice"),
    (lambda d: d["kinds"]["mailbox"]["choices"]["subject_type"].append({"key": "x"}),
     "every entry of choices.subject_type needs a key and a label"),
    (lambda d: d["kinds"]["report"]["subject_departments"].update({"weather": "气象局"}),
     "subject_departments names 'weather'"),
    (lambda d: d["choice_titles"].pop("aid_type"), "choice_titles: aid_type"),
])
def test_the_content_check_validates_the_choices(tmp_path, runtime, edit, problem):
    import yaml

    data = yaml.safe_load((runtime.content_dir / "tickets.yaml").read_text(encoding="utf-8"))
    edit(data)
    (tmp_path / "tickets.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError) as broken:
        check_content(tmp_path)
    assert problem in str(broken.value)
