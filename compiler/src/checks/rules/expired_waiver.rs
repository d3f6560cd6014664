//! `C390 expired-waiver`: a waiver whose `until` date has passed.

ward_lang::declare_codes! {
    /// ## What it checks
    /// A `waive` declaration whose `until` date lies in the past. The date is inclusive: a
    /// waiver `until 2027-03-31` still applies on 31 March 2027 and has expired on 1 April.
    ///
    /// ## Why it matters
    /// A waiver records that the controller knowingly accepted a risk for a limited time, with
    /// an owner (accountability, Art. 5(2) GDPR and Art. 24). When the time is up the risk must
    /// be reviewed again; silently keeping it accepted defeats the point of the expiry.
    /// An expired waiver applies to nothing, so the finding it waived is reported again too.
    ///
    /// ## How to fix
    /// Fix the underlying finding and delete the waiver, or have its owner review it and set a
    /// new `until` date.
    ///
    /// ## Example
    /// ```ward
    /// waive unencrypted-personal-data on flow legacy -> crm.sync until 2025-03-31 {
    ///   reason "CRM migration, ticket OPS-123"  owner "dpo@shop.example"
    /// }
    /// ```
    CODE = ("C390", "expired-waiver", Error, "a waiver's expiry date has passed");
}
