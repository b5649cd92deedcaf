"""The FFI from Python: the whole surface through the generated `fieldreport` module, against a
real fieldreport-server. Run by scripts/test-bindings (which generates the module first).

    FIELDREPORT_BINDINGS=DIR FIELDREPORT_SERVER=path/to/fieldreport-server python3 tests/ffi/test_ffi.py
"""

import asyncio
import os
import struct
import sys
import tempfile
import threading
import unittest
import zlib

sys.path.insert(0, os.environ["FIELDREPORT_BINDINGS"])
sys.path.insert(0, os.path.dirname(__file__))

import fieldreport as fr  # noqa: E402
from server import Server  # noqa: E402

SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server(os.environ["FIELDREPORT_SERVER"])


def tearDownModule():
    SERVER.stop()


def enrolled_store(code, name="phone.db", device_name=None):
    path = os.path.join(tempfile.mkdtemp(prefix="fieldreport-py-"), name)
    store = fr.FieldStore.open(path)
    store.set_http_client(fr.UrllibHttpClient())
    asyncio.run(store.enroll(SERVER.url, code, device_name))
    return store


def png(width, height, seed):
    """A small PNG of `width` x `height` pixels of a colour from `seed`."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes([seed % 256, 80, 160]) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class Progress(fr.SyncListener):
    def __init__(self, on_first=None):
        self.calls = []
        self.on_first = on_first

    def on_progress(self, progress):
        self.calls.append(progress)
        if self.on_first and len(self.calls) == 1:
            self.on_first()


class LocalSurface(unittest.TestCase):
    def setUp(self):
        self.store = fr.FieldStore.open_in_memory()
        self.me = self.store.init("rep-1", "team-1", "Asia/Shanghai", "monday")

    def test_visits_report_and_kpis(self):
        c = self.store.add_customer(fr.NewCustomer(name="上海某某贸易有限公司", level=fr.Level.A, tags=["重点"]))
        self.assertEqual(c.name, "上海某某贸易有限公司")
        self.assertEqual(c.owner, "rep-1")
        v = self.store.log_followup(
            fr.NewFollowup(
                customer_id=c.id,
                kind=fr.FollowupKind.VISIT,
                note="拜访采购部，确认报价 👍",
                checkin=fr.CheckIn(latitude=31.23, longitude=121.47, accuracy=15.0, at=0),
            )
        )
        self.store.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.CALL, note="电话回访"))
        rows = self.store.list_followups("today", None)
        self.assertEqual(len(rows), 2)
        self.assertEqual({r.kind for r in rows}, {"visit", "call"})
        self.assertEqual(v.checkin.latitude, 31.23)

        deal = self.store.add_deal(c.id, "年度框架协议", "120000", None, fr.Stage.PROPOSAL)
        self.store.set_deal_stage(deal, fr.Stage.WON)
        self.assertEqual(self.store.list_deals(fr.Stage.WON)[0].amount_minor, 12_000_000)

        r = self.store.new_report(fr.ReportKind.DAILY, None, fr.Lang.ZH_CN)
        self.assertEqual(r.status, fr.ReportStatus.DRAFT)
        block = self.store.insert_followups(r.id, None, None)
        self.assertEqual(block.kind, "followups")
        self.store.insert_kpis(r.id, None, None, [])
        md = self.store.render_markdown(r.id, fr.Dialect.GFM, fr.Lang.ZH_CN)
        self.assertIn("上海某某贸易有限公司", md)
        self.assertIn("拜访采购部", md)
        self.assertIn("今日完成工作", md)
        text = self.store.render_text(r.id, fr.Lang.EN)
        self.assertIn("Done today", text)

        figures = {k.metric: k for k in self.store.kpis("today", [])}
        self.assertEqual(figures["visits"].value, 1)
        self.assertEqual(figures["calls"].value, 1)
        self.assertEqual(figures["deals_won"].value, 1)

    def test_text_indices_are_code_points(self):
        r = self.store.new_report(fr.ReportKind.DAILY, "2026-11-23", fr.Lang.ZH_CN)
        self.store.set_report_text(r.id, "done", "你好👋世界")
        # Python indexes code points, as the FFI does: the emoji is one.
        i = "你好👋世界".index("世")
        r = self.store.splice_report(r.id, "done", i, 0, "🙂")
        done = next(s for s in r.sections if s.key == "done")
        self.assertEqual(done.text, "你好👋🙂世界")
        r = self.store.splice_report(r.id, "done", 2, 1, "")
        self.assertEqual(next(s for s in r.sections if s.key == "done").text, "你好🙂世界")

    def test_bad_input_raises_typed_errors(self):
        with self.assertRaises(fr.FieldError.InvalidInput):
            self.store.add_customer(fr.NewCustomer(name="  "))
        with self.assertRaises(fr.FieldError.InvalidInput):
            self.store.add_customer(fr.NewCustomer(name="x", latitude=31.0))
        with self.assertRaises(fr.FieldError.InvalidInput):
            self.store.log_followup(fr.NewFollowup(customer_id="no-such-customer", kind=fr.FollowupKind.CALL, note="x"))
        missing = "0190c0de-0000-7000-8000-000000000000"
        with self.assertRaises(fr.FieldError.NotFound):
            self.store.log_followup(fr.NewFollowup(customer_id=missing, kind=fr.FollowupKind.CALL, note="x"))
        with self.assertRaises(fr.FieldError.InvalidInput):
            self.store.list_followups("next-century", None)
        r = self.store.new_report(fr.ReportKind.DAILY, None, fr.Lang.ZH_CN)
        with self.assertRaises(fr.FieldError.InvalidInput):
            self.store.splice_report(r.id, "done", 99, 0, "x")
        with self.assertRaises(fr.FieldError.InvalidInput):
            self.store.submit_report(r.id, [], [])
        with self.assertRaises(fr.FieldError.InvalidInput):
            asyncio.run(self.store.sync(None, None))  # in memory: cannot sync

    def test_use_after_close_raises(self):
        self.store.close_store()
        with self.assertRaises(fr.FieldError.Closed):
            self.store.identity()
        with self.assertRaises(fr.FieldError.Closed):
            self.store.close_store()


class WithServer(unittest.TestCase):
    def test_photos_attach_offline_and_another_device_fetches_them(self):
        rep, code = SERVER.add_rep("小周")
        phone = enrolled_store(code, "phone.db")
        boss = enrolled_store(SERVER.code(SERVER.admin_id), "boss.db")
        c = phone.add_customer(fr.NewCustomer(name="华为"))
        v = phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note="门头照"))
        path = os.path.join(tempfile.mkdtemp(prefix="fieldreport-py-"), "门头照.png")
        with open(path, "wb") as f:
            f.write(png(32, 24, 1))
        shop = phone.attach_file(fr.RecordKind.FOLLOWUP, v.id, path)
        self.assertEqual((shop.name, shop.mime, shop.width, shop.height), ("门头照.png", "image/png", 32, 24))
        card = phone.attach_bytes(fr.RecordKind.FOLLOWUP, v.id, png(20, 10, 2), "名片.png")
        self.assertEqual(phone.attachment_state(shop.hash), fr.AttachmentState.OWN(uploaded=False))
        with self.assertRaises(fr.FieldError.InvalidInput):
            phone.attach_bytes(fr.RecordKind.FOLLOWUP, v.id, b"<html>not a photo</html>", "x.jpg")
        stats = asyncio.run(phone.sync(None, None))
        self.assertEqual(stats.files_uploaded, 2)
        self.assertEqual(phone.attachment_state(card.hash), fr.AttachmentState.OWN(uploaded=True))

        asyncio.run(boss.sync(None, None))
        self.assertEqual(boss.attachment_state(shop.hash), fr.AttachmentState.MISSING())
        self.assertIsNone(boss.attachment_bytes(shop.hash))
        asyncio.run(boss.fetch_attachment(shop.hash))
        self.assertEqual(boss.attachment_bytes(shop.hash), phone.attachment_bytes(shop.hash))
        saved = os.path.join(tempfile.mkdtemp(prefix="fieldreport-py-"), "saved.png")
        self.assertTrue(boss.save_attachment(shop.hash, saved))
        with open(saved, "rb") as f:
            self.assertEqual(f.read(), phone.attachment_bytes(shop.hash))
        listed = {a.hash: a for a in boss.list_attachments()}
        self.assertEqual(listed[shop.hash].state, fr.AttachmentState.DOWNLOADED())
        self.assertEqual(listed[card.hash].record_id, v.id)

        self.assertEqual(phone.detach(fr.RecordKind.FOLLOWUP, v.id, card.hash), 1)
        asyncio.run(phone.sync(None, None))
        asyncio.run(boss.sync(None, None))
        self.assertNotIn(card.hash, {a.hash for a in boss.list_attachments()})

    def test_enroll_sync_merge_progress(self):
        rep, code = SERVER.add_rep("小王")
        phone = enrolled_store(code, "phone.db")
        self.assertEqual(phone.identity().user_id, rep)
        c = phone.add_customer(fr.NewCustomer(name="杭州某某科技"))
        phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note="首次拜访"))
        r = phone.new_report(fr.ReportKind.DAILY, None, fr.Lang.ZH_CN)
        phone.set_report_text(r.id, "done", "拜访杭州某某科技。")
        listener = Progress()
        stats = asyncio.run(phone.sync(listener, None))
        self.assertEqual(stats.pushed, 3)
        self.assertEqual(stats.rejected, [])
        self.assertTrue(listener.calls, "the progress listener was called")
        last = listener.calls[-1]
        self.assertLessEqual(last.docs_done, last.docs_total)

        # After the sync the phone reads the server's figures for today, offline.
        view = phone.kpi_view("today", ["visits"])
        self.assertEqual((view.source, view.figures[0].value), ("server", 1.0))
        self.assertGreater(stats.published, 0, "the configuration and the snapshot arrived")
        notes = phone.server_notes()
        self.assertIsNotNone(notes.as_of)
        self.assertIsInstance(notes.alerts, list)

        tablet = enrolled_store(SERVER.code(rep), "tablet.db")
        stats = asyncio.run(tablet.sync(None, None))
        self.assertEqual(stats.pulled, 3)
        # Both edit the same section offline, then sync: both edits survive.
        phone.set_report_text(r.id, "done", "拜访杭州某某科技。确认需求。")
        tablet.set_report_text(r.id, "done", "上午：拜访杭州某某科技。")
        asyncio.run(phone.sync(None, None))
        asyncio.run(tablet.sync(None, None))
        asyncio.run(phone.sync(None, None))
        merged = "上午：拜访杭州某某科技。确认需求。"
        for s in (phone, tablet):
            done = next(x for x in s.report(r.id).sections if x.key == "done")
            self.assertEqual(done.text, merged)

    def test_people_and_a_team_template(self):
        SERVER.apply_example_config()
        rep, code = SERVER.add_rep("小赵")
        phone = enrolled_store(code, "phone.db", device_name="小赵的手机")
        asyncio.run(phone.sync(None, None))
        names = {m.name for m in phone.members()}
        self.assertTrue({"小赵", "王经理"} <= names, names)
        self.assertEqual(phone.find_member("王经").id, SERVER.admin_id)
        templates = phone.templates(fr.Lang.ZH_CN)
        self.assertEqual(templates[0].id, "weekly-east", "the team's templates come first")
        self.assertTrue(any(s.required for s in templates[0].sections))
        r = phone.new_report_from_template("weekly-east", None)
        with self.assertRaises(fr.FieldError.InvalidInput) as refused:
            phone.submit_report(r.id, [], [])
        self.assertIn("本周总结", str(refused.exception))
        phone.set_report_text(r.id, "summary", "本周拜访 12 家客户。")
        phone.set_report_text(r.id, "risks", "无")
        sent = phone.submit_report(r.id, [], [])
        self.assertEqual(sent.to, [SERVER.admin_id], "to the author's manager by default")
        md = phone.render_markdown(r.id, fr.Dialect.GFM, fr.Lang.ZH_CN)
        self.assertIn("小赵", md)
        self.assertNotIn(rep, md, "names, not ids")
        self.assertEqual(phone.find_record(fr.RecordKind.REPORT, r.title), r.id)
        devices = SERVER.admin("device", "list", "--user", rep)
        self.assertEqual(devices[0]["name"], "小赵的手机")

    def test_cancel_stops_at_a_page_and_a_later_sync_finishes(self):
        rep, code = SERVER.add_rep("小李")
        phone = enrolled_store(code, "phone.db")
        c = phone.add_customer(fr.NewCustomer(name="苏州某某制造"))
        for i in range(40):
            phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note=f"第{i}次拜访"))
        asyncio.run(phone.sync(None, None))

        tablet = enrolled_store(SERVER.code(rep), "tablet.db")
        cancelled = []
        listener = Progress(on_first=lambda: cancelled.append(tablet.cancel_sync()))
        with self.assertRaises(fr.FieldError.Cancelled):
            asyncio.run(tablet.sync(listener, 4096))  # pages of about 4 KB: several of them
        # Asserted here: an exception inside the listener would only be logged by the library.
        self.assertEqual(cancelled, [True], "cancel_sync saw the running sync")
        self.assertFalse(tablet.cancel_sync(), "nothing runs after the cancelled sync")
        got = len(tablet.list_followups(None, None))
        self.assertLess(got, 40)
        stats = asyncio.run(tablet.sync(None, None))
        self.assertEqual(len(tablet.list_followups(None, None)), 40)
        self.assertGreater(stats.pulled, 0)

    def test_unreachable_server_is_a_typed_error(self):
        rep, code = SERVER.add_rep("小赵")
        path = os.path.join(tempfile.mkdtemp(), "d.db")
        store = fr.FieldStore.open(path)
        with self.assertRaises(fr.FieldError.InvalidInput) as no_client:
            asyncio.run(store.enroll(SERVER.url, code))
        self.assertIn("set_http_client", str(no_client.exception))
        store.set_http_client(fr.UrllibHttpClient())
        with self.assertRaises(fr.FieldError.Unreachable):
            asyncio.run(store.enroll("http://127.0.0.1:9", code))
        with self.assertRaises(fr.FieldError.Server) as refused:
            asyncio.run(store.enroll(SERVER.url, "AAAAA-BBBBB-CCCCC"))
        self.assertEqual(refused.exception.status, 403)
        self.assertEqual(refused.exception.code, "forbidden")


if __name__ == "__main__":
    unittest.main(verbosity=2)
