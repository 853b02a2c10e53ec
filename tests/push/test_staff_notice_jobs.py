"""The scheduler's staff-notice jobs, run as the acting scheduler runs them: twice sends nothing twice."""
from __future__ import annotations

from bot.console import accounts
from bot.console.notices import daily_digest_job, ticket_notices_job
from bot.push.scheduler import SchedulerService
from bot.services.people import OFFICIAL


def test_the_jobs_send_each_notice_once_however_often_they_run(push_runtime, fake_wechat):
    runtime = push_runtime
    runtime.staff_notices.template_id = "TPL_STAFF_NOTICE"
    accounts.create_account(runtime.database, "rights", "correct-horse-9", "counsellor")
    code = runtime.staff_notices.issue_code("rights")
    assert runtime.staff_notices.bind(code, "o_staff_rights").username == "rights"
    person = runtime.people.person_id(OFFICIAL, "o_job_worker")
    runtime.tickets.open(person, "complaint", "公司拖欠我三个月工资，一共一万二", contact_phone="13812345678")
    service = SchedulerService(runtime, owner="staff-notices-test")
    try:
        assert service.step()
        for _ in range(2):
            ticket_notices_job()
            daily_digest_job()
    finally:
        service.stop()
        service._stop_scheduler()
        service.leadership.release()
    firsts = [c["json"]["data"]["first"]["value"] for c in fake_wechat.calls("/cgi-bin/message/template/send")
              if c["json"]["touser"] == "o_staff_rights"]
    assert sorted(firsts) == ["今日待办汇总", "您的待办中有一件新工单"]
