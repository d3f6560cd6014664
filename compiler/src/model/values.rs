//! Validation of literal values: ports, ranges, addresses, durations, dates.
