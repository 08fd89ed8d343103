//! JSON Lines logs (`.jsonl`, `.ndjson`, optionally gzip): every line is a
//! capture named `FILE:LINE`. With a body pointer the body is taken from each
//! line's document; with a time pointer, the capture time.

use super::pick::Pointers;
use super::{Capture, Meta, Source};
use crate::finding::{Code, Finding};
use crate::layer::transport::UTF8_BOM;
use crate::timeline::EPOCH_MILLIS_FROM;
use serde_json::Value;
use std::io::{self, BufRead};
use std::path::Path;

/// How the lines of a log are turned into captures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineOptions {
    body_pointer: Option<String>,
    time_pointer: Option<String>,
    /// What is taken from each line, split once for all lines: the body,
    /// the time and the statuses beside the body, in [`Wanted`]'s order.
    wanted: Option<Pointers>,
}

/// The places of [`LineOptions::wanted`]'s pointers.
#[derive(Clone, Copy)]
enum Wanted {
    Body,
    Time,
}

/// The names a status logged beside the body goes by, in the order they
/// are looked for.
const STATUS_NAMES: [&str; 3] = ["status", "statusCode", "status_code"];

impl LineOptions {
    /// Take the body of each line at `body_pointer` (`/response/body`;
    /// without it the whole line is the body) and the capture time at
    /// `time_pointer` (RFC 3339, or epoch seconds or milliseconds).
    pub fn new(body_pointer: Option<String>, time_pointer: Option<String>) -> Self {
        let wanted = (body_pointer.is_some() || time_pointer.is_some()).then(|| {
            // An absent pointer is one that finds nothing.
            let body = body_pointer.clone().unwrap_or_else(|| "x".to_owned());
            let parent = body_pointer.as_deref().map_or("x", |pointer| {
                pointer.rsplit_once('/').map_or("", |(parent, _)| parent)
            });
            let mut pointers = vec![body, time_pointer.clone().unwrap_or_else(|| "x".to_owned())];
            pointers.extend(STATUS_NAMES.iter().map(|name| format!("{parent}/{name}")));
            Pointers::new(&pointers)
        });
        LineOptions {
            body_pointer,
            time_pointer,
            wanted,
        }
    }

    /// The pointer to the body in each line, if any.
    pub fn body_pointer(&self) -> Option<&str> {
        self.body_pointer.as_deref()
    }

    /// The pointer to the capture time in each line, if any.
    pub fn time_pointer(&self) -> Option<&str> {
        self.time_pointer.as_deref()
    }
}

/// Whether a file name is a JSON Lines log (also gzip-compressed).
pub fn is_lines_name(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

/// Open a file for reading lines, gunzipping it when it starts with the
/// gzip magic number (whatever its name says).
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let mut lines = super::open_stream(path).map_err(io::Error::other)?;
    // A byte-order mark belongs to the file, not to its first line's body.
    if lines.fill_buf()?.starts_with(UTF8_BOM) {
        lines.consume(UTF8_BOM.len());
    }
    Ok(lines)
}

/// One line as read: its number and bytes, or the size of a line too long
/// to keep.
#[derive(Debug)]
pub enum Line {
    /// A line within the size limit, without its line ending.
    Text(usize, Vec<u8>),
    /// A line longer than the limit: skipped, its length counted.
    TooLong(usize, u64),
}

