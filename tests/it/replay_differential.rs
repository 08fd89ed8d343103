//! `dapa replay` of the samples against the real engines, end to end: every raw reply sample with
//! a replay verdict in `tests/samples-manifest.json`, and every Cognigy reply under
//! `samples/replay/cognigy`, is replayed with the library, and the template and context dapa gives
//! it (each variable's JSON text, `rawResult`) are rendered again by Apache Velocity 1.7 through
//! the harness of the Velocity differential test. The outputs must be byte-identical, or both
//! engines must fail. The translationMap paths are checked step by step against the Jayway proof
//! of `jsonpath.rs` (see [`translation_map_paths_are_covered_by_the_jayway_proof`]).

use crate::real_velocity::real_velocity;
use dapa::AnalyzeOptions;
use dapa::jsonpath::{JsonPath, QueryError, Selection};
use dapa::replay::{Replay, raw_reply};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// How many sample replies reach the template and are rendered by both engines; README.md and
/// docs/replay.md quote it.
const RENDERED: usize = 9;
/// How many stop before the template (an HTTP error, a path without match or default), as
/// Genesys stops them: there is nothing for Velocity to render.
const STOPPED: usize = 2;

const COGNIGY_REPLIES: &str = "samples/replay/cognigy/replies";
const COGNIGY_DEFINITION: &str = "samples/replay/cognigy/get-cognigy-profile.action.json";
const MAX_BYTES: u64 = 1 << 20;

/// Each sample reply and the definition it replays with, in path order.
fn samples() -> BTreeMap<String, String> {
    let manifest: BTreeMap<String, Value> =
        serde_json::from_str(include_str!("../samples-manifest.json")).expect("the manifest");
    let mut samples: BTreeMap<String, String> = manifest
        .iter()
        .filter_map(|(source, entry)| {
            let definition = entry.get("replay")?["definition"].as_str()?;
            Some((source.clone(), definition.to_owned()))
        })
        .collect();
    for file in std::fs::read_dir(COGNIGY_REPLIES).expect("the Cognigy replies") {
        let path = file.expect("a folder entry").path();
        let source = path.to_str().expect("a UTF-8 sample path").to_owned();
        let definition = samples
            .entry(source)
            .or_insert_with(|| COGNIGY_DEFINITION.to_owned());
        assert_eq!(definition, COGNIGY_DEFINITION, "{}", path.display());
    }
    samples
}

fn replay_of(definition: &str) -> Replay {
    Replay::from_file(Path::new(definition), &AnalyzeOptions::default())
        .unwrap_or_else(|e| panic!("{definition}: {e}"))
}

/// One sample reply as Genesys would get it, or why it stops before the translation map.
fn reply_of(source: &str) -> Result<(Value, String), String> {
    let capture = dapa::capture::load_one(Path::new(source), MAX_BYTES);
    let reply = raw_reply(&capture, AnalyzeOptions::default().max_depth, false)?;
    Ok((reply.value, reply.text))
}

