//! One module per rule, named after the rule's kebab-case name.

pub mod expired_waiver;
pub mod external_flow_without_purpose;
pub mod onward_transfer_without_basis;
pub mod sensitive_data_without_mtls;
pub mod sensitive_data_without_purpose;
pub mod store_without_purpose;
pub mod store_without_retention;
pub mod transfer_without_basis;
pub mod unencrypted_personal_data;
pub mod unknown_rule;
pub mod unused_port;
pub mod unused_waiver;
pub mod whole_host_without_management;
