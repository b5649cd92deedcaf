"""What an app team relies on, from Python against a real fieldreport-server: async that an
event loop can await and cancel, errors as documented, refused edits kept as state, a manager's
inbox and team, signing out. Run by scripts/test-bindings.

    FIELDREPORT_BINDINGS=DIR FIELDREPORT_SERVER=path/to/fieldreport-server python3 tests/ffi/test_app.py
"""

import asyncio
import datetime
import os
import threading
import time
import unittest

from helpers import Progress, RecordingClient, Server, enrolled_store, fr, new_path

SERVER = None


def setUpModule():
    global SERVER
    SERVER = Server(os.environ["FIELDREPORT_SERVER"])


def tearDownModule():
    SERVER.stop()


async def rep_with_visits(name, n):
    """A rep's phone holding `n` synced visits, and the rep's id."""
    rep, code = SERVER.add_rep(name)
    phone, _ = await enrolled_store(SERVER, code, "phone.db")
    c = await phone.add_customer(fr.NewCustomer(name=f"{name}的客户"))
    for i in range(n):
        await phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note=f"第{i}次拜访"))
    await phone.sync()
    return rep, phone


class AsyncHosts(unittest.IsolatedAsyncioTestCase):
    async def test_a_sync_runs_off_the_event_loop(self):
        rep, _ = await rep_with_visits("小钱", 3)
        client = RecordingClient(delay=0.3)
        tablet, _ = await enrolled_store(SERVER, SERVER.code(rep), "tablet.db", client=client)
        listener = Progress()

        async def main():
            ticks = 0
            done = asyncio.Event()

            async def heartbeat():
                nonlocal ticks
                while not done.is_set():
                    await asyncio.sleep(0.005)
                    ticks += 1

            beat = asyncio.create_task(heartbeat())
            stats = await tablet.sync(listener)
            done.set()
            await beat
            return stats, ticks

        stats, ticks = await main()
        self.assertEqual(stats.pulled, 4)
        loop_thread = threading.get_ident()
        self.assertTrue(listener.threads and loop_thread not in listener.threads, "the listener runs on the library's thread")
        self.assertNotIn(loop_thread, client.threads, "so does the HTTP client")
        # Each request waited 0.3 s in the client: a free loop ticked meanwhile.
        self.assertGreater(ticks, 10, "the event loop kept running during the sync")

    async def test_a_cancelled_task_stops_the_sync_and_the_next_one_runs(self):
        rep, _ = await rep_with_visits("小孙", 40)
        tablet, _ = await enrolled_store(SERVER, SERVER.code(rep), "tablet.db")

        async def cancel_on_first_page():
            loop = asyncio.get_running_loop()
            task = None
            listener = Progress(on_first=lambda: loop.call_soon_threadsafe(task.cancel))
            task = asyncio.ensure_future(tablet.sync(listener, 4096))  # pages of about 4 KB
            with self.assertRaises(asyncio.CancelledError):
                await task
            return await tablet.sync()

        stats = await cancel_on_first_page()
        self.assertEqual(len(await tablet.list_followups()), 40, "the next sync finished the job")
        self.assertGreater(stats.pulled, 0)
        self.assertFalse(tablet.cancel_sync(), "nothing left running")

    async def test_a_timed_out_sync_leaves_the_store_usable(self):
        rep, _ = await rep_with_visits("小李", 5)
        slow = RecordingClient(delay=0.5)
        tablet, _ = await enrolled_store(SERVER, SERVER.code(rep), "tablet.db")
        tablet.set_http_client(slow)

        async def main():
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(tablet.sync(), timeout=0.1)
            tablet.set_http_client(fr.UrllibHttpClient())
            return await tablet.sync()

        await main()
        self.assertEqual(len(await tablet.list_followups()), 5)

    async def test_cancel_sync_stops_at_a_page_with_a_reason(self):
        rep, _ = await rep_with_visits("小吴", 40)
        tablet, _ = await enrolled_store(SERVER, SERVER.code(rep), "tablet.db")
        cancelled = []
        listener = Progress(on_first=lambda: cancelled.append(tablet.cancel_sync()))
        with self.assertRaises(fr.FieldError.Cancelled) as e:
            await tablet.sync(listener, 4096)
        self.assertTrue(str(e.exception), "Cancelled carries a reason")
        self.assertEqual(cancelled, [True], "cancel_sync saw the running sync")
        self.assertLess(len(await tablet.list_followups()), 40)
        await tablet.sync()
        self.assertEqual(len(await tablet.list_followups()), 40)


