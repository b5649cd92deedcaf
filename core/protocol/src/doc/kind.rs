//! What a document is, declared once: each kind's stored name and wire code, and whether members
//! or the server author it. [`Kind`] is every kind; [`RecordKind`] the ones a member writes
//! (the records an app deletes, restores and attaches files to). Apps see `Kind` as
//! `ChangedKind` (what changed) and its `Snapshot` as `Figures`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares [`Kind`] (members' kinds, then the server's) and [`RecordKind`] (members' kinds) from
/// one list of `Variant = "stored name" / wire code`.
macro_rules! kinds {
    (
        members { $( $(#[$m_meta:meta])* $m:ident = $m_word:literal / $m_code:literal, )+ }
        server { $( $(#[$s_meta:meta])* $s:ident = $s_word:literal / $s_code:literal, )+ }
    ) => {
        /// What a document is.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "ChangedKind"))]
        pub enum Kind {
            $( $(#[$m_meta])* $m, )+
            $( $(#[$s_meta])* $s, )+
        }

        /// A kind of record a member writes (never one the server authors).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        pub enum RecordKind {
            $( $(#[$m_meta])* $m, )+
        }

        impl Kind {
            /// Every kind, in a fixed order.
            pub const ALL: [Kind; [$($m_word,)+ $($s_word,)+].len()] = [$(Kind::$m,)+ $(Kind::$s,)+];

            /// Whether documents of this kind are authored only by the server.
            pub fn is_published(self) -> bool {
                matches!(self, $(Kind::$s)|+)
            }

            /// The stored name of the kind.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$m => $m_word,)+
                    $(Kind::$s => $s_word,)+
                }
            }

            /// The kind with stored name `s`.
            pub fn parse(s: &str) -> Option<Kind> {
                match s {
                    $($m_word => Some(Kind::$m),)+
                    $($s_word => Some(Kind::$s),)+
                    _ => None,
                }
            }

            /// The kind's code in the sync wire format.
            pub fn code(self) -> u8 {
                match self {
                    $(Kind::$m => $m_code,)+
                    $(Kind::$s => $s_code,)+
                }
            }

            /// The kind of wire code `code`.
            pub fn from_code(code: u8) -> Option<Kind> {
                match code {
                    $($m_code => Some(Kind::$m),)+
                    $($s_code => Some(Kind::$s),)+
                    _ => None,
                }
            }

            /// The member-written kind this is, if it is one.
            pub fn record_kind(self) -> Option<RecordKind> {
                match self {
                    $(Kind::$m => Some(RecordKind::$m),)+
                    _ => None,
                }
            }
        }

        impl RecordKind {
            /// Every kind a member writes.
            pub const ALL: [RecordKind; [$($m_word,)+].len()] = [$(RecordKind::$m,)+];
        }

        impl From<RecordKind> for Kind {
            fn from(k: RecordKind) -> Kind {
                match k {
                    $(RecordKind::$m => Kind::$m,)+
                }
            }
        }
    };
}

kinds! {
    members {
        Customer = "customer" / 1,
        Deal = "deal" / 2,
        Followup = "followup" / 3,
        Contract = "contract" / 4,
        Payment = "payment" / 5,
        Report = "report" / 6,
        /// A planned visit (拜访计划).
        Plan = "plan" / 10,
    }
    server {
        /// The team configuration (templates, KPIs, targets), authored by the server.
        Config = "config" / 7,
        /// A user's KPI snapshot (figures, alerts, read receipts), authored by the server.
        #[cfg_attr(feature = "uniffi", uniffi(name = "Figures"))]
        Snapshot = "snapshot" / 8,
        /// The team's members, authored by the server.
        Directory = "directory" / 9,
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Kind::from(*self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_read_back_and_members_kinds_are_the_records() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(Kind::from_code(k.code()), Some(k));
            assert_eq!(k.record_kind().is_some(), !k.is_published(), "{k}");
        }
        assert_eq!(Kind::from_code(0), None);
        assert_eq!(Kind::parse("nothing"), None);
        for r in RecordKind::ALL {
            assert_eq!(Kind::from(r).record_kind(), Some(r));
        }
        assert_eq!(serde_json::to_string(&Kind::Snapshot).unwrap(), "\"snapshot\"");
        assert_eq!(serde_json::to_string(&RecordKind::Followup).unwrap(), "\"followup\"");
    }
}
