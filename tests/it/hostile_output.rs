//! Hostile text in what dapa shows: file names, payload keys and payload
//! strings that carry terminal escapes (ESC[2J, OSC 0, OSC 8), the C1 byte
//! U+009B, bidi overrides, CR/LF, `|`, backticks, HTML, and the characters a
//! URI cannot hold raw. The human-facing outputs (table, Markdown, HTML,
//! explain, standard error) must show them as visible escapes and never as
//! markup; the machine formats must keep them exactly, properly encoded.

use crate::util::{Folder, dapa};
use percent_encoding::percent_decode_str;
use serde_json::Value;
use std::collections::BTreeSet;

/// Clears the screen; a `|` and a backtick for Markdown; what a URI cannot hold raw.
const SCREEN: &str = "screen\u{1b}[2J|pipe`tick #hash %pct ?q é.json";
/// Retitles the window and plants an OSC 8 link.
const TITLE: &str =
    "title\u{1b}]0;pwned\u{7} \u{1b}]8;;mailto:x\u{1b}\\link\u{1b}]8;;\u{1b}\\.json";
/// The C1 control sequence introducer and bidi controls.
const C1_BIDI: &str = "c1\u{9b}31m bidi\u{202e}txt.gpj\u{2066}.http";
/// Line breaks and a backtick run.
const LINES: &str = "cr\rlf\nname ``x``.json";
/// A HAR export: its entries are sources `FILE#N`.
const HAR: &str = "export #1 %zz ?.har";
/// A JSON Lines log: its lines are sources `FILE:N`.
const LOG: &str = "log é #.jsonl";
/// Raw C1 and bidi characters in the body before a finding, plain and stringified.
const ALIGNED: &str = "aligned.json";

