//! `--format junit`: one test case per capture, a failure per finding at or
//! above `--fail-on` and the findings below it in the case's `system-out`
//! (so a capture that passes with a warning still says so), for the test
//! reports of GitLab, Jenkins and GitHub. Times are 0: dapa times the run,
//! not each capture, and the report stays the same from run to run.
//!
//! The suite's counts come first in the file but are known only at the end,
//! so the test cases wait in an anonymous temporary file, not in memory.

use super::Report;
use super::rows::{self, Rows};
use dapa::baseline::Regression;
use dapa::gate::FailOn;
use dapa::{CaptureRecord, FindingRecord, Summary};
use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};

/// JUnit XML.
pub struct Junit {
    fail_on: FailOn,
    cases: BufWriter<File>,
    tests: u64,
    failures: u64,
}

impl Junit {
    /// A report that fails the findings `fail_on` selects.
    pub fn new(fail_on: FailOn) -> io::Result<Self> {
        Ok(Junit {
            fail_on,
            cases: BufWriter::new(tempfile::tempfile()?),
            tests: 0,
            failures: 0,
        })
    }
}

/// Text safe inside XML content and attribute values, with the data kept:
/// markup escaped; tab, line feed and carriage return as character
/// references, which XML parsers keep as they are (raw, a parser turns them
/// into spaces in attributes and a CR into a line feed); and the characters
/// XML 1.0 cannot carry at all, even as references (the other C0 controls,
/// U+FFFE, U+FFFF), shown as visible escapes rather than dropped.
pub fn xml_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' => escaped.push_str("&#9;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                super::escape::push_escape(&mut escaped, c);
            }
            c => escaped.push(c),
        }
    }
    escaped
}

/// The class name: the capture's folder, as dots.
fn class_name(source: &str) -> String {
    let folder = source.rsplit_once('/').map_or("", |(folder, _)| folder);
    let dotted = folder.trim_matches('/').replace('/', ".");
    if dotted.is_empty() {
        "dapa".to_owned()
    } else {
        format!("dapa.{dotted}")
    }
}

impl Report for Junit {
    fn record(&mut self, _out: &mut dyn Write, record: &CaptureRecord) -> io::Result<()> {
        self.tests += 1;
        let (failing, passing): (Vec<&FindingRecord>, Vec<&FindingRecord>) = record
            .findings
            .iter()
            .partition(|finding| self.fail_on.selects(finding.code));
        let cases = &mut self.cases;
        write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
            xml_text(&class_name(record.source.file().unwrap_or_default())),
            xml_text(&record.source.to_string())
        )?;
        if failing.is_empty() && passing.is_empty() {
            return writeln!(cases, "/>");
        }
        writeln!(cases, ">")?;
        if !failing.is_empty() {
            self.failures += 1;
        }
        for finding in failing {
            writeln!(
                cases,
                "      <failure type=\"{}\" message=\"{} {}: {}\">{}\nstatus: {}</failure>",
                finding.code,
                finding.code,
                finding.name,
                xml_text(&finding.message),
                describe(finding),
                record.status
            )?;
        }
        if !passing.is_empty() {
            // Below --fail-on: no failure, but on the record all the same.
            write!(cases, "      <system-out>status: {}", record.status)?;
            for finding in passing {
                write!(cases, "\n{}", describe(finding))?;
            }
            writeln!(cases, "</system-out>")?;
        }
        writeln!(cases, "    </testcase>")
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()> {
        let regression_failures = u64::from(!regressions.is_empty());
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"dapa\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"0\">",
            self.tests + regression_failures,
            self.failures + regression_failures
        )?;
        writeln!(
            out,
            "  <testsuite name=\"dapa {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0\">",
            summary.subject.command(),
            self.tests + regression_failures,
            self.failures + regression_failures
        )?;
        if !regressions.is_empty() {
            writeln!(
                out,
                "    <testcase classname=\"dapa\" name=\"baseline\" time=\"0\">"
            )?;
            write_failures(out, &rows::regressions(regressions))?;
            writeln!(out, "    </testcase>")?;
        }
        self.cases.flush()?;
        let file = self.cases.get_mut();
        file.rewind()?;
        io::copy(file, out)?;
        writeln!(out, "  </testsuite>")?;
        writeln!(out, "</testsuites>")
    }
}

/// One finding in a line of XML text: code, name, layer, severity, place
/// and message.
fn describe(finding: &FindingRecord) -> String {
    let place = match (finding.line, finding.column, &finding.pointer) {
        (Some(line), Some(column), _) => format!(" at line {line}, column {column}"),
        (_, _, Some(pointer)) => format!(" at {}", xml_text(pointer)),
        _ => String::new(),
    };
    format!(
        "{} {} ({} layer, {}){place}: {}",
        finding.code,
        finding.name,
        finding.layer.as_str(),
        finding.severity.as_str(),
        xml_text(&finding.message)
    )
}

/// A model table as failures of one test case, a row each: the first cell
/// is the failure's type, the second its message, and the body adds the
/// further cells under their headers.
fn write_failures(out: &mut dyn Write, model: &Rows) -> io::Result<()> {
    for row in &model.rows {
        let [kind, message, further @ ..] = row.as_slice() else {
            continue;
        };
        let message = xml_text(&message.plain());
        write!(
            out,
            "      <failure type=\"{}\" message=\"{message}\">{message}",
            xml_text(&kind.plain())
        )?;
        for (column, cell) in model.columns[2..].iter().zip(further) {
            write!(out, "\n{}: {}", column.header, xml_text(&cell.plain()))?;
        }
        writeln!(out, "</failure>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml_text("a<b & \"c\"\u{1}\u{1b}\r\n\u{fffe}"),
            "a&lt;b &amp; &quot;c&quot;\\u{1}\\u{1b}&#13;&#10;\\u{fffe}"
        );
        assert_eq!(
            class_name("samples/transport/x.json"),
            "dapa.samples.transport"
        );
        assert_eq!(class_name("-"), "dapa");
    }
}
