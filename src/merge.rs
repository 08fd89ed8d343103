//! `dapa merge`: `--format json` summaries of shards read back and combined
//! in shard order, which gives the summary one run over every source would
//! have given (shards are contiguous runs of the sorted sources, so the
//! first example of anything lies in the earliest shard that has it).

use crate::finding::Code;
use crate::shard::Shard;
use crate::summary::{Producer, Summary, reason_of};
use std::collections::{BTreeMap, HashSet};

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
    // More findings of a code than a lint keeps (MAX_FINDINGS_PER_CODE),
    // more drift rows or signatures than a summary keeps, are refused as
    // they are read (src/summary/wire.rs), before the rest is held.
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
pub fn merge(summaries: Vec<(String, Summary)>) -> Result<Summary, MergeError> {
    let mut merging = Merging::default();
    for (name, summary) in summaries {
        merging.add(name, summary)?;
    }
    merging.finish()
}

/// What the first summary given says of its scan; every other must agree.
#[derive(Debug)]
struct Reference {
    name: String,
    config: Option<String>,
    analysis: Option<String>,
    inputs: Vec<String>,
    dapa: Option<Producer>,
    sharded: bool,
}

/// A merge under way: the summaries are folded in one at a time and
/// dropped, so that a merge holds the running total and one summary rather
/// than all of them. Shards are folded in shard order; one given before its
/// turn waits for the shards before it (given in order, none waits).
#[derive(Debug, Default)]
pub struct Merging {
    reference: Option<Reference>,
    /// The total of the summaries folded so far.
    whole: Option<Summary>,
    /// Every shard given, in the order given.
    shards: Vec<Shard>,
    /// Shards given before their turn, by index.
    waiting: BTreeMap<usize, (String, Summary)>,
    /// The index of the next shard to fold.
    next_shard: usize,
    /// A digest of each unsharded summary with captures given, and its
    /// file: the same summary twice would count its captures twice.
    digests: Vec<(u64, String)>,
    /// Whether some summary so far has another `analysis` than the first.
    analysed_differently: bool,
    /// Inputs of separate scans, each once, in the order first given.
    inputs: Vec<String>,
    named: HashSet<String>,
}

