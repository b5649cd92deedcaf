import SwiftUI
import FieldReport

/// Four screens, as on Android: today's visits, customers, the report editor, sync.
@main
struct FieldReportSampleApp: App {
    // Opening does disk I/O; once, at start.
    let store: FieldStore = {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try! FieldStore.open(path: dir.appendingPathComponent("fieldreport.db").path)
        // The library has no HTTP stack of its own: enroll and sync go through URLSession.
        store.setHttpClient(client: PlatformHttpClient())
        return store
    }()
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            TabView {
                VisitsView(store: store).tabItem { Text("今日拜访") }
                CustomersView(store: store).tabItem { Text("客户") }
                ReportView(store: store).tabItem { Text("日报") }
                SyncView(store: store).tabItem { Text("同步") }
            }
        }
        // While the app is in front, sync runs by itself: soon after each write, news within
        // seconds (a long poll), backoff when offline. BGTaskScheduler's `syncOnce` covers the rest.
        .onChange(of: phase) { phase in
            if phase == .active { try? store.startSync() } else { store.stopSync() }
        }
    }
}

/// Runs a store call off the main thread (every call that writes does disk I/O with an fsync).
func offMain<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try work() }.value
}

/// Runs `reload` on the main queue whenever records of the kinds it was subscribed to change —
/// after this device's writes and after each page a sync brings. A subscription lives until
/// `cancel()`: cancel it when the view goes away.
final class Reloader: ChangeListener, @unchecked Sendable {
    let reload: () -> Void
    init(_ reload: @escaping () -> Void) { self.reload = reload }
    func onChange(changes: [Changes]) throws { DispatchQueue.main.async { self.reload() } }
}

struct VisitsView: View {
    let store: FieldStore
    @State private var subscription: Subscription?
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
                        // A real app passes a CLLocation fix as the check-in. Off the main thread:
                        // the write waits for its fsync.
                        _ = try await offMain { try store.logFollowup(new: NewFollowup(customerId: id, kind: .visit, note: text)) }
                        note = ""
                    } catch { self.error = "\(error)" }
                }
            }
            if let error { Text(error).foregroundColor(.red) }
            List(visits, id: \.id) { v in VStack(alignment: .leading) { Text(v.customerName); Text(v.note).font(.caption) } }
        }
        .padding()
        .onAppear {
            reload()
            subscription = try? store.subscribe(listener: Reloader(reload), kinds: [.followup, .customer])
        }
        .onDisappear { subscription?.cancel(); subscription = nil }
    }

    func reload() {
        visits = (try? store.listFollowups(period: "today")) ?? []
        customers = (try? store.listCustomers()) ?? []
    }
}

struct CustomersView: View {
    let store: FieldStore
    @State private var search = ""
    @State private var rows: [CustomerRow] = []

    var body: some View {
        VStack {
            // Matches names, addresses, tags and pinyin initials ("hw" finds 华为).
            TextField("搜索或新建客户", text: $search).onChange(of: search) { _ in reload() }
            Button("新建客户「\(search)」") {
                let name = search
                Task { _ = try? await offMain { try store.addCustomer(new: NewCustomer(name: name)) }; reload() }
            }
                .disabled(search.isEmpty)
            List(rows, id: \.id) { Text($0.name) }
        }
        .padding()
        .onAppear(perform: reload)
    }

    func reload() { rows = (try? store.listCustomers(search: search.isEmpty ? nil : search)) ?? [] }
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
                        Task { show(try? await offMain { try store.setReportText(id: id, section: "done", text: done) }) }
                    }
                    Button("刷新") { show(try? store.todayReport(kind: .daily)) }
                    // Submits and syncs at once; offline, the report goes at the next sync.
                    Button("提交") {
                        Task {
                            if let s = try? await store.submitAndSync(id: r.id) {
                                show(s.report)
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
        .onAppear { show(try? store.todayReport(kind: .daily)) }
    }

    func show(_ r: Report?) {
        guard let r else { return }
        report = r
        text = r.sections.first { $0.key == "done" }?.text ?? ""
        preview = (try? store.renderMarkdown(id: r.id)) ?? ""
    }
}

/// Hands each sync status over to the main queue.
final class StatusRelay: SyncStatusListener, @unchecked Sendable {
    let update: (SyncStatus) -> Void
    init(update: @escaping (SyncStatus) -> Void) { self.update = update }
    func onStatus(status: SyncStatus) throws { DispatchQueue.main.async { self.update(status) } }
}

struct SyncView: View {
    let store: FieldStore
    @State private var server = "https://"
    @State private var code = ""
    @State private var message = ""
    @State private var status: SyncStatus?
    @State private var watching: Subscription?

    var body: some View {
        VStack(alignment: .leading) {
            if status?.enrolled != true {
                TextField("服务器地址", text: $server)
                TextField("激活码", text: $code)
                Button("激活设备") {
                    Task {
                        do {
                            message = "\(try await store.enroll(serverUrl: server, code: code).role)"
                            try store.startSync()
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
        .onAppear { watching = try? store.observeSyncStatus(listener: StatusRelay { status = $0 }) }
        .onDisappear { watching?.cancel(); watching = nil }
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
