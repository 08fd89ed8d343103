//! Hostile inputs of `dapa lint` and `dapa replay`: the output of a secure
//! definition is secret as a whole, even where it is no JSON and only the
//! syntax layer and R05 can speak of it; and a translation map of 50,000
//! entries is linted in bounded time (it took minutes when each entry
//! searched the others one by one).

use crate::util::{Folder, dapa, dapa_bounded};
use serde_json::{Value, json};

/// A secure definition whose template strips the quotes from the email, so
/// that a reply's email lands in the output as a bare word.
fn secure_bare_word_definition() -> Value {
    json!({
        "name": "Secure bare word",
        "secure": true,
        "config": {"response": {
            "translationMap": {"email": "$.email"},
            "translationMapDefaults": {"email": "\"\""},
            "successTemplate": "#set($bare = $email.replace('\"', '')){\"email\": $bare, \"e\": \"x\\q\"}"
        }},
        "contract": {"output": {"successSchema": {
            "type": "object", "properties": {"email": {"type": "string"}}
        }}}
    })
}

/// `dapa replay` of `reply` through `definition` reports `code` in every
/// format without quoting `secret`, and quotes it with `--show-secrets`.
fn assert_quoted_only_when_asked(
    definition: &std::path::Path,
    reply: &std::path::Path,
    code: &str,
    secret: &str,
) {
    let formats = [
        "table", "jsonl", "json", "sarif", "markdown", "html", "junit",
    ];
    for format in formats {
        let out = dapa(&["replay", "--format", format, "--definition"])
            .arg(definition)
            .arg(reply)
            .run();
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(
            shown.contains(code),
            "{format}: {code} is reported: {shown}"
        );
        assert!(
            !shown.contains(secret),
            "{format}: a secret reply value is quoted: {shown}"
        );
    }
    // With --show-secrets the finding says what it found.
    let out = dapa(&[
        "replay",
        "--show-secrets",
        "--format",
        "jsonl",
        "--definition",
    ])
    .arg(definition)
    .arg(reply)
    .run();
    assert!(out.stdout.contains(secret), "{}", out.stdout);
}

