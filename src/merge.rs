//! `dapa merge`: `--format json` summaries of shards read back and combined
//! in shard order, which gives the summary one run over every source would
//! have given (shards are contiguous runs of the sorted sources, so the
//! first example of anything lies in the earliest shard that has it).

use crate::finding::Code;
use crate::shard::Shard;
use crate::summary::{Producer, Summary, reason_of};
use std::collections::BTreeMap;

/// Why summaries cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A file is not a `--format json` summary.
    #[error("{name} is not a dapa summary (--format json): {reason}")]
    NotASummary {
        /// The file.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A summary contradicts itself: it was edited, damaged or made up.
    #[error("{name} is not a consistent dapa summary: {field}: {reason}")]
    Inconsistent {
        /// The file.
        name: String,
        /// The field, as the JSON summary names it.
        field: &'static str,
        /// What does not add up.
        reason: String,
    },
    /// Merging would pass the largest count dapa keeps.
    #[error("merging {name}: {overflow}, past {max}", max = u64::MAX)]
    Overflow {
        /// The file whose counts no longer fit.
        name: String,
        /// Which count.
        overflow: crate::summary::Overflow,
    },
    /// The shards do not make a whole.
    #[error("{0}")]
    Shards(String),
}

/// Read a summary written by `scan --format json`.
pub fn read_summary(name: &str, text: &str) -> Result<Summary, MergeError> {
    let summary: Summary = serde_json::from_str(text).map_err(|error| MergeError::NotASummary {
        name: name.to_owned(),
        reason: reason_of(&error),
    })?;
    check_consistent(&summary).map_err(|(field, reason)| MergeError::Inconsistent {
        name: name.to_owned(),
        field,
        reason,
    })?;
    Ok(summary)
}

/// The sum of counts, or `None` past `u64::MAX`.
fn total(counts: impl IntoIterator<Item = u64>) -> Option<u64> {
    counts.into_iter().try_fold(0u64, u64::checked_add)
}

/// Whether the counts of a summary agree with each other as a scan writes
/// them; every other count is bounded by `captures` once they do, which
/// also keeps the sums of a merge in range.
fn check_consistent(summary: &Summary) -> Result<(), (&'static str, String)> {
    let captures = summary.captures;
    let agree = |field, count: Option<u64>, what: &str| match count {
        Some(count) if count == captures => Ok(()),
        Some(count) => Err((
            field,
            format!("{what} add up to {count}, but captures is {captures}"),
        )),
        None => Err((field, format!("{what} add up to more than {}", u64::MAX))),
    };
    agree(
        "statuses",
        total(summary.statuses.values().copied()),
        "the captures per status",
    )?;
    let timeline = &summary.timeline;
    agree(
        "timeline",
        total(timeline.buckets.values().map(|b| b.captures))
            .and_then(|dated| dated.checked_add(timeline.undated)),
        "the timeline's buckets and undated captures",
    )?;
    for bucket in timeline.buckets.values() {
        if total(bucket.statuses.values().copied()) != Some(bucket.captures)
            || bucket.codes.values().any(|count| *count > bucket.captures)
        {
            return Err((
                "timeline.series",
                format!(
                    "a bucket of {} captures counts other numbers of statuses or codes",
                    bucket.captures
                ),
            ));
        }
    }
    if summary.profiled > captures {
        return Err((
            "profiled",
            format!("{} captures profiled of {captures}", summary.profiled),
        ));
    }
    for stats in summary.codes.values() {
        if stats.captures > captures || stats.captures > stats.findings {
            return Err((
                "codes",
                format!(
                    "{} is in {} captures with {} findings, of {captures} captures",
                    stats.code, stats.captures, stats.findings
                ),
            ));
        }
    }
    // A signature is one failure of its code: never in more captures than
    // the code.
    let code_captures = |code: &Code| summary.codes.get(code).map_or(0, |stats| stats.captures);
    let signature = (summary.signatures.values())
        .flat_map(BTreeMap::values)
        .find(|stats| stats.captures > code_captures(&stats.code));
    if let Some(stats) = signature {
        return Err((
            "signatures",
            format!(
                "a signature of {} is in {} captures, of the {} captures with {}",
                stats.code,
                stats.captures,
                code_captures(&stats.code),
                stats.code
            ),
        ));
    }
    let sources = summary.definitions.windows(2);
    if let Some(pair) = sources
        .into_iter()
        .find(|pair| pair[0].source >= pair[1].source)
    {
        return Err((
            "definitions",
            format!(
                "{} comes before {}: definitions are listed once each, in source order",
                pair[0].source, pair[1].source
            ),
        ));
    }
    let not_lint = (summary.definitions.iter())
        .flat_map(|definition| &definition.findings)
        .find(|finding| finding.code.layer() != crate::finding::Layer::Definition);
    if let Some(finding) = not_lint {
        return Err((
            "definitions",
            format!("{} is no finding of a definition's lint", finding.code),
        ));
    }
    for row in summary.drift.values().flat_map(BTreeMap::values) {
        if row.captures > summary.profiled || row.observed.0.iter().any(|n| *n > row.captures) {
            return Err((
                "drift",
                format!(
                    "{} {} is in {} captures ({}), of {} profiled",
                    row.profile, row.path, row.captures, row.observed, summary.profiled
                ),
            ));
        }
    }
    Ok(())
}

