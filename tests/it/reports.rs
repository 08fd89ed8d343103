//! The report formats and the baseline gate, through the binary.

use crate::util::{Folder, dapa};
use serde_json::Value;

fn small_corpus() -> Folder {
    let folder = Folder::new();
    folder.write(
        "a-ok.json",
        br#"{"_id":"65c1d2e3f4a5b6c7d8e9f0a1","active":true}"#,
    );
    folder.write(
        "b-502.http",
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nServer: nginx\r\n\r\n<html><head><title>502 Bad Gateway</title></head></html>",
    );
    folder.write("c-cut.json", b"{\n  \"profile\": {\"firstname\": \"Ann");
    folder.write("d-dup.json", b"{\"a\":1,\"a\":2, \"note\": \"<&>\"}");
    folder
}

#[test]
fn markdown_report_of_the_samples() {
    let output = dapa(&["scan", "samples", "--quiet", "--format", "markdown"]).run();
    assert_eq!(output.code, 1);
    assert_file_snapshot!("markdown", output.stdout);
}

#[test]
fn junit_report() {
    let folder = small_corpus();
    let output = dapa(&["scan", folder.path_str(), "--quiet", "--format", "junit"]).run();
    assert_eq!(output.code, 1);
    let text = folder.sanitise(&output.stdout);
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dapa\" tests=\"4\" failures=\"2\" errors=\"0\" time=\"0\">"));
    assert_eq!(text.matches("<testcase ").count(), 4);
    // S07 is drift: under the default --fail-on invalid it is no failure.
    assert!(!text.contains("type=\"S07\""));
    assert_file_snapshot!("junit", text);
    let strict = dapa(&[
        "scan",
        folder.path_str(),
        "--quiet",
        "--format",
        "junit",
        "--fail-on",
        "drift",
    ])
    .run();
    assert!(strict.stdout.contains("type=\"S07\""));
}

