//! The reports people read, on a terminal of a known width (a
//! pseudo-terminal from `script`) and in a pipe: the table fits the width
//! and cuts long cells, `explain` keeps its carets on screen on minified
//! bodies and shows decoded JSON whole, and colour appears on a terminal
//! only, never in a pipe, with `NO_COLOR` or `TERM=dumb`, nor in machine
//! formats.

use crate::util::{Folder, dapa, on_terminal};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

/// What a line shows, without the SGR sequences of colour.
fn visible(line: &str) -> String {
    let mut shown = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ parameters m
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            shown.push(c);
        }
    }
    shown
}

/// Every line fits `columns`.
fn assert_fits(what: &str, text: &str, columns: usize) {
    for line in text.lines() {
        let shown = visible(line);
        assert!(
            shown.width() <= columns,
            "{what}: a line of {} columns on a terminal of {columns}:\n{shown}\n\nin:\n{text}",
            shown.width()
        );
    }
}

/// The widest line, in columns.
fn widest(text: &str) -> usize {
    text.lines()
        .map(|line| visible(line).width())
        .max()
        .unwrap_or(0)
}

/// What starts an SGR sequence: colour.
const SGR: &str = "\u{1b}[";

#[test]
fn the_table_fits_the_terminal_and_json_keeps_the_full_text() {
    for columns in [80, 100] {
        let (code, shown) = on_terminal(columns, &[], &["scan", "samples/", "--quiet"]);
        assert_eq!(code, 1, "{shown}");
        assert_fits("scan samples/", &shown, usize::from(columns));
        assert!(shown.contains("│ code ┆ name"), "{shown}");
    }
    // A cut example is the start of the full one `--format json` gives.
    let (_, shown) = on_terminal(80, &[], &["scan", "samples/", "--quiet"]);
    let row = shown
        .lines()
        .map(visible)
        .find(|line| line.starts_with("│ T01 "))
        .expect("a T01 row");
    let example = row
        .split(['┆', '│'])
        .map(str::trim)
        .find(|cell| cell.starts_with("samples/"))
        .expect("an example cell");
    let cut = example.strip_suffix('…').expect("the example is cut");
    let json = dapa(&["scan", "samples/", "--format", "json", "--quiet"]).run();
    let summary: Value = serde_json::from_str(&json.stdout).expect("the summary is JSON");
    let full = summary["codes"]
        .as_array()
        .and_then(|codes| codes.iter().find(|code| code["code"] == "T01"))
        .and_then(|code| code["example"].as_str())
        .expect("T01 has an example");
    assert!(
        full.starts_with(cut) && full.len() > cut.len(),
        "{cut} / {full}"
    );
    // Into a pipe the table keeps its full width.
    let piped = dapa(&["scan", "samples/", "--quiet"]).run();
    assert!(widest(&piped.stdout) > 150, "{}", piped.stdout);
    assert!(piped.stdout.contains(full), "{}", piped.stdout);
}

