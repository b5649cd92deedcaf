import SwiftUI
import FieldReport

/// Four screens, as on Android: today's visits, customers, the report editor, sync.
///
/// The rule the screens follow: every call that writes (or reads without a bound) is `async`
/// and its work runs on the library's thread, so it is awaited straight from the main actor;
/// the plain calls are bounded reads (one record, one page, the status) on a read connection of
/// their own, cheap enough for the main thread.
@main
struct FieldReportSampleApp: App {
    @State private var store: FieldStore?
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            if let store {
                TabView {
                    VisitsView(store: store).tabItem { Text("今日拜访") }
                    CustomersView(store: store).tabItem { Text("客户") }
                    ReportView(store: store).tabItem { Text("日报") }
                    SyncView(store: store).tabItem { Text("同步") }
                }
            } else {
                // Opening creates or upgrades the database on the library's thread.
                ProgressView().task {
                    let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
                    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    guard let opened = try? await FieldStore.open(path: dir.appendingPathComponent("fieldreport.db").path)
                    else { return }
                    // The library has no HTTP stack of its own: enroll and sync go through URLSession.
                    opened.setHttpClient(client: PlatformHttpClient())
                    store = opened
                    if phase == .active { try? await opened.startSync() }
                }
            }
        }
        // While the app is in front, sync runs by itself: soon after each write, news within
        // seconds (a long poll), backoff when offline. BGTaskScheduler's `syncOnce` covers the rest.
        .onChange(of: phase) { phase in
            guard let store else { return }
            Task { if phase == .active { try? await store.startSync() } else { try? await store.stopSync() } }
        }
    }
}

struct VisitsView: View {
    let store: FieldStore
    @State private var visits: [FollowupRow] = []
    @State private var customers: [CustomerRow] = []
    @State private var customerId: String?
    @State private var note = ""
    @State private var error: String?

    var body: some View {
        VStack {
            Picker("客户", selection: $customerId) {
                ForEach(customers, id: \.id) { Text($0.name).tag(Optional($0.id)) }
            }
            TextField("拜访记录", text: $note)
            Button("签到并记录") {
                guard let id = customerId else { return }
                let text = note
                Task {
                    do {
                        // A real app passes a CLLocation fix as the check-in. The write and its
                        // fsync happen on the library's thread; the watched list shows the visit.
                        _ = try await store.logFollowup(new: NewFollowup(customerId: id, kind: .visit, note: text))
                        note = ""
                    } catch { self.error = "\(error)" }
                }
            }
            if let error { Text(error).foregroundColor(.red) }
            List(visits, id: \.id) { v in VStack(alignment: .leading) { Text(v.customerName); Text(v.note).font(.caption) } }
        }
        .padding()
        // Live pages (FieldReportKit's streams): the rows now, then again after every write or
        // synced page, iterated on the main actor while the view is shown.
        .task { try? await follow(store.followupsStream(period: "today")) { visits = $0.0.rows } }
        .task { try? await follow(store.customersStream()) { customers = $0.0.rows } }
    }
}

struct CustomersView: View {
    let store: FieldStore
    @State private var search = ""
    @State private var rows: [CustomerRow] = []

    var body: some View {
        VStack {
            // Matches names, addresses, tags and pinyin initials ("hw" finds 华为).
            TextField("搜索或新建客户", text: $search)
            Button("新建客户「\(search)」") {
                let name = search
                Task { _ = try? await store.addCustomer(new: NewCustomer(name: name)) } // the watched list shows it
            }
                .disabled(search.isEmpty)
            List(rows, id: \.id) { Text($0.name) }
        }
        .padding()
        // The page `search` finds, watched again whenever the search changes.
        .task(id: search) {
            try? await follow(store.customersStream(search: search.isEmpty ? nil : search)) { rows = $0.0.rows }
        }
    }
}

struct ReportView: View {
    let store: FieldStore
    @State private var report: Report?
    @State private var text = ""
    @State private var preview = ""
    @State private var sent = ""

    var body: some View {
        VStack(alignment: .leading) {
            if let r = report {
                Text(r.title).font(.headline)
                Text(r.summary).font(.body)
                // The whole text is set on save; the library turns it into minimal splices.
                TextEditor(text: $text).frame(height: 120).border(.gray)
                HStack {
                    Button("保存") {
                        let (id, done) = (r.id, text)
                        Task { await show(try? await store.setReportText(id: id, section: "done", text: done)) }
                    }
                    Button("刷新") { Task { await show(try? await store.todayReport(kind: .daily)) } }
                    // Submits and syncs at once; offline, the report goes at the next sync.
                    Button("提交") {
                        Task {
                            if let s = try? await store.submitAndSync(id: r.id) {
                                await show(s.report)
                                sent = s.sent ? "已发送" : "已提交，联网后发送"
                            }
                        }
                    }
                }
                Text(sent).font(.caption)
                ScrollView { Text(preview).font(.caption) }
            }
        }
        .padding()
        // Today's daily report, pre-filled: the one there is, brought to now, or a new one.
        .task { await show(try? await store.todayReport(kind: .daily)) }
    }

    func show(_ r: Report?) async {
        guard let r else { return }
        report = r
        text = r.sections.first { $0.key == "done" }?.text ?? ""
        preview = (try? await store.renderMarkdown(id: r.id)) ?? ""
    }
}

/// Hands each item of `stream` to `update` on the main actor until the stream or the task ends
/// (a view's `.task` is cancelled when the view goes away, which ends the watch).
@MainActor
func follow<Item>(_ stream: AsyncThrowingStream<Item, Error>, _ update: (Item) -> Void) async throws {
    for try await item in stream { update(item) }
}

struct SyncView: View {
    let store: FieldStore
    @State private var server = "https://"
    @State private var code = ""
    @State private var message = ""
    @State private var status: SyncStatus?

    var body: some View {
        VStack(alignment: .leading) {
            if status?.enrolled != true {
                TextField("服务器地址", text: $server)
                TextField("激活码", text: $code)
                Button("激活设备") {
                    Task {
                        do {
                            message = "\(try await store.enroll(serverUrl: server, code: code).role)"
                            try await store.startSync()
                        } catch { message = "\(error)" }
                    }
                }
            }
            if let s = status {
                Text(label(s.state)).font(.headline)
                Text("上次同步：\(s.lastSyncedAt.map { "\($0)" } ?? "从未")")
                Text("未发送：\(s.unsentChanges) 条记录，\(s.unsentFiles) 个文件")
                if let e = s.lastError { Text(e).foregroundColor(.red) }
            }
            // Sync runs by itself; the button is for the impatient (a pull-to-refresh).
            Button("立即同步") {
                Task {
                    do {
                        let s = try await store.syncOnce()
                        message = "上传 \(s.pushed)，下载 \(s.pulled)，拒绝 \(s.rejected.count)"
                    } catch { message = "\(error)" }
                }
            }
            Text(message)
        }
        .padding()
        // The sync status now and on each change, while the view is shown.
        .task { try? await follow(store.syncStatusStream()) { status = $0 } }
    }

    func label(_ state: SyncState) -> String {
        switch state {
        case .idle: return "已同步"
        case .connecting: return "连接中…"
        case .uploading: return "上传中…"
        case .downloading: return "下载中…"
        case .offline: return "离线，稍后重试"
        case .error: return "同步出错"
        }
    }
}
