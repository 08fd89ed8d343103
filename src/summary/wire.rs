//! The summary as `--format json` writes it and `merge` reads it back: the
//! fields that have a form of their own in the document (lists of what the
//! summary keeps in maps, times as RFC 3339, the shard as `K/N`), each
//! written and read in one place.

use super::{
    CodeStats, DriftRow, FORMAT, MAX_ENUM_PATHS, MAX_ENUM_VALUES, MAX_SIGNATURE_EXAMPLES, Producer,
    SignatureStats, TypeCounts,
};
use crate::finding::{Code, Layer, Severity};
use crate::profile::shape::TYPE_NAMES;
use crate::shard::Shard;
use crate::verdict::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Placeholders of a [`CodeStats`] being read, replaced from its code by [`code_list`].
pub(super) fn layer_until_described() -> Layer {
    Layer::Transport
}

/// See [`layer_until_described`].
pub(super) fn severity_until_described() -> Severity {
    Severity::Info
}

impl Serialize for TypeCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for TypeCounts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read whole first, so that of several unknown types the first in
        // order is named whatever order the document lists them in.
        let named = BTreeMap::<String, u64>::deserialize(deserializer)?;
        let mut counts = TypeCounts::default();
        for (kind, count) in named {
            let index = TYPE_NAMES
                .iter()
                .position(|name| *name == kind)
                .ok_or_else(|| refuse(format!("'{kind}' is not a JSON type")))?;
            counts.0[index] = count;
        }
        Ok(counts)
    }
}

/// A summary lists the captures of every status, also those with none.
pub(super) fn every_status<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<Status, u64>, D::Error> {
    // Read entry by entry: a status given twice is refused, not the last kept.
    struct Statuses;
    impl<'de> serde::de::Visitor<'de> for Statuses {
        type Value = BTreeMap<Status, u64>;
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("the captures per status")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut statuses = BTreeMap::new();
            while let Some((status, count)) = map.next_entry::<Status, u64>()? {
                if statuses.insert(status, count).is_some() {
                    return Err(refuse(format!("the status {status} is listed twice")));
                }
            }
            Ok(statuses)
        }
    }
    let mut statuses = deserializer.deserialize_map(Statuses)?;
    for status in Status::ALL {
        statuses.entry(status).or_insert(0);
    }
    Ok(statuses)
}

/// Who wrote a summary, refused when it is a layout this dapa does not
/// read: a newer one may mean something else by the same fields. It comes
/// first in the document, so this reason comes before any unknown field.
pub(super) fn producer<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Producer>, D::Error> {
    let producer = Producer::deserialize(deserializer)?;
    if producer.format != FORMAT {
        return Err(refuse(format!(
            "it was written by dapa {} in format {}; this dapa reads format {FORMAT}",
            producer.version, producer.format
        )));
    }
    Ok(Some(producer))
}

/// The regressions against a baseline, each kind one dapa gives.
pub(super) mod regression_list {
    use crate::baseline::{REGRESSION_KINDS, Regression, most_of_kind};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A regression as read, its kind still text.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Read {
        kind: String,
        message: String,
        example: String,
    }

    pub fn serialize<S: Serializer>(
        regressions: &Option<Vec<Regression>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        regressions.serialize(serializer)
    }

    /// The regressions of one summary, refused at the first of a kind
    /// past what a comparison can give ([`most_of_kind`]).
    struct Regressions(Vec<Regression>);

