//! Local writes: every create and edit is one immediate transaction that saves the document and
//! its projection together, after the new state passed validation. Nothing is written otherwise.

use chrono::NaiveDate;
use rusqlite::OptionalExtension;

use super::{documents, projection, Store};
use crate::doc::{
    ContactChange, Contract, Customer, CustomerEdit, Deal, DealEdit, Doc, Followup, FollowupEdit, FollowupText, Header,
    Kind, NewContract, NewCustomer, NewDeal, NewFollowup, NewPayment, Payment, Record, Stage, SCHEMA_VERSION,
};
use crate::error::{Error, Result};
use crate::ids::{new_id, parse_id};
use crate::money::Money;

type AmResult = std::result::Result<(), automerge::AutomergeError>;

/// A deal's edit as a person types it: the amount as text, in the deal's own currency unless
/// another is given with it. Every front end edits deals through this, so they agree on the rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealChange {
    pub title: Option<String>,
    /// `1500.50`, `1,500.50`…
    pub amount: Option<String>,
    /// An ISO 4217 code for the amount (`USD`); only with an amount.
    pub currency: Option<String>,
    pub expected_close: Option<NaiveDate>,
    pub lost_reason: Option<String>,
}

/// Saves a new record's document and projection inside `tx`.
pub(super) fn save_new(tx: &rusqlite::Connection, doc: &mut Doc, record: &Record, now: i64) -> Result<()> {
    let h = record.header();
    documents::save(tx, &h.id, h.kind, doc, true, now)?;
    projection::upsert(tx, record)
}

/// Refuses a splice that reaches outside `text` (indices in Unicode scalar values).
pub(super) fn check_splice(what: &str, text: &str, index: usize, delete: usize) -> Result<()> {
    let len = text.chars().count();
    if index > len || delete > len - index {
        return Err(Error::bad_input(format!(
            "splice at {index} deleting {delete} is outside {what}, which has {len} characters"
        )));
    }
    Ok(())
}

impl Store {
    /// Creates a record of `kind` owned by this device's user: `view` is the record as it will
    /// read, validated before anything is built; `write` writes it into a new document.
    pub(super) fn create(
        &mut self,
        kind: Kind,
        view: impl FnOnce(&Header) -> Record,
        write: impl FnOnce(&mut Doc, &Header) -> AmResult,
    ) -> Result<Record> {
        let (mut doc, record) = self.prepare_new(kind, view, write)?;
        let now = self.now_ms();
        let tx = self.write_tx()?;
        save_new(&tx, &mut doc, &record, now)?;
        tx.commit()?;
        Ok(record)
    }

    /// The document and view of a new record of `kind` (see [`Store::create`]), validated and
    /// not yet saved: for a write that saves it together with another change.
    pub(super) fn prepare_new(
        &mut self,
        kind: Kind,
        view: impl FnOnce(&Header) -> Record,
        write: impl FnOnce(&mut Doc, &Header) -> AmResult,
    ) -> Result<(Doc, Record)> {
        let me = self.identity()?;
        let now = self.now_ms();
        let header = Header {
            kind,
            id: new_id(),
            team: me.team_id.clone(),
            owner: me.user_id.clone(),
            created_at: now,
            schema: SCHEMA_VERSION,
            deleted: false,
        };
        let record = view(&header);
        record.validate()?;
        let mut doc = Doc::empty(&me.actor_id()?);
        write(&mut doc, &header)?;
        doc.commit(now);
        // Reading the document back costs as much as the SQLite write; tests (debug builds) check
        // on every create that the document reads back exactly as the view says.
        debug_assert_eq!(Record::read(&doc).as_ref(), Ok(&record), "the new document reads back as its view");
        Ok((doc, record))
    }

    /// Changes record `id` of `kind`. `change` may refuse (its error is returned and nothing is
    /// written). When the change leaves the document as it was, nothing is written either.
    pub(super) fn update(
        &mut self,
        kind: Kind,
        id: &str,
        change: impl FnOnce(&mut Doc) -> Result<()>,
    ) -> Result<Record> {
        self.update_with(kind, id, |_, doc| change(doc))
    }