#[test]
fn replayed_samples_render_as_apache_velocity_renders_them() {
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    let mut stopped = Vec::new();
    for (source, definition) in samples() {
        let replay = replay_of(&definition);
        let (reply, raw) = match reply_of(&source) {
            Ok(reply) => reply,
            Err(reason) => {
                stopped.push(format!("{source}: {reason}"));
                continue;
            }
        };
        let outcome = replay.replay(&reply, &raw);
        let Some((template, context)) = replay.template_input(&reply, &raw) else {
            assert_eq!(
                outcome.output, None,
                "{source}: an output without a template run"
            );
            stopped.push(format!("{source}: a variable has no value"));
            continue;
        };
        let context: Map<String, Value> = context
            .into_iter()
            .map(|(name, text)| (name, Value::String(text)))
            .collect();
        cases.push(json!({"template": template, "context": context}));
        ours.push((source, outcome.output));
    }
    assert_eq!(stopped.len(), STOPPED, "{stopped:#?}");
    assert_eq!(
        ours.len(),
        RENDERED,
        "docs quote the number of rendered samples"
    );
    let real = real_velocity(&cases);
    let mut mismatches = Vec::new();
    for ((source, ours), real) in ours.iter().zip(&real) {
        let same = match (ours, real.get("output").and_then(Value::as_str)) {
            (Some(a), Some(b)) => a.as_bytes() == b.as_bytes(),
            (None, None) => real.get("error").is_some(),
            _ => false,
        };
        if !same {
            mismatches.push(format!(
                "{source}:\n  dapa:     {ours:?}\n  velocity: {real}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// One step of a translationMap path as the samples write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step<'a> {
    /// `.name`
    Member(&'a str),
    /// `[N]`
    Index(usize),
    /// `[*]`
    Wildcard,
}

/// The steps of a path made only of members, indexes and wildcards; none for any other path,
/// which this note does not cover.
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Member(&after[..end]));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("[*]") {
            steps.push(Step::Wildcard);
            rest = after;
        } else {
            let (inside, after) = rest.strip_prefix('[')?.split_once(']')?;
            steps.push(Step::Index(inside.parse().ok()?));
            rest = after;
        }
    }
    Some(steps)
}

/// What Jayway 2 gives for such a path with its default options, as its path tokens decide:
/// while every step so far is definite, a member that is missing or a value of the wrong type
/// throws "not found" (even when a wildcard follows); past a wildcard such branches are dropped,
/// as is an index out of range anywhere. A definite path gives its one value or "not found", a
/// path with a wildcard the list of what its branches reach.
fn walk(steps: &[Step], reply: &Value) -> Option<Value> {
    let mut found = vec![reply.clone()];
    for (at, step) in steps.iter().enumerate() {
        let upstream_definite = !steps[..at].contains(&Step::Wildcard);
        let mut next = Vec::new();
        for value in &found {
            match (step, value) {
                (Step::Member(name), Value::Object(map)) => match map.get(*name) {
                    Some(member) => next.push(member.clone()),
                    None if upstream_definite => return None,
                    None => {}
                },
                (Step::Index(i), Value::Array(items)) => next.extend(items.get(*i).cloned()),
                (Step::Wildcard, Value::Array(items)) => next.extend(items.iter().cloned()),
                (Step::Wildcard, Value::Object(map)) => next.extend(map.values().cloned()),
                _ if upstream_definite => return None,
                _ => {}
            }
        }
        found = next;
    }
    if steps.contains(&Step::Wildcard) {
        Some(Value::Array(found))
    } else {
        found.pop()
    }
}

/// The samples' paths are chains of three step kinds. Each kind is proven against Jayway on its
/// own by `jsonpath.rs`, whose suite holds `$.key` (a member, here `$.id`, `$._id`, `$.name`),
/// `$[0]` (an index) and `$[*]` (a wildcard); how steps chain, and that a definite path gives a
/// value or "not found" while one with a wildcard gives a list, empty or not, is
/// `jsonpath_gives_jayway_shapes_for_translation_map_paths` there. Here each sample path runs on
/// each of its replies and must agree with Jayway's chaining rules ([`walk`]), step by step:
/// among them `$.profile.memories[*].text` on a profile without memories, "not found" (R01)
/// rather than an empty list, since the missing member comes before the wildcard.
#[test]
fn translation_map_paths_are_covered_by_the_jayway_proof() {
    let suite = include_str!("../jsonpath/regression_suite.yaml");
    for single in ["\"$.key\"", "\"$[0]\"", "\"$[*]\""] {
        assert!(
            suite.contains(&format!("selector: {single}")),
            "the Jayway suite no longer has {single}"
        );
    }
    let mut checked = 0;
    for (source, definition) in samples() {
        let Ok((reply, _)) = reply_of(&source) else {
            continue;
        };
        let document: Value =
            serde_json::from_str(&std::fs::read_to_string(&definition).expect("the definition"))
                .expect("a JSON definition");
        let map = document["config"]["response"]["translationMap"]
            .as_object()
            .expect("a translationMap");
        for path in map.values().map(|p| p.as_str().expect("a path")) {
            let steps = steps(path).unwrap_or_else(|| {
                panic!("{definition}: {path} has a step this proof does not cover; add it here")
            });
            let ours = match JsonPath::parse(path).expect("a valid path").query(&reply) {
                Ok(Selection::Value(value)) => Some(value),
                Ok(Selection::List(values)) => Some(Value::Array(values)),
                Err(QueryError::NotFound { .. }) => None,
                Err(error) => panic!("{source}: {path}: {error:?}"),
            };
            assert_eq!(ours, walk(&steps, &reply), "{source}: {path}");
            checked += 1;
        }
    }
    // 6 paths over 7 contact replies, 7 over 3 Cognigy ones (the HTTP 404 has no reply).
    assert_eq!(checked, 6 * 7 + 7 * 3);
}
