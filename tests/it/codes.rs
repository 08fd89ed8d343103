//! `dapa codes`: the advice of every code, and the codes reference in the
//! documentation kept equal to what the binary prints.

use crate::util::dapa;

const REFERENCE: &str = include_str!("../../docs/codes.md");
const START: &str = "<!-- generated: dapa codes --format markdown -->\n";
const END: &str = "<!-- end generated -->";

fn stdout(args: &[&str]) -> String {
    let output = dapa(args).run();
    assert_eq!(output.code, 0, "dapa {args:?}: {}", output.stderr);
    output.stdout
}

#[test]
fn the_codes_reference_is_what_dapa_codes_prints() {
    let from = REFERENCE
        .find(START)
        .expect("docs/codes.md has the generated start marker")
        + START.len();
    let to = from + REFERENCE[from..].find(END).expect("and the end marker");
    assert_eq!(
        &REFERENCE[from..to],
        stdout(&["codes", "--format", "markdown"]),
        "docs/codes.md is out of date: paste `dapa codes --format markdown` between its markers"
    );
}

/// GitHub's anchor for a heading: lowercase, punctuation other than `-` and
/// `_` dropped, spaces made hyphens.
fn github_anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_code_has_advice_and_a_section_at_its_anchor() {
    let codes: serde_json::Value =
        serde_json::from_str(&stdout(&["codes", "--format", "json"])).expect("JSON");
    let codes = codes.as_array().expect("an array of codes");
    assert_eq!(codes.len(), 60);
    let anchors: Vec<String> = REFERENCE
        .lines()
        .filter_map(|line| line.strip_prefix("### "))
        .map(github_anchor)
        .collect();
    for code in codes {
        for list in ["causes", "confirm", "fix"] {
            let lines = code[list].as_array().expect("a list");
            assert!(!lines.is_empty(), "{} has no {list}", code["code"]);
        }
        let anchor = code["anchor"].as_str().expect("an anchor");
        assert!(
            anchors.iter().any(|a| a == anchor),
            "no section #{anchor} in docs/codes.md"
        );
    }
}

#[test]
fn a_code_is_found_by_its_name_and_in_any_case() {
    let by_code = stdout(&["codes", "S01"]);
    assert!(by_code.starts_with("S01 truncated"), "{by_code}");
    assert!(by_code.contains("How to fix:"));
    assert_eq!(stdout(&["codes", "truncated"]), by_code);
    assert_eq!(stdout(&["codes", "s01"]), by_code);
}