impl Merging {
    /// Check one more summary against those before and fold it in (or, a
    /// shard before its turn, keep it until its turn).
    pub fn add(&mut self, name: String, summary: Summary) -> Result<(), MergeError> {
        let reference = self.reference.get_or_insert_with(|| Reference {
            name: name.clone(),
            config: summary.config.clone(),
            analysis: summary.analysis.clone(),
            inputs: summary.inputs.clone(),
            dapa: summary.dapa.clone(),
            sharded: summary.shard.is_some(),
        });
        if reference.sharded != summary.shard.is_some() {
            return Err(MergeError::Shards(
                "some summaries come from --shard scans and some do not".to_owned(),
            ));
        }
        if let Some(shard) = summary.shard {
            self.shards.push(shard);
            let count = self.shards[0].count();
            let again = self.shards[..self.shards.len() - 1].contains(&shard);
            if shard.count() != count || again {
                return Err(not_a_whole(&self.shards, count));
            }
        } else if summary.captures > 0 {
            let digest = digest(&summary);
            if let Some((_, first)) = self.digests.iter().find(|(d, _)| *d == digest) {
                return Err(MergeError::Shards(format!(
                    "{first} and {name} are the same summary: merging them would count its captures twice"
                )));
            }
            self.digests.push((digest, name.clone()));
        }
        let first = &reference.name;
        // Shards checked against different rules do not make one scan.
        if summary.config != reference.config {
            let shown = |config: &Option<String>| {
                config.clone().unwrap_or_else(|| "no dapa.toml".to_owned())
            };
            return Err(MergeError::Shards(format!(
                "{first} was scanned with {} and {name} with {}: the summaries do not come from one scan",
                shown(&reference.config),
                shown(&summary.config)
            )));
        }
        if reference.sharded {
            same_run(reference, &name, &summary)?;
        }
        // Nor do shards read or checked with other options (another schema,
        // another --max-bytes): their captures would be counted by other rules.
        if reference.sharded && summary.analysis != reference.analysis {
            let shown = |analysis: &Option<String>| {
                analysis.as_ref().map_or_else(
                    || "options it does not name".to_owned(),
                    |options| format!("`{options}`"),
                )
            };
            return Err(MergeError::Shards(format!(
                "{first} was scanned with {} and {name} with {}: the summaries do not come from one scan",
                shown(&reference.analysis),
                shown(&summary.analysis)
            )));
        }
        // A summary made with --show-secrets quotes secrets the others
        // mask: merged, they would be shown without the mark that says so.
        let secrets = shows_secrets(reference.analysis.as_deref());
        if shows_secrets(summary.analysis.as_deref()) != secrets {
            let shown = |shows: bool| match shows {
                true => "with --show-secrets",
                false => "without --show-secrets",
            };
            return Err(MergeError::Shards(format!(
                "{first} was scanned {} and {name} {}: merged, the secrets one shows would lose the mark that says so",
                shown(secrets),
                shown(!secrets)
            )));
        }
        // Separate scans may have been read with other options: the merge
        // names them only when all agree.
        self.analysed_differently |= summary.analysis != reference.analysis;
        // Inputs of separate scans add up; each path is named once, in the
        // order first given (a set of those named: a million stay linear).
        // Shards all name the inputs of their one scan, as that scan was
        // given them: a path given twice was read twice and stays twice.
        if !reference.sharded {
            for input in &summary.inputs {
                if !self.named.contains(input) {
                    self.named.insert(input.clone());
                    self.inputs.push(input.clone());
                }
            }
        }
        match summary.shard {
            Some(shard) if shard.index() != self.next_shard.max(1) => {
                self.waiting.insert(shard.index(), (name, summary));
                Ok(())
            }
            _ => {
                self.fold(name, summary)?;
                // The shards that waited for this one.
                while let Some((name, summary)) = self.waiting.remove(&self.next_shard) {
                    self.fold(name, summary)?;
                }
                Ok(())
            }
        }
    }

    /// Fold one summary into the total, in its turn.
    fn fold(&mut self, name: String, summary: Summary) -> Result<(), MergeError> {
        self.next_shard = summary.shard.map_or(0, |shard| shard.index() + 1);
        match &mut self.whole {
            None => self.whole = Some(summary),
            Some(whole) => whole
                .try_merge(summary)
                .map_err(|overflow| MergeError::Overflow { name, overflow })?,
        }
        Ok(())
    }

    /// The merged summary, once every summary has been added.
    pub fn finish(self) -> Result<Summary, MergeError> {
        // The shards must be 1/N to N/N: each was compared with the first
        // as it came, so no count read from a file sizes an allocation.
        if let Some(first) = self.shards.first()
            && (self.shards.len() != first.count() || !self.waiting.is_empty())
        {
            return Err(not_a_whole(&self.shards, first.count()));
        }
        let Some(mut whole) = self.whole else {
            return Err(MergeError::Shards("no summaries to merge".to_owned()));
        };
        whole.shard = None;
        // Shards keep the inputs of their scan as it was given them (each
        // shard names the same); separate scans name theirs each once.
        if self.shards.is_empty() {
            whole.inputs = self.inputs;
        }
        if self.analysed_differently {
            // Other options, but all showed secrets: the mark stays.
            whole.analysis =
                shows_secrets(whole.analysis.as_deref()).then(|| SHOW_SECRETS.to_owned());
        }
        whole.dapa = Some(Producer::this());
        // Each shard was compared with the baseline on its own part: a rate
        // above the baseline's in one part need not be one over the whole, so
        // none of them is the whole run's regression (`merge --baseline`
        // compares the whole).
        whole.regressions = None;
        Ok(whole)
    }
}

