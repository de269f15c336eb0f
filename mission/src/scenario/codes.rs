//! Identification numbers with check digits: IMO ship numbers and ISO 6346 container numbers.

/// Whether a 7-digit IMO ship number's last digit is its check digit: the sum of the first
/// six digits weighted 7, 6, 5, 4, 3, 2, modulo 10.
pub fn is_valid_imo(number: u32) -> bool {
    if !(1_000_000..=9_999_999).contains(&number) {
        return false;
    }
    let digits: Vec<u32> = number.to_string().chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits[..6].iter().zip((2..=7).rev()).map(|(d, w)| d * w).sum();
    sum % 10 == digits[6]
}

pub(super) fn normalise_container(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// ISO 6346 check digit of the first ten characters (owner code, category, serial) of a
/// container number, or None when they are not of that form.
pub fn iso6346_check_digit(number: &str) -> Option<u32> {
    let chars: Vec<char> = normalise_container(number).chars().take(10).collect();
    if chars.len() != 10
        || !chars[..3].iter().all(char::is_ascii_uppercase)
        || !matches!(chars[3], 'U' | 'J' | 'Z')
        || !chars[4..].iter().all(char::is_ascii_digit)
    {
        return None;
    }
    let sum: u32 = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let value = match c.to_digit(10) {
                Some(d) => d,
                None => {
                    // A = 10 upwards, skipping the multiples of 11 (11, 22, 33).
                    let mut v = c as u32 - 'A' as u32 + 10;
                    v += (v - 1) / 10;
                    v
                }
            };
            value << i
        })
        .sum();
    Some(sum % 11 % 10)
}

/// Whether a container number (e.g. "CSQU3054383") has the ISO 6346 form and check digit.
pub fn is_valid_container_number(number: &str) -> bool {
    let n = normalise_container(number);
    n.len() == 11 && iso6346_check_digit(&n).is_some_and(|d| n[10..].parse::<u32>() == Ok(d))
}
