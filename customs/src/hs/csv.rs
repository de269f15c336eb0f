//! A minimal RFC 4180 CSV reader for the vendored HS files (quoted fields, doubled quotes,
//! commas and line breaks inside quotes, an optional byte-order mark).

/// Rows of fields. A quote left open at the end of the text is an error naming its line.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut quote_line = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                quote_line = line;
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("quote opened on line {quote_line} is never closed"));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_and_bom() {
        let rows = super::parse("\u{feff}a,b\r\n\"x, \"\"y\"\"\",2\nlast,1").unwrap();
        assert_eq!(rows, vec![vec!["a", "b"], vec!["x, \"y\"", "2"], vec!["last", "1"]]);
        assert!(super::parse("a,\"open\n").is_err());
    }
}
