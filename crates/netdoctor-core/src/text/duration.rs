//! Durations as Go and kubectl write them: `500ms`, `10s`, `1m30s`, `1.5s`, `2h`.

use std::time::Duration;

/// Parses a Go-style duration (`500ms`, `10s`, `1m`, `1m30s`, `1.5s`, `250us`, `2h`); a
/// bare number is seconds. Units: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".to_string());
    }
    if let Ok(secs) = s.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"));
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let (seconds, after) = next_term(s, rest)?;
        total += seconds;
        rest = after;
    }
    Duration::try_from_secs_f64(total).map_err(|e| format!("{s:?}: {e}"))
}

/// One `<number><unit>` term at the start of `rest` (a part of `whole`, named in errors):
/// its value in seconds and what follows it.
fn next_term<'a>(whole: &str, rest: &'a str) -> Result<(f64, &'a str), String> {
    let num_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{whole:?}: missing unit (ms, s, m, h)"))?;
    if num_len == 0 {
        return Err(format!("{whole:?}: expected a number before {rest:?}"));
    }
    let value: f64 = rest[..num_len]
        .parse()
        .map_err(|_| format!("{whole:?}: bad number {:?}", &rest[..num_len]))?;
    let rest = &rest[num_len..];
    let unit_len = rest
        .find(|c: char| c.is_ascii_digit() || c == '.')
        .unwrap_or(rest.len());
    let scale = match &rest[..unit_len] {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        u => {
            return Err(format!(
                "{whole:?}: unknown unit {u:?} (ns, us, ms, s, m, h)"
            ))
        }
    };
    Ok((value * scale, &rest[unit_len..]))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn single_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("250µs"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("10ns"), Ok(Duration::from_nanos(10)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn terms_add_up() {
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h2m3s"), Ok(Duration::from_secs(3723)));
        assert_eq!(parse_duration("1s500ms"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn fractions_and_bare_numbers_are_seconds() {
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration(" 2 "), Ok(Duration::from_secs(2)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        assert_eq!(parse_duration(""), Err("empty duration".to_string()));
        assert_eq!(
            parse_duration("5d"),
            Err("\"5d\": unknown unit \"d\" (ns, us, ms, s, m, h)".to_string())
        );
        assert_eq!(
            parse_duration("ms"),
            Err("\"ms\": expected a number before \"ms\"".to_string())
        );
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1..2s").is_err());
        assert!(parse_duration("inf").is_err());
    }
}
