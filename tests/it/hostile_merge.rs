//! `dapa merge` on summaries made to cost it: a million inputs, a cell of
//! megabytes on a terminal, summaries it must fold one at a time, and the
//! secrets one summary shows. Every run is bounded in memory and time.

use crate::util::{Folder, dapa_bounded, on_terminal};
use serde_json::{Value, json};
use std::time::Instant;

/// `dapa ARGS...` within `memory_mib` MiB of address space and 60 seconds
/// (the longest takes 3.5 s alone, and over 20 s in CI beside other tests
/// on two cores).
fn bounded(memory_mib: u64, args: &[&str]) -> crate::util::Output {
    dapa_bounded(memory_mib, 60, args).run()
}

/// The JSON summary of `dapa scan PATH ARGS...`.
fn summary_of(path: &str, args: &[&str]) -> Value {
    let mut all = vec!["scan", path, "--format", "json", "-q"];
    all.extend_from_slice(args);
    let output = bounded(256, &all);
    assert!(output.code < 2, "{}", output.stderr);
    serde_json::from_str(&output.stdout).expect("a JSON summary")
}

/// Write each summary to a file of its name; their paths, in order.
fn written(folder: &Folder, summaries: &[(&str, &Value)]) -> Vec<String> {
    summaries
        .iter()
        .map(|(name, summary)| {
            folder.write(name, summary.to_string().as_bytes());
            folder.join(name).display().to_string()
        })
        .collect()
}

fn merge(memory_mib: u64, paths: &[String], extra: &[&str]) -> crate::util::Output {
    let mut args = vec!["merge"];
    args.extend(paths.iter().map(String::as_str));
    args.extend_from_slice(extra);
    bounded(memory_mib, &args)
}

