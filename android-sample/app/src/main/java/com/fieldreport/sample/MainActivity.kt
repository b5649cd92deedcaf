package com.fieldreport.sample

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.location.LocationManager
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.*
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.*
import androidx.compose.runtime.*
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.lifecycleScope
import com.fieldreport.*
import com.fieldreport.core.*
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch

/** Four screens: today's visits, customers, the report editor, sync. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        registerForActivityResult(ActivityResultContracts.RequestPermission()) {}
            .launch(Manifest.permission.ACCESS_FINE_LOCATION)
        lifecycleScope.launch {
            val store = (application as SampleApp).store()
            setContent { MaterialTheme { App(store, this@MainActivity) } }
        }
    }

    /** While the app is on screen, sync runs by itself: soon after each write, news from the
     *  server within seconds (a long poll), backoff when offline. WorkManager covers the rest. */
    override fun onStart() {
        super.onStart()
        lifecycleScope.launch {
            // NotEnrolled before enrollment: SyncScreen starts it then.
            try { (application as SampleApp).store().startSync() } catch (e: FieldException) {}
        }
    }

    override fun onStop() {
        val app = application as SampleApp
        app.appScope.launch { app.store().stopSync() }
        super.onStop()
    }
}

@Composable
fun App(store: FieldStore, context: Context) {
    var tab by remember { mutableIntStateOf(0) }
    var customer by remember { mutableStateOf<CustomerRow?>(null) }
    Scaffold(bottomBar = {
        NavigationBar {
            listOf("今日拜访", "客户", "日报", "同步").forEachIndexed { i, label ->
                NavigationBarItem(selected = tab == i, onClick = { tab = i }, icon = {}, label = { Text(label) })
            }
        }
    }) { padding ->
        Box(Modifier.padding(padding).padding(16.dp)) {
            when (tab) {
                0 -> Visits(store, context, customer) { tab = 1 }
                1 -> Customers(store) { customer = it; tab = 0 }
                2 -> ReportEditor(store)
                else -> SyncScreen(store)
            }
        }
    }
}

/* The rule the screens follow: every call that writes (or reads without a bound) is a suspend
 * function whose work runs on the library's thread, so it is called straight from the main
 * dispatcher; the plain calls are bounded reads (one record, one page, the status) on a read
 * connection of their own, cheap enough for the main thread. */

/** A live list's rows: the page now, then again after every write or synced page that changes
 *  it, collected on the composition's (main) dispatcher for as long as it is shown (the watch
 *  ends with the collection). The flows are the SDK's (`com.fieldreport.Flows.kt`). */
@Composable
fun <R> rowsOf(key: Any, flow: () -> Flow<List<R>>): State<List<R>> =
    remember(key) { flow() }.collectAsState(initial = listOf())

@SuppressLint("MissingPermission")
fun lastLocation(context: Context): CheckIn? {
    val lm = context.getSystemService(Context.LOCATION_SERVICE) as LocationManager
    val fix = runCatching { lm.getLastKnownLocation(LocationManager.GPS_PROVIDER) }.getOrNull() ?: return null
    return CheckIn(latitude = fix.latitude, longitude = fix.longitude, accuracy = fix.accuracy.toDouble(),
        at = java.time.Instant.ofEpochMilli(fix.time))
}

@Composable
fun Visits(store: FieldStore, context: Context, customer: CustomerRow?, pickCustomer: () -> Unit) {
    val scope = rememberCoroutineScope()
    val visits by rowsOf(store) { store.followupsFlow("today").map { it.first.rows } }
    var note by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    Column {
        OutlinedButton(onClick = pickCustomer) { Text(customer?.name ?: "选择客户") }
        OutlinedTextField(note, { note = it }, label = { Text("拜访记录") }, modifier = Modifier.fillMaxWidth())
        Button(enabled = customer != null, onClick = {
            scope.launch {
                try {
                    store.logFollowup(NewFollowup(customerId = customer!!.id, kind = FollowupKind.VISIT,
                        note = note, checkin = lastLocation(context)))
                    note = ""
                    error = null
                } catch (e: FieldException) {
                    error = e.message
                }
            }
        }) { Text("签到并记录") }
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        LazyColumn {
            items(visits) { v ->
                ListItem(headlineContent = { Text(v.customerName) }, supportingContent = { Text(v.note) },
                    trailingContent = { if (v.latitude != null) Text("📍") })
            }
        }
    }
}

