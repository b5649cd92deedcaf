// The FFI from Kotlin on the JVM, through the generated com.fieldreport bindings (the same file
// the Android sample uses), against a real fieldreport-server. Run by scripts/test-bindings.

import com.fieldreport.*
import com.fieldreport.core.*
import com.fieldreport.sample.PlatformHttpClient
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.withContext
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.nio.file.Files
import java.time.Instant

var failures = 0

fun check(what: String, ok: Boolean) {
    if (ok) println("ok   $what") else { println("FAIL $what"); failures++ }
}

inline fun <reified E : Throwable> raises(what: String, block: () -> Unit) {
    try {
        block()
        check("$what raises ${E::class.simpleName}", false)
    } catch (e: Throwable) {
        check("$what raises ${E::class.simpleName} (got ${e::class.simpleName})", e is E)
    }
}

class Recorder(val onFirst: (() -> Unit)? = null) : SyncListener {
    val calls = mutableListOf<SyncProgress>()
    val threads = mutableSetOf<Long>()
    override fun onProgress(progress: SyncProgress) {
        synchronized(calls) {
            calls.add(progress)
            threads.add(Thread.currentThread().id)
        }
        if (calls.size == 1) onFirst?.invoke()
    }
}

/** The platform client, slowed down: each request waits `delayMs` first. */
class SlowClient(val delayMs: Long) : HttpClient {
    private val inner = PlatformHttpClient()
    override fun post(request: HttpRequest): HttpResponse {
        Thread.sleep(delayMs)
        return inner.post(request)
    }
}

/** The platform client, counting the calls the library cancelled. */
class CountingClient : HttpClient {
    private val inner = PlatformHttpClient()
    val cancels = java.util.concurrent.atomic.AtomicInteger()
    override fun post(request: HttpRequest): HttpResponse {
        request.call.onCancel(object : CancelListener { override fun onCancel() { cancels.incrementAndGet() } })
        return inner.post(request)
    }
}

fun section(r: Report, key: String) = r.sections.first { it.key == key }.text

