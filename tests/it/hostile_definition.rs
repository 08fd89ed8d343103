//! Hostile inputs on this session's paths: a secure Data Action's output is
//! secret as a whole, and `explain` must not show it, whether the payload is
//! an object that parses or a body that does not; and `scan -o` writes only
//! regular files.

use crate::util::{Folder, dapa};

/// A secure definition whose contract has no exception: the whole payload
/// is secret.
const SECURE_DEFINITION: &str = r#"{"name": "Secure", "secure": true, "contract": {"output":
    {"successSchema": {"type": "object", "properties": {"token": {"type": "integer"},
    "card": {"type": "string", "pattern": "^[0-9]{4}$"}}, "additionalProperties": false}}}}"#;

/// `dapa explain --definition` of `capture` in a folder with the secure
/// definition; what it printed, which must be a finding (exit 1).
fn explain_secure(capture: &[u8]) -> String {
    let folder = Folder::new();
    folder.write("secure.action.json", SECURE_DEFINITION.as_bytes());
    folder.write("capture.json", capture);
    let definition = folder.join("secure.action.json");
    let out = dapa(&["explain", "--color", "never", "--definition"])
        .arg(&definition)
        .arg(folder.join("capture.json"))
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    format!("{}{}", out.stdout, out.stderr)
}

#[test]
fn a_secure_payload_object_is_masked_whole_in_explain() {
    let shown = explain_secure(
        br#"{"token": "SECRET-TOKEN-1", "card": "SECRET-CARD-2", "n": {"k": "SECRET-NESTED-3"}}"#,
    );
    assert!(shown.contains("V05"), "the card is still reported: {shown}");
    assert!(
        !shown.contains("SECRET-"),
        "a secret value is shown: {shown}"
    );
}

#[test]
fn a_secure_payload_that_does_not_parse_is_masked_whole_in_explain() {
    let shown = explain_secure(br#"{"token": 5, "card": "SECRET-CARD-4", "pin": "SECRET-PIN-5""#);
    assert!(shown.contains("S01"), "the cut is still reported: {shown}");
    assert!(
        !shown.contains("SECRET-"),
        "a secret value is shown: {shown}"
    );
}

/// `scan -o` naming a FIFO is refused, and the FIFO stays one: the report
/// is renamed into place, which would otherwise replace it.
#[test]
fn scan_output_to_a_fifo_is_refused_and_leaves_it() {
    use std::os::unix::fs::FileTypeExt as _;
    let folder = Folder::new();
    folder.write("capture.json", br#"{"ok": true}"#);
    folder.fifo("report.fifo");
    let out = dapa(&["scan", "-q", "--fail-on", "none", "-o"])
        .arg(folder.join("report.fifo"))
        .arg(folder.join("capture.json"))
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    let kind = std::fs::symlink_metadata(folder.join("report.fifo")).unwrap();
    assert!(kind.file_type().is_fifo(), "the FIFO was replaced");
}

/// `infer -o` and `baseline -o` naming a FIFO are refused as `scan -o` is,
/// and leave it: they opened it to write, which waits for a reader for ever.
#[test]
fn infer_and_baseline_output_to_a_fifo_is_refused_and_leaves_it() {
    use std::os::unix::fs::FileTypeExt as _;
    let folder = Folder::new();
    folder.write("capture.json", br#"{"ok": true}"#);
    folder.fifo("out.fifo");
    for command in ["infer", "baseline"] {
        let out = crate::util::dapa_bounded(256, 20, &[command, "-q", "-j", "2", "-o"])
            .arg(folder.join("out.fifo"))
            .arg(folder.join("capture.json"))
            .run();
        assert_eq!(out.code, 2, "{command}: {}", out.stderr);
        assert!(
            out.stderr.contains("not a regular file"),
            "{command}: {}",
            out.stderr
        );
        let kind = std::fs::symlink_metadata(folder.join("out.fifo")).unwrap();
        assert!(kind.file_type().is_fifo(), "{command} replaced the FIFO");
    }
}

/// More workers than dapa starts are refused at once: each is a thread,
/// and 5,000 took 20 s and 830 MB to scan one file (100,000 never began).
#[test]
fn more_jobs_than_dapa_starts_are_refused() {
    let folder = Folder::new();
    folder.write("capture.json", br#"{"ok": true}"#);
    for command in ["scan", "infer", "baseline"] {
        let out = dapa(&[command, "-q", "--jobs", "5000"])
            .arg(folder.join("capture.json"))
            .run();
        assert_eq!(out.code, 2, "{command}: {}", out.stderr);
        assert!(out.stderr.contains("0..=1024"), "{command}: {}", out.stderr);
    }
}

#[test]
fn scan_output_to_a_character_device_is_written_to_not_replaced() {
    use std::os::unix::fs::FileTypeExt as _;
    let folder = Folder::new();
    folder.write("capture.json", br#"{"ok": true}"#);
    let discarded = dapa(&["scan", "-q", "-o", "/dev/null"])
        .arg(folder.join("capture.json"))
        .run();
    assert_eq!(discarded.code, 0, "{}", discarded.stderr);
    assert_eq!(discarded.stdout, "");
    let full = dapa(&["scan", "-q", "-o", "/dev/full"])
        .arg(folder.join("capture.json"))
        .run();
    assert_eq!(full.code, 2, "a device that takes nothing is an error");
    assert!(full.stderr.contains("No space left"), "{}", full.stderr);
    for device in ["/dev/null", "/dev/full"] {
        let kind = std::fs::symlink_metadata(device).unwrap().file_type();
        assert!(kind.is_char_device(), "{device} was replaced");
    }
}

/// A definition with a large output contract: `fields` properties, about
/// 90 bytes each as written and some kilobytes each once compiled.
fn large_definition(id: &str, fields: usize) -> String {
    let properties: Vec<String> = (0..fields)
        .map(|n| {
            format!(
                r#""field{n:05}": {{"type": "string", "description": "{}"}}"#,
                "x".repeat(40)
            )
        })
        .collect();
    format!(
        r#"{{"id": "{id}", "name": "{id}", "contract": {{"output": {{"successSchema": {{"type": "object", "properties": {{{}}}}}}}}}}}"#,
        properties.join(", ")
    )
}

/// The definitions that apply in a folder (its own and those above it) are
/// compiled and held while it is walked: ten of 1.8 MB, one above and nine
/// in the folder, took about 450 MB to scan one capture. They are refused
/// by their files' sizes, more than 16 MiB all told, before the folder's
/// own are compiled.
#[test]
fn definitions_of_a_folder_past_their_budget_are_refused_before_they_are_compiled() {
    let folder = Folder::new();
    folder.write(
        "captures/top.action.json",
        large_definition("top", 20_000).as_bytes(),
    );
    for n in 0..9 {
        let sub = format!("captures/sub/sub-{n}.action.json");
        folder.write(
            &sub,
            large_definition(&format!("sub-{n}"), 20_000).as_bytes(),
        );
    }
    folder.write("captures/sub/capture.json", br#"{"ok": true}"#);
    let walked = folder.join("captures");
    let named = folder.join("captures/sub/capture.json");
    for input in [&walked, &named] {
        let out = crate::util::dapa_bounded(256, 60, &["scan", "-q", "--format", "json"])
            .arg(input)
            .run();
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr.contains("sub-8.action.json") && out.stderr.contains("16 MiB"),
            "{}",
            out.stderr
        );
    }
}
