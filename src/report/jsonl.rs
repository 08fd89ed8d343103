//! `--format jsonl`: one record per capture, one line each, in scan order.

use super::Report;
use dapa::baseline::Regression;
use dapa::{CaptureRecord, Summary};
use std::io::{self, Write};

/// JSON Lines.
pub struct Jsonl;

impl Report for Jsonl {
    fn record(&mut self, out: &mut dyn Write, record: &CaptureRecord) -> io::Result<()> {
        serde_json::to_writer(&mut *out, record)?;
        out.write_all(b"\n")
    }

    fn end(
        &mut self,
        _out: &mut dyn Write,
        _summary: &Summary,
        _regressions: &[Regression],
    ) -> io::Result<()> {
        Ok(())
    }
}