/// Why the shards given are not 1/N to N/N, each once.
fn not_a_whole(shards: &[Shard], count: usize) -> MergeError {
    let mut shards = shards.to_vec();
    shards.sort();
    let shown: Vec<String> = shards.iter().map(Shard::to_string).collect();
    MergeError::Shards(format!(
        "the shards must be 1/{count} to {count}/{count}, each once; got {}",
        shown.join(", ")
    ))
}

/// A digest of a summary as written, with keys of this run: two summaries
/// with the same digest are the same summary, short of a collision no file
/// can aim at.
fn digest(summary: &Summary) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    struct Digest<H>(H);
    impl<H: Hasher> std::io::Write for Digest<H> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let mut digest = Digest(KEYS.get_or_init(Default::default).build_hasher());
    // Writing to a hasher cannot fail, nor can serialising a summary.
    let _ = serde_json::to_writer(&mut digest, summary);
    digest.0.finish()
}

/// The shards of one scan were given the same paths by the same dapa; a
/// mix would count captures of other scans as this one's.
fn same_run(reference: &Reference, other: &str, different: &Summary) -> Result<(), MergeError> {
    let first = &reference.name;
    if different.inputs != reference.inputs {
        return Err(MergeError::Shards(format!(
            "{first} is a shard of a scan of {} and {other} of one of {}: the summaries do not come from one scan",
            shown_inputs(&reference.inputs),
            shown_inputs(&different.inputs)
        )));
    }
    if different.dapa != reference.dapa {
        let shown = |dapa: &Option<Producer>| {
            dapa.as_ref().map_or_else(
                || "a dapa that did not name itself".to_owned(),
                |dapa| format!("dapa {}", dapa.version),
            )
        };
        return Err(MergeError::Shards(format!(
            "{first} was written by {} and {other} by {}: the summaries do not come from one scan",
            shown(&reference.dapa),
            shown(&different.dapa)
        )));
    }
    Ok(())
}

/// The option that shows secrets, last in a summary's `analysis` when given.
const SHOW_SECRETS: &str = "--show-secrets";