fun main(args: Array<String>) = runBlocking {
    val serverBinary = args[0]
    val helper = ProcessBuilder("python3", File(File(args[1]), "server.py").path, serverBinary)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start()
    val line = BufferedReader(InputStreamReader(helper.inputStream)).readLine()
    // {"url": "...", "rep": "...", "codes": ["...", "...", "..."], "admin": "..."}
    fun field(name: String) = Regex("\"$name\": \"([^\"]+)\"").find(line)!!.groupValues[1]
    val codes = Regex("\"codes\": \\[\"([^\"]+)\", \"([^\"]+)\", \"([^\"]+)\"\\]").find(line)!!.groupValues
    val url = field("url")
    val dir = Files.createTempDirectory("fieldreport-kt").toFile()
    try {
        val phone = FieldStore.open(File(dir, "phone.db").path)
        phone.setHttpClient(PlatformHttpClient())
        val enrolled = runBlocking { phone.enroll(url, codes[1], "小王的手机") }
        check("enrolled as a rep (a Role)", enrolled.role == Role.REP && phone.identity().userId == field("rep"))

        val c = phone.addCustomer(NewCustomer(name = "上海某某贸易有限公司", level = Level.A))
        phone.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.VISIT, note = "拜访采购部 👍",
            checkin = CheckIn(latitude = 31.23, longitude = 121.47, at = Instant.now())))
        phone.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.CALL, note = "电话回访"))
        check("two followups today", phone.listFollowups("today").size == 2)
        check("rows carry the enums records carry", phone.listFollowups().map { it.kind }.toSet() == setOf(FollowupKind.VISIT, FollowupKind.CALL))
        check("records are values (no setters)", Customer::class.java.methods.none { it.name == "setName" })

        val r = phone.newReport(ReportKind.DAILY, null, Lang.ZH_CN)
        phone.insertFollowups(r.id, null, null)
        phone.insertKpis(r.id, null, null, listOf())
        val md = phone.renderMarkdown(r.id, Dialect.GFM, Lang.ZH_CN)
        check("markdown holds the customer and the section title", md.contains("上海某某贸易有限公司") && md.contains("今日完成工作"))
        val visits = phone.kpis("today", listOf("visits")).first()
        check("KPI visits = 1", visits.value == 1.0)

        // Text indices are Unicode scalar values; Kotlin strings are UTF-16: convert.
        val text = "你好👋世界"
        phone.setReportText(r.id, "done", text)
        val utf16 = text.indexOf("世")
        val scalar = text.codePointCount(0, utf16).toLong()
        val spliced = phone.spliceReport(r.id, "done", scalar, 0L, "🙂")
        check("splice after an emoji (code point index $scalar, UTF-16 index $utf16)", section(spliced, "done") == "你好👋🙂世界")

        val progress = Recorder()
        val stats = runBlocking { phone.sync(progress, null) }
        check("sync pushed 4 documents", stats.pushed == 4L && stats.rejected.isEmpty())
        check("progress listener called", progress.calls.isNotEmpty())
        check("the listener runs on the library's thread, not the caller's", Thread.currentThread().id !in progress.threads)
        val view = phone.kpiView("today", listOf("visits"))
        check("after the sync, today's figures are the device's own, as the server's (${view.source})", view.source == FigureSource.LOCAL && view.figures[0].value == 1.0 && stats.published > 0L)
        // People and the team's template: the directory names the manager, the template comes
        // first, a required section is refused empty, and the report goes to the manager.
        check("the directory names the manager", phone.members().any { it.id == field("admin") && it.name == "王经理" })
        val templates = phone.templates(Lang.ZH_CN)
        check("the team template comes first", templates.first().id == "weekly-east")
        val weekly = phone.newReportFromTemplate("weekly-east", null)
        raises<FieldException.InvalidInput>("a required section left empty") { phone.submitReport(weekly.id, listOf(), listOf()) }
        phone.setReportText(weekly.id, "summary", "本周拜访 12 家客户。")
        phone.setReportText(weekly.id, "risks", "无")
        val sent = phone.submitReport(weekly.id, listOf(), listOf())
        check("submitted to the manager by default", sent.to == listOf(field("admin")))

        // A second device of the same rep: concurrent offline edits of one section merge.
        val tablet = FieldStore.open(File(dir, "tablet.db").path)
        tablet.setHttpClient(PlatformHttpClient())
        runBlocking { tablet.enroll(url, codes[2]) }
        runBlocking { tablet.sync(null, null) }
        phone.setReportText(r.id, "done", "你好👋🙂世界。确认需求。")
        tablet.setReportText(r.id, "done", "上午：你好👋🙂世界")
        runBlocking { phone.sync(null, null); tablet.sync(null, null); phone.sync(null, null) }
        val merged = "上午：你好👋🙂世界。确认需求。"
        check("both devices hold the merged text", section(phone.report(r.id), "done") == merged && section(tablet.report(r.id), "done") == merged)

        // A photo attached on the phone goes at its next sync; the tablet fetches it on demand.
        val visit = phone.listFollowups(null, null).first()
        val photo = File(dir, "门头照.png")
        javax.imageio.ImageIO.write(java.awt.image.BufferedImage(32, 24, java.awt.image.BufferedImage.TYPE_INT_RGB), "png", photo)
        val shop = phone.attachFile(RecordKind.FOLLOWUP, visit.id, photo.path)
        check("a photo is attached by its bytes", shop.mime == "image/png" && shop.width == 32 && shop.name == "门头照.png")
        raises<FieldException.InvalidInput>("text is not a photo") {
            phone.attachBytes(RecordKind.FOLLOWUP, visit.id, "not a photo".toByteArray(), "x.jpg")
        }
        val withPhoto = runBlocking { phone.sync(null, null) }
        check("the sync sent the photo", withPhoto.filesUploaded == 1)
        runBlocking { tablet.sync(null, null) }
        check("the tablet does not hold it yet", tablet.attachmentState(shop.hash) is AttachmentState.Missing)
        runBlocking { tablet.fetchAttachment(shop.hash) }
        check("the tablet has it, byte for byte", tablet.attachmentBytes(shop.hash)!!.contentEquals(phone.attachmentBytes(shop.hash)!!))

        // Cancel from the progress listener: the sync stops with Cancelled; a later one finishes.
        for (i in 0 until 30) phone.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.VISIT, note = "第${i}次"))
        runBlocking { phone.sync(null, null) }
        var sawRunning = false
        val cancelling = Recorder { sawRunning = tablet.cancelSync() }
        raises<FieldException.Cancelled>("a cancelled sync") { runBlocking { tablet.sync(cancelling, 4096L) } }
        check("cancelSync saw the running sync", sawRunning)
        runBlocking { tablet.sync() }
        check("after the cancel, a later sync gets everything", tablet.listFollowups().size == 32)

        // A coroutine cancelled mid-sync (the user left the screen) and a timeout: the store
        // stays usable, and the next sync runs.
        for (i in 0 until 30) phone.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.CALL, note = "电话${i}"))
        runBlocking { phone.sync() }
        val third = FieldStore.open(File(dir, "third.db").path)
        third.setHttpClient(PlatformHttpClient())
        runBlocking { third.enroll(url, codes[3]) }
        runBlocking {
            val scope = CoroutineScope(Dispatchers.Default)
            var job: kotlinx.coroutines.Job? = null
            val leaving = Recorder { scope.launch { job?.cancel() } }
            job = scope.launch { third.sync(leaving, 4096L) }
            job.join()
            check("the cancelled coroutine ended", job.isCancelled)
        }
        third.setHttpClient(SlowClient(500))
        val timedOut = runBlocking { withTimeoutOrNull(100) { third.sync() } }
        check("a sync past its timeout gives up", timedOut == null)
        third.setHttpClient(PlatformHttpClient())
        runBlocking { third.sync() }
        check("after a cancelled and a timed-out sync, the next one gets everything", third.listFollowups().size == 62)
        third.closeStore()
        third.close()

        // The rep's day in two actions: a plan carried out, tomorrow's plan, today's report
        // opened pre-filled (the report started above is the day's one), a submit that syncs.
        val today = java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai"))
        val plan = phone.addPlan(c.id, today, "10:00", "产品演示")
        val planned = phone.logPlannedVisit(plan.id, "", null, null)
        check("a planned visit takes the plan's purpose", planned.note == "产品演示")
        phone.addPlan(c.id, today.plusDays(1), null, "送报价")
        check("a plan's day is a LocalDate", plan.on == today)
        check("the plan is done", phone.plans(today, today, null, false).single().status == PlanStatus.DONE)
        val daily = phone.todayReport(ReportKind.DAILY, null, null)
        check("today's report is the day's one, filled (${daily.summary})", daily.id == r.id && daily.summary.startsWith("今日拜访 1 家客户") && daily.summary.endsWith("明日计划拜访 1 家"))
        check("its plan block holds tomorrow's plan", daily.blocks.any { it.kind == BlockKind.PLAN && it.plans.single().purpose == "送报价" })
        check("the blocks inserted by hand are not doubled", daily.blocks.count { it.kind == BlockKind.FOLLOWUPS } == 1)
        check("opened again, the same report", phone.todayReport(ReportKind.DAILY, null, null).id == daily.id)
        val submitted = runBlocking { phone.submitAndSync(daily.id, listOf(), listOf()) }
        check("submitted and sent at once", submitted.sent && submitted.report.status == ReportStatus.SUBMITTED)
        runBlocking { tablet.sync(null, null) }
        check("the other device has it, with its summary", tablet.report(daily.id).status == ReportStatus.SUBMITTED && tablet.report(daily.id).summary == submitted.report.summary)

        // A live query as a StateFlow: the first page, then the page again after a write, with
        // what changed by position.
        val listFlow = MutableStateFlow<Pair<List<String>, ListDiff>?>(null)
        val watchingList = phone.watchCustomers(object : CustomerListListener {
            override fun onList(page: CustomerPage, diff: ListDiff) { listFlow.value = page.rows.map { it.name } to diff }
        }, null, ListOptions(limit = 50))
        val before = listFlow.value!!.first
        check("a watched list starts with its page", before.contains("上海某某贸易有限公司") && listFlow.value!!.second.inserted.size == before.size)
        phone.addCustomer(NewCustomer(name = "0号客户"))
        check("a new customer arrives at its place (${listFlow.value})", listFlow.value!!.first.first() == "0号客户" && listFlow.value!!.second.inserted == listOf(0L))
        watchingList.cancel()

        // Sync that runs itself: the status as a StateFlow, a write that goes by itself, and a
        // customer added on the tablet reaching the open phone in seconds (a long poll).
        val statusFlow = MutableStateFlow<SyncStatus?>(null)
        val watching = phone.observeSyncStatus(object : SyncStatusListener {
            override fun onStatus(status: SyncStatus) { statusFlow.value = status }
        })
        check("the status is told at once", statusFlow.value?.state == SyncState.IDLE && statusFlow.value?.running == false)
        val counting = CountingClient()
        phone.setHttpClient(counting)
        phone.startSync(SyncConfig(debounceMs = 100L))
        val byItself = phone.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.VISIT, note = "自动同步"))
        val went = runBlocking { withTimeoutOrNull(10_000) { statusFlow.first { it != null && it.running && it.unsentChanges == 0L && it.state == SyncState.IDLE } } }
        check("a write goes by itself (${statusFlow.value})", went != null)
        runBlocking { tablet.sync(null, null) }
        check("the tablet has it", tablet.listFollowups(null, null).any { it.id == byItself.id })
        val fromTablet = tablet.addCustomer(NewCustomer(name = "平板新客户"))
        runBlocking { tablet.sync(null, null) }
        val started = System.nanoTime()
        val arrived = runBlocking {
            withTimeoutOrNull(10_000) {
                while (phone.listCustomers(null, null).none { it.id == fromTablet.id }) delay(20)
                (System.nanoTime() - started) / 1_000_000
            }
        }
        check("the tablet's customer reached the open phone in seconds ($arrived ms)", arrived != null && arrived < 5_000)
        // A write while the phone waits for news: the waiting call is aborted in the app's client
        // (its connection closed) and the write goes at once.
        Thread.sleep(300)
        val aborted = counting.cancels.get()
        phone.addCustomer(NewCustomer(name = "写入打断等待"))
        val gone = runBlocking { withTimeoutOrNull(10_000) { statusFlow.first { it != null && it.unsentChanges == 0L && it.state == SyncState.IDLE } } }
        check("the wait for news was aborted in the client (${counting.cancels.get()} cancels) and the write went", gone != null && counting.cancels.get() > aborted)
        phone.setHttpClient(PlatformHttpClient())
        phone.stopSync()
        check("stopped", !phone.syncStatus().running)
        watching.cancel()

        // Suspend calls from one UI-like thread: the thread keeps running while a 3,000-record
        // batch commits on the library's thread, calls run in the order made, pages are bounded.
        val ui = java.util.concurrent.Executors.newSingleThreadExecutor().asCoroutineDispatcher()
        val (beatsDuring, listedAfter) = withContext(ui) {
            val beats = java.util.concurrent.atomic.AtomicInteger()
            val heart = launch { while (true) { beats.incrementAndGet(); delay(1) } }
            val imports = (0 until 3000).map { BatchWrite.AddCustomer(NewCustomer(name = "导入客户$it")) }
            val before = beats.get()
            phone.writeBatch(imports)
            val during = beats.get() - before
            heart.cancel()
            val added = async { phone.addCustomer(NewCustomer(name = "顺序客户")) }
            val listed = async { phone.listCustomers("顺序客户") }
            added.await()
            during to listed.await().map { it.name }
        }
        // A live list as a Flow, collected on the app's own thread: the page now, then the change.
        val (firstPage, nextPage) = withContext(ui) {
            val uiThread = Thread.currentThread()
            val pages = Channel<Pair<List<String>, Boolean>>(Channel.UNLIMITED)
            val collecting = launch {
                phone.customersFlow("流式").collect { (page, _) ->
                    pages.send(page.rows.map { it.name } to (Thread.currentThread() == uiThread))
                }
            }
            val first = pages.receive()
            phone.addCustomer(NewCustomer(name = "流式客户"))
            val next = withTimeoutOrNull(5000) { pages.receive() }
            collecting.cancel()
            first to next
        }
        ui.close()
        check("a flow gives the page now, on the collector's thread", firstPage == (listOf<String>() to true))
        check("then each change, on the collector's thread", nextPage == (listOf("流式客户") to true))
        check("the calling thread ran on while a batch committed ($beatsDuring beats)", beatsDuring > 3)
        check("calls run in the order made", listedAfter == listOf("顺序客户"))
        check("a page without a limit holds 100 rows", phone.customersPage().rows.size == 100)
        raises<FieldException.InvalidInput>("a page over 1,000 rows") { phone.customersPage(null, ListOptions(limit = 5000)) }

        raises<FieldException.InvalidInput>("an empty customer name") { phone.addCustomer(NewCustomer(name = " ")) }
        raises<FieldException.NotFound>("an unknown report") { phone.report("0190c0de-0000-7000-8000-000000000000") }
        val free = phone.newReport(ReportKind.FREE, null, Lang.ZH_CN)
        raises<FieldException.InvalidInput>("a splice past the end") { phone.spliceReport(free.id, "content", 999L, 0L, "x") }
        try {
            phone.addCustomer(NewCustomer(name = " "))
        } catch (e: FieldException.InvalidInput) {
            check("an error's message is its reason", e.message == e.reason && !e.message!!.startsWith("reason="))
        }
        tablet.closeStore()
        raises<FieldException.Closed>("use after close") { tablet.identity() }
        phone.closeStore()
        phone.close()
        tablet.close()
    } finally {
        helper.outputStream.close()
        helper.waitFor()
        dir.deleteRecursively()
    }
    if (failures > 0) {
        println("$failures check(s) failed")
        kotlin.system.exitProcess(1)
    }
    println("all Kotlin checks passed")
}
