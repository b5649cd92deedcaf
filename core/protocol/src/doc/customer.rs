//! 客户 — a customer: name, level, contacts, address and location, tags.

use std::str::FromStr;

use automerge::ROOT;
use serde::{Deserialize, Serialize};

use super::geo::{read_point, validate_point, write_point};
use super::validation::{max_len, required, MAX_NAME, MAX_SHORT};
use super::{fields, Doc, Header, Kind, ValidationError};
use crate::error::Error;

const NAME: &str = "name";
const LEVEL: &str = "level";
const CONTACTS: &str = "contacts";
const ADDRESS: &str = "address";
const LOCATION: &str = "location";
const TAGS: &str = "tags";

/// Customer importance, A the highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Level {
    A,
    B,
    C,
}

impl Level {
    /// The stored letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::A => "A",
            Level::B => "B",
            Level::C => "C",
        }
    }
}

impl FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Ok(Level::A),
            "B" => Ok(Level::B),
            "C" => Ok(Level::C),
            _ => Err(Error::BadInput(format!("`{s}` is not a customer level (expected A, B or C)"))),
        }
    }
}

/// A person to talk to at the customer (联系人).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Contact {
    pub name: String,
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub title: Option<String>,
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub phone: Option<String>,
}

/// What a new customer starts with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub name: String,
    pub level: Option<Level>,
    pub contacts: Vec<Contact>,
    pub address: Option<String>,
    /// (lat, lon) in degrees.
    pub location: Option<(f64, f64)>,
    pub tags: Vec<String>,
}

/// A change to a customer's fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerEdit {
    pub name: Option<String>,
    pub level: Option<Level>,
    pub address: Option<String>,
    /// (lat, lon) in degrees: where a check-in is measured from.
    pub location: Option<(f64, f64)>,
    pub tags: Option<Vec<String>>,
}

/// A change to one of a customer's contacts (联系人).
#[derive(Debug, Clone, PartialEq)]
pub enum ContactChange {
    /// Appends a contact.
    Add(Contact),
    /// Changes the fields given of the contact at `index` (0-based); an empty text clears a field.
    Edit { index: usize, name: Option<String>, title: Option<String>, phone: Option<String> },
    /// Removes the contact at `index`.
    Remove { index: usize },
}

/// The typed view of a customer document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    #[serde(flatten)]
    pub header: Header,
    pub name: String,
    pub level: Option<Level>,
    pub contacts: Vec<Contact>,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
    pub tags: Vec<String>,
}

impl Customer {
    /// Writes a new customer document.
    pub fn create(doc: &mut Doc, header: &Header, new: &NewCustomer) -> Result<(), automerge::AutomergeError> {
        header.write(doc)?;
        fields::put(doc, &ROOT, NAME, new.name.trim())?;
        fields::put_opt(doc, &ROOT, LEVEL, new.level.map(Level::as_str))?;
        fields::put_opt(doc, &ROOT, ADDRESS, new.address.as_deref())?;
        if let Some((lat, lon)) = new.location {
            write_point(doc, &ROOT, LOCATION, lat, lon)?;
        }
        fields::put_str_list(doc, &ROOT, TAGS, &new.tags)?;
        fields::ensure_list(doc, &ROOT, CONTACTS)?;
        for c in &new.contacts {
            let m = fields::push_map(doc, &ROOT, CONTACTS)?;
            fields::put(doc, &m, NAME, c.name.as_str())?;
            fields::put_opt(doc, &m, "title", c.title.as_deref())?;
            fields::put_opt(doc, &m, "phone", c.phone.as_deref())?;
        }
        Ok(())
    }

    /// The view of a customer created from `new`, without reading the document back.
    pub fn view(header: &Header, new: &NewCustomer) -> Customer {
        Customer {
            header: header.clone(),
            name: new.name.trim().to_string(),
            level: new.level,
            contacts: new.contacts.clone(),
            address: new.address.clone(),
            location: new.location,
            tags: new.tags.clone(),
        }
    }

