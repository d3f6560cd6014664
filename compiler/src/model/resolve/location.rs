//! Locations: sites, service placements (provider regions and sites), countries and the
//! jurisdictions of transfers, all checked against the reference library.

use ward_lang::ast::{self, Ident, Location};
use ward_lang::diag::suggest::closest;
use ward_lang::{Diagnostic, Span};

use super::{Lookup, NameKind, Resolver, index, list_names, sorted_unique};
use crate::model::codes;
use crate::model::{Jurisdiction, Placement, PlacementKind, Site, SiteId, Spanned};
use crate::reference::{CountryCode, Provider, Reference};

/// Declares the sites, sorted by name. A site in an unknown country is reported and dropped;
/// services placed there are then skipped silently.
pub(super) fn resolve_sites<'a>(cx: &mut Resolver<'a>, decls: &[&'a ast::SiteDecl]) {
    let unique = sorted_unique(
        cx,
        decls.to_vec(),
        |s| s.name.text.as_str(),
        |s| s.name.span,
        |s| format!("site `{}`", s.name.text),
    );
    for decl in unique {
        let Some(country) = country(cx, &decl.country) else {
            cx.names.broken_sites.insert(&decl.name.text);
            continue;
        };
        cx.names
            .sites
            .insert(&decl.name.text, SiteId(index(cx.model.sites.len())));
        cx.model.sites.push(Site {
            name: decl.name.text.clone(),
            name_span: decl.name.span,
            country: Spanned::new(country, decl.country.span),
            description: decl.description.as_ref().map(|d| d.value.clone()),
            span: decl.span,
        });
    }
}

/// Where a service runs; `None` (reported, unless the site is broken) when it cannot be told.
pub(super) fn placement<'a>(cx: &mut Resolver<'a>, location: &'a Location) -> Option<Placement> {
    match location {
        Location::Region {
            provider,
            region,
            span,
        } => region_placement(cx, provider, region, *span),
        Location::Site(ident) => match cx.find(NameKind::Site, &ident.text) {
            Lookup::Found(id) => {
                let site = cx.model.sites.get(id as usize)?;
                let kind = PlacementKind::Site(SiteId(id));
                Some(Placement {
                    kind,
                    countries: vec![site.country.value],
                    span: ident.span,
                })
            }
            Lookup::Broken => None,
            Lookup::Unknown => {
                cx.report_unknown(NameKind::Site, ident);
                None
            }
        },
    }
}

fn region_placement(
    cx: &mut Resolver<'_>,
    provider: &Ident,
    region: &Ident,
    span: Span,
) -> Option<Placement> {
    let Some(p) = Provider::parse(&provider.text) else {
        let names = Provider::ALL.map(Provider::as_str);
        let known = format!("ward knows {}", list_names(names));
        let help = match closest(&provider.text, names) {
            Some(s) => format!("did you mean `{s}`? ({known})"),
            None => format!(
                "{known}; for any other location, declare a `site` with its country and place the service there"
            ),
        };
        cx.report(
            Diagnostic::new(
                &codes::UNKNOWN_PROVIDER,
                format!("unknown cloud provider `{}`", provider.text),
            )
            .at(provider.span, "not a provider ward knows")
            .with_help(help),
        );
        return None;
    };
    if let Some(r) = cx.reference.region(p, &region.text) {
        let kind = PlacementKind::Region {
            provider: p,
            region: r.code.clone(),
        };
        return Some(Placement {
            kind,
            countries: r.countries.clone(),
            span,
        });
    }
    let help = match closest(
        &region.text,
        cx.reference.regions(p).map(|r| r.code.as_str()),
    ) {
        Some(s) => format!("did you mean `{s}`?"),
        None => match Provider::ALL
            .into_iter()
            .find(|other| cx.reference.region(*other, &region.text).is_some())
        {
            Some(other) => format!(
                "`{}` is a region of `{other}`: write `{other}:{}`",
                region.text, region.text
            ),
            None => format!(
                "use a region code of `{p}` (such as `{}`), or declare a `site` with its country",
                cx.reference
                    .regions(p)
                    .next()
                    .map_or("", |r| r.code.as_str())
            ),
        },
    };
    cx.report(
        Diagnostic::new(
            &codes::UNKNOWN_REGION,
            format!("unknown region `{}` of `{p}`", region.text),
        )
        .at(
            region.span,
            format!("`{p}` has no region `{}`", region.text),
        )
        .with_help(help),
    );
    None
}