    /// [`Store::update`], with the transaction handed to `change` too, for what must be written
    /// with the change or not at all (an attachment's bytes).
    pub(super) fn update_with(
        &mut self,
        kind: Kind,
        id: &str,
        change: impl FnOnce(&rusqlite::Connection, &mut Doc) -> Result<()>,
    ) -> Result<Record> {
        if kind.is_published() {
            return Err(Error::bad_input(format!("{kind} documents are authored by the server and read-only here")));
        }
        let id = parse_id(kind.as_str(), id)?;
        let actor = self.identity()?.actor_id()?;
        let now = self.now_ms();
        let tx = self.write_tx()?;
        let mut doc = documents::load(&tx, &id, Some(kind))?;
        doc.set_actor(&actor);
        change(&tx, &mut doc)?;
        let changed = doc.commit(now);
        let record = Record::read(&doc).map_err(|e| Error::Corrupt { id: id.clone(), reason: e.to_string() })?;
        if changed {
            record.validate()?;
            documents::save(&tx, &id, kind, &mut doc, true, now)?;
            projection::upsert(&tx, &record)?;
            tx.commit()?;
        }
        Ok(record)
    }

    /// Fails with NotFound unless a live (not deleted) record `id` exists in projection `table`.
    pub(super) fn require_live(&self, table: &str, kind: &'static str, id: &str) -> Result<String> {
        let id = parse_id(kind, id)?;
        let sql = format!("SELECT 1 FROM {table} WHERE id = ?1 AND deleted = 0");
        match self.conn.query_row(&sql, [&id], |_| Ok(())).optional()? {
            Some(()) => Ok(id),
            None => Err(Error::NotFound { kind, id }),
        }
    }

    /// Adds a customer.
    pub fn add_customer(&mut self, new: NewCustomer) -> Result<Customer> {
        typed!(
            self.create(
                Kind::Customer,
                |h| Record::Customer(Customer::view(h, &new)),
                |d, h| Customer::create(d, h, &new)
            )?,
            Customer
        )
    }

    /// Edits a customer's fields.
    pub fn edit_customer(&mut self, id: &str, edit: CustomerEdit) -> Result<Customer> {
        typed!(self.update(Kind::Customer, id, |d| Ok(Customer::edit(d, &edit)?))?, Customer)
    }

    /// Adds, edits or removes one of a customer's contacts.
    pub fn change_contact(&mut self, customer_id: &str, change: ContactChange) -> Result<Customer> {
        typed!(self.update(Kind::Customer, customer_id, |d| Ok(Customer::change_contact(d, &change)?))?, Customer)
    }

    /// Adds a deal for an existing customer.
    pub fn add_deal(&mut self, mut new: NewDeal) -> Result<Deal> {
        new.customer_id = self.require_live("customers", "customer", &new.customer_id)?;
        typed!(self.create(Kind::Deal, |h| Record::Deal(Deal::view(h, &new)), |d, h| Deal::create(d, h, &new))?, Deal)
    }

    /// Moves a deal to `stage`, recording when.
    pub fn set_deal_stage(&mut self, id: &str, stage: Stage) -> Result<Deal> {
        let now = self.now_ms();
        typed!(self.update(Kind::Deal, id, |d| Ok(Deal::set_stage(d, stage, now)?))?, Deal)
    }

    /// Edits a deal's fields.
    pub fn edit_deal(&mut self, id: &str, edit: DealEdit) -> Result<Deal> {
        typed!(self.update(Kind::Deal, id, |d| Ok(Deal::edit(d, &edit)?))?, Deal)
    }

    /// Edits deal `id` as a person typed the change ([`DealChange`]): an amount is read in the
    /// deal's currency, or in the currency given with it; a currency alone is refused.
    pub fn change_deal(&mut self, id: &str, change: DealChange) -> Result<Deal> {
        let amount = match (&change.amount, &change.currency) {
            (Some(amount), currency) => {
                let currency = match currency {
                    Some(c) => c.clone(),
                    // The deal's own currency, from its row (the edit loads the document once).
                    None => {
                        let id = parse_id("deal", id)?;
                        self.conn
                            .query_row("SELECT currency FROM deals WHERE id = ?1", [&id], |r| r.get(0))
                            .optional()?
                            .ok_or(Error::NotFound { kind: "deal", id })?
                    }
                };
                Some(Money::parse(amount, &currency)?)
            }
            (None, Some(_)) => {
                return Err(Error::bad_input("a currency goes with an amount: give the amount in that currency"))
            }
            (None, None) => None,
        };
        let edit = DealEdit {
            title: change.title,
            amount,
            expected_close: change.expected_close,
            lost_reason: change.lost_reason,
        };
        self.edit_deal(id, edit)
    }

    /// Logs a followup with an existing customer (and, when given, one of that customer's deals).
    pub fn log_followup(&mut self, new: NewFollowup) -> Result<Followup> {
        let (mut doc, record) = self.prepare_followup(new)?;
        let now = self.now_ms();
        let tx = self.write_tx()?;
        save_new(&tx, &mut doc, &record, now)?;
        tx.commit()?;
        typed!(record, Followup)
    }