fn hostile_corpus() -> Folder {
    let folder = Folder::new();
    folder.write(
        SCREEN,
        br#"{"_id":"65c1d2e3f4a5b6c7d8e9f0a1","active":true,"k\u001b[2J|`<img src=x onerror=alert(1)>":"${v\u001b]0;pwned\u0007}","c1\u009bbidi\u202e":"${w\u2066 | `` <img src=x onerror=alert(1)>}"}"#,
    );
    folder.write(TITLE, b"{\"x\":1,");
    folder.write(
        C1_BIDI,
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n{\"message\":\"<img src=x onerror=alert(1)> \\u001b]8;;http://evil\\u001b\\\\link\\u001b]8;;\\u001b\\\\ | `tick` \\r\\n \\u009b \\u202e\",\"code\":\"bad.request\",\"status\":500}",
    );
    folder.write(LINES, b"{\"ok\":true}");
    folder.write(
        HAR,
        br#"{"log":{"entries":[{"startedDateTime":"2026-11-20T09:12:03Z","response":{"status":502,"content":{"text":"<html><title>\u001b[2J<img src=x onerror=alert(1)></title></html>"}}}]}}"#,
    );
    folder.write(LOG, b"{\"a\\u001b[2J\":\"${x\\u009b}\"}\n");
    folder.write(
        ALIGNED,
        "{\"a\":\"\u{9b}\u{202e}xx\",\"t\":\"${p}\",\"s\":\"{\\\"\u{9b}\u{202e}\\\":\\\"${q}\\\"}\"}"
            .as_bytes(),
    );
    folder
}

/// Every capture file of the corpus.
const FILES: [&str; 7] = [SCREEN, TITLE, C1_BIDI, LINES, HAR, LOG, ALIGNED];

/// Text a person reads: no control character but the line feed, no C1
/// control, no bidi control.
fn assert_shown_safely(what: &str, text: &str) {
    for c in text.chars() {
        let unsafe_char = (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        assert!(
            !unsafe_char,
            "{what} shows U+{:04X} raw:\n{text}",
            u32::from(c)
        );
    }
}

/// The arguments of `dapa scan EXTRA... PATH` against a profile, in a format.
fn scan_args<'a>(path: &'a str, format: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["scan"];
    args.extend(extra);
    args.extend([
        path,
        "--profile",
        "cognigy-profile",
        "--jobs",
        "2",
        "--quiet",
        "--format",
        format,
    ]);
    args
}

fn scan(folder: &Folder, format: &str, extra: &[&str]) -> crate::util::Output {
    dapa(&scan_args(folder.path_str(), format, extra)).run()
}

/// A baseline of one clean capture, so that every hostile path and example
/// comes back as a regression. It is written in the clean capture's folder,
/// which the caller keeps until the scan is done.
fn clean_baseline() -> (Folder, String) {
    let clean = Folder::new();
    clean.write("clean.json", br#"{"_id":"65c1d2e3f4a5b6c7d8e9f0a1"}"#);
    let path = clean.join("baseline.json").to_str().unwrap().to_owned();
    let made = dapa(&[
        "baseline",
        clean.path_str(),
        "--profile",
        "cognigy-profile",
        "--quiet",
        "-o",
        &path,
    ])
    .run();
    assert_eq!(made.code, 0, "{}", made.stderr);
    (clean, path)
}

#[test]
fn table_html_and_stderr_show_controls_as_visible_escapes() {
    let folder = hostile_corpus();
    let (_clean, baseline) = clean_baseline();
    let missing = folder.join("missing\u{1b}[2J\u{9b}.json");
    for format in ["table", "markdown", "html"] {
        let output = scan(
            &folder,
            format,
            &[missing.to_str().unwrap(), "--baseline", &baseline],
        );
        assert_eq!(output.code, 2, "a missing input: {}", output.stderr);
        assert_shown_safely(&format!("{format} on stdout"), &output.stdout);
        assert_shown_safely(&format!("{format} on stderr"), &output.stderr);
        assert!(
            output.stderr.contains("missing\\u{1b}[2J\\u{9b}.json"),
            "the input error names the file, escaped: {}",
            output.stderr
        );
        assert!(
            output.stderr.contains("regression (new-path)")
                && output.stderr.contains("/k\\u{1b}[2J|`<img"),
            "regressions name the path, escaped: {}",
            output.stderr
        );
    }
    let table = scan(&folder, "table", &[]).stdout;
    assert!(table.contains("screen\\u{1b}[2J|pipe`tick #hash %pct ?q é.json"));
    assert!(table.contains("c1\\u{9b}31m bidi\\u{202e}txt.gpj\\u{2066}.http"));
    assert!(table.contains("cr\\rlf\\nname ``x``.json"));
    let html = scan(&folder, "html", &[]).stdout;
    assert!(!html.contains("<img"), "no live HTML from a capture");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("title\\u{1b}]0;pwned\\u{7}"));
}

#[test]
fn explain_shows_controls_escaped_with_carets_on_the_right_bytes() {
    let folder = hostile_corpus();
    let har_entry = format!("{HAR}#1");
    let log_line = format!("{LOG}:1");
    for name in [
        SCREEN, TITLE, C1_BIDI, LINES, ALIGNED, &har_entry, &log_line,
    ] {
        let output = dapa(&[
            "explain",
            folder.join(name).to_str().unwrap(),
            "--profile",
            "cognigy-profile",
        ])
        .run();
        assert!(output.code == 0 || output.code == 1, "{}", output.stderr);
        assert_shown_safely(&format!("explain {name:?}"), &output.stdout);
        assert_shown_safely(&format!("explain {name:?} on stderr"), &output.stderr);
    }
    let missing = dapa(&[
        "explain",
        folder.join("gone\u{1b}]0;x\u{7}").to_str().unwrap(),
    ])
    .run();
    assert_eq!(missing.code, 2);
    assert_shown_safely("explain's error", &missing.stderr);
    assert!(
        missing.stderr.contains("gone\\u{1b}]0;x\\u{7}"),
        "{}",
        missing.stderr
    );

    let aligned = dapa(&["explain", folder.join(ALIGNED).to_str().unwrap()]).run();
    let shown = aligned.stdout;
    // In the body, after two escaped characters on the same line.
    assert_underlined(&shown, "\"${p}\"");
    // In the decoded view of the stringified field.
    assert_underlined(&shown, "\"${q}\"");
    assert!(shown.contains("\\u{9b}\\u{202e}xx"), "{shown}");
}

/// A source line that holds `needle` is followed by an underline with a run
/// of marks that starts under its first character and is as wide (the same
/// row may underline other findings of the line; the line may be shown for
/// other findings too).
fn assert_underlined(shown: &str, needle: &str) {
    let lines: Vec<&str> = shown.lines().collect();
    let width = needle.chars().count();
    let is_mark = |c: Option<&char>| matches!(c, Some('─' | '┬'));
    let underlined = lines.windows(2).any(|pair| {
        let Some(at) = pair[0].find(needle).filter(|_| pair[0].contains('│')) else {
            return false;
        };
        let column = pair[0][..at].chars().count();
        let underline: Vec<char> = pair[1].chars().collect();
        (column..column + width).all(|index| is_mark(underline.get(index)))
            && (column == 0 || !is_mark(underline.get(column - 1)))
            && !is_mark(underline.get(column + width))
    });
    assert!(underlined, "{needle} is underlined exactly:\n{shown}");
}

/// The table rows' cells, split as GitHub does: at every `|` that no
/// backslash escapes.
fn cells(row: &str) -> usize {
    let mut count = 0;
    let mut chars = row.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' => count += 1,
            _ => {}
        }
    }
    count
}

