//! `dapa infer` and `dapa scan` in turn: an inferred schema checks its own
//! corpus (single runs with profiles, rules, secrets and `infer` are cases in
//! `tests/cmd/`).

use crate::util::{Folder, codes, dapa, records};
use serde_json::Value;

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

/// Issue 12 promised that a `dapa.toml` rule by path chooses the same
/// profile however the scanned folder is named. A working directory is
/// always known by its real path, so a folder typed through a symbolic
/// link (macOS's `/tmp`, a linked home or checkout) once fell outside the
/// config's folder and matched no rule.
#[test]
fn path_rules_choose_the_same_profile_however_the_folder_is_named() {
    let folder = Folder::new();
    folder.write(
        "proj/schema.json",
        br#"{"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]{3}$"}}}"#,
    );
    folder.write(
        "proj/dapa.toml",
        b"[[rules]]\npath = \"sub/**\"\nschema = \"schema.json\"\n",
    );
    folder.write("proj/sub/bad-code.json", br#"{"code":"abcd"}"#);
    folder.write("outside/.keep", b"");
    folder.symlink("link", "proj");
    // The temporary folder may itself be reached through a link.
    let real = std::fs::canonicalize(folder.path()).unwrap();
    let real = real.to_str().unwrap();
    let linked = folder.join("link");
    let linked = linked.to_str().unwrap();
    let at = |dir: &str| std::path::PathBuf::from(format!("{real}/{dir}"));
    let cases: &[(&str, &[&str])] = &[
        ("proj", &["sub"]),
        ("proj", &["./sub"]),
        ("proj", &[&format!("{real}/proj/sub")]),
        ("proj", &[&format!("{linked}/sub")]),
        ("proj", &[&format!("{linked}/sub/bad-code.json")]),
        ("proj/sub", &["."]),
        ("proj/sub", &[&format!("{linked}/sub")]),
        ("link", &["sub"]),
        ("link/sub", &["."]),
        ("outside", &["../proj/sub", "--config", "../proj/dapa.toml"]),
        ("outside", &["../link/sub", "--config", "../proj/dapa.toml"]),
        (
            "outside",
            &[
                &format!("{real}/proj/sub"),
                "--config",
                &format!("{linked}/dapa.toml"),
            ],
        ),
    ];
    for (dir, args) in cases {
        let output = dapa(&[&["scan", "--format", "jsonl", "-q"], *args].concat())
            .current_dir(&at(dir))
            .run();
        let seen: Vec<Vec<String>> = records(&output.stdout).values().map(codes).collect();
        assert_eq!(
            seen,
            [["V05"]],
            "dapa scan {} from {dir}: {}",
            args.join(" "),
            output.stderr
        );
    }
}

/// A definition with `secure: true` makes every output field secret, as
/// Genesys Cloud treats the output of a secure action, except where the
/// contract says `"x-dapa-secret": false`: no format shows a secret value.
#[test]
fn a_secure_definition_masks_its_output_in_every_format() {
    let secret = "tok-c2VjcmV0LWFjY291bnQtbnVtYmVy";
    let folder = Folder::new();
    folder.write(
        "lookup.action.json",
        br#"{"name": "Account Lookup", "integrationType": "custom-rest-actions",
            "actionType": "custom", "secure": true,
            "contract": {"output": {"successSchema": {"type": "object",
              "properties": {
                "account": {"type": "string", "pattern": "^acc_"},
                "region": {"type": "string", "pattern": "^[a-z]+$", "x-dapa-secret": false}}}}}}"#,
    );
    folder.write(
        "reply.json",
        format!(r#"{{"account": "{secret}", "region": "EU-WEST"}}"#).as_bytes(),
    );
    let definition = folder.join("lookup.action.json");
    let base = [
        "scan",
        "--definition",
        definition.to_str().unwrap(),
        folder.path_str(),
        "-q",
    ];
    for format in [
        "table", "json", "jsonl", "markdown", "junit", "sarif", "html",
    ] {
        let output = dapa(&[&base[..], &["--format", format]].concat()).run();
        assert!(
            !output.stdout.contains("c2VjcmV0"),
            "--format {format}: {}",
            output.stdout
        );
        assert!(!output.stderr.contains("c2VjcmV0"), "{}", output.stderr);
    }
    let masked = dapa(&[&base[..], &["--format", "jsonl"]].concat()).run();
    let seen = folder.relative(records(&masked.stdout));
    assert_eq!(seen["reply.json"]["profile"], "definition:Account Lookup");
    assert_eq!(codes(&seen["reply.json"]), ["V05", "V05"]);
    // The contract's exception stays readable.
    assert!(masked.stdout.contains("EU-WEST"), "{}", masked.stdout);
    let shown = dapa(&[&base[..], &["--format", "jsonl", "--show-secrets"]].concat()).run();
    assert!(shown.stdout.contains(secret), "{}", shown.stdout);
}
