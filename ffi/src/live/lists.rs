//! The lists an app pages through and watches: customers, followups, reports, deals, contracts
//! and payments. Each has a page record, a listener, a query, a synchronous bounded page
//! (`*_page`), a watch (`watch_*`) and the rows the async `list_*` call reads.

use std::sync::{Arc, Mutex};

use fieldreport_core::doc::Kind;
use fieldreport_core::store::{Cursor, FollowupFilter, ReportFilter};
use fieldreport_core::Store;

use super::{diff, millis, paged, Keyed, ListDiff, On, Watch};
use crate::error::FieldError;
use crate::hub::ChangeListener;
use crate::observe::Subscription;
use crate::store::{FieldStore, Result};
use crate::types::{
    Changes, ContractRow, CustomerRow, DealRow, FollowupRow, ListOptions, NaiveDate, Order, PaymentRow, Plan,
    ReportQuery, ReportRow, Stage,
};

/// A list's page record and listener, and how its rows are matched between pages (by id).
macro_rules! list {
    ($page:ident, $row:ty, $listener:ident, $page_doc:literal, $listener_doc:literal) => {
        #[doc = $page_doc]
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $page {
            pub rows: Vec<$row>,
            /// Whether rows follow this page.
            pub has_more: bool,
            /// The token of the next page (`ListOptions.after`), when rows follow: it holds its
            /// place even when the last row shown is changed or removed meanwhile.
            pub next: Option<String>,
        }

        #[doc = $listener_doc]
        #[uniffi::export(with_foreign)]
        pub trait $listener: Send + Sync {
            fn on_list(&self, page: $page, diff: ListDiff) -> std::result::Result<(), FieldError>;
        }

        impl Keyed for $row {
            fn key(&self) -> &str {
                &self.id
            }
        }
    };
}

list!(
    CustomerPage,
    CustomerRow,
    CustomerListListener,
    "One page of customers.",
    "Hears a watched customer list: its page now, and what changed."
);
list!(FollowupPage, FollowupRow, FollowupListListener, "One page of followups.", "Hears a watched followup list.");
list!(ReportPage, ReportRow, ReportListListener, "One page of reports.", "Hears a watched report list.");
list!(DealPage, DealRow, DealListListener, "One page of deals.", "Hears a watched deal list.");
list!(ContractPage, ContractRow, ContractListListener, "One page of contracts.", "Hears a watched contract list.");
list!(PaymentPage, PaymentRow, PaymentListListener, "One page of payments.", "Hears a watched payment list.");
list!(
    PlanPage,
    Plan,
    PlanListListener,
    "A member's plans between two days (one page: at most a year).",
    "Hears watched plans."
);

/// The query of a customer list.
#[derive(Clone)]
pub(super) struct CustomerQuery {
    search: Option<String>,
    options: Option<ListOptions>,
}

impl CustomerQuery {
    fn run(&self, s: &mut Store) -> Result<CustomerPage> {
        let (rows, has_more, next) = paged(
            &self.options,
            Order::Ascending,
            |page| s.list_customers_page(self.search.as_deref(), &page),
            |r: &CustomerRow| Cursor::text(&r.name, &r.id),
        )?;
        Ok(CustomerPage { rows, has_more, next })
    }
}

/// The query of a followup list.
#[derive(Clone)]
pub(super) struct FollowupQuery {
    period: Option<String>,
    customer_id: Option<String>,
    options: Option<ListOptions>,
}

impl FollowupQuery {
    fn run(&self, s: &mut Store) -> Result<FollowupPage> {
        let range = match &self.period {
            Some(p) => Some(s.period_range(p).map_err(FieldError::from)?),
            None => None,
        };
        let (rows, has_more, next) = paged(
            &self.options,
            Order::Descending,
            |page| {
                s.list_followups(&FollowupFilter {
                    range,
                    customer_id: self.customer_id.clone(),
                    page,
                    ..Default::default()
                })
            },
            |r: &FollowupRow| Cursor::number(millis(r.occurred_at), &r.id),
        )?;
        Ok(FollowupPage { rows, has_more, next })
    }
}