/// The inputs of separate scans were made each once with a look through
/// all those before: 80,000 took 12 s, a million did not end.
#[test]
fn a_million_inputs_merge_in_linear_time() {
    let folder = Folder::new();
    let mut summary = summary_of("samples/ok", &[]);
    let inputs: Vec<String> = (0..1_000_000).map(|i| format!("p{i}")).collect();
    summary["inputs"] = json!(inputs);
    let paths = written(&folder, &[("inputs.json", &summary)]);
    let output = merge(1024, &paths, &[]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let merged: Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(merged["inputs"].as_array().unwrap().len(), 1_000_000);
    assert_eq!(merged["inputs"][999_999], "p999999");
}

/// comfy-table wrapped a whole cell before it cut it to one line: an
/// example of 300 KB took 16 s on a terminal, one of megabytes minutes.
#[test]
fn a_cell_of_megabytes_on_a_terminal_is_cut_before_it_is_laid_out() {
    let folder = Folder::new();
    let mut summary = summary_of("samples/payload", &[]);
    summary["codes"][0]["example"] = json!("x".repeat(2_000_000));
    let paths = written(&folder, &[("big.json", &summary)]);
    let started = Instant::now();
    let (code, shown) = on_terminal(
        120,
        &[("NO_COLOR", "1")],
        &["merge", &paths[0], "--format", "table"],
    );
    let took = started.elapsed();
    assert_eq!(code, 0, "{shown}");
    assert!(took.as_secs() < 10, "took {took:?}");
    assert!(shown.contains("xxx…"), "{shown}");
    assert!(
        shown.lines().all(|line| line.chars().count() <= 120),
        "{shown}"
    );
}

/// A summary that shows secrets merged with one that masks them showed
/// them with no mark that it does: refused, and the mark kept when all
/// show them.
#[test]
fn summaries_with_and_without_show_secrets_do_not_merge() {
    let folder = Folder::new();
    let shown = summary_of("samples/payload", &["--show-secrets"]);
    let masked = summary_of("samples/ok", &[]);
    let paths = written(&folder, &[("shown.json", &shown), ("masked.json", &masked)]);
    let output = merge(256, &paths, &[]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(output.stdout.is_empty(), "{}", output.stdout);
    assert!(
        output
            .stderr
            .contains("shown.json was scanned with --show-secrets")
            && output.stderr.contains("masked.json without --show-secrets"),
        "{}",
        output.stderr
    );
    // Other options, all with --show-secrets: the mark stays.
    let other = summary_of("samples/ok", &["--show-secrets", "--max-depth", "64"]);
    let paths = written(&folder, &[("shown.json", &shown), ("other.json", &other)]);
    let output = merge(256, &paths, &[]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let merged: Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(merged["analysis"], "--show-secrets");
}

/// A definition of a summary listed 3,000,000 findings of one code,
/// carried whole into the merge; a lint keeps 20 per code.
#[test]
fn a_definition_with_more_findings_of_a_code_than_a_lint_keeps_is_refused() {
    let folder = Folder::new();
    let mut summary = summary_of("samples/ok", &[]);
    let finding = json!({"code": "A04", "message": "m"});
    summary["definitions"] = json!([{
        "source": "d.action.json", "name": null, "action_id": null, "version": null,
        "findings": vec![finding; 21],
    }]);
    let paths = written(&folder, &[("crowded.json", &summary)]);
    let output = merge(256, &paths, &[]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert!(
        output.stderr.contains("crowded.json")
            && output.stderr.contains("more than 20 findings of A04"),
        "{}",
        output.stderr
    );
}

/// A summary whose capped lists run on was read whole before its caps
/// were checked: 3,000,000 findings of one code in a definition (99 MB)
/// took 982 MB before the refusal, 500,000 drift rows (69 MB) 493 MB and
/// were merged, 10,000,000 examples of a signature (50 MB) 702 MB,
/// 10,000,000 values at one enum-like path (199 MB) 2.4 GB and 10.8 s,
/// 4,000,000 regressions (206 MB) 826 MB. Each is now refused at the
/// element past its cap, within the file's size.
#[test]
fn a_list_longer_than_a_summary_keeps_is_refused_as_it_is_read() {
    let folder = Folder::new();
    let mut summary = summary_of("samples/ok", &[]);
    summary["profiled"] = summary["captures"].clone();
    let repeated = |element: String, count: usize| {
        let mut list = String::from("[");
        for index in 0..count {
            if index > 0 {
                list.push(',');
            }
            list.push_str(&element.replace("INDEX", &format!("{index:08}")));
        }
        list.push(']');
        list
    };
    let finding = r#"{"code":"A04","message":"m"}"#;
    let definition = format!(
        r#"[{{"source":"d.action.json","name":null,"action_id":null,"version":null,"findings":{}}}]"#,
        repeated(finding.to_owned(), 2_000_000)
    );
    let row = r#"{"profile":"p","path":"/kINDEX","declared":"string","observed":{"string":1},"captures":1,"drifted":false,"example":"x"}"#;
    let signature = format!(
        r#"[{{"code":"T05","key":"k","captures":0,"examples":{},"message":"m"}}]"#,
        repeated(r#""e""#.to_owned(), 10_000_000)
    );
    let enum_values = format!(
        r#"{{"p": {{"/x": {{{}}}}}}}"#,
        repeated(r#""\"vINDEX\"": "e""#.to_owned(), 2_000_000)
            .trim_matches(|c| c == '[' || c == ']')
    );
    let regression = r#"{"kind":"new-path","message":"m","example":"e"}"#;
    let lists = [
        ("enum_values", enum_values, "a map of more than 64 keys"),
        (
            "regressions",
            repeated(regression.to_owned(), 2_000_000),
            "more than 10000 regressions of the kind new-path",
        ),
        (
            "definitions",
            definition,
            "d.action.json lists more than 20 findings of A04",
        ),
        (
            "drift",
            repeated(row.to_owned(), 500_000),
            "the drift table lists more than 10000 paths",
        ),
        (
            "signatures",
            signature,
            "a signature lists more than 3 examples",
        ),
    ];
    for (field, list, reason) in lists {
        summary[field] = json!("LIST");
        let text = summary.to_string().replace(r#""LIST""#, &list);
        summary.as_object_mut().unwrap().remove(field);
        let name = format!("{field}.json");
        folder.write(&name, text.as_bytes());
        let path = folder.join(&name).display().to_string();
        let output = merge(256, &[path], &[]);
        assert_eq!(output.code, 2, "{field}: {}", output.stderr);
        assert!(
            output.stderr.contains(&name) && output.stderr.contains(reason),
            "{}",
            output.stderr
        );
    }
}

/// Every summary was held until the end: eight of 13 MB (100,000
/// definitions each, the same in all) took 355 MB; folded one at a time
/// as they are read, the merge holds the total and one summary.
#[test]
fn summaries_are_folded_one_at_a_time() {
    let folder = Folder::new();
    let mut summary = summary_of("samples/ok", &[]);
    let definitions: Vec<Value> = (0..100_000)
        .map(|i| {
            json!({"source": format!("d{i:07}.action.json"), "name": "n", "action_id": null,
                "version": null, "findings": [{"code": "A04", "message": "m"}]})
        })
        .collect();
    summary["definitions"] = json!(definitions);
    let bytes = summary["bytes"].as_u64().unwrap();
    let mut paths = Vec::new();
    for k in 0..10 {
        // Separate scans, each its own (the same summary twice is refused).
        summary["bytes"] = json!(bytes + k);
        paths.extend(written(&folder, &[(&format!("s{k}.json"), &summary)]));
    }
    let output = merge(320, &paths, &[]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let merged: Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(merged["definitions"].as_array().unwrap().len(), 100_000);
    assert_eq!(
        merged["captures"],
        summary["captures"].as_u64().unwrap() * 10
    );
}
