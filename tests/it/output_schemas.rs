//! The machine formats against the JSON Schemas in `schemas/output/` that
//! document them: every output of the real binary validates, and the JSON
//! summary says who wrote it, from what, and why the run failed.

use crate::util::{Folder, dapa};
use serde_json::Value;

/// A schema of `schemas/output/`, checked against the draft 2020-12
/// meta-schema and compiled.
fn schema(name: &str) -> jsonschema::Validator {
    let path = format!("{}/schemas/output/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the schema is there");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{name}"
    );
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("{name} is no valid JSON Schema: {error}");
    }
    let mut undescribed = Vec::new();
    fields_without_description(&schema, "", &mut undescribed);
    assert!(undescribed.is_empty(), "{name}: {undescribed:?}");
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

/// The pointers of the fields (`properties` entries) under `node` that
/// have no `description`.
fn fields_without_description(node: &Value, pointer: &str, found: &mut Vec<String>) {
    match node {
        Value::Object(members) => {
            if let Some(Value::Object(fields)) = members.get("properties") {
                for (field, schema) in fields {
                    if schema.get("description").is_none() {
                        found.push(format!("{pointer}/properties/{field}"));
                    }
                }
            }
            for (key, value) in members {
                fields_without_description(value, &format!("{pointer}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                fields_without_description(item, &format!("{pointer}/{index}"), found);
            }
        }
        _ => {}
    }
}

/// Panic with every reason `document` does not match `validator`.
fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

/// The JSON document a run printed, after checking how it ended.
fn printed(args: &[&str], code: i32) -> Value {
    let output = dapa(args).run();
    assert_eq!(output.code, code, "{args:?}: {}", output.stderr);
    serde_json::from_str(&output.stdout).expect("a JSON document")
}

/// The baseline of `samples/payload`, written into `folder`; its path.
fn payload_baseline(folder: &Folder) -> String {
    let baseline = folder.join("baseline.json").display().to_string();
    let output = dapa(&["baseline", "samples/payload", "-o", &baseline, "-q"]).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    baseline
}

/// `dapa scan ARGS --format json -q`, its summary written into `folder` as
/// `name`; the summary and the path of the file.
fn scan_into(folder: &Folder, name: &str, args: &[&str], code: i32) -> (Value, String) {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend(["--format", "json", "-q"]);
    let output = dapa(&all).run();
    assert_eq!(output.code, code, "{all:?}: {}", output.stderr);
    folder.write(name, output.stdout.as_bytes());
    let summary = serde_json::from_str(&output.stdout).expect("a JSON summary");
    (summary, folder.join(name).display().to_string())
}

#[test]
fn the_summary_and_every_record_of_the_samples_match_their_schemas() {
    let summary = printed(&["scan", "samples", "--format", "json", "-q"], 1);
    assert_valid(&schema("summary.json"), &summary, "the summary of samples");
    assert_eq!(summary["dapa"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(summary["dapa"]["format"], 1);
    assert_eq!(summary["inputs"], serde_json::json!(["samples"]));
    assert!(summary.get("regressions").is_none(), "no baseline, no list");

    let output = dapa(&["scan", "samples", "--format", "jsonl", "-q"]).run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    let record_schema = schema("record.json");
    let mut lines = 0;
    for line in output.stdout.lines() {
        let record: Value = serde_json::from_str(line).expect("a JSON record");
        assert_valid(&record_schema, &record, line);
        lines += 1;
    }
    assert_eq!(Some(lines), summary["captures"].as_u64());
}

#[test]
fn a_summary_names_its_regressions_and_the_baseline_matches_its_schema() {
    let folder = Folder::new();
    let baseline = payload_baseline(&folder);
    let written: Value =
        serde_json::from_slice(&std::fs::read(&baseline).unwrap()).expect("a JSON baseline");
    assert_valid(&schema("baseline.json"), &written, "the baseline");

    let args = [
        "scan",
        "samples/payload",
        "samples/transport/html-502-nginx.http",
        "--baseline",
        &baseline,
        "--format",
        "json",
        "-q",
    ];
    let output = dapa(&args).run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    let summary: Value = serde_json::from_str(&output.stdout).expect("a JSON summary");
    assert_valid(
        &schema("summary.json"),
        &summary,
        "a summary with regressions",
    );
    assert_eq!(
        summary["inputs"],
        serde_json::json!(["samples/payload", "samples/transport/html-502-nginx.http"])
    );
    let regressions = summary["regressions"].as_array().expect("regressions");
    // The JSON says what standard error says, one regression each.
    let said: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.starts_with("dapa: regression ("))
        .collect();
    assert_eq!(regressions.len(), said.len(), "{}", output.stderr);
    let new_code = regressions
        .iter()
        .find(|r| r["kind"] == "new-code" && r["message"].as_str().unwrap().starts_with("T04"))
        .expect("T04 is new");
    assert_eq!(new_code["example"], "samples/transport/html-502-nginx.http");

    // The same corpus as the baseline: compared, and nothing regressed.
    let same = printed(
        &[
            "scan",
            "samples/payload",
            "--baseline",
            &baseline,
            "--format",
            "json",
            "-q",
        ],
        0,
    );
    assert_eq!(same["regressions"], serde_json::json!([]));
}

#[test]
fn merged_summaries_and_an_empty_shard_match_the_schema() {
    let folder = Folder::new();
    let baseline = payload_baseline(&folder);
    let summary_schema = schema("summary.json");
    let mut names = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let args = ["samples", "--shard", &shard, "--baseline", &baseline];
        let (summary, name) = scan_into(&folder, &format!("s{k}.json"), &args, 1);
        assert_valid(&summary_schema, &summary, &shard);
        assert!(!summary["regressions"].as_array().unwrap().is_empty());
        names.push(name);
    }
    let mut args = vec!["merge"];
    args.extend(names.iter().map(String::as_str));
    let merged = printed(&args, 0);
    assert_valid(&summary_schema, &merged, "the merged summary");
    assert_eq!(merged["dapa"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(merged["inputs"], serde_json::json!(["samples"]));
    assert_eq!(merged["config"], "dapa.toml");
    assert!(
        merged.get("regressions").is_none(),
        "a shard's regressions are judged on its part only"
    );

    // Compared as a whole, the merge finds what one scan of everything finds.
    let (whole, _) = scan_into(
        &folder,
        "whole.json",
        &["samples", "--baseline", &baseline],
        1,
    );
    let mut args = vec!["merge", "--baseline", &baseline];
    args.extend(names.iter().map(String::as_str));
    let output = dapa(&args).run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    let compared: Value = serde_json::from_str(&output.stdout).expect("a JSON summary");
    assert_valid(
        &summary_schema,
        &compared,
        "a merge compared with a baseline",
    );
    assert!(!whole["regressions"].as_array().unwrap().is_empty());
    assert_eq!(compared, whole);
    assert!(
        output.stderr.contains("dapa: regression (new-code): "),
        "{}",
        output.stderr
    );

    // One capture in two shards: the first holds none.
    let capture = "samples/transport/html-502-nginx.http";
    let empty = printed(
        &["scan", capture, "--shard", "1/2", "--format", "json", "-q"],
        0,
    );
    assert_eq!(empty["captures"], 0);
    assert_valid(&summary_schema, &empty, "an empty shard");
}

#[test]
fn merge_refuses_shards_of_other_inputs() {
    let folder = Folder::new();
    let mut names = Vec::new();
    for (k, input) in [(1, "samples/payload"), (2, "samples/transport")] {
        let shard = format!("{k}/2");
        let (_, name) = scan_into(
            &folder,
            &format!("s{k}.json"),
            &[input, "--shard", &shard, "--fail-on", "none"],
            0,
        );
        names.push(name);
    }
    let output = dapa(&["merge", &names[0], &names[1]]).run();
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output.stderr.contains("of samples/payload and ")
            && output.stderr.contains("of one of samples/transport"),
        "{}",
        output.stderr
    );
}

#[test]
fn replay_summaries_and_records_match_the_schemas() {
    let replay = [
        "replay",
        "--definition",
        "samples/replay/compare/breaking.action.json",
        "--compare",
        "samples/definitions/get-contact-profile.action.json",
        "samples/replay/replies",
        "-q",
        "--fail-on",
        "none",
    ];
    let summary = printed(&[&replay[..], &["--format", "json"]].concat(), 0);
    assert_valid(&schema("summary.json"), &summary, "the summary of a replay");
    let output = dapa(&[&replay[..], &["--format", "jsonl"]].concat()).run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let record_schema = schema("record.json");
    for line in output.stdout.lines() {
        let record: Value = serde_json::from_str(line).expect("a JSON record");
        assert_valid(&record_schema, &record, line);
    }
    assert!(output.stdout.contains("\"from_trace\":true"));
}

#[test]
fn a_widened_timeline_matches_the_summary_schema() {
    // 10,080 captures a minute apart: more one-minute buckets than dapa
    // keeps, so the timeline is widened to 5m and says what was asked.
    let folder = Folder::new();
    let lines: String = (0..10_080)
        .map(|minute| {
            format!(
                "{{\"time\":{},\"body\":{{}}}}\n",
                1_763_596_800 + 60 * minute
            )
        })
        .collect();
    folder.write("week.jsonl", lines.as_bytes());
    let log = folder.join("week.jsonl").display().to_string();
    let output = dapa(&[
        "scan",
        &log,
        "--body-pointer",
        "/body",
        "--time-pointer",
        "/time",
        "--bucket",
        "1m",
        "--format",
        "json",
        "-q",
    ])
    .run();
    assert_eq!(output.code, 0, "{}", output.stderr);
    let summary: Value = serde_json::from_str(&output.stdout).expect("a JSON summary");
    assert_eq!(summary["timeline"]["asked"], "1m");
    assert_valid(&schema("summary.json"), &summary, "a widened timeline");
}