class Errors(unittest.IsolatedAsyncioTestCase):
    async def test_enrollment_and_sync_errors_are_typed(self):
        rep, code = SERVER.add_rep("小郑")
        store = await fr.FieldStore.open(new_path())
        with self.assertRaises(fr.FieldError.InvalidInput) as no_client:
            await store.enroll(SERVER.url, code)
        self.assertIn("set_http_client", str(no_client.exception))
        store.set_http_client(fr.UrllibHttpClient())
        with self.assertRaises(fr.FieldError.NotEnrolled) as not_yet:
            await store.sync()
        self.assertNotIn("--", str(not_yet.exception), "an app's words, not the command line's")
        with self.assertRaises(fr.FieldError.Unreachable):
            await store.enroll("http://127.0.0.1:9", code)
        with self.assertRaises(fr.FieldError.CodeUnknown) as unknown:
            await store.enroll(SERVER.url, "AAAAA-BBBBB-CCCCC")
        self.assertEqual(str(unknown.exception), unknown.exception.reason)
        enrolled = await store.enroll(SERVER.url, code)
        self.assertEqual(enrolled.role, fr.Role.REP)
        # Retrying the same code (the app cancelled the wait, or did not see the answer) answers
        # the enrollment; another code on an enrolled device is refused below.
        again = await store.enroll(SERVER.url, code)
        self.assertEqual(again.device_id, enrolled.device_id)
        other = await fr.FieldStore.open(new_path())
        other.set_http_client(fr.UrllibHttpClient())
        with self.assertRaises(fr.FieldError.CodeUsed):
            await other.enroll(SERVER.url, code)
        with self.assertRaises(fr.FieldError.AlreadyEnrolled):
            await store.enroll(SERVER.url, SERVER.code(rep))
        # A deactivated member's device hears so (not "revoked"), and syncs again once reactivated.
        SERVER.admin("user", "edit", rep, "--deactivate")
        with self.assertRaises(fr.FieldError.AccountDeactivated) as gone:
            await store.sync()
        self.assertIn("deactivated", str(gone.exception))
        SERVER.admin("user", "edit", rep, "--activate")
        await store.sync()
        SERVER.admin("device", "revoke", enrolled.device_id)
        with self.assertRaises(fr.FieldError.DeviceRevoked):
            await store.sync()


