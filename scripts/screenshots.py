"""Refresh the console's screenshots (docs/screenshots/) on the demo data, in Debian's headless chromium.

    .venv/bin/python scripts/screenshots.py            # or: make screenshots
    .venv/bin/python scripts/screenshots.py --out /tmp/shots --only checkin-phone,dashboard

Everything happens in a scratch folder: a new SQLite database with the demo content of `make run`
(activities, the demo member and followers, one staff account per role, six weeks of figures), a
copy of content/ (the FAQ edit is saved there, never in the repository), our fake WeChat API and
the whole app on free local ports. A few records a screenshot needs are added through the services
(applications, requests, a campaign). Pages are 1280 px wide (the phone check-in 390 px at 2x),
cut to the useful part and saved as palette PNGs when that is smaller. Never part of the test suite
(pytest collects tests/ only); it needs playwright (requirements.txt) and /usr/bin/chromium.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bot import create_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.console.demo import DEMO_PASSWORD  # noqa: E402
from bot.demo import load_demo_content  # noqa: E402
from bot.kv_store import MemoryStore  # noqa: E402
from bot.push import campaigns  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.services.actor import Actor  # noqa: E402
from bot.services.identity_checks import id_check_digit  # noqa: E402
from bot.services.people import OFFICIAL  # noqa: E402
from bot.storage import Database  # noqa: E402
from bot.storage.models import Follower  # noqa: E402
from bot.wechat.fake import create_fake_app  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--font-render-hinting=none"]
WIDTH, MAX_HEIGHT = 1280, 1500
FAQ_ENTRY = "wage-arrears-what-to-do"

# Applicants and request writers of the demo: (openid, name, city, district, occupation).
APPLICANTS = [("o_shot_li", "李建国", "杭州", "西湖区", "快递员"), ("o_shot_zhao", "赵小红", "杭州", "拱墅区", "外卖骑手"),
              ("o_shot_sun", "孙伟", "宁波", "海曙区", "网约车司机")]


def serve(app) -> tuple[str, object]:
    """Serve a WSGI app on a free local port in a thread; its base URL and server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def stage(runtime) -> dict:
    """The records the pictures show beyond `make run`'s demo: applications, requests, an activity's door."""
    load_demo_content(runtime)
    people = {}
    for n, (openid, name, city, district, occupation) in enumerate(APPLICANTS):
        with runtime.database.session() as session:
            session.add(Follower(openid=openid, subscribed=True, last_message_at=runtime.clock()))
        person_id = runtime.people.person_id(OFFICIAL, openid)
        first17 = f"3301061988{n + 1:02d}1{n + 2}00{n}"
        fields = {"name": name, "phone": f"1370000{n:04d}", "id_number": first17 + id_check_digit(first17),
                  "employer": "杭州某某快递有限公司", "no_fixed_employer": False, "city": city, "district": district,
                  "industry": "交通运输、快递外卖", "occupation": occupation}
        runtime.membership.submit(person_id, fields, consent=True, channel="chat")
        people[openid] = person_id
    tickets = runtime.tickets
    wages = tickets.open(people["o_shot_li"], "complaint", "公司拖欠我三个月工资，一共一万二，老板说没钱，让我再等等。",
                         employer="杭州某某电子有限公司", contact_phone="13812345678").number
    tickets.open(people["o_shot_zhao"], "complaint", "站点扣我押金两千元不退，说是违约金，合同里没有写。",
                 employer="杭州某某配送站", contact_phone="13987654321")
    injury = tickets.open(people["o_shot_sun"], "complaint", "送餐路上摔伤了腿，平台说我不是员工不算工伤。",
                          employer="宁波某某科技有限公司", contact_phone="13700001111").number
    other = "维权部" if tickets.staff_view(injury).department == "法律服务中心" else "法律服务中心"
    tickets.transfer(injury, Actor("demo-counsellor", "counsellor", "10.0.0.8"), "涉及工伤认定，请同事跟进",
                     department=other)
    door = runtime.activities.create(title="亲子手工课", city="杭州", place="职工服务中心三楼", capacity=20,
                                     starts_at=runtime.clock() + timedelta(hours=1), organizer="杭州市总工会",
                                     summary="带孩子一起做一件手工作品，材料由工会准备。")
    for person_id in (people["o_shot_li"], people["o_shot_zhao"]):
        runtime.activities.sign_up(person_id, door.id)
    return {"ticket": wages, "transferred": injury, "door": door.id}