/// The non-blank lines of a reader, each at most `max_bytes` long (longer
/// ones are skipped without being held). A read error ends the lines with
/// the error.
pub struct Lines<R> {
    reader: R,
    number: usize,
    max_bytes: u64,
    done: bool,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`.
    pub fn new(reader: R, max_bytes: u64) -> Self {
        Lines {
            reader,
            number: 0,
            max_bytes,
            done: false,
        }
    }

    /// Read one line into `line`; its full length without the line feed,
    /// which is more than what was kept when the line is too long, and
    /// whether anything was read at all.
    fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<(u64, bool)> {
        let mut length = 0u64;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok((length, length > 0));
            }
            // The walk's thread splits every line: memchr looks at a word or a
            // vector register at a time.
            let (chunk, ends) = match memchr::memchr(b'\n', available) {
                Some(end) => (&available[..=end], true),
                None => (available, false),
            };
            let taken = chunk.len();
            let room = self
                .max_bytes
                .saturating_add(2)
                .saturating_sub(line.len() as u64);
            let kept = taken.min(usize::try_from(room).unwrap_or(usize::MAX));
            // Grow by doubling, but never past what may be kept: a line over
            // the limit must not cost twice the limit.
            let needed = line.len() + kept;
            if needed > line.capacity() {
                let ceiling =
                    usize::try_from(self.max_bytes.saturating_add(2)).unwrap_or(usize::MAX);
                let target = (line.capacity() * 2).max(needed).min(ceiling.max(needed));
                line.reserve_exact(target - line.len());
            }
            line.extend_from_slice(&chunk[..kept]);
            length += taken as u64;
            self.reader.consume(taken);
            if ends {
                return Ok((length - 1, true));
            }
        }
    }
}

impl<R: BufRead> Iterator for Lines<R> {
    type Item = io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let mut line = Vec::new();
            let length = match self.read_line(&mut line) {
                Ok((_, false)) => {
                    self.done = true;
                    return None;
                }
                Ok((length, true)) => length,
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            };
            self.number += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            let mut content = length;
            if line.last() == Some(&b'\r') && content == line.len() as u64 {
                line.pop();
                content -= 1;
            }
            if content > self.max_bytes {
                return Some(Ok(Line::TooLong(self.number, content)));
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Ok(Line::Text(self.number, line)));
        }
        None
    }
}

/// The capture of one log line.
pub fn capture(source: Source, line: Vec<u8>, options: &LineOptions, max_bytes: u64) -> Capture {
    let Some(wanted) = &options.wanted else {
        return whole_line(source, line, max_bytes);
    };
    let picked = wanted.pick(&line);
    from_picked(source, line, options, picked, max_bytes)
}

/// The capture of a line from what was picked from it (the values at the
/// pointers of [`LineOptions::wanted`]), or from why it is no JSON document.
fn from_picked(
    source: Source,
    line: Vec<u8>,
    options: &LineOptions,
    picked: serde_json::Result<Vec<Option<Value>>>,
    max_bytes: u64,
) -> Capture {
    let mut found = match picked {
        Ok(found) => found,
        Err(error) => {
            // A cut-off or damaged log line: its own bytes say what went
            // wrong better than a failed look-up would.
            let mut capture = whole_line(source, line, max_bytes);
            capture.notes.push(format!(
                "the line is not a JSON document ({error}); the whole line was analysed as the body"
            ));
            return capture;
        }
    };
    let mut meta = Meta::default();
    if options.time_pointer.is_some() {
        meta.captured_at = found[Wanted::Time as usize].as_ref().and_then(time_of);
    }
    let Some(pointer) = &options.body_pointer else {
        let mut capture = whole_line(source, line, max_bytes);
        capture.meta = meta;
        return capture;
    };
    meta.status = found[Wanted::Time as usize + 1..]
        .iter()
        .flatten()
        .next()
        .and_then(status_of);
    let body = match found[Wanted::Body as usize].take() {
        // The line's own string, moved out of what was picked, not copied.
        Some(Value::String(text)) => text.into_bytes(),
        Some(Value::Null) | None => {
            let mut capture = Capture::unreadable(
                source,
                Finding::new(Code::T08, format!("the line has no body at {pointer}")),
            );
            capture.meta = meta;
            return capture;
        }
        Some(other) => other.to_string().into_bytes(),
    };
    // The line is no longer needed: free it before the body is analysed.
    drop(line);
    let mut capture = Capture::from_bytes(source, body, Some(meta), max_bytes);
    // The body came out of the line's document: its positions are its own.
    capture.body_offset = None;
    capture.header_lines = None;
    capture
}

/// A whole line as the body: in a plain (not compressed) log, body line 1
/// is file line LINE, so reports can point into the file.
fn whole_line(source: Source, line: Vec<u8>, max_bytes: u64) -> Capture {
    let plain = source.file().is_some_and(|file| !file.ends_with(".gz"));
    let number = source.line();
    let mut capture = Capture::from_bytes(source, line, None, max_bytes);
    capture.body_offset = None;
    capture.header_lines = match number {
        Some(n) if plain && capture.header_lines == Some(0) => Some(n - 1),
        _ => None,
    };
    capture
}

/// A status logged beside the body (`/response/status` for
/// `/response/body`), as a number or a numeric string.
fn status_of(value: &Value) -> Option<u16> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .and_then(|n| u16::try_from(n).ok())
}

/// A logged time as RFC 3339: a timestamp string, or epoch seconds or
/// milliseconds (told apart by size).
pub fn time_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.parse::<jiff::Timestamp>().ok().map(|t| t.to_string()),
        Value::Number(n) => {
            let number = n.as_f64()?;
            let millis = if number.abs() >= EPOCH_MILLIS_FROM as f64 {
                number
            } else {
                number * 1000.0
            };
            jiff::Timestamp::from_millisecond(millis as i64)
                .ok()
                .map(|t| t.to_string())
        }
        _ => None,
    }
}

/// Read one line of a log by number, for `explain FILE:LINE`.
pub fn read_line(path: &Path, wanted: usize, max_bytes: u64) -> io::Result<Option<Line>> {
    let lines = Lines::new(open(path)?, max_bytes);
    for line in lines {
        let line = line?;
        let number = match &line {
            Line::Text(number, _) | Line::TooLong(number, _) => *number,
        };
        if number == wanted {
            return Ok(Some(line));
        }
        if number > wanted {
            break;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str, max: u64) -> Vec<String> {
        Lines::new(input.as_bytes(), max)
            .map(|line| match line.unwrap() {
                Line::Text(n, bytes) => format!("{n}:{}", String::from_utf8(bytes).unwrap()),
                Line::TooLong(n, length) => format!("{n}:too long {length}"),
            })
            .collect()
    }

    #[test]
    fn lines_keep_their_numbers_and_skip_blanks() {
        assert_eq!(
            texts("{\"a\":1}\r\n\n  \n[2]\n{\"cut\":", 100),
            ["1:{\"a\":1}", "4:[2]", "5:{\"cut\":"]
        );
        assert_eq!(texts("", 100), Vec::<String>::new());
    }

    #[test]
    fn long_lines_are_skipped_without_being_held() {
        let long = "x".repeat(10_000);
        assert_eq!(
            texts(&format!("[1]\n{long}\n[3]\n"), 100),
            ["1:[1]", "2:too long 10000", "3:[3]"]
        );
        assert_eq!(texts("12345\n", 5), ["1:12345"]);
    }

    fn log_line(line: usize) -> Source {
        Source::LogLine {
            file: "log".into(),
            line,
        }
    }

    #[test]
    fn bodies_and_times_by_pointer() {
        let options = LineOptions::new(Some("/response/body".into()), Some("/ts".into()));
        let line = br#"{"ts":"2026-11-20T09:12:03Z","response":{"status":502,"body":"<html>bad gateway</html>"}}"#;
        let found = capture(log_line(1), line.to_vec(), &options, 1 << 20);
        assert_eq!(found.body, b"<html>bad gateway</html>");
        assert_eq!(found.meta.status, Some(502));
        assert_eq!(
            found.meta.captured_at.as_deref(),
            Some("2026-11-20T09:12:03Z")
        );

        let line = br#"{"ts":1763629923123,"response":{"body":{"id":1}}}"#;
        let found = capture(log_line(2), line.to_vec(), &options, 1 << 20);
        assert_eq!(found.body, br#"{"id":1}"#);
        assert_eq!(
            found.meta.captured_at.as_deref(),
            Some("2025-11-20T09:12:03.123Z")
        );

        let found = capture(log_line(3), br#"{"ts":1}"#.to_vec(), &options, 1 << 20);
        assert_eq!(found.findings[0].code, Code::T08);

        let found = capture(
            log_line(4),
            br#"{"response":{"bo"#.to_vec(),
            &options,
            1 << 20,
        );
        assert!(found.readable);
        assert_eq!(found.body, br#"{"response":{"bo"#);
        assert_eq!(found.notes.len(), 1);
    }

    #[test]
    fn epoch_seconds_and_millis() {
        assert_eq!(
            time_of(&serde_json::json!(1763629923)).as_deref(),
            Some("2025-11-20T09:12:03Z")
        );
        assert_eq!(time_of(&serde_json::json!("yesterday")), None);
    }

    /// The capture of a line with its fields found as they were before
    /// they were picked: the whole line built as a `Value`, each field
    /// looked up in it. The oracle of the property test below.
    fn capture_before(source: Source, line: Vec<u8>, options: &LineOptions) -> Capture {
        if options.wanted.is_none() {
            // Without pointers nothing is picked, then as now.
            return capture(source, line, options, 1 << 20);
        }
        let picked = serde_json::from_slice::<Value>(&line).map(|document| {
            let body = options.body_pointer.as_deref();
            let parent = body.map(|p| p.rsplit_once('/').map_or("", |(parent, _)| parent));
            let mut pointers = vec![body.map(str::to_owned), options.time_pointer.clone()];
            pointers.extend(
                STATUS_NAMES
                    .iter()
                    .map(|name| parent.map(|parent| format!("{parent}/{name}"))),
            );
            pointers
                .iter()
                .map(|pointer| document.pointer(pointer.as_deref()?).cloned())
                .collect()
        });
        from_picked(source, line, options, picked, 1 << 20)
    }

    /// Lines of a structured log, some damaged, with keys repeated and
    /// statuses under each of their names.
    fn log_line_text() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let value = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            (100..600i64).prop_map(Value::from),
            Just(Value::from("2026-11-20T09:12:03Z")),
            "[0-9T:.Z{}\\[\\]\"a-z-]{0,12}".prop_map(Value::from),
            Just(serde_json::json!({"id": 1, "body": "inner"})),
        ];
        let member = (
            prop::sample::select(vec![
                "time",
                "status",
                "statusCode",
                "status_code",
                "body",
                "response",
                "ts",
            ]),
            value,
        );
        let response = prop::collection::vec(member.clone(), 0..5).prop_map(|members| {
            let inner: Vec<String> = members
                .iter()
                .map(|(key, value)| format!("\"{key}\":{value}"))
                .collect();
            format!("{{{}}}", inner.join(","))
        });
        (
            prop::collection::vec(member, 0..4),
            prop::collection::vec(response, 0..3),
            any::<proptest::sample::Index>(),
            any::<bool>(),
        )
            .prop_map(|(members, responses, cut, damage)| {
                let mut parts: Vec<String> = members
                    .iter()
                    .map(|(key, value)| format!("\"{key}\":{value}"))
                    .collect();
                parts.extend(responses.iter().map(|r| format!("\"response\":{r}")));
                let mut text = format!("{{{}}}", parts.join(",")).into_bytes();
                if damage {
                    text.truncate(cut.index(text.len() + 1));
                }
                text
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn captures_are_the_same_as_before(
            line in log_line_text(),
            body in proptest::sample::select(vec![None, Some("/response/body"), Some("/body"), Some("body"), Some("")]),
            time in proptest::sample::select(vec![None, Some("/time"), Some("/response/time"), Some("/ts")]),
        ) {
            let options = LineOptions::new(body.map(str::to_owned), time.map(str::to_owned));
            let new = capture(log_line(7), line.clone(), &options, 1 << 20);
            let old = capture_before(log_line(7), line, &options);
            proptest::prop_assert_eq!(format!("{new:?}"), format!("{old:?}"));
        }
    }
}
