//! What customer search matches besides the name: the address, the tags, and the name in pinyin,
//! whole and by initials, so that a rep typing on a phone keyboard finds 上海华为 with "hw",
//! "huawei" or "shanghai".

use pinyin::ToPinyin;

use crate::doc::Customer;

/// The lower-case text a customer's search matches (stored in `customers.search`).
pub(crate) fn customer_search_text(c: &Customer) -> String {
    let mut whole = String::new();
    let mut initials = String::new();
    for ch in c.name.chars() {
        match ch.to_pinyin() {
            Some(p) => {
                whole.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if ch.is_alphanumeric() => {
                for l in ch.to_lowercase() {
                    whole.push(l);
                    initials.push(l);
                }
            }
            None => {}
        }
    }
    let mut parts = vec![whole, initials];
    parts.extend(c.address.iter().map(|a| a.to_lowercase()));
    parts.extend(c.tags.iter().map(|t| t.to_lowercase()));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Header, Kind};

    #[test]
    fn names_are_found_by_pinyin_and_initials_address_and_tags() {
        let c = Customer {
            header: Header {
                kind: Kind::Customer,
                id: "c1".into(),
                team: "t".into(),
                owner: "u".into(),
                created_at: 0,
                schema: 1,
                deleted: false,
            },
            name: "上海华为A座".into(),
            level: None,
            contacts: Vec::new(),
            address: Some("浦东新区".into()),
            location: None,
            tags: vec!["VIP".into()],
        };
        let s = customer_search_text(&c);
        for want in ["shanghaihuaweia", "shhwa", "hw", "huawei", "浦东", "vip"] {
            assert!(s.contains(want), "{want} in {s}");
        }
    }
}
