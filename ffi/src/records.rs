//! Customers, deals, followups, contracts and payments through the FFI: create, read by id,
//! edit, list a page at a time, delete and restore.

use std::sync::Arc;

use fieldreport_core::doc;
use fieldreport_core::money::Money;
use fieldreport_core::store::DealChange;

use crate::store::{index, FieldStore, Result};
use crate::types::*;

/// Both coordinates, in range, or neither (the core's rule).
fn place(latitude: Option<f64>, longitude: Option<f64>) -> Result<Option<(f64, f64)>> {
    Ok(doc::point(latitude, longitude).map_err(fieldreport_core::Error::from)?)
}

fn rows<T, U: From<T>>(v: Vec<T>) -> Vec<U> {
    v.into_iter().map(Into::into).collect()
}

/// An app's new customer as the core's.
pub(crate) fn new_customer(new: NewCustomer) -> Result<doc::NewCustomer> {
    Ok(doc::NewCustomer {
        location: place(new.latitude, new.longitude)?,
        name: new.name,
        level: new.level,
        contacts: new.contacts.into_iter().collect(),
        address: new.address,
        tags: new.tags,
    })
}

/// An app's new deal as the core's (its amount parsed in its currency, CNY by default).
pub(crate) fn new_deal(new: NewDeal) -> Result<doc::NewDeal> {
    let expected_close = new.expected_close;
    let amount = Money::parse(&new.amount, new.currency.as_deref().unwrap_or("CNY"))?;
    Ok(doc::NewDeal {
        customer_id: new.customer_id,
        title: new.title,
        amount,
        stage: new.stage.unwrap_or(Stage::Lead),
        expected_close,
    })
}

/// An app's new followup, checked, waiting for the moment it happened when the app gave none.
pub(crate) struct PendingFollowup {
    new: NewFollowup,
    occurred_at: Option<i64>,
    next_on: Option<chrono::NaiveDate>,
    checkin: Option<doc::CheckIn>,
}

impl PendingFollowup {
    /// The core's followup, at `now` unless the app said when.
    pub(crate) fn at(self, now: i64) -> doc::NewFollowup {
        let new = self.new;
        let mut n = doc::NewFollowup::new(&new.customer_id, new.kind, self.occurred_at.unwrap_or(now), &new.note);
        n.deal_id = new.deal_id;
        n.next_step = new.next_step;
        n.next_followup_on = self.next_on;
        n.checkin = self.checkin;
        n
    }
}

/// An app's new followup, checked (dates, instant, check-in).
pub(crate) fn new_followup(mut new: NewFollowup) -> Result<PendingFollowup> {
    let next_on = new.next_followup_on.take();
    let occurred_at = new.occurred_at.map(|t| millis(t, "occurred_at")).transpose()?;
    let checkin = checkin(new.checkin.take())?;
    Ok(PendingFollowup { new, occurred_at, next_on, checkin })
}

/// An app's check-in as the core's.
pub(crate) fn checkin(c: Option<CheckIn>) -> Result<Option<doc::CheckIn>> {
    match c {
        Some(c) => Ok(Some(doc::CheckIn {
            lat: c.latitude,
            lon: c.longitude,
            accuracy: c.accuracy,
            at: millis(c.at, "checkin.at")?,
        })),
        None => Ok(None),
    }
}

#[uniffi::export]
impl FieldStore {
    /// Adds a customer owned by this device's user.
    pub async fn add_customer(self: Arc<Self>, new: NewCustomer) -> Result<Customer> {
        let n = new_customer(new)?;
        self.call(move |s| s.add_customer(n)).await.map(Into::into)
    }

    /// Customer `id`.
    pub fn customer(&self, id: String) -> Result<Customer> {
        self.read(|s| s.customer(&id)).map(Into::into)
    }

    /// Changes a customer's fields (`None` leaves one as it is).
    pub async fn edit_customer(self: Arc<Self>, id: String, edit: CustomerEdit) -> Result<Customer> {
        let e = doc::CustomerEdit {
            location: place(edit.latitude, edit.longitude)?,
            name: edit.name,
            level: edit.level,
            address: edit.address,
            tags: edit.tags,
        };
        self.call(move |s| s.edit_customer(&id, e)).await.map(Into::into)
    }

