//! What to do about each code: its usual causes in a Genesys Cloud / Cognigy
//! setup, how to confirm them in a capture, and how to fix them. One table,
//! in code order, read by `dapa codes`, `explain`'s help and the reports.

use crate::finding::{Code, Finding};

/// The advice for one code.
#[derive(Debug)]
pub struct Advice {
    /// The code this advice is for.
    pub code: Code,
    /// One line: what the finding means for the Data Action.
    pub summary: &'static str,
    /// The usual causes, most frequent first.
    pub causes: &'static [&'static str],
    /// How to confirm a cause: what to look at in the capture, which test-mode
    /// step, which header.
    pub confirm: &'static [&'static str],
    /// How to fix it: in the response configuration, the credentials, the
    /// backend or the schema.
    pub fix: &'static [&'static str],
    /// The public documentation the advice is written from.
    pub sources: &'static [&'static str],
}

/// The advice for `code`.
pub fn advice(code: Code) -> &'static Advice {
    let index = Code::ALL
        .iter()
        .position(|known| *known == code)
        .unwrap_or_default();
    &TABLE[index]
}

/// The advice for one finding, in a line or two: the first fix, made specific
/// where the finding carries the detail the fix depends on.
pub fn help(finding: &Finding) -> String {
    let advice = advice(finding.code);
    advice
        .fix
        .first()
        .copied()
        .unwrap_or(advice.summary)
        .to_owned()
}

/// The anchor of the code's section in the codes reference
/// (`docs/codes.md`), e.g. `t01-empty-body`.
pub fn anchor(code: Code) -> String {
    format!("{}-{}", code.as_str().to_ascii_lowercase(), code.name())
}

static TABLE: [Advice; 38] = [
    Advice {
        code: Code::T01,
        summary: "The body is 0 bytes or only whitespace.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::T02,
        summary: "A UTF-8 byte-order mark precedes the JSON; it was stripped.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::T03,
        summary: "The body is not valid UTF-8.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::T04,
        summary: "The body is an HTML page (a gateway or proxy error page).",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::T05,
        summary: "The body is plain text, XML or other text that is not JSON.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::T06,
        summary: "The recorded HTTP status is 400 or above.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::T07,
        summary: "The capture is larger than --max-bytes and was not parsed.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::T08,
        summary: "The capture could not be read: permissions, a dangling link, a special file, a corrupt gzip stream.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S01,
        summary: "The input ends inside a value (cut-off log line, aborted transfer).",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S02,
        summary: "A complete JSON document is followed by more non-whitespace.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S03,
        summary: "A syntax error: unexpected character, missing comma or colon.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S04,
        summary: "A string holds a bad escape, a raw control character or a lone surrogate.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S05,
        summary: "NaN/Infinity, single quotes, comments, trailing commas or unquoted keys.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S06,
        summary: "Nesting is deeper than the limit.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S07,
        summary: "The same key appears twice in one object.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::S08,
        summary: "A number does not survive conversion to a 64-bit float.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::E01,
        summary: "A Genesys error body (either key style).",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::E02,
        summary: "A test-mode TestExecutionResult with success: false.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::E03,
        summary: "HTTP 429 or a too.many.requests error code.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::E04,
        summary: "The envelope holds no payload: result/finalResult null or absent.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::E05,
        summary: "The envelope's errors array is not empty.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::E06,
        summary: "An RFC 7807 problem-details body.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::P01,
        summary: "A string holds JSON (an object or array); it was decoded.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::P02,
        summary: "The payload is a bare string that is not JSON, such as a raw token.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::P03,
        summary: "An unrendered Velocity placeholder such as ${email} in a value.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::P04,
        summary: "Keys in Architect's flatten=true format, such as profile.firstname.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::V01,
        summary: "A required property is absent.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::V02,
        summary: "A value has another JSON type than the schema allows.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::V03,
        summary: "A property the schema does not allow (additionalProperties: false).",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::V04,
        summary: "A value outside enum or const.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::V05,
        summary: "A format, pattern, length or range is violated.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::V06,
        summary: "Any other schema keyword is violated.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::D01,
        summary: "A field path the schema never declares (even where it allows extras).",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::D02,
        summary: "A value sent as a string of the declared type, such as \"450.25\" for a number.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::D03,
        summary: "An epoch in milliseconds where seconds are declared, the reverse, or an ISO string instead.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::D04,
        summary: "A value of an enum-like field that the schema does not list.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::K01,
        summary: "The token had expired at capture time (not now).",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
    Advice {
        code: Code::K02,
        summary: "No token in an otherwise healthy response.",
        causes: &[],
        confirm: &[],
        fix: &[],
        sources: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_code_order() {
        assert_eq!(TABLE.len(), Code::ALL.len());
        for (advice, code) in TABLE.iter().zip(Code::ALL) {
            assert_eq!(advice.code, *code);
            assert!(std::ptr::eq(super::advice(*code), advice));
        }
    }

    #[test]
    fn anchors_name_code_and_name() {
        assert_eq!(anchor(Code::E01), "e01-error-body");
    }
}
