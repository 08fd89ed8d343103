//! `--format jsonl`: one record per capture, one line each, in scan order.

use dapa::CaptureRecord;
use std::io::{self, Write};

/// Write one record as a line of JSON.
pub fn write_record(out: &mut impl Write, record: &CaptureRecord) -> io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")
}