    /// Renames a customer (`edit_customer` changes any field).
    pub async fn rename_customer(self: Arc<Self>, id: String, name: String) -> Result<Customer> {
        self.edit_customer(id, CustomerEdit { name: Some(name), ..Default::default() }).await
    }

    /// Adds a contact person to a customer.
    pub async fn add_contact(self: Arc<Self>, customer_id: String, contact: Contact) -> Result<Customer> {
        self.call(move |s| s.change_contact(&customer_id, doc::ContactChange::Add(contact))).await.map(Into::into)
    }

    /// Changes contact `index` (0-based, as in `Customer.contacts`) of a customer: the fields
    /// given; an empty text clears one.
    pub async fn edit_contact(
        self: Arc<Self>,
        customer_id: String,
        index: i32,
        name: Option<String>,
        title: Option<String>,
        phone: Option<String>,
    ) -> Result<Customer> {
        let index = crate::store::index(index.into())?;
        let change = doc::ContactChange::Edit { index, name, title, phone };
        self.call(move |s| s.change_contact(&customer_id, change)).await.map(Into::into)
    }

    /// Removes contact `index` (0-based) of a customer.
    pub async fn remove_contact(self: Arc<Self>, customer_id: String, index: i32) -> Result<Customer> {
        let index = crate::store::index(index.into())?;
        self.call(move |s| s.change_contact(&customer_id, doc::ContactChange::Remove { index })).await.map(Into::into)
    }