/// The query of a report list.
#[derive(Clone)]
pub(super) struct ReportsQuery {
    query: ReportQuery,
    options: Option<ListOptions>,
}

impl ReportsQuery {
    fn run(&self, s: &mut Store) -> Result<ReportPage> {
        let q = &self.query;
        let range = match &q.period {
            Some(p) => Some(s.period_range(p).map_err(FieldError::from)?),
            None => None,
        };
        let addressed_to = if q.addressed_to_me { Some(s.identity().map_err(FieldError::from)?.user_id) } else { None };
        let (rows, has_more, next) = paged(
            &self.options,
            Order::Descending,
            |page| {
                let (kind, owner, unread) = (q.kind, q.author.clone(), q.unread);
                s.list_reports_filtered(&ReportFilter { range, kind, owner, addressed_to, unread, page })
            },
            |r: &ReportRow| Cursor::text(&r.first.to_string(), &r.id),
        )?;
        Ok(ReportPage { rows, has_more, next })
    }
}

/// The query of a deal list (newest first by default).
#[derive(Clone)]
pub(super) struct DealQuery {
    stage: Option<Stage>,
    options: Option<ListOptions>,
}

impl DealQuery {
    fn run(&self, s: &mut Store) -> Result<DealPage> {
        let (rows, has_more, next) = paged(
            &self.options,
            Order::Descending,
            |page| s.list_deals_page(self.stage, &page),
            |r: &DealRow| Cursor::number(millis(r.created_at), &r.id),
        )?;
        Ok(DealPage { rows, has_more, next })
    }
}

/// The query of a contract list (latest signing first by default).
#[derive(Clone)]
pub(super) struct ContractQuery {
    customer_id: Option<String>,
    options: Option<ListOptions>,
}

impl ContractQuery {
    fn run(&self, s: &mut Store) -> Result<ContractPage> {
        let (rows, has_more, next) = paged(
            &self.options,
            Order::Descending,
            |page| s.list_contracts_page(self.customer_id.as_deref(), &page),
            |r: &ContractRow| Cursor::text(&r.signed_on.to_string(), &r.id),
        )?;
        Ok(ContractPage { rows, has_more, next })
    }
}

/// The query of a payment list (latest first by default).
#[derive(Clone)]
pub(super) struct PaymentQuery {
    contract_id: Option<String>,
    options: Option<ListOptions>,
}

impl PaymentQuery {
    fn run(&self, s: &mut Store) -> Result<PaymentPage> {
        let (rows, has_more, next) = paged(
            &self.options,
            Order::Descending,
            |page| s.list_payments_page(self.contract_id.as_deref(), &page),
            |r: &PaymentRow| Cursor::text(&r.received_on.to_string(), &r.id),
        )?;
        Ok(PaymentPage { rows, has_more, next })
    }
}

/// The query of a member's plans between two days.
#[derive(Clone)]
pub(super) struct PlanQuery {
    first: NaiveDate,
    last: NaiveDate,
    owner: Option<String>,
    cancelled: bool,
}

impl PlanQuery {
    fn run(&self, s: &mut Store) -> Result<PlanPage> {
        let owner = match &self.owner {
            Some(o) => o.clone(),
            None => s.identity()?.user_id,
        };
        let rows = s.plans_between(&owner, self.first, self.last, self.cancelled)?;
        Ok(PlanPage { rows: rows.into_iter().map(Into::into).collect(), has_more: false, next: None })
    }
}

