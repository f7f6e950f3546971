//! Sizes as people write them on a command line.

/// Bytes, or a number with a unit (`KiB`, `MiB`, `GiB`, also `K`/`KB`, `M`/`MB`, `G`/`GB`, all
/// powers of 1024), above zero: `256MiB`, `500 KiB`, `4g`, `1000`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{t:?}: expected a size such as 256MiB, 64MiB or 500KiB"))?;
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("{t:?}: unknown unit {other:?} (KiB, MiB or GiB)")),
    };
    match number.checked_mul(unit) {
        Some(0) => Err(format!("{t:?}: the size must be more than 0")),
        Some(n) => Ok(n),
        None => Err(format!("{t:?}: too large")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_with_and_without_units() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("500 KiB"), Ok(500 << 10));
        assert_eq!(parse_size("500k"), Ok(500 << 10));
        assert_eq!(parse_size("4g"), Ok(4 << 30));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1TiB").is_err());
        assert!(parse_size("-5").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
