"""The web dashboard in a real headless Chromium: a manager signs in by link, opens the inbox and
a report, posts a comment; the rep's device syncs and sees it. Another rep's session cannot open
the report. The rep signs in with the phone (扫码登录) and sees who read their report. Every
zh-CN page is free of raw enum words, and every page works at a phone's width (375 px) without
sideways scrolling. A screenshot of each page, wide and narrow, is kept (FIELDREPORT_ARTIFACTS)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ffi"))
from server import Server  # noqa: E402
from webdriver import Driver  # noqa: E402

BIN = os.environ["FIELDREPORT_BIN"]  # the directory holding fieldreport and fieldreport-server
ARTIFACTS = os.environ.get("FIELDREPORT_ARTIFACTS", tempfile.mkdtemp(prefix="fieldreport-web-"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


class Device:
    """A rep's device: the fieldreport CLI on its own database."""

    def __init__(self, url, code):
        self.db = os.path.join(tempfile.mkdtemp(prefix="fieldreport-dev-"), "device.db")
        self.run("enroll", "--server", url, "--code", code)

    def run(self, *args):
        out = subprocess.run([os.path.join(BIN, "fieldreport"), "--db", self.db, "--json", *args],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout) if out.stdout.strip() else None


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(ARTIFACTS, exist_ok=True)
        cls.server = Server(os.path.join(BIN, "fieldreport-server"))
        cls.driver = Driver(CHROMEDRIVER, CHROMIUM)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.stop()

    # Stored values that must never reach a zh-CN page as they are.
    RAW = re.compile(r"\b(daily|weekly|monthly|draft|submitted|visit|call|email|meeting|lead|contacted|qualified|"
                     r"proposal|negotiation|won|lost|green|yellow|red|on_time|late|missing|pending|rep|manager|admin|"
                     r"conversion_below_team|stale_deal|report_missing|report_late|kpi_red|checkin_far|this-week|"
                     r"this-month|unread|read)\b")

    def shot(self, name):
        """Screenshots the page wide and at a phone's width, checking the narrow page does not
        scroll sideways and (in Chinese) shows no raw enum word."""
        d = self.driver
        d.screenshot(os.path.join(ARTIFACTS, f"{name}.png"))
        d.size(375, 812)
        try:
            d.screenshot(os.path.join(ARTIFACTS, f"{name}-375px.png"))
            self.assertFalse(d.scrolls_sideways(), f"{name}: the page scrolls sideways at 375 px")
            small = d.run(self.SMALLEST_TEXT)
            self.assertGreaterEqual(small[0], 11.9, f"{name}: text under 12 px at 375 px: {small}")
            squeezed = d.run(self.SQUEEZED_CELLS)
            self.assertEqual(squeezed, [], f"{name}: table cells squeezed to a character per line at 375 px")
        finally:
            d.size(1200, 900)
        if "lang=en" not in d.run("return location.search;"):
            raw = self.RAW.findall(d.text())
            self.assertEqual(raw, [], f"{name}: raw enum words on a zh-CN page")

    # The smallest text drawn, in px as it appears (an SVG's text scaled with its drawing), and
    # what it says.
    SMALLEST_TEXT = """
        let least = [99, ''];
        for (const e of document.querySelectorAll('body *')) {
            const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (!own || e.closest('title') || e.getClientRects().length === 0) continue;
            let px = parseFloat(getComputedStyle(e).fontSize);
            const svg = e.closest('svg');
            if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
                px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            }
            if (px < least[0]) least = [px, e.textContent.trim().slice(0, 20)];
        }
        return least;"""
    # Cells of some text narrower than three characters: a table squeezed instead of scrolled.
    SQUEEZED_CELLS = """
        return [...document.querySelectorAll('td, th')]
            .filter(c => c.textContent.trim().length > 3 && c.getBoundingClientRect().width < 40)
            .map(c => c.textContent.trim().slice(0, 20));"""

    @staticmethod
    def png(path, w=96, h=64):
        """Writes a small RGB PNG (a gradient) to `path`."""
        import struct
        import zlib

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        rows = b"".join(b"\x00" + bytes((x * 2 % 256, y * 3 % 256, 160) [c] for x in range(w) for c in range(3)) for y in range(h))
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

    def sign_in(self, user):
        url = self.server.admin("user", "login-link", user, "--base-url", self.server.url)["url"]
        self.driver.get(url)
        self.driver.click("#sign-in")
        self.driver.wait_for(lambda d: "fieldreport" in d.title() and "登录" not in d.title())

    def test_a_director_reads_the_scorecard_and_drills_down(self):
        s = self.server
        root = next(x for x in s.admin("dept", "list") if x["parent_id"] is None)
        director = s.admin("user", "add", "--name", "赵总监", "--role", "manager")["id"]
        s.admin("dept", "edit", root["id"], "--head", director)
        regional = s.admin("user", "add", "--name", "钱经理", "--role", "manager", "--manager", "赵总监")["id"]
        s.admin("dept", "add", "华南大区", "--head", "钱经理")
        s.admin("dept", "add", "深圳", "--parent", "华南大区")
        rep = s.admin("user", "add", "--name", "孙销售", "--role", "rep", "--manager", "钱经理", "--dept", "深圳")
        s.admin("user", "edit", regional, "--dept", "华南大区")
        phone = Device(s.url, rep["enrollment_code"])
        customer = phone.run("customer", "add", "--name", "腾讯")["id"]
        for note in ("初次拜访", "方案交流"):
            phone.run("visit", "log", "--customer", customer, "--note", note)
        phone.run("sync")

        d = self.driver
        self.sign_in(director)
        d.get(s.url + "/kpi")
        page = d.source()
        self.assertIn("部门记分卡", page)
        self.assertIn(root["name"], page)
        self.assertIn("华南大区", page, "a sub-department is a row")
        self.shot("10-director-scorecard")
        d.click("table.scorecard a")
        d.wait_for(lambda d: "深圳" in d.source())
        self.assertIn("华南大区", d.text())
        d.click("table.scorecard a")
        d.wait_for(lambda d: "孙销售" in d.source())
        self.assertIn("（含下级部门）近 8 周", d.source(), "a trend per department")
        self.shot("11-drilled-down")
        # The regional manager opens on their region, and not on the company above it.
        self.sign_in(regional)
        d.get(s.url + "/kpi")
        self.assertIn("华南大区", d.source())
        d.get(f"{s.url}/kpi?dept={root['id']}")
        self.assertIn("返回首页", d.source())
        self.assertNotIn("部门记分卡", d.source())

    def test_manager_reads_and_comments_and_a_rep_is_kept_out(self):
        s = self.server
        mgr = s.admin("user", "add", "--name", "李经理", "--role", "manager")["id"]
        rep = s.admin("user", "add", "--name", "张三", "--role", "rep", "--manager", mgr)
        other = s.admin("user", "add", "--name", "王五", "--role", "rep", "--manager", mgr)
        s.admin("user", "edit", rep["id"], "--phone", "13800000000")
        phone = Device(s.url, rep["enrollment_code"])
        customer = phone.run("customer", "add", "--name", "华为 <b>技术</b>")["id"]
        # The rep's day: a planned visit carried out, tomorrow's plan, today's report opened
        # pre-filled, a photo, and a submit that sends.
        plan = phone.run("plan", "add", "--customer", customer, "--on", "today", "--at", "09:30",
                         "--purpose", "演示方案")["id"]
        phone.run("visit", "log", "--plan", plan, "--note", "演示方案 <script>alert(1)</script>")
        phone.run("plan", "add", "--customer", customer, "--on", "tomorrow", "--at", "14:00", "--purpose", "送报价")
        report = phone.run("today")["id"]
        phone.run("report", "set", report, "done", "拜访华为，演示方案。")
        with tempfile.TemporaryDirectory() as tmp:
            board = os.path.join(tmp, "白板.png")
            self.png(board)
            phone.run("report", "attach", report, board)
        self.assertTrue(phone.run("today", "--submit")["sent"])

        d = self.driver
        self.sign_in(mgr)
        self.assertIn("收件箱", d.title())
        self.assertIn("张三", d.source())
        self.assertIn("未读", d.source())
        self.shot("1-inbox")

        d.click(f"a[href^='/reports/{report}']")
        d.wait_for(lambda d: "拜访华为" in d.source())
        page = d.source()
        self.assertIn("拜访华为，演示方案。", page)
        self.assertNotIn("<script>alert(1)</script>", page, "user text is inert")
        self.assertIn("<table>", page)
        self.assertIn("摘要：", page)
        self.assertIn("送报价", page, "tomorrow's plan")
        self.assertIn("计划完成率", page)
        # The photo's thumbnail loads through the link the page signed; its bare hash opens nothing.
        d.wait_for(lambda d: d.run("var i = document.querySelector('.photos img'); return i && i.complete && i.naturalWidth;"))
        thumb = d.run("return document.querySelector('.photos img').getAttribute('src');")
        self.assertIn("sig=", thumb)
        self.shot("2-report")
        d.run("var t = document.querySelectorAll('table'); t[t.length - 1].scrollIntoView();")
        self.shot("2b-report-plan")
        d.run("window.scrollTo(0, 0);")
        bare = thumb.split("?")[0].replace("/thumb", "")
        d.get(s.url + bare)
        self.assertIn("返回首页", d.source(), "a bare hash is a file that does not exist")
        d.get(f"{s.url}/reports/{report}")

        d.type("textarea[name=text]", "请补充客户预算")
        d.click("form[action*='/comments'] button[type=submit]")
        d.wait_for(lambda d: "请补充客户预算" in d.source())
        self.shot("3-commented")

        d.get(s.url + "/kpi")
        # The comment's redirect may still be settling when the next navigation starts (seen once
        # in CI: an empty document for a moment); the page itself must come.
        d.wait_for(lambda d: "<svg" in d.source())
        self.assertIn("tel:13800000000", d.source(), "the manager sees their rep's phone")
        self.assertIn("拜访计划", d.source())
        self.assertIn("演示方案", d.source(), "each plan of the period")
        self.shot("4-kpi")
        d.run("document.getElementById('plans').scrollIntoView();")
        self.shot("4b-kpi-plans")

        d.get(s.url + "/?lang=en")
        self.assertIn("Inbox", d.title())
        self.assertIn("read", d.source())
        self.shot("5-inbox-en")

        phone.run("sync")
        shown = phone.run("report", "show", report, "--format", "json")
        self.assertTrue(any(c["text"] == "请补充客户预算" and c["author"] == mgr for c in shown["comments"]), shown)

        # Another rep signs in: the first rep's report stays closed.
        self.sign_in(other["id"])
        d.get(f"{s.url}/reports/{report}")
        self.assertIn("不是发给你的", d.source())
        self.assertNotIn("拜访华为", d.source())
        self.assertIn("返回首页", d.source(), "a way back")
        self.shot("6-other-rep-refused")

        d.get(f"{s.url}/no/such/page")
        self.assertIn("返回首页", d.source())
        self.shot("7-not-found")

        # The rep signs in with the phone: the page shows a code and refreshes itself; the
        # device approves the code; the browser is in, and sees the manager read the report.
        d.get(s.url + "/")
        d.click("header form button[type=submit]")  # sign out: the sign-in page follows
        d.wait_for(lambda d: "扫码登录" in d.title())
        code = d.run("return document.getElementById('code').textContent.trim();")
        self.assertRegex(code, r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
        self.assertIn("<svg", d.source())
        self.shot("8-phone-sign-in")
        phone.run("web-login", code)
        d.wait_for(lambda d: "收件箱" in d.title(), timeout=20)
        self.assertIn("我提交的汇报", d.source())
        self.assertIn("已读", d.text())
        self.shot("9-rep-home")


if __name__ == "__main__":
    unittest.main(verbosity=2)