#[test]
fn a_secure_output_that_is_no_json_is_never_quoted() {
    let folder = Folder::new();
    let definition = secure_bare_word_definition().to_string();
    folder.write("secure.action.json", definition.as_bytes());
    folder.write("reply.json", br#"{"email": "hunter2secret"}"#);
    let (definition, reply) = (folder.join("secure.action.json"), folder.join("reply.json"));
    assert_quoted_only_when_asked(&definition, &reply, "R05", "hunter2");
}

/// A definition of `entries` variables `v0`... whose paths find nothing in
/// `{}` and which all have a default; the template writes `v1`.
/// A secure action's template that writes an error body from the reply:
/// the fields that name a Genesys failure in a captured error body are the
/// backend's values here.
#[test]
fn a_secure_output_written_as_an_error_body_names_none_of_its_fields() {
    let folder = Folder::new();
    let definition = json!({
        "name": "Secure error",
        "secure": true,
        "config": {"response": {
            "translationMap": {"ssn": "$.ssn"},
            "successTemplate": "{\"message\": \"done\", \"code\": ${ssn}, \"status\": 400, \"contextId\": ${ssn}, \"errors\": [{\"code\": ${ssn}}]}"
        }},
        "contract": {"output": {"successSchema": {"type": "object"}}}
    });
    folder.write("secure.action.json", definition.to_string().as_bytes());
    folder.write("reply.json", br#"{"ssn": "SECRET-45-6789"}"#);
    let (definition, reply) = (folder.join("secure.action.json"), folder.join("reply.json"));
    assert_quoted_only_when_asked(&definition, &reply, "E01", "SECRET-45");
}

fn wide_definition(entries: usize) -> String {
    let map: serde_json::Map<String, Value> = (0..entries)
        .map(|i| (format!("v{i}"), json!(format!("$.a{i}"))))
        .collect();
    let defaults: serde_json::Map<String, Value> = (0..entries)
        .map(|i| (format!("v{i}"), json!("0")))
        .collect();
    json!({
        "name": "Wide",
        "config": {"response": {
            "translationMap": map,
            "translationMapDefaults": defaults,
            "successTemplate": "{\"n\": ${v1}}"
        }},
        "contract": {"output": {"successSchema": {"type": "object"}}}
    })
    .to_string()
}

#[test]
fn a_translation_map_of_50000_entries_is_linted_in_bounded_time() {
    let folder = Folder::new();
    folder.write("wide.action.json", wide_definition(50_000).as_bytes());
    let path = folder.join("wide.action.json").display().to_string();
    let out = dapa_bounded(256, 20, &["lint", "--format", "jsonl", &path]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("A03"),
        "unused entries are reported: {}",
        out.stdout
    );
}

#[test]
fn a_secure_capture_that_is_no_json_is_never_quoted_by_scan() {
    let folder = Folder::new();
    let definition = secure_bare_word_definition().to_string();
    folder.write("secure.action.json", definition.as_bytes());
    folder.write("capture.json", br#"{"email": hunter2secret, "e": "\q"}"#);
    let out = dapa(&["scan", "--format", "jsonl", "--definition"])
        .arg(folder.join("secure.action.json"))
        .arg(folder.join("capture.json"))
        .run();
    assert!(out.stdout.contains("S03"), "{}", out.stdout);
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
}

/// Every variable takes its default (R02): the record keeps a few R02 and
/// counts the rest, and the summary is built in bounded time (it took
/// minutes when each finding was compared with all the others).
#[test]
fn a_reply_where_50000_defaults_stand_in_gives_a_bounded_record() {
    let (code, record) = replay_one(&wide_definition(50_000), b"{}", &[]);
    assert_eq!(code, 0, "{record}");
    let r02: Vec<&str> = (record["findings"].as_array().expect("findings").iter())
        .filter(|f| f["code"] == "R02")
        .map(|f| f["message"].as_str().expect("a message"))
        .collect();
    assert_eq!(r02.len(), 20, "{r02:?}");
    assert!(r02[19].ends_with("(and 49980 more like it)"), "{}", r02[19]);
}

/// One field marked `x-dapa-secret` is enough: where the body does not
/// parse, dapa cannot tell which text is that field's, so no syntax message
/// quotes the body, unless `--show-secrets`.
#[test]
fn a_body_that_does_not_parse_is_never_quoted_when_one_field_is_secret() {
    let folder = Folder::new();
    let schema = json!({"type": "object", "properties": {
        "token": {"type": "string", "x-dapa-secret": true},
        "name": {"type": "string"}}});
    folder.write("schema.json", schema.to_string().as_bytes());
    folder.write("capture.json", br#"{"name": "a", "token": hunter2secret}"#);
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "jsonl", "--fail-on", "none"];
        args.extend_from_slice(extra);
        dapa(&args)
            .arg("--schema")
            .arg(folder.join("schema.json"))
            .arg(folder.join("capture.json"))
            .run()
    };
    let masked = scan(&[]);
    assert!(masked.stdout.contains("S03"), "{}", masked.stdout);
    assert!(!masked.stdout.contains("hunter2"), "{}", masked.stdout);
    let shown = scan(&["--show-secrets"]);
    assert!(shown.stdout.contains("hunter2"), "{}", shown.stdout);
}

/// `explain` of such a body: a quote inside the secret ends its string
/// early, so what follows may be the secret too; everything from the secret
/// key's value on is masked.
#[test]
fn explain_masks_the_rest_of_a_body_broken_inside_a_secret() {
    let folder = Folder::new();
    let schema = json!({"type": "object", "properties": {
        "token": {"type": "string", "x-dapa-secret": true}}});
    folder.write("schema.json", schema.to_string().as_bytes());
    folder.write(
        "capture.json",
        br#"{"name": "a", "token": "abc"hunter2secret"}"#,
    );
    let out = dapa(&["explain", "--color", "never", "--schema"])
        .arg(folder.join("schema.json"))
        .arg(folder.join("capture.json"))
        .run();
    assert!(out.stdout.contains("S03"), "{}", out.stdout);
    assert!(out.stdout.contains(r#""name": "a""#), "{}", out.stdout);
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
    assert!(!out.stdout.contains("abc"), "{}", out.stdout);
}

/// One field of the contract marked `x-dapa-secret` is enough for R05 too:
/// the output does not parse, so no message quotes its text.
#[test]
fn r05_never_quotes_an_output_whose_contract_marks_one_secret_field() {
    let folder = Folder::new();
    let mut definition = secure_bare_word_definition();
    definition["secure"] = json!(false);
    definition["contract"]["output"]["successSchema"]["properties"]["email"]["x-dapa-secret"] =
        json!(true);
    folder.write("one.action.json", definition.to_string().as_bytes());
    folder.write("reply.json", br#"{"email": "hunter2secret"}"#);
    let out = dapa(&["replay", "--format", "jsonl", "--definition"])
        .arg(folder.join("one.action.json"))
        .arg(folder.join("reply.json"))
        .run();
    assert!(out.stdout.contains("R05"), "{}", out.stdout);
    assert!(!out.stdout.contains("hunter2"), "{}", out.stdout);
}

/// A definition whose successTemplate is `template`, with no translation map.
fn template_definition(template: &str) -> String {
    json!({
        "name": "Template",
        "config": {"response": {"translationMap": {}, "successTemplate": template}},
        "contract": {"output": {"successSchema": {"type": "object"}}}
    })
    .to_string()
}

/// `dapa replay -j 2 --format jsonl EXTRA...` of `reply` through the
/// definition `definition`, bounded: its exit code and its one record.
fn replay_one(definition: &str, reply: &[u8], extra: &[&str]) -> (i32, Value) {
    replay_bounded(definition, reply, extra, 256, 20)
}

/// [`replay_one`] in `memory_mib` MiB and `seconds`.
fn replay_bounded(
    definition: &str,
    reply: &[u8],
    extra: &[&str],
    memory_mib: u64,
    seconds: u64,
) -> (i32, Value) {
    let folder = Folder::new();
    folder.write("t.action.json", definition.as_bytes());
    folder.write("reply.json", reply);
    let definition = folder.join("t.action.json").display().to_string();
    let reply = folder.join("reply.json").display().to_string();
    let mut args = vec!["replay", "-j", "2", "--format", "jsonl"];
    args.extend_from_slice(extra);
    args.extend(["--definition", &definition, &reply]);
    let out = dapa_bounded(memory_mib, seconds, &args).run();
    assert!(out.code < 2, "{}", out.stderr);
    let record = serde_json::from_str(out.stdout.trim()).expect("one record");
    (out.code, record)
}

/// The codes of the one record of [`replay_one`] through `template`.
fn replay_template(template: &str, reply: &[u8]) -> Vec<String> {
    let (_, record) = replay_one(&template_definition(template), reply, &[]);
    crate::util::codes(&record)
}

/// Templates that grew values without end, copied a large value at every
/// reference, built a huge string before checking its length, or nested an
/// expression deeper than the stack: each stops with R03, in bounded memory
/// and time, or renders when it is cheap once values are not copied.
#[test]
fn velocity_templates_that_grow_without_end_stop_with_r03() {
    let stopping = [
        // Doubling: a list of 2^40 items.
        "#set($l = [1])#foreach($i in [1..40])#set($l = [$l, $l])#end{\"a\": 1}",
        // A list nested in itself 99,999 times.
        "#set($l = [])#foreach($i in [1..99999])#set($l = [$l])#end{\"a\": 1}",
        // A 2 GiB replacement of a 128 KiB string.
        "#set($s = 'ab')#foreach($i in [1..16])#set($s = \"$s$s\")#end$s.replace('', $s)",
        // A map of maps doubling.
        "#set($m = {})#foreach($i in [1..40])#set($m = {'a': $m, 'b': $m})#end{}",
    ];
    for template in stopping {
        assert_eq!(replay_template(template, b"{}"), ["R03"], "{template}");
    }
    // The reply named 50,000 times: not copied each time, so it renders.
    let reply = format!("{{\"text\": \"{}\"}}", "x".repeat(8 << 20));
    let named = "#foreach($i in [1..50000])#if($rawResult)#end#end{\"n\": $rawResult.length()}";
    assert_eq!(
        replay_template(named, reply.as_bytes()),
        Vec::<String>::new()
    );
}

#[test]
fn a_chain_of_operators_longer_than_the_stack_allows_is_a_template_error() {
    let chain = "#set($x = 1".to_owned() + &"+1".repeat(200_000) + "){\"x\": $x}";
    assert_eq!(replay_template(&chain, b"{}"), ["R03"]);
    let folder = Folder::new();
    folder.write("chain.action.json", template_definition(&chain).as_bytes());
    let path = folder.join("chain.action.json").display().to_string();
    let out = dapa_bounded(256, 20, &["lint", "--format", "jsonl", &path]).run();
    assert!(out.stdout.contains("A12"), "{}{}", out.stdout, out.stderr);
}

#[test]
fn replay_reads_replies_with_max_depth() {
    let definition = template_definition("{\"raw\": $rawResult}");
    let nested = |levels: usize| format!("{{\"a\": {}{}}}", "[".repeat(levels), "]".repeat(levels));
    let codes = |levels: usize, depth: &str| {
        let (_, record) = replay_one(
            &definition,
            nested(levels).as_bytes(),
            &["--max-depth", depth],
        );
        crate::util::codes(&record)
    };
    assert!(codes(10, "5").contains(&"R07".to_owned()));
    assert!(!codes(200, "300").contains(&"R07".to_owned()));
}

#[test]
fn a_reply_that_is_no_json_is_not_quoted_unless_asked() {
    let folder = Folder::new();
    let definition = template_definition("{\"raw\": $rawResult}");
    folder.write("t.action.json", definition.as_bytes());
    folder.write("reply.json", b"QWERTY4eC39HqLyjWDarjtT1zdp7dc");
    let (definition, reply) = (folder.join("t.action.json"), folder.join("reply.json"));
    assert_quoted_only_when_asked(&definition, &reply, "R07", "QWERTY4e");
}

#[test]
fn a_definition_saved_with_a_byte_order_mark_is_read() {
    let folder = Folder::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(template_definition("{\"a\": 1}").as_bytes());
    folder.write("bom.action.json", &bytes);
    let path = folder.join("bom.action.json").display().to_string();
    let out = dapa(&["lint", "--format", "jsonl", &path]).run();
    assert!(out.code < 2, "{}", out.stderr);
    folder.write("reply.json", b"{}");
    let reply = folder.join("reply.json").display().to_string();
    let out = dapa(&["replay", "--format", "jsonl", "--definition", &path, &reply]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// A definition whose translation map sets `x` by `path`, written out.
fn path_definition(path: &str) -> String {
    json!({
        "name": "Path",
        "config": {"response": {
            "translationMap": {"x": path},
            "successTemplate": "{\"x\": ${x}}"
        }},
        "contract": {"output": {"successSchema": {"type": "object"}}}
    })
    .to_string()
}

/// A definition whose translationMap has `entries` entries `v00000`...,
/// each `path`, without defaults; the template writes `{"n": 1}`.
fn map_definition(entries: usize, path: &str) -> String {
    let map: serde_json::Map<String, Value> = (0..entries)
        .map(|i| (format!("v{i:05}"), json!(path)))
        .collect();
    json!({
        "name": "Map",
        "config": {"response": {"translationMap": map, "successTemplate": "{\"n\": 1}"}},
        "contract": {"output": {"successSchema": {"type": "object"}}}
    })
    .to_string()
}

/// Paths whose evaluation copied a subtree at every level of a deep scan
/// (a multi-name merge, a filter's indefinite sub-path): on a reply of a
/// few megabytes they took gigabytes. They stop at dapa's bound (R01).
#[test]
fn jsonpath_copies_on_the_way_are_bounded() {
    let mut nested = Value::Array(vec![json!(0); 200_000]);
    for _ in 0..120 {
        nested = json!({"b": 0, "a": nested, "z": 1});
    }
    let reply = nested.to_string();
    for path in ["$..['a','b']", "$[?(@.z in $..*)]"] {
        let (_, record) = replay_one(&path_definition(path), reply.as_bytes(), &[]);
        assert_eq!(crate::util::codes(&record), ["R01"], "{path}: {record}");
        assert!(record.to_string().contains("bound"), "{path}: {record}");
    }
}

/// The one finding of a replay of `template` on `reply` in `memory_mib`
/// MiB and 30 s, with its message.
fn only_finding(template: &str, reply: &[u8], memory_mib: u64) -> (String, String) {
    let (_, record) = replay_bounded(&template_definition(template), reply, &[], memory_mib, 30);
    let findings = record["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{template}: {record}");
    let text = |key: &str| findings[0][key].as_str().expect("a text").to_owned();
    (text("code"), text("message"))
}

/// Methods that scan a large reply or list, called in a loop, took
/// minutes (they were neither copied nor counted): they stop at the work
/// budget with R03 naming it. The length of the reply, asked 30,000 times,
/// is counted once and renders.
#[test]
fn velocity_method_work_is_bounded() {
    let reply = format!("{{\"a\": \"{}\"}}", "x".repeat(1 << 20));
    let loop_of_many_nodes = format!(
        "#foreach($i in [1..100000]){}#end{{\"n\": 1}}",
        "#if(false)#end".repeat(50_000)
    );
    for (template, reply) in [
        (
            "#foreach($i in [1..100000])#set($n = $rawResult.indexOf('Z'))#end{\"n\": $n}",
            reply.as_bytes(),
        ),
        (
            "#set($l = [1..100000])#foreach($i in $l)#if($l.contains(-1))#end#end{\"n\": 1}",
            b"{}",
        ),
        // Nodes are work too: a loop over a body of 50,000 `#if`s.
        (&loop_of_many_nodes, b"{}"),
    ] {
        let (code, message) = only_finding(template, reply, 256);
        assert_eq!(code, "R03", "{template}: {message}");
        assert!(
            message.contains("bytes scanned by methods and comparisons, 8 for each node rendered) exceeds the limit"),
            "{template}: {message}"
        );
    }
    let reply = format!("{{\"a\": \"{}\"}}", "x".repeat(4 << 20));
    let lengths = "#set($n = $rawResult.length())".repeat(30_000) + "{\"n\": $n}";
    let (_, record) = replay_one(&template_definition(&lengths), reply.as_bytes(), &[]);
    assert_eq!(
        crate::util::codes(&record),
        Vec::<String>::new(),
        "{record}"
    );
}

/// A 2 MiB text copied by interpolation 2,000 times (`"$s"`, `"${s}a"`)
/// was not counted as a copy: 4 GB, and an abort. It stops at the copy
/// budget with R03.
#[test]
fn velocity_interpolated_copies_are_bounded() {
    let doubled = "#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..17])#set($s = \"$s$s\")#end";
    for copy in ["\"$s\"", "\"${s}a\""] {
        let sets: String = (0..2000).map(|i| format!("#set($x{i} = {copy})")).collect();
        let template = doubled.to_owned() + &sets + "{\"n\": 1}";
        // Room for the 128 MiB the budget lets it copy, and for the
        // allocator's spare room around texts of megabytes.
        let (code, message) = only_finding(&template, b"{}", 1024);
        assert_eq!(code, "R03", "{copy}: {message}");
        assert!(
            message.contains("bytes of values copied exceeds the limit"),
            "{copy}: {message}"
        );
    }
}

/// 300,000 null references in one template: each place reported once took
/// a search of the places before it (29 s in a release build). At most 20
/// R10 findings, the last saying how many more.
#[test]
fn many_null_references_are_reported_in_bounded_time() {
    let template = "{\"a\": \"".to_owned() + &"$x".repeat(300_000) + "\"}";
    // The parsed template alone takes about 100 MiB.
    let (_, record) = replay_bounded(&template_definition(&template), b"{}", &[], 512, 20);
    let findings = record["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 20, "{record}");
    assert!(findings.iter().all(|f| f["code"] == "R10"), "{record}");
    assert!(
        findings[19]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("(and 299980 more like it)")),
        "{}",
        findings[19]
    );
}

/// The codes of [`replay_one`] of `reply` through a translation map that
/// sets `x` by `path`, and whether a message names dapa's bound.
fn path_codes(path: &str, reply: &[u8]) -> (Vec<String>, bool) {
    let (_, record) = replay_one(&path_definition(path), reply, &[]);
    let bound = record.to_string().contains("dapa's bound");
    (crate::util::codes(&record), bound)
}

/// Filters whose comparisons were not counted as work: list operators
/// reading a whole `$` list for each item, a number compared with a long
/// string, a regex over a long `$` string for each item. On replies of a
/// megabyte they ran for minutes; each stops at the step bound (R01), or
/// finishes when what it repeated is worked out once.
#[test]
fn filter_comparisons_count_against_the_step_bound() {
    let n = 100_000;
    let lists =
        json!({"x": (0..n).collect::<Vec<_>>(), "y": (1..=n).map(|i| -i).collect::<Vec<_>>()})
            .to_string();
    for path in ["$.x[?(@ in $.y)]", "$[?($.x anyof $.y)]"] {
        assert_eq!(
            path_codes(path, lists.as_bytes()),
            (vec!["R01".to_owned()], true),
            "{path}"
        );
    }
    let long = json!({"b": "X".repeat(1 << 20), "a": vec![0; 10_000]}).to_string();
    assert_eq!(
        path_codes("$.a[?(@ == $.b)]", long.as_bytes()),
        (vec!["R01".to_owned()], true)
    );
    // The same answer for every item: the regex runs once.
    assert_eq!(
        path_codes("$.a[?($.b =~ /X*Y/)]", long.as_bytes()),
        (vec![], false)
    );
}

/// Selections bounded by their number of values only: `$..a` down a chain
/// of objects around an 8 MiB string copied it 120 times (2.9 GB, then an
/// abort), `[0,0,...]` naming a 1 MiB string 5,000 times asked for 4 GiB at
/// once, and 1,000 entries of `$` on a 1 MiB reply held 3.6 GB and passed.
/// Each stops at a bound on text (R01) in a few megabytes.
#[test]
fn selections_and_variables_are_bounded_by_their_text() {
    let mut chain = json!("X".repeat(8 << 20));
    for _ in 0..120 {
        chain = json!({ "a": chain });
    }
    let chain = chain.to_string();
    assert_eq!(
        path_codes("$..a", chain.as_bytes()),
        (vec!["R01".to_owned()], true)
    );
    let named = json!({"a": ["X".repeat(1 << 20)]}).to_string();
    let indexes = vec!["0"; 5_000].join(",");
    assert_eq!(
        path_codes(&format!("$.a[{indexes}]"), named.as_bytes()),
        (vec!["R01".to_owned()], true)
    );
    let definition = map_definition(1_000, "$");
    let (_, record) = replay_one(&definition, named.as_bytes(), &[]);
    assert_eq!(record["status"], "error", "{record}");
    assert!(
        crate::util::codes(&record).iter().all(|code| code == "R01"),
        "{record}"
    );
    assert!(record.to_string().contains("dapa's bound"), "{record}");
}

/// A translationMap of 20,000 entries, each a filter that reads a 3,000
/// item list for each of 3,000 items: each path stopped at its own bound of
/// 5,000,000 steps, 20,000 times per reply (about 9 minutes for one
/// 320 KB reply). The map's paths share 20,000,000 steps on a reply: the
/// replay takes well under a second a reply, and says why the rest of the
/// map was not evaluated, the same whatever the number of jobs.
#[test]
fn a_map_of_20000_costly_paths_shares_one_step_bound_per_reply() {
    let entries = 20_000;
    let folder = Folder::new();
    let definition = map_definition(entries, "$.x[?(@ in $.y)]");
    folder.write("costly.action.json", definition.as_bytes());
    let n: i64 = 3_000;
    for name in ["a", "b", "c"] {
        let reply = json!({
            "name": name,
            "x": (0..n).collect::<Vec<_>>(),
            "y": (1..=n).map(|i| -i).collect::<Vec<_>>()
        });
        folder.write(
            &format!("replies/{name}.json"),
            reply.to_string().as_bytes(),
        );
    }
    let definition = folder.join("costly.action.json").display().to_string();
    let replies = folder.join("replies").display().to_string();
    let replay = |jobs: &str| {
        let args = [
            "replay",
            "--jobs",
            jobs,
            "--format",
            "jsonl",
            "--definition",
            &definition,
            &replies,
        ];
        let out = dapa_bounded(256, 20, &args).run();
        assert_eq!(out.code, 1, "{}", out.stderr);
        out.stdout
    };
    let one_job = replay("1");
    assert_eq!(replay("3"), one_job, "the same whatever the number of jobs");
    let records = crate::util::records(&one_job);
    assert_eq!(records.len(), 3, "{one_job}");
    for record in records.values() {
        let messages: Vec<&str> = (record["findings"].as_array().expect("findings").iter())
            .inspect(|finding| assert_eq!(finding["code"], "R01", "{record}"))
            .map(|finding| finding["message"].as_str().expect("a message"))
            .collect();
        assert_eq!(messages.len(), 20, "{record}");
        assert!(
            messages[3].contains("more than the 20000000 evaluation steps"),
            "{}",
            messages[3]
        );
        assert!(
            messages[19].contains("not evaluated: earlier variables took all the 20000000")
                && messages[19].ends_with(&format!("(and {} more like it)", entries - 20)),
            "{}",
            messages[19]
        );
    }
}

/// R02 quotes the default that stood in for a value the path did not find:
/// the default of a secure action (or of a contract that marks a field
/// secret) is an output value Genesys hides, and a credential in any
/// default is masked, as lint's A05 masks them; `--show-secrets` shows it.
#[test]
fn r02_quotes_no_secret_default() {
    let folder = Folder::new();
    let definition = |secure: bool, default: &str| {
        json!({
            "name": "D",
            "secure": secure,
            "config": {"response": {
                "translationMap": {"token": "$.missing"},
                "translationMapDefaults": {"token": format!("\"{default}\"")},
                "successTemplate": "{\"token\": ${token}}"
            }},
            "contract": {"output": {"successSchema": {
                "type": "object", "properties": {"token": {"type": "string"}}
            }}}
        })
        .to_string()
    };
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQifQ.c2lnbmF0dXJlLTAxMjM0NTY3ODk";
    folder.write(
        "secure.action.json",
        definition(true, "sk_live_4eC39HqLyjWDarjtT1zdp7dc").as_bytes(),
    );
    folder.write("open.action.json", definition(false, jwt).as_bytes());
    folder.write("reply.json", b"{}");
    let reply = folder.join("reply.json").display().to_string();
    for (file, secret) in [
        ("secure.action.json", "4eC39Hq"),
        ("open.action.json", "eyJzdWIi"),
    ] {
        let path = folder.join(file).display().to_string();
        for format in [
            "table", "jsonl", "json", "sarif", "markdown", "html", "junit",
        ] {
            let out = dapa(&["replay", "--format", format, "--definition", &path, &reply]).run();
            let shown = format!("{}{}", out.stdout, out.stderr);
            assert!(
                out.code < 2 && shown.contains("R02"),
                "{file} {format}: {shown}"
            );
            assert!(!shown.contains(secret), "{file} {format}: {shown}");
        }
        let out = dapa(&[
            "replay",
            "--show-secrets",
            "--format",
            "jsonl",
            "--definition",
            &path,
            &reply,
        ])
        .run();
        assert!(out.stdout.contains(secret), "{file}: {}", out.stdout);
    }
}