class CancelAndRetry(unittest.IsolatedAsyncioTestCase):
    async def test_a_cancelled_enrollment_finishes_and_retrying_the_code_answers_it(self):
        rep, code = SERVER.add_rep("小林")
        store = await fr.FieldStore.open(new_path())
        store.set_http_client(RecordingClient(delay=0.3))

        async def give_up():
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(store.enroll(SERVER.url, code), 0.05)

        await give_up()
        again = await store.enroll(SERVER.url, code)
        self.assertEqual(store.identity().user_id, rep)
        store.set_http_client(fr.UrllibHttpClient())
        await store.sync_once()
        devices = SERVER.admin("device", "list")
        self.assertEqual([d["id"] for d in devices if d["user_id"] == rep], [again.device_id], "one device")

    async def test_a_cancelled_sync_stops_waiting_for_a_dead_link(self):
        rep, code = SERVER.add_rep("小秦")
        store, _ = await enrolled_store(SERVER, code, "qin.db")
        await store.add_customer(fr.NewCustomer(name="京东"))
        store.set_http_client(RecordingClient(delay=30))  # a request that hangs on a dead link

        async def stuck_then_cancelled():
            task = asyncio.ensure_future(store.sync_once())
            await asyncio.sleep(0.3)
            self.assertTrue(store.cancel_sync())
            started = time.monotonic()
            with self.assertRaises(fr.FieldError.Cancelled):
                await task
            return time.monotonic() - started

        self.assertLess(await stuck_then_cancelled(), 2, "the cancel did not wait for the request")
        store.set_http_client(fr.UrllibHttpClient())
        started = time.monotonic()
        self.assertEqual((await store.sync_once()).pushed, 1)
        self.assertLess(time.monotonic() - started, 5, "the next sync did not wait behind the dead request")

    async def test_the_apps_client_is_told_to_abort_a_cancelled_call(self):
        rep, code = SERVER.add_rep("小魏")
        store, _ = await enrolled_store(SERVER, code, "wei.db")

        class Hanging(fr.HttpClient):
            # A request on a dead link: it waits until the library cancels it, then aborts.
            def __init__(self):
                super().__init__()
                self.aborted = threading.Event()
                self.calls = []

            def post(self, request):
                self.calls.append(request)
                request.call.on_cancel(Aborter(self.aborted))
                if not self.aborted.wait(30):
                    raise fr.FieldError.Unreachable(reason="timed out")
                raise fr.FieldError.Unreachable(reason="aborted")

        class Aborter(fr.CancelListener):
            def __init__(self, event):
                self.event = event

            def on_cancel(self):
                self.event.set()

        client = Hanging()
        store.set_http_client(client)

        async def cancel_it():
            task = asyncio.ensure_future(store.sync_once())
            await asyncio.sleep(0.3)
            store.cancel_sync()
            with self.assertRaises(fr.FieldError.Cancelled):
                await task

        await cancel_it()
        self.assertTrue(client.aborted.wait(2), "the client heard the cancel")
        request = client.calls[0]
        self.assertTrue(request.call.is_cancelled())
        left = request.deadline - datetime.datetime.now(datetime.timezone.utc)
        self.assertTrue(datetime.timedelta(0) < left <= datetime.timedelta(milliseconds=request.timeout_ms), left)

    async def test_a_cancelled_sign_out_completes(self):
        rep, code = SERVER.add_rep("小韩")
        path = new_path()
        store = await fr.FieldStore.open(path)
        store.set_http_client(fr.UrllibHttpClient())
        await store.enroll(SERVER.url, code)
        await store.sync_once()
        store.set_http_client(RecordingClient(delay=0.3))

        async def give_up():
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(store.sign_out(), 0.05)

        await give_up()
        self.assertIsNotNone(await within(5, lambda: not os.path.exists(path)), "the data is removed all the same")
        with self.assertRaises(fr.FieldError.Closed):
            store.identity()


class Refusals(unittest.IsolatedAsyncioTestCase):
    async def test_an_edit_refused_by_the_server_stays_listed_until_resolved(self):
        rep, code = SERVER.add_rep("小冯")
        phone, _ = await enrolled_store(SERVER, code, "phone.db")
        r = await phone.open_report(fr.ReportKind.DAILY)
        await phone.set_report_text(r.id, "done", "拜访三家客户。")
        await phone.sync()
        tablet, _ = await enrolled_store(SERVER, SERVER.code(rep), "tablet.db")
        await tablet.sync()
        # The phone submits; the tablet, offline, edits the draft it holds.
        await phone.submit_report(r.id)
        await phone.sync()
        await tablet.set_report_text(r.id, "done", "拜访三家客户，签下一单。")
        stats = await tablet.sync()
        self.assertEqual([x.id for x in stats.rejected], [r.id])
        refused = await tablet.refusals()
        self.assertEqual([(x.id, x.kind, x.on_server) for x in refused], [(r.id, fr.ChangedKind.REPORT, True)])
        self.assertTrue(refused[0].reason)
        await tablet.sync()
        self.assertEqual(len(await tablet.refusals()), 1, "listed until resolved, not resent")
        # Now submitted here too: a further edit is refused before it is written.
        with self.assertRaises(fr.FieldError.Forbidden):
            await tablet.set_report_text(r.id, "done", "再改一次")
        # Keep the tablet's text as a new draft; the submitted report is the server's again.
        kept = tablet.report(await tablet.keep_as_new(r.id))
        self.assertEqual(next(s.text for s in kept.sections if s.key == "done"), "拜访三家客户，签下一单。")
        self.assertEqual(kept.status, fr.ReportStatus.DRAFT)
        back = tablet.report(r.id)
        self.assertEqual(next(s.text for s in back.sections if s.key == "done"), "拜访三家客户。")
        self.assertEqual(back.status, fr.ReportStatus.SUBMITTED)
        self.assertEqual(await tablet.refusals(), [])
        stats = await tablet.sync()
        self.assertEqual(stats.rejected, [])


