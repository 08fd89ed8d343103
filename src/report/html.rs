//! `--format html`: one self-contained page (styles and chart inline, no
//! script, no network at view time) with what made it (dapa's version, the
//! date, the inputs and the config), the headline numbers, the timeline as a
//! stacked bar chart, the tables, what to do about each code, every
//! signature by count, and the first captures behind each code.

use super::rows::{self, BucketStatuses, Cell, Kind, Rows, Span, share, short_time};
use super::{Report, code_reference};
use dapa::advice::advice;
use dapa::baseline::Regression;
use dapa::timeline::{self, Timeline};
use dapa::{CaptureRecord, Code, Status, Subject, Summary};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Captures listed per code, the first in scan order; the page says how
/// many more there are. Records arrive in scan order whatever `--jobs`,
/// so the list does too.
pub const CAPTURES_PER_CODE: usize = 20;

/// The HTML page.
pub struct Html {
    /// When the report was made, in seconds since the Unix epoch.
    made_at: i64,
    /// Per code, the first captures that have it (source, and the message
    /// of its first finding of the code), at most [`CAPTURES_PER_CODE`].
    listed: BTreeMap<Code, Vec<(String, String)>>,
}

impl Html {
    /// A page dated `made_at` (seconds since the Unix epoch).
    pub fn new(made_at: i64) -> Html {
        Html {
            made_at,
            listed: BTreeMap::new(),
        }
    }

    /// A page dated now, or at `SOURCE_DATE_EPOCH` when that holds a
    /// number of seconds, so that a report can be made again byte for byte.
    pub fn dated_now() -> Html {
        let stated = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok());
        Html::new(stated.unwrap_or_else(|| jiff::Timestamp::now().as_second()))
    }
}

impl Report for Html {
    fn record(&mut self, _out: &mut dyn Write, record: &CaptureRecord) -> io::Result<()> {
        let mut seen: Vec<Code> = Vec::new();
        for finding in &record.findings {
            if seen.contains(&finding.code) {
                continue;
            }
            seen.push(finding.code);
            let listed = self.listed.entry(finding.code).or_default();
            if listed.len() < CAPTURES_PER_CODE {
                listed.push((record.source.to_string(), finding.message.clone()));
            }
        }
        Ok(())
    }

    fn end(
        &mut self,
        out: &mut dyn Write,
        summary: &Summary,
        regressions: &[Regression],
    ) -> io::Result<()> {
        out.write_all(self.page(summary, regressions).as_bytes())
    }
}