    /// A new followup's document and view, checked (its customer and deal live, the deal the
    /// customer's) and measured (the check-in's distance), not yet saved.
    pub(super) fn prepare_followup(&mut self, mut new: NewFollowup) -> Result<(Doc, Record)> {
        new.customer_id = self.require_live("customers", "customer", &new.customer_id)?;
        if let Some(deal) = &new.deal_id {
            let deal = self.require_live("deals", "deal", deal)?;
            let owner_customer: String =
                self.conn.query_row("SELECT customer_id FROM deals WHERE id = ?1", [&deal], |r| r.get(0))?;
            if owner_customer != new.customer_id {
                return Err(Error::bad_input(format!(
                    "deal {deal} belongs to another customer than {}",
                    new.customer_id
                )));
            }
            new.deal_id = Some(deal);
        }
        // The check-in's distance from the customer as located now (from the projection, not the
        // document): evidence, kept in the record.
        let place: Option<(f64, f64)> = match &new.checkin {
            Some(_) => self
                .conn
                .prepare_cached("SELECT lat, lon FROM customers WHERE id = ?1")?
                .query_row([&new.customer_id], |r| Ok(r.get::<_, Option<f64>>(0)?.zip(r.get::<_, Option<f64>>(1)?)))?,
            None => None,
        };
        let metres = new.checkin.as_ref().zip(place).map(|(c, p)| crate::doc::distance_m((c.lat, c.lon), p));
        self.prepare_new(
            Kind::Followup,
            |h| Record::Followup(Followup { checkin_metres: metres, ..Followup::view(h, &new) }),
            |d, h| {
                Followup::create(d, h, &new)?;
                match metres {
                    Some(m) => Followup::record_checkin_metres(d, m),
                    None => Ok(()),
                }
            },
        )
    }

    /// Edits a followup; new note and next-step texts are applied as minimal splices.
    pub fn edit_followup(&mut self, id: &str, edit: FollowupEdit) -> Result<Followup> {
        typed!(self.update(Kind::Followup, id, |d| Ok(Followup::edit(d, &edit)?))?, Followup)
    }

    /// Splices a followup's note or next step: at `index` (Unicode scalar values) delete
    /// `delete` characters and insert `insert`.
    pub fn splice_followup(
        &mut self,
        id: &str,
        field: FollowupText,
        index: usize,
        delete: usize,
        insert: &str,
    ) -> Result<Followup> {
        let record = self.update(Kind::Followup, id, |d| {
            let f = Followup::read(d)?;
            let text = match field {
                FollowupText::Note => &f.note,
                FollowupText::NextStep => &f.next_step,
            };
            check_splice("the text", text, index, delete)?;
            Ok(Followup::splice(d, field, index, delete, insert)?)
        })?;
        typed!(record, Followup)
    }

    /// Adds a contract for an existing customer (and optionally one of its deals).
    pub fn add_contract(&mut self, mut new: NewContract) -> Result<Contract> {
        new.customer_id = self.require_live("customers", "customer", &new.customer_id)?;
        if let Some(deal) = &new.deal_id {
            new.deal_id = Some(self.require_live("deals", "deal", deal)?);
        }
        typed!(
            self.create(
                Kind::Contract,
                |h| Record::Contract(Contract::view(h, &new)),
                |d, h| Contract::create(d, h, &new)
            )?,
            Contract
        )
    }

    /// Records a payment received against an existing contract. Without a currency, the
    /// contract's is used.
    pub fn add_payment(
        &mut self,
        contract_id: &str,
        amount: &str,
        currency: Option<&str>,
        received_on: NaiveDate,
    ) -> Result<Payment> {
        let contract_id = self.require_live("contracts", "contract", contract_id)?;
        let (customer_id, contract_currency): (String, String) =
            self.conn.query_row("SELECT customer_id, currency FROM contracts WHERE id = ?1", [&contract_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let amount = Money::parse(amount, currency.unwrap_or(&contract_currency))?;
        let new = NewPayment { contract_id, customer_id, amount, received_on };
        typed!(
            self.create(
                Kind::Payment,
                |h| Record::Payment(Payment::view(h, &new)),
                |d, h| Payment::create(d, h, &new)
            )?,
            Payment
        )
    }

    /// Soft-deletes record `id` of `kind`: it leaves lists and KPIs and can be restored.
    pub fn delete(&mut self, kind: Kind, id: &str) -> Result<Record> {
        self.update(kind, id, |d| Ok(d.set_deleted(true)?))
    }

    /// Restores a soft-deleted record.
    pub fn restore(&mut self, kind: Kind, id: &str) -> Result<Record> {
        self.update(kind, id, |d| Ok(d.set_deleted(false)?))
    }
}
