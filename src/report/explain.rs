//! `dapa explain`: one capture as miette diagnostics, layer by layer.

use super::escape::{source_view, terminal};
use dapa::Severity;
use dapa::spans::{Explanation, LAYERS};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use std::io::{self, Write};
use std::ops::Range;

/// Everything of the capture that is shown (its name, the body, messages,
/// pointers) passes through the escapes of `escape`: the body as a source
/// view whose spans follow the escapes, the rest as single lines.
pub fn render(out: &mut dyn Write, explained: &Explanation) -> io::Result<()> {
    let record = &explained.record;
    let source = record.source.to_string();
    let source = terminal(&source);
    let finding_spans: Vec<_> = explained
        .spans
        .iter()
        .filter_map(|(_, span)| span.clone())
        .collect();
    let (body, moved_spans) = source_view(&explained.body, &finding_spans);
    // The same spans, escaped, by their finding's index in `spans`.
    let mut moved_spans = moved_spans.into_iter();
    let escaped_spans: Vec<Option<Range<usize>>> = explained
        .spans
        .iter()
        .map(|(_, span)| span.as_ref().and_then(|_| moved_spans.next()))
        .collect();
    let status = record
        .http_status
        .map_or_else(String::new, |status| format!(", HTTP {status}"));
    let profile = record
        .profile
        .as_deref()
        .map_or_else(String::new, |profile| {
            format!(", profile {}", terminal(profile))
        });
    writeln!(
        out,
        "{source}: {} ({} bytes{status}{profile})",
        record.status, record.bytes
    )?;
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    for layer in LAYERS {
        let findings: Vec<_> = explained.layer(layer).collect();
        if findings.is_empty() {
            writeln!(out, "\n{}: nothing found", layer.as_str())?;
            continue;
        }
        writeln!(out, "\n{}:", layer.as_str())?;
        for (finding, _) in findings {
            let index = explained
                .spans
                .iter()
                .position(|(candidate, _)| std::ptr::eq(candidate, finding))
                .unwrap_or(usize::MAX);
            let severity = match finding.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            };
            let mut diagnostic = MietteDiagnostic::new(terminal(&finding.message))
                .with_code(format!("{} {}", finding.code, finding.name))
                .with_severity(severity);
            if let Some(pointer) = finding.pointer.as_deref().filter(|p| !p.is_empty()) {
                diagnostic = diagnostic.with_help(format!("at {}", terminal(pointer)));
            }
            if let Some(span) = escaped_spans.get(index).cloned().flatten() {
                let label = finding
                    .pointer
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .unwrap_or(finding.name);
                diagnostic = diagnostic.and_label(LabeledSpan::at(span, terminal(label)));
            }
            let report = miette::Report::new(diagnostic)
                .with_source_code(NamedSource::new(source.as_ref(), body.clone()));
            let mut rendered = String::new();
            if handler
                .render_report(&mut rendered, report.as_ref())
                .is_err()
            {
                rendered = format!(
                    "{} {}: {}\n",
                    finding.code,
                    finding.name,
                    terminal(&finding.message)
                );
            }
            write!(out, "{rendered}")?;
            if let Some((_, decoded)) = explained.decoded.iter().find(|(at, _)| *at == index) {
                let pointer = terminal(finding.pointer.as_deref().unwrap_or_default());
                let label_spans: Vec<_> = decoded
                    .labels
                    .iter()
                    .map(|(span, _)| span.clone())
                    .collect();
                let (text, moved_labels) = source_view(&decoded.text, &label_spans);
                let mut view = MietteDiagnostic::new(format!(
                    "the JSON the string at {} holds, decoded",
                    if pointer.is_empty() {
                        "the body"
                    } else {
                        &pointer
                    }
                ))
                .with_severity(miette::Severity::Advice);
                if decoded.labels.is_empty() {
                    view = view.and_label(LabeledSpan::at(0..1, "decoded"));
                }
                for ((_, label), span) in decoded.labels.iter().zip(moved_labels) {
                    view = view.and_label(LabeledSpan::at(span, terminal(label)));
                }
                let name = format!(
                    "{source} (decoded {})",
                    if pointer.is_empty() { "body" } else { &pointer }
                );
                let report = miette::Report::new(view)
                    .with_source_code(NamedSource::new(name, text.clone()));
                let mut rendered = String::new();
                if handler
                    .render_report(&mut rendered, report.as_ref())
                    .is_err()
                {
                    rendered = text;
                }
                write!(out, "{rendered}")?;
            }
        }
    }
    Ok(())
}