    impl<'de> Deserialize<'de> for Regressions {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let mut regressions = Vec::new();
            let mut counts = [0_usize; REGRESSION_KINDS.len()];
            super::read_each(deserializer, "regressions", |read: Read| {
                let Some(index) = REGRESSION_KINDS.iter().position(|kind| *kind == read.kind)
                else {
                    return Err(format!("'{}' is not a regression", read.kind));
                };
                let kind = REGRESSION_KINDS[index];
                counts[index] += 1;
                if counts[index] > most_of_kind(kind) {
                    return Err(format!(
                        "it lists more than {} regressions of the kind {kind}, more than a \
                         comparison with a baseline gives",
                        most_of_kind(kind)
                    ));
                }
                regressions.push(Regression {
                    kind,
                    message: read.message,
                    example: read.example,
                });
                Ok(())
            })?;
            Ok(Regressions(regressions))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<Regression>>, D::Error> {
        Ok(Option::<Regressions>::deserialize(deserializer)?.map(|read| read.0))
    }
}

/// A shard as `K/N`.
pub(super) fn shard_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Shard>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| {
            text.parse()
                .map_err(|_| refuse(format!("'{text}' is not a shard")))
        })
        .transpose()
}

/// The codes as a list in code order, each code once.
pub(super) mod code_list {
    use super::{Code, CodeStats, refuse};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        codes: &BTreeMap<Code, CodeStats>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(codes.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<Code, CodeStats>, D::Error> {
        let mut codes = BTreeMap::new();
        for read in Vec::<CodeStats>::deserialize(deserializer)? {
            let code = read.code;
            let stats = CodeStats {
                findings: read.findings,
                captures: read.captures,
                first_seen: read.first_seen,
                last_seen: read.last_seen,
                ..CodeStats::new(code, read.example, read.message)
            };
            if codes.insert(code, stats).is_some() {
                return Err(refuse(format!("{} is listed twice", code.as_str())));
            }
        }
        Ok(codes)
    }
}

/// The drift table as a list by profile and then path, each path of a
/// profile once.
pub(super) mod drift_list {
    use super::DriftRow;
    use crate::summary::MAX_DRIFT_PATHS;
    use serde::{Deserializer, Serializer};
    use std::collections::BTreeMap;

    type Rows = BTreeMap<String, BTreeMap<String, DriftRow>>;

    pub fn serialize<S: Serializer>(rows: &Rows, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(rows.values().flat_map(BTreeMap::values))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Rows, D::Error> {
        let mut rows = Rows::new();
        let mut count = 0;
        super::read_each(deserializer, "the drift table", |row: DriftRow| {
            count += 1;
            if count > MAX_DRIFT_PATHS {
                return Err(format!(
                    "the drift table lists more than {MAX_DRIFT_PATHS} paths, more than a summary keeps"
                ));
            }
            let paths = rows.entry(row.profile.clone()).or_default();
            if paths.contains_key(&row.path) {
                return Err(format!(
                    "the drift path {} of {} is listed twice",
                    row.path, row.profile
                ));
            }
            paths.insert(row.path.clone(), row);
            Ok(())
        })?;
        Ok(rows)
    }
}

/// The signatures as a list by code and then key, each once; ids made
/// again from code and key when read.
pub(super) mod signature_list {
    use super::{Code, SignatureStats};
    use crate::summary::MAX_SIGNATURES_PER_CODE;
    use serde::{Deserializer, Serializer};
    use std::collections::BTreeMap;

    type Signatures = BTreeMap<Code, BTreeMap<String, SignatureStats>>;

