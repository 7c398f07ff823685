//! The server's ISO 8601 timestamps (`expires_at`), as seconds since the Unix epoch.
//!
//! Only what the protocol promises is accepted: a date, a time to the minute or finer and
//! a time zone (`Z` or an offset). The value is used for differences between two server
//! timestamps, never against the client's clock.

/// Seconds since 1970-01-01T00:00:00Z, or None unless `text` is such a timestamp.
pub(crate) fn parse_timestamp(text: &str) -> Option<f64> {
    let mut cursor = Cursor { text: text.as_bytes(), at: 0 };
    let year = cursor.digits(4)?;
    cursor.expect(b"-")?;
    let month = cursor.digits(2)?;
    cursor.expect(b"-")?;
    let day = cursor.digits(2)?;
    cursor.one_of(b"T ")?;
    let hour = cursor.digits(2)?;
    cursor.expect(b":")?;
    let minute = cursor.digits(2)?;
    let mut second = 0.0;
    if cursor.peek() == Some(b':') {
        cursor.at += 1;
        second = f64::from(cursor.digits(2)?);
        if cursor.peek() == Some(b'.') {
            cursor.at += 1;
            second += cursor.fraction()?;
        }
    }
    let offset = cursor.zone()?;
    if cursor.at != text.len() {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second >= 60.0 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60;
    Some((local - offset) as f64 + second)
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, byte: &[u8]) -> Option<()> {
        self.one_of(byte).map(|_| ())
    }

    fn one_of(&mut self, bytes: &[u8]) -> Option<u8> {
        let found = self.peek().filter(|b| bytes.contains(b))?;
        self.at += 1;
        Some(found)
    }

    fn digits(&mut self, count: usize) -> Option<u32> {
        let mut value = 0;
        for _ in 0..count {
            let digit = self.peek().filter(u8::is_ascii_digit)?;
            value = value * 10 + u32::from(digit - b'0');
            self.at += 1;
        }
        Some(value)
    }

    /// 1 to 9 digits after the decimal point.
    fn fraction(&mut self) -> Option<f64> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        let count = self.at - start;
        if !(1..=9).contains(&count) {
            return None;
        }
        let digits = std::str::from_utf8(&self.text[start..self.at]).ok()?;
        format!("0.{digits}").parse().ok()
    }

    /// The offset from UTC in seconds: `Z`, `+HH:MM`, `+HHMM`, `-HH:MM`, `-HHMM`.
    fn zone(&mut self) -> Option<i64> {
        let sign = match self.one_of(b"Z+-")? {
            b'Z' => return Some(0),
            b'+' => 1,
            _ => -1,
        };
        let hours = self.digits(2)?;
        if self.peek() == Some(b':') {
            self.at += 1;
        }
        let minutes = self.digits(2)?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * i64::from(hours * 3_600 + minutes * 60))
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn reads_the_servers_format_and_its_variants() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_timestamp("2026-11-21T10:01:00.000000Z"), Some(1_795_255_260.0));
        assert_eq!(parse_timestamp("2026-11-21 10:01Z"), Some(1_795_255_260.0));
        assert_eq!(parse_timestamp("2026-11-21T11:01:00+01:00"), Some(1_795_255_260.0));
        assert_eq!(parse_timestamp("2026-11-21T09:01:00-0100"), Some(1_795_255_260.0));
        assert_eq!(parse_timestamp("2024-02-29T00:00:00.5Z"), Some(1_709_164_800.5));
    }

    #[test]
    fn refuses_anything_else() {
        for text in [
            "2026-11-21T10:01:00",
            "soon",
            "",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-21T24:00:00Z",
            "2026-11-21T10:01:00.Z",
            "2026-11-21T10:01:00.1234567890Z",
            "2026-11-21T10:01:00Z ",
            "2026-11-21T10:01:00+1:00",
            "２026-11-21T10:01:00Z",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }
}