#[test]
fn markdown_shows_the_text_and_never_markup() {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let folder = hostile_corpus();
    let (_clean, baseline) = clean_baseline();
    let markdown = scan(&folder, "markdown", &["--baseline", &baseline]).stdout;
    assert_shown_safely("markdown", &markdown);
    // Every row of a table has as many cells as its header.
    let mut header = None;
    for line in markdown.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let count = cells(line);
        let expected = *header.get_or_insert(count);
        assert_eq!(count, expected, "a row keeps its columns: {line}");
    }
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_MATH;
    let mut text = String::new();
    for event in Parser::new_ext(&markdown, options) {
        match event {
            Event::Text(shown) | Event::Code(shown) => text.push_str(&shown),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push('\n'),
            Event::Start(Tag::Strong | Tag::Table(_) | Tag::TableHead | Tag::TableRow)
            | Event::Start(Tag::TableCell | Tag::Heading { .. } | Tag::Paragraph)
            | Event::Start(Tag::List(_) | Tag::Item) => {}
            Event::Start(Tag::CodeBlock(_)) | Event::Rule => {}
            // The one link dapa writes: a code's section of the codes reference.
            Event::Start(Tag::Link { ref dest_url, .. })
                if dapa::Code::ALL.iter().any(|code| {
                    dest_url.ends_with(&format!("docs/codes.md#{}", dapa::advice::anchor(*code)))
                }) => {}
            // What keeps an address from being linked (GitHub's autolinks).
            Event::InlineHtml(html) if &*html == "<!---->" => {}
            other => panic!("markup from a capture: {other:?}\n{markdown}"),
        }
    }
    for shown in [
        "screen\\u{1b}[2J|pipe`tick #hash %pct ?q é.json",
        "cr\\rlf\\nname ``x``.json",
        "/k\\u{1b}[2J|`<img src=x onerror=alert(1)>",
        "<img src=x onerror=alert(1)> \\u{1b}]8;;http://evil",
        "/c1\\u{9b}bidi\\u{202e}",
    ] {
        assert!(text.contains(shown), "Markdown shows {shown:?}:\n{text}");
    }
}

/// Every string in a JSON document.
/// GitHub links bare addresses in Markdown text (`https://…`, `www.…`,
/// `name@domain`): an error body that names a phishing page must not
/// become a link in a report pasted into a pull request or an issue.
#[test]
fn markdown_gives_github_no_address_to_link() {
    let folder = Folder::new();
    folder.write(
        "err.json",
        br#"{"message":"Session expired, sign in at https://evil.example/login or www.evil.example, or mail helpdesk@evil.example","code":"bad.request","status":401}"#,
    );
    let markdown = dapa(&["scan", folder.path_str(), "-q", "--format", "markdown"])
        .run()
        .stdout;
    for kept in [
        "https\\://evil.example/login",
        "www\\.evil.example",
        "helpdesk@<!---->evil.example",
    ] {
        assert!(markdown.contains(kept), "{kept}: {markdown}");
    }
    for linked in ["https://evil", "www.evil", "helpdesk@evil"] {
        assert!(!markdown.contains(linked), "{linked}: {markdown}");
    }
}

fn strings(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            into.insert(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| strings(item, into)),
        Value::Object(fields) => {
            for (key, item) in fields {
                into.insert(key.clone());
                strings(item, into);
            }
        }
        _ => {}
    }
}

