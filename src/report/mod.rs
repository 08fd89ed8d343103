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
use dapa::{CaptureRecord, Summary};
use std::io::{self, Write};

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

    /// After the last record.
    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()>;
}
