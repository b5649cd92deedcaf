//! `FieldStore`: one device store behind the FFI. Every method runs on the caller's thread and
//! does disk I/O (SQLite, fsync on writes), so apps call it off their main/UI thread; `sync` and
//! `enroll` are async and run on a tokio runtime.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDate;
use fieldreport_core::doc::{self, Kind};
use fieldreport_core::money::Money;
use fieldreport_core::period::parse_date;
use fieldreport_core::store::FollowupFilter;
use fieldreport_core::Store;

use crate::error::{guard, FieldError};
use crate::sync::HttpClient;
use crate::types::*;

type Result<T> = std::result::Result<T, FieldError>;

/// A device's local store: customers, deals, followups, contracts, payments, reports.
#[derive(uniffi::Object)]
pub struct FieldStore {
    /// The database file; `None` for an in-memory store (which cannot sync).
    pub(crate) path: Option<PathBuf>,
    /// `None` once closed.
    store: Mutex<Option<Store>>,
    /// The token of the running sync, to cancel it.
    pub(crate) cancel: Mutex<Option<fieldreport_core::sync::CancelToken>>,
    /// The app's HTTP client for enroll and sync (see [`FieldStore::set_http_client`]).
    pub(crate) http: Mutex<Option<Arc<dyn HttpClient>>>,
}

/// The kind of record, for delete and restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RecordKind {
    Customer,
    Deal,
    Followup,
    Contract,
    Payment,
    Report,
}

impl From<RecordKind> for Kind {
    fn from(k: RecordKind) -> Kind {
        match k {
            RecordKind::Customer => Kind::Customer,
            RecordKind::Deal => Kind::Deal,
            RecordKind::Followup => Kind::Followup,
            RecordKind::Contract => Kind::Contract,
            RecordKind::Payment => Kind::Payment,
            RecordKind::Report => Kind::Report,
        }
    }
}

fn date(s: &str) -> Result<NaiveDate> {
    Ok(parse_date(s)?)
}

fn opt_date(s: Option<String>) -> Result<Option<NaiveDate>> {
    s.as_deref().map(date).transpose()
}

/// A text index or length from the FFI.
pub(crate) fn index(i: u64) -> Result<usize> {
    usize::try_from(i).map_err(|_| FieldError::InvalidInput { reason: format!("index {i} is out of range") })
}

impl FieldStore {
    /// The open store, or `Closed`.
    fn lock(&self) -> Result<MutexGuard<'_, Option<Store>>> {
        // A panic while holding the lock was turned into an error; the store itself is
        // transactional, so the guard is still good.
        let guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(FieldError::Closed);
        }
        Ok(guard)
    }

    /// `Closed` once the store was closed.
    pub(crate) fn ensure_open(&self) -> Result<()> {
        self.lock().map(|_| ())
    }

    fn new(path: Option<PathBuf>, store: Store) -> Arc<FieldStore> {
        Arc::new(FieldStore { path, store: Mutex::new(Some(store)), cancel: Mutex::new(None), http: Mutex::new(None) })
    }

    /// Runs `f` on the open store, with panics turned into errors.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Store) -> fieldreport_core::Result<T>) -> Result<T> {
        guard(|| {
            let mut g = self.lock()?;
            let store = g.as_mut().ok_or(FieldError::Closed)?;
            Ok(f(store)?)
        })
    }
}

#[uniffi::export]
impl FieldStore {
    /// Opens the store at `path`, creating or upgrading the database file (disk I/O).
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<FieldStore>> {
        guard(|| {
            let store = Store::open(&path)?;
            Ok(FieldStore::new(Some(PathBuf::from(path)), store))
        })
    }

    /// A store in memory, for tests and previews; it cannot sync.
    #[uniffi::constructor]
    pub fn open_in_memory() -> Result<Arc<FieldStore>> {
        guard(|| {
            let store = Store::open_in_memory()?;
            Ok(FieldStore::new(None, store))
        })
    }