class ManagersApp(unittest.IsolatedAsyncioTestCase):
    async def test_inbox_read_receipts_and_the_team(self):
        rep, code = SERVER.add_rep("小陈")
        phone, _ = await enrolled_store(SERVER, code, "phone.db")
        boss, _ = await enrolled_store(SERVER, SERVER.code(SERVER.admin_id), "boss.db")
        r = await phone.open_report(fr.ReportKind.DAILY)
        with self.assertRaises(fr.FieldError.InvalidInput) as no_manager:
            await phone.submit_report(r.id)
        self.assertNotIn("--", str(no_manager.exception), "an app's words, not the command line's")
        await phone.sync()  # brings the team: the manager is the default recipient
        c = await phone.add_customer(fr.NewCustomer(name="苏州某某制造"))
        await phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note="拜访"))
        await phone.set_report_text(r.id, "done", "拜访苏州某某制造。")
        await phone.submit_report(r.id)
        await phone.sync()
        await boss.sync()

        unread = fr.ReportQuery(addressed_to_me=True, unread=True)
        self.assertEqual([x.id for x in await boss.list_reports(unread)], [r.id])
        self.assertEqual([x.id for x in await boss.list_reports(fr.ReportQuery(author=rep))], [r.id])
        async with fr.live(boss.watch_reports, unread) as inbox:
            page, _ = await asyncio.wait_for(anext(inbox), 5)
            self.assertEqual([x.id for x in page.rows], [r.id])
            await boss.mark_report_read(r.id)
            page, diff = await asyncio.wait_for(anext(inbox), 5)
            self.assertEqual((page.rows, diff.removed), ([], [0]), "the watched unread list hears the read")
        self.assertEqual(await boss.list_reports(unread), [])
        self.assertIsNotNone((await boss.list_reports(fr.ReportQuery(addressed_to_me=True)))[0].read_at)
        with self.assertRaises(fr.FieldError.Forbidden):
            await phone.mark_report_read(r.id)  # not addressed to its author
        stats = await boss.sync()
        self.assertIsNone(stats.reads_waiting)
        await phone.sync()
        self.assertIn((r.id, SERVER.admin_id), {(x.report_id, x.reader) for x in (await phone.server_notes()).reads})

        team = await boss.team_view("this-week", ["visits"])
        self.assertEqual(team.source, fr.FigureSource.SERVER)
        mine = next(m for m in team.members if m.user_id == rep)
        self.assertEqual((mine.name, mine.figures[0].value), ("小陈", 1.0))
        counts = next(s for s in team.submissions if s.user_id == rep)
        self.assertEqual(counts.name, "小陈")
        self.assertGreaterEqual(counts.on_time + counts.late + counts.pending + counts.missing, 1)