#[test]
fn explain_keeps_the_caret_of_a_minified_body_on_screen() {
    let args = ["explain", "samples/payload/stringified-memories.http"];
    let (code, shown) = on_terminal(80, &[], &args);
    assert_eq!(code, 0, "{shown}");
    assert_fits("explain", &shown, 80);
    let shown = visible(&shown);
    // The one-line body is shown around the span, cut on both sides, with
    // the column of the uncut line in its header.
    assert!(
        shown.contains("stringified-memories.http:1:282]"),
        "{shown}"
    );
    let source = shown
        .lines()
        .find(|line| line.starts_with(" 1 │ "))
        .expect("the body's line");
    assert!(
        source.starts_with(" 1 │ …") && source.ends_with('…'),
        "{source}"
    );
    assert!(source.contains(r#""memories":"[{\"id\":"#), "{source}");
    assert!(shown.contains("╰── /profile/memories"), "{shown}");
    // The decoded array whole, to its last line.
    assert!(
        shown.contains(r#""text": "Asked about renewing the home contract.","#),
        "{shown}"
    );
    // Into a pipe, the same windows at 100 columns.
    let piped = dapa(&args).run();
    assert_fits("explain into a pipe", &piped.stdout, 100);
}

#[test]
fn explain_shows_a_stringified_field_decoded_whole() {
    let explained = dapa(&["explain", "samples/payload/stringified-profile-field.json"]).run();
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    let decoded = explained
        .stdout
        .split("holds, decoded")
        .nth(1)
        .expect("the decoded view");
    for key in [
        r#""accepted_gdpr": false,"#,
        r#""email": "mira.okafor@example.com","#,
        r#""firstname": "Mira","#,
        r#""lastname": "Okafor","#,
        r#""memories": []"#,
        " 7 │ }",
    ] {
        assert!(decoded.contains(key), "{key} missing in:\n{decoded}");
    }
}

#[test]
fn long_decoded_json_is_shown_up_to_its_bound() {
    let folder = Folder::new();
    let numbers: Vec<String> = (0..500).map(|n| n.to_string()).collect();
    let body = format!(r#"{{"list":"[{}]"}}"#, numbers.join(","));
    folder.write("long.json", body.as_bytes());
    let explained = dapa(&["explain", folder.join("long.json").to_str().unwrap()]).run();
    let decoded = explained
        .stdout
        .split("holds, decoded")
        .nth(1)
        .expect("the decoded view");
    // 200 lines of the 502 the pretty-printed array has, and a note of the rest.
    assert!(decoded.contains("200 │   198,"), "{decoded}");
    assert!(!decoded.contains("201 │"), "{decoded}");
    assert!(
        decoded.contains("(302 more lines of the decoded JSON not shown"),
        "{decoded}"
    );
}

#[test]
fn windows_keep_escapes_and_masks() {
    // A minified body past the width, with a terminal escape and a secret
    // near the span of a finding.
    let folder = Folder::new();
    folder.write(
        "schema.json",
        br#"{"type":"object","properties":{"token":{"type":"string","pattern":"^tok_","x-dapa-secret":true}}}"#,
    );
    let padding = "p".repeat(300);
    let body = format!(
        r#"{{"pad":"{padding}","k\u001b[2J":"\u001b]0;pwned\u0007","token":"eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXZhbHVl","t":"${{name}}"}}"#
    );
    folder.write("minified.json", body.as_bytes());
    let (path, schema) = (folder.join("minified.json"), folder.join("schema.json"));
    let args = [
        "explain",
        path.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--color",
        "never",
    ];
    let (_, shown) = on_terminal(80, &[], &args);
    assert_fits("explain", &shown, 80);
    assert!(!shown.contains('\u{1b}'), "{shown}");
    assert!(shown.contains(r"\u{1b}[2J"), "{shown}");
    assert!(!shown.contains("c2VjcmV0LXZhbHVl"), "{shown}");
    assert!(shown.contains("\"token\":****"), "{shown}");
    assert!(shown.contains("╰── /token"), "{shown}");
    assert!(shown.contains("${name}"), "{shown}");
}

#[test]
fn colour_on_a_terminal_only() {
    let scan = ["scan", "samples/", "--quiet"];
    let explain = ["explain", "samples/syntax/cut-off-contact-profile.json"];
    for args in [&scan[..], &explain[..]] {
        let (_, coloured) = on_terminal(100, &[], args);
        assert!(coloured.contains(SGR), "{args:?}: {coloured}");
        for env in [("NO_COLOR", "1"), ("TERM", "dumb")] {
            let (_, plain) = on_terminal(100, &[env], args);
            assert!(!plain.contains('\u{1b}'), "{args:?} {env:?}: {plain}");
        }
        let never = [args, &["--color", "never"]].concat();
        let (_, plain) = on_terminal(100, &[], &never);
        assert!(!plain.contains('\u{1b}'), "{never:?}: {plain}");
        let piped = dapa(args).run();
        assert!(!piped.stdout.contains('\u{1b}'), "{args:?} piped");
        let always = [args, &["--color", "always"]].concat();
        let forced = dapa(&always).run();
        assert!(forced.stdout.contains(SGR), "{always:?} piped");
    }
    // Machine formats never, whatever --color says.
    for format in ["json", "jsonl", "sarif", "junit", "markdown", "html"] {
        let (_, shown) = on_terminal(
            100,
            &[],
            &[
                "scan", "samples/", "--quiet", "--format", format, "--color", "always",
            ],
        );
        assert!(!shown.contains('\u{1b}'), "--format {format}");
    }
}

#[test]
fn error_reports_follow_the_colour_choice() {
    // The schema is missing: the run stops with an error report on stderr.
    let failing = [
        "scan",
        "samples/",
        "--quiet",
        "--schema",
        "no-such-schema.json",
    ];
    // `script` shows stdout and stderr together, as a terminal does.
    let (code, coloured) = on_terminal(100, &[], &failing);
    assert_eq!(code, 2, "{coloured}");
    assert!(coloured.contains("no-such-schema.json"), "{coloured}");
    assert!(
        coloured.contains('\u{1b}'),
        "auto on a terminal: {coloured}"
    );
    let never = [&failing[..], &["--color", "never"]].concat();
    let (_, plain) = on_terminal(100, &[], &never);
    assert!(!plain.contains('\u{1b}'), "--color never: {plain}");
    let piped = dapa(&failing).run();
    assert!(!piped.stderr.contains('\u{1b}'), "piped: {}", piped.stderr);
    let always = [&failing[..], &["--color", "always"]].concat();
    let forced = dapa(&always).run();
    assert_eq!(forced.code, 2);
    assert!(
        forced.stderr.contains(SGR),
        "--color always piped: {}",
        forced.stderr
    );
}