@Composable
fun Customers(store: FieldStore, onPick: (CustomerRow) -> Unit) {
    val scope = rememberCoroutineScope()
    var search by remember { mutableStateOf("") }
    // Search matches names, addresses, tags and pinyin initials ("hw" finds 华为).
    val rows by rowsOf(search) { store.customersFlow(search.ifBlank { null }).map { it.first.rows } }
    Column {
        OutlinedTextField(search, { search = it }, label = { Text("搜索或新建客户") }, modifier = Modifier.fillMaxWidth())
        TextButton(enabled = search.isNotBlank(), onClick = {
            scope.launch { store.addCustomer(NewCustomer(name = search)) } // the watched list shows it
        }) { Text("新建客户「$search」") }
        LazyColumn {
            items(rows) { c -> ListItem(headlineContent = { Text(c.name) }, modifier = Modifier.clickableRow { onPick(c) }) }
        }
    }
}

fun Modifier.clickableRow(onClick: () -> Unit): Modifier = this.clickable(onClick = onClick)

@Composable
fun ReportEditor(store: FieldStore) {
    val scope = rememberCoroutineScope()
    var report by remember { mutableStateOf<Report?>(null) }
    var text by remember { mutableStateOf("") }
    var preview by remember { mutableStateOf("") }
    suspend fun show(r: Report) {
        report = r
        text = r.sections.first { it.key == "done" }.text
        preview = store.renderMarkdown(r.id)
    }
    var sent by remember { mutableStateOf("") }
    // Today's daily report, pre-filled (the day's visits, the figures with targets, tomorrow's
    // plans, a drafted summary): the one there is, brought to now, or a new one.
    LaunchedEffect(Unit) { show(store.todayReport(ReportKind.DAILY)) }
    val r = report ?: return
    Column {
        Text(r.title, style = MaterialTheme.typography.titleMedium)
        Text(r.summary, style = MaterialTheme.typography.bodyMedium)
        // The whole text is set on each save; the library turns it into minimal splices, so an edit
        // made on the tablet meanwhile survives the merge.
        OutlinedTextField(text, { text = it }, label = { Text("今日完成工作") }, modifier = Modifier.fillMaxWidth())
        Row {
            Button(onClick = { scope.launch { show(store.setReportText(r.id, "done", text)) } }) { Text("保存") }
            Spacer(Modifier.width(8.dp))
            OutlinedButton(onClick = { scope.launch { show(store.todayReport(ReportKind.DAILY)) } }) {
                Text("刷新")
            }
            Spacer(Modifier.width(8.dp))
            // Submits and syncs at once; offline, the report goes at the next sync.
            OutlinedButton(onClick = {
                scope.launch {
                    val s = store.submitAndSync(r.id)
                    show(s.report)
                    sent = if (s.sent) "已发送" else "已提交，联网后发送"
                }
            }) { Text("提交") }
        }
        Text(sent)
        Text(preview, style = MaterialTheme.typography.bodySmall)
    }
}

@Composable
fun SyncScreen(store: FieldStore) {
    val scope = rememberCoroutineScope()
    var server by remember { mutableStateOf("https://") }
    var code by remember { mutableStateOf("") }
    var message by remember { mutableStateOf("") }
    var enrolled by remember { mutableStateOf(runCatching { store.identity() }.isSuccess) }
    // What sync is doing and what has not gone yet, now and whenever it changes, collected on
    // the main dispatcher while the screen is shown.
    val status by remember(store) { store.syncStatusFlow() }.collectAsState(initial = null)
    Column {
        if (!enrolled) {
            OutlinedTextField(server, { server = it }, label = { Text("服务器地址") })
            OutlinedTextField(code, { code = it }, label = { Text("激活码") })
            Button(onClick = {
                scope.launch {
                    message = try {
                        val e = store.enroll(server, code)
                        enrolled = true
                        store.startSync()
                        e.role.name
                    } catch (e: FieldException) {
                        e.message ?: "error"
                    }
                }
            }) { Text("激活设备") }
        }
        status?.let { s ->
            val state = when (s.state) {
                SyncState.IDLE -> "已同步"
                SyncState.CONNECTING -> "连接中…"
                SyncState.UPLOADING -> "上传中…"
                SyncState.DOWNLOADING -> "下载中…"
                SyncState.OFFLINE -> "离线，稍后重试"
                SyncState.ERROR -> "同步出错"
            }
            Text(state, style = MaterialTheme.typography.titleMedium)
            Text("上次同步：${s.lastSyncedAt ?: "从未"}")
            Text("未发送：${s.unsentChanges} 条记录，${s.unsentFiles} 个文件")
            s.lastError?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        }
        // Sync runs by itself; the button is for the impatient (a pull-to-refresh).
        Button(onClick = {
            scope.launch {
                message = try {
                    val s = store.syncOnce()
                    "上传 ${s.pushed}，下载 ${s.pulled}，拒绝 ${s.rejected.size}"
                } catch (e: FieldException) {
                    e.message ?: "error"
                }
            }
        }) { Text("立即同步") }
        Text(message)
    }
}
