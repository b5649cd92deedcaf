// Cost of one durable local write (log a followup) through the FFI from Kotlin on the JVM.
// Run by scripts/bench-bindings.

import com.fieldreport.*
import com.fieldreport.core.*
import java.io.File
import java.nio.file.Files

fun main() {
    val dir = Files.createTempDirectory("fieldreport-kt-bench").toFile()
    val s = FieldStore.open(File(dir, "bench.db").path)
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday")
    val c = s.addCustomer(NewCustomer(name = "上海某某贸易有限公司"))
    // Warm up the JIT and the bindings' converters first.
    repeat(100) { s.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.VISIT, note = "预热 $it")) }
    val times = (0 until 300).map { i ->
        val t = System.nanoTime()
        s.logFollowup(NewFollowup(customerId = c.id, kind = FollowupKind.VISIT, note = "拜访记录 $i：确认报价与交期"))
        System.nanoTime() - t
    }.sorted()
    println("kotlin: log a followup through the FFI (durable), median of 300: %.2f ms".format(times[150] / 1e6))
    s.closeStore()
    s.close()
    dir.deleteRecursively()
}
