"""The FFI from Python: the store's surface through the generated `fieldreport` package, offline
and against a real fieldreport-server. Run by scripts/test-bindings (which generates the package
first); test_app.py holds what an app team relies on beyond it (async, errors, refusals…).

    FIELDREPORT_BINDINGS=DIR FIELDREPORT_SERVER=path/to/fieldreport-server python3 tests/ffi/test_ffi.py
"""

import asyncio
import datetime
import gc
import os
import tempfile
import unittest

from helpers import Changes, Progress, Server, enrolled_store, fr, png

SERVER = None
UTC = datetime.timezone.utc


def setUpModule():
    global SERVER
    SERVER = Server(os.environ["FIELDREPORT_SERVER"])


def tearDownModule():
    SERVER.stop()


class LocalSurface(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.store = fr.FieldStore.open_in_memory()
        self.me = await self.store.init("rep-1", "team-1", "Asia/Shanghai", "monday")

    async def test_visits_report_and_kpis(self):
        c = await self.store.add_customer(fr.NewCustomer(name="上海某某贸易有限公司", level=fr.Level.A, tags=["重点"]))
        self.assertEqual(c.name, "上海某某贸易有限公司")
        self.assertEqual(c.owner, "rep-1")
        fixed = datetime.datetime.now(UTC).replace(microsecond=0)
        v = await self.store.log_followup(
            fr.NewFollowup(
                customer_id=c.id,
                kind=fr.FollowupKind.VISIT,
                note="拜访采购部，确认报价 👍",
                checkin=fr.CheckIn(latitude=31.23, longitude=121.47, accuracy=15.0, at=fixed),
            )
        )
        await self.store.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.CALL, note="电话回访"))
        rows = await self.store.list_followups("today")
        self.assertEqual(len(rows), 2)
        self.assertEqual({r.kind for r in rows}, {fr.FollowupKind.VISIT, fr.FollowupKind.CALL})
        self.assertEqual((v.checkin.latitude, v.checkin.at), (31.23, fixed))

        deal = await self.store.add_deal(fr.NewDeal(customer_id=c.id, title="年度框架协议", amount="120000", stage=fr.Stage.PROPOSAL))
        self.assertEqual((deal.amount, deal.currency, deal.stage), ("120000.00", "CNY", fr.Stage.PROPOSAL))
        won = await self.store.set_deal_stage(deal.id, fr.Stage.WON)
        self.assertEqual([e.stage for e in won.stage_history], [fr.Stage.PROPOSAL, fr.Stage.WON])
        self.assertEqual((await self.store.list_deals(fr.Stage.WON))[0].amount_minor, 12_000_000)

        r = await self.store.new_report(fr.ReportKind.DAILY)
        self.assertEqual((r.status, r.lang), (fr.ReportStatus.DRAFT, fr.Lang.ZH_CN))
        block = await self.store.insert_followups(r.id)
        self.assertEqual(block.kind, fr.BlockKind.FOLLOWUPS)
        self.assertEqual(block.customers[0].customer_name, "上海某某贸易有限公司")
        self.assertEqual([f.kind for f in block.customers[0].followups], [fr.FollowupKind.VISIT, fr.FollowupKind.CALL])
        kpis = await self.store.insert_kpis(r.id, metrics=["visits"])
        self.assertEqual((kpis.kind, kpis.figures[0].metric, kpis.figures[0].value), (fr.BlockKind.KPIS, "visits", 1.0))
        self.assertEqual(kpis.source, fr.FigureSource.LOCAL, "a block's source is the enum")
        self.assertEqual(kpis.figures[0].quantity, fr.KpiQuantity.COUNT(count=1), "a value with its unit")
        self.assertEqual(len(self.store.report(r.id).blocks), 2, "the report holds both blocks, with their content")
        md = await self.store.render_markdown(r.id)
        self.assertIn("上海某某贸易有限公司", md)
        self.assertIn("拜访采购部", md)
        self.assertIn("今日完成工作", md)
        self.assertIn("Done today", await self.store.render_text(r.id, fr.Lang.EN))

        figures = {k.metric: k for k in await self.store.kpis("today")}
        self.assertEqual(figures["visits"].value, 1)
        self.assertEqual(figures["calls"].value, 1)
        self.assertEqual(figures["deals_won"].value, 1)

    async def test_types_are_pythons_own(self):
        # Optional parameters have defaults; records print their fields.
        self.assertEqual(await self.store.list_customers(), [])
        c = await self.store.add_customer(fr.NewCustomer(name="杭州某某科技"))
        self.assertIn("name='杭州某某科技'", repr(c))
        self.assertIn("CustomerRow(", repr(await self.store.list_customers()))
        # Instants are aware datetimes; the same enums in rows as in records.
        v = await self.store.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.MEETING, note="会议"))
        self.assertEqual(v.occurred_at.tzinfo, UTC)
        row = (await self.store.list_followups())[0]
        self.assertEqual(row.kind, fr.FollowupKind.MEETING)
        self.assertEqual(row.occurred_at, v.occurred_at)
        r = await self.store.new_report(fr.ReportKind.WEEKLY)
        listed = (await self.store.list_reports())[0]
        self.assertEqual((listed.kind, listed.status), (fr.ReportKind.WEEKLY, fr.ReportStatus.DRAFT))
        self.assertEqual(listed.id, r.id)
        # A moment in seconds (1970) is refused, not stored.
        seconds = datetime.datetime.fromtimestamp(v.occurred_at.timestamp() / 1000, UTC)
        with self.assertRaises(fr.FieldError.InvalidInput) as refused:
            await self.store.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.CALL, note="x", occurred_at=seconds))
        self.assertIn("between 2000 and 2100", str(refused.exception))

    async def test_getters_edits_and_pages(self):
        c = await self.store.add_customer(fr.NewCustomer(name="上海华为技术有限公司", contacts=[fr.Contact(name="张总")]))
        await self.store.add_customer(fr.NewCustomer(name="北京小米科技"))
        self.assertEqual(self.store.customer(c.id).contacts[0].name, "张总")
        edited = await self.store.edit_customer(c.id, fr.CustomerEdit(address="浦东新区张江", tags=["VIP"], latitude=31.2, longitude=121.6))
        self.assertEqual((edited.address, edited.tags, edited.latitude), ("浦东新区张江", ["VIP"], 31.2))
        await self.store.add_contact(c.id, fr.Contact(name="王工", title="工程师"))
        self.assertEqual((await self.store.edit_contact(c.id, 1, None, "总工", None)).contacts[1].title, "总工")
        self.assertEqual([x.name for x in (await self.store.remove_contact(c.id, 0)).contacts], ["王工"])
        # Search by pinyin initials, whole pinyin, address and tag.
        for needle in ["hw", "huawei", "张江", "vip", "华为"]:
            self.assertEqual([x.name for x in await self.store.list_customers(needle)], ["上海华为技术有限公司"], needle)

        # Days are datetime.date both ways; text is refused before the call.
        with self.assertRaises((TypeError, AttributeError)):
            await self.store.add_deal(fr.NewDeal(customer_id=c.id, title="x", amount="1", expected_close="2026-12-31"))
        d = await self.store.add_deal(
            fr.NewDeal(customer_id=c.id, title="服务器采购", amount="1000", expected_close=datetime.date(2026, 12, 31))
        )
        self.assertEqual(self.store.deal(d.id).expected_close, datetime.date(2026, 12, 31))
        self.assertEqual((await self.store.list_deals())[0].expected_close, datetime.date(2026, 12, 31))
        d = await self.store.edit_deal(d.id, fr.DealEdit(amount="1500.50", lost_reason=None))
        self.assertEqual((d.amount, d.amount_minor), ("1500.50", 150050))
        k = await self.store.add_contract(c.id, "1500.50", datetime.date(2026, 11, 20), title="采购合同")
        self.assertEqual(self.store.contract(k.id).title, "采购合同")
        p = await self.store.add_payment(k.id, "500", datetime.date(2026, 11, 23))
        money = (await self.store.kpis("2026-11-20..2026-11-30", ["new_contract_amount"]))[0].quantity
        self.assertEqual(money, fr.KpiQuantity.MONEY(amount="1500.50", amount_minor=150050, currency="CNY"))
        self.assertEqual((await self.store.list_payments(k.id))[0].received_on, datetime.date(2026, 11, 23))
        self.assertEqual(self.store.payment(p.id).amount, "500.00")
        self.assertEqual([x.id for x in await self.store.list_contracts(c.id)], [k.id])
        self.assertEqual([x.id for x in await self.store.list_payments(k.id)], [p.id])

        # Pages: newest first by default, `after` the last id of the previous page.
        base = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        for i in range(5):
            await self.store.log_followup(
                fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.CALL, note=f"第{i}次", occurred_at=base + datetime.timedelta(days=i))
            )
        first = await self.store.list_followups(options=fr.ListOptions(limit=2))
        self.assertEqual([x.note for x in first], ["第4次", "第3次"])
        second = await self.store.list_followups(options=fr.ListOptions(limit=2, after=first[-1].id))
        self.assertEqual([x.note for x in second], ["第2次", "第1次"])
        oldest = await self.store.list_followups(options=fr.ListOptions(limit=1, order=fr.Order.ASCENDING))
        self.assertEqual(oldest[0].note, "第0次")
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.list_followups(options=fr.ListOptions(after="0190c0de-0000-7000-8000-000000000000"))
        with self.assertRaises(fr.FieldError.NotFound):
            self.store.deal(c.id)  # a customer's id is no deal

    async def test_one_report_a_day_and_two_drafts_merge(self):
        today = await self.store.open_report(fr.ReportKind.DAILY)
        self.assertEqual((await self.store.open_report(fr.ReportKind.DAILY)).id, today.id, "today's report is the one")
        # Two offline devices each made one (here: a second draft of the same day).
        other = await self.store.new_report(fr.ReportKind.DAILY)
        await self.store.set_report_text(today.id, "done", "上午拜访华为。")
        await self.store.set_report_text(other.id, "done", "下午拜访小米。")
        await self.store.set_report_text(other.id, "plan", "明天回访。")
        self.assertEqual(await self.store.duplicate_reports(), [[today.id, other.id]])
        merged = await self.store.merge_reports(today.id, other.id)
        texts = {s.key: s.text for s in merged.sections}
        self.assertEqual(texts["done"], "上午拜访华为。\n下午拜访小米。")
        self.assertEqual(texts["plan"], "明天回访。")
        self.assertEqual(await self.store.duplicate_reports(), [])
        self.assertEqual([r.id for r in await self.store.list_reports()], [today.id])

    async def test_subscriptions_tell_what_changed_until_cancelled(self):
        everything, customers = Changes(), Changes()
        sub_all = self.store.subscribe(everything)
        sub_customers = self.store.subscribe(customers, [fr.ChangedKind.CUSTOMER])
        c = await self.store.add_customer(fr.NewCustomer(name="华为"))
        v = await self.store.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.CALL, note="x"))
        self.assertEqual(everything.calls, [[(fr.ChangedKind.CUSTOMER, c.id)], [(fr.ChangedKind.FOLLOWUP, v.id)]])
        self.assertEqual(customers.calls, [[(fr.ChangedKind.CUSTOMER, c.id)]])
        # One report only.
        r = await self.store.new_report(fr.ReportKind.DAILY)
        one = Changes()
        sub_one = self.store.subscribe(one, ids=[r.id])
        await self.store.set_report_text(r.id, "done", "拜访")
        await self.store.rename_customer(c.id, "华为技术")
        self.assertEqual(one.ids(), {r.id})
        # A handle the app did not keep goes on (no silent end); a cancelled one stops.
        sub_customers.cancel()
        del sub_all
        gc.collect()
        before = (len(everything.calls), len(customers.calls))
        await self.store.rename_customer(c.id, "华为技术有限公司")
        self.assertEqual((len(everything.calls), len(customers.calls)), (before[0] + 1, before[1]))
        self.assertEqual(len(one.calls), 1)
        sub_one.cancel()

    async def test_pages_say_whether_more_follow_and_hold_their_place(self):
        for name in ["A公司", "B公司", "C公司", "D公司"]:
            await self.store.add_customer(fr.NewCustomer(name=name))
        first = self.store.customers_page(options=fr.ListOptions(limit=2))
        self.assertEqual(([r.name for r in first.rows], first.has_more), (["A公司", "B公司"], True))
        # The last row shown is renamed past the end: the next page still starts after it.
        await self.store.rename_customer(first.rows[-1].id, "Z公司")
        second = self.store.customers_page(options=fr.ListOptions(limit=2, after=first.next))
        self.assertEqual(([r.name for r in second.rows], second.has_more), (["C公司", "D公司"], True))
        last = self.store.customers_page(options=fr.ListOptions(limit=2, after=second.next))
        self.assertEqual(([r.name for r in last.rows], last.has_more, last.next), (["Z公司"], False, None))
        with self.assertRaises(fr.FieldError.InvalidInput):
            self.store.customers_page(options=fr.ListOptions(after="n\x1fdamaged"))

    async def test_a_watched_list_gives_its_page_then_what_changed(self):
        ids = {n: (await self.store.add_customer(fr.NewCustomer(name=n))).id for n in ["B公司", "C公司", "D公司"]}
        told = []

        class Listener(fr.CustomerListListener):
            def on_list(self, page, diff):
                told.append(([r.name for r in page.rows], page.has_more, diff))

        watching = self.store.watch_customers(Listener(), options=fr.ListOptions(limit=2))
        self.assertEqual(told[0][:2], (["B公司", "C公司"], True))
        self.assertEqual(told[0][2].inserted, [0, 1], "the first page: every row inserted")
        await self.store.add_customer(fr.NewCustomer(name="A公司"))
        self.assertEqual(told[-1][:2], (["A公司", "B公司"], True))
        self.assertEqual((told[-1][2].removed, told[-1][2].inserted), ([1], [0]))
        await self.store.rename_customer(ids["B公司"], "B公司（总部）")
        self.assertEqual(told[-1][0], ["A公司", "B公司（总部）"])
        self.assertEqual(told[-1][2].updated, [1])
        n = len(told)
        await self.store.add_customer(fr.NewCustomer(name="Z公司"))
        self.assertEqual(len(told), n, "a change outside the page tells nothing")
        watching.cancel()
        await self.store.add_customer(fr.NewCustomer(name="0公司"))
        self.assertEqual(len(told), n, "cancelled: nothing more")

    async def test_live_lists_of_money_arrive_on_the_event_loop_in_order(self):
        c = await self.store.add_customer(fr.NewCustomer(name="客户甲"))
        async with fr.live(self.store.watch_deals) as deals, fr.live(self.store.watch_contracts, c.id) as contracts:
            self.assertEqual((await anext(deals))[0].rows, [], "the page now, at once")
            self.assertEqual((await anext(contracts))[0].rows, [])
            d = await self.store.add_deal(fr.NewDeal(customer_id=c.id, title="框架协议", amount="1000"))
            page, diff = await asyncio.wait_for(anext(deals), 5)
            self.assertEqual(([x.id for x in page.rows], diff.inserted), ([d.id], [0]))
            k = await self.store.add_contract(c.id, "1000", datetime.date(2026, 11, 2), deal_id=d.id)
            page, diff = await asyncio.wait_for(anext(contracts), 5)
            self.assertEqual(([x.id for x in page.rows], diff.inserted), ([k.id], [0]))
            await self.store.rename_customer(c.id, "客户乙")
            deal_page, deal_diff = await asyncio.wait_for(anext(deals), 5)
            contract_page, contract_diff = await asyncio.wait_for(anext(contracts), 5)
            self.assertEqual((deal_page.rows[0].customer_name, deal_diff.updated), ("客户乙", [0]), "a renamed customer updates the rows")
            self.assertEqual((contract_page.rows[0].customer_name, contract_diff.updated), ("客户乙", [0]))
        async with fr.live(self.store.watch_payments, k.id) as payments:
            self.assertEqual((await anext(payments))[0].rows, [])
            p = await self.store.add_payment(k.id, "400", datetime.date(2026, 11, 20))
            page, diff = await asyncio.wait_for(anext(payments), 5)
            self.assertEqual(([x.id for x in page.rows], diff.inserted, page.rows[0].amount), ([p.id], [0], "400.00"))
        day = datetime.date(2026, 12, 8)
        async with fr.live(self.store.watch_plans, day, day) as plans:
            self.assertEqual((await anext(plans))[0].rows, [])
            plan = await self.store.add_plan(c.id, day, "10:00", "送样品")
            page, diff = await asyncio.wait_for(anext(plans), 5)
            self.assertEqual(([x.id for x in page.rows], page.rows[0].customer_name, diff.inserted), ([plan.id], "客户乙", [0]))
            await self.store.cancel_plan(plan.id)
            page, diff = await asyncio.wait_for(anext(plans), 5)
            self.assertEqual((page.rows, diff.removed), ([], [0]), "a cancelled plan leaves the watched day")
        paged = self.store.deals_page(options=fr.ListOptions(limit=1))
        self.assertEqual((len(paged.rows), paged.has_more), (1, False))

    async def test_a_batch_writes_many_records_at_once_or_none(self):
        c = await self.store.add_customer(fr.NewCustomer(name="批量客户"))
        writes = [fr.BatchWrite.ADD_CUSTOMER(fr.NewCustomer(name=f"导入客户{i:04d}")) for i in range(300)]
        writes.append(fr.BatchWrite.LOG_FOLLOWUP(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.CALL, note="导入")))
        ids = await self.store.write_batch(writes)
        self.assertEqual(len(ids), 301)
        self.assertEqual(len(await self.store.list_customers()), 301)
        self.assertEqual(self.store.followup(ids[-1]).note, "导入")
        bad = [fr.BatchWrite.ADD_CUSTOMER(fr.NewCustomer(name="会回滚")), fr.BatchWrite.LOG_FOLLOWUP(
            fr.NewFollowup(customer_id="0190c0de-0000-7000-8000-000000000000", kind=fr.FollowupKind.CALL, note="x"))]
        with self.assertRaises(fr.FieldError.InvalidInput) as refused:
            await self.store.write_batch(bad)
        self.assertIn("write 2 of 2", str(refused.exception))
        self.assertEqual(len(await self.store.list_customers()), 301, "nothing of a refused batch is written")

    async def test_a_watched_report_list_hears_a_new_report_and_an_edit(self):
        told = []

        class Listener(fr.ReportListListener):
            def on_list(self, page, diff):
                told.append(([r.id for r in page.rows], diff))

        watching = self.store.watch_reports(Listener(), fr.ReportQuery(kind=fr.ReportKind.DAILY))
        self.assertEqual(told[0][0], [])
        r = await self.store.new_report(fr.ReportKind.DAILY, datetime.date(2026, 11, 23))
        self.assertEqual((told[-1][0], told[-1][1].inserted), ([r.id], [0]))
        await self.store.set_report_text(r.id, "done", "拜访三家。")
        n = len(told)
        await self.store.new_report(fr.ReportKind.WEEKLY, datetime.date(2026, 11, 23))
        self.assertEqual(len(told), n, "a weekly report is not in a daily list")
        page = self.store.reports_page(fr.ReportQuery(kind=fr.ReportKind.DAILY), fr.ListOptions(limit=1))
        self.assertEqual(([x.id for x in page.rows], page.has_more), ([r.id], False))
        watching.cancel()

    async def test_text_indices_are_code_points(self):
        r = await self.store.new_report(fr.ReportKind.DAILY, datetime.date(2026, 11, 23))
        self.assertEqual((r.first, r.last), (datetime.date(2026, 11, 23), datetime.date(2026, 11, 23)))
        await self.store.set_report_text(r.id, "done", "你好👋世界")
        # Python indexes code points, as the FFI does: the emoji is one.
        i = "你好👋世界".index("世")
        r = await self.store.splice_report(r.id, "done", i, 0, "🙂")
        done = next(s for s in r.sections if s.key == "done")
        self.assertEqual(done.text, "你好👋🙂世界")
        r = await self.store.splice_report(r.id, "done", 2, 1, "")
        self.assertEqual(next(s for s in r.sections if s.key == "done").text, "你好🙂世界")

    async def test_bad_input_raises_typed_errors_whose_text_is_the_reason(self):
        with self.assertRaises(fr.FieldError.InvalidInput) as e:
            await self.store.add_customer(fr.NewCustomer(name="  "))
        self.assertEqual(str(e.exception), e.exception.reason)
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.add_customer(fr.NewCustomer(name="x", latitude=31.0))
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.log_followup(fr.NewFollowup(customer_id="no-such-customer", kind=fr.FollowupKind.CALL, note="x"))
        missing = "0190c0de-0000-7000-8000-000000000000"
        with self.assertRaises(fr.FieldError.NotFound):
            await self.store.log_followup(fr.NewFollowup(customer_id=missing, kind=fr.FollowupKind.CALL, note="x"))
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.list_followups("next-century")
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.list_followups(options=fr.ListOptions(limit=0))
        r = await self.store.new_report(fr.ReportKind.DAILY)
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.splice_report(r.id, "done", 99, 0, "x")
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.splice_report(r.id, "done", -1, 0, "x")
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.submit_report(r.id)
        with self.assertRaises(fr.FieldError.InvalidInput):
            await self.store.sync()  # in memory: cannot sync

    async def test_use_after_close_raises(self):
        await self.store.close_store()
        with self.assertRaises(fr.FieldError.Closed) as e:
            self.store.identity()
        self.assertIn("closed", str(e.exception))
        with self.assertRaises(fr.FieldError.Closed):
            await self.store.close_store()