    /// Sets up the identity without a server (a demo or a device enrolled elsewhere).
    pub fn init(&self, user_id: String, team_id: String, tz: String, week_start: String) -> Result<Identity> {
        self.with(|s| s.init(&user_id, &team_id, &tz, &week_start))
    }

    /// The device's identity (`NotEnrolled` before enrollment).
    pub fn identity(&self) -> Result<Identity> {
        self.with(|s| s.identity())
    }

    /// Adds a customer owned by this device's user.
    pub fn add_customer(&self, new: NewCustomer) -> Result<Customer> {
        let location = match (new.latitude, new.longitude) {
            (Some(lat), Some(lon)) => Some((lat, lon)),
            (None, None) => None,
            _ => {
                return Err(FieldError::InvalidInput { reason: "give both latitude and longitude, or neither".into() })
            }
        };
        let n = doc::NewCustomer {
            name: new.name,
            level: new.level,
            contacts: Vec::new(),
            address: new.address,
            location,
            tags: new.tags,
        };
        self.with(|s| s.add_customer(n)).map(Into::into)
    }

    /// Renames a customer.
    pub fn rename_customer(&self, id: String, name: String) -> Result<Customer> {
        self.with(|s| s.edit_customer(&id, doc::CustomerEdit { name: Some(name), ..Default::default() }))
            .map(Into::into)
    }

    /// Customers, optionally those whose name contains `search`.
    pub fn list_customers(&self, search: Option<String>) -> Result<Vec<CustomerRow>> {
        self.with(|s| s.list_customers(search.as_deref())).map(|v| v.into_iter().collect())
    }

    /// Adds a deal; `amount` is a decimal string (`"12000.50"`), `currency` defaults to CNY.
    pub fn add_deal(
        &self,
        customer_id: String,
        title: String,
        amount: String,
        currency: Option<String>,
        stage: Stage,
    ) -> Result<String> {
        self.with(|s| {
            let amount = Money::parse(&amount, currency.as_deref().unwrap_or("CNY"))?;
            let d = s.add_deal(doc::NewDeal { customer_id, title, amount, stage, expected_close: None })?;
            Ok(d.header.id)
        })
    }

    /// Moves a deal to `stage`.
    pub fn set_deal_stage(&self, id: String, stage: Stage) -> Result<()> {
        self.with(|s| s.set_deal_stage(&id, stage).map(|_| ()))
    }

    /// Deals, optionally in one stage.
    pub fn list_deals(&self, stage: Option<Stage>) -> Result<Vec<DealRow>> {
        self.with(|s| s.list_deals(stage)).map(|v| v.into_iter().collect())
    }

    /// Logs a visit, call or other followup.
    pub fn log_followup(&self, new: NewFollowup) -> Result<Followup> {
        let next_on = opt_date(new.next_followup_on)?;
        self.with(|s| {
            let mut n =
                doc::NewFollowup::new(&new.customer_id, new.kind, new.occurred_at.unwrap_or(s.now_ms()), &new.note);
            n.deal_id = new.deal_id;
            n.next_step = new.next_step;
            n.next_followup_on = next_on;
            n.checkin =
                new.checkin.map(|c| doc::CheckIn { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy, at: c.at });
            s.log_followup(n)
        })
        .map(Into::into)
    }

    /// Edits a followup; `None` fields stay as they are. A new note replaces the text by minimal
    /// splices, so a concurrent edit elsewhere in it survives the merge.
    pub fn edit_followup(&self, id: String, edit: FollowupEdit) -> Result<Followup> {
        let e = doc::FollowupEdit {
            kind: edit.kind,
            occurred_at: edit.occurred_at,
            note: edit.note,
            next_step: edit.next_step,
            next_followup_on: opt_date(edit.next_followup_on)?,
        };
        self.with(|s| s.edit_followup(&id, e)).map(Into::into)
    }

