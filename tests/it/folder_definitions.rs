//! `scan` uses the definitions (`ID.action.json`) it finds in the folders
//! it walks and the folders above what it is given, with no option: each checks the captures of its action in its
//! folder and below, after every profile, schema, definition and rule the
//! user chose; the nearest folder's definition wins; the set is the same
//! for any `--jobs` and shard; a definition that cannot be used stops the
//! scan (exit 2) naming it, whatever the file is.

use crate::util::{Folder, codes, dapa, dapa_bounded, records};

/// An API-shape definition of `id` whose contract wants `{"email": string}`.
fn definition(id: &str, name: &str, version: u64) -> String {
    format!(
        r#"{{"id": "{id}", "name": "{name}", "version": {version}, "contract": {{"output":
        {{"successSchema": {{"type": "object", "properties": {{"email": {{"type": "string"}}}},
        "required": ["email"]}}}}}}}}"#
    )
}

/// A capture of action `id` (its sidecar says so) with `body`.
fn capture(folder: &Folder, name: &str, id: &str, body: &str) {
    folder.write(&format!("{name}.body"), body.as_bytes());
    folder.write(
        &format!("{name}.meta.json"),
        format!(r#"{{"status": 200, "action_id": "{id}"}}"#).as_bytes(),
    );
}

/// `scan --format jsonl` of `paths` from `folder`: the code and the records.
fn scan(
    folder: &Folder,
    args: &[&str],
) -> (
    i32,
    std::collections::BTreeMap<String, serde_json::Value>,
    String,
) {
    let mut all = vec!["scan", "--format", "jsonl", "-q"];
    all.extend_from_slice(args);
    let out = dapa(&all).current_dir(folder.path()).run();
    (out.code, records(&out.stdout), out.stderr)
}

/// A tree: `a-1` defined at the top and again (v2) in `near/`, `b-2` in the
/// export shape (no `id`: its file name gives it), and a capture of an
/// action no definition names.
fn tree() -> Folder {
    let folder = Folder::new();
    folder.write("c/a-1.action.json", definition("a-1", "Top", 1).as_bytes());
    folder.write(
        "c/b-2.action.json",
        br#"{"name": "Export", "contract": {"output": {"successSchema": {"type": "object",
            "properties": {"n": {"type": "integer"}}, "required": ["n"]}}}}"#,
    );
    folder.write(
        "c/near/a-1.action.json",
        definition("a-1", "Near", 2).as_bytes(),
    );
    capture(&folder, "c/1", "a-1", r#"{"email": 5}"#);
    capture(&folder, "c/2", "b-2", r#"{"n": "x"}"#);
    capture(&folder, "c/3", "other", r#"{"email": 5}"#);
    capture(&folder, "c/deep/er/4", "a-1", r#"{"email": "a@b"}"#);
    capture(&folder, "c/near/5", "a-1", r#"{"email": "a@b"}"#);
    capture(&folder, "c/zz/6", "a-1", r#"{"name": "no email"}"#);
    folder
}

#[test]
fn the_definitions_of_the_folders_above_check_their_actions_captures() {
    let folder = tree();
    let (code, records, stderr) = scan(&folder, &["c"]);
    assert_eq!(code, 1, "{stderr}");
    let profile = |source: &str| records[source]["profile"].as_str().map(str::to_owned);
    assert_eq!(profile("c/1.body").as_deref(), Some("definition:Top@v1"));
    assert_eq!(codes(&records["c/1.body"])[0], "V02");
    assert_eq!(profile("c/2.body").as_deref(), Some("definition:Export"));
    assert_eq!(codes(&records["c/2.body"])[0], "V02");
    assert_eq!(profile("c/3.body"), None, "no definition of that action");
    assert_eq!(
        profile("c/deep/er/4.body").as_deref(),
        Some("definition:Top@v1")
    );
    assert_eq!(
        profile("c/near/5.body").as_deref(),
        Some("definition:Near@v2")
    );
    // A folder walked after `near/` is not under it: the top's again.
    assert_eq!(profile("c/zz/6.body").as_deref(), Some("definition:Top@v1"));
    assert_eq!(codes(&records["c/zz/6.body"])[0], "V01");
    assert_eq!(records.len(), 6, "definitions are no captures: {records:?}");
}

#[test]
fn a_subfolder_or_a_file_named_alone_is_checked_as_a_walk_from_above_checks_it() {
    let folder = tree();
    let (_, whole, _) = scan(&folder, &["c"]);
    let profile = |records: &std::collections::BTreeMap<String, serde_json::Value>,
                   source: &str| {
        records[source]["profile"].as_str().map(str::to_owned)
    };
    for (args, source) in [
        (vec!["c/1.body"], "c/1.body"),
        (vec!["c/deep"], "c/deep/er/4.body"),
        (vec!["c/deep/er/4.body"], "c/deep/er/4.body"),
        (vec!["c/near/5.body"], "c/near/5.body"),
        (vec!["c/zz", "c/1.body", "c/near/5.body"], "c/zz/6.body"),
        (vec!["c/zz", "c/1.body", "c/near/5.body"], "c/near/5.body"),
    ] {
        let (_, part, stderr) = scan(&folder, &args);
        assert_eq!(
            profile(&part, source),
            profile(&whole, source),
            "{args:?}: {stderr}"
        );
        assert_eq!(part[source]["status"], whole[source]["status"], "{args:?}");
    }
    // From inside, typed as `.` or by name: the folders above are found
    // by where they are, not by how the path was typed.
    for args in [["."], ["4.body"]] {
        let out = dapa(&["scan", "--format", "jsonl", "-q", args[0]])
            .current_dir(&folder.join("c/deep/er"))
            .run();
        let records = records(&out.stdout);
        let (_, record) = records.iter().next().expect("one record");
        assert_eq!(record["profile"], "definition:Top@v1", "{args:?}");
    }
    // `explain` of a capture two folders below its definition.
    let out = dapa(&["explain", "c/deep/er/4.body"])
        .current_dir(folder.path())
        .run();
    assert!(out.stdout.contains("definition:Top@v1"), "{}", out.stdout);
    // The summary names the definition that checked, as the walk names it.
    let out = dapa(&["scan", "--format", "json", "-q", "c/deep"])
        .current_dir(folder.path())
        .run();
    assert_eq!(definitions_named(&out.stdout), ["c/a-1.action.json"]);
}

#[test]
fn a_folder_reached_through_a_link_is_checked_by_the_folders_of_its_path() {
    // `c/day` is a link to a folder outside `c/`: a walk of `c` checks its
    // capture with `c`'s definition, and so does every other way in.
    let folder = tree();
    capture(&folder, "store/day/7", "a-1", r#"{"email": 5}"#);
    folder.symlink("c/day", "../store/day");
    let (_, whole, _) = scan(&folder, &["c"]);
    assert_eq!(whole["c/day/7.body"]["profile"], "definition:Top@v1");
    for input in ["c/day", "c/day/7.body", "c/day/../day"] {
        let (_, part, stderr) = scan(&folder, &[input]);
        let (_, record) = part.iter().next().expect("one record");
        assert_eq!(record["profile"], "definition:Top@v1", "{input}: {stderr}");
    }
    // From inside the link, as the shell shows the working folder.
    let inside = folder.join("c/day");
    let out = dapa(&["scan", "--format", "jsonl", "-q", "."])
        .current_dir(&inside)
        .env("PWD", inside.to_str().unwrap())
        .run();
    let records = records(&out.stdout);
    assert_eq!(records["./7.body"]["profile"], "definition:Top@v1");
    // The same definition found by the walk and above another input is
    // named once in the summary, however the paths were typed.
    let out = dapa(&["scan", "--format", "json", "-q", "c/deep", "./c"])
        .current_dir(folder.path())
        .run();
    let named = [
        "c/a-1.action.json",
        "c/b-2.action.json",
        "c/near/a-1.action.json",
    ];
    assert_eq!(definitions_named(&out.stdout), named);
}

/// "Files named `*.action.json` are definitions, never captures": named
/// on its own, one is not analysed either, and the scan says what it is.
#[test]
fn a_file_named_as_a_definition_is_no_capture_even_named_alone() {
    let folder = tree();
    folder.write("c/x.action.json", br#"{"email": }"#);
    let (code, records, stderr) = scan(&folder, &["c/x.action.json"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(records.is_empty(), "{records:?}");
    assert!(
        stderr.contains("c/x.action.json is a Data Action definition, never a capture"),
        "{stderr}"
    );
}

#[test]
fn what_the_user_chose_wins_over_the_definitions_found() {
    let folder = tree();
    folder.write(
        "schema.json",
        br#"{"type": "object", "properties": {"email": {"type": "integer"}}}"#,
    );
    let (_, forced, _) = scan(&folder, &["--schema", "schema.json", "c"]);
    assert_eq!(forced["c/1.body"]["profile"], "schema.json");
    folder.write("given.json", definition("a-1", "Given", 9).as_bytes());
    let (_, given, _) = scan(&folder, &["--definition", "given.json", "c"]);
    assert_eq!(given["c/near/5.body"]["profile"], "definition:Given@v9");
    // b-2 is not the given definition's action: the one found applies.
    assert_eq!(given["c/2.body"]["profile"], "definition:Export");
    folder.write(
        "dapa.toml",
        b"[[rules]]\naction_id = \"b-2\"\nprofile = \"genesys-error\"\n",
    );
    let (_, ruled, stderr) = scan(&folder, &["c"]);
    assert_eq!(ruled["c/2.body"]["profile"], "genesys-error", "{stderr}");
    assert_eq!(ruled["c/1.body"]["profile"], "definition:Top@v1");
}

#[test]
fn the_definitions_found_do_not_depend_on_jobs_or_shards() {
    let folder = tree();
    let one = dapa(&["scan", "--format", "jsonl", "-q", "--jobs", "1", "c"])
        .current_dir(folder.path())
        .run();
    let many = dapa(&["scan", "--format", "jsonl", "-q", "--jobs", "8", "c"])
        .current_dir(folder.path())
        .run();
    assert_eq!(one.stdout, many.stdout);
    let mut shards = String::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let part = dapa(&["scan", "--format", "jsonl", "-q", "--shard", shard, "c"])
            .current_dir(folder.path())
            .run();
        shards.push_str(&part.stdout);
    }
    assert_eq!(shards, one.stdout, "the shards' records are the one run's");
}

#[test]
fn a_definition_found_that_cannot_be_used_stops_the_scan_naming_it() {
    let folder = Folder::new();
    capture(&folder, "c/1", "a-1", r#"{"email": 5}"#);
    folder.write("c/sub/x.action.json", b"{not json");
    let (code, _, stderr) = scan(&folder, &["c"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("c/sub/x.action.json"), "{stderr}");
    assert!(
        stderr.contains("a definition found in a scanned folder"),
        "{stderr}"
    );
    folder.write("c/sub/x.action.json", br#"{"id": "a-1"}"#);
    let (code, _, stderr) = scan(&folder, &["c"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no contract"), "{stderr}");
}

/// Puts a hostile file in a folder.
type Make = dyn Fn(&Folder);

/// Each hostile file named `x.action.json` in a scanned folder ends the
/// scan at once with a clear refusal (or, for a link loop, a capture that
/// cannot be read), within a small memory and time.
#[test]
fn hostile_files_named_as_definitions_are_refused_within_bounds() {
    let cases: [(&str, &Make, &str); 4] = [
        (
            "fifo",
            &|f: &Folder| f.fifo("c/x.action.json"),
            "named pipe",
        ),
        (
            "device",
            &|f: &Folder| f.symlink("c/x.action.json", "/dev/zero"),
            "a device",
        ),
        (
            "huge",
            &|f: &Folder| {
                let file = std::fs::File::create(f.join("c/x.action.json")).unwrap();
                file.set_len(2 << 30).unwrap();
            },
            "larger than",
        ),
        (
            "loop",
            &|f: &Folder| f.symlink("c/x.action.json", "x.action.json"),
            "",
        ),
    ];
    for (name, make, says) in cases {
        let folder = Folder::new();
        capture(&folder, "c/sub/1", "a-1", r#"{"email": "a@b"}"#);
        make(&folder);
        let out = dapa_bounded(
            256,
            20,
            &["scan", "--jobs", "2", "-q", "--format", "jsonl", "c"],
        )
        .current_dir(folder.path())
        .run();
        if says.is_empty() {
            // A link to itself is no file: an unreadable capture, reported.
            assert_eq!(out.code, 1, "{name}: {}", out.stderr);
            let records = records(&out.stdout);
            assert_eq!(codes(&records["c/x.action.json"]), ["T08"], "{name}");
            // Above a subfolder it names no definition, nor does a link
            // that leads nowhere.
            folder.symlink("c/y.action.json", "nowhere");
            let (code, records, stderr) = scan(&folder, &["c/sub"]);
            assert_eq!(code, 0, "{name}: {stderr}");
            assert_eq!(records["c/sub/1.body"]["status"], "ok");
            continue;
        }
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains("x.action.json"),
            "{name}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(says), "{name}: {}", out.stderr);
        // `infer` reads the folder's definitions for their secrets: it
        // refuses them the same way, and writes nothing; so do both when
        // the file lies above a subfolder or a file they are given.
        for (command, input) in [
            ("infer", "c"),
            ("scan", "c/sub"),
            ("infer", "c/sub"),
            ("scan", "c/sub/1.body"),
            ("infer", "c/sub/1.body"),
        ] {
            let out = dapa_bounded(256, 20, &[command, "--jobs", "2", "-q", input])
                .current_dir(folder.path())
                .run();
            assert_eq!(out.code, 2, "{name} {command} {input}: {}", out.stderr);
            assert!(
                out.stderr.contains("x.action.json"),
                "{name}: {}",
                out.stderr
            );
            assert!(out.stderr.contains(says), "{name}: {}", out.stderr);
            assert_eq!(out.stdout, "", "{name} {command} {input}");
        }
    }
}

#[test]
fn a_har_entry_is_matched_by_the_action_id_of_its_url() {
    let folder = tree();
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-20T09:12:03.000Z",
        "request": {"method": "POST",
            "url": "https://api.mypurecloud.ie/api/v2/integrations/actions/a-1/execute"},
        "response": {"status": 200, "content": {"mimeType": "application/json",
            "text": "{\"email\": 5}"}}
    }]}});
    folder.write("c/near/session.har", har.to_string().as_bytes());
    let (_, records, stderr) = scan(&folder, &["c"]);
    let entry = &records["c/near/session.har#1"];
    assert_eq!(entry["profile"], "definition:Near@v2", "{stderr}");
    assert_eq!(codes(entry)[0], "V02");
}

/// The summary reports the lint of the definitions found that checked a
/// capture, and only those, with their version: which version the
/// captures were checked against.
#[test]
fn the_summary_names_the_definitions_found_that_checked_captures() {
    let folder = tree();
    folder.write(
        "c/unused/z-9.action.json",
        definition("z-9", "Unused", 4).as_bytes(),
    );
    let out = dapa(&["scan", "--format", "json", "-q", "c"])
        .current_dir(folder.path())
        .run();
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let named: Vec<(String, Option<u64>)> = summary["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["source"].as_str().unwrap().to_owned(),
                d["version"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("c/a-1.action.json".to_owned(), Some(1)),
            ("c/b-2.action.json".to_owned(), None),
            ("c/near/a-1.action.json".to_owned(), Some(2)),
        ],
        "{}",
        out.stdout
    );
}

/// The `source`s of the definitions a `--format json` summary names.
fn definitions_named(summary: &str) -> Vec<String> {
    let summary: serde_json::Value = serde_json::from_str(summary).unwrap();
    summary["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["source"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_copy_that_checked_nothing_is_not_named_and_shards_merge_to_the_one_run() {
    // Two copies of one definition (one profile name): only the one in `a/`
    // checks a capture; `b/` holds a body no definition takes.
    let folder = Folder::new();
    folder.write(
        "a/act-1.action.json",
        definition("act-1", "Same", 1).as_bytes(),
    );
    folder.write(
        "b/act-1.action.json",
        definition("act-1", "Same", 1).as_bytes(),
    );
    capture(&folder, "a/1", "act-1", r#"{"email": "x@example.org"}"#);
    folder.write("b/x.json", br#"{"n": 2}"#);
    let json = ["--format", "json", "-q", "--fail-on", "none"];
    let run = |extra: &[&str]| {
        let mut args = vec!["scan", "a", "b"];
        args.extend_from_slice(&json);
        args.extend_from_slice(extra);
        dapa(&args).current_dir(folder.path()).run()
    };
    let whole = run(&[]);
    assert_eq!(definitions_named(&whole.stdout), ["a/act-1.action.json"]);
    for (index, shard) in ["1/2", "2/2"].iter().enumerate() {
        folder.write(
            &format!("s{index}.json"),
            run(&["--shard", shard]).stdout.as_bytes(),
        );
    }
    let merged = dapa(&["merge", "s0.json", "s1.json"])
        .current_dir(folder.path())
        .run();
    assert_eq!(merged.stdout, whole.stdout);
}

#[test]
fn a_definition_named_by_a_rule_is_named_once_however_the_folder_is_typed() {
    // The rule's definition also lies in a scanned folder, where the walk
    // finds it under the name typed: the rule's profile checks the capture.
    let folder = Folder::new();
    folder.write("d/x.action.json", definition("x", "Ruled", 1).as_bytes());
    folder.write("d/x/a.json", br#"{"email": "x@example.org"}"#);
    folder.write(
        "dapa.toml",
        b"[[rules]]\npath = \"d/x/**\"\ndefinition = \"d/x.action.json\"\n",
    );
    let absolute = folder.join("d").display().to_string();
    for typed in ["d", "./d", "d/", absolute.as_str()] {
        let out = dapa(&["scan", typed, "--format", "json", "-q", "--fail-on", "none"])
            .current_dir(folder.path())
            .run();
        assert_eq!(out.code, 0, "{typed}: {}", out.stderr);
        assert_eq!(
            definitions_named(&out.stdout),
            ["d/x.action.json"],
            "{typed}"
        );
    }
}
