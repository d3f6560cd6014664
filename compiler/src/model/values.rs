//! Validation of literal values: ports, ranges, addresses, durations, dates, and the interval
//! sweep that finds overlapping ports and hosts.
//!
//! Everything here is a pure function of text: the resolver turns the errors into diagnostics.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::date::DateError;
use crate::model::{PortRange, Retention, RetentionUnit};

/// Why a port number is not a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortError {
    /// `0`.
    Zero,
    /// Above 65535; `None` when the number does not even fit in 64 bits.
    TooLarge(Option<u64>),
    /// Not a decimal number (the grammar prevents this; kept for robustness).
    NotANumber,
}

/// Parses a port number `1..=65535`.
pub fn parse_port(text: &str) -> Result<u16, PortError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortError::NotANumber);
    }
    let Ok(n) = text.parse::<u64>() else {
        return Err(PortError::TooLarge(None));
    };
    match u16::try_from(n) {
        Ok(0) => Err(PortError::Zero),
        Ok(port) => Ok(port),
        Err(_) => Err(PortError::TooLarge(Some(n))),
    }
}

/// A port range that is valid number-wise but starts after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReversedRange {
    pub first: u16,
    pub last: u16,
}

/// Checks `first <= last`.
pub fn port_range(first: u16, last: u16) -> Result<PortRange, ReversedRange> {
    if first <= last {
        Ok(PortRange { first, last })
    } else {
        Err(ReversedRange { first, last })
    }
}

/// Why an address is not an address or network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// Not an IPv4 or IPv6 address.
    Syntax,
    /// The prefix is not a number.
    PrefixSyntax,
    /// The prefix is longer than the address (`/33` for IPv4).
    PrefixTooLong { prefix: u64, max: u8 },
    /// Host bits are set: `network` is what was probably meant.
    HostBits { network: IpNet },
}

/// Parses `198.18.1.0/24`, `fd00:1::/64` or a bare address (a single host: `/32` or `/128`).
pub fn parse_net(text: &str) -> Result<IpNet, AddressError> {
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| AddressError::Syntax)?;
    let Some(prefix) = prefix else {
        return Ok(IpNet::from(addr));
    };
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AddressError::PrefixSyntax);
    }
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix_value = prefix.parse::<u64>().unwrap_or(u64::MAX);
    let too_long = AddressError::PrefixTooLong {
        prefix: prefix_value,
        max,
    };
    let len = u8::try_from(prefix_value).map_err(|_| too_long.clone())?;
    let net = IpNet::new(addr, len).map_err(|_| too_long)?;
    let network = net.trunc();
    if network != net {
        return Err(AddressError::HostBits { network });
    }
    Ok(net)
}

/// The first and last address of a network as numbers, with its family (4 or 6), for sweeps.
pub fn net_bounds(net: &IpNet) -> (u8, u128, u128) {
    match net {
        IpNet::V4(v4) => (
            4,
            u128::from(u32::from(v4.network())),
            u128::from(u32::from(v4.broadcast())),
        ),
        IpNet::V6(v6) => (6, u128::from(v6.network()), u128::from(v6.broadcast())),
    }
}

/// Why a retention period is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetentionError {
    /// `0d`.
    Zero,
    /// More than 100 years.
    TooLong,
    /// The unit is not `d`, `w`, `mo` or `y`.
    UnknownUnit(String),
    /// No number before the unit, or one too large to hold.
    Number,
}

/// The longest retention accepted: 100 years.
pub const MAX_RETENTION_YEARS: u32 = 100;

