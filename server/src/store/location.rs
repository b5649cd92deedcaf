//! Where a server keeps its data, and opening the backend that serves it. Each backend declares
//! the URL schemes it answers to (`sqlite::SCHEMES`, `postgres::SCHEMES`); this is the one place
//! that picks a backend for a URL, so the storage trait ([`super::Backend`]) names none.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{postgres, sqlite, Backend, Store, StoreError, StoreResult};

/// Where a server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A data directory holding the embedded SQLite database (`sqlite://DIR`).
    Dir(PathBuf),
    /// A PostgreSQL database (`postgres://…` or `postgresql://…`), shared by several servers.
    Postgres(String),
}

impl Location {
    /// `--database URL` when given, else the data directory.
    pub fn of(data: &Path, database: Option<&str>) -> StoreResult<Location> {
        match database.map(str::trim) {
            None | Some("") => Ok(Location::Dir(data.to_path_buf())),
            Some(url) => Location::url(url),
        }
    }

    /// The location a database URL names: `sqlite://DIR` or `postgres://user:password@host/db`.
    pub fn url(url: &str) -> StoreResult<Location> {
        let url = url.trim();
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some(s) if sqlite::SCHEMES.contains(&s) => Ok(Location::Dir(PathBuf::from(&url[s.len() + 3..]))),
            Some(s) if postgres::SCHEMES.contains(&s) => Ok(Location::Postgres(url.to_string())),
            _ => Err(StoreError::BadUrl(format!(
                "`{url}` is not a database URL (postgres://user:password@host:port/database; omit --database to use the data directory)"
            ))),
        }
    }

    /// Opens (creating or upgrading) the database here.
    pub fn open_backend(&self) -> StoreResult<Arc<dyn Backend>> {
        Ok(match self {
            Location::Dir(dir) => Arc::new(sqlite::SqliteBackend::open(dir)?),
            Location::Postgres(url) => Arc::new(postgres::PgBackend::open(url)?),
        })
    }
}

impl<E: From<StoreError>> Store<E> {
    /// Opens (creating or upgrading) the database at `location`.
    pub fn open(location: &Location) -> StoreResult<Store<E>> {
        Ok(Store::new(location.open_backend()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(Location::url("sqlite:///srv/fr").unwrap(), Location::Dir("/srv/fr".into()));
        let pg = "postgresql://fr:pw@db:5432/fieldreport";
        assert_eq!(Location::url(pg).unwrap(), Location::Postgres(pg.into()));
        assert_eq!(Location::of(Path::new("data"), None).unwrap(), Location::Dir("data".into()));
        assert!(matches!(Location::url("mysql://x"), Err(StoreError::BadUrl(_))));
        assert!(matches!(Location::url("/srv/fr"), Err(StoreError::BadUrl(_))));
    }
}
