//! Purposes (with their Art. 6(1) basis), data classes and masking strategies.

use ward_lang::Diagnostic;
use ward_lang::ast::{self, Ident, MaskValue};
use ward_lang::diag::suggest::closest;

use super::{Resolver, index, list_names, sorted_unique};
use crate::model::codes;
use crate::model::{
    ClassId, DataClass, LawfulBasis, MaskSpec, MaskStrategy, Purpose, PurposeId, Spanned,
};

/// Every masking strategy, by name (sorted).
const STRATEGIES: [&str; 7] = [
    "generalize",
    "hash",
    "nullify",
    "partial",
    "partial_email",
    "redact",
    "tokenize",
];

/// What `generalize(to = ...)` can reduce a value to.
const GENERALIZE_TO: [&str; 3] = ["month", "region", "year"];

/// Declares the purposes, sorted by name.
pub(super) fn resolve_purposes<'a>(cx: &mut Resolver<'a>, decls: &[&'a ast::PurposeDecl]) {
    let unique = sorted_unique(
        cx,
        decls.to_vec(),
        |p| p.name.text.as_str(),
        |p| p.name.span,
        |p| format!("purpose `{}`", p.name.text),
    );
    cx.names.purposes.reserve(unique.len());
    for decl in unique {
        cx.names
            .purposes
            .insert(&decl.name.text, PurposeId(index(cx.model.purposes.len())));
        let basis = decl.basis.as_ref().and_then(|b| lawful_basis(cx, b));
        cx.model.purposes.push(Purpose {
            name: decl.name.text.clone(),
            name_span: decl.name.span,
            basis,
            description: decl.description.as_ref().map(|d| d.value.clone()),
            span: decl.span,
        });
    }
}

fn lawful_basis(cx: &mut Resolver<'_>, ident: &Ident) -> Option<Spanned<LawfulBasis>> {
    if let Some((basis, _, _)) = LawfulBasis::ALL
        .iter()
        .find(|(_, name, _)| *name == ident.text)
    {
        return Some(Spanned::new(*basis, ident.span));
    }
    let names = LawfulBasis::ALL.iter().map(|(_, name, _)| *name);
    let help = match closest(&ident.text, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "the lawful bases of GDPR Art. 6(1) are {}",
            list_names(names)
        ),
    };
    cx.report(
        Diagnostic::new(
            &codes::UNKNOWN_LAWFUL_BASIS,
            format!("unknown lawful basis `{}`", ident.text),
        )
        .at(ident.span, "not a lawful basis of GDPR Art. 6(1)")
        .with_help(help),
    );
    None
}

/// Declares the data classes, sorted by name, with their default masks.
pub(super) fn resolve_classes<'a>(cx: &mut Resolver<'a>, decls: &[&'a ast::DataDecl]) {
    let unique = sorted_unique(
        cx,
        decls.to_vec(),
        |d| d.name.text.as_str(),
        |d| d.name.span,
        |d| format!("data class `{}`", d.name.text),
    );
    cx.names.classes.reserve(unique.len());
    for decl in unique {
        cx.names
            .classes
            .insert(&decl.name.text, ClassId(index(cx.model.classes.len())));
        let mask = decl.mask.as_ref().and_then(|m| mask_spec(cx, m));
        cx.names
            .broken_masks
            .push(decl.mask.is_some() && mask.is_none());
        let mut subjects: Vec<Spanned<String>> = decl
            .subjects
            .iter()
            .map(|s| Spanned::new(s.text.clone(), s.span))
            .collect();
        subjects.sort_by(|a, b| a.value.cmp(&b.value).then(a.span.cmp(&b.span)));
        subjects.dedup_by(|later, first| later.value == first.value);
        cx.model.classes.push(DataClass {
            name: decl.name.text.clone(),
            name_span: decl.name.span,
            kind: decl.kind,
            kind_span: decl.kind_span,
            category: decl
                .category
                .as_ref()
                .map(|c| Spanned::new(c.text.clone(), c.span)),
            subjects,
            mask,
            span: decl.span,
        });
    }
}

/// Validates a masking strategy and its arguments. `None` for an unknown strategy; a known
/// strategy with bad arguments is reported and gets its default arguments.
pub(super) fn mask_spec(cx: &mut Resolver<'_>, decl: &ast::MaskStrategy) -> Option<MaskSpec> {
    let name = decl.name.text.as_str();
    let mut args = Args::new(cx, decl);
    let strategy = match name {
        "redact" => MaskStrategy::Redact,
        "nullify" => MaskStrategy::Nullify,
        "hash" => MaskStrategy::Hash,
        "tokenize" => MaskStrategy::Tokenize,
        "partial_email" => MaskStrategy::PartialEmail,
        "partial" => MaskStrategy::Partial {
            keep_first: args.number("keep_first").unwrap_or(0),
            keep_last: args.number("keep_last").unwrap_or(0),
            mask_char: args.character("mask_char").unwrap_or('*'),
        },
        "generalize" => MaskStrategy::Generalize {
            to: args.generalize_to().unwrap_or_else(|| "year".to_string()),
        },
        _ => {
            let help = match closest(name, STRATEGIES) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the masking strategies are {}", list_names(STRATEGIES)),
            };
            cx.report(
                Diagnostic::new(
                    &codes::UNKNOWN_MASK_STRATEGY,
                    format!("unknown masking strategy `{name}`"),
                )
                .at(decl.name.span, "not a masking strategy")
                .with_help(help),
            );
            return None;
        }
    };
    args.finish();
    Some(MaskSpec {
        strategy,
        span: decl.span,
    })
}

