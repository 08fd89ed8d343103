//! `dapa replay` on the shipped raw replies, on definitions made to break
//! each step, and on hostile replies; every run bounded in time (and the
//! hostile ones in memory).

use crate::util::{Folder, codes, dapa, dapa_bounded, records};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const DEFINITION: &str = "samples/definitions/get-contact-profile.action.json";
const REPLIES: &str = "samples/replay/replies";

/// `dapa replay --definition DEFINITION INPUT --format jsonl EXTRA...`,
/// never failing its gate; the records by source.
fn replay(definition: &str, input: &str, extra: &[&str]) -> BTreeMap<String, Value> {
    let mut args = vec![
        "replay",
        "--definition",
        definition,
        input,
        "--format",
        "jsonl",
        "--quiet",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let out = dapa_bounded(384, 30, &args).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    records(&out.stdout)
}

/// The shipped definition with its response configuration changed by `edit`.
fn definition_with(folder: &Folder, edit: impl FnOnce(&mut Value)) -> String {
    let mut document: Value =
        serde_json::from_str(&std::fs::read_to_string(DEFINITION).unwrap()).unwrap();
    edit(&mut document["config"]["response"]);
    folder.write("edited.action.json", document.to_string().as_bytes());
    folder.join("edited.action.json").display().to_string()
}

/// The one record of a replay of `reply` through `definition`.
fn replay_one(folder: &Folder, definition: &str, reply: &str) -> Value {
    folder.write("replies/reply.json", reply.as_bytes());
    let records = replay(
        definition,
        &folder.join("replies").display().to_string(),
        &[],
    );
    assert_eq!(records.len(), 1, "{records:?}");
    records.into_values().next().unwrap()
}

fn distinct_codes(record: &Value) -> Vec<String> {
    let mut codes = codes(record);
    codes.sort_unstable();
    codes.dedup();
    codes
}

#[test]
fn every_raw_reply_sample_replays_as_its_manifest_says() {
    let manifest: BTreeMap<String, Value> =
        serde_json::from_str(include_str!("../samples-manifest.json")).unwrap();
    // The samples with a replay verdict, by the definition and folder they replay with.
    let mut by_definition: BTreeMap<(String, String), Vec<(&String, &Value)>> = BTreeMap::new();
    for (source, entry) in &manifest {
        let Some(expected) = entry.get("replay") else {
            continue;
        };
        let definition = expected["definition"].as_str().unwrap().to_owned();
        let folder = source.rsplit_once('/').unwrap().0.to_owned();
        by_definition
            .entry((definition, folder))
            .or_default()
            .push((source, expected));
    }
    assert_eq!(by_definition.len(), 2, "{by_definition:?}");
    let mut mismatches = Vec::new();
    for ((definition, folder), samples) in &by_definition {
        let seen = replay(definition, folder, &[]);
        assert_eq!(seen.len(), samples.len(), "{folder}: {seen:?}");
        for (source, expected) in samples {
            let expected_codes: Vec<String> =
                serde_json::from_value(expected["codes"].clone()).unwrap();
            let record = &seen[source.as_str()];
            if record["status"] != expected["status"] || distinct_codes(record) != expected_codes {
                mismatches.push(format!(
                    "{source}: expected {} {expected_codes:?}, got {} {:?}",
                    expected["status"],
                    record["status"],
                    distinct_codes(record)
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_record_says_what_each_variable_became() {
    let seen = replay(DEFINITION, REPLIES, &[]);
    let defaulted = &seen["samples/replay/replies/contact-no-email.json"]["replay"]["variables"];
    assert!(
        defaulted
            .as_array()
            .unwrap()
            .contains(&json!({"name": "email", "resolution": "default"}))
    );
    let null = &seen["samples/replay/replies/contact-null-email.json"]["replay"]["variables"];
    assert!(
        null.as_array()
            .unwrap()
            .contains(&json!({"name": "email", "resolution": "null"}))
    );
    let trace = &seen["samples/replay/replies/test-trace-contact.json"]["replay"];
    assert_eq!(trace["from_trace"], true);
}

#[test]
fn a_definite_path_that_finds_nothing_without_a_default_is_r01() {
    let folder = Folder::new();
    let definition = definition_with(&folder, |response| {
        response["translationMapDefaults"]
            .as_object_mut()
            .unwrap()
            .remove("email");
    });
    let record = replay_one(&folder, &definition, r#"{"id":"c-1","emails":[]}"#);
    assert_eq!(record["status"], "error", "{record}");
    assert!(codes(&record).contains(&"R01".to_owned()), "{record}");
    assert!(
        record["replay"]["variables"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "email", "resolution": "missing"})),
        "{record}"
    );
}

#[test]
fn a_path_that_does_not_parse_is_r06_on_every_reply() {
    let folder = Folder::new();
    let definition = definition_with(&folder, |response| {
        response["translationMap"]["id"] = json!("$.id[?(@.x");
    });
    let record = replay_one(&folder, &definition, r#"{"id":"c-1"}"#);
    assert_eq!(record["status"], "error");
    assert!(codes(&record).contains(&"R06".to_owned()), "{record}");
}

#[test]
fn a_template_that_does_not_parse_is_r03() {
    let folder = Folder::new();
    let definition = definition_with(&folder, |response| {
        response["translationMap"] = json!({});
        response["successTemplate"] = json!("#if($x) {\"a\": 1}");
    });
    let record = replay_one(&folder, &definition, "{}");
    assert_eq!(record["status"], "error");
    assert_eq!(codes(&record), ["R03"], "{record}");
}

#[test]
fn a_directive_outside_the_subset_is_r04_naming_it() {
    let folder = Folder::new();
    let definition = definition_with(&folder, |response| {
        response["translationMap"] = json!({});
        response["successTemplate"] = json!("#macro(m)x#end{\"a\": 1}");
    });
    let record = replay_one(&folder, &definition, "{}");
    assert_eq!(record["status"], "error");
    assert_eq!(codes(&record), ["R04"], "{record}");
    assert!(
        record["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("#macro"),
        "{record}"
    );
}

#[test]
fn a_runaway_foreach_stops_at_the_bound_as_r03() {
    let folder = Folder::new();
    let definition = definition_with(&folder, |response| {
        response["translationMap"] = json!({});
        response["successTemplate"] =
            json!("#foreach($i in [1..2000000000])#foreach($j in [1..2000000000])x#end#end");
    });
    let record = replay_one(&folder, &definition, "{}");
    assert_eq!(record["status"], "error");
    assert_eq!(codes(&record), ["R03"], "{record}");
}

#[test]
fn replayed_output_is_byte_identical_for_any_jobs() {
    let folder = Folder::new();
    // More replies than one chunk, so that chunks and threads split them.
    for i in 0..2500 {
        let reply = match i % 5 {
            0 => {
                json!({"id": format!("c-{i}"), "emails": [{"address": format!("u{i}@example.com")}]})
            }
            1 => json!({"id": format!("c-{i}"), "emails": []}),
            2 => json!({"id": format!("c-{i}"), "emails": [{"address": null}]}),
            3 => {
                json!({"id": i, "emails": [{"address": "x@example.com"}], "flags": {"vip": "yes"}})
            }
            _ => json!({"id": format!("c-{i}"), "emails": [{"address": "a\"b@example.com"}],
                        "name": {"first": "Ann", "last": "Keller"}, "activity": {"lastContactEpoch": i}}),
        };
        folder.write(&format!("r/{i:05}.json"), reply.to_string().as_bytes());
    }
    let input = folder.join("r").display().to_string();
    for format in ["jsonl", "json", "table", "sarif"] {
        let run = |jobs: &str| {
            let out = dapa(&[
                "replay",
                "--definition",
                DEFINITION,
                &input,
                "--format",
                format,
                "--jobs",
                jobs,
                "--quiet",
                "--fail-on",
                "none",
                "--color",
                "never",
            ])
            .run();
            assert_eq!(out.code, 0, "{}", out.stderr);
            out.stdout
        };
        assert_eq!(
            run("1"),
            run("7"),
            "{format} differs between --jobs 1 and 7"
        );
    }
}

#[test]
fn hostile_replies_never_hang_nor_panic() {
    let folder = Folder::new();
    folder.write("r/deep.json", "[".repeat(100_000).as_bytes());
    folder.write(
        "r/closed-deep.json",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).as_bytes(),
    );
    folder.write("r/latin1.json", b"{\"id\": \"M\xfcller\"}");
    folder.write(
        "r/escapes.json",
        "{\"id\": \"\\u001b]0;owned\\u0007\", \"emails\": [{\"address\": \"\\u001b[2J\"}]}"
            .as_bytes(),
    );
    folder.write(
        "r/huge.json",
        format!("{{\"id\": \"{}\"}}", "x".repeat(3 << 20)).as_bytes(),
    );
    folder.write("r/zeros.json", &vec![0u8; 1 << 20]);
    folder.fifo("r/pipe.json");
    let input = folder.join("r").display().to_string();
    let seen = folder.relative(replay(
        DEFINITION,
        &input,
        &["--max-bytes", "2000000", "--jobs", "2"],
    ));
    let relative: BTreeMap<String, Value> = seen
        .into_iter()
        .map(|(source, record)| (source.trim_start_matches("r/").to_owned(), record))
        .collect();
    assert_eq!(codes(&relative["deep.json"]), ["R07"]);
    assert_eq!(codes(&relative["closed-deep.json"]), ["R07"]);
    assert_eq!(codes(&relative["latin1.json"]), ["R07"]);
    assert_eq!(codes(&relative["zeros.json"]), ["R07"]);
    assert_eq!(codes(&relative["huge.json"]), ["T07"]);
    assert_eq!(codes(&relative["pipe.json"]), ["T08"]);
    // Control characters reach the output as JSON escapes, never raw.
    let escapes = &relative["escapes.json"];
    assert!(!escapes.to_string().contains('\u{1b}'), "{escapes}");
}

#[test]
fn compare_fails_on_a_breaking_change_and_passes_on_a_harmless_one() {
    let run = |old: &str| {
        dapa(&[
            "replay",
            "--definition",
            &format!("samples/replay/compare/{old}.action.json"),
            "--compare",
            DEFINITION,
            REPLIES,
            "--format",
            "jsonl",
            "--quiet",
            "--fail-on",
            "R09",
        ])
        .run()
    };
    let harmless = run("harmless");
    assert_eq!(harmless.code, 0, "{}{}", harmless.stdout, harmless.stderr);
    let harmless = records(&harmless.stdout);
    assert!(
        harmless
            .values()
            .any(|r| codes(r).contains(&"R08".to_owned()))
    );
    assert!(
        !harmless
            .values()
            .any(|r| codes(r).contains(&"R09".to_owned()))
    );
    let breaking = run("breaking");
    assert_eq!(breaking.code, 1, "{}{}", breaking.stdout, breaking.stderr);
    let breaking = records(&breaking.stdout);
    let worse = &breaking["samples/replay/replies/contact-optional-missing.json"];
    assert!(codes(worse).contains(&"R09".to_owned()), "{worse}");
    // A reply both definitions treat alike has no change finding.
    let same = &breaking["samples/replay/replies/contact-not-found.http"];
    assert_eq!(codes(same), ["R07"], "{same}");
}

#[test]
fn a_definition_without_a_response_configuration_is_refused() {
    let folder = Folder::new();
    folder.write(
        "d.action.json",
        br#"{"name": "x", "contract": {"output": {"successSchema": {"type": "object"}}}}"#,
    );
    let out = dapa(&[
        "replay",
        "--definition",
        &folder.join("d.action.json").display().to_string(),
        REPLIES,
    ])
    .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("no response configuration"),
        "{}",
        out.stderr
    );
}

#[test]
fn replies_in_a_json_lines_log_replay_with_their_line_and_time() {
    let folder = Folder::new();
    let line = |time: &str, body: Value| {
        json!({"time": time, "response": {"status": 200, "body": body.to_string()}}).to_string()
    };
    let log = [
        line(
            "2026-11-20T09:00:00Z",
            json!({"id": "c-1", "emails": [{"address": "a@example.com"}]}),
        ),
        line("2026-11-20T09:00:05Z", json!({"id": "c-2", "emails": []})),
    ]
    .join("\n");
    folder.write("replies.jsonl", log.as_bytes());
    let seen = folder.relative(replay(
        DEFINITION,
        folder.path_str(),
        &[
            "--body-pointer",
            "/response/body",
            "--time-pointer",
            "/time",
        ],
    ));
    assert_eq!(seen["replies.jsonl:1"]["status"], "ok", "{seen:?}");
    assert_eq!(
        seen["replies.jsonl:1"]["captured_at"],
        "2026-11-20T09:00:00Z"
    );
    assert_eq!(
        codes(&seen["replies.jsonl:2"]),
        ["R02", "R02", "R02", "R02", "R02"]
    );
}