    pub fn serialize<S: Serializer>(
        signatures: &Signatures,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(signatures.values().flat_map(BTreeMap::values))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Signatures, D::Error> {
        let mut signatures = Signatures::new();
        super::read_each(
            deserializer,
            "the signatures",
            |mut read: SignatureStats| {
                read.id = crate::signature::id(read.code, &read.key);
                let keys = signatures.entry(read.code).or_default();
                if keys.contains_key(&read.key) {
                    return Err(format!(
                        "the signature {} of {} is listed twice",
                        read.id, read.code
                    ));
                }
                if keys.len() == MAX_SIGNATURES_PER_CODE {
                    return Err(format!(
                        "{} lists more than {MAX_SIGNATURES_PER_CODE} signatures, more than a summary keeps",
                        read.code
                    ));
                }
                keys.insert(read.key.clone(), read);
                Ok(())
            },
        )?;
        Ok(signatures)
    }
}

/// A signature's examples, at most [`MAX_SIGNATURE_EXAMPLES`]: refused at
/// the one past them, before the rest of a longer list is read.
pub(super) fn signature_examples<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    let mut examples = Vec::new();
    read_each(deserializer, "the examples", |example: String| {
        if examples.len() == MAX_SIGNATURE_EXAMPLES {
            // The code is not known here: a summary writes it first, but
            // the examples are read on their own.
            return Err(format!(
                "a signature lists more than {MAX_SIGNATURE_EXAMPLES} examples"
            ));
        }
        examples.push(example);
        Ok(())
    })?;
    Ok(examples)
}

/// Read a list element by element, each handed to `keep` as soon as it is
/// read, and refuse it at the first element `keep` gives a reason against.
/// A list collected whole first would cost memory in proportion to the
/// file (a million rows where a summary keeps ten thousand) before any cap
/// could be checked.
pub(crate) fn read_each<'de, D, T, F>(
    deserializer: D,
    expecting: &'static str,
    keep: F,
) -> Result<(), D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
    F: FnMut(T) -> Result<(), String>,
{
    struct Each<T, F> {
        expecting: &'static str,
        keep: F,
        element: std::marker::PhantomData<T>,
    }
    impl<'de, T, F> serde::de::Visitor<'de> for Each<T, F>
    where
        T: Deserialize<'de>,
        F: FnMut(T) -> Result<(), String>,
    {
        type Value = ();
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(formatter, "a list of {}", self.expecting)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            while let Some(element) = seq.next_element::<T>()? {
                (self.keep)(element).map_err(refuse)?;
            }
            Ok(())
        }
    }
    deserializer.deserialize_seq(Each {
        expecting,
        keep,
        element: std::marker::PhantomData,
    })
}

/// Read a map entry by entry, each key and value handed to `keep` as soon
/// as they are read, and refuse it at the first entry `keep` gives a reason
/// against: [`read_each`] for maps.
pub(crate) fn read_map_each<'de, D, V, F>(
    deserializer: D,
    expecting: &'static str,
    keep: F,
) -> Result<(), D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
    F: FnMut(String, V) -> Result<(), String>,
{
    struct Each<V, F> {
        expecting: &'static str,
        keep: F,
        value: std::marker::PhantomData<V>,
    }
    impl<'de, V, F> serde::de::Visitor<'de> for Each<V, F>
    where
        V: Deserialize<'de>,
        F: FnMut(String, V) -> Result<(), String>,
    {
        type Value = ();
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(formatter, "a map of {}", self.expecting)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
            while let Some((key, value)) = map.next_entry::<String, V>()? {
                (self.keep)(key, value).map_err(refuse)?;
            }
            Ok(())
        }
    }
    deserializer.deserialize_map(Each {
        expecting,
        keep,
        value: std::marker::PhantomData,
    })
}

/// A list of at most `N` elements, read element by element and refused at
/// the one past them.
pub(crate) struct CappedList<T, const N: usize>(pub Vec<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for CappedList<T, N> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut items = Vec::new();
        read_each(deserializer, "values", |item: T| {
            if items.len() == N {
                return Err(format!("a list of more than {N}, more than dapa writes"));
            }
            items.push(item);
            Ok(())
        })?;
        Ok(CappedList(items))
    }
}

/// A map of at most `N` keys, read entry by entry and refused at the key
/// past them (a key listed again replaces its value, as serde's maps do).
pub(crate) struct CappedMap<V, const N: usize>(pub BTreeMap<String, V>);

impl<'de, V: Deserialize<'de>, const N: usize> Deserialize<'de> for CappedMap<V, N> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut entries = BTreeMap::new();
        read_map_each(deserializer, "values", |key, value: V| {
            if entries.len() == N && !entries.contains_key(&key) {
                return Err(format!(
                    "a map of more than {N} keys, more than dapa writes"
                ));
            }
            entries.insert(key, value);
            Ok(())
        })?;
        Ok(CappedMap(entries))
    }
}

