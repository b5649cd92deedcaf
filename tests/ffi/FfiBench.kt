// FFI costs from Kotlin on the JVM (BENCHMARKS.md, "FFI"): one durable local write (log a
// followup, awaited) and reading a page of 1,000 followups. Run by scripts/bench-bindings.

import com.fieldreport.*
import com.fieldreport.core.*
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files

/** The median of 300 awaited writes (log a followup) on `s`, after 100 to warm up the JIT, in ms. */
suspend fun medianWrite(s: FieldStore): Double {
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday")
    val c = s.addCustomer(NewCustomer(name = "上海某某贸易有限公司"))
    repeat(100) { s.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.VISIT, note = "预热 $it")) }
    val times = (0 until 300).map { i ->
        val t = System.nanoTime()
        s.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.VISIT, note = "拜访记录 $i：确认报价与交期"))
        System.nanoTime() - t
    }.sorted()
    s.closeStore()
    s.close()
    return times[150] / 1e6
}

fun main(args: Array<String>) = runBlocking {
    val dir = Files.createTempDirectory("fieldreport-kt-bench").toFile()
    println("kotlin: log a followup through the FFI (durable), median of 300: %.3f ms".format(medianWrite(FieldStore.open(File(dir, "bench.db").path))))
    println("kotlin: log a followup through the FFI (in memory), median of 300: %.3f ms".format(medianWrite(FieldStore.openInMemory())))
    dir.deleteRecursively()

    if (args.isNotEmpty()) {
        val big = FieldStore.open(args[0])
        val options = ListOptions(limit = 1000)
        // A page is a synchronous bounded read (on the caller's thread, its own connection).
        repeat(20) { big.followupsPage(options = options) }
        val lists = (0 until 50).map {
            val t = System.nanoTime()
            val rows = big.followupsPage(options = options).rows
            check(rows.size == 1000)
            System.nanoTime() - t
        }.sorted()
        println("kotlin: list 1,000 followups through the FFI, median of 50: %.2f ms".format(lists[25] / 1e6))
        big.closeStore()
        big.close()
    }
}
