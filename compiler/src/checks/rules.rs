//! One module per rule, named after the rule's kebab-case name.

pub mod expired_waiver;
pub mod unencrypted_personal_data;
pub mod unknown_rule;
pub mod unused_waiver;
