//! Hostile and unlucky inputs of the tool's own: schemas and their `$ref`
//! targets, `dapa.toml`, baselines and the summaries `merge` reads. Every
//! run is bounded in memory and time, so a read without a limit, a read that
//! blocks or a schema that explodes fails the test instead of the machine.

use crate::util::Folder;
use serde_json::{Value, json};

/// Address space for a `--jobs 2` run: ample for dapa, far below what an
/// unbounded read of `/dev/zero` or an exploding schema would take.
const MEMORY_MIB: u64 = 256;
/// Seconds a run may take before it counts as hung: the longest takes a
/// few seconds alone, and over 20 in CI beside other tests on two cores.
const SECONDS: u64 = 60;

fn bounded(args: &[&str]) -> crate::util::Output {
    crate::util::dapa_bounded(MEMORY_MIB, SECONDS, args).run()
}

/// A folder with one capture, `cap.json`, that a profile can check.
fn folder_with_capture() -> Folder {
    let folder = Folder::new();
    folder.write("cap.json", br#"{"address": {"city": 1}}"#);
    folder
}

/// `dapa scan -j 2 --format jsonl OPTION FOLDER/FILE FOLDER/cap.json`, bounded.
fn scan_capture_with(folder: &Folder, option: &str, file: &str) -> crate::util::Output {
    bounded(&[
        "scan",
        "-j",
        "2",
        "--format",
        "jsonl",
        option,
        &folder.join(file).display().to_string(),
        &folder.join("cap.json").display().to_string(),
    ])
}

/// A device and a FIFO under names a user could give as the tool's inputs.
fn special_files(folder: &Folder, name: &str) -> [String; 2] {
    let device = format!("zero-{name}");
    let fifo = format!("fifo-{name}");
    folder.symlink(&device, "/dev/zero");
    folder.fifo(&fifo);
    [device, fifo].map(|file| folder.join(&file).display().to_string())
}

/// A run that stopped with exit 2, naming the special file it refused.
fn assert_refused(args: &[&str], name: &str) {
    let output = bounded(args);
    assert_eq!(output.code, 2, "{args:?}: {}", output.stderr);
    assert!(
        output.stderr.contains(name) && output.stderr.contains("not a regular file"),
        "{args:?}: {}",
        output.stderr
    );
}

#[test]
fn the_tools_own_inputs_refuse_devices_and_fifos() {
    let folder = folder_with_capture();
    let capture = folder.join("cap.json").display().to_string();
    for special in special_files(&folder, "input.json") {
        let runs: [Vec<&str>; 4] = [
            vec!["scan", "-j", "2", "--schema", &special, &capture],
            vec!["scan", "-j", "2", "--baseline", &special, &capture],
            vec!["scan", "-j", "2", "--config", &special, &capture],
            vec!["merge", &special],
        ];
        for args in runs {
            assert_refused(&args, &special);
        }
    }
}

#[test]
fn ref_targets_and_config_schemas_refuse_devices_and_fifos() {
    let folder = folder_with_capture();
    let capture = folder.join("cap.json").display().to_string();
    for special in special_files(&folder, "target.json") {
        let name = std::path::Path::new(&special)
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap()
            .to_owned();
        folder.write(
            "refers.json",
            json!({"type": "object", "properties": {"address": {"$ref": name}}})
                .to_string()
                .as_bytes(),
        );
        let schema = folder.join("refers.json").display().to_string();
        assert_refused(&["scan", "-j", "2", "--schema", &schema, &capture], &name);
        // A schema named by a rule of dapa.toml.
        folder.write(
            "dapa.toml",
            format!("[[rules]]\npath = \"**\"\nschema = \"{name}\"\n").as_bytes(),
        );
        let config = folder.join("dapa.toml").display().to_string();
        assert_refused(&["scan", "-j", "2", "--config", &config, &capture], &name);
    }
}

#[test]
fn refs_to_other_schemes_are_refused_by_name() {
    let folder = folder_with_capture();
    let reference = "https://schemas.example.invalid/address.json";
    folder.write(
        "remote.json",
        json!({"properties": {"address": {"$ref": reference}}})
            .to_string()
            .as_bytes(),
    );
    let output = scan_capture_with(&folder, "--schema", "remote.json");
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output.stderr.contains(reference) && output.stderr.contains("only to local files"),
        "{}",
        output.stderr
    );
}

/// The codes of the one capture a `--format jsonl` scan printed.
fn only_record_codes(stdout: &str) -> Vec<String> {
    let record: Value = serde_json::from_str(stdout.trim()).expect("one JSON record");
    crate::util::codes(&record)
}

#[test]
fn a_relative_ref_names_a_file_beside_the_schema() {
    let folder = folder_with_capture();
    folder.write(
        "schemas/address.json",
        br#"{"type": "object", "properties": {"city": {"type": "string"}}}"#,
    );
    folder.write(
        "schemas/person.json",
        br#"{"type": "object", "properties": {"address": {"$ref": "address.json"}}}"#,
    );
    // From the capture's folder, with the schema named relative to it.
    let output = crate::util::dapa_bounded(
        MEMORY_MIB,
        SECONDS,
        &[
            "scan",
            "-j",
            "2",
            "--format",
            "jsonl",
            "--schema",
            "schemas/person.json",
            "cap.json",
        ],
    )
    .current_dir(folder.path())
    .run();
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert_eq!(only_record_codes(&output.stdout), ["V02"]);
    // From elsewhere, through a dapa.toml whose schema path is relative to it.
    folder.write(
        "dapa.toml",
        b"[[rules]]\npath = \"**\"\nschema = \"schemas/person.json\"\n",
    );
    let output = scan_capture_with(&folder, "--config", "dapa.toml");
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert_eq!(only_record_codes(&output.stdout), ["V02"]);
}