/// Text for HTML content and attribute values: markup escaped, and control
/// and bidi characters shown as visible escapes, as in every human-facing
/// format.
fn escape(text: &str) -> String {
    let visible = super::escape::terminal(text);
    let mut escaped = String::with_capacity(visible.len());
    for c in visible.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

fn color(status: Status) -> &'static str {
    match status {
        Status::Malformed => "#b91c1c",
        Status::Empty => "#92400e",
        Status::Error => "#ea580c",
        Status::Invalid => "#7c3aed",
        Status::Drift => "#0891b2",
        Status::Recovered => "#65a30d",
        Status::Ok => "#15803d",
    }
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1f2937}\
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #e5e7eb}\
.cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{border:1px solid #e5e7eb;border-radius:6px;padding:.5rem .9rem;min-width:7rem}\
.card b{display:block;font-size:1.4rem}.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em}\
table{border-collapse:collapse;margin:.5rem 0;font-size:13px}th,td{border:1px solid #e5e7eb;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f9fafb}td.t{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px}\
.legend span{margin-right:1rem}svg{max-width:100%;height:auto}.muted{color:#6b7280}\
.about{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}.about dt{color:#6b7280}.about dd{margin:0}\
details.captures{margin:.3rem 0}details.captures summary{cursor:pointer}details.captures ol{margin:.3rem 0}\
section.advice h3{font-size:1rem;margin:1rem 0 .2rem}section.advice p,section.advice ul{margin:.2rem 0}";

impl Html {
    fn page(&self, summary: &Summary, regressions: &[Regression]) -> String {
        let mut html = String::new();
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>dapa {} report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            summary.subject.command()
        );
        self.header(&mut html, summary);
        headline(&mut html, summary);
        if !regressions.is_empty() {
            html.push_str("<h2>Regressions against the baseline</h2>\n");
            table(&mut html, "regressions", &rows::regressions(regressions));
        }
        // A definition has no time: lint's report has no timeline.
        if summary.subject == Subject::Captures {
            timeline_section(&mut html, &summary.timeline.for_display());
        }
        let _ = writeln!(html, "<h2>{} by status</h2>", summary.subject.heading());
        table(&mut html, "statuses", &rows::statuses(summary));
        codes(&mut html, summary);
        what_to_do(&mut html, summary);
        signatures(&mut html, summary);
        self.captures_by_code(&mut html, summary);
        drift(&mut html, summary);
        if !summary.definitions.is_empty() {
            html.push_str(match summary.subject {
                Subject::Captures => "<h2>Definitions</h2>\n<p class=\"muted\">What <code>dapa lint</code> finds in each Data Action definition in use; lines and pointers are in the definition file.</p>\n",
                Subject::Definitions => "<h2>Findings by definition</h2>\n<p class=\"muted\">Lines and pointers are in the definition file.</p>\n",
            });
            table(&mut html, "definitions", &rows::definitions(summary));
        }
        html.push_str("</body>\n</html>\n");
        html
    }

    /// The title and what made the report: dapa's version, the date, the
    /// inputs and the config.
    fn header(&self, html: &mut String, summary: &Summary) {
        let made = timeline::rfc3339(self.made_at);
        let _ = write!(
            html,
            "<header id=\"report-header\">\n<h1>dapa {} report</h1>\n<dl class=\"about\">\n\
             <dt>dapa</dt><dd id=\"report-version\">{}</dd>\n\
             <dt>date</dt><dd><time id=\"report-date\" datetime=\"{made}\">{made}</time></dd>\n",
            summary.subject.command(),
            env!("CARGO_PKG_VERSION")
        );
        let inputs = inputs(summary);
        if !inputs.is_empty() {
            html.push_str("<dt>inputs</dt><dd id=\"report-inputs\">");
            for (index, input) in inputs.iter().enumerate() {
                if index > 0 {
                    html.push_str(", ");
                }
                let _ = write!(html, "<code>{}</code>", escape(input));
            }
            html.push_str("</dd>\n");
        }
        html.push_str("<dt>config</dt><dd id=\"report-config\">");
        match &summary.config {
            Some(config) => {
                let _ = write!(html, "<code>{}</code>", escape(config));
            }
            None => html.push_str("none (profiles from the command line or built in)"),
        }
        html.push_str("</dd>\n</dl>\n</header>\n");
    }

    /// Per code, a collapsed list of the first captures that have it, each
    /// with its message, and how many more there are. A merged summary
    /// brings no records: its list is the example the summary keeps.
    fn captures_by_code(&self, html: &mut String, summary: &Summary) {
        if summary.codes.is_empty() {
            return;
        }
        let _ = writeln!(
            html,
            "<h2>{heading} by code</h2>\n<p class=\"muted\">The first {CAPTURES_PER_CODE} {plural} of each code in scan order, with the message of their first finding of it.</p>",
            heading = summary.subject.heading(),
            plural = summary.subject.plural()
        );
        for stats in summary.codes.values() {
            let example = [(stats.example.clone(), stats.message.clone())];
            let listed = self
                .listed
                .get(&stats.code)
                .map_or(&example[..], Vec::as_slice);
            let _ = write!(
                html,
                "<details class=\"captures\" id=\"captures-{code}\"><summary><b>{code}</b> {name}: {captures} {plural}</summary>\n<ol>\n",
                code = stats.code,
                name = stats.name,
                captures = stats.captures,
                plural = summary.subject.plural()
            );
            for (source, message) in listed {
                let _ = writeln!(
                    html,
                    "<li><code>{}</code><br>{}</li>",
                    escape(source),
                    escape(message)
                );
            }
            html.push_str("</ol>\n");
            let more = stats.captures.saturating_sub(listed.len() as u64);
            if more > 0 {
                let _ = writeln!(html, "<p class=\"more\">and {more} more</p>");
            }
            html.push_str("</details>\n");
        }
    }
}

/// The inputs of the scan, as given on the command line.
fn inputs(summary: &Summary) -> &[String] {
    &summary.inputs
}

fn headline(html: &mut String, summary: &Summary) {
    html.push_str("<div class=\"cards\" id=\"headline\">\n");
    let _ = writeln!(
        html,
        "<div class=\"card\"><b>{}</b>{}</div><div class=\"card\"><b>{}</b>bytes</div>",
        summary.captures,
        summary.subject.plural(),
        summary.bytes
    );
    for status in Status::ALL {
        let count = summary.count(status);
        if count == 0 {
            continue;
        }
        let _ = writeln!(
            html,
            "<div class=\"card\"><b>{}</b><span class=\"swatch\" style=\"background:{}\"></span>{status} ({})</div>",
            count,
            color(status),
            share(count, summary.captures)
        );
    }
    html.push_str("</div>\n");
}

/// Chart geometry, in SVG user units.
const CHART_WIDTH: f64 = 960.0;
const CHART_HEIGHT: f64 = 260.0;
const MARGIN_LEFT: f64 = 48.0;
const MARGIN_BOTTOM: f64 = 36.0;
const MARGIN_TOP: f64 = 12.0;

fn timeline_section(html: &mut String, shown: &Timeline) {
    html.push_str("<h2>Timeline</h2>\n");
    let Some(span) = Span::of(shown) else {
        let _ = writeln!(
            html,
            "<p class=\"muted\" id=\"timeline-empty\">No capture states its time ({} captures without one); captures get a time from a sidecar's <code>captured_at</code>, a <code>Date</code> header, a HAR entry or <code>--time-pointer</code>.</p>",
            shown.undated
        );
        return;
    };
    let undated = span.note.as_ref().map(|note| format!("; {note}"));
    let _ = writeln!(
        html,
        "<p>Captures by capture time in {} buckets, from {} to {}{}.</p>",
        span.width,
        span.from,
        span.to,
        undated.unwrap_or_default()
    );
    let starts = shown.starts(480);
    let top = shown
        .buckets
        .values()
        .map(|b| b.captures)
        .max()
        .unwrap_or(1)
        .max(1);
    let plot_width = CHART_WIDTH - MARGIN_LEFT - 8.0;
    let plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    let slot = plot_width / starts.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let _ = writeln!(
        html,
        "<svg id=\"timeline-chart\" role=\"img\" aria-label=\"captures per bucket by status\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" width=\"{CHART_WIDTH}\" height=\"{CHART_HEIGHT}\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let base = MARGIN_TOP + plot_height;
    let _ = writeln!(
        html,
        "<line x1=\"{MARGIN_LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#9ca3af\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{top}</text>\
         <text x=\"{}\" y=\"{base}\" font-size=\"11\" text-anchor=\"end\">0</text>",
        CHART_WIDTH - 8.0,
        MARGIN_LEFT - 6.0,
        MARGIN_TOP + 10.0,
        MARGIN_LEFT - 6.0
    );
    for (index, start) in starts.iter().enumerate() {
        let Some(bucket) = shown.buckets.get(start) else {
            continue;
        };
        let x = MARGIN_LEFT + index as f64 * slot + (slot - bar) / 2.0;
        let mut y = base;
        for status in Status::ALL {
            let Some(&count) = bucket.statuses.get(&status) else {
                continue;
            };
            let height = count as f64 / top as f64 * plot_height;
            y -= height;
            let _ = writeln!(
                html,
                "<rect class=\"bar\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{bar:.2}\" height=\"{height:.2}\" fill=\"{}\"><title>{} {status}: {count}</title></rect>",
                color(status),
                short_time(*start)
            );
        }
    }
    time_labels(html, &starts, slot, base);
    html.push_str("</svg>\n");
    html.push_str("<p class=\"legend\">");
    for status in Status::ALL {
        let _ = write!(
            html,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{status}</span>",
            color(status)
        );
    }
    html.push_str("</p>\n<details><summary>Buckets</summary>\n");
    table(
        html,
        "timeline-table",
        &rows::timeline(shown, BucketStatuses::Listed),
    );
    html.push_str("</details>\n");
}

/// Time labels along the chart: at most this many, spread evenly over the
/// buckets, each about 120 units wide.
const TIME_LABELS: usize = 6;

/// A tick and a time under evenly spread buckets, the first and the last
/// among them; the outer labels lean inwards so that they stay in the chart.
fn time_labels(html: &mut String, starts: &[i64], slot: f64, base: f64) {
    let count = starts.len().min(TIME_LABELS);
    let label_y = base + 16.0;
    for label in 0..count {
        let index = if count == 1 {
            0
        } else {
            (label * (starts.len() - 1) + (count - 1) / 2) / (count - 1)
        };
        let x = MARGIN_LEFT + (index as f64 + 0.5) * slot;
        let anchor = match label {
            0 if count > 1 => "start",
            last if last + 1 == count && count > 1 => "end",
            _ => "middle",
        };
        let text_x = match anchor {
            "start" => MARGIN_LEFT,
            "end" => CHART_WIDTH - 8.0,
            _ => x,
        };
        let _ = writeln!(
            html,
            "<line x1=\"{x:.2}\" y1=\"{base}\" x2=\"{x:.2}\" y2=\"{}\" stroke=\"#9ca3af\"/>\
             <text class=\"time-label\" x=\"{text_x:.2}\" y=\"{label_y}\" font-size=\"11\" text-anchor=\"{anchor}\">{}</text>",
            base + 4.0,
            short_time(starts[index])
        );
    }
}

fn codes(html: &mut String, summary: &Summary) {
    html.push_str("<h2>Findings by code, with an example each</h2>\n");
    if summary.codes.is_empty() {
        html.push_str("<p id=\"codes\">No findings.</p>\n");
        return;
    }
    table(html, "codes", &rows::codes(summary));
}

/// What to do: for each code found, what it means, how to fix it, and a
/// link to its section of the codes reference. A section rather than a
/// column of the codes table, which stays one line a row.
fn what_to_do(html: &mut String, summary: &Summary) {
    if summary.codes.is_empty() {
        return;
    }
    html.push_str(
        "<h2>What to do</h2>\n<p class=\"muted\">For each code found, how to fix it; <code>dapa codes CODE</code> also says what usually causes it and how to confirm that.</p>\n",
    );
    for stats in summary.codes.values() {
        let advice = advice(stats.code);
        advice_section(html, stats.code, advice.summary, advice.fix);
    }
}

/// One code's section of What to do: its summary, its fix lines, the link.
fn advice_section(html: &mut String, code: Code, summary: &str, fix: &[&str]) {
    let _ = write!(
        html,
        "<section class=\"advice\" id=\"advice-{code}\">\n<h3>{code} {name}</h3>\n<p class=\"summary\">{}</p>\n",
        escape(summary),
        name = code.name()
    );
    if !fix.is_empty() {
        html.push_str("<ul class=\"fix\">\n");
        for line in fix {
            let _ = writeln!(html, "<li>{}</li>", escape(line));
        }
        html.push_str("</ul>\n");
    }
    let _ = write!(
        html,
        "<p class=\"reference\"><a href=\"{}\">{code} {} in the codes reference</a></p>\n</section>\n",
        escape(&code_reference(code)),
        code.name()
    );
}

/// Every signature kept, most captures first: which failures make up each
/// code's count.
fn signatures(html: &mut String, summary: &Summary) {
    if summary.signatures.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<h2>Signatures</h2>\n<p class=\"muted\">Findings of each code grouped by what they have in common, most {} first.</p>",
        summary.subject.plural()
    );
    table(html, "signatures", &rows::signatures_by_count(summary));
}

fn drift(html: &mut String, summary: &Summary) {
    if summary.drift.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<h2>Drift by field path</h2>\n<p>{} captures were checked against a profile; paths that drifted come first.</p>",
        summary.profiled
    );
    table(html, "drift", &rows::drift_drifted_first(summary));
}

/// A model table as an HTML table: text escaped, literals as code, numbers
/// aligned right and times kept on one line.
fn table(html: &mut String, id: &str, model: &Rows) {
    let _ = write!(html, "<table id=\"{id}\">\n<tr>");
    for column in &model.columns {
        let _ = write!(html, "<th>{}</th>", column.header);
    }
    html.push_str("</tr>\n");
    for row in &model.rows {
        html.push_str("<tr>");
        for (column, cell) in model.columns.iter().zip(row) {
            html.push_str(match column.kind {
                Kind::Text => "<td>",
                Kind::Number => "<td class=\"n\">",
                Kind::Time => "<td class=\"t\">",
            });
            match cell {
                Cell::Status(status) => {
                    let _ = write!(
                        html,
                        "<span class=\"swatch\" style=\"background:{}\"></span>{status}",
                        color(*status)
                    );
                }
                Cell::Text(text) => html.push_str(&escape(text)),
                Cell::Literal(text) => {
                    let _ = write!(html, "<code>{}</code>", escape(text));
                }
                Cell::Literals(texts) => {
                    for (index, text) in texts.iter().enumerate() {
                        if index > 0 {
                            html.push_str("<br>");
                        }
                        let _ = write!(html, "<code>{}</code>", escape(text));
                    }
                }
                Cell::Example { example, message } => {
                    let _ = write!(
                        html,
                        "<code>{}</code><br>{}",
                        escape(example),
                        escape(message)
                    );
                }
                other => html.push_str(&other.plain()),
            }
            html.push_str("</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_labels_spread_over_the_buckets_from_first_to_last() {
        let labelled = |buckets: i64| {
            let starts: Vec<i64> = (0..buckets).map(|index| index * 60).collect();
            let mut html = String::new();
            time_labels(&mut html, &starts, 10.0, 100.0);
            html.split("</text>")
                .filter_map(|part| part.rsplit('>').next())
                .filter(|text| !text.trim().is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(labelled(1), ["1970-01-01 00:00:00"]);
        assert_eq!(labelled(3).len(), 3);
        let many = labelled(100);
        assert_eq!(many.len(), TIME_LABELS);
        assert_eq!(many[0], "1970-01-01 00:00:00");
        assert_eq!(many[TIME_LABELS - 1], "1970-01-01 01:39:00");
    }

    #[test]
    fn an_advice_section_lists_its_fix_lines_escaped() {
        let mut html = String::new();
        advice_section(
            &mut html,
            Code::T04,
            "A <b>page</b>.",
            &["Ask & see.", "x\u{1b}y"],
        );
        let reference = code_reference(Code::T04);
        assert!(reference.ends_with("docs/codes.md#t04-html-body"));
        assert_eq!(
            html,
            format!(
                "<section class=\"advice\" id=\"advice-T04\">\n<h3>T04 html-body</h3>\n<p class=\"summary\">A &lt;b&gt;page&lt;/b&gt;.</p>\n\
                 <ul class=\"fix\">\n<li>Ask &amp; see.</li>\n<li>x\\u{{1b}}y</li>\n</ul>\n\
                 <p class=\"reference\"><a href=\"{reference}\">T04 html-body in the codes reference</a></p>\n</section>\n"
            )
        );
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