/// Combine the summaries of all N shards of one scan (in any order given),
/// or of unsharded scans in the order given; each comes with its file name.
pub fn merge(mut summaries: Vec<(String, Summary)>) -> Result<Summary, MergeError> {
    let sharded = summaries.iter().filter(|(_, s)| s.shard.is_some()).count();
    if sharded > 0 {
        if sharded < summaries.len() {
            return Err(MergeError::Shards(
                "some summaries come from --shard scans and some do not".to_owned(),
            ));
        }
        summaries.sort_by_key(|(_, s)| s.shard);
        // The shards must be 1/N to N/N: compared one by one with the
        // summaries given, so that no count read from a file sizes an
        // allocation.
        let count = summaries[0].1.shard.map_or(0, Shard::count);
        let whole = summaries.len() == count
            && summaries
                .iter()
                .enumerate()
                .all(|(index, (_, s))| s.shard == Shard::new(index + 1, count));
        if !whole {
            let shown: Vec<String> = summaries
                .iter()
                .filter_map(|(_, s)| s.shard)
                .map(|shard| shard.to_string())
                .collect();
            return Err(MergeError::Shards(format!(
                "the shards must be 1/{count} to {count}/{count}, each once; got {}",
                shown.join(", ")
            )));
        }
    }
    for (index, (name, summary)) in summaries.iter().enumerate() {
        if let Some((first, _)) = summaries[..index]
            .iter()
            .find(|(_, earlier)| summary.captures > 0 && earlier == summary)
        {
            return Err(MergeError::Shards(format!(
                "{first} and {name} are the same summary: merging them would count its captures twice"
            )));
        }
    }
    // Shards checked against different rules do not make one scan.
    if let Some((first, summary)) = summaries.first()
        && let Some((other, different)) = summaries.iter().find(|(_, s)| s.config != summary.config)
    {
        let shown =
            |config: &Option<String>| config.clone().unwrap_or_else(|| "no dapa.toml".to_owned());
        return Err(MergeError::Shards(format!(
            "{first} was scanned with {} and {other} with {}: the summaries do not come from one scan",
            shown(&summary.config),
            shown(&different.config)
        )));
    }
    if sharded > 0 {
        same_run(&summaries)?;
    }
    // Nor do shards read or checked with other options (another schema,
    // another --max-bytes): their captures would be counted by other rules.
    if let Some((first, summary)) = summaries.first()
        && sharded > 0
        && let Some((other, different)) = summaries
            .iter()
            .find(|(_, s)| s.analysis != summary.analysis)
    {
        let shown = |analysis: &Option<String>| {
            analysis.as_ref().map_or_else(
                || "options it does not name".to_owned(),
                |options| format!("`{options}`"),
            )
        };
        return Err(MergeError::Shards(format!(
            "{first} was scanned with {} and {other} with {}: the summaries do not come from one scan",
            shown(&summary.analysis),
            shown(&different.analysis)
        )));
    }
    // Separate scans may have been read with other options: the merge
    // names them only when all agree.
    let all_analysed_alike = (summaries.first())
        .is_some_and(|(_, first)| summaries.iter().all(|(_, s)| s.analysis == first.analysis));
    // Inputs of separate scans add up; each path is named once.
    let mut inputs: Vec<String> = Vec::new();
    for input in summaries.iter().flat_map(|(_, s)| &s.inputs) {
        if !inputs.contains(input) {
            inputs.push(input.clone());
        }
    }
    let mut iter = summaries.into_iter();
    let Some((_, mut whole)) = iter.next() else {
        return Err(MergeError::Shards("no summaries to merge".to_owned()));
    };
    for (name, summary) in iter {
        whole
            .try_merge(summary)
            .map_err(|overflow| MergeError::Overflow { name, overflow })?;
    }
    whole.shard = None;
    whole.inputs = inputs;
    if !all_analysed_alike {
        whole.analysis = None;
    }
    whole.dapa = Some(Producer::this());
    // Each shard was compared with the baseline on its own part: a rate
    // above the baseline's in one part need not be one over the whole, so
    // none of them is the whole run's regression (`merge --baseline`
    // compares the whole).
    whole.regressions = None;
    Ok(whole)
}

