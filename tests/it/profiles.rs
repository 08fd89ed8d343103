//! Profiles, schemas, `dapa.toml`, secrets and `dapa infer`, through the binary.

use crate::util::{Folder, codes, dapa, records};
use serde_json::Value;

#[test]
fn a_forced_profile_shows_the_drift_table() {
    let output = dapa(&[
        "scan",
        "--profile",
        "cognigy-profile",
        "samples/",
        "--quiet",
    ])
    .run();
    assert_eq!(output.code, 1);
    assert!(
        output.stdout.contains("drift by field path"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("/profile/memories/*/timestamp"));
    let json = dapa(&[
        "scan",
        "--profile",
        "cognigy-profile",
        "samples/",
        "--quiet",
        "--format",
        "json",
    ])
    .run();
    let summary: Value = serde_json::from_str(&json.stdout).unwrap();
    let rows = summary["drift"].as_array().unwrap();
    let created = rows.iter().find(|row| row["path"] == "/createdAt").unwrap();
    assert_eq!(created["declared"], "integer");
    assert!(created["observed"]["integer"].as_u64().unwrap() >= 10);
    assert_eq!(summary["profiled"], summary["captures"]);
}

#[test]
fn config_rules_select_by_action_id_and_schema_files_by_path() {
    let folder = Folder::new();
    folder.write(
        "orders.json",
        br#"{"type":"object","required":["orderId"],"properties":{"orderId":{"type":"integer"},"total":{"type":"number"}}}"#,
    );
    folder.write(
        "dapa.toml",
        b"[[rules]]\naction_id = \"orders-action\"\nschema = \"orders.json\"\nenvelope = \"seed\"\n",
    );
    folder.write(
        "captures/000001.body",
        br#"{"result":{"orderId":"17","total":"450.25"}}"#,
    );
    folder.write(
        "captures/000001.meta.json",
        br#"{"status":200,"action_id":"orders-action"}"#,
    );
    folder.write("captures/000002.body", br#"{"result":{"orderId":"17"}}"#);
    let config = folder.join("dapa.toml");
    let output = dapa(&[
        "scan",
        "--config",
        config.to_str().unwrap(),
        folder.join("captures").to_str().unwrap(),
        "--format",
        "jsonl",
        "-q",
    ])
    .run();
    let seen = folder.relative(records(&output.stdout));
    let checked = &seen["captures/000001.body"];
    assert_eq!(checked["status"], "invalid");
    assert_eq!(codes(checked), ["V02", "V02", "D02", "D02"]);
    assert!(
        checked["profile"]
            .as_str()
            .unwrap()
            .ends_with("orders.json")
    );
    let unchecked = &seen["captures/000002.body"];
    assert_eq!(unchecked["status"], "ok");
    assert!(unchecked.get("profile").is_none());
}

#[test]
fn secrets_never_reach_the_output_unless_asked() {
    let secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.U0VDUkVUU0lHTkFUVVJF";
    let folder = Folder::new();
    folder.write(
        "schema.json",
        br#"{"type":"object","properties":{"token":{"type":"string","pattern":"^tok_","x-dapa-secret":true},"inner":{"type":"object","properties":{"refresh":{"type":"string","x-dapa-secret":true}},"required":["missing"]}}}"#,
    );
    folder.write(
        "a-token.json",
        format!(r#"{{"result":{{"token":"{secret}","inner":{{"refresh":"{secret}"}}}}}}"#)
            .as_bytes(),
    );
    folder.write("b-raw.txt", secret.as_bytes());
    folder.write("c-quoted.json", format!("\"{secret}\"").as_bytes());
    let schema = folder.join("schema.json");
    let base = [
        "scan",
        "--schema",
        schema.to_str().unwrap(),
        "--envelope",
        "seed",
        folder.path_str(),
        "-q",
    ];
    for format in ["table", "json", "jsonl"] {
        let mut args = base.to_vec();
        args.extend(["--format", format]);
        let output = dapa(&args).run();
        assert!(
            !output.stdout.contains("c2VjcmV0"),
            "--format {format}: {}",
            output.stdout
        );
        assert!(!output.stderr.contains("c2VjcmV0"));
    }
    let masked = dapa(&[&base[..], &["--format", "jsonl"]].concat()).run();
    let seen = folder.relative(records(&masked.stdout));
    assert_eq!(codes(&seen["a-token.json"]), ["V01", "V05"]);
    assert_eq!(codes(&seen["b-raw.txt"]), ["P02"]);
    let shown = dapa(&[&base[..], &["--format", "jsonl", "--show-secrets"]].concat()).run();
    assert!(shown.stdout.contains(secret), "{}", shown.stdout);
}

#[test]
fn the_inferred_schema_validates_its_own_corpus() {
    let folder = Folder::new();
    let schema = folder.join("inferred.json");
    for corpus in [
        "samples/ok",
        "samples/schema/cognigy-profile",
        "samples/payload",
    ] {
        let output = dapa(&["infer", corpus, "-o", schema.to_str().unwrap(), "-q"]).run();
        assert_eq!(output.code, 0, "{}", output.stderr);
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
        assert_eq!(
            document["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        let scan = dapa(&[
            "scan",
            "--schema",
            schema.to_str().unwrap(),
            corpus,
            "--format",
            "jsonl",
            "-q",
        ])
        .run();
        for (source, record) in records(&scan.stdout) {
            let drifted: Vec<String> = codes(&record)
                .into_iter()
                .filter(|code| code.starts_with('V') || code.starts_with('D'))
                .collect();
            assert!(drifted.is_empty(), "{source}: {drifted:?}");
        }
    }
}

#[test]
fn infer_finds_enums_and_timestamps() {
    let output = dapa(&["infer", "samples/schema/cognigy-profile", "-q"]).run();
    let schema: Value = serde_json::from_str(&output.stdout).unwrap();
    let properties = &schema["properties"];
    assert_eq!(properties["createdAt"]["type"], "integer");
    assert_eq!(
        properties["profile"]["properties"]["memories"]["items"]["properties"]["timestamp"]["x-dapa-timestamp"],
        "rfc3339"
    );
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&Value::from("_id"))
    );
    let channel = &properties["profile"]["properties"]["preferredChannel"];
    assert!(
        channel["enum"]
            .as_array()
            .unwrap()
            .contains(&Value::from("voice")),
        "{channel}"
    );
}
