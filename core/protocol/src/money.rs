//! Money as integer minor units plus an ISO 4217 currency code; never a float.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An amount of money: `minor` units (fen for CNY, cents for USD) of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units, never negative in a valid record.
    pub minor: i64,
    /// Upper-case ISO 4217 code, e.g. `CNY`.
    pub currency: String,
}

/// The largest amount a record may carry, in minor units: 10^14 (¥1,000,000,000,000.00, one
/// trillion yuan). Far above any contract, and low enough that tens of thousands of records at
/// the limit still sum within 64 bits and every total stays exact as a float below 2^53 for a
/// realistic team.
pub const MAX_MINOR: i64 = 100_000_000_000_000;

/// Currencies whose minor unit is not 1/100 of the major unit.
const ZERO_DECIMAL: &[&str] = &["JPY", "KRW", "VND", "CLP", "ISK", "UGX"];

/// How many decimal places `currency` has (2 unless it is a zero-decimal currency).
pub fn decimals(currency: &str) -> u32 {
    if ZERO_DECIMAL.contains(&currency) {
        0
    } else {
        2
    }
}

/// Checks a currency code: three ASCII letters, returned upper-cased.
pub fn parse_currency(code: &str) -> Result<String> {
    let code = code.trim();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(Error::bad_input(format!("`{code}` is not a currency code (expected three letters such as CNY)")))
    }
}

impl Money {
    /// Parses a decimal amount such as `12000.00`, `12,000.5` or `800` in `currency`.
    ///
    /// Refuses negative amounts, more decimals than the currency has, and anything that is not
    /// a plain decimal number (no exponents, no NaN).
    pub fn parse(amount: &str, currency: &str) -> Result<Money> {
        let currency = parse_currency(currency)?;
        let places = decimals(&currency);
        let bad = |why: &str| Error::bad_input(format!("`{amount}` is not a valid amount: {why}"));
        let text: String = amount.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
        if text.starts_with('-') {
            return Err(bad("amounts cannot be negative"));
        }
        let text = text.strip_prefix('+').unwrap_or(&text);
        let (int_part, frac_part) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad("expected digits such as 12000.00"));
        }
        if !int_part.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("expected digits such as 12000.00"));
        }
        if frac_part.len() > places as usize {
            return Err(bad(&format!("{currency} has {places} decimal places")));
        }
        let scale = 10i64.pow(places);
        let major: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| bad("too large"))? };
        let mut frac: i64 = if frac_part.is_empty() { 0 } else { frac_part.parse().map_err(|_| bad("too large"))? };
        for _ in frac_part.len()..places as usize {
            frac *= 10;
        }
        let minor = major.checked_mul(scale).and_then(|m| m.checked_add(frac)).ok_or_else(|| bad("too large"))?;
        if minor > MAX_MINOR {
            return Err(bad(&format!("amounts are at most {}", format_minor(MAX_MINOR, &currency))));
        }
        Ok(Money { minor, currency })
    }

    /// The amount as a decimal string with the currency's places, e.g. `12000.00`.
    pub fn to_decimal_string(&self) -> String {
        format_minor(self.minor, &self.currency)
    }
}

/// Formats `minor` units of `currency` as a decimal string (`1200000`, `CNY` → `12000.00`).
pub fn format_minor(minor: i64, currency: &str) -> String {
    let places = decimals(currency);
    if places == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(places);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale as u64, abs % scale as u64, width = places as usize)
}

/// The symbol people write before amounts of `currency`, if it has a common one.
fn symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "CNY" => "¥",
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "JP¥",
        "HKD" => "HK$",
        _ => return None,
    })
}

/// `minor` units of `currency` as people read money: the symbol and thousands separators
/// (`123450000`, `CNY` → `¥1,234,500.00`); a currency without a symbol keeps its code after the
/// amount (`1,234.50 SGD`).
pub fn display_minor(minor: i64, currency: &str) -> String {
    let plain = format_minor(minor, currency);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", plain.as_str()),
    };
    let (int, frac) = digits.split_once('.').map(|(i, f)| (i, Some(f))).unwrap_or((digits, None));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let amount = match frac {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    };
    match symbol(currency) {
        Some(s) => format!("{sign}{s}{amount}"),
        None => format!("{sign}{amount} {currency}"),
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_amounts_into_minor_units() {
        assert_eq!(Money::parse("12000.00", "CNY").unwrap().minor, 1_200_000);
        assert_eq!(Money::parse("12,000.5", "cny").unwrap().minor, 1_200_050);
        assert_eq!(Money::parse("800", "CNY").unwrap().minor, 80_000);
        assert_eq!(Money::parse(".5", "CNY").unwrap().minor, 50);
        assert_eq!(Money::parse("800", "JPY").unwrap().minor, 800);
        assert_eq!(Money::parse("0", "CNY").unwrap().minor, 0);
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in [
            "-1",
            "abc",
            "1.234",
            "1e5",
            "",
            ".",
            "NaN",
            "1.2.3",
            "99999999999999999999",
            "92233720368547758.07",
            "1000000000000.01",
        ] {
            assert!(Money::parse(bad, "CNY").is_err(), "{bad} should be refused");
        }
        assert!(Money::parse("1.5", "JPY").is_err());
        assert!(Money::parse("1", "RMB1").is_err());
    }

    #[test]
    fn displays_money_as_people_read_it() {
        assert_eq!(display_minor(123_450_000, "CNY"), "¥1,234,500.00");
        assert_eq!(display_minor(5, "CNY"), "¥0.05");
        assert_eq!(display_minor(100_000, "USD"), "$1,000.00");
        assert_eq!(display_minor(123_450, "SGD"), "1,234.50 SGD");
        assert_eq!(display_minor(-99_999, "CNY"), "-¥999.99");
        assert_eq!(display_minor(MAX_MINOR, "CNY"), "¥1,000,000,000,000.00");
    }

    #[test]
    fn formats_minor_units() {
        assert_eq!(format_minor(1_200_050, "CNY"), "12000.50");
        assert_eq!(format_minor(5, "CNY"), "0.05");
        assert_eq!(format_minor(700, "JPY"), "700");
        assert_eq!(Money::parse("3.07", "USD").unwrap().to_string(), "3.07 USD");
    }
}