class ManagersWeek(unittest.IsolatedAsyncioTestCase):
    async def test_reminders_nudges_mentions_and_the_inbox(self):
        rep, code = SERVER.add_rep("小卫")
        phone, _ = await enrolled_store(SERVER, code, "phone.db")
        boss, _ = await enrolled_store(SERVER, SERVER.code(SERVER.admin_id), "boss.db")
        await phone.sync()
        await boss.sync()
        reminders = await phone.reminders(days=31, lang=fr.Lang.EN)
        self.assertTrue(reminders, "a month holds reports due")
        self.assertTrue(all(r.at.tzinfo is not None and r.at < r.due_at for r in reminders))
        self.assertIn(fr.ReportKind.MONTHLY, {r.report_kind for r in reminders})

        sent = await boss.nudge("小卫", fr.ReportKind.WEEKLY, "this-week")
        self.assertEqual((sent.user_id, sent.report_kind), (rep, fr.ReportKind.WEEKLY))
        with self.assertRaises(fr.FieldError.Server) as again:
            await boss.nudge("小卫", fr.ReportKind.WEEKLY, "this-week")
        self.assertEqual(again.exception.code, "limit_reached")
        with self.assertRaises(fr.FieldError.Forbidden):
            await phone.nudge("王经理", fr.ReportKind.DAILY)
        await phone.sync()
        nudges = [i for i in await phone.inbox() if i.kind == fr.InboxKind.NUDGE]
        self.assertEqual([(i.by_name, i.report_kind) for i in nudges], [("王经理", fr.ReportKind.WEEKLY)])

        r = await phone.open_report(fr.ReportKind.DAILY)
        await phone.set_report_text(r.id, "done", "拜访两家客户。")
        await phone.submit_report(r.id)
        await phone.sync()
        await boss.sync()
        asked = (await boss.comment_report(r.id, "@小卫 请补充客户预算")).comments[-1]
        self.assertEqual(asked.mentions, [rep])
        await boss.sync()
        await phone.sync()
        self.assertIn(fr.InboxKind.MENTION, {i.kind for i in await phone.inbox()})
        answer = (await phone.reply_report(r.id, "预算约 50 万。", asked.id)).comments[-1]
        self.assertEqual(answer.reply_to, asked.id)


class SignOut(unittest.IsolatedAsyncioTestCase):
    async def test_sign_out_revokes_the_device_and_removes_its_data(self):
        rep, code = SERVER.add_rep("小褚")
        path = new_path()
        store = await fr.FieldStore.open(path)
        store.set_http_client(fr.UrllibHttpClient())
        enrolled = await store.enroll(SERVER.url, code)
        await store.add_customer(fr.NewCustomer(name="未同步的客户"))
        with self.assertRaises(fr.FieldError.InvalidInput):
            await store.sign_out()  # it would lose the customer
        await store.sync()
        await store.sign_out()
        self.assertFalse(os.path.exists(path), "the device's data is gone")
        with self.assertRaises(fr.FieldError.Closed):
            store.identity()
        states = {d["id"]: d for d in SERVER.admin("device", "list", "--user", rep)}
        self.assertIsNotNone(states[enrolled.device_id].get("revoked_at"), states)