/// Whether a summary was made with `--show-secrets`: its `analysis` ends
/// with the option (`scan` writes it last).
fn shows_secrets(analysis: Option<&str>) -> bool {
    analysis.is_some_and(|analysis| {
        analysis == SHOW_SECRETS || analysis.ends_with(&format!(" {SHOW_SECRETS}"))
    })
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
    use crate::finding::MAX_FINDINGS_PER_CODE;

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

    #[test]
    fn shards_given_out_of_turn_wait_for_those_before() {
        let shard = |k| scanned(&["a"], Some((k, 3)));
        let mut merging = Merging::default();
        merging.add("3.json".to_owned(), shard(3)).unwrap();
        merging.add("1.json".to_owned(), shard(1)).unwrap();
        assert_eq!(merging.waiting.len(), 1, "3/3 waits for 2/3");
        merging.add("2.json".to_owned(), shard(2)).unwrap();
        assert!(merging.waiting.is_empty());
        let merged = merging.finish().unwrap();
        assert_eq!(merged.captures, 3);
        // Given in turn, none waits.
        let mut merging = Merging::default();
        for k in 1..=3 {
            merging.add(format!("{k}.json"), shard(k)).unwrap();
            assert!(merging.waiting.is_empty());
        }
        assert_eq!(merging.finish().unwrap(), merged);
        let mut again = Merging::default();
        again.add("1.json".to_owned(), shard(1)).unwrap();
        let error = again.add("1b.json".to_owned(), shard(1)).unwrap_err();
        assert!(error.to_string().contains("got 1/3, 1/3"), "{error}");
    }

    #[test]
    fn summaries_that_show_secrets_merge_only_with_each_other() {
        let with = |analysis: &str| {
            let mut summary = scanned(&["a"], None);
            summary.analysis = Some(analysis.to_owned());
            summary
        };
        let shown = ("s.json".to_owned(), with("--max-depth 128 --show-secrets"));
        let masked = ("m.json".to_owned(), with("--max-depth 128"));
        let error = merge(vec![shown.clone(), masked]).unwrap_err().to_string();
        assert!(
            error.contains("s.json was scanned with --show-secrets and m.json without"),
            "{error}"
        );
        let other = ("o.json".to_owned(), with("--max-depth 64 --show-secrets"));
        let merged = merge(vec![shown.clone(), other]).unwrap();
        assert_eq!(merged.analysis.as_deref(), Some("--show-secrets"));
        let mut same = shown.clone();
        same.1.bytes = 1;
        let merged = merge(vec![shown.clone(), same]).unwrap();
        assert_eq!(merged.analysis, shown.1.analysis);
        assert!(!shows_secrets(Some("--max-depth 128")));
        assert!(shows_secrets(Some("--show-secrets")));
    }

    #[test]
    fn the_same_unsharded_summary_twice_is_refused_by_its_digest() {
        let one = scanned(&["a"], None);
        let mut other = one.clone();
        other.bytes = 1;
        let named = |name: &str, summary: &Summary| (name.to_owned(), summary.clone());
        let error = merge(vec![named("1", &one), named("2", &other), named("3", &one)]);
        assert!(
            error
                .unwrap_err()
                .to_string()
                .contains("1 and 3 are the same")
        );
        assert!(merge(vec![named("1", &one), named("2", &other)]).is_ok());
    }

    #[test]
    fn a_definition_keeps_at_most_a_lints_findings_per_code() {
        // Fields in the order a summary writes them, `source` first, or
        // with the findings before it.
        let with = |count: usize, source_first: bool| {
            let findings = vec![r#"{"code":"A04","message":"m"}"#; count].join(",");
            let source = r#""source":"d""#;
            let findings = format!(r#""findings":[{findings}]"#);
            let (first, last) = match source_first {
                true => (source, findings.as_str()),
                false => (findings.as_str(), source),
            };
            let mut summary = serde_json::to_value(Summary::default()).unwrap();
            summary["definitions"] = serde_json::json!("DEFINITIONS");
            let definition = format!(r#"[{{{first},"name":null,{last}}}]"#);
            let text = summary.to_string().replace(r#""DEFINITIONS""#, &definition);
            read_summary("s.json", &text).map_err(|error| error.to_string())
        };
        assert!(with(MAX_FINDINGS_PER_CODE, true).is_ok());
        let error = with(MAX_FINDINGS_PER_CODE + 1, true).unwrap_err();
        assert_eq!(
            error,
            "s.json is not a dapa summary (--format json): d lists more than 20 findings of A04, more than a lint keeps"
        );
        let error = with(MAX_FINDINGS_PER_CODE + 1, false).unwrap_err();
        assert!(
            error.ends_with(
                ": a definition lists more than 20 findings of A04, more than a lint keeps"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_status_or_a_bucket_listed_twice_is_refused() {
        let read = |statuses: &str, series: &str| {
            let text = format!(
                r#"{{"captures":2,"bytes":2,"statuses":{statuses},"codes":[],
                "timeline":{{"bucket":"1m","auto":true,"undated":0,"series":{series}}}}}"#
            );
            read_summary("s.json", &text).map_err(|error| error.to_string())
        };
        let two = r#"{"start":"2026-11-20T09:47:00Z","captures":2,"statuses":{"ok":2},"codes":{}}"#;
        assert!(read(r#"{"ok":2}"#, &format!("[{two}]")).is_ok());
        let error = read(r#"{"ok":1,"ok":2}"#, &format!("[{two}]")).unwrap_err();
        assert!(error.ends_with("the status ok is listed twice"), "{error}");
        let error = read(r#"{"ok":2}"#, &format!("[{two},{two}]")).unwrap_err();
        assert!(
            error.contains("the bucket 2026-11-20T09:47:00Z is listed twice"),
            "{error}"
        );
    }
}
