//! `C391 unused-waiver`: a waiver that matches no finding.

ward_lang::declare_codes! {
    /// ## What it checks
    /// A `waive` declaration for which the named rule reports nothing on the named subject.
    ///
    /// ## Why it matters
    /// Either the problem was fixed (good: the waiver is now noise that hides nothing but
    /// confuses reviewers) or the waiver names the wrong rule or subject, and the finding it
    /// was meant to accept is still reported. Keeping the list of accepted risks exact is part
    /// of demonstrating compliance (accountability, Art. 5(2)).
    ///
    /// ## How to fix
    /// Delete the waiver, or correct its rule name or subject so it matches the finding's
    /// fingerprint (shown as `fingerprint` in `ward check --format json`).
    CODE = ("C391", "unused-waiver", Warning, "a waiver matches no finding");
}