    /// Applies an edit.
    pub fn edit(doc: &mut Doc, edit: &CustomerEdit) -> Result<(), automerge::AutomergeError> {
        if let Some(n) = &edit.name {
            fields::put(doc, &ROOT, NAME, n.trim())?;
        }
        if let Some(l) = edit.level {
            fields::put(doc, &ROOT, LEVEL, l.as_str())?;
        }
        if let Some(a) = &edit.address {
            fields::put(doc, &ROOT, ADDRESS, a.as_str())?;
        }
        if let Some((lat, lon)) = edit.location {
            write_point(doc, &ROOT, LOCATION, lat, lon)?;
        }
        if let Some(t) = &edit.tags {
            fields::put_str_list(doc, &ROOT, TAGS, t)?;
        }
        Ok(())
    }

    /// Applies a change to the contacts; an index past the end is refused.
    pub fn change_contact(doc: &mut Doc, change: &ContactChange) -> Result<(), Error> {
        let contacts = fields::map_list(doc, &ROOT, CONTACTS);
        let at = |index: usize| {
            contacts.get(index).cloned().ok_or_else(|| {
                Error::bad_input(format!(
                    "this customer has {} contact(s); there is no contact {}",
                    contacts.len(),
                    index + 1
                ))
            })
        };
        match change {
            ContactChange::Add(c) => {
                let m = fields::push_map(doc, &ROOT, CONTACTS)?;
                fields::put(doc, &m, NAME, c.name.trim())?;
                fields::put_opt(doc, &m, "title", c.title.as_deref())?;
                fields::put_opt(doc, &m, "phone", c.phone.as_deref())?;
            }
            ContactChange::Edit { index, name, title, phone } => {
                let m = at(*index)?;
                if let Some(n) = name {
                    fields::put(doc, &m, NAME, n.trim())?;
                }
                for (key, value) in [("title", title), ("phone", phone)] {
                    match value.as_deref().map(str::trim) {
                        Some("") => fields::put_opt(doc, &m, key, None::<&str>)?,
                        Some(v) => fields::put(doc, &m, key, v)?,
                        None => {}
                    }
                }
            }
            ContactChange::Remove { index } => {
                let m = at(*index)?;
                fields::list_delete_obj(doc, &ROOT, CONTACTS, &m)?;
            }
        }
        Ok(())
    }

    /// Reads the typed view; fails only when the document is not a customer.
    pub fn read(doc: &Doc) -> Result<Customer, ValidationError> {
        let header = Header::read_kind(doc, Kind::Customer)?;
        let contacts = fields::map_list(doc, &ROOT, CONTACTS)
            .iter()
            .map(|m| Contact {
                name: fields::str(doc, m, NAME).unwrap_or_default(),
                title: fields::str(doc, m, "title"),
                phone: fields::str(doc, m, "phone"),
            })
            .collect();
        Ok(Customer {
            header,
            name: fields::str(doc, &ROOT, NAME).unwrap_or_default(),
            level: fields::str(doc, &ROOT, LEVEL).and_then(|l| l.parse().ok()),
            contacts,
            address: fields::str(doc, &ROOT, ADDRESS),
            location: read_point(doc, &ROOT, LOCATION),
            tags: fields::str_list(doc, &ROOT, TAGS),
        })
    }

    /// Checks required fields, lengths and coordinates.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        required(NAME, &self.name)?;
        max_len(NAME, &self.name, MAX_NAME)?;
        if let Some(a) = &self.address {
            max_len(ADDRESS, a, MAX_SHORT)?;
        }
        if let Some((lat, lon)) = self.location {
            validate_point(lat, lon)?;
        }
        if self.tags.len() > 50 {
            return Err(ValidationError::TooLong { field: TAGS, len: self.tags.len(), max: 50 });
        }
        for t in &self.tags {
            max_len("tag", t, 50)?;
        }
        if self.contacts.len() > 100 {
            return Err(ValidationError::TooLong { field: CONTACTS, len: self.contacts.len(), max: 100 });
        }
        for c in &self.contacts {
            required("contact name", &c.name)?;
            max_len("contact name", &c.name, MAX_NAME)?;
            max_len("contact title", c.title.as_deref().unwrap_or(""), MAX_NAME)?;
            max_len("contact phone", c.phone.as_deref().unwrap_or(""), 50)?;
        }
        Ok(())
    }
}
