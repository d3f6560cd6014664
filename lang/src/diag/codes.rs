//! The codes `lang` itself reports: files and syntax (`P0xxx`).
//!
//! Each doc comment is the user documentation `ward explain CODE` prints.

crate::declare_codes! {
    /// ## What it means
    /// The text does not follow the grammar of the ward language. The diagnostic points at the
    /// first token the parser could not accept and lists what it expected there.
    ///
    /// ## How to fix
    /// Compare the line with the language reference (`docs/language.md`). Common causes: a
    /// missing `}`, a keyword spelt wrongly, a port written without its protocol (`8443` instead
    /// of `8443/tcp`), or a list with a trailing comma.
    ///
    /// ## Example
    /// ```ward
    /// service checkout in aws:eu-central-1 { port api 8443 }   # missing `/tcp`
    /// ```
    SYNTAX_ERROR = ("P0001", "syntax-error", Error, "the text does not follow the grammar");

    /// ## What it means
    /// A policy file contains bytes that are not valid UTF-8. ward reads policies as UTF-8 text
    /// so that names and strings mean the same thing in every generated artifact.
    ///
    /// ## How to fix
    /// Re-save the file as UTF-8 (most editors: "Save with encoding"). The diagnostic points at
    /// the first invalid byte.
    NOT_UTF8 = ("P0002", "invalid-utf8", Error, "a policy file is not valid UTF-8");

    /// ## What it means
    /// The policy declares nothing: the files given contain no declarations, or the directory
    /// contains no `*.ward` files. An empty policy would compile to firewall rules that allow
    /// nothing and an empty record of processing, which is almost certainly a mistake (a wrong
    /// path in CI, for example).
    ///
    /// ## How to fix
    /// Check the path given to `ward`. A policy needs at least one declaration.
    EMPTY_POLICY = ("P0003", "empty-policy", Error, "the policy declares nothing");

    /// ## What it means
    /// A policy file is larger than ward accepts (512 MiB).
    ///
    /// ## How to fix
    /// Split the policy into several files in one directory: all `*.ward` files in a directory
    /// form one policy.
    FILE_TOO_LARGE = ("P0004", "file-too-large", Error, "a policy file is larger than ward accepts");

    /// ## What it means
    /// A string literal contains an escape sequence ward does not know. Strings accept `\"`,
    /// `\\`, `\n` and `\t`.
    ///
    /// ## How to fix
    /// Write the character itself (strings are UTF-8), or double the backslash.
    INVALID_ESCAPE = ("P0005", "invalid-escape", Error, "a string contains an unknown escape sequence");

    /// ## What it means
    /// A control character (such as a NUL byte, an escape character or a bidirectional-text
    /// override) appears in a policy file, comments included. Control characters can hide what a
    /// line really says in review ("Trojan Source", CVE-2021-42574) and have no place in names
    /// or strings that reach firewall rules and audit documents. ward rejects the C0 and C1
    /// control characters and DEL (tab, line feed and carriage return excepted) and the Unicode
    /// bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069).
    /// A file that contains one is not parsed further.
    ///
    /// ## How to fix
    /// Delete the character. Use `\n` or `\t` inside strings if a line break or tab is meant.
    CONTROL_CHARACTER = ("P0006", "control-character", Error, "the text contains a control character");

    /// ## What it means
    /// A name is longer than 128 characters. Names become nftables identifiers, SPIFFE IDs,
    /// SQL identifiers and report headings; all of these have length limits.
    ///
    /// ## How to fix
    /// Use a shorter name; put the long description in a string (`purpose x "..."`).
    NAME_TOO_LONG = ("P0007", "name-too-long", Error, "a name is longer than 128 characters");

    /// ## What it means
    /// An attribute that may appear once was written twice in the same declaration, for example
    /// two `category` attributes on one `data` declaration or two `retain` on one store.
    ///
    /// ## How to fix
    /// Keep one of them. The diagnostic points at both.
    REPEATED_ATTRIBUTE = ("P0008", "repeated-attribute", Error, "an attribute is written twice in one declaration");

    /// ## What it means
    /// ward's parser produced a syntax tree it did not expect while reading the policy. This is a
    /// bug in ward, not a mistake in the policy; the declaration it points at is left out.
    ///
    /// ## How to fix
    /// Please report it, with the declaration the diagnostic points at. Rewriting that
    /// declaration differently may work around it until it is fixed.
    INTERNAL_ERROR = ("P0009", "internal-error", Error, "ward could not read a declaration because of a bug in ward");
}