class WithServer(unittest.IsolatedAsyncioTestCase):
    async def test_photos_attach_offline_and_another_device_fetches_them(self):
        rep, code = SERVER.add_rep("小周")
        phone, _ = await enrolled_store(SERVER, code, "phone.db")
        boss, _ = await enrolled_store(SERVER, SERVER.code(SERVER.admin_id), "boss.db")
        c = await phone.add_customer(fr.NewCustomer(name="华为"))
        v = await phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note="门头照"))
        path = os.path.join(tempfile.mkdtemp(prefix="fieldreport-py-"), "门头照.png")
        with open(path, "wb") as f:
            f.write(png(32, 24, 1))
        shop = await phone.attach_file(fr.RecordKind.FOLLOWUP, v.id, path)
        self.assertEqual((shop.name, shop.mime, shop.width, shop.height), ("门头照.png", "image/png", 32, 24))
        card = await phone.attach_bytes(fr.RecordKind.FOLLOWUP, v.id, png(20, 10, 2), "名片.png")
        self.assertEqual(phone.attachment_state(shop.hash), fr.AttachmentState.OWN(uploaded=False))
        with self.assertRaises(fr.FieldError.InvalidInput):
            await phone.attach_bytes(fr.RecordKind.FOLLOWUP, v.id, b"<html>not a photo</html>", "x.jpg")
        stats = await phone.sync()
        self.assertEqual(stats.files_uploaded, 2)
        self.assertEqual(phone.attachment_state(card.hash), fr.AttachmentState.OWN(uploaded=True))

        await boss.sync()
        self.assertEqual(boss.attachment_state(shop.hash), fr.AttachmentState.MISSING())
        self.assertIsNone(await boss.attachment_bytes(shop.hash))
        await boss.fetch_attachment(shop.hash)
        self.assertEqual(await boss.attachment_bytes(shop.hash), await phone.attachment_bytes(shop.hash))
        saved = os.path.join(tempfile.mkdtemp(prefix="fieldreport-py-"), "saved.png")
        self.assertTrue(await boss.save_attachment(shop.hash, saved))
        with open(saved, "rb") as f:
            self.assertEqual(f.read(), await phone.attachment_bytes(shop.hash))
        listed = {a.hash: a for a in await boss.list_attachments()}
        self.assertEqual(listed[shop.hash].state, fr.AttachmentState.DOWNLOADED())
        self.assertEqual(listed[card.hash].record_id, v.id)

        self.assertEqual(await phone.detach(fr.RecordKind.FOLLOWUP, v.id, card.hash), 1)
        await phone.sync()
        await boss.sync()
        self.assertNotIn(card.hash, {a.hash for a in await boss.list_attachments()})

    async def test_enroll_sync_merge_progress(self):
        rep, code = SERVER.add_rep("小王")
        phone, _ = await enrolled_store(SERVER, code, "phone.db")
        self.assertEqual(phone.identity().user_id, rep)
        c = await phone.add_customer(fr.NewCustomer(name="杭州某某科技"))
        await phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note="首次拜访"))
        r = await phone.new_report(fr.ReportKind.DAILY)
        await phone.set_report_text(r.id, "done", "拜访杭州某某科技。")
        listener = Progress()
        stats = await phone.sync(listener)
        self.assertEqual(stats.pushed, 3)
        self.assertEqual(stats.rejected, [])
        self.assertTrue(listener.calls, "the progress listener was called")
        last = listener.calls[-1]
        self.assertLessEqual(last.docs_done, last.docs_total)

        # After the sync the phone holds all the server's snapshot holds: it counts its own
        # records (offline), with the snapshot's targets.
        view = await phone.kpi_view("today", ["visits"])
        self.assertEqual((view.source, view.figures[0].value), (fr.FigureSource.LOCAL, 1.0))
        self.assertGreater(stats.published, 0, "the configuration and the snapshot arrived")
        notes = await phone.server_notes()
        self.assertIsNotNone(notes.as_of)
        self.assertIsInstance(notes.alerts, list)

        tablet, _ = await enrolled_store(SERVER, SERVER.code(rep), "tablet.db")
        seen = Changes()
        sub = tablet.subscribe(seen, [fr.ChangedKind.REPORT, fr.ChangedKind.FOLLOWUP])
        stats = await tablet.sync()
        self.assertEqual(stats.pulled, 3)
        self.assertIn(r.id, seen.ids(), "a pulled page tells the subscribers")
        # Both edit the same section offline, then sync: both edits survive.
        await phone.set_report_text(r.id, "done", "拜访杭州某某科技。确认需求。")
        await tablet.set_report_text(r.id, "done", "上午：拜访杭州某某科技。")
        await phone.sync()
        await tablet.sync()
        await phone.sync()
        merged = "上午：拜访杭州某某科技。确认需求。"
        for s in (phone, tablet):
            done = next(x for x in s.report(r.id).sections if x.key == "done")
            self.assertEqual(done.text, merged)
        sub.cancel()

    async def test_people_and_a_team_template(self):
        SERVER.apply_example_config()
        rep, code = SERVER.add_rep("小赵")
        phone, _ = await enrolled_store(SERVER, code, "phone.db", device_name="小赵的手机")
        await phone.sync()
        names = {m.name for m in await phone.members()}
        self.assertTrue({"小赵", "王经理"} <= names, names)
        self.assertEqual(phone.find_member("王经").id, SERVER.admin_id)
        templates = phone.templates()
        self.assertEqual(templates[0].id, "weekly-east", "the team's templates come first")
        self.assertTrue(any(s.required for s in templates[0].sections))
        r = await phone.new_report_from_template("weekly-east")
        with self.assertRaises(fr.FieldError.InvalidInput) as refused:
            await phone.submit_report(r.id)
        self.assertIn("本周总结", str(refused.exception))
        await phone.set_report_text(r.id, "summary", "本周拜访 12 家客户。")
        await phone.set_report_text(r.id, "risks", "无")
        sent = await phone.submit_report(r.id)
        self.assertEqual(sent.to, [SERVER.admin_id], "to the author's manager by default")
        md = await phone.render_markdown(r.id)
        self.assertIn("小赵", md)
        self.assertNotIn(rep, md, "names, not ids")
        self.assertEqual(phone.find_record(fr.RecordKind.REPORT, r.title), r.id)
        devices = SERVER.admin("device", "list", "--user", rep)
        self.assertEqual(devices[0]["name"], "小赵的手机")


if __name__ == "__main__":
    unittest.main(verbosity=2)
