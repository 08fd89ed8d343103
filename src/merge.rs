//! `dapa merge`: `--format json` summaries of shards read back and combined
//! in shard order, which gives the summary one run over every source would
//! have given (shards are contiguous runs of the sorted sources, so the
//! first example of anything lies in the earliest shard that has it).

use crate::finding::Code;
use crate::schema::shape::TYPE_NAMES;
use crate::summary::{CodeStats, DriftRow, Summary, TypeCounts};
use crate::timeline::{Timeline, parse_time};
use crate::verdict::Status;
use serde::Deserialize;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryDocument {
    captures: u64,
    bytes: u64,
    statuses: BTreeMap<Status, u64>,
    codes: Vec<CodeDocument>,
    #[serde(default)]
    profiled: u64,
    #[serde(default)]
    drift: Vec<DriftDocument>,
    #[serde(default)]
    drift_paths_dropped: u64,
    #[serde(default)]
    enum_values: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    timeline: Timeline,
    #[serde(default)]
    shard: Option<String>,
    #[serde(default)]
    config: Option<String>,
}

#[derive(Deserialize)]
struct CodeDocument {
    code: Code,
    findings: u64,
    captures: u64,
    example: String,
    message: String,
    #[serde(default)]
    first_seen: Option<String>,
    #[serde(default)]
    last_seen: Option<String>,
}

#[derive(Deserialize)]
struct DriftDocument {
    profile: String,
    path: String,
    declared: String,
    observed: BTreeMap<String, u64>,
    captures: u64,
    drifted: bool,
    example: String,
}

/// Read a summary written by `scan --format json`.
pub fn read_summary(name: &str, text: &str) -> Result<Summary, MergeError> {
    let not_one = |reason: String| MergeError::NotASummary {
        name: name.to_owned(),
        reason,
    };
    let document: SummaryDocument =
        serde_json::from_str(text).map_err(|e| not_one(e.to_string()))?;
    let mut summary = Summary {
        captures: document.captures,
        bytes: document.bytes,
        profiled: document.profiled,
        drift_paths_dropped: document.drift_paths_dropped,
        enum_values: document.enum_values,
        timeline: document.timeline,
        ..Summary::default()
    };
    summary.statuses.extend(document.statuses);
    for code in document.codes {
        let time = |text: &Option<String>| match text {
            Some(text) => parse_time(text)
                .map(Some)
                .ok_or_else(|| not_one(format!("'{text}' is not a time"))),
            None => Ok(None),
        };
        let stats = CodeStats {
            code: code.code,
            name: code.code.name(),
            layer: code.code.layer(),
            severity: code.code.severity(),
            findings: code.findings,
            captures: code.captures,
            example: code.example,
            message: code.message,
            first_seen: time(&code.first_seen)?,
            last_seen: time(&code.last_seen)?,
        };
        if summary.codes.insert(code.code, stats).is_some() {
            return Err(not_one(format!("{} is listed twice", code.code.as_str())));
        }
    }
    for row in document.drift {
        if summary
            .drift
            .get(&row.profile)
            .is_some_and(|rows| rows.contains_key(&row.path))
        {
            return Err(not_one(format!(
                "the drift path {} of {} is listed twice",
                row.path, row.profile
            )));
        }
        let mut observed = TypeCounts::default();
        for (kind, count) in row.observed {
            let index = TYPE_NAMES
                .iter()
                .position(|name| *name == kind)
                .ok_or_else(|| not_one(format!("'{kind}' is not a JSON type")))?;
            observed.0[index] = count;
        }
        summary
            .drift
            .entry(row.profile.clone())
            .or_default()
            .insert(
                row.path.clone(),
                DriftRow {
                    profile: row.profile,
                    path: row.path,
                    declared: row.declared,
                    observed,
                    captures: row.captures,
                    drifted: row.drifted,
                    example: row.example,
                },
            );
    }
    summary.config = document.config;
    summary.shard = document
        .shard
        .map(|text| parse_shard(&text).ok_or_else(|| not_one(format!("'{text}' is not a shard"))))
        .transpose()?;
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

fn parse_shard(text: &str) -> Option<(usize, usize)> {
    let (k, n) = text.split_once('/')?;
    let (k, n) = (k.parse().ok()?, n.parse().ok()?);
    (k >= 1 && k <= n).then_some((k, n))
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
        let count = summaries[0].1.shard.map_or(0, |(_, n)| n);
        let whole = summaries.len() == count
            && summaries
                .iter()
                .enumerate()
                .all(|(index, (_, s))| s.shard == Some((index + 1, count)));
        if !whole {
            let shown: Vec<String> = summaries
                .iter()
                .filter_map(|(_, s)| s.shard)
                .map(|(k, n)| format!("{k}/{n}"))
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
    Ok(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_must_make_a_whole() {
        let shard = |k, n| {
            (
                format!("{k}-of-{n}.json"),
                Summary {
                    shard: Some((k, n)),
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
        assert!(error.contains("T05 is listed twice"), "{error}");
    }
}
