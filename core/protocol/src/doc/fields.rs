//! Small typed accessors over Automerge maps, shared by the per-kind views.
//!
//! Readers are lenient (a missing or mistyped field reads as absent) so that validation, not
//! decoding, decides whether a record is acceptable.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef};

use super::Doc;

type R<T = ()> = Result<T, AutomergeError>;

fn scalar(doc: &Doc, obj: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.map_get(obj, key) {
        Some((Value::Scalar(s), _)) => Some(s.into_owned()),
        _ => None,
    }
}

pub(crate) fn str(doc: &Doc, obj: &ObjId, key: &str) -> Option<String> {
    match scalar(doc, obj, key)? {
        ScalarValue::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

pub(crate) fn i64(doc: &Doc, obj: &ObjId, key: &str) -> Option<i64> {
    match scalar(doc, obj, key)? {
        ScalarValue::Int(i) => Some(i),
        ScalarValue::Uint(u) => i64::try_from(u).ok(),
        ScalarValue::Timestamp(t) => Some(t),
        _ => None,
    }
}

pub(crate) fn f64(doc: &Doc, obj: &ObjId, key: &str) -> Option<f64> {
    match scalar(doc, obj, key)? {
        ScalarValue::F64(f) => Some(f),
        ScalarValue::Int(i) => Some(i as f64),
        _ => None,
    }
}

pub(crate) fn bool(doc: &Doc, obj: &ObjId, key: &str) -> Option<bool> {
    match scalar(doc, obj, key)? {
        ScalarValue::Boolean(b) => Some(b),
        _ => None,
    }
}

/// The object (map, list, text) stored at `key`, if any.
pub(crate) fn obj(doc: &Doc, parent: &ObjId, key: &str) -> Option<(ObjId, ObjType)> {
    match doc.map_get(parent, key) {
        Some((Value::Object(t), id)) => Some((id, t)),
        _ => None,
    }
}

/// The content of a text field, or of a plain string stored there; empty when absent.
pub(crate) fn text(doc: &Doc, parent: &ObjId, key: &str) -> String {
    match obj(doc, parent, key) {
        Some((id, ObjType::Text)) => doc.am().text(&id).unwrap_or_default(),
        _ => str(doc, parent, key).unwrap_or_default(),
    }
}

/// Strings of a list field.
pub(crate) fn str_list(doc: &Doc, parent: &ObjId, key: &str) -> Vec<String> {
    let Some((list, ObjType::List)) = obj(doc, parent, key) else { return Vec::new() };
    doc.am()
        .list_range(&list, ..)
        .filter_map(|i| match i.value {
            ValueRef::Scalar(ScalarValueRef::Str(s)) => Some(s.into_owned()),
            _ => None,
        })
        .collect()
}

/// The map objects of a list field, in order.
pub(crate) fn map_list(doc: &Doc, parent: &ObjId, key: &str) -> Vec<ObjId> {
    let Some((list, ObjType::List)) = obj(doc, parent, key) else { return Vec::new() };
    doc.am()
        .list_range(&list, ..)
        .filter_map(|i| match i.value {
            ValueRef::Object(ObjType::Map) => Some(i.id()),
            _ => None,
        })
        .collect()
}

pub(crate) fn put(doc: &mut Doc, obj: &ObjId, key: &str, v: impl Into<ScalarValue>) -> R {
    doc.am_mut().put(obj, key, v)
}

/// Puts `Some(v)` or deletes the key for `None`.
pub(crate) fn put_opt(doc: &mut Doc, obj: &ObjId, key: &str, v: Option<impl Into<ScalarValue>>) -> R {
    match v {
        Some(v) => put(doc, obj, key, v),
        None => {
            if doc.map_get(obj, key).is_some() {
                doc.am_mut().delete(obj, key)?;
            }
            Ok(())
        }
    }
}

/// Sets a collaborative text field: creates it on first use, and afterwards turns the whole new
/// text into the minimal splices against the current one, so that a concurrent edit elsewhere in
/// the same text survives the merge.
pub(crate) fn set_text(doc: &mut Doc, parent: &ObjId, key: &str, new: &str) -> R {
    match obj(doc, parent, key) {
        Some((id, ObjType::Text)) => doc.am_mut().update_text(&id, new),
        _ => {
            let id = doc.am_mut().put_object(parent, key, ObjType::Text)?;
            if !new.is_empty() {
                doc.am_mut().splice_text(&id, 0, 0, new)?;
            }
            Ok(())
        }
    }
}

/// Splices a text field at `index` (Unicode scalar values): deletes `delete` and inserts `insert`.
pub(crate) fn splice_text(doc: &mut Doc, parent: &ObjId, key: &str, index: usize, delete: usize, insert: &str) -> R {
    let id = match obj(doc, parent, key) {
        Some((id, ObjType::Text)) => id,
        _ => doc.am_mut().put_object(parent, key, ObjType::Text)?,
    };
    doc.am_mut().splice_text(&id, index, delete as isize, insert)
}

/// Replaces a list field with the given strings.
pub(crate) fn put_str_list(doc: &mut Doc, parent: &ObjId, key: &str, items: &[String]) -> R {
    let list = doc.am_mut().put_object(parent, key, ObjType::List)?;
    for (i, s) in items.iter().enumerate() {
        doc.am_mut().insert(&list, i, s.as_str())?;
    }
    Ok(())
}

/// A fresh map at `key` (replacing whatever was there).
pub(crate) fn put_map(doc: &mut Doc, parent: &ObjId, key: &str) -> R<ObjId> {
    doc.am_mut().put_object(parent, key, ObjType::Map)
}

/// The list at `key`, created when absent.
pub(crate) fn ensure_list(doc: &mut Doc, parent: &ObjId, key: &str) -> R<ObjId> {
    match obj(doc, parent, key) {
        Some((id, ObjType::List)) => Ok(id),
        _ => doc.am_mut().put_object(parent, key, ObjType::List),
    }
}

/// Appends a string to the list at `key` (created when absent).
pub(crate) fn append_str(doc: &mut Doc, parent: &ObjId, key: &str, value: &str) -> R {
    let list = ensure_list(doc, parent, key)?;
    let n = doc.am().length(&list);
    doc.am_mut().insert(&list, n, value)
}

/// Appends a new map to the list at `key` and returns it.
pub(crate) fn push_map(doc: &mut Doc, parent: &ObjId, key: &str) -> R<ObjId> {
    let list = ensure_list(doc, parent, key)?;
    let n = doc.am().length(&list);
    doc.am_mut().insert_object(&list, n, ObjType::Map)
}

/// Deletes element `index` of the list at `key`.
pub(crate) fn list_delete(doc: &mut Doc, parent: &ObjId, key: &str, index: usize) -> R {
    if let Some((list, ObjType::List)) = obj(doc, parent, key) {
        doc.am_mut().delete(&list, index)?;
    }
    Ok(())
}

/// Deletes the object `item` from the list at `key` (found by identity, not by position: a list
/// written by another device may hold entries that are not maps).
pub(crate) fn list_delete_obj(doc: &mut Doc, parent: &ObjId, key: &str, item: &ObjId) -> R {
    if let Some((list, ObjType::List)) = obj(doc, parent, key) {
        let at = doc.am().list_range(&list, ..).position(|i| i.id() == *item);
        if let Some(at) = at {
            doc.am_mut().delete(&list, at)?;
        }
    }
    Ok(())
}