class AsyncCalls(unittest.IsolatedAsyncioTestCase):
    """Every call that writes is awaited; its work runs on the store's own thread."""

    async def asyncSetUp(self):
        self.store = await fr.FieldStore.open(new_path("async.db"))
        await self.store.init("rep-1", "team-1", "Asia/Shanghai", "monday")

    async def asyncTearDown(self):
        await self.store.close_store()

    async def test_the_event_loop_runs_while_a_large_write_commits(self):
        beats, done = [], asyncio.Event()

        async def heartbeat():
            while not done.is_set():
                beats.append(time.perf_counter())
                await asyncio.sleep(0.001)

        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0)
        started = time.perf_counter()
        ids = await self.store.write_batch([fr.BatchWrite.ADD_CUSTOMER(fr.NewCustomer(name=f"导入{i:04d}")) for i in range(3000)])
        ended = time.perf_counter()
        done.set()
        await beat
        self.assertEqual(len(ids), 3000)
        during = [b for b in beats if started < b < ended]
        # A call that blocked the loop would leave no beat between its start and its end.
        self.assertGreater(len(during), 3, f"{len(during)} beats in {ended - started:.3f} s")

    async def test_calls_run_in_the_order_they_were_made(self):
        add = asyncio.create_task(self.store.add_customer(fr.NewCustomer(name="先写的客户")))
        listed = asyncio.create_task(self.store.list_customers())
        self.assertEqual([c.name for c in await listed], ["先写的客户"], "the list ran after the write")
        self.assertEqual((await add).name, "先写的客户")

    async def test_a_write_whose_caller_gave_up_is_still_saved(self):
        task = asyncio.create_task(self.store.add_customer(fr.NewCustomer(name="被取消等待的客户")))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        names = [c.name for c in await self.store.list_customers()]
        self.assertEqual(names, ["被取消等待的客户"], "a rep's note is never half-written or lost")

    async def test_pages_read_on_the_callers_thread_are_bounded(self):
        await self.store.write_batch([fr.BatchWrite.ADD_CUSTOMER(fr.NewCustomer(name=f"客户{i:03d}")) for i in range(150)])
        page = self.store.customers_page()
        self.assertEqual((len(page.rows), page.has_more), (100, True), "a page without a limit holds 100 rows")
        self.assertEqual(len(self.store.customers_page(options=fr.ListOptions(limit=1000)).rows), 150)
        with self.assertRaises(fr.FieldError.InvalidInput) as refused:
            self.store.customers_page(options=fr.ListOptions(limit=5000))
        self.assertIn("at most 1000", str(refused.exception))
        self.assertEqual(len(await self.store.list_customers()), 150, "the async list reads every row")

    async def test_a_plain_read_sees_the_last_awaited_write_and_close_ends_every_call(self):
        c = await self.store.add_customer(fr.NewCustomer(name="刚写的客户"))
        self.assertEqual(self.store.customer(c.id).name, "刚写的客户", "the read connection sees the commit")
        await self.store.rename_customer(c.id, "改名后的客户")
        self.assertEqual(self.store.customers_page().rows[0].name, "改名后的客户")
        store = self.store
        self.store = await fr.FieldStore.open(new_path("other.db"))  # for tearDown
        await store.close_store()
        with self.assertRaises(fr.FieldError.Closed):
            await store.add_customer(fr.NewCustomer(name="x"))
        with self.assertRaises(fr.FieldError.Closed):
            store.customer(c.id)


class Offline(fr.HttpClient):
    """A client with no network: every request fails as unreachable."""

    def post(self, request):
        raise fr.FieldError.Unreachable(reason="no network")


class Statuses(fr.SyncStatusListener):
    """Records every sync status it is told."""

    def __init__(self):
        self.seen = []

    def on_status(self, status):
        self.seen.append(status)

    def states(self):
        return [s.state for s in self.seen]