def save(page, out: Path, name: str, max_height: int = MAX_HEIGHT) -> None:
    """The whole page, cut to max_height, saved small."""
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    image = trimmed(Image.open(path).convert("RGB"))
    if image.height > max_height * (2 if image.width < WIDTH else 1):
        image = image.crop((0, 0, image.width, max_height * (2 if image.width < WIDTH else 1)))
    image.save(path, optimize=True)
    palette = path.with_suffix(".p.png")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(palette, optimize=True)
    if palette.stat().st_size < path.stat().st_size:
        palette.replace(path)
    else:
        palette.unlink()
    print(f"  {path} {image.width}x{image.height} {path.stat().st_size // 1024} KB")


def shoot(base: str, runtime, staged: dict, out: Path, chromium: str, only: set[str]) -> None:
    """Sign in as the demo accounts and take each picture."""
    from playwright.sync_api import expect, sync_playwright

    def wanted(name: str) -> bool:
        return not only or name in only

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)

        def signed_in(username: str, viewport: dict | None = None, **context):
            page = browser.new_context(locale="zh-CN", viewport=viewport or {"width": WIDTH, "height": 900},
                                       **context).new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{base}/console/sign-in")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="登录").click()
            return page

        def shoot(page, name: str, path: str) -> None:
            """A page as it opens, nothing filled in."""
            if wanted(name):
                page.goto(f"{base}{path}")
                save(page, out, name)

        counsellor = signed_in("demo-counsellor")
        if wanted("home"):
            save(counsellor, out, "home")
        shoot(counsellor, "tickets", "/console/tickets")
        if wanted("ticket"):
            counsellor.goto(f"{base}/console/tickets/{staged['ticket']}")
            counsellor.get_by_label("答复职工（会通过服务号发给职工）").fill("已联系贵公司人事，工资将于本周五前补发。")
            save(counsellor, out, "ticket")
        if wanted("ticket-transfer"):
            counsellor.goto(f"{base}/console/tickets/{staged['transferred']}")
            counsellor.get_by_label("转交城市").select_option("杭州")
            counsellor.get_by_label("转交说明（接手的同事会看到）").fill("职工已回杭州居住，请杭州市总工会跟进。")
            counsellor.get_by_label("办结原因").select_option(index=1)
            save_region(counsellor, out, "ticket-transfer", "transfers", "close-form")

        reviewer = signed_in("demo-reviewer")
        shoot(reviewer, "applications", "/console/applications")
        if wanted("application"):
            reviewer.goto(f"{base}/console/applications")
            reviewer.locator("table a").first.click()
            save(reviewer, out, "application")

        editor = signed_in("demo-editor")
        if wanted("campaign-compose"):
            editor.goto(f"{base}/console/campaigns/new")
            editor.get_by_label("标题").fill("明天职工运动会")
            editor.get_by_label("正文").fill("明早九点黄龙体育中心，凭会员卡入场。")
            expect(editor.get_by_test_id("phone-preview")).to_contain_text("凭会员卡入场")
            editor.get_by_label("范围").select_option("all")
            editor.get_by_label("范围").dispatch_event("change")
            expect(editor.get_by_test_id("audience-size")).to_contain_text("现在约")
            save(editor, out, "campaign-compose")
        if wanted("campaign-progress"):
            campaign = campaigns.create(runtime, title="今晚停电通知", text="今晚八点职工之家检修停电，活动室暂停开放。",
                                        channel="template", audience="all", at=runtime.clock(),
                                        created_by="demo-editor")
            campaigns.start(runtime, campaign.id)  # what the scheduler does when the time comes
            editor.goto(f"{base}/console/campaigns/{campaign.id}")
            expect(editor.get_by_test_id("progress")).to_have_attribute("aria-valuenow", "100", timeout=60_000)
            save(editor, out, "campaign-progress")
        shoot(editor, "activity", f"/console/activities/{staged['door']}")
        shoot(editor, "activity-edit", f"/console/activities/{staged['door']}/edit")
        if wanted("content-faq") or wanted("content-history"):
            editor.goto(f"{base}/console/content/faq/{FAQ_ENTRY}")
            editor.get_by_label("回答", exact=True).fill(
                "先把工资条、考勤记录和聊天记录拍照留好，再回复“人工”，工会帮你一起讨薪。")
            editor.get_by_label("职工的话").fill("老板三个月没发工资怎么办")
            editor.get_by_role("button", name="试一试").click()
            expect(editor.get_by_test_id("try-draft")).to_contain_text(FAQ_ENTRY)
            save(editor, out, "content-faq")
            editor.get_by_role("button", name="保存").click()
            expect(editor.get_by_role("status").first).to_contain_text("已保存为第", timeout=120_000)
            editor.get_by_role("link", name="版本记录").click()
            editor.get_by_test_id("versions").get_by_role("link", name="查看差异", exact=True).first.click()
            save(editor, out, "content-history")
        if wanted("dashboard"):
            editor.goto(f"{base}/console/dashboard")
            expect(editor.get_by_test_id("chart-applications")).to_have_attribute("data-drawn", "1")
            time.sleep(1)  # the charts' entry animation
            save(editor, out, "dashboard", max_height=1800)

        if wanted("checkin-phone"):
            phone = signed_in("demo-editor", viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True)
            phone.goto(f"{base}/console/checkin/{staged['door']}")
            phone.get_by_label("姓名或手机尾号").fill("0001")
            expect(phone.get_by_test_id("checkin-person")).to_have_count(1)
            phone.get_by_role("button", name="签到").click()
            expect(phone.get_by_test_id("checkin-turnout")).to_contain_text("已到场 1 人")
            phone.screenshot(path=str(out / "checkin-phone.png"))
            save_viewport(out / "checkin-phone.png")

        if wanted("audit"):
            admin = signed_in("demo-admin")
            admin.goto(f"{base}/console/audit")
            save(admin, out, "audit", max_height=1000)
        browser.close()


