//! Any record, dispatched on the document's kind.

use serde::Serialize;

use super::{
    Contract, Customer, Deal, Directory, Doc, Followup, Header, Kind, Payment, Plan, Published, Report, ValidationError,
};

/// A typed view of any record kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Record {
    Customer(Customer),
    Deal(Deal),
    Followup(Followup),
    Contract(Contract),
    Payment(Payment),
    Report(Box<Report>),
    Plan(Plan),
    /// The team configuration or a KPI snapshot, authored by the server.
    Published(Box<Published>),
    /// The team directory, authored by the server.
    Directory(Box<Directory>),
}

impl Record {
    /// Reads the document as whatever kind its header names.
    pub fn read(doc: &Doc) -> Result<Record, ValidationError> {
        Ok(match Header::read(doc)?.kind {
            Kind::Customer => Record::Customer(Customer::read(doc)?),
            Kind::Deal => Record::Deal(Deal::read(doc)?),
            Kind::Followup => Record::Followup(Followup::read(doc)?),
            Kind::Contract => Record::Contract(Contract::read(doc)?),
            Kind::Payment => Record::Payment(Payment::read(doc)?),
            Kind::Report => Record::Report(Box::new(Report::read(doc)?)),
            Kind::Plan => Record::Plan(Plan::read(doc)?),
            Kind::Config | Kind::Snapshot => Record::Published(Box::new(Published::read(doc)?)),
            Kind::Directory => Record::Directory(Box::new(Directory::read(doc)?)),
        })
    }

    /// The record's own validation.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Record::Customer(r) => r.validate(),
            Record::Deal(r) => r.validate(),
            Record::Followup(r) => r.validate(),
            Record::Contract(r) => r.validate(),
            Record::Payment(r) => r.validate(),
            Record::Report(r) => r.validate(),
            Record::Plan(r) => r.validate(),
            Record::Published(r) => r.validate(),
            Record::Directory(r) => r.validate(),
        }
    }

    /// The common header.
    pub fn header(&self) -> &Header {
        match self {
            Record::Customer(r) => &r.header,
            Record::Deal(r) => &r.header,
            Record::Followup(r) => &r.header,
            Record::Contract(r) => &r.header,
            Record::Payment(r) => &r.header,
            Record::Report(r) => &r.header,
            Record::Plan(r) => &r.header,
            Record::Published(r) => &r.header,
            Record::Directory(r) => &r.header,
        }
    }
}