watch_impl!(CustomerQuery, CustomerPage, dyn CustomerListListener);
watch_impl!(FollowupQuery, FollowupPage, dyn FollowupListListener);
watch_impl!(ReportsQuery, ReportPage, dyn ReportListListener);
watch_impl!(DealQuery, DealPage, dyn DealListListener);
watch_impl!(ContractQuery, ContractPage, dyn ContractListListener);
watch_impl!(PaymentQuery, PaymentPage, dyn PaymentListListener);
watch_impl!(PlanQuery, PlanPage, dyn PlanListListener);

impl FieldStore {
    /// The rows of `list_customers` (every row without a limit).
    pub(crate) fn customer_rows(
        &self,
        search: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<CustomerRow>> {
        let q = CustomerQuery { search, options };
        self.query(On::Store, |s| q.run(s)).map(|p| p.rows)
    }

    /// The rows of `list_followups`.
    pub(crate) fn followup_rows(
        &self,
        period: Option<String>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<FollowupRow>> {
        let q = FollowupQuery { period, customer_id, options };
        self.query(On::Store, |s| q.run(s)).map(|p| p.rows)
    }

    /// The rows of `list_reports`.
    pub(crate) fn report_rows(
        &self,
        query: Option<ReportQuery>,
        options: Option<ListOptions>,
    ) -> Result<Vec<ReportRow>> {
        let q = ReportsQuery { query: query.unwrap_or_default(), options };
        self.query(On::Store, |s| q.run(s)).map(|p| p.rows)
    }

    /// Starts watching `query`: its page now, then its changes, for changes of `kinds`.
    fn watch<Q, P, L: ?Sized>(
        self: Arc<Self>,
        query: Q,
        listener: Arc<L>,
        kinds: Vec<Kind>,
    ) -> Result<Arc<Subscription>>
    where
        Watch<Q, P, L>: ChangeListener + 'static,
    {
        let watch = Arc::new(Watch { store: Arc::downgrade(&self), query, last: Mutex::new(None), listener });
        self.start_watch(watch, kinds)
    }
}

/// Pages are read on the caller's thread: bounded (100 rows unless `limit` says, at most 1,000),
/// they take a millisecond or two. A list of every row is an async `list_*`. Watches tell their
/// listener the page at once (every row inserted), then, after each write or synced page that
/// changes it, the page again with what changed; the listener is called on the thread that made
/// the change (post to the UI's dispatcher or queue, or use the SDK's flows and streams, see
/// ffi/README.md); a watch lives until its handle's `cancel`. Bad options fail at the call.
#[uniffi::export]
impl FieldStore {
    /// One page of `list_customers`, with whether more follow and the token of the next page.
    #[uniffi::method(default(search = None, options = None))]
    pub fn customers_page(&self, search: Option<String>, options: Option<ListOptions>) -> Result<CustomerPage> {
        let q = CustomerQuery { search, options: ListOptions::bounded(options)? };
        self.query(On::Reader, |s| q.run(s))
    }

    /// One page of `list_followups`, with whether more follow and the token of the next page.
    #[uniffi::method(default(period = None, customer_id = None, options = None))]
    pub fn followups_page(
        &self,
        period: Option<String>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<FollowupPage> {
        let q = FollowupQuery { period, customer_id, options: ListOptions::bounded(options)? };
        self.query(On::Reader, |s| q.run(s))
    }

    /// One page of `list_reports`, with whether more follow and the token of the next page.
    #[uniffi::method(default(query = None, options = None))]
    pub fn reports_page(&self, query: Option<ReportQuery>, options: Option<ListOptions>) -> Result<ReportPage> {
        let q = ReportsQuery { query: query.unwrap_or_default(), options: ListOptions::bounded(options)? };
        self.query(On::Reader, |s| q.run(s))
    }

    /// One page of `list_deals`.
    #[uniffi::method(default(stage = None, options = None))]
    pub fn deals_page(&self, stage: Option<Stage>, options: Option<ListOptions>) -> Result<DealPage> {
        let q = DealQuery { stage, options: ListOptions::bounded(options)? };
        self.query(On::Reader, |s| q.run(s))
    }

    /// One page of `list_contracts`.
    #[uniffi::method(default(customer_id = None, options = None))]
    pub fn contracts_page(&self, customer_id: Option<String>, options: Option<ListOptions>) -> Result<ContractPage> {
        let q = ContractQuery { customer_id, options: ListOptions::bounded(options)? };
        self.query(On::Reader, |s| q.run(s))
    }

    /// One page of `list_payments`.
    #[uniffi::method(default(contract_id = None, options = None))]
    pub fn payments_page(&self, contract_id: Option<String>, options: Option<ListOptions>) -> Result<PaymentPage> {
        let q = PaymentQuery { contract_id, options: ListOptions::bounded(options)? };
        self.query(On::Reader, |s| q.run(s))
    }

    /// Watches a page of `list_customers`.
    #[uniffi::method(default(search = None, options = None))]
    pub fn watch_customers(
        self: Arc<Self>,
        listener: Arc<dyn CustomerListListener>,
        search: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = CustomerQuery { search, options: ListOptions::bounded(options)? };
        self.watch(query, listener, vec![Kind::Customer])
    }

    /// Watches a page of `list_followups` (its rows name their customers: a renamed customer
    /// updates them).
    #[uniffi::method(default(period = None, customer_id = None, options = None))]
    pub fn watch_followups(
        self: Arc<Self>,
        listener: Arc<dyn FollowupListListener>,
        period: Option<String>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = FollowupQuery { period, customer_id, options: ListOptions::bounded(options)? };
        self.watch(query, listener, vec![Kind::Followup, Kind::Customer])
    }

    /// Watches a page of `list_reports` (a report written here, pulled by a sync, commented on,
    /// or marked read here changes it).
    #[uniffi::method(default(query = None, options = None))]
    pub fn watch_reports(
        self: Arc<Self>,
        listener: Arc<dyn ReportListListener>,
        query: Option<ReportQuery>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = ReportsQuery { query: query.unwrap_or_default(), options: ListOptions::bounded(options)? };
        self.watch(query, listener, vec![Kind::Report])
    }

    /// Watches a page of `list_deals` (a renamed customer updates its rows).
    #[uniffi::method(default(stage = None, options = None))]
    pub fn watch_deals(
        self: Arc<Self>,
        listener: Arc<dyn DealListListener>,
        stage: Option<Stage>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = DealQuery { stage, options: ListOptions::bounded(options)? };
        self.watch(query, listener, vec![Kind::Deal, Kind::Customer])
    }

    /// Watches a page of `list_contracts`.
    #[uniffi::method(default(customer_id = None, options = None))]
    pub fn watch_contracts(
        self: Arc<Self>,
        listener: Arc<dyn ContractListListener>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = ContractQuery { customer_id, options: ListOptions::bounded(options)? };
        self.watch(query, listener, vec![Kind::Contract, Kind::Customer])
    }

    /// Watches a page of `list_payments`.
    #[uniffi::method(default(contract_id = None, options = None))]
    pub fn watch_payments(
        self: Arc<Self>,
        listener: Arc<dyn PaymentListListener>,
        contract_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = PaymentQuery { contract_id, options: ListOptions::bounded(options)? };
        self.watch(query, listener, vec![Kind::Payment, Kind::Customer])
    }

    /// Watches the plans `plans` lists (a moved, cancelled or carried-out plan, or a renamed
    /// customer, changes them).
    #[uniffi::method(default(owner = None, cancelled = false))]
    pub fn watch_plans(
        self: Arc<Self>,
        listener: Arc<dyn PlanListListener>,
        first: NaiveDate,
        last: NaiveDate,
        owner: Option<String>,
        cancelled: bool,
    ) -> Result<Arc<Subscription>> {
        self.watch(PlanQuery { first, last, owner, cancelled }, listener, vec![Kind::Plan, Kind::Customer])
    }
}