/// A site's country. An alias (`UK`) is reported and stands for its country (`GB`), so that
/// the mistake reports once; any other unknown code is reported and gives `None`.
fn country(cx: &mut Resolver<'_>, ident: &Ident) -> Option<CountryCode> {
    let text = ident.text.as_str();
    if let Some(code) = known_country(cx.reference, text) {
        return Some(code);
    }
    let alias = cx.reference.country_alias(text);
    let help = country_help(cx.reference, text);
    cx.report(
        Diagnostic::new(&codes::UNKNOWN_COUNTRY, format!("unknown country `{text}`"))
            .at(ident.span, "not an ISO 3166-1 alpha-2 country code")
            .with_help(help),
    );
    alias
}

/// A transfer's origin or destination: `EU`/`EEA` or a country code. An alias is reported and
/// stands for its country.
pub(super) fn jurisdiction(cx: &mut Resolver<'_>, ident: &Ident) -> Option<Jurisdiction> {
    let text = ident.text.as_str();
    if text.eq_ignore_ascii_case("EU") || text.eq_ignore_ascii_case("EEA") {
        return Some(Jurisdiction::Eea);
    }
    if let Some(code) = known_country(cx.reference, text) {
        return Some(Jurisdiction::Country(code));
    }
    let alias = cx.reference.country_alias(text);
    let europe = text.to_ascii_lowercase().starts_with("euro");
    let help = match closest(text, ["EU", "EEA"]) {
        _ if europe => "write `EU` (or `EEA`) for the EU/EEA as a whole".to_string(),
        Some(s) if alias.is_none() && text.len() > 2 => format!("did you mean `{s}`?"),
        _ => country_help(cx.reference, text),
    };
    cx.report(
        Diagnostic::new(
            &codes::UNKNOWN_JURISDICTION,
            format!("unknown jurisdiction `{text}`"),
        )
        .at(ident.span, "not `EU`, `EEA` or a country code")
        .with_help(help),
    );
    alias.map(Jurisdiction::Country)
}

/// The country `text` is the ISO code of (in any case), if the library knows it.
fn known_country(reference: &Reference, text: &str) -> Option<CountryCode> {
    CountryCode::parse(text).filter(|code| reference.country(*code).is_some())
}

/// How to write the country meant by `text`: its alias target, or the code of a country whose
/// name was written (`Germany` is `DE`), or the general rule.
fn country_help(reference: &Reference, text: &str) -> String {
    if let Some(code) = reference.country_alias(text) {
        let name = reference
            .country(code)
            .map_or(String::new(), |c| format!(" ({})", c.name));
        return format!("`{text}` is not an ISO 3166-1 code: write `{code}`{name}");
    }
    if let Some(country) = country_by_name(reference, text) {
        return format!(
            "did you mean `{}`? (the ISO 3166-1 code of {})",
            country.0, country.1
        );
    }
    "write a two-letter ISO 3166-1 code, such as `DE`, `FR` or `US`".to_string()
}

/// The country whose name `text` is, starts, or nearly is (for `Germany`, `United Kingdom`,
/// `Germny`). Among several names starting with `text`, the shortest.
fn country_by_name<'r>(reference: &'r Reference, text: &str) -> Option<(CountryCode, &'r str)> {
    let lower = text.to_lowercase();
    let pair = |c: &'r crate::reference::Country| (c.code, c.name.as_str());
    if let Some(c) = reference
        .countries()
        .find(|c| c.name.to_lowercase() == lower)
    {
        return Some(pair(c));
    }
    if text.chars().count() >= 4 {
        let prefixed = reference
            .countries()
            .filter(|c| c.name.to_lowercase().starts_with(&lower))
            .min_by_key(|c| (c.name.len(), c.code));
        if let Some(c) = prefixed {
            return Some(pair(c));
        }
        let name = closest(text, reference.countries().map(|c| c.name.as_str()))?;
        return reference.countries().find(|c| c.name == name).map(pair);
    }
    None
}
