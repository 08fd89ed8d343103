//! Findings are plain data: a stable code, where it was found, and a message.
//! Renderers decide how they look; nothing here prints.

use serde::Serialize;
use std::fmt;

/// The layer of the analysis that produced a finding.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Bytes, encoding and HTTP facts, before any JSON is read.
    Transport,
    /// The JSON text itself.
    Syntax,
    /// The Genesys / Cognigy wrapper around the payload.
    Envelope,
    /// The payload once unwrapped.
    Payload,
    /// The payload against its JSON Schema.
    Schema,
    /// The payload against what its schema declares, beyond validity.
    Drift,
    /// Meaning: token expiry and presence.
    Semantic,
    /// A Data Action definition's own configuration, read without any
    /// capture (`dapa lint`).
    Definition,
    /// A Data Action's response configuration run over a raw backend reply
    /// (`dapa replay`).
    Replay,
}

impl Layer {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Transport => "transport",
            Layer::Syntax => "syntax",
            Layer::Envelope => "envelope",
            Layer::Payload => "payload",
            Layer::Schema => "schema",
            Layer::Drift => "drift",
            Layer::Semantic => "semantic",
            Layer::Definition => "definition",
            Layer::Replay => "replay",
        }
    }
}

/// How serious a finding is; follows the verdict group of its code.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information only.
    Info,
    /// Still usable JSON, but drifted or recovered.
    Warning,
    /// The capture cannot be used as it is.
    Error,
}

impl Severity {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $name:literal, $layer:ident, $sev:ident, $help:literal; )*) => {
        /// Every finding code dapa knows. Codes never change meaning once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( #[doc = $help] $variant, )*
        }

        impl Code {
            /// All codes in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable short code, e.g. `S01`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The kebab-case name, e.g. `truncated`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The layer that reports this code.
            pub fn layer(self) -> Layer {
                match self { $(Code::$variant => Layer::$layer,)* }
            }

            /// The severity every finding of this code carries.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// One sentence on what the code means.
            pub fn help(self) -> &'static str {
                match self { $(Code::$variant => $help,)* }
            }
        }
    };
}

