//! The advice reaches the user where they look: a `help:` under each
//! finding of `explain`, a "What to do" section in the Markdown report,
//! SARIF rules with help. The expected text comes from the library's
//! table of advice, so these tests hold whatever its wording.

use crate::util::{Folder, dapa};
use dapa::advice::{advice, anchor, help};
use dapa::{Code, Finding};
use serde_json::Value;

/// Whitespace runs as one space: miette wraps a long help over lines.
fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The help the library gives for each finding of a `--format jsonl`
/// record, in the record's order.
fn expected_helps(record: &Value) -> Vec<String> {
    record["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            let code: Code = finding["code"].as_str().unwrap().parse().unwrap();
            let mut asked = Finding::new(code, finding["message"].as_str().unwrap());
            if let Some(pointer) = finding["pointer"].as_str() {
                asked = asked.at_pointer(pointer);
            }
            if let Some(offset) = finding["offset"].as_u64() {
                asked = asked.at_offset(offset as usize);
            }
            help(&asked)
        })
        .collect()
}

#[test]
fn explain_gives_help_under_each_finding() {
    let folder = Folder::new();
    // A page title with a terminal escape: whatever of it the help quotes
    // reaches the terminal escaped.
    folder.write(
        "title.http",
        b"HTTP/1.1 502 Bad Gateway\r\n\r\n<html><title>\x1b[2Jgone\x1b]0;x\x07</title></html>",
    );
    let hostile = folder.join("title.http");
    let mut targets = vec![hostile.to_str().unwrap().to_owned()];
    for sample in [
        "samples/envelope/test-failed-auth.http",
        "samples/envelope/error-authentication-401.http.gz",
        "samples/envelope/rate-limited-100-continue.http",
        "samples/payload/velocity-email.json",
        "samples/schema/cognigy-profile/created-at-millis.json",
        "samples/schema/cognigy-profile/extra-phone-top-level.json",
        "samples/syntax/duplicate-key-active.http",
        "samples/transport/html-502-nginx.http",
        "samples/payload/stringified-double.json",
    ] {
        targets.push(sample.to_owned());
    }
    let mut findings = 0;
    for target in &targets {
        let scanned = dapa(&["scan", target, "--format", "jsonl", "--fail-on", "none"]).run();
        assert_eq!(scanned.code, 0, "{target}: {}", scanned.stderr);
        let record: Value = serde_json::from_str(scanned.stdout.lines().next().unwrap()).unwrap();
        let helps = expected_helps(&record);
        assert!(!helps.is_empty(), "{target} has findings");
        findings += helps.len();

        let explained = dapa(&["explain", target]).run();
        assert!(
            explained.stderr.is_empty(),
            "{target}: {}",
            explained.stderr
        );
        assert!(!explained.stdout.contains('\u{1b}'), "{target}: raw escape");
        assert_eq!(
            explained.stdout.matches("help: ").count(),
            helps.len(),
            "a help per finding of {target}:\n{}",
            explained.stdout
        );
        // Each finding's help, in order, in the help after its diagnostic.
        let shown = squeezed(&explained.stdout);
        let mut rest = shown.as_str();
        for expected in &helps {
            let after = rest
                .split_once("help: ")
                .unwrap_or_else(|| panic!("{target}: no help left for {expected}"))
                .1;
            let expected = squeezed(&dapa_escaped(expected));
            let at = after
                .find(&expected)
                .unwrap_or_else(|| panic!("{target}: {expected:?} not in\n{after}"));
            assert!(
                [" × ", " ⚠ ", " ☞ "]
                    .iter()
                    .all(|icon| !after[..at].contains(icon)),
                "{target}: the help of the next finding: {expected}"
            );
            rest = &after[at + expected.len()..];
        }
    }
    assert!(findings >= targets.len(), "{findings} findings");
}

/// A help line as a terminal shows it: controls as visible escapes.
fn dapa_escaped(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => "\\t".to_owned(),
            '\n' => "\\n".to_owned(),
            '\r' => "\\r".to_owned(),
            c if c.is_control() => format!("\\u{{{:x}}}", u32::from(c)),
            c => c.to_string(),
        })
        .collect()
}