/// The arguments of one strategy, checked as the strategy asks for them.
struct Args<'c, 'r, 'd> {
    cx: &'c mut Resolver<'r>,
    decl: &'d ast::MaskStrategy,
    /// The argument names the strategy has asked for so far.
    accepted: Vec<&'static str>,
}

impl<'c, 'r, 'd> Args<'c, 'r, 'd> {
    fn new(cx: &'c mut Resolver<'r>, decl: &'d ast::MaskStrategy) -> Self {
        Args {
            cx,
            decl,
            accepted: Vec::new(),
        }
    }

    /// The value of argument `name`, reporting it if given more than once.
    fn get(&mut self, name: &'static str) -> Option<&'d ast::MaskArg> {
        self.accepted.push(name);
        let mut given = self.decl.args.iter().filter(|a| a.name.text == name);
        let first = given.next()?;
        for again in given {
            self.invalid(
                again.name.span,
                format!("argument `{name}` is given more than once"),
                "given again here",
                "keep one of them".to_string(),
            );
        }
        Some(first)
    }

    fn number(&mut self, name: &'static str) -> Option<u32> {
        let arg = self.get(name)?;
        match &arg.value {
            MaskValue::Number(raw) => match raw.text.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.invalid(
                        raw.span,
                        format!("`{}` is too large for `{name}`", raw.text),
                        "too large",
                        "a count of characters fits in 32 bits".to_string(),
                    );
                    None
                }
            },
            other => {
                let help = format!("write a number, for example `{name} = 4`");
                self.invalid(
                    value_span(other),
                    format!("`{name}` takes a number"),
                    "not a number",
                    help,
                );
                None
            }
        }
    }

    fn character(&mut self, name: &'static str) -> Option<char> {
        let arg = self.get(name)?;
        if let MaskValue::Str(s) = &arg.value {
            let mut chars = s.value.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                return Some(c);
            }
        }
        let help = format!("write one character in quotes, for example `{name} = \"*\"`");
        self.invalid(
            value_span(&arg.value),
            format!("`{name}` takes one character"),
            "not a one-character string",
            help,
        );
        None
    }

    fn generalize_to(&mut self) -> Option<String> {
        let Some(arg) = self.get("to") else {
            self.invalid(
                self.decl.span,
                "`generalize` needs the argument `to`".to_string(),
                "what to generalize to is missing",
                format!(
                    "write `generalize(to = year)`; `to` is one of {}",
                    list_names(GENERALIZE_TO)
                ),
            );
            return None;
        };
        let text = match &arg.value {
            MaskValue::Ident(i) => i.text.as_str(),
            MaskValue::Str(s) => s.value.as_str(),
            MaskValue::Number(_) => "",
        };
        if GENERALIZE_TO.contains(&text) {
            return Some(text.to_string());
        }
        let help = match closest(text, GENERALIZE_TO) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("`to` is one of {}", list_names(GENERALIZE_TO)),
        };
        self.invalid(
            value_span(&arg.value),
            "`generalize` cannot generalize to this".to_string(),
            "not `year`, `month` or `region`",
            help,
        );
        None
    }

    /// Reports every argument the strategy did not ask for.
    fn finish(self) {
        let strategy = self.decl.name.text.as_str();
        for arg in &self.decl.args {
            let name = arg.name.text.as_str();
            if self.accepted.contains(&name) {
                continue;
            }
            let help = if self.accepted.is_empty() {
                format!("`{strategy}` takes no arguments: write `{strategy}`")
            } else {
                match closest(name, self.accepted.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "`{strategy}` takes {}",
                        list_names(self.accepted.iter().copied())
                    ),
                }
            };
            self.cx.report(
                Diagnostic::new(
                    &codes::INVALID_MASK_ARGUMENT,
                    format!("`{strategy}` has no argument `{name}`"),
                )
                .at(arg.name.span, "unknown argument")
                .with_help(help),
            );
        }
    }

    fn invalid(&mut self, span: ward_lang::Span, message: String, label: &str, help: String) {
        self.cx.report(
            Diagnostic::new(&codes::INVALID_MASK_ARGUMENT, message)
                .at(span, label)
                .with_help(help),
        );
    }
}

fn value_span(value: &MaskValue) -> ward_lang::Span {
    match value {
        MaskValue::Number(raw) => raw.span,
        MaskValue::Str(s) => s.span,
        MaskValue::Ident(i) => i.span,
    }
}
