//! Signatures: findings of one code grouped by what they have in common,
//! in the JSON summary and in the baseline gate.

use crate::util::{Folder, dapa};
use serde_json::Value;

/// The `--format json` summary of a scan.
pub fn summary(args: &[&str]) -> Value {
    let mut all = vec!["scan", "--format", "json", "-q"];
    all.extend_from_slice(args);
    let output = dapa(&all).run();
    assert!(output.code < 2, "{}", output.stderr);
    serde_json::from_str(&output.stdout).expect("a JSON summary")
}

/// The keys of the signatures of one code.
fn keys_of(summary: &Value, code: &str) -> Vec<String> {
    summary["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .filter(|signature| signature["code"] == code)
        .map(|signature| signature["key"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_samples_group_each_code_into_its_failures() {
    let summary = summary(&["samples"]);
    let signatures = summary["signatures"].as_array().expect("signatures");
    // Every code found has signatures that account for all its captures.
    for stats in summary["codes"].as_array().unwrap() {
        let code = stats["code"].as_str().unwrap();
        let of_code: Vec<&Value> = signatures.iter().filter(|s| s["code"] == code).collect();
        assert!(!of_code.is_empty(), "{code} has no signature");
        let captures: u64 = of_code
            .iter()
            .map(|s| s["captures"].as_u64().unwrap())
            .sum();
        assert!(captures >= stats["captures"].as_u64().unwrap(), "{code}");
        for signature in of_code {
            let examples = signature["examples"].as_array().unwrap();
            assert!((1..=3).contains(&examples.len()), "{signature}");
            assert_eq!(signature["id"].as_str().unwrap().len(), 12);
        }
    }
    // Codes whose samples are different failures show them apart.
    for code in [
        "E01", "E02", "E03", "T04", "T05", "S01", "P03", "V02", "D01",
    ] {
        assert!(keys_of(&summary, code).len() > 1, "{code}");
    }
    let e01 = keys_of(&summary, "E01").join("\n");
    assert!(e01.contains("details ACTION.AUTHENTICATION"), "{e01}");
    assert!(e01.contains("details ACTION.REMOTE_ENDPOINT"), "{e01}");
    // Array items as `*`, and the keyword.
    assert!(keys_of(&summary, "V02").contains(&"/operations/*/step type".to_owned()));
    assert!(
        keys_of(&summary, "T04")
            .iter()
            .any(|key| key == "title <n> Bad Gateway")
    );
}

#[test]
fn the_same_failure_with_other_ids_is_one_signature() {
    let folder = Folder::new();
    for (file, id, user) in [
        ("a", "0b9a6c4e-1d2f-4a3b-9c8d-7e6f5a4b3c2d", "1001"),
        ("b", "9f1c2e3a-0000-4a3b-9c8d-7e6f5a4b3c2d", "2002"),
    ] {
        let body = format!(
            r#"{{"message": "User {user} not found for contact {id}", "code": "not.found", "status": 404, "contextId": "{id}"}}"#
        );
        folder.write(&format!("{file}.json"), body.as_bytes());
    }
    let summary = summary(&[folder.path_str()]);
    let keys = keys_of(&summary, "E01");
    assert_eq!(
        keys,
        ["status 404, code not.found: User <n> not found for contact <uuid>"]
    );
    let signature = &summary["signatures"][0];
    assert_eq!(signature["captures"], 2);
    assert_eq!(signature["share"], 1.0);
}

#[test]
fn no_secret_reaches_a_signature() {
    let folder = Folder::new();
    std::fs::create_dir(folder.join("captures")).unwrap();
    let secret = "sk_live_SECRETVALUEabcdefghijk";
    folder.write(
        "captures/error.json",
        format!(r#"{{"message": "Invalid client secret '{secret}' and token {secret}", "code": "unauthorized", "status": 401}}"#).as_bytes(),
    );
    folder.write(
        "schema.json",
        br#"{"type": "object", "properties": {"token": {"type": "string", "pattern": "^tok_", "x-dapa-secret": true}}}"#,
    );
    folder.write(
        "captures/token.json",
        format!(r#"{{"token": "{secret}"}}"#).as_bytes(),
    );
    let schema = folder.join("schema.json");
    for show in [false, true] {
        let captures = folder.join("captures");
        let mut args = vec![
            captures.to_str().unwrap(),
            "--schema",
            schema.to_str().unwrap(),
        ];
        if show {
            args.push("--show-secrets");
        }
        let summary = summary(&args);
        assert_eq!(keys_of(&summary, "V05"), ["/token pattern"]);
        let keys: Vec<&str> = summary["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|signature| signature["key"].as_str().unwrap())
            .collect();
        assert!(
            keys.iter().any(|key| key.starts_with("status 401")),
            "{keys:?}"
        );
        for part in ["SECRETVALUE", "sk_live", "sk_l"] {
            assert!(
                !keys.iter().any(|key| key.contains(part)),
                "{part} in {keys:?}"
            );
        }
    }
}

#[test]
fn the_baseline_gate_fails_on_a_new_signature_of_a_known_code() {
    let folder = Folder::new();
    let error = |detail: &str| {
        format!(
            r#"{{"message": "REST call for action execute failed", "code": "bad.request", "status": 400, "details": [{{"errorCode": "{detail}"}}]}}"#
        )
    };
    let corpus = folder.join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    for index in 0..3 {
        std::fs::write(
            corpus.join(format!("{index}.json")),
            error("ACTION.REMOTE_ENDPOINT"),
        )
        .unwrap();
    }
    let corpus = corpus.to_str().unwrap();
    let baseline = folder.join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let made = dapa(&["baseline", corpus, "-o", baseline, "-q"]).run();
    assert_eq!(made.code, 0, "{}", made.stderr);
    let gate = || {
        dapa(&[
            "scan",
            corpus,
            "--baseline",
            baseline,
            "--format",
            "json",
            "-q",
        ])
        .run()
    };
    let same = gate();
    assert_eq!(same.code, 0, "the same corpus passes: {}", same.stdout);
    // One of the three is now another failure: same code, same rate.
    std::fs::write(
        std::path::Path::new(corpus).join("2.json"),
        error("ACTION.AUTHENTICATION"),
    )
    .unwrap();
    let changed = gate();
    assert_eq!(changed.code, 1, "{}", changed.stderr);
    let summary: Value = serde_json::from_str(&changed.stdout).unwrap();
    let regressions = summary["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 1, "{regressions:?}");
    assert_eq!(regressions[0]["kind"], "new-signature");
    let message = regressions[0]["message"].as_str().unwrap();
    assert!(message.contains("ACTION.AUTHENTICATION"), "{message}");
    // A baseline written before signatures gives no such regression.
    let mut older: Value =
        serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    assert!(
        older
            .as_object_mut()
            .unwrap()
            .remove("signatures")
            .is_some()
    );
    std::fs::write(baseline, older.to_string()).unwrap();
    let with_older = gate();
    assert_eq!(with_older.code, 0, "{}", with_older.stdout);
}

/// A corpus of names and messages hostile to Markdown and HTML: one E01
/// failure in three captures, another in one, so that the order by count
/// is visible.
pub fn hostile_corpus() -> Folder {
    let folder = Folder::new();
    let error = |message: &str| {
        format!(r#"{{"message": "{message}", "code": "bad.request", "status": 400}}"#)
    };
    for name in ["a<b>one|x.json", "b*two*&amp;.json", "c`three'`.json"] {
        folder.write(
            name,
            error("Widget <b>7</b> | *gone* & <i>x</i>").as_bytes(),
        );
    }
    folder.write(
        "d<script>[four](x).json",
        error("<script>alert(1)</script> [link](http://x)").as_bytes(),
    );
    folder
}

/// The JSON summary's signatures in the order a report shows them: most
/// captures first, then by key and code.
pub fn by_count(summary: &Value) -> Vec<(String, String, u64, Vec<String>)> {
    let mut all: Vec<(String, String, u64, Vec<String>)> = summary["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|signature| {
            (
                signature["code"].as_str().unwrap().to_owned(),
                signature["key"].as_str().unwrap().to_owned(),
                signature["captures"].as_u64().unwrap(),
                signature["examples"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|example| example.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    all.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    all
}

#[test]
fn the_markdown_report_lists_every_signature_by_count() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let hostile = hostile_corpus();
    for corpus in ["samples", hostile.path_str()] {
        let output = dapa(&["scan", corpus, "--quiet", "--format", "markdown"]).run();
        assert_eq!(output.code, 1, "{}", output.stderr);
        let expected = by_count(&summary(&[corpus]));
        assert!(expected.len() > 1, "{expected:?}");

        // Read as CommonMark with tables: under the heading, a row per
        // signature, its cells as text (escapes undone), no markup.
        let mut heading = String::new();
        let (mut in_heading, mut in_section, mut in_body) = (false, false, false);
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut cell: Option<String> = None;
        for event in Parser::new_ext(&output.stdout, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Heading { .. }) => {
                    in_heading = true;
                    heading.clear();
                }
                Event::End(TagEnd::Heading(_)) => {
                    in_heading = false;
                    in_section = heading == "Signatures";
                }
                Event::Text(text) if in_heading => heading.push_str(&text),
                _ if !in_section => {}
                Event::Html(html) | Event::InlineHtml(html) => {
                    panic!("markup in the signatures: {html}")
                }
                Event::Start(Tag::TableHead) => in_body = false,
                Event::End(TagEnd::TableHead) => in_body = true,
                Event::Start(Tag::TableRow) if in_body => rows.push(Vec::new()),
                Event::Start(Tag::TableCell) if in_body => cell = Some(String::new()),
                Event::End(TagEnd::TableCell) if in_body => {
                    rows.last_mut().unwrap().push(cell.take().unwrap());
                }
                Event::Text(text) | Event::Code(text) => {
                    if let Some(cell) = cell.as_mut() {
                        cell.push_str(&text);
                    }
                }
                Event::Start(tag) if cell.is_some() => {
                    panic!("markup in a signature cell: {tag:?}")
                }
                _ => {}
            }
        }
        let shown: Vec<(String, String, u64, String)> = rows
            .iter()
            .map(|row| {
                assert_eq!(row.len(), 8, "{row:?}");
                (
                    row[0].clone(),
                    row[4].clone(),
                    row[2].parse().unwrap(),
                    row[5].clone(),
                )
            })
            .collect();
        let wanted: Vec<(String, String, u64, String)> = expected
            .into_iter()
            .map(|(code, key, captures, examples)| (code, key, captures, examples.join(", ")))
            .collect();
        assert_eq!(shown, wanted, "{corpus}");
    }
}
