//! `--format json`: the summary as one JSON document.

use super::Report;
use dapa::Summary;
use dapa::baseline::Regression;
use std::io::{self, Write};

/// The summary, pretty-printed.
pub struct Json;

impl Report for Json {
    /// The summary names no place in a body.
    fn needs_locations(&self) -> bool {
        false
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        _regressions: &[Regression],
    ) -> io::Result<()> {
        // Shares are of the whole, known only once the summary is.
        let summary = Summary {
            signatures: summary.with_signature_shares(),
            ..summary.clone()
        };
        serde_json::to_writer_pretty(&mut *out, &summary)?;
        out.write_all(b"\n")
    }
}