#[test]
fn json_and_jsonl_keep_the_text_exactly() {
    let folder = hostile_corpus();
    let jsonl = scan(&folder, "jsonl", &[]).stdout;
    let records = folder.relative(crate::util::records(&jsonl));
    let sources: BTreeSet<&str> = records.keys().map(String::as_str).collect();
    let har_entry = format!("{HAR}#1");
    let log_line = format!("{LOG}:1");
    let expected: BTreeSet<&str> = [
        SCREEN, TITLE, C1_BIDI, LINES, ALIGNED, &har_entry, &log_line,
    ]
    .into_iter()
    .collect();
    assert_eq!(sources, expected);
    let messages: Vec<&str> = records
        .values()
        .flat_map(|record| record["findings"].as_array().unwrap())
        .map(|finding| finding["message"].as_str().unwrap())
        .collect();
    for quoted in [
        "<img src=x onerror=alert(1)> \u{1b}]8;;http://evil\u{1b}\\link",
        "${v\u{1b}]0;pwned\u{7}}",
        "${w\u{2066} | `` <img src=x onerror=alert(1)>}",
    ] {
        assert!(
            messages.iter().any(|message| message.contains(quoted)),
            "a message quotes {quoted:?} exactly: {messages:?}"
        );
    }
    let summary: Value = serde_json::from_str(&scan(&folder, "json", &[]).stdout).unwrap();
    let mut texts = BTreeSet::new();
    strings(&summary, &mut texts);
    for kept in [
        folder.join(SCREEN).to_str().unwrap(),
        folder.join(LINES).to_str().unwrap(),
        "/k\u{1b}[2J|`<img src=x onerror=alert(1)>",
        "/c1\u{9b}bidi\u{202e}",
    ] {
        assert!(texts.contains(kept), "the summary keeps {kept:?}");
    }
}

/// A URI reference of RFC 3986's characters only, every `%` followed by
/// two hex digits.
fn assert_uri_reference(uri: &str) {
    let bytes = uri.as_bytes();
    for (at, &byte) in bytes.iter().enumerate() {
        let allowed = byte.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&byte);
        let escape = byte == b'%'
            && bytes.get(at + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(at + 2).is_some_and(u8::is_ascii_hexdigit);
        assert!(allowed || escape, "{uri:?} is no URI reference (byte {at})");
    }
    assert!(!uri.contains(['#', '?']), "{uri:?} keeps the path whole");
}

fn sarif_uris(sarif: &str) -> BTreeSet<String> {
    let sarif: Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert_uri_reference(uri);
            uri.to_owned()
        })
        .collect()
}

fn decoded(uri: &str) -> String {
    percent_decode_str(uri)
        .decode_utf8()
        .expect("UTF-8 paths")
        .into_owned()
}

#[test]
fn sarif_uris_are_percent_encoded_and_decode_to_the_file() {
    let folder = hostile_corpus();
    // Absolute paths: file:// URIs.
    let uris = sarif_uris(&scan(&folder, "sarif", &[]).stdout);
    let paths: BTreeSet<String> = uris
        .iter()
        .map(|uri| {
            let path = uri.strip_prefix("file://").expect("a file:// URI");
            assert!(path.starts_with('/'), "{uri}");
            decoded(path)
        })
        .collect();
    let expected: BTreeSet<String> = FILES
        .iter()
        .map(|name| folder.join(name).to_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, expected);
    // Relative paths: relative references, `/` kept.
    let relative = dapa(&scan_args(".", "sarif", &[]))
        .current_dir(folder.path())
        .run();
    let paths: BTreeSet<String> = sarif_uris(&relative.stdout)
        .iter()
        .map(|uri| decoded(uri))
        .collect();
    let expected: BTreeSet<String> = FILES.iter().map(|name| format!("./{name}")).collect();
    assert_eq!(paths, expected);
}

#[test]
fn junit_is_well_formed_and_keeps_what_xml_can_carry() {
    let folder = hostile_corpus();
    let junit = scan(&folder, "junit", &[]).stdout;
    let document = roxmltree::Document::parse(&junit).expect("JUnit is well-formed XML");
    let names: BTreeSet<String> = document
        .descendants()
        .filter(|node| node.has_tag_name("testcase"))
        .map(|node| node.attribute("name").unwrap().to_owned())
        .collect();
    // XML 1.0 cannot carry C0 controls but tab, LF and CR: those are shown
    // as visible escapes; everything else comes back exactly.
    let visible = |text: &str| -> String {
        text.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => c.to_string(),
                c if u32::from(c) < 0x20 => format!("\\u{{{:x}}}", u32::from(c)),
                c => c.to_string(),
            })
            .collect()
    };
    let har_entry = format!("{HAR}#1");
    let log_line = format!("{LOG}:1");
    let expected: BTreeSet<String> = [
        SCREEN, TITLE, C1_BIDI, LINES, ALIGNED, &har_entry, &log_line,
    ]
    .iter()
    .map(|name| visible(folder.join(name).to_str().unwrap()))
    .collect();
    assert_eq!(names, expected);
    let failures: Vec<&str> = document
        .descendants()
        .filter(|node| node.has_tag_name("failure"))
        .map(|node| node.attribute("message").unwrap())
        .collect();
    assert!(
        failures
            .iter()
            .any(|message| message.contains("<img src=x onerror=alert(1)> \\u{1b}]8;;http://evil")),
        "{failures:?}"
    );
}