codes! {
    T01 = "T01", "empty-body", Transport, Error, "The body is 0 bytes or only whitespace.";
    T02 = "T02", "bom", Transport, Warning, "A UTF-8 byte-order mark precedes the JSON; it was stripped.";
    T03 = "T03", "invalid-encoding", Transport, Error, "The body is not valid UTF-8.";
    T04 = "T04", "html-body", Transport, Error, "The body is an HTML page (a gateway or proxy error page).";
    T05 = "T05", "non-json-text", Transport, Error, "The body is plain text, XML or other text that is not JSON.";
    T06 = "T06", "http-error-status", Transport, Error, "The recorded HTTP status is 400 or above.";
    T07 = "T07", "oversized", Transport, Error, "The capture is larger than --max-bytes and was not parsed.";
    T08 = "T08", "unreadable", Transport, Error, "The capture could not be read: permissions, a dangling link, a special file, a corrupt gzip stream.";
    S01 = "S01", "truncated", Syntax, Error, "The input ends inside a value (cut-off log line, aborted transfer).";
    S02 = "S02", "trailing-data", Syntax, Error, "A complete JSON document is followed by more non-whitespace.";
    S03 = "S03", "invalid-syntax", Syntax, Error, "A syntax error: unexpected character, missing comma or colon.";
    S04 = "S04", "invalid-string", Syntax, Error, "A string holds a bad escape, a raw control character or a lone surrogate.";
    S05 = "S05", "non-standard-json", Syntax, Warning, "NaN/Infinity, single quotes, comments, trailing commas or unquoted keys.";
    S06 = "S06", "too-deep", Syntax, Error, "Nesting is deeper than the limit.";
    S07 = "S07", "duplicate-key", Syntax, Warning, "The same key appears twice in one object.";
    S08 = "S08", "lossy-number", Syntax, Warning, "A number does not survive conversion to a 64-bit float.";
    E01 = "E01", "error-body", Envelope, Error, "A Genesys error body (either key style).";
    E02 = "E02", "test-failed", Envelope, Error, "A test-mode TestExecutionResult with success: false.";
    E03 = "E03", "rate-limited", Envelope, Error, "HTTP 429 or a too.many.requests error code.";
    E04 = "E04", "empty-result", Envelope, Error, "The envelope holds no payload: result/finalResult null or absent.";
    E05 = "E05", "envelope-errors", Envelope, Error, "The envelope's errors array is not empty.";
    E06 = "E06", "problem-details", Envelope, Error, "An RFC 7807 problem-details body.";
    P01 = "P01", "stringified-json", Payload, Warning, "A string holds JSON (an object or array); it was decoded.";
    P02 = "P02", "raw-string", Payload, Warning, "The payload is a bare string that is not JSON, such as a raw token.";
    P03 = "P03", "template-placeholder", Payload, Warning, "An unrendered Velocity placeholder such as ${email} in a value.";
    P04 = "P04", "flattened", Payload, Warning, "Keys in Architect's flatten=true format, such as profile.firstname.";
    V01 = "V01", "missing-required", Schema, Error, "A required property is absent.";
    V02 = "V02", "type-mismatch", Schema, Error, "A value has another JSON type than the schema allows.";
    V03 = "V03", "unknown-property", Schema, Warning, "A property the schema does not allow (additionalProperties: false).";
    V04 = "V04", "enum-mismatch", Schema, Error, "A value outside enum or const.";
    V05 = "V05", "format-mismatch", Schema, Error, "A format, pattern, length or range is violated.";
    V06 = "V06", "schema-other", Schema, Error, "Any other schema keyword is violated.";
    D01 = "D01", "new-field", Drift, Warning, "A field path the schema never declares (even where it allows extras).";
    D02 = "D02", "type-drift", Drift, Warning, "A value sent as a string of the declared type, such as \"450.25\" for a number.";
    D03 = "D03", "timestamp-unit", Drift, Warning, "An epoch in milliseconds where seconds are declared, the reverse, or an ISO string instead.";
    D04 = "D04", "new-enum-value", Drift, Warning, "A value of an enum-like field that the schema does not list.";
    K01 = "K01", "token-expired", Semantic, Info, "The token had expired at capture time (not now).";
    K02 = "K02", "no-token", Semantic, Error, "No token in an otherwise healthy response.";
    A01 = "A01", "invalid-jsonpath", Definition, Error, "A translationMap entry is not a valid JSONPath expression.";
    A02 = "A02", "undefined-variable", Definition, Error, "successTemplate uses a variable that no translationMap entry defines.";
    A03 = "A03", "unused-variable", Definition, Warning, "A translationMap entry (or its default) that successTemplate never uses.";
    A04 = "A04", "missing-default", Definition, Warning, "A translationMap entry of a definite path has no translationMapDefaults value: a reply without the field fails the action.";
    A05 = "A05", "invalid-default", Definition, Error, "A translationMapDefaults value is not JSON text, such as UNKNOWN where \"\\\"UNKNOWN\\\"\" was meant.";
    A06 = "A06", "formal-reference-can-print-name", Definition, Warning, "A formal reference ${x} to a variable that can be missing: its name then reaches the output.";
    A07 = "A07", "unescaped-string-value", Definition, Warning, "A value inserted inside a JSON string of successTemplate without $esc.jsonString.";
    A08 = "A08", "invalid-skeleton", Definition, Error, "successTemplate's literal JSON does not parse once its references are replaced.";
    A09 = "A09", "nested-array-contract", Definition, Error, "The output contract has an array whose items are arrays, which Data Action contracts do not allow.";
    A10 = "A10", "undeclared-output-key", Definition, Warning, "successTemplate writes a key that the output contract does not declare.";
    A11 = "A11", "unwritten-required-key", Definition, Error, "successTemplate never writes a key that the output contract requires.";
    A12 = "A12", "invalid-template", Definition, Error, "successTemplate is not valid Velocity.";
    R01 = "R01", "path-no-match", Replay, Error, "A translationMap path found nothing in the reply and has no default: the action fails.";
    R02 = "R02", "default-used", Replay, Info, "A translationMap path found nothing in the reply; its translationMapDefaults value was used.";
    R03 = "R03", "template-error", Replay, Error, "The successTemplate failed to render: a bad directive, a failing method call or a limit reached.";
    R04 = "R04", "unsupported-construct", Replay, Error, "The successTemplate uses a Velocity construct or method dapa does not replay.";
    R05 = "R05", "output-not-json", Replay, Error, "The successTemplate wrote text that is not JSON: the action fails.";
    R06 = "R06", "unparsable-path", Replay, Error, "A translationMap path does not parse as a Jayway JSONPath.";
    R07 = "R07", "no-json-reply", Replay, Error, "The capture holds no JSON reply of the backend to replay.";
    R08 = "R08", "output-changed", Replay, Warning, "The output differs from the one the older definition (--compare) gives; the verdict is no worse.";
    R09 = "R09", "verdict-worse", Replay, Error, "The verdict is worse than with the older definition (--compare).";
    R10 = "R10", "null-reference", Replay, Warning, "A template reference was null and wrote its own text (${x}) into the output.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str().eq_ignore_ascii_case(text) || code.name() == text)
            .ok_or(())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse()
            .map_err(|()| serde::de::Error::custom(format!("unknown finding code '{text}'")))
    }
}