/// Parses `90d`, `6w`, `18mo`, `7y`.
pub fn parse_retention(text: &str) -> Result<Retention, RetentionError> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let unit = match unit {
        "d" => RetentionUnit::Days,
        "w" => RetentionUnit::Weeks,
        "mo" => RetentionUnit::Months,
        "y" => RetentionUnit::Years,
        other => return Err(RetentionError::UnknownUnit(other.to_string())),
    };
    if number.is_empty() {
        return Err(RetentionError::Number);
    }
    let Ok(amount) = number.parse::<u32>() else {
        return Err(RetentionError::TooLong);
    };
    if amount == 0 {
        return Err(RetentionError::Zero);
    }
    let limit = match unit {
        RetentionUnit::Days => MAX_RETENTION_YEARS * 365 + MAX_RETENTION_YEARS / 4,
        RetentionUnit::Weeks => MAX_RETENTION_YEARS * 52 + MAX_RETENTION_YEARS / 6,
        RetentionUnit::Months => MAX_RETENTION_YEARS * 12,
        RetentionUnit::Years => MAX_RETENTION_YEARS,
    };
    if amount > limit {
        return Err(RetentionError::TooLong);
    }
    Ok(Retention { amount, unit })
}

/// The English name of a month (1-12).
pub fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    month
        .checked_sub(1)
        .and_then(|i| NAMES.get(i as usize))
        .copied()
        .unwrap_or("month")
}

/// Why `text` is not a date, in words (for a label).
pub fn describe_date_error(text: &str, error: &DateError) -> String {
    match error {
        DateError::Format => "dates are written `YYYY-MM-DD`".to_string(),
        DateError::Month(month) => format!("there is no month {month}"),
        DateError::Day { days_in_month, .. } => {
            let year = text.get(..4).unwrap_or("");
            let month = text
                .get(5..7)
                .and_then(|m| m.parse::<u32>().ok())
                .unwrap_or(0);
            format!("{} {year} has {days_in_month} days", month_name(month))
        }
    }
}

/// A closed interval `start..=end` in a group (protocol, address family) owned by `owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval<K> {
    pub group: u8,
    pub start: u128,
    pub end: u128,
    pub owner: K,
    /// The caller's index of the item, returned in overlap pairs.
    pub item: usize,
}