/// The `--format json` summary of a small scan, as a JSON value.
fn summary_of(folder: &Folder, extra: &[&str]) -> Value {
    let mut args = vec!["scan", folder.path_str(), "--format", "json", "-q"];
    args.extend_from_slice(extra);
    let output = bounded(&args);
    assert!(output.code < 2, "{}", output.stderr);
    serde_json::from_str(&output.stdout).expect("a JSON summary")
}

/// A folder of a few captures of different kinds, and its summary.
fn scanned_corpus() -> (Folder, Value) {
    let folder = Folder::new();
    folder.write("a-ok.json", br#"{"token": "t", "expiresAt": 1763629923}"#);
    folder.write("b-cut.json", br#"{"token": "t", "expi"#);
    folder.write("c-html.json", b"<html>502 Bad Gateway</html>");
    let summary = summary_of(&folder, &[]);
    assert_eq!(summary["captures"], 3);
    (folder, summary)
}

/// `dapa merge` of these summaries, each written to a file of its name.
fn merge_files(folder: &Folder, summaries: &[(&str, &Value)]) -> crate::util::Output {
    let mut args = vec!["merge".to_owned()];
    for (name, summary) in summaries {
        folder.write(name, summary.to_string().as_bytes());
        args.push(folder.join(name).display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    bounded(&args)
}

/// A run that ended with `code` and said all of `words` on standard error.
fn assert_exit(output: &crate::util::Output, code: i32, words: &[&str]) {
    assert_eq!(output.code, code, "{}", output.stderr);
    for word in words {
        assert!(output.stderr.contains(word), "{word}: {}", output.stderr);
    }
}

#[test]
fn merge_refuses_shard_counts_it_cannot_have() {
    let (folder, summary) = scanned_corpus();
    for shard in ["1/18446744073709551615", "1/1000000000000"] {
        let mut sharded = summary.clone();
        sharded["shard"] = json!(shard);
        let output = merge_files(&folder, &[("shard.json", &sharded)]);
        assert_exit(&output, 2, &[&format!("got {shard}")]);
    }
}

#[test]
fn merge_refuses_counts_that_overflow() {
    let (folder, summary) = scanned_corpus();
    let mut other = summary_of(&folder, &["--profile", "cognigy-token"]);
    // Merge refuses summaries of different rules first; this test is about counts.
    other["config"] = summary["config"].clone();
    let mut huge = summary.clone();
    huge["bytes"] = json!(u64::MAX);
    let output = merge_files(&folder, &[("huge.json", &huge), ("other.json", &other)]);
    assert_exit(&output, 2, &["other.json", "bytes"]);
    // A count of findings, which no other count bounds.
    let findings = &mut other["codes"][0]["findings"];
    *findings = json!(u64::MAX - findings.as_u64().unwrap() + 1);
    let output = merge_files(&folder, &[("huge.json", &summary), ("other.json", &other)]);
    assert_exit(&output, 2, &["other.json", "findings"]);
}

#[test]
fn merge_refuses_a_summary_that_contradicts_itself() {
    let (folder, summary) = scanned_corpus();
    let mut edits: Vec<(&str, Value)> = Vec::new();
    let mut none = summary.clone();
    none["captures"] = json!(0);
    edits.push(("statuses", none));
    let mut undated = summary.clone();
    undated["timeline"]["undated"] = json!(u64::MAX);
    edits.push(("timeline", undated));
    let mut code = summary.clone();
    code["codes"][0]["captures"] = json!(4);
    edits.push(("codes", code));
    for (field, edited) in &edits {
        let output = merge_files(&folder, &[("edited.json", edited)]);
        assert_exit(&output, 2, &["edited.json", field, "not a consistent"]);
    }
}

#[test]
fn merge_refuses_the_same_summary_twice() {
    let (folder, summary) = scanned_corpus();
    let output = merge_files(&folder, &[("one.json", &summary), ("again.json", &summary)]);
    assert_exit(&output, 2, &["one.json", "again.json", "same summary"]);
}

/// More distinct drift paths than the table keeps, spread over six files so
/// that every split of the work sees a different part of them.
fn corpus_of_many_paths() -> Folder {
    let folder = Folder::new();
    for file in 0..6 {
        let keys: serde_json::Map<String, Value> = (0..12_000)
            .map(|key| (format!("k{:06}", file * 5_000 + key), json!(key % 2 == 0)))
            .collect();
        let body = json!({"result": {"token": "t", "expiresAt": 1763629923, "extra": keys}});
        folder.write(&format!("f{file}.json"), body.to_string().as_bytes());
    }
    folder
}

#[test]
fn a_full_drift_table_is_the_same_for_any_jobs_and_shards() {
    let folder = corpus_of_many_paths();
    let scan = |format: &str, extra: &[&str]| {
        scan_report(
            &[folder.path_str(), "--profile", "cognigy-token"],
            format,
            extra,
        )
    };
    let json = scan("json", &["--jobs", "1"]);
    let table = scan("table", &["--jobs", "1"]);
    let summary: Value = serde_json::from_str(&json).unwrap();
    assert!(summary["drift_paths_dropped"].as_u64().unwrap() > 0);
    for jobs in ["2", "7"] {
        assert!(scan("json", &["--jobs", jobs]) == json, "--jobs {jobs}");
        assert!(scan("table", &["--jobs", jobs]) == table, "--jobs {jobs}");
    }
    assert_shards_merge_into(&folder, 3, &json, |extra| scan("json", extra));
}

/// Merged, the JSON summaries of `count` shards (each scanned by `scan`
/// with `--jobs 2 --shard K/count`) are `whole`.
fn assert_shards_merge_into(
    folder: &Folder,
    count: usize,
    whole: &str,
    scan: impl Fn(&[&str]) -> String,
) {
    let shards: Vec<(String, Value)> = (1..=count)
        .map(|k| {
            let text = scan(&["--jobs", "2", "--shard", &format!("{k}/{count}")]);
            (
                format!("shard{k}.json"),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    let named: Vec<(&str, &Value)> = shards.iter().map(|(n, v)| (n.as_str(), v)).collect();
    let merged = merge_files(folder, &named);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert!(merged.stdout == whole, "shards merged");
}

/// Definitions `l0`..`l{levels}`, each level an `allOf` of two references
/// to the next: 2^levels ways through a schema of a few kilobytes.
fn nested_all_of(levels: usize) -> Value {
    let mut definitions = serde_json::Map::new();
    for level in 0..levels {
        let next = json!({"$ref": format!("#/$defs/l{}", level + 1)});
        definitions.insert(format!("l{level}"), json!({"allOf": [next.clone(), next]}));
    }
    definitions.insert(
        format!("l{levels}"),
        json!({"type": "object", "properties": {"address": {"type": "string"}}}),
    );
    json!({"$ref": "#/$defs/l0", "$defs": definitions})
}

#[test]
fn a_schema_that_unfolds_without_end_is_refused_at_once() {
    let folder = folder_with_capture();
    folder.write("nested.json", nested_all_of(40).to_string().as_bytes());
    let output = scan_capture_with(&folder, "--schema", "nested.json");
    assert_exit(&output, 2, &["nested.json", "unfolded"]);
}

#[test]
fn a_schema_too_large_to_walk_turns_drift_off_and_says_so() {
    let folder = folder_with_capture();
    // Every object holds six more of itself: validation follows the value,
    // but the declared paths are 6^depth.
    let properties: serde_json::Map<String, Value> = (0..6)
        .map(|key| (format!("p{key}"), json!({"$ref": "#"})))
        .collect();
    folder.write(
        "recursive.json",
        json!({"type": "object", "properties": properties})
            .to_string()
            .as_bytes(),
    );
    let output = scan_capture_with(&folder, "--schema", "recursive.json");
    assert_exit(&output, 0, &["recursive.json", "too large to walk"]);
    // The capture's new field would be D01 if drift were judged.
    assert!(only_record_codes(&output.stdout).is_empty());
}

#[test]
fn a_schema_named_by_a_thousand_rules_is_compiled_once() {
    let folder = folder_with_capture();
    // About 300 KB of properties with patterns, as large schemas of real
    // integrations are.
    let properties: serde_json::Map<String, Value> = (0..3_000)
        .map(|key| {
            let field = json!({"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 64,
                "description": "a field of the integration's response"});
            (format!("field{key:04}"), field)
        })
        .collect();
    folder.write(
        "schemas/large.json",
        json!({"type": "object", "properties": properties})
            .to_string()
            .as_bytes(),
    );
    let mut config = String::new();
    for rule in 0..1_000 {
        // Two spellings of the same file.
        let schema = if rule % 2 == 0 {
            "schemas/large.json"
        } else {
            "./schemas/../schemas/large.json"
        };
        config.push_str(&format!(
            "[[rules]]\naction_id = \"action-{rule}\"\nschema = \"{schema}\"\n\n"
        ));
    }
    config.push_str("[[rules]]\npath = \"**\"\nschema = \"schemas/large.json\"\n");
    folder.write("dapa.toml", config.as_bytes());
    let output = scan_capture_with(&folder, "--config", "dapa.toml");
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(only_record_codes(&output.stdout).contains(&"D01".to_owned()));
}

#[test]
fn signatures_past_the_limit_are_the_same_for_any_jobs_and_shards() {
    let folder = Folder::new();
    // More distinct failures of one code than a summary keeps, as words
    // that normalising leaves apart.
    let word = |index: usize| -> String {
        [index / 26 / 26, index / 26 % 26, index % 26]
            .iter()
            .map(|letter| char::from(b'a' + *letter as u8))
            .collect()
    };
    for index in 0..130 {
        let body = format!("upstream failure {} happened", word(index));
        folder.write(&format!("f{index:03}.txt"), body.as_bytes());
        folder.write(&format!("g{index:03}.txt"), body.as_bytes());
    }
    let scan = |format: &str, extra: &[&str]| scan_report(&[folder.path_str()], format, extra);
    let json = scan("json", &["--jobs", "1"]);
    let table = scan("table", &["--jobs", "1"]);
    let summary: Value = serde_json::from_str(&json).unwrap();
    let signatures = summary["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 100);
    assert_eq!(summary["signatures_dropped"], 60);
    assert!(
        signatures
            .iter()
            .all(|s| s["captures"] == 2 && s["examples"].as_array().unwrap().len() == 2)
    );
    assert!(table.contains("97 more"), "{table}");
    for jobs in ["2", "7"] {
        assert!(scan("json", &["--jobs", jobs]) == json, "--jobs {jobs}");
        assert!(scan("table", &["--jobs", jobs]) == table, "--jobs {jobs}");
    }
    let shards: Vec<(String, Value)> = (1..=3)
        .map(|k| {
            let text = scan("json", &["--jobs", "2", "--shard", &format!("{k}/3")]);
            (
                format!("shard{k}.json"),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    let named: Vec<(&str, &Value)> = shards.iter().map(|(n, v)| (n.as_str(), v)).collect();
    let merged = merge_files(&folder, &named);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert!(merged.stdout == json, "shards merged");
}

/// `dapa scan INPUTS --format FORMAT -q EXTRA`'s standard output, for the
/// `--jobs` comparisons. Bounded in time only: memory is not the point, and
/// seven threads reserve more address space than a tight bound leaves.
fn scan_report(inputs: &[&str], format: &str, extra: &[&str]) -> String {
    let mut args = vec!["scan"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["--format", format, "-q"]);
    args.extend_from_slice(extra);
    let output = crate::util::dapa(&args).run();
    assert!(output.code < 2, "{}", output.stderr);
    output.stdout
}

#[test]
fn merge_refuses_a_signature_in_more_captures_than_its_code() {
    let (folder, summary) = scanned_corpus();
    let mut claimed = summary.clone();
    let signatures = claimed["signatures"].as_array_mut().expect("signatures");
    signatures[0]["captures"] = json!(1_000_000_000_000u64);
    let output = merge_files(&folder, &[("claimed.json", &claimed)]);
    assert_exit(
        &output,
        2,
        &["claimed.json", "signatures", "not a consistent"],
    );
    // Within the captures of the summary, beyond those of its code.
    let code = summary["signatures"][0]["code"].clone();
    let (code_captures, all) = (
        summary["codes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|stats| stats["code"] == code)
            .unwrap()["captures"]
            .as_u64()
            .unwrap(),
        summary["captures"].as_u64().unwrap(),
    );
    assert!(code_captures < all, "{code}: {code_captures} of {all}");
    let mut claimed = summary.clone();
    claimed["signatures"][0]["captures"] = json!(code_captures + 1);
    let output = merge_files(&folder, &[("claimed.json", &claimed)]);
    assert_exit(
        &output,
        2,
        &[
            "claimed.json",
            "signatures",
            &format!("with {}", code.as_str().unwrap()),
        ],
    );
}

#[test]
fn a_tolerance_that_is_no_number_of_points_is_refused() {
    let (folder, summary) = scanned_corpus();
    folder.write("baseline.json", summary.to_string().as_bytes());
    for tolerance in ["nan", "inf", "-1", "101"] {
        let output = bounded(&[
            "scan",
            folder.path_str(),
            "--baseline",
            &folder.join("baseline.json").display().to_string(),
            &format!("--tolerance={tolerance}"),
        ]);
        assert_exit(&output, 2, &["--tolerance", "percentage points"]);
    }
}

#[test]
fn a_system_error_is_said_once() {
    let folder = Folder::new();
    let missing = folder.join("missing.json").display().to_string();
    let output = bounded(&["merge", &missing]);
    assert_exit(&output, 2, &["missing.json"]);
    assert_eq!(
        output.stderr.matches("No such file").count(),
        1,
        "{}",
        output.stderr
    );
}

/// A `dapa.toml` in the working folder that cannot be read stops the run:
/// passed over, the rules of a `dapa.toml` above it would decide.
#[test]
fn a_found_config_that_cannot_be_read_is_an_error_not_skipped() {
    let outer = folder_with_capture();
    outer.write(
        "dapa.toml",
        b"[[rules]]\npath = \"**\"\nprofile = \"cognigy-profile\"\n",
    );
    let project = outer.join("project");
    std::fs::create_dir(&project).unwrap();
    let config = project.join("dapa.toml");
    let scan_from_project = || {
        crate::util::dapa_bounded(MEMORY_MIB, SECONDS, &["scan", "../cap.json"])
            .current_dir(&project)
            .run()
    };
    // Without a config of its own, the project's scans follow the rules above.
    let outer_rules = scan_from_project();
    assert_exit(&outer_rules, 1, &["rules of ../dapa.toml"]);
    let kinds: [(&str, &dyn Fn()); 3] = [
        ("a dangling link", &|| {
            std::os::unix::fs::symlink("nowhere.toml", &config).unwrap()
        }),
        ("a folder", &|| std::fs::create_dir(&config).unwrap()),
        ("a named pipe", &|| {
            let status = std::process::Command::new("mkfifo").arg(&config).status();
            assert!(status.unwrap().success());
        }),
    ];
    for (kind, make) in kinds {
        make();
        let output = scan_from_project();
        assert_exit(&output, 2, &["cannot read dapa.toml"]);
        assert!(
            !output.stderr.contains("rules of ../dapa.toml"),
            "{kind}: {}",
            output.stderr
        );
        if config.is_dir() {
            std::fs::remove_dir(&config).unwrap();
        } else {
            std::fs::remove_file(&config).unwrap();
        }
    }
}

/// A `dapa.toml` whose globs cost more than a config needs is refused,
/// naming the file and the rule: a glob too long for the regex engine was a
/// panic (exit 101, 300 KB), many short globs took about 15 KB each (24,000
/// were past the bound; 300,000 in 16 MB took 4.9 GB and a minute).
#[test]
fn a_config_whose_globs_cost_too_much_is_refused_not_compiled() {
    let folder = folder_with_capture();
    let rule = |glob: &str| format!("[[rules]]\npath = \"{glob}\"\nprofile = \"cognigy-token\"\n");
    let many = |count: usize, glob: &dyn Fn(usize) -> String| -> String {
        (0..count).map(|at| rule(&glob(at))).collect()
    };
    let configs = [
        (
            "long.toml",
            rule(&"?".repeat(300_000)),
            "rule 1: the path glob is 300000 bytes",
        ),
        (
            "many.toml",
            // 24,000 rules in under 1 MiB, written inline.
            format!(
                "rules = [{}]\n",
                (0..24_000)
                    .map(|at| format!("{{path=\"*{at}?\",profile=\"cognigy-token\"}},"))
                    .collect::<String>()
            ),
            "rule 1001: more than 1000 rules by path",
        ),
        (
            "wide.toml",
            many(40, &|at| format!("{at:04}{}", "*?".repeat(500))),
            "rule 33: the path globs come to more than 32768 bytes",
        ),
        (
            "large.toml",
            many(40_000, &|at| format!("captures/{at}/**")),
            "larger than 1048576 bytes",
        ),
    ];
    for (name, text, expected) in configs {
        folder.write(name, text.as_bytes());
        let output = scan_capture_with(&folder, "--config", name);
        assert_exit(&output, 2, &[name, expected]);
    }
    // At the bounds, the rules are read and matched.
    folder.write(
        "full.toml",
        many(1_000, &|at| format!("{at:03}*{}", "?".repeat(28))).as_bytes(),
    );
    assert_exit(&scan_capture_with(&folder, "--config", "full.toml"), 0, &[]);
}

/// A rule's glob names the real folder; a link to it inside the project
/// reaches the same captures, which get the same profile.
#[test]
fn a_folder_reached_through_a_link_gets_the_rules_of_the_folder_linked_to() {
    let project = Folder::new();
    project.write(
        "dapa.toml",
        b"[[rules]]\npath = \"captures/**\"\nprofile = \"cognigy-token\"\n",
    );
    project.write("captures/day/bad.json", br#"{"token": 5}"#);
    project.symlink("latest", "captures/day");
    let profiles: Vec<Value> = ["captures/day/bad.json", "latest/bad.json"]
        .iter()
        .map(|path| {
            let output = crate::util::dapa_bounded(
                MEMORY_MIB,
                SECONDS,
                &["scan", "-q", "--format", "jsonl", path],
            )
            .current_dir(project.path())
            .run();
            assert_eq!(output.code, 1, "{path}: {}", output.stderr);
            let record: Value = serde_json::from_str(output.stdout.trim()).unwrap();
            record["profile"].clone()
        })
        .collect();
    assert_eq!(profiles, [json!("cognigy-token"), json!("cognigy-token")]);
}

#[test]
fn a_baseline_or_schema_of_part_of_the_corpus_replaces_no_file() {
    let (folder, _) = scanned_corpus();
    let kept = b"{\"kept\": true}";
    for command in ["baseline", "infer"] {
        let target = folder.join(&format!("{command}-out.json"));
        std::fs::write(&target, kept).unwrap();
        let target_text = target.display().to_string();
        let missing = folder.join("no-such-folder").display().to_string();
        for inputs in [
            vec![missing.as_str()],
            vec![folder.path_str(), missing.as_str()],
        ] {
            let mut args = vec![command, "-o", target_text.as_str()];
            args.extend(&inputs);
            let output = bounded(&args);
            assert_exit(&output, 2, &["not written"]);
            assert_eq!(
                std::fs::read(&target).unwrap(),
                kept,
                "{command} {inputs:?}"
            );
        }
    }
}

/// Payloads of a thousand objects of three keys each, under a new key in
/// every capture: the places multiply, and a chunk of records held all
/// their payloads. Both are bounded now, so infer runs in the memory a
/// scan of the same corpus takes, and describes at most its places.
#[test]
fn infer_memory_does_not_grow_with_nested_places_or_the_corpus() {
    let folder = Folder::new();
    for capture in 0..400 {
        let inner: serde_json::Map<String, Value> = (0..1_000)
            .map(|key| (format!("b{key}"), json!({"c0": 1, "c1": 2, "c2": 3})))
            .collect();
        let payload = json!({ format!("a{capture}"): inner });
        folder.write(
            &format!("c/{capture:04}.json"),
            payload.to_string().as_bytes(),
        );
    }
    let schema = folder.join("schema.json").display().to_string();
    let corpus = folder.join("c").display().to_string();
    let output = bounded(&["infer", "-q", "-j", "2", &corpus, "-o", &schema]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let text = std::fs::read_to_string(&schema).unwrap();
    assert!(
        text.contains("the first 10000 places"),
        "the schema says where places ran out"
    );
    // The schema it wrote is one dapa reads back, and the corpus satisfies.
    // (Not in the bound above: each capture here has thousands of fields
    // the schema does not describe, and a chunk of records holds their
    // drift paths until it is summed.)
    let scan = crate::util::dapa_bounded(
        1024,
        SECONDS,
        &[
            "scan",
            "-q",
            "--schema",
            &schema,
            &corpus,
            "--fail-on",
            "invalid",
        ],
    )
    .run();
    assert_eq!(scan.code, 0, "{}", scan.stderr);
}

/// A baseline of a corpus whose drift table was full keeps the smallest
/// paths; a capture of that corpus whose paths sort after them is no
/// `new-path` regression (the baseline cannot say they were never seen),
/// while a path before them that it never saw still is.
#[test]
fn a_baseline_of_a_full_drift_table_reports_no_path_it_may_have_left_out() {
    let folder = corpus_of_many_paths();
    let baseline = folder.join("baseline.json").display().to_string();
    let made = bounded(&[
        "baseline",
        "-q",
        folder.path_str(),
        "--profile",
        "cognigy-token",
        "-o",
        &baseline,
    ]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert!(
        written["drift_paths_dropped"].as_u64().unwrap() > 0,
        "the table was full"
    );
    let compare = |file: &str| {
        bounded(&[
            "scan",
            "-q",
            "--format",
            "json",
            "--profile",
            "cognigy-token",
            "--baseline",
            &baseline,
            &folder.join(file).display().to_string(),
        ])
    };
    // The last file's paths are the largest: most were left out.
    let own = compare("f5.json");
    assert_eq!(own.code, 0, "{}", own.stdout);
    folder.write(
        "new.json",
        br#"{"result": {"token": "t", "expiresAt": 1763629923, "extra": {"a-new": 1}}}"#,
    );
    let new = compare("new.json");
    assert_eq!(new.code, 1, "{}", new.stderr);
    assert!(
        new.stdout.contains("/extra/a-new was never seen"),
        "{}",
        new.stdout
    );
}

/// Captures of thousands of fields the schema does not describe, each
/// under a path of nearly a kilobyte: every capture yields thousands of
/// drift paths. They are summed as each capture is analysed, not held
/// until the chunk's end (100 captures of 100 KB took 850 MB, 200 took
/// 2.4 GB), so the scan fits the bound, and the same for any `--jobs`.
#[test]
fn drift_paths_of_a_chunk_are_not_held_until_it_is_summed() {
    let folder = Folder::new();
    for capture in 0..100 {
        let mut value: Value = (0..5_000)
            .map(|leaf| (format!("x{leaf}"), json!(1)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        for level in 0..85 {
            value = json!({ format!("k{level:09}"): value });
        }
        let payload = json!({ format!("top{capture}"): value });
        folder.write(
            &format!("c/{capture:03}.json"),
            payload.to_string().as_bytes(),
        );
    }
    folder.write(
        "s.json",
        br#"{"type": "object", "properties": {"top0": {"type": "object"}}}"#,
    );
    let schema = folder.join("s.json").display().to_string();
    let corpus = folder.join("c").display().to_string();
    let summaries: Vec<String> = ["1", "2"]
        .iter()
        .map(|jobs| {
            let args = [
                "scan", "-q", "--format", "json", "-j", jobs, "--schema", &schema, &corpus,
            ];
            let output = crate::util::dapa_bounded(512, 60, &args).run();
            assert_eq!(output.code, 0, "{}", output.stderr);
            output.stdout
        })
        .collect();
    assert!(summaries[0] == summaries[1], "--jobs 1 and 2 agree");
    let summary: Value = serde_json::from_str(&summaries[0]).unwrap();
    assert!(
        summary["drift_paths_dropped"].as_u64().unwrap() > 0,
        "the table is full"
    );
}

#[test]
fn a_summary_given_as_a_baseline_is_named_for_what_it_is() {
    let (folder, summary) = scanned_corpus();
    folder.write("summary.json", summary.to_string().as_bytes());
    let summary_path = folder.join("summary.json").display().to_string();
    let output = bounded(&["scan", "-q", folder.path_str(), "--baseline", &summary_path]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    // The message as one line: miette wraps it to the width it lays out for.
    let words: Vec<&str> = (output.stderr.split_whitespace())
        .filter(|word| *word != "│")
        .collect();
    let message = words.join(" ");
    for part in ["summary.json", "it is a scan summary", "dapa baseline PATH"] {
        assert!(message.contains(part), "{part}: {message}");
    }
}

/// A baseline longer than `dapa baseline` writes: 2,500,000 drift paths
/// (80 MB) were read whole into maps (830 MB for 3,000,000) and gated the
/// scan; refused now at the path past the summary's 10,000, holding little
/// more than the text.
#[test]
fn a_baseline_with_more_paths_than_a_summary_keeps_is_refused_as_it_is_read() {
    let (folder, _) = scanned_corpus();
    let baseline_path = folder.join("baseline.json").display().to_string();
    let made = bounded(&["baseline", folder.path_str(), "-o", &baseline_path]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let mut baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline_path).unwrap()).unwrap();
    let paths: serde_json::Map<String, Value> = (0..2_500_000)
        .map(|i| (format!("/f{i}"), json!(["string", "integer"])))
        .collect();
    baseline["drift"] = json!({ "p": paths });
    folder.write("baseline.json", baseline.to_string().as_bytes());
    let output = bounded(&[
        "scan",
        "-q",
        folder.path_str(),
        "--baseline",
        &baseline_path,
    ]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    let message = output.stderr.split_whitespace().filter(|word| *word != "│");
    let message = message.collect::<Vec<_>>().join(" ");
    assert!(
        message.contains("baseline.json is not a dapa baseline: a map of more than 10000 keys"),
        "{message}"
    );
}

/// One schema file is one profile however its path is typed, so a baseline
/// made with one spelling gates a scan with another.
#[test]
fn a_schema_typed_another_way_is_the_same_profile_for_a_baseline() {
    let folder = Folder::new();
    folder.write(
        "schema.json",
        br#"{"type":"object","properties":{"a":{"type":"integer"}}}"#,
    );
    std::fs::create_dir(folder.join("sub")).unwrap();
    folder.write("c/1.json", br#"{"a":1,"extra":"x"}"#);
    let run = |args: &[&str]| crate::util::dapa(args).current_dir(folder.path()).run();
    let made = run(&[
        "baseline",
        "c",
        "--schema",
        "schema.json",
        "-o",
        "base.json",
    ]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let absolute = folder.join("schema.json");
    for typed in [
        "./schema.json",
        "sub/../schema.json",
        absolute.to_str().unwrap(),
    ] {
        let out = run(&[
            "scan",
            "c",
            "--schema",
            typed,
            "--baseline",
            "base.json",
            "--format",
            "jsonl",
        ]);
        assert_eq!(out.code, 0, "{typed}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains(r#""profile":"schema.json""#),
            "{}",
            out.stdout
        );
    }
}

/// A baseline kept among the samples it describes is no capture of the
/// gate it feeds, and `--update-baseline` settles.
#[test]
fn a_baseline_among_its_samples_is_not_read_as_a_capture() {
    let folder = Folder::new();
    folder.write("samples/a.json", br#"{"email":"${email}","kind":"a"}"#);
    folder.write("samples/b.json", br#"{"email":"x@y.z","kind":"a"}"#);
    folder.write(
        "s.json",
        br#"{"type":"object","properties":{"email":{"type":"string","x-dapa-enum":["x@y.z"]},"kind":{"enum":["a"]}}}"#,
    );
    let run = |args: &[&str]| crate::util::dapa(args).current_dir(folder.path()).run();
    let base = ["--schema", "s.json", "--quiet"];
    let made = run(&[
        &["baseline", "samples/", "-o", "samples/baseline.json"][..],
        &base,
    ]
    .concat());
    assert_eq!(made.code, 0, "{}", made.stderr);
    let gate = [
        &["scan", "samples/", "--baseline", "samples/baseline.json"][..],
        &base,
    ]
    .concat();
    for _ in 0..2 {
        let out = run(&gate);
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        let update = run(&[&gate[..], &["--update-baseline"]].concat());
        assert_eq!(update.code, 0, "{}", update.stderr);
    }
    let out = run(&[&gate[..], &["--format", "jsonl"]].concat());
    assert!(!out.stdout.contains("baseline.json"), "{}", out.stdout);
    // `infer -o` into the folder it reads does not read its own schema.
    for _ in 0..2 {
        let inferred = run(&[
            "infer",
            "samples/",
            "-o",
            "samples/inferred.json",
            "--quiet",
        ]);
        assert_eq!(inferred.code, 0, "{}", inferred.stderr);
    }
    let schema = std::fs::read_to_string(folder.join("samples/inferred.json")).unwrap();
    assert!(!schema.contains("\"$schema\": {"), "{schema}");
}

/// A device named as the input, or captures none of which is healthy,
/// replace no draft schema and no baseline.
#[test]
fn infer_and_baseline_of_nothing_readable_replace_no_file() {
    let folder = Folder::new();
    folder.write("good.json", b"{\"kept\":true}\n");
    folder.write("errors/1.json", br#"{"status":500,"message":"boom"}"#);
    folder.write("errors/1.json.meta.json", br#"{"status":500}"#);
    let good = folder.join("good.json");
    for args in [
        &["infer", "/dev/zero"][..],
        &["baseline", "/dev/zero"],
        &["infer", "errors"],
    ] {
        let out = crate::util::dapa(args)
            .current_dir(folder.path())
            .arg("-o")
            .arg(&good)
            .arg("--quiet")
            .run();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("is not written"), "{}", out.stderr);
        assert_eq!(std::fs::read(&good).unwrap(), b"{\"kept\":true}\n");
    }
}

#[test]
fn enum_values_kept_for_a_baseline_are_bounded_and_the_same_for_any_split() {
    let folder = Folder::new();
    folder.write(
        "enum.schema.json",
        br#"{"properties":{"channel":{"x-dapa-enum":["voice"]}},"additionalProperties":{"x-dapa-enum":["a"]}}"#,
    );
    let captures = folder.join("captures");
    std::fs::create_dir(&captures).unwrap();
    // 2,400 enum-like paths under a map's keys, and a value of 100 KB.
    for file in 0..4 {
        let keys: serde_json::Map<String, Value> = (0..600)
            .map(|key| {
                (
                    format!("k{:05}", file * 600 + key),
                    json!(format!("v{}", key % 3)),
                )
            })
            .collect();
        let body = serde_json::to_vec(&keys).unwrap();
        std::fs::write(captures.join(format!("f{file}.json")), body).unwrap();
    }
    let long = json!({"channel": "x".repeat(100_000)}).to_string();
    std::fs::write(captures.join("long.json"), long).unwrap();
    let schema = folder.join("enum.schema.json").display().to_string();
    let captures = captures.display().to_string();
    let baseline = folder.join("baseline.json").display().to_string();
    let made = bounded(&["baseline", &captures, "--schema", &schema, "-o", &baseline]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let written: Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    let paths = written["enum_values"][&schema]
        .as_object()
        .expect("enum paths");
    assert_eq!(paths.len(), 1_000);
    assert!(
        !paths.contains_key("/channel"),
        "the long value is not kept"
    );
    let gated = bounded(&[
        "scan",
        &captures,
        "--schema",
        &schema,
        "--baseline",
        &baseline,
    ]);
    assert_eq!(gated.code, 0, "{}{}", gated.stdout, gated.stderr);
    let scan = |extra: &[&str]| scan_report(&[&captures, "--schema", &schema], "json", extra);
    let json = scan(&["--jobs", "1"]);
    assert!(scan(&["--jobs", "3"]) == json, "--jobs 3");
    assert_shards_merge_into(&folder, 2, &json, scan);
}

/// 2025-11-20T00:00:00Z, in seconds since the epoch.
const MIDNIGHT: usize = 1_763_596_800;

/// Logs of `minutes` lines in all, a capture a minute, split over three
/// files so that shards differ.
fn minute_logs(minutes: usize) -> (Folder, String) {
    let folder = Folder::new();
    let logs = folder.join("logs");
    std::fs::create_dir(&logs).unwrap();
    for file in 0..3 {
        let lines: String = (file..minutes)
            .step_by(3)
            .map(|minute| {
                format!(
                    "{{\"time\":{},\"response\":{{\"body\":\"{{}}\"}}}}\n",
                    MIDNIGHT + 60 * minute
                )
            })
            .collect();
        std::fs::write(logs.join(format!("app{file}.jsonl")), lines).unwrap();
    }
    let logs = logs.display().to_string();
    (folder, logs)
}

#[test]
fn a_chosen_bucket_width_is_widened_before_its_buckets_grow_past_the_cap() {
    // 12,000 minutes: 12,000 buckets of a minute, 2,400 of five. A year
    // at --bucket 1m took 434 MB and wrote a 76 MB summary.
    let (folder, logs) = minute_logs(12_000);
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            &logs,
            "--body-pointer",
            "/response/body",
            "--time-pointer",
            "/time",
            "--bucket",
            "1m",
            "-q",
        ];
        args.extend_from_slice(extra);
        let output = bounded(&args);
        assert_eq!(output.code, 0, "{}", output.stderr);
        output.stdout
    };
    let json = scan(&["--format", "json", "--jobs", "1"]);
    let summary: Value = serde_json::from_str(&json).unwrap();
    let timeline = &summary["timeline"];
    assert_eq!(
        (&timeline["bucket"], &timeline["asked"], &timeline["auto"]),
        (&json!("5m"), &json!("1m"), &json!(false))
    );
    assert_eq!(timeline["series"].as_array().unwrap().len(), 2_400);
    assert!(
        scan(&["--format", "json", "--jobs", "3"]) == json,
        "--jobs 3"
    );
    let table = scan(&["--format", "table"]);
    assert!(
        table.contains("5m buckets") && table.contains("1m asked, but that makes more than 10,000"),
        "{table}"
    );
    let scan_json = |extra: &[&str]| {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        scan(&args)
    };
    assert_shards_merge_into(&folder, 3, &json, scan_json);

    // A summary listing more buckets than dapa writes is refused as the
    // bucket past them is read.
    let mut claimed = summary.clone();
    let series: Vec<Value> = (0..10_001)
        .map(|minute| {
            json!({"start": jiff::Timestamp::from_second((MIDNIGHT + 60 * minute) as i64).unwrap().to_string(),
                   "captures": 1, "statuses": {"ok": 1}, "codes": {}})
        })
        .collect();
    claimed["timeline"] = json!({"bucket": "1m", "auto": false, "undated": 0, "series": series});
    let output = merge_files(&folder, &[("claimed.json", &claimed)]);
    assert_exit(
        &output,
        2,
        &[
            "claimed.json",
            "more than 10000 buckets, more than dapa writes",
        ],
    );
}

#[test]
fn the_bucket_of_the_earliest_times_there_are_is_written_as_a_time() {
    // The earliest time there is (-009999-01-02T01:59:59Z) lies inside a
    // day, a 10-day and a 1000-day bucket that start before it: the start
    // was written as a bare number of seconds, and merge refused the
    // summary ("not a time").
    let folder = Folder::new();
    let captures = [
        ("early", "-009999-01-02T12:00:00Z"),
        ("late", "2025-11-20T09:00:00Z"),
    ];
    for (name, time) in captures {
        folder.write(&format!("in/{name}.json"), br#"{"a":1}"#);
        folder.write(
            &format!("in/{name}.meta.json"),
            format!(r#"{{"status":200,"captured_at":"{time}"}}"#).as_bytes(),
        );
    }
    let path = folder.join("in").display().to_string();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", &path, "--bucket", "1d", "--format", "json", "-q"];
        args.extend_from_slice(extra);
        let output = bounded(&args);
        assert_eq!(output.code, 0, "{}", output.stderr);
        output.stdout
    };
    let json = scan(&["--jobs", "1"]);
    let summary: Value = serde_json::from_str(&json).unwrap();
    let starts: Vec<&str> = summary["timeline"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bucket| bucket["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        ["-009999-01-02T01:59:59Z", "2025-11-20T00:00:00Z"],
        "{json}"
    );
    // Read back, as merge reads it, the bucket is the same one.
    let merged = merge_files(&folder, &[("whole.json", &summary)]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert!(merged.stdout == json, "{}", merged.stdout);
    assert_shards_merge_into(&folder, 2, &json, scan);
}