/// Where in the capture a finding points. Byte offsets, lines and columns refer
/// to the body (after an HTTP dump's headers); columns count characters from 1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// JSON pointer into the decoded payload (envelope and payload findings).
    pub pointer: Option<String>,
    /// Byte offset into the body.
    pub offset: Option<usize>,
    /// 1-based line of `offset`.
    pub line: Option<usize>,
    /// 1-based column of `offset`, in characters.
    pub column: Option<usize>,
    /// Bytes from `offset` that the value a pointer names covers (a whole
    /// string, number or word; an object or array to its closing bracket).
    pub length: Option<usize>,
    /// 1-based line where the value ends, when its length is known.
    pub end_line: Option<usize>,
    /// 1-based column just after the value's last character.
    pub end_column: Option<usize>,
}

/// One thing found wrong (or worth knowing) about a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// What was found, in one line.
    pub message: String,
    /// Where it was found.
    pub location: Location,
    /// What tells this failure from others of its code, where the layer
    /// knows it better than the message says it (see [`crate::signature`]);
    /// never a secret value.
    pub signature_detail: Option<String>,
}

impl Finding {
    /// A finding with no location yet.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Finding {
            code,
            message: message.into(),
            location: Location::default(),
            signature_detail: None,
        }
    }

    /// Group this finding with others by `detail` rather than by its message.
    pub fn grouped_by(mut self, detail: impl Into<String>) -> Self {
        self.signature_detail = Some(detail.into());
        self
    }

    /// Attach a byte offset into the body.
    pub fn at_offset(mut self, offset: usize) -> Self {
        self.location.offset = Some(offset);
        self
    }

    /// Attach a JSON pointer into the payload.
    pub fn at_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.location.pointer = Some(pointer.into());
        self
    }
}

/// Most findings of one code kept per capture; a body with ten thousand
/// repeated keys says so once with a count, not ten thousand times.
pub const MAX_FINDINGS_PER_CODE: usize = 20;

/// Say on the last finding kept how many more of its code were dropped.
pub fn note_more(findings: &mut [Finding], total: usize) {
    if total > MAX_FINDINGS_PER_CODE
        && let Some(last) = findings.last_mut()
    {
        last.message.push_str(&format!(
            " (and {} more like it)",
            total - MAX_FINDINGS_PER_CODE
        ));
    }
}

/// Fill in line and column of every finding that has a byte offset into
/// `text` (and of the end of its value, when its length is known), reading
/// the text once however many findings there are.
pub fn add_lines(text: &[u8], findings: &mut [Finding]) {
    if findings
        .iter()
        .all(|finding| finding.location.offset.is_none())
    {
        return;
    }
    // Every place a finding names (its start, and its end when it has a
    // length), in text order: one pass over the text gives each its line
    // and column, however many findings there are.
    let mut places: Vec<(usize, usize, bool)> = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        let Some(offset) = finding.location.offset else {
            continue;
        };
        places.push((offset.min(text.len()), index, false));
        if let Some(length) = finding.location.length {
            places.push(((offset + length).min(text.len()), index, true));
        }
    }
    places.sort_unstable();
    let (mut line, mut column, mut at) = (1, 1, 0);
    for (offset, index, is_end) in places {
        let between = &text[at..offset];
        // Newlines found by memchr, characters counted in a loop the
        // compiler vectorises: most bodies are one long line.
        let mut line_start = 0;
        for newline in memchr::memchr_iter(b'\n', between) {
            line += 1;
            column = 1;
            line_start = newline + 1;
        }
        // Columns count characters: UTF-8 continuation bytes add none.
        column += between[line_start..]
            .iter()
            .filter(|&&byte| byte & 0xC0 != 0x80)
            .count();
        at = offset;
        let location = &mut findings[index].location;
        if is_end {
            location.end_line = Some(line);
            location.end_column = Some(column);
        } else {
            location.line = Some(line);
            location.column = Some(column);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain one-offset computation [`add_lines`] must agree with.
    fn line_column(text: &[u8], offset: usize) -> (usize, usize) {
        let end = offset.min(text.len());
        let before = &text[..end];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        // Count UTF-8 lead bytes only, so a multi-byte character is one column.
        let column = 1 + before[line_start..]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (line, column)
    }

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(code.as_str().parse::<Code>(), Ok(*code));
            assert_eq!(code.name().parse::<Code>(), Ok(*code));
        }
        assert!("X99".parse::<Code>().is_err());
    }

    #[test]
    fn line_column_counts_characters() {
        let text = "{\n  \"é\": x}".as_bytes();
        let x = text.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(line_column(text, x), (2, 8));
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 999), (2, 10));
        let mut findings: Vec<Finding> = [x, 0, 999, 1, 2]
            .into_iter()
            .map(|at| Finding::new(Code::T01, "").at_offset(at))
            .collect();
        add_lines(text, &mut findings);
        for finding in &findings {
            let expected = line_column(text, finding.location.offset.unwrap());
            assert_eq!(
                (
                    finding.location.line.unwrap(),
                    finding.location.column.unwrap()
                ),
                expected
            );
        }
    }
}