def trimmed(image: Image.Image, margin: int = 40) -> Image.Image:
    """The image without the empty page background below its content (a short page in a tall window)."""
    background = Image.new("RGB", image.size, image.getpixel((image.width // 2, image.height - 1)))
    box = ImageChops.difference(image, background).getbbox()
    if box is None:
        return image
    return image.crop((0, 0, image.width, min(image.height, box[3] + margin)))


def save_region(page, out: Path, name: str, top: str, bottom: str) -> None:
    """The part of the page from one test id's element to another's (with a margin), saved small."""
    first, last = page.get_by_test_id(top).bounding_box(), page.get_by_test_id(bottom).bounding_box()
    scroll = page.evaluate("window.scrollY")
    y = max(first["y"] + scroll - 60, 0)
    height = last["y"] + scroll + last["height"] + 30 - y
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": y, "width": WIDTH, "height": height})
    save_viewport(path)


def save_viewport(path: Path) -> None:
    """Make a viewport screenshot as small as a page one."""
    image = trimmed(Image.open(path).convert("RGB"))
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)
    print(f"  {path} {image.width}x{image.height} {path.stat().st_size // 1024} KB")


def main() -> int:
    """Build the demo in a scratch folder, serve it, and take the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="where the PNGs go")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Debian's chromium (no download)")
    parser.add_argument("--only", default="", help="comma-separated picture names (default: all)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log of every request
    if not Path(args.chromium).exists():
        parser.error(f"no chromium at {args.chromium} (apt-get install -y chromium)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zgzj-shots-") as scratch:
        scratch = Path(scratch)
        shutil.copytree(ROOT / "content", scratch / "content")
        fake_url, fake = serve(create_fake_app())
        config = load_config(environ={}, path=scratch / "absent.yaml", overrides={
            "var_dir": str(scratch / "var"), "content_dir": str(scratch / "content"),
            "wechat.api_base_url": fake_url, "console_cookie_secure": False})
        (scratch / "var").mkdir()
        database = Database(config.database_url)
        database.upgrade()
        runtime = Runtime(config, database, MemoryStore())
        try:
            print("demo data ...")
            staged = stage(runtime)
            base, web = serve(create_app(config, runtime=runtime))
            print(f"console on {base}/console, pictures to {out}")
            shoot(base, runtime, staged, out, args.chromium, {n for n in args.only.split(",") if n})
            web.shutdown()
        finally:
            runtime.close()
            fake.shutdown()
            database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