/// A table by profile and then path of at most `PATHS` paths all told (an
/// empty profile counted as one), each path's `L` read as it caps itself
/// and kept as `into` makes it.
pub(crate) fn read_table<'de, D, L, V, const PATHS: usize>(
    deserializer: D,
    what: &'static str,
    into: fn(L) -> V,
) -> Result<BTreeMap<String, BTreeMap<String, V>>, D::Error>
where
    D: serde::Deserializer<'de>,
    L: Deserialize<'de>,
{
    let mut table: BTreeMap<String, BTreeMap<String, V>> = BTreeMap::new();
    let mut kept = 0_usize;
    read_map_each(deserializer, what, |profile, paths: CappedMap<L, PATHS>| {
        let before = table.get(&profile).map_or(0, |paths| paths.len().max(1));
        kept = kept - before + paths.0.len().max(1);
        if kept > PATHS {
            return Err(format!(
                "{what} holds more than {PATHS} paths, more than dapa keeps"
            ));
        }
        let paths = paths.0.into_iter().map(|(path, read)| (path, into(read)));
        table.insert(profile, paths.collect());
        Ok(())
    })?;
    Ok(table)
}

/// Values seen at enum-like paths, by profile and path, each with an
/// example.
type EnumTable = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;

/// The values seen at enum-like paths: at most [`MAX_ENUM_PATHS`] paths,
/// each with at most [`MAX_ENUM_VALUES`] values and their examples.
pub(super) fn enum_table<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<EnumTable, D::Error> {
    read_table::<D, CappedMap<String, MAX_ENUM_VALUES>, _, MAX_ENUM_PATHS>(
        deserializer,
        "the enum values",
        |values| values.0,
    )
}

/// An optional time, written as RFC 3339.
pub(super) mod time_text {
    use super::refuse;
    use crate::timeline::parse_time;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        crate::timeline::serialize_time(time, serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| parse_time(&text).ok_or_else(|| refuse(format!("'{text}' is not a time"))))
            .transpose()
    }
}

/// Marks the reasons [`refuse`] gives.
const REFUSAL: &str = "\u{1f}";

/// An error of reading a summary that names what the summary says wrong
/// (a code listed twice, a time that is none). serde_json adds the
/// position in the text to every error raised inside a document; such a
/// reason reads better without it, and [`reason_of`] takes it off.
fn refuse<E: serde::de::Error>(reason: String) -> E {
    E::custom(format!("{REFUSAL}{reason}"))
}

/// Whether `text` is an object with the `dapa` member every summary
/// carries: what a user gave where a baseline was asked for, most often.
/// Read without keeping any of it.
pub fn is_summary_text(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Marked {
        #[serde(rename = "dapa")]
        _dapa: serde::de::IgnoredAny,
    }
    serde_json::from_str::<Marked>(text).is_ok()
}

/// Why a text is not a summary: serde_json's message, or the reason a
/// field was refused for.
pub fn reason_of(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let Some(reason) = message.strip_prefix(REFUSAL) else {
        return message;
    };
    let position = format!(" at line {} column {}", error.line(), error.column());
    reason.strip_suffix(&position).unwrap_or(reason).to_owned()
}

#[cfg(test)]
mod tests {
    use crate::summary::{
        MAX_DRIFT_PATHS, MAX_ENUM_PATHS, MAX_ENUM_VALUES, MAX_SIGNATURES_PER_CODE, Summary,
        reason_of,
    };

    /// The reason `Summary` is refused for with `field` set to `list`
    /// followed by text that is no JSON: a refusal rather than a syntax
    /// error shows the list was refused at the element past its cap,
    /// before the rest was read.
    fn refused_before_the_rest(field: &str, list: Vec<String>) -> String {
        refused_opened_with(field, "[", list)
    }