    /// Splices the note: deletes `delete` and inserts `insert` at `index`. Indices count
    /// Unicode scalar values (see the FFI notes on UTF-16 in ffi/README.md).
    pub fn splice_followup_note(&self, id: String, index: u64, delete: u64, insert: String) -> Result<Followup> {
        let (i, d) = (self::index(index)?, self::index(delete)?);
        self.with(|s| s.splice_followup(&id, doc::FollowupText::Note, i, d, &insert)).map(Into::into)
    }

    /// Followups in a period (`today`, `this-week`, `2026-11-01..2026-11-07`, …) and/or of one
    /// customer; everything when both are `None`. Newest first.
    pub fn list_followups(&self, period: Option<String>, customer_id: Option<String>) -> Result<Vec<FollowupRow>> {
        self.with(|s| {
            let range = match period {
                Some(p) => Some(s.period_range(&p)?),
                None => None,
            };
            s.list_followups(&FollowupFilter { range, customer_id, ..Default::default() })
        })
        .map(|v| v.into_iter().collect())
    }

    /// Adds a signed contract; `signed_on` is `YYYY-MM-DD`.
    pub fn add_contract(
        &self,
        customer_id: String,
        title: Option<String>,
        amount: String,
        currency: Option<String>,
        signed_on: String,
    ) -> Result<String> {
        let signed_on = date(&signed_on)?;
        self.with(|s| {
            let amount = Money::parse(&amount, currency.as_deref().unwrap_or("CNY"))?;
            let c = s.add_contract(doc::NewContract { customer_id, deal_id: None, title, amount, signed_on })?;
            Ok(c.header.id)
        })
    }

    /// Records a payment received against a contract; `received_on` is `YYYY-MM-DD`.
    pub fn add_payment(
        &self,
        contract_id: String,
        amount: String,
        currency: Option<String>,
        received_on: String,
    ) -> Result<String> {
        let received_on = date(&received_on)?;
        self.with(|s| s.add_payment(&contract_id, &amount, currency.as_deref(), received_on).map(|p| p.header.id))
    }

    /// Marks a record deleted (it stays, and can be restored).
    pub fn delete(&self, kind: RecordKind, id: String) -> Result<()> {
        self.with(|s| s.delete(kind.into(), &id).map(|_| ()))
    }

    /// Restores a deleted record.
    pub fn restore(&self, kind: RecordKind, id: String) -> Result<()> {
        self.with(|s| s.restore(kind.into(), &id).map(|_| ()))
    }

    /// This user's KPI figures for a period (`metrics` empty for all): the server's snapshot
    /// when it covers the local data, else computed locally; see [`FieldStore::kpi_view`].
    pub fn kpis(&self, period: String, metrics: Vec<String>) -> Result<Vec<KpiFigure>> {
        self.kpi_view(period, metrics).map(|v| v.figures)
    }

    /// This user's KPI figures for a period, with where they came from (the server's snapshot
    /// after a sync, with targets and status; or computed locally when the device changed
    /// something since) and when they were computed.
    pub fn kpi_view(&self, period: String, metrics: Vec<String>) -> Result<KpiView> {
        self.with(|s| {
            let defs = s.kpi_definitions_for(&metrics)?;
            s.kpi_view(&period, &defs)
        })
        .map(Into::into)
    }

    /// The alerts and read receipts of the server's last snapshot for this user (offline).
    pub fn server_notes(&self) -> Result<ServerNotes> {
        self.with(|s| s.server_snapshot()).map(|snap| match snap {
            Some(b) => ServerNotes { as_of: Some(b.computed_at), alerts: b.alerts, reads: b.reads },
            None => ServerNotes { as_of: None, alerts: Vec::new(), reads: Vec::new() },
        })
    }

    /// Closes the database (checkpointing it); any later call fails with `Closed`. Named
    /// `close_store` because Kotlin's `close()` is `AutoCloseable`'s, which frees the handle.
    pub fn close_store(&self) -> Result<()> {
        guard(|| {
            let store = self.store.lock().unwrap_or_else(|p| p.into_inner()).take();
            match store {
                Some(s) => Ok(s.close()?),
                None => Err(FieldError::Closed),
            }
        })
    }
}
