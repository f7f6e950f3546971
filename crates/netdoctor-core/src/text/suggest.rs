//! "Did you mean": the one way netdoctor picks the names closest to one that was not found
//! (object names, rule codes, kinds, Service names in a target). Every command uses it, so
//! a typo gets the same kind of answer wherever it is made.

use super::edit_distance;

/// How many candidates a suggestion names at most.
pub const MAX_SUGGESTIONS: usize = 3;

/// The candidates close to `name`, closest first (then alphabetical), at most
/// [`MAX_SUGGESTIONS`]. Close: an edit distance of at most a third of the name's length (at
/// least 3; 2 for a name of fewer than six characters: `paymnts` → `payments`), or one name containing the
/// other (`api` → `api-service`). Case is ignored; an exact match is not a suggestion.
pub fn closest<'a, I>(name: &str, candidates: I) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let want = name.to_lowercase();
    let len = want.chars().count();
    let limit = if len < 6 { 2 } else { (len / 3).max(3) };
    let mut close: Vec<(usize, &'a str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let have = c.to_lowercase();
            if have == want || have.is_empty() || want.is_empty() {
                return None;
            }
            let d = edit_distance(&want, &have);
            let contains = have.contains(&want) || want.contains(&have);
            (d <= limit || contains).then_some((d, c))
        })
        .collect();
    close.sort();
    close.dedup();
    close
        .into_iter()
        .map(|(_, c)| c)
        .take(MAX_SUGGESTIONS)
        .collect()
}

/// `"; did you mean a, b?"` for the closest candidates, or `""` when none is close.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let close = closest(name, candidates);
    if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", close.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::{closest, did_you_mean};

    #[test]
    fn typos_and_prefixes_are_suggested() {
        let names = ["payments", "payments-db", "web-frontend", "api-service"];
        assert_eq!(closest("paymnts", names), vec!["payments"]);
        assert_eq!(closest("web-frontnd", names), vec!["web-frontend"]);
        assert_eq!(closest("api-servce", names), vec!["api-service"]);
        assert_eq!(closest("api", names), vec!["api-service"]);
        assert_eq!(
            closest("SVC01", ["SVC001", "SVC010", "DNS001"])[0],
            "SVC001"
        );
        assert!(closest("zzzzzz", names).is_empty());
        assert!(closest("payments", ["payments"]).is_empty());
        assert_eq!(did_you_mean("zzzz", names), "");
        assert_eq!(
            did_you_mean("web-frontnd", names),
            "; did you mean web-frontend?"
        );
    }

    #[test]
    fn at_most_three_closest_first() {
        let names = ["ab1", "ab12", "ab", "abc", "abd", "abe"];
        let c = closest("ab", names);
        assert_eq!(c.len(), 3);
        assert_eq!(c, vec!["ab1", "abc", "abd"]);
    }
}
