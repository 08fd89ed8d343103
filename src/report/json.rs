//! `--format json`: the summary as one JSON document.

use dapa::Summary;
use std::io::{self, Write};

/// Write the summary, pretty-printed, with a final newline.
pub fn write_summary(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, summary)?;
    out.write_all(b"\n")
}
