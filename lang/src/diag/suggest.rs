//! "Did you mean" suggestions from edit distance.

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
///
/// Close enough means an edit distance (see [`levenshtein`]) of at most a third of the name's
/// length (at least 1), or a case-insensitive match.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = if candidate.eq_ignore_ascii_case(name) {
            0
        } else {
            levenshtein(name, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance over characters where insertion, deletion, substitution and the
/// transposition of two adjacent characters each cost 1 (optimal string alignment), so
/// `mtsl` is one edit from `mtls`. O(len(a) * len(b)) time.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    // Three rows: two back (for transpositions), previous, current.
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        if let Some(first) = current.first_mut() {
            *first = i;
        }
        for j in 1..width {
            let ca = a.get(i - 1);
            let cb = b.get(j - 1);
            let cost = usize::from(ca != cb);
            let up = previous
                .get(j)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let left = current
                .get(j - 1)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let diagonal = previous
                .get(j - 1)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(cost);
            let mut value = up.min(left).min(diagonal);
            let swapped = i > 1 && j > 1 && a.get(i - 2) == cb && ca == b.get(j - 2);
            if swapped {
                value = value.min(
                    before
                        .get(j - 2)
                        .copied()
                        .unwrap_or(usize::MAX)
                        .saturating_add(1),
                );
            }
            if let Some(cell) = current.get_mut(j) {
                *cell = value;
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", "abc"), 0);
        assert_eq!(levenshtein("mtsl", "mtls"), 1);
        assert_eq!(levenshtein("ab", "ba"), 1);
    }

    #[test]
    fn suggests_close_names_only() {
        let names = ["checkout", "analytics", "support"];
        assert_eq!(closest("chekout", names), Some("checkout"));
        assert_eq!(closest("analytcs", names), Some("analytics"));
        assert_eq!(closest("billing", names), None);
        assert_eq!(closest("Support", names), Some("support"));
    }
}
