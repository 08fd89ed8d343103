//! Hostile and unlucky inputs of the tool's own: schemas and their `$ref`
//! targets, `dapa.toml`, baselines and the summaries `merge` reads. Every
//! run is bounded in memory and time, so a read without a limit, a read that
//! blocks or a schema that explodes fails the test instead of the machine.

mod util;

use serde_json::{Value, json};
use util::{Folder, Run};

/// Address space for a `--jobs 2` run: ample for dapa, far below what an
/// unbounded read of `/dev/zero` or an exploding schema would take.
const MEMORY_MIB: u64 = 256;
/// Seconds a run may take before it counts as hung.
const SECONDS: u64 = 20;

fn bounded(args: &[&str]) -> util::Output {
    Run::dapa_bounded(MEMORY_MIB, SECONDS, args).run()
}

/// A folder with one capture, `cap.json`, that a profile can check.
fn folder_with_capture() -> Folder {
    let folder = Folder::new();
    folder.write("cap.json", br#"{"address": {"city": 1}}"#);
    folder
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
    let output = bounded(&[
        "scan",
        "-j",
        "2",
        "--schema",
        &folder.join("remote.json").display().to_string(),
        &folder.join("cap.json").display().to_string(),
    ]);
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
    util::codes(&record)
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
    let output = Run::dapa_bounded(
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
    let output = bounded(&[
        "scan",
        "-j",
        "2",
        "--format",
        "jsonl",
        "--config",
        &folder.join("dapa.toml").display().to_string(),
        &folder.join("cap.json").display().to_string(),
    ]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert_eq!(only_record_codes(&output.stdout), ["V02"]);
}