/// Finds intervals that intersect an interval of a different owner, in O(n log n).
///
/// Sorts by (group, start, end) and sweeps, remembering the interval reaching furthest and the
/// furthest-reaching one of any *other* owner, so that an interval overlapping several is
/// reported once (against the one reaching furthest), and intervals of the same owner never
/// hide an overlap with another. Returns `(later, earlier)` item pairs in sweep order.
pub fn overlaps<K: Copy + Eq>(intervals: &mut [Interval<K>]) -> Vec<(usize, usize)> {
    intervals.sort_by_key(|iv| (iv.group, iv.start, iv.end, iv.item));
    let mut found = Vec::new();
    // The furthest-reaching interval so far, and the furthest-reaching one of another owner.
    let mut best: Option<Interval<K>> = None;
    let mut other: Option<Interval<K>> = None;
    for &iv in intervals.iter() {
        if best.is_some_and(|b| b.group != iv.group) {
            best = None;
            other = None;
        }
        let against = match best {
            Some(b) if b.owner != iv.owner => Some(b),
            _ => other,
        };
        if let Some(a) = against.filter(|a| a.end >= iv.start) {
            found.push((iv.item, a.item));
        }
        match best {
            Some(b) if iv.end <= b.end => {
                if b.owner != iv.owner && other.is_none_or(|o| iv.end > o.end) {
                    other = Some(iv);
                }
            }
            Some(b) => {
                if b.owner != iv.owner {
                    other = Some(b);
                }
                best = Some(iv);
            }
            None => best = Some(iv),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port("8443"), Ok(8443));
        assert_eq!(parse_port("65535"), Ok(65535));
        assert_eq!(parse_port("0"), Err(PortError::Zero));
        assert_eq!(parse_port("65536"), Err(PortError::TooLarge(Some(65536))));
        assert_eq!(
            parse_port("99999999999999999999999"),
            Err(PortError::TooLarge(None))
        );
        assert_eq!(parse_port("12a"), Err(PortError::NotANumber));
        assert!(port_range(9100, 9101).is_ok());
        assert_eq!(
            port_range(9101, 9100),
            Err(ReversedRange {
                first: 9101,
                last: 9100
            })
        );
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_net("198.18.1.0/24").map(|n| n.to_string()),
            Ok("198.18.1.0/24".to_string())
        );
        assert_eq!(
            parse_net("198.18.1.5").map(|n| n.to_string()),
            Ok("198.18.1.5/32".to_string())
        );
        assert_eq!(
            parse_net("fd00:1::/64").map(|n| n.to_string()),
            Ok("fd00:1::/64".to_string())
        );
        assert_eq!(parse_net("fd00::1").map(|n| n.prefix_len()), Ok(128));
        assert_eq!(
            parse_net("198.18.1.5/24"),
            Err(AddressError::HostBits {
                network: "198.18.1.0/24".parse().unwrap()
            })
        );
        assert_eq!(
            parse_net("198.18.1.0/33"),
            Err(AddressError::PrefixTooLong {
                prefix: 33,
                max: 32
            })
        );
        assert_eq!(
            parse_net("fd00::/129"),
            Err(AddressError::PrefixTooLong {
                prefix: 129,
                max: 128
            })
        );
        assert!(matches!(
            parse_net("198.18.1.0/999999999999999999999"),
            Err(AddressError::PrefixTooLong { .. })
        ));
        assert_eq!(parse_net("300.1.1.1"), Err(AddressError::Syntax));
        assert_eq!(parse_net("1.2.3.4/"), Err(AddressError::PrefixSyntax));
    }

    #[test]
    fn retention() {
        assert_eq!(
            parse_retention("90d"),
            Ok(Retention {
                amount: 90,
                unit: RetentionUnit::Days
            })
        );
        assert_eq!(
            parse_retention("6mo"),
            Ok(Retention {
                amount: 6,
                unit: RetentionUnit::Months
            })
        );
        assert_eq!(
            parse_retention("100y"),
            Ok(Retention {
                amount: 100,
                unit: RetentionUnit::Years
            })
        );
        assert_eq!(parse_retention("101y"), Err(RetentionError::TooLong));
        assert_eq!(parse_retention("36525d").map(|r| r.amount), Ok(36525));
        assert_eq!(parse_retention("36526d"), Err(RetentionError::TooLong));
        assert_eq!(parse_retention("0d"), Err(RetentionError::Zero));
        assert_eq!(
            parse_retention("99999999999999y"),
            Err(RetentionError::TooLong)
        );
        assert_eq!(
            parse_retention("3h"),
            Err(RetentionError::UnknownUnit("h".to_string()))
        );
    }

    #[test]
    fn date_errors() {
        let err = crate::date::Date::parse("2027-02-30").unwrap_err();
        assert_eq!(
            describe_date_error("2027-02-30", &err),
            "February 2027 has 28 days"
        );
    }

    fn iv(group: u8, start: u128, end: u128, owner: u32, item: usize) -> Interval<u32> {
        Interval {
            group,
            start,
            end,
            owner,
            item,
        }
    }

    #[test]
    fn sweep_finds_overlaps_of_different_owners_only() {
        let mut items = vec![
            iv(4, 0, 100, 1, 0),
            iv(4, 10, 20, 2, 1),
            iv(4, 15, 16, 1, 2),
            iv(4, 101, 200, 3, 3),
            iv(6, 0, 100, 4, 4),
        ];
        assert_eq!(overlaps(&mut items), vec![(1, 0), (2, 1)]);
    }

    #[test]
    fn sweep_same_owner_does_not_hide_another() {
        // Owner 1 reaches furthest, owner 2 is still open when owner 3 starts.
        let mut items = vec![iv(0, 0, 50, 2, 0), iv(0, 1, 100, 1, 1), iv(0, 40, 45, 1, 2)];
        assert_eq!(overlaps(&mut items), vec![(1, 0), (2, 0)]);
    }
}
