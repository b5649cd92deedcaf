import Foundation

// Live queries and the sync status as AsyncThrowingStreams: the library calls its listeners on
// the thread that made the change (the store's thread, a sync's thread); a stream hands every
// delivery to whoever iterates it — the task and actor the app chose (`@MainActor` for a view).
// None is dropped (unbounded buffer): a list's diffs apply one after the other. The watch starts
// when the stream is made and is cancelled when its iteration ends.
//
//     for try await (page, diff) in store.customersStream(search: "华") { apply(page, diff) }

/// One listener class for every kind of delivery, forwarding to a closure.
final class StreamRelay<Item>: CustomerListListener, FollowupListListener, ReportListListener, DealListListener,
    ContractListListener, PaymentListListener, PlanListListener, SyncStatusListener, @unchecked Sendable
{
    let yield: (Any) -> Void
    init(_ yield: @escaping (Any) -> Void) { self.yield = yield }
    func onList(page: CustomerPage, diff: ListDiff) throws { yield((page, diff)) }
    func onList(page: FollowupPage, diff: ListDiff) throws { yield((page, diff)) }
    func onList(page: ReportPage, diff: ListDiff) throws { yield((page, diff)) }
    func onList(page: DealPage, diff: ListDiff) throws { yield((page, diff)) }
    func onList(page: ContractPage, diff: ListDiff) throws { yield((page, diff)) }
    func onList(page: PaymentPage, diff: ListDiff) throws { yield((page, diff)) }
    func onList(page: PlanPage, diff: ListDiff) throws { yield((page, diff)) }
    func onStatus(status: SyncStatus) throws { yield(status) }
}

/// What `start` subscribes `relay` to, as a stream of `Item`s.
func stream<Item>(_ start: (StreamRelay<Item>) throws -> Subscription) -> AsyncThrowingStream<Item, Error> {
    AsyncThrowingStream { continuation in
        let relay = StreamRelay<Item> { value in
            if let item = value as? Item { continuation.yield(item) }
        }
        do {
            let subscription = try start(relay)
            continuation.onTermination = { _ in subscription.cancel() }
        } catch {
            continuation.finish(throwing: error)
        }
    }
}

extension FieldStore {
    /// The watched customer list's page now, then each change with its diff.
    public func customersStream(search: String? = nil, options: ListOptions? = nil)
        -> AsyncThrowingStream<(CustomerPage, ListDiff), Error>
    {
        stream { try watchCustomers(listener: $0, search: search, options: options) }
    }

    /// The watched followup list (see `watchFollowups`).
    public func followupsStream(period: String? = nil, customerId: String? = nil, options: ListOptions? = nil)
        -> AsyncThrowingStream<(FollowupPage, ListDiff), Error>
    {
        stream { try watchFollowups(listener: $0, period: period, customerId: customerId, options: options) }
    }

    /// The watched report list (see `watchReports`).
    public func reportsStream(query: ReportQuery? = nil, options: ListOptions? = nil)
        -> AsyncThrowingStream<(ReportPage, ListDiff), Error>
    {
        stream { try watchReports(listener: $0, query: query, options: options) }
    }

    /// The watched deal list (see `watchDeals`).
    public func dealsStream(stage: Stage? = nil, options: ListOptions? = nil)
        -> AsyncThrowingStream<(DealPage, ListDiff), Error>
    {
        stream { try watchDeals(listener: $0, stage: stage, options: options) }
    }

    /// The watched contract list (see `watchContracts`).
    public func contractsStream(customerId: String? = nil, options: ListOptions? = nil)
        -> AsyncThrowingStream<(ContractPage, ListDiff), Error>
    {
        stream { try watchContracts(listener: $0, customerId: customerId, options: options) }
    }

    /// The watched payment list (see `watchPayments`).
    public func paymentsStream(contractId: String? = nil, options: ListOptions? = nil)
        -> AsyncThrowingStream<(PaymentPage, ListDiff), Error>
    {
        stream { try watchPayments(listener: $0, contractId: contractId, options: options) }
    }

    /// A member's watched plans between two days (see `watchPlans`; days as `YYYY-MM-DD`).
    public func plansStream(first: NaiveDate, last: NaiveDate, owner: String? = nil, cancelled: Bool = false)
        -> AsyncThrowingStream<(PlanPage, ListDiff), Error>
    {
        stream { try watchPlans(listener: $0, first: first, last: last, owner: owner, cancelled: cancelled) }
    }

    /// The sync status now, then each change.
    public func syncStatusStream() -> AsyncThrowingStream<SyncStatus, Error> {
        stream { try observeSyncStatus(listener: $0) }
    }
}
