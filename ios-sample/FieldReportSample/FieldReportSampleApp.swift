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

    var body: some Scene {
        WindowGroup {
            TabView {
                VisitsView(store: store).tabItem { Text("今日拜访") }
                CustomersView(store: store).tabItem { Text("客户") }
                ReportView(store: store).tabItem { Text("日报") }
                SyncView(store: store).tabItem { Text("同步") }
            }
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
                do {
                    // A real app passes a CLLocation fix as the check-in.
                    _ = try store.logFollowup(new: NewFollowup(customerId: id, kind: .visit, note: note))
                    note = ""
                    reload()
                } catch { self.error = "\(error)" }
            }
            if let error { Text(error).foregroundColor(.red) }
            List(visits, id: \.id) { v in VStack(alignment: .leading) { Text(v.customerName); Text(v.note).font(.caption) } }
        }
        .padding()
        .onAppear(perform: reload)
    }

    func reload() {
        visits = (try? store.listFollowups(period: "today", customerId: nil)) ?? []
        customers = (try? store.listCustomers(search: nil)) ?? []
    }
}

struct CustomersView: View {
    let store: FieldStore
    @State private var search = ""
    @State private var rows: [CustomerRow] = []

    var body: some View {
        VStack {
            TextField("搜索或新建客户", text: $search).onChange(of: search) { _ in reload() }
            Button("新建客户「\(search)」") { _ = try? store.addCustomer(new: NewCustomer(name: search)); reload() }
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

    var body: some View {
        VStack(alignment: .leading) {
            if let r = report {
                Text(r.title).font(.headline)
                // The whole text is set on save; the library turns it into minimal splices.
                TextEditor(text: $text).frame(height: 120).border(.gray)
                HStack {
                    Button("保存") { show(try? store.setReportText(id: r.id, section: "done", text: text)) }
                    Button("插入跟进") { _ = try? store.insertFollowups(id: r.id, section: nil, period: nil); show(try? store.report(id: r.id)) }
                    Button("插入指标") { _ = try? store.insertKpis(id: r.id, section: nil, period: nil, metrics: []); show(try? store.report(id: r.id)) }
                }
                ScrollView { Text(preview).font(.caption) }
            }
        }
        .padding()
        .onAppear {
            let draft = (try? store.listReports())?.first { $0.kind == "daily" && $0.status == "draft" }
            show(draft.flatMap { try? store.report(id: $0.id) } ?? (try? store.newReport(kind: .daily, date: nil, lang: .zhCn)))
        }
    }

    func show(_ r: Report?) {
        guard let r else { return }
        report = r
        text = r.sections.first { $0.key == "done" }?.text ?? ""
        preview = (try? store.renderMarkdown(id: r.id, dialect: .gfm, lang: .zhCn)) ?? ""
    }
}

final class ProgressRelay: SyncListener, @unchecked Sendable {
    let update: (Double) -> Void
    init(update: @escaping (Double) -> Void) { self.update = update }
    func onProgress(progress: SyncProgress) throws {
        let f = progress.docsTotal == 0 ? 1 : Double(progress.docsDone) / Double(progress.docsTotal)
        DispatchQueue.main.async { self.update(f) }
    }
}

struct SyncView: View {
    let store: FieldStore
    @State private var server = "https://"
    @State private var code = ""
    @State private var status = ""
    @State private var progress = 0.0

    var body: some View {
        VStack {
            TextField("服务器地址", text: $server)
            TextField("激活码", text: $code)
            Button("激活设备") {
                Task { do { status = try await store.enroll(serverUrl: server, code: code).role } catch { status = "\(error)" } }
            }
            HStack {
                Button("立即同步") {
                    Task {
                        do {
                            let s = try await store.sync(listener: ProgressRelay { progress = $0 }, pageBytes: nil)
                            status = "上传 \(s.pushed)，下载 \(s.pulled)，拒绝 \(s.rejected.count)"
                        } catch { status = "\(error)" }
                    }
                }
                Button("取消") { _ = store.cancelSync() }
            }
            ProgressView(value: progress)
            Text(status)
        }
        .padding()
    }
}