    /// Live customers matching `search` — in the name, the address, a tag, or the name's pinyin
    /// whole or by initials (`hw` finds 华为) — or all of them; by name (A first by default).
    #[uniffi::method(default(search = None, options = None))]
    pub async fn list_customers(
        self: Arc<Self>,
        search: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<CustomerRow>> {
        self.on_worker(move |me| me.customer_rows(search, options)).await
    }

    /// Adds a deal; `amount` is a decimal string (`"12000.50"`) in `currency` (CNY by default).
    pub async fn add_deal(self: Arc<Self>, new: NewDeal) -> Result<Deal> {
        let n = new_deal(new)?;
        self.call(move |s| s.add_deal(n)).await.map(Into::into)
    }

    /// Deal `id`.
    pub fn deal(&self, id: String) -> Result<Deal> {
        self.read(|s| s.deal(&id)).map(Into::into)
    }

    /// Changes a deal's fields (`None` leaves one as it is); the amount is read in the deal's currency
    /// unless `currency` is given with it.
    pub async fn edit_deal(self: Arc<Self>, id: String, edit: DealEdit) -> Result<Deal> {
        let change = DealChange {
            title: edit.title,
            amount: edit.amount,
            currency: edit.currency,
            expected_close: edit.expected_close,
            lost_reason: edit.lost_reason,
        };
        self.call(move |s| s.change_deal(&id, change)).await.map(Into::into)
    }

    /// Moves a deal to `stage` (recorded in its stage history).
    pub async fn set_deal_stage(self: Arc<Self>, id: String, stage: Stage) -> Result<Deal> {
        self.call(move |s| s.set_deal_stage(&id, stage)).await.map(Into::into)
    }

    /// Live deals, optionally in one stage; by creation (newest first by default).
    #[uniffi::method(default(stage = None, options = None))]
    pub async fn list_deals(
        self: Arc<Self>,
        stage: Option<Stage>,
        options: Option<ListOptions>,
    ) -> Result<Vec<DealRow>> {
        let page = ListOptions::page(options, Order::Descending)?;
        self.call(move |s| s.list_deals_page(stage, &page)).await.map(rows)
    }

    /// Logs a visit, call or other followup.
    pub async fn log_followup(self: Arc<Self>, new: NewFollowup) -> Result<Followup> {
        let n = new_followup(new)?;
        self.call(move |s| s.log_followup(n.at(s.now_ms()))).await.map(Into::into)
    }

    /// Followup `id`.
    pub fn followup(&self, id: String) -> Result<Followup> {
        self.read(|s| s.followup(&id)).map(Into::into)
    }

    /// Edits a followup; `None` fields stay as they are. A new note replaces the text by minimal
    /// splices, so a concurrent edit elsewhere in it survives the merge.
    pub async fn edit_followup(self: Arc<Self>, id: String, edit: FollowupEdit) -> Result<Followup> {
        let e = doc::FollowupEdit {
            kind: edit.kind,
            occurred_at: edit.occurred_at.map(|t| millis(t, "occurred_at")).transpose()?,
            note: edit.note,
            next_step: edit.next_step,
            next_followup_on: edit.next_followup_on,
        };
        self.call(move |s| s.edit_followup(&id, e)).await.map(Into::into)
    }

    /// Splices the note: deletes `delete` and inserts `insert` at `index`. Indices count
    /// Unicode scalar values (see ffi/README.md on UTF-16).
    pub async fn splice_followup_note(
        self: Arc<Self>,
        id: String,
        index: i64,
        delete: i64,
        insert: String,
    ) -> Result<Followup> {
        let (i, d) = (self::index(index)?, self::index(delete)?);
        self.call(move |s| s.splice_followup(&id, doc::FollowupText::Note, i, d, &insert)).await.map(Into::into)
    }

    /// Followups in a period (`today`, `this-week`, `2026-11-01..2026-11-07`, …) and/or of one
    /// customer, everything when both are `None`; by time (newest first by default).
    #[uniffi::method(default(period = None, customer_id = None, options = None))]
    pub async fn list_followups(
        self: Arc<Self>,
        period: Option<String>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<FollowupRow>> {
        self.on_worker(move |me| me.followup_rows(period, customer_id, options)).await
    }

    /// Adds a signed contract; `amount` a decimal string.
    #[uniffi::method(default(currency = None, title = None, deal_id = None))]
    pub async fn add_contract(
        self: Arc<Self>,
        customer_id: String,
        amount: String,
        signed_on: NaiveDate,
        currency: Option<String>,
        title: Option<String>,
        deal_id: Option<String>,
    ) -> Result<Contract> {
        self.call(move |s| {
            let amount = Money::parse(&amount, currency.as_deref().unwrap_or("CNY"))?;
            s.add_contract(doc::NewContract { customer_id, deal_id, title, amount, signed_on })
        })
        .await
        .map(Into::into)
    }

    /// Contract `id`.
    pub fn contract(&self, id: String) -> Result<Contract> {
        self.read(|s| s.contract(&id)).map(Into::into)
    }

    /// Live contracts, optionally of one customer; by signing day (latest first by default).
    #[uniffi::method(default(customer_id = None, options = None))]
    pub async fn list_contracts(
        self: Arc<Self>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<ContractRow>> {
        let page = ListOptions::page(options, Order::Descending)?;
        self.call(move |s| s.list_contracts_page(customer_id.as_deref(), &page)).await.map(rows)
    }

    /// Records a payment received against a contract (in its currency unless given);
    #[uniffi::method(default(currency = None))]
    pub async fn add_payment(
        self: Arc<Self>,
        contract_id: String,
        amount: String,
        received_on: NaiveDate,
        currency: Option<String>,
    ) -> Result<Payment> {
        self.call(move |s| s.add_payment(&contract_id, &amount, currency.as_deref(), received_on)).await.map(Into::into)
    }

    /// Payment `id`.
    pub fn payment(&self, id: String) -> Result<Payment> {
        self.read(|s| s.payment(&id)).map(Into::into)
    }

    /// Live payments, optionally against one contract; by day received (latest first by
    /// default).
    #[uniffi::method(default(contract_id = None, options = None))]
    pub async fn list_payments(
        self: Arc<Self>,
        contract_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<PaymentRow>> {
        let page = ListOptions::page(options, Order::Descending)?;
        self.call(move |s| s.list_payments_page(contract_id.as_deref(), &page)).await.map(rows)
    }

    /// Marks a record deleted (it stays, and can be restored).
    pub async fn delete(self: Arc<Self>, kind: RecordKind, id: String) -> Result<()> {
        self.call(move |s| s.delete(kind.into(), &id).map(|_| ())).await
    }

    /// Restores a deleted record.
    pub async fn restore(self: Arc<Self>, kind: RecordKind, id: String) -> Result<()> {
        self.call(move |s| s.restore(kind.into(), &id).map(|_| ())).await
    }
}