/// The codes of the Markdown report's codes table, in order.
fn table_codes(markdown: &str) -> Vec<Code> {
    let table = markdown
        .split("## Findings by code")
        .nth(1)
        .expect("a codes table");
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| line.split('|').nth(1).unwrap().trim().parse().unwrap())
        .collect()
}

#[test]
fn the_markdown_report_says_what_to_do_for_each_code() {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let output = dapa(&["scan", "samples", "--quiet", "--format", "markdown"]).run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    let markdown = output.stdout;
    let codes = table_codes(&markdown);
    assert!(codes.len() > 30, "{codes:?}");

    // Read as CommonMark: under the heading, a list with an item per code
    // of the table, in its order, each with its text and its link.
    let mut in_section = false;
    let mut heading = String::new();
    let mut in_heading = false;
    let mut depth = 0;
    let mut items: Vec<(String, Vec<String>)> = Vec::new();
    for event in Parser::new(&markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                heading.clear();
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                in_section = heading == "What to do";
            }
            Event::Text(text) | Event::Code(text) if in_heading => heading.push_str(&text),
            _ if !in_section => {}
            Event::Start(Tag::Item) => {
                depth += 1;
                match depth {
                    1 => items.push((String::new(), Vec::new())),
                    _ => items.last_mut().unwrap().0.push(' '),
                }
            }
            Event::End(TagEnd::Item) => depth -= 1,
            Event::SoftBreak | Event::HardBreak if depth > 0 => {
                items.last_mut().unwrap().0.push(' ');
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                items.last_mut().unwrap().1.push(dest_url.to_string());
            }
            Event::Text(text) | Event::Code(text) if depth > 0 => {
                items.last_mut().unwrap().0.push_str(&text);
            }
            Event::Html(html) | Event::InlineHtml(html) if depth > 0 => {
                panic!("markup in the advice: {html}")
            }
            _ => {}
        }
    }
    assert_eq!(items.len(), codes.len(), "an item per code: {items:?}");
    for ((text, links), code) in items.iter().zip(&codes) {
        let text = squeezed(text);
        let advice = advice(*code);
        assert!(
            text.starts_with(&format!("{code} {}", code.name())),
            "{text}"
        );
        for line in std::iter::once(&advice.summary).chain(advice.fix) {
            assert!(text.contains(&squeezed(line)), "{line:?} not in {text:?}");
        }
        let section = format!("docs/codes.md#{}", anchor(*code));
        assert_eq!(links.len(), 1, "{links:?}");
        assert!(links[0].ends_with(&section), "{links:?}");
    }
}

#[test]
fn sarif_rules_carry_the_advice() {
    let output = dapa(&["scan", "samples/envelope", "--quiet", "--format", "sarif"]).run();
    let sarif: Value = serde_json::from_str(&output.stdout).expect("SARIF is JSON");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), Code::ALL.len());
    for (rule, code) in rules.iter().zip(Code::ALL) {
        let advice = advice(*code);
        assert_eq!(rule["id"], code.as_str());
        assert_eq!(rule["shortDescription"]["text"], advice.summary);
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(full.starts_with(advice.summary), "{full}");
        for form in ["text", "markdown"] {
            let text = rule["help"][form]
                .as_str()
                .unwrap_or_else(|| panic!("{rule}"));
            let parts = [advice.causes, advice.confirm, advice.fix];
            for line in std::iter::once(&advice.summary).chain(parts.iter().copied().flatten()) {
                assert!(text.contains(line), "{code} help.{form} lacks {line:?}");
            }
        }
        // SARIF wants an absolute helpUri: it is there once Cargo.toml has
        // a homepage, and points at the code's section.
        let homepage = env!("CARGO_PKG_HOMEPAGE");
        match rule.get("helpUri") {
            None => assert!(homepage.is_empty(), "{rule}"),
            Some(uri) => {
                let uri = uri.as_str().unwrap();
                assert!(uri.starts_with(homepage) && !homepage.is_empty(), "{uri}");
                assert!(uri.ends_with(&format!("docs/codes.md#{}", anchor(*code))));
            }
        }
    }
}