/// The shards of one scan were given the same paths by the same dapa; a
/// mix would count captures of other scans as this one's.
fn same_run(summaries: &[(String, Summary)]) -> Result<(), MergeError> {
    let Some((first, summary)) = summaries.first() else {
        return Ok(());
    };
    if let Some((other, different)) = summaries.iter().find(|(_, s)| s.inputs != summary.inputs) {
        return Err(MergeError::Shards(format!(
            "{first} is a shard of a scan of {} and {other} of one of {}: the summaries do not come from one scan",
            shown_inputs(&summary.inputs),
            shown_inputs(&different.inputs)
        )));
    }
    if let Some((other, different)) = summaries.iter().find(|(_, s)| s.dapa != summary.dapa) {
        let shown = |dapa: &Option<Producer>| {
            dapa.as_ref().map_or_else(
                || "a dapa that did not name itself".to_owned(),
                |dapa| format!("dapa {}", dapa.version),
            )
        };
        return Err(MergeError::Shards(format!(
            "{first} was written by {} and {other} by {}: the summaries do not come from one scan",
            shown(&summary.dapa),
            shown(&different.dapa)
        )));
    }
    Ok(())
}

/// Paths for a message, or what stands for none.
fn shown_inputs(inputs: &[String]) -> String {
    if inputs.is_empty() {
        "unnamed inputs".to_owned()
    } else {
        inputs.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_checked_when_read() {
        let definition = |source: &str, code: &str| {
            serde_json::json!({"source": source, "name": null, "action_id": null,
                "version": null, "findings": [{"code": code, "message": "m"}]})
        };
        let with = |definitions: serde_json::Value| {
            let mut summary = serde_json::to_value(Summary::default()).unwrap();
            summary["definitions"] = definitions;
            read_summary("s.json", &summary.to_string())
        };
        let good = with(serde_json::json!([
            definition("a", "A04"),
            definition("b", "A09")
        ]));
        let kept = good.unwrap().definitions;
        assert_eq!(kept[1].findings[0].name, "nested-array-contract");
        let unsorted = with(serde_json::json!([
            definition("b", "A04"),
            definition("a", "A04")
        ]));
        assert!(unsorted.unwrap_err().to_string().contains("source order"));
        let capture_code = with(serde_json::json!([definition("a", "S01")]));
        assert!(capture_code.unwrap_err().to_string().contains("S01"));
    }

    #[test]
    fn shards_must_make_a_whole() {
        let shard = |k, n| {
            (
                format!("{k}-of-{n}.json"),
                Summary {
                    shard: Shard::new(k, n),
                    ..Summary::default()
                },
            )
        };
        assert!(merge(vec![shard(2, 2), shard(1, 2)]).is_ok());
        let error = merge(vec![shard(1, 3), shard(3, 3)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("got 1/3, 3/3"), "{error}");
        assert!(merge(vec![shard(1, 2), shard(1, 2)]).is_err());
        assert!(merge(vec![shard(1, usize::MAX)]).is_err());
        assert!(merge(vec![shard(1, 2), ("x".to_owned(), Summary::default())]).is_err());
        assert!(merge(Vec::new()).is_err());
        assert!(read_summary("x.json", "{\"captures\": 1}").is_err());
    }

    /// A summary of one capture of `inputs`, from shard `k` of `n` if any.
    fn scanned(inputs: &[&str], shard: Option<(usize, usize)>) -> Summary {
        let mut summary = Summary {
            inputs: inputs.iter().map(|input| (*input).to_owned()).collect(),
            shard: shard.and_then(|(k, n)| Shard::new(k, n)),
            regressions: Some(Vec::new()),
            ..Summary::default()
        };
        summary.timeline.undated = 1;
        summary.captures = 1;
        summary
    }

    #[test]
    fn shards_of_other_inputs_or_dapas_are_refused() {
        let one = ("1.json".to_owned(), scanned(&["a"], Some((1, 2))));
        let other = ("2.json".to_owned(), scanned(&["b"], Some((2, 2))));
        let error = merge(vec![one.clone(), other]).unwrap_err().to_string();
        assert!(
            error.contains("1.json is a shard of a scan of a and 2.json of one of b"),
            "{error}"
        );
        let mut older = ("2.json".to_owned(), scanned(&["a"], Some((2, 2))));
        older.1.dapa = None;
        let error = merge(vec![one.clone(), older.clone()])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("by a dapa that did not name itself"),
            "{error}"
        );
        older.1.dapa = Some(Producer::this());
        let merged = merge(vec![one, older]).unwrap();
        assert_eq!(merged.inputs, ["a"]);
        assert_eq!(
            merged.regressions, None,
            "a shard's regressions are its own"
        );
    }

    #[test]
    fn separate_scans_add_their_inputs_once_each() {
        let mut older = scanned(&["a", "b"], None);
        older.dapa = None;
        let summaries = [older, scanned(&["b", "c"], None), scanned(&["a"], None)];
        let named = summaries
            .into_iter()
            .enumerate()
            .map(|(index, summary)| (format!("{index}.json"), summary))
            .collect();
        let merged = merge(named).unwrap();
        assert_eq!(merged.inputs, ["a", "b", "c"]);
        assert_eq!(merged.dapa, Some(Producer::this()));
        assert_eq!(merged.captures, 3);
    }

    #[test]
    fn a_written_summary_reads_back_equal() {
        let summary = Summary::default();
        let text = serde_json::to_string(&summary).unwrap();
        let back = read_summary("s.json", &text).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    #[test]
    fn a_code_listed_twice_is_refused() {
        let code = r#"{"code":"T05","findings":1,"captures":1,"example":"a","message":"m"}"#;
        let text = format!(
            r#"{{"captures":2,"bytes":2,"statuses":{{"malformed":2}},"codes":[{code},{code}],
            "timeline":{{"bucket":"1m","auto":true,"first":null,"last":null,"undated":2,"series":[]}}}}"#
        );
        let error = read_summary("s.json", &text).unwrap_err().to_string();
        // The reason alone, without serde_json's position in the text.
        assert_eq!(
            error,
            "s.json is not a dapa summary (--format json): T05 is listed twice"
        );
    }

    #[test]
    fn what_a_summary_says_wrong_is_named() {
        let timeline = r#""timeline":{"bucket":"1m","auto":true,"undated":1,"series":[]}"#;
        let read = |fields: &str| {
            let text = format!(
                r#"{{"captures":1,"bytes":1,"statuses":{{"ok":1}},"codes":[],{timeline}{fields}}}"#
            );
            read_summary("s.json", &text).map_err(|error| error.to_string())
        };
        let prefix = "s.json is not a dapa summary (--format json): ";
        let refusals = [
            (r#","shard":"3/2""#, "'3/2' is not a shard"),
            (
                r#","profiled":1,"drift":[{"profile":"p","path":"/a","declared":"string","observed":{"text":1},"captures":1,"drifted":true,"example":"x"}]"#,
                "'text' is not a JSON type",
            ),
        ];
        for (fields, reason) in refusals {
            assert_eq!(read(fields).unwrap_err(), format!("{prefix}{reason}"));
        }
        let row = r#"{"profile":"p","path":"/a","declared":"string","observed":{"string":1},"captures":1,"drifted":false,"example":"x"}"#;
        assert_eq!(
            read(&format!(r#","profiled":1,"drift":[{row},{row}]"#)).unwrap_err(),
            format!("{prefix}the drift path /a of p is listed twice")
        );
        let code = r#"{"code":"T05","findings":1,"captures":1,"example":"a","message":"m","first_seen":"soon"}"#;
        let text = format!(
            r#"{{"captures":1,"bytes":1,"statuses":{{"malformed":1}},"codes":[{code}],{timeline}}}"#
        );
        let error = read_summary("s.json", &text).unwrap_err().to_string();
        assert_eq!(error, format!("{prefix}'soon' is not a time"));
        // Errors of the JSON itself keep their position.
        let error = read(r#","colour":1"#).unwrap_err();
        assert!(
            error.contains("unknown field `colour`") && error.contains(" at line 1 column"),
            "{error}"
        );
        // The shard reads back as written.
        assert_eq!(read(r#","shard":"2/3""#).unwrap().shard, Shard::new(2, 3));
    }
}
