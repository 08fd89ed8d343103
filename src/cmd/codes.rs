//! `dapa codes`: every finding code as a table, or one code's advice in full
//! (its usual causes, how to confirm and how to fix), as `rustc --explain`
//! does. The text is the library's one table of advice; the Markdown form is
//! what the codes reference in the documentation holds.

use crate::cli::CodesFormat;
use crate::exit_status::ExitStatus;
use crate::output::written;
use crate::settings::CodesSettings;
use dapa::advice::{Advice, advice, anchor};
use dapa::finding::Code;
use dapa::verdict::{Status, status_of};
use miette::Result;
use serde::Serialize;
use std::io::{self, Write as _};

/// Width the full text is wrapped to: it reads as prose on any terminal.
const TEXT_WIDTH: usize = 100;

pub fn run(settings: &CodesSettings) -> Result<ExitStatus> {
    let codes: Vec<Code> = settings
        .code
        .map_or_else(|| Code::ALL.to_vec(), |code| vec![code]);
    let text = match (settings.format, settings.code) {
        (CodesFormat::Text, None) => table(),
        (CodesFormat::Text, Some(code)) => full_text(advice(code)),
        (CodesFormat::Json, None) => json_text(
            &codes
                .iter()
                .map(|code| as_json(advice(*code)))
                .collect::<Vec<_>>(),
        ),
        (CodesFormat::Json, Some(code)) => json_text(&as_json(advice(code))),
        (CodesFormat::Markdown, _) => codes
            .iter()
            .map(|code| markdown(advice(*code)))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let mut out = io::stdout().lock();
    written(out.write_all(text.as_bytes()).and_then(|()| out.flush()))?;
    Ok(ExitStatus::Clean)
}

/// The statuses a code can give: one, except S05, whose capture is
/// malformed when its lenient parse fails too.
fn statuses(code: Code) -> Vec<Status> {
    let mut statuses = vec![status_of(code, false)];
    let lenient_failed = status_of(code, true);
    if !statuses.contains(&lenient_failed) {
        statuses.push(lenient_failed);
    }
    statuses
}

fn statuses_text(code: Code) -> String {
    statuses(code)
        .iter()
        .map(|status| status.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// One line per code, the columns padded to their widest cell.
fn table() -> String {
    let header = ["CODE", "NAME", "LAYER", "SEVERITY", "STATUS", "SUMMARY"].map(str::to_owned);
    let rows: Vec<[String; 6]> = std::iter::once(header)
        .chain(Code::ALL.iter().map(|&code| {
            [
                code.as_str().to_owned(),
                code.name().to_owned(),
                code.layer().as_str().to_owned(),
                code.severity().as_str().to_owned(),
                statuses_text(code),
                advice(code).summary.to_owned(),
            ]
        }))
        .collect();
    let mut widths = [0; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in &rows {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[index]));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text.push_str(
        "\n`dapa codes CODE` explains one: its usual causes, how to confirm and how to fix it.\n",
    );
    text
}

/// The heading line of a code: code, name, layer, severity, statuses.
fn heading(code: Code) -> String {
    format!(
        "{} {} ({} layer, {}; the capture is {})",
        code.as_str(),
        code.name(),
        code.layer().as_str(),
        code.severity().as_str(),
        statuses_text(code)
    )
}

fn full_text(advice: &Advice) -> String {
    let mut text = heading(advice.code);
    text.push_str("\n\n");
    text.push_str(&wrapped(advice.summary, "", ""));
    for (title, lines) in sections(advice) {
        text.push('\n');
        text.push_str(title);
        text.push_str(":\n");
        for line in lines {
            text.push_str(&wrapped(line, "  - ", "    "));
        }
    }
    text
}

/// `text` in lines of at most `TEXT_WIDTH` characters (a longer word has
/// its own line), the first after `first`, the others after `rest`. Lines
/// break at spaces only: an address or a code such as
/// `ACTION.REMOTE_ENDPOINT` stays whole, so it can be copied.
fn wrapped(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        if !empty && line.chars().count() + 1 + word.chars().count() > TEXT_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The titled lists of a code's advice, in reading order; sources only
/// where there are some.
fn sections(advice: &Advice) -> Vec<(&'static str, &'static [&'static str])> {
    let mut sections = vec![
        ("Usual causes", advice.causes),
        ("How to confirm", advice.confirm),
        ("How to fix", advice.fix),
    ];
    if !advice.sources.is_empty() {
        sections.push(("Sources", advice.sources));
    }
    sections
}

/// One section of the codes reference; its heading gives GitHub's anchor
/// `advice::anchor(code)` (`### S01 truncated` is `#s01-truncated`).
fn markdown(advice: &Advice) -> String {
    let code = advice.code;
    let mut text = format!(
        "### {} {}\n\n{}\n\n*{} layer, {}; the capture is {}.*\n",
        code.as_str(),
        code.name(),
        advice.summary,
        code.layer().as_str(),
        code.severity().as_str(),
        statuses_text(code)
    );
    for (title, lines) in sections(advice) {
        text.push_str(&format!("\n**{title}**\n\n"));
        for line in lines {
            text.push_str(&format!("- {line}\n"));
        }
    }
    text
}

/// One code in `--format json`, its fields in reading order.
#[derive(Serialize)]
struct CodeJson {
    code: &'static str,
    name: &'static str,
    layer: &'static str,
    severity: &'static str,
    statuses: Vec<&'static str>,
    summary: &'static str,
    causes: &'static [&'static str],
    confirm: &'static [&'static str],
    fix: &'static [&'static str],
    sources: &'static [&'static str],
    anchor: String,
}

fn as_json(advice: &Advice) -> CodeJson {
    let code = advice.code;
    CodeJson {
        code: code.as_str(),
        name: code.name(),
        layer: code.layer().as_str(),
        severity: code.severity().as_str(),
        statuses: statuses(code)
            .iter()
            .map(|status| status.as_str())
            .collect(),
        summary: advice.summary,
        causes: advice.causes,
        confirm: advice.confirm,
        fix: advice.fix,
        sources: advice.sources,
        anchor: anchor(code),
    }
}

fn json_text(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