/// Terminal escapes (OSC 0, ESC[2J), the C1 control sequence introducer and
/// a bidi override, as a user may type them or a shell glob may pass them
/// from a file name (`dapa scan *`).
const TYPED: &str = "bad\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}31m\u{202e}x";
/// How `TYPED` is shown.
const TYPED_SHOWN: &str = r"bad\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}31m\u{202e}x";

/// `dapa ARGS...` on a pseudo-terminal, where clap would colour its messages.
fn on_terminal(args: &[&str]) -> (i32, String) {
    crate::util::on_terminal(80, &[], args)
}

#[test]
fn usage_errors_show_typed_controls_as_visible_escapes() {
    let unexpected = format!("--{TYPED}");
    let cases: [(&[&str], &str); 2] = [
        (&["scan", "x", "--format", TYPED], "invalid value '"),
        (&["scan", &unexpected], "unexpected argument '--"),
    ];
    for (args, says) in cases {
        let piped = dapa(args).run();
        assert_eq!(piped.stdout, "");
        let (terminal_code, terminal) = on_terminal(args);
        for (how, code, shown) in [
            ("in a pipe", piped.code, piped.stderr),
            ("on a terminal", terminal_code, terminal),
        ] {
            assert_eq!(code, 2, "{how}: {shown}");
            let expected = format!("{says}{TYPED_SHOWN}'");
            assert!(shown.contains(&expected), "{how}: {shown}");
            assert_shown_safely(how, &shown);
        }
    }
    // Help holds no typed text: it still goes to standard output as clap
    // writes it.
    let help = dapa(&["scan", "--help"]).run();
    assert_eq!((help.code, help.stderr.as_str()), (0, ""));
    assert!(
        help.stdout.contains("Usage: dapa scan [OPTIONS] <PATH>..."),
        "{}",
        help.stdout
    );
}

/// `dapa scan FOLDER --format jsonl`, its output read for one byte and then
/// closed, as `| head -c1` does; the exit code.
fn exit_when_the_reader_leaves(folder: &Folder) -> i32 {
    use std::io::Read as _;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dapa"))
        .args([
            "scan",
            folder.path_str(),
            "--format",
            "jsonl",
            "--jobs",
            "2",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("dapa starts");
    let mut stdout = child.stdout.take().expect("a pipe");
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("a status") {
            return status.code().expect("an exit code, not a signal");
        }
        assert!(std::time::Instant::now() < deadline, "dapa did not stop");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_reader_that_leaves_early_does_not_pass_a_failing_scan() {
    // More output than a pipe holds, so that dapa sees the reader leave.
    let failing = Folder::new();
    let mut log = String::new();
    for n in 0..20_000 {
        log.push_str(&format!("{{\"n\":{n},\"cut\":\n"));
    }
    failing.write("cut.jsonl", log.as_bytes());
    assert_eq!(exit_when_the_reader_leaves(&failing), 1);
    let clean = Folder::new();
    for n in 0..3_000 {
        clean.write(&format!("{n:05}.json"), b"{\"ok\":true}");
    }
    assert_eq!(exit_when_the_reader_leaves(&clean), 0);
}

/// A reader of standard error that leaves (`2>&1 | head -1`) is no panic:
/// the messages left are dropped and the exit code is the run's own.
#[test]
fn a_reader_of_errors_that_leaves_early_is_no_panic() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dapa"))
        .arg("scan")
        .args((0..3_000).map(|n| format!("no-such-input-{n:05}.json")))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("dapa starts");
    // More messages than a pipe holds, and nobody reads them.
    drop(child.stderr.take());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("a status") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "dapa did not stop");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
}
