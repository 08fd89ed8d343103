//! Renderers: each turns records and the summary into one output format.
//! A scan calls `begin`, then `record` for each capture in order, then `end`,
//! so formats that can stream (JSON Lines, SARIF) never hold the corpus.

pub mod colour;
pub mod escape;
pub mod explain;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod markdown;
pub mod rows;
pub mod sarif;
pub mod table;

use dapa::baseline::Regression;
use dapa::{CaptureRecord, Code, Finding, FindingRecord, Summary, advice};
use std::io::{self, Write};

/// The package's `homepage` in Cargo.toml. The project has no public
/// address yet, so it is empty: links to the documentation are then paths
/// in the repository, and SARIF, which wants absolute URIs, leaves them out.
pub const HOMEPAGE: &str = env!("CARGO_PKG_HOMEPAGE");

/// The path of a code's section in the codes reference, from the
/// repository's root.
fn code_section(code: Code) -> String {
    format!("docs/codes.md#{}", advice::anchor(code))
}

/// The absolute address of a code's section in the codes reference, under
/// the homepage; none while Cargo.toml names no homepage.
pub fn code_reference_uri(code: Code) -> Option<String> {
    (!HOMEPAGE.is_empty())
        .then(|| format!("{}/{}", HOMEPAGE.trim_end_matches('/'), code_section(code)))
}

/// A link to a code's section in the codes reference: absolute under the
/// homepage, else the path from the repository's root, which a report
/// read beside a checkout or in the repository's web view still follows.
pub fn code_reference(code: Code) -> String {
    code_reference_uri(code).unwrap_or_else(|| code_section(code))
}

/// The advice for one finding of a capture, in a line or two (raw: each
/// format escapes it). The advice reads the code and the message, which
/// has its secrets masked already.
pub fn finding_help(finding: &FindingRecord) -> String {
    let mut asked = Finding::new(finding.code, finding.message.clone());
    if let Some(pointer) = &finding.pointer {
        asked = asked.at_pointer(pointer.clone());
    }
    if let Some(offset) = finding.offset {
        asked = asked.at_offset(offset);
    }
    advice::help(&asked)
}

/// One output format.
pub trait Report {
    /// Before the first record.
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// One capture, in scan order.
    fn record(&mut self, _out: &mut dyn Write, _record: &CaptureRecord) -> io::Result<()> {
        Ok(())
    }

    /// Whether the report shows where in a body each finding is (offset,
    /// line and column, extent). Only reports of the summary alone can say
    /// no: the scan then skips working those places out.
    fn needs_locations(&self) -> bool {
        true
    }

    /// After the last record.
    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()>;
}