async def within(seconds, check):
    """Seconds until `check()` held (looking every 20 ms, the event loop free meanwhile), or
    None after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    return None


class SyncRunsItself(unittest.IsolatedAsyncioTestCase):
    async def test_writes_go_soon_news_comes_in_seconds_and_the_status_says_so(self):
        rep, code = SERVER.add_rep("小周")
        phone, _ = await enrolled_store(SERVER, code, "zhou.db")
        boss, _ = await enrolled_store(SERVER, SERVER.admin_code_fresh(), "zhou-boss.db")
        await phone.sync_once()
        statuses = Statuses()
        watching = phone.observe_sync_status(statuses)
        first = statuses.seen[0]
        self.assertEqual((first.state, first.running, first.enrolled), (fr.SyncState.IDLE, False, True))
        self.assertIsInstance(first.last_synced_at, datetime.datetime)
        await phone.start_sync(fr.SyncConfig(debounce_ms=100))
        # A visit written in the app goes by itself; the status counts it, then says it went.
        c = await phone.add_customer(fr.NewCustomer(name="盒马"))
        await phone.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note="谈陈列"))
        self.assertIsNotNone(await within(10, lambda: phone.sync_status().unsent_changes == 0), phone.sync_status())
        self.assertTrue(any(s.unsent_changes >= 2 for s in statuses.seen), "the status counted the unsent visit")
        self.assertIn(fr.SyncState.UPLOADING, statuses.states())
        # The report reaches the manager; the manager's comment reaches the open app in seconds.
        r = await phone.new_report(fr.ReportKind.DAILY)
        await phone.set_report_text(r.id, "done", "拜访盒马。")
        await phone.submit_report(r.id, [], [])
        self.assertIsNotNone(await within(10, lambda: phone.sync_status().unsent_changes == 0))
        await boss.sync_once()
        await boss.comment_report(r.id, "@小周 好，明天再去")
        await boss.sync_once()
        took = await within(10, lambda: len(phone.report(r.id).comments) == 1)
        self.assertIsNotNone(took, "the comment reached the running app")
        self.assertLess(took, 5)
        # People come with their names beside their ids.
        got = phone.report(r.id)
        self.assertEqual((got.owner_name, got.to_names), ("小周", ["王经理"]))
        self.assertEqual((got.comments[0].author, got.comments[0].author_name), (SERVER.admin_id, "王经理"))
        status = phone.sync_status()
        self.assertEqual((status.state, status.running, status.last_error), (fr.SyncState.IDLE, True, None))
        await phone.stop_sync()
        self.assertFalse(phone.sync_status().running)
        watching.cancel()
        told = len(statuses.seen)
        await phone.add_customer(fr.NewCustomer(name="山姆"))
        self.assertEqual(len(statuses.seen), told, "a cancelled subscription hears nothing")

    async def test_offline_is_a_state_with_a_reason_and_timeouts_and_retries_are_options(self):
        rep, code = SERVER.add_rep("小郑")
        phone, _ = await enrolled_store(SERVER, code, "zheng.db")
        link = Switchable()
        phone.set_http_client(link)
        with self.assertRaises(fr.FieldError.InvalidInput):
            phone.set_sync_config(fr.SyncConfig(timeout_ms=-1))
        phone.set_sync_config(fr.SyncConfig(retries=0))
        started = time.monotonic()
        with self.assertRaises(fr.FieldError.Unreachable):
            await phone.sync_once()
        self.assertLess(time.monotonic() - started, 1, "no retries: it fails at once")
        await phone.add_customer(fr.NewCustomer(name="沃尔玛"))
        status = phone.sync_status()
        self.assertEqual((status.state, status.unsent_changes), (fr.SyncState.OFFLINE, 1))
        self.assertIn("no network", status.last_error)
        # Running by itself, it says offline and keeps the change; with the network back it goes.
        await phone.start_sync(fr.SyncConfig(retries=0, backoff_ms=60000))
        self.assertIsNotNone(await within(5, lambda: phone.sync_status().state == fr.SyncState.OFFLINE))
        # The network comes back: told so, it syncs now, not after its 60 s backoff.
        link.online = True
        phone.network_available()
        went = lambda: (phone.sync_status().unsent_changes, phone.sync_status().state) == (0, fr.SyncState.IDLE)
        self.assertIsNotNone(await within(10, went), phone.sync_status())
        await phone.close_store()


class Switchable(fr.HttpClient):
    """No network until `online` is set; then urllib."""

    def __init__(self):
        super().__init__()
        self.online = False
        self.inner = fr.UrllibHttpClient()

    def post(self, request):
        if not self.online:
            raise fr.FieldError.Unreachable(reason="no network")
        return self.inner.post(request)


class Organisation(unittest.IsolatedAsyncioTestCase):
    async def test_a_head_reads_their_departments_figures_offline(self):
        head = SERVER.admin("user", "add", "--name", "吴经理", "--role", "manager")
        SERVER.admin("dept", "add", "华北区", "--head", head["id"])
        rep = SERVER.admin("user", "add", "--name", "小吴", "--role", "rep", "--manager", "吴经理", "--dept", "华北区")
        phone, _ = await enrolled_store(SERVER, rep["enrollment_code"], "wu.db")
        jd = await phone.add_customer(fr.NewCustomer(name="京东"))
        await phone.log_followup(fr.NewFollowup(customer_id=jd.id, kind=fr.FollowupKind.VISIT, note="拜访京东"))
        await phone.sync()
        boss, _ = await enrolled_store(SERVER, head["enrollment_code"], "wu-boss.db")
        await boss.sync()
        boss.set_http_client(Offline())
        figures = await boss.department_figures("华北区", "this-month")
        self.assertEqual(figures.dept_name, "华北区")
        self.assertEqual({f.metric: f.value for f in figures.total}["visits"], 1.0)
        self.assertEqual([(m.name, m.member_of) for m in figures.members], [("小吴", figures.dept_id)])
        self.assertIsNone(await phone.department_figures("华北区", "this-month"), "a rep heads nothing")
        with self.assertRaises(fr.FieldError.NotFound):
            await boss.department_figures("没有这个部门", "this-month")


class RepsDay(unittest.IsolatedAsyncioTestCase):
    async def test_plans_todays_report_and_a_submit_that_syncs(self):
        rep, code = SERVER.add_rep("小周")
        phone, _ = await enrolled_store(SERVER, code, "phone.db")
        await phone.sync()
        hw = await phone.add_customer(fr.NewCustomer(name="华为"))
        ly = await phone.add_customer(fr.NewCustomer(name="联影"))
        day = datetime_today()
        plan = await phone.add_plan(hw.id, day, "10:00", "产品演示")
        visit = await phone.log_planned_visit(plan.id)
        self.assertEqual(visit.note, "产品演示")
        await phone.log_followup(fr.NewFollowup(customer_id=ly.id, kind=fr.FollowupKind.VISIT, note="顺路拜访"))
        await phone.add_plan(ly.id, tomorrow(), purpose="送报价")
        self.assertEqual([p.status for p in await phone.plans(day, day)], [fr.PlanStatus.DONE])
        with self.assertRaises(fr.FieldError.InvalidInput):
            await phone.cancel_plan(plan.id)

        report = await phone.today_report(fr.ReportKind.DAILY)
        self.assertEqual(report.summary, "今日拜访 2 家客户（华为、联影），新增客户 2 家；明日计划拜访 1 家")
        self.assertEqual(report.to, [SERVER.admin_id], "addressed to the manager")
        self.assertEqual((await phone.today_report(fr.ReportKind.DAILY)).id, report.id, "one report a day")
        kpis = {f.metric: f.value for b in report.blocks for f in b.figures}
        self.assertEqual((kpis["plan_completion"], kpis["unplanned_visits"]), (1.0, 1.0))
        plans = [p for b in report.blocks for p in b.plans]
        self.assertEqual([(p.customer_name, p.purpose) for p in plans], [("联影", "送报价")])
        edited = await phone.set_report_summary(report.id, "今天很顺利")
        self.assertEqual((await phone.today_report(fr.ReportKind.DAILY)).summary, edited.summary, "the rep's words stay")

        # Offline: submitted and kept, sent at the next sync.
        phone.set_http_client(Offline())
        sent = await phone.submit_and_sync(report.id)
        self.assertFalse(sent.sent)
        self.assertIn("next sync", sent.reason)
        self.assertEqual(sent.report.status, fr.ReportStatus.SUBMITTED)
        phone.set_http_client(fr.UrllibHttpClient())
        await phone.sync()
        boss, _ = await enrolled_store(SERVER, SERVER.admin_code_fresh(), "boss.db")
        await boss.sync()
        got = boss.report(report.id)
        self.assertEqual((got.status, got.summary), (fr.ReportStatus.SUBMITTED, "今天很顺利"))
        self.assertEqual(len(await boss.plans(day, tomorrow(), owner=rep)), 2, "the manager sees the rep's plans")


def datetime_today():
    import datetime
    import zoneinfo

    return datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()


def tomorrow():
    import datetime

    return datetime_today() + datetime.timedelta(days=1)

if __name__ == "__main__":
    unittest.main(verbosity=2)