#[test]
fn sarif_report_has_the_required_properties() {
    let folder = small_corpus();
    let output = dapa(&["scan", folder.path_str(), "--quiet", "--format", "sarif"]).run();
    let sarif: Value = serde_json::from_str(&output.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "dapa");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), dapa::Code::ALL.len());
    for rule in rules {
        assert!(
            rule["id"].is_string()
                && rule["help"]["text"].is_string()
                && rule["fullDescription"]["text"].is_string()
        );
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "T06, T04, S01, S07");
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(result["message"]["text"].as_str().unwrap().len() > 5);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        let location = &result["locations"][0]["physicalLocation"];
        assert!(
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with(&format!("file://{}", folder.path_str()))
        );
    }
    // The HTML page starts on the dump's fifth line, after the headers.
    let html = results.iter().find(|r| r["ruleId"] == "T04").unwrap();
    assert_eq!(
        html["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
    let cut = results.iter().find(|r| r["ruleId"] == "S01").unwrap();
    assert_eq!(
        cut["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 2, "startColumn": 32})
    );
    assert_file_snapshot!("sarif", folder.sanitise(&output.stdout));
}

#[test]
fn baseline_scenarios() {
    let folder = Folder::new();
    for index in 0..50 {
        let body = if index % 10 == 0 {
            r#"{"_id":"65c1d2e3f4a5b6c7d8e9f0a1","active":true,"contactIds":[],"createdAt":1763630000,"lastChanged":1763630000,"profile":{"preferredChannel":"sms"}}"#
        } else {
            r#"{"_id":"65c1d2e3f4a5b6c7d8e9f0a1","active":true,"contactIds":[],"createdAt":1763630000,"lastChanged":1763630000,"profile":{"preferredChannel":"voice"}}"#
        };
        folder.write(&format!("corpus/{index:03}.json"), body.as_bytes());
    }
    folder.write(
        "corpus/900-html.http",
        b"HTTP/1.1 502 Bad Gateway\r\n\r\n<html><title>502</title></html>",
    );
    let corpus = folder.join("corpus");
    let corpus = corpus.to_str().unwrap();
    let baseline = folder.join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let made = dapa(&[
        "baseline",
        corpus,
        "--profile",
        "cognigy-profile",
        "-o",
        baseline,
        "-q",
    ])
    .run();
    assert_eq!(made.code, 0, "{}", made.stderr);
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    assert_eq!(recorded["captures"], 51);
    assert_eq!(recorded["codes"]["T04"]["captures"], 1);
    let gate = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            corpus,
            "--profile",
            "cognigy-profile",
            "--baseline",
            baseline,
            "-q",
        ];
        args.extend_from_slice(extra);
        dapa(&args).run()
    };
    // The same corpus: findings (T04, T06) exist, but nothing regressed.
    let same = gate(&[]);
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert!(!same.stderr.contains("warning"), "{}", same.stderr);
    // Read with other options, the scan says so, naming both.
    assert_eq!(
        recorded["analysis"],
        "--profile cognigy-profile --max-bytes 67108864 --max-depth 128"
    );
    let other = gate(&["--max-bytes", "100"]);
    assert!(
        other.stderr.contains("the baseline was made with")
            && other.stderr.contains("--max-bytes 100 --max-depth 128"),
        "{}",
        other.stderr
    );
    // A new drift path.
    folder.write("corpus/901-new-field.json", br#"{"_id":"65c1d2e3f4a5b6c7d8e9f0a1","active":true,"contactIds":[],"createdAt":1763630000,"lastChanged":1763630000,"profile":{"loyaltyTier":"gold"}}"#);
    let new_path = gate(&[]);
    assert_eq!(new_path.code, 1);
    assert!(
        new_path.stderr.contains("new-path") && new_path.stderr.contains("/profile/loyaltyTier"),
        "{}",
        new_path.stderr
    );
    std::fs::remove_file(folder.join("corpus/901-new-field.json")).unwrap();
    // One more HTML page: 2 of 52 against 1 of 51, within 3 points, not within 1.
    folder.write(
        "corpus/902-html.http",
        b"HTTP/1.1 502 Bad Gateway\r\n\r\n<html><title>502</title></html>",
    );
    assert_eq!(gate(&["--tolerance", "3"]).code, 0);
    let above = gate(&[]);
    assert_eq!(above.code, 1);
    assert!(above.stderr.contains("code-rate"), "{}", above.stderr);
    // A new enum value.
    std::fs::remove_file(folder.join("corpus/902-html.http")).unwrap();
    folder.write("corpus/903-channel.json", br#"{"_id":"65c1d2e3f4a5b6c7d8e9f0a1","active":true,"contactIds":[],"createdAt":1763630000,"lastChanged":1763630000,"profile":{"preferredChannel":"telegram"}}"#);
    let new_value = gate(&["--tolerance", "50"]);
    assert_eq!(new_value.code, 1);
    assert!(
        new_value.stderr.contains("new-enum-value") && new_value.stderr.contains("telegram"),
        "{}",
        new_value.stderr
    );
    // --update-baseline accepts the change.
    assert_eq!(gate(&["--update-baseline"]).code, 0);
    assert_eq!(gate(&[]).code, 0);
}

#[test]
fn explain_keeps_secrets_masked() {
    let folder = Folder::new();
    let secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.U0lH";
    folder.write(
        "token.json",
        // The token right after the finding (tokenType), in the window
        // `explain` shows of a long line.
        format!(r#"{{"result":{{"expiresAt":1800000000,"userId":"u-1","metadata":{{"tokenType":"MAC"}},"token":"{secret}"}},"errors":[]}}"#).as_bytes(),
    );
    folder.write("raw.txt", secret.as_bytes());
    for file in ["token.json", "raw.txt"] {
        let path = folder.join(file);
        let output = dapa(&[
            "explain",
            path.to_str().unwrap(),
            "--profile",
            "cognigy-token",
        ])
        .run();
        assert!(
            !output.stdout.contains("c2VjcmV0"),
            "{file}: {}",
            output.stdout
        );
        assert!(output.stdout.contains(file));
        let shown = dapa(&[
            "explain",
            path.to_str().unwrap(),
            "--profile",
            "cognigy-token",
            "--show-secrets",
        ])
        .run();
        assert!(
            shown.stdout.contains("c2VjcmV0"),
            "{file}: {}",
            shown.stdout
        );
    }
}

#[test]
fn explain_decodes_stringified_fields_but_not_secrets() {
    let shown = dapa(&["explain", "samples/payload/stringified-seed-result.json"]).run();
    assert!(
        shown
            .stdout
            .contains("the JSON the string at /result holds, decoded"),
        "{}",
        shown.stdout
    );
    let masked = dapa(&[
        "explain",
        "samples/payload/stringified-seed-result.json",
        "--profile",
        "cognigy-token",
    ])
    .run();
    assert!(
        !masked.stdout.contains("holds, decoded"),
        "{}",
        masked.stdout
    );
    assert!(!masked.stdout.contains("eyJ"), "{}", masked.stdout);
    let folder = Folder::new();
    folder.write(
        "nested.json",
        br#"{"profile":"{\"firstname\":\"Ann\",\"email\":\"${email}\"}","active":true}"#,
    );
    let nested = dapa(&["explain", folder.join("nested.json").to_str().unwrap()]).run();
    let decoded = nested
        .stdout
        .split("holds, decoded")
        .nth(1)
        .expect("a decoded view");
    assert!(
        decoded.contains("\"email\": \"${email}\"") && decoded.contains("╰── /profile/email"),
        "{}",
        nested.stdout
    );
}
