// Live queries, changes and the sync status as Kotlin Flows: the library calls its listeners on
// the thread that made the change (the store's thread, a sync's thread); a Flow hands every
// delivery to the collector, which runs on the dispatcher the app chose (`lifecycleScope`,
// `Dispatchers.Main`, a test's single thread). Part of the SDK beside the generated bindings,
// compiled and run with them by tests/ffi/FfiTest.kt.
package com.fieldreport

import com.fieldreport.core.ChangedKind
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/** What `subscribe` starts delivers, from the start of collection to its end (then the
 *  subscription is cancelled). None is dropped: a list's diffs apply one after the other. */
private fun <T> delivered(subscribe: (deliver: (T) -> Unit) -> Subscription): Flow<T> = callbackFlow {
    val subscription = subscribe { trySend(it) }
    awaitClose { subscription.cancel(); subscription.close() }
}.buffer(Channel.UNLIMITED)

/** The watched customer list's page now, then each change with its diff. */
fun FieldStore.customersFlow(search: String? = null, options: ListOptions? = null): Flow<Pair<CustomerPage, ListDiff>> =
    delivered { deliver ->
        watchCustomers(object : CustomerListListener {
            override fun onList(page: CustomerPage, diff: ListDiff) = deliver(page to diff)
        }, search, options)
    }

/** The watched followup list (see `watchFollowups`). */
fun FieldStore.followupsFlow(
    period: String? = null,
    customerId: String? = null,
    options: ListOptions? = null,
): Flow<Pair<FollowupPage, ListDiff>> = delivered { deliver ->
    watchFollowups(object : FollowupListListener {
        override fun onList(page: FollowupPage, diff: ListDiff) = deliver(page to diff)
    }, period, customerId, options)
}

/** The watched report list (see `watchReports`). */
fun FieldStore.reportsFlow(query: ReportQuery? = null, options: ListOptions? = null): Flow<Pair<ReportPage, ListDiff>> =
    delivered { deliver ->
        watchReports(object : ReportListListener {
            override fun onList(page: ReportPage, diff: ListDiff) = deliver(page to diff)
        }, query, options)
    }

/** The watched deal list (see `watchDeals`). */
fun FieldStore.dealsFlow(stage: com.fieldreport.core.Stage? = null, options: ListOptions? = null): Flow<Pair<DealPage, ListDiff>> =
    delivered { deliver ->
        watchDeals(object : DealListListener {
            override fun onList(page: DealPage, diff: ListDiff) = deliver(page to diff)
        }, stage, options)
    }

/** The watched contract list (see `watchContracts`). */
fun FieldStore.contractsFlow(customerId: String? = null, options: ListOptions? = null): Flow<Pair<ContractPage, ListDiff>> =
    delivered { deliver ->
        watchContracts(object : ContractListListener {
            override fun onList(page: ContractPage, diff: ListDiff) = deliver(page to diff)
        }, customerId, options)
    }

/** The watched payment list (see `watchPayments`). */
fun FieldStore.paymentsFlow(contractId: String? = null, options: ListOptions? = null): Flow<Pair<PaymentPage, ListDiff>> =
    delivered { deliver ->
        watchPayments(object : PaymentListListener {
            override fun onList(page: PaymentPage, diff: ListDiff) = deliver(page to diff)
        }, contractId, options)
    }

/** A member's watched plans between two days (see `watchPlans`). */
fun FieldStore.plansFlow(
    first: java.time.LocalDate,
    last: java.time.LocalDate,
    owner: String? = null,
    cancelled: Boolean = false,
): Flow<Pair<PlanPage, ListDiff>> = delivered { deliver ->
    watchPlans(object : PlanListListener {
        override fun onList(page: PlanPage, diff: ListDiff) = deliver(page to diff)
    }, first, last, owner, cancelled)
}

/** The sync status now, then each change. */
fun FieldStore.syncStatusFlow(): Flow<SyncStatus> = delivered { deliver ->
    observeSyncStatus(object : SyncStatusListener {
        override fun onStatus(status: SyncStatus) = deliver(status)
    })
}

/** Which records change (see `subscribe`). */
fun FieldStore.changesFlow(kinds: List<ChangedKind> = listOf(), ids: List<String> = listOf()): Flow<List<Changes>> =
    delivered { deliver ->
        subscribe(object : ChangeListener {
            override fun onChange(changes: List<Changes>) = deliver(changes)
        }, kinds, ids)
    }