    /// [`refused_before_the_rest`] with the field opened by `open` (`{` for
    /// a map), and `entries` written after it.
    fn refused_opened_with(field: &str, open: &str, entries: Vec<String>) -> String {
        let mut summary = serde_json::to_value(Summary::default()).unwrap();
        summary[field] = serde_json::json!("LIST");
        let text = summary.to_string().replace(
            r#""LIST""#,
            &format!("{open}{}, not json", entries.join(",")),
        );
        reason_of(&serde_json::from_str::<Summary>(&text).unwrap_err())
    }

    #[test]
    fn enum_values_past_their_caps_are_refused_at_the_one_past_them() {
        let values: Vec<String> = (0..=MAX_ENUM_VALUES)
            .map(|i| format!(r#""\"v{i}\"": "x""#))
            .collect();
        let one_path = format!(r#""p": {{"/a": {{{}"#, values.join(","));
        assert_eq!(
            refused_opened_with("enum_values", "{", vec![one_path]),
            "a map of more than 64 keys, more than dapa writes"
        );
        let profiles = (0..=MAX_ENUM_PATHS)
            .map(|i| format!(r#""p{i}": {{"/a": {{"1": "x"}}}}"#))
            .collect();
        assert_eq!(
            refused_opened_with("enum_values", "{", profiles),
            "the enum values holds more than 1000 paths, more than dapa keeps"
        );
    }

    #[test]
    fn regressions_of_a_kind_past_what_a_comparison_gives_are_refused() {
        let status_rates = (0..=crate::verdict::Status::ALL.len())
            .map(|_| r#"{"kind":"status-rate","message":"m","example":"e"}"#.to_owned())
            .collect();
        assert_eq!(
            refused_before_the_rest("regressions", status_rates),
            "it lists more than 7 regressions of the kind status-rate, more than a comparison \
             with a baseline gives"
        );
        let odd = vec![r#"{"kind":"worse","message":"m","example":"e"}"#.to_owned()];
        assert_eq!(
            refused_before_the_rest("regressions", odd),
            "'worse' is not a regression"
        );
    }

    #[test]
    fn a_drift_table_past_its_cap_is_refused_at_the_row_past_it() {
        let rows = (0..=MAX_DRIFT_PATHS)
            .map(|i| {
                format!(
                    r#"{{"profile":"p","path":"/k{i:05}","declared":"string","observed":{{"string":1}},"captures":1,"drifted":false,"example":"x"}}"#
                )
            })
            .collect();
        assert_eq!(
            refused_before_the_rest("drift", rows),
            "the drift table lists more than 10000 paths, more than a summary keeps"
        );
    }

    #[test]
    fn signatures_past_their_caps_are_refused_at_the_one_past_them() {
        let signature = |key: usize, examples: usize| {
            let examples = vec![r#""e""#; examples].join(",");
            format!(
                r#"{{"code":"T05","key":"k{key:03}","captures":1,"examples":[{examples}],"message":"m"}}"#
            )
        };
        let many = (0..=MAX_SIGNATURES_PER_CODE).map(|key| signature(key, 1));
        assert_eq!(
            refused_before_the_rest("signatures", many.collect()),
            "T05 lists more than 100 signatures, more than a summary keeps"
        );
        // The examples of one signature, cut off in the middle of its list.
        let crowded = signature(0, 4).replace(r#""e"]"#, r#""e", not json"#);
        let text = {
            let mut summary = serde_json::to_value(Summary::default()).unwrap();
            summary["signatures"] = serde_json::json!("LIST");
            summary
                .to_string()
                .replace(r#""LIST""#, &format!("[{crowded}"))
        };
        let error = serde_json::from_str::<Summary>(&text).unwrap_err();
        assert_eq!(reason_of(&error), "a signature lists more than 3 examples");
    }
}
