//! Verdicts that hold on captures nobody here wrote: healthy bodies that
//! look like trouble, the envelope deciding before the profile, and inputs
//! that would let a gate pass on nothing.

use crate::util::{Folder, codes, dapa, records};

#[test]
fn every_look_alike_sample_is_healthy() {
    let out = dapa(&[
        "scan",
        "samples/lookalike",
        "--format",
        "jsonl",
        "--quiet",
        "--fail-on",
        "none",
    ])
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let found = records(&out.stdout);
    assert!(found.len() >= 16, "{}", found.len());
    for (source, record) in &found {
        assert_eq!(record["status"], "ok", "{source}: {record}");
        assert!(codes(record).is_empty(), "{source}: {record}");
    }
}

#[test]
fn the_envelope_decides_before_the_schema() {
    let folder = Folder::new();
    folder.write(
        "schema.json",
        br#"{"type":"object","required":["token"],"properties":{"token":{"type":"string"}}}"#,
    );
    folder.write(
        "lookup.json",
        br#"{"errors":[{"code":"lookup.failed","message":"ERP timeout"}],"warnings":[]}"#,
    );
    let schema = folder.join("schema.json");
    let capture = folder.join("lookup.json");
    let out = dapa(&[
        "scan",
        capture.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--envelope",
        "seed",
        "--format",
        "jsonl",
        "--quiet",
    ])
    .run();
    let record: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(codes(&record), ["E04", "E05"], "{record}");
    assert_eq!(record["status"], "empty");
}

#[test]
fn the_rules_of_dapa_toml_do_not_depend_on_how_a_path_is_typed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let absolute = format!("{root}/samples/schema");
    let summary_of = |dir: &str, path: &str| {
        let out = dapa(&["scan", path, "--format", "json", "--fail-on", "none"])
            .current_dir(&std::path::Path::new(root).join(dir))
            .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        (summary, out.stderr)
    };
    let (reference, stderr) = summary_of(".", "samples/schema");
    assert!(reference["profiled"].as_u64().unwrap() >= 40, "{reference}");
    assert_eq!(reference["config"], "dapa.toml");
    assert!(stderr.contains("rules of dapa.toml"), "{stderr}");
    for (dir, path, config) in [
        (".", "./samples/schema/", "dapa.toml"),
        (".", absolute.as_str(), "dapa.toml"),
        ("samples", "schema", "../dapa.toml"),
        ("samples/schema", ".", "../../dapa.toml"),
        (
            "samples/schema/cognigy-token",
            "../../schema",
            "../../../dapa.toml",
        ),
    ] {
        let (summary, stderr) = summary_of(dir, path);
        assert_eq!(summary["config"], config, "{dir} {path}");
        assert!(stderr.contains(config), "{stderr}");
        for field in ["captures", "profiled", "statuses", "codes"] {
            let same = if field == "codes" {
                // Examples name the capture as typed; the counts must agree.
                let counts = |s: &serde_json::Value| {
                    s["codes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| (c["code"].clone(), c["captures"].clone()))
                        .collect::<Vec<_>>()
                };
                counts(&summary) == counts(&reference)
            } else {
                summary[field] == reference[field]
            };
            assert!(same, "{field} differs for {path} from {dir}: {summary}");
        }
    }
}
