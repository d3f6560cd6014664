//! `C392 unknown-rule`: a `severity` or `waive` declaration names no rule.

ward_lang::declare_codes! {
    /// ## What it checks
    /// A `severity` setting or a `waive` declaration that names a rule ward does not have, or
    /// a rule whose severity is set twice.
    ///
    /// ## Why it matters
    /// A misspelt rule name in a waiver would otherwise silently accept nothing, and a
    /// misspelt severity setting would leave the rule at its default. Either way the record
    /// of which risks the controller accepted (accountability, Art. 5(2) and Art. 24 GDPR)
    /// would not say what the policy author meant.
    ///
    /// ## How to fix
    /// Use a rule's kebab-case name as listed by `ward explain --list`; the diagnostic
    /// suggests the closest one.
    CODE = ("C392", "unknown-rule", Error, "a setting or waiver names a rule that does not exist");
}
