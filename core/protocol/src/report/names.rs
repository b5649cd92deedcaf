//! People's names for their ids, wherever a person reads about people: renderings, comments,
//! read receipts, alerts, lists. An id nobody is named for reads as itself (a member the
//! directory does not know yet), never as nothing.

use std::collections::HashMap;

/// Names by user id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(HashMap<String, String>);

impl Names {
    pub fn insert(&mut self, id: String, name: String) {
        self.0.insert(id, name);
    }

    /// The name of `id`, when known.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.0.get(id).map(String::as_str)
    }

    /// The name of `id`, or `id` itself when unknown.
    pub fn of(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// Names of several ids, joined with `sep`.
    pub fn join(&self, ids: &[String], sep: &str) -> String {
        ids.iter().map(|i| self.of(i)).collect::<Vec<_>>().join(sep)
    }
}

impl FromIterator<(String, String)> for Names {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Names {
        Names(iter.into_iter().collect())
    }
}
