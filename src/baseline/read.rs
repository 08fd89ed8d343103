//! A baseline read within what `dapa baseline` writes: every map and list
//! is read entry by entry and refused at the one past its cap (the
//! summary's own: drift paths, enum-like paths and their values, signatures
//! per code) or at a key dapa does not know, so that a damaged or hostile
//! file of 200 MB costs its text and not a gigabyte of maps before it is
//! refused.

use crate::finding::Code;
use crate::profile::shape::TYPE_NAMES;
use crate::summary::{
    CappedList, MAX_DRIFT_PATHS, MAX_ENUM_PATHS, MAX_ENUM_VALUES, MAX_SIGNATURES_PER_CODE,
    read_map_each, read_table,
};
use crate::verdict::Status;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

use super::Rate;

/// Per profile, per path, texts (types or values).
type Table = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// A table of at most `PATHS` paths all told, each with at most `VALUES`
/// texts.
fn table<'de, D: Deserializer<'de>, const PATHS: usize, const VALUES: usize>(
    deserializer: D,
    what: &'static str,
) -> Result<Table, D::Error> {
    read_table::<D, CappedList<String, VALUES>, _, PATHS>(deserializer, what, |texts| texts.0)
}

/// `drift`: at most [`MAX_DRIFT_PATHS`] paths, each with at most the seven
/// JSON types.
pub(super) fn drift<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Table, D::Error> {
    table::<D, MAX_DRIFT_PATHS, { TYPE_NAMES.len() }>(deserializer, "the drift table")
}

/// `enum_values`: at most [`MAX_ENUM_PATHS`] paths of at most
/// [`MAX_ENUM_VALUES`] values.
pub(super) fn enum_values<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Table, D::Error> {
    table::<D, MAX_ENUM_PATHS, MAX_ENUM_VALUES>(deserializer, "the enum values")
}

/// `signatures`: per finding code dapa knows, at most
/// [`MAX_SIGNATURES_PER_CODE`] ids.
pub(super) fn signatures<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, Vec<String>>>, D::Error> {
    struct Signatures(BTreeMap<String, Vec<String>>);
    impl<'de> Deserialize<'de> for Signatures {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let mut signatures = BTreeMap::new();
            read_map_each(
                deserializer,
                "signature ids by code",
                |code, ids: CappedList<String, MAX_SIGNATURES_PER_CODE>| {
                    if code.parse::<Code>().is_err() {
                        return Err(format!("{code:?} is no finding code dapa knows"));
                    }
                    signatures.insert(code, ids.0);
                    Ok(())
                },
            )?;
            Ok(Signatures(signatures))
        }
    }
    Ok(Option::<Signatures>::deserialize(deserializer)?.map(|signatures| signatures.0))
}

/// Rates by a name `known` accepts, refused at the first it does not.
fn rates<'de, D: Deserializer<'de>>(
    deserializer: D,
    what: &'static str,
    known: fn(&str) -> bool,
) -> Result<BTreeMap<String, Rate>, D::Error> {
    let mut rates = BTreeMap::new();
    read_map_each(deserializer, what, |name, rate: Rate| {
        if !known(&name) {
            return Err(format!("{name:?} is no {what} dapa knows"));
        }
        rates.insert(name, rate);
        Ok(())
    })?;
    Ok(rates)
}

/// `statuses`: rates by status.
pub(super) fn statuses<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Rate>, D::Error> {
    rates(deserializer, "status", |name| {
        name.parse::<Status>().is_ok()
    })
}

/// `codes`: rates by finding code.
pub(super) fn codes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Rate>, D::Error> {
    rates(deserializer, "finding code", |name| {
        name.parse::<Code>().is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::super::Baseline;
    use crate::summary::{
        MAX_DRIFT_PATHS, MAX_ENUM_PATHS, MAX_ENUM_VALUES, MAX_SIGNATURES_PER_CODE, Summary,
        reason_of,
    };
    use serde_json::{Value, json};

    /// The reason a baseline is refused for with `field` set to `entries`
    /// (the text of a map's or list's inside, as dapa would write it) and
    /// then text that is no JSON: a refusal rather than a syntax error shows
    /// the field was refused at the entry past its cap, before the rest was
    /// read.
    fn refused_before_the_rest(field: &str, open: &str, entries: &[String]) -> String {
        let mut baseline = serde_json::to_value(Baseline::of(&Summary::default())).unwrap();
        baseline[field] = json!("HERE");
        let text = baseline.to_string().replace(
            r#""HERE""#,
            &format!("{open}{}, not json", entries.join(",")),
        );
        reason_of(&serde_json::from_str::<Baseline>(&text).unwrap_err())
    }

    fn types(count: usize) -> String {
        serde_json::to_string(&vec!["string"; count]).unwrap()
    }

    #[test]
    fn the_drift_table_is_refused_at_the_path_past_its_cap() {
        let paths: Vec<String> = (0..=MAX_DRIFT_PATHS)
            .map(|i| format!(r#""/f{i}": {}"#, types(1)))
            .collect();
        let one_profile = format!(r#"{{"p": {{{}}}}}"#, paths.join(","));
        let refused = refused_before_the_rest("drift", "", &[one_profile]);
        assert!(refused.contains("more than 10000"), "{refused}");
        // Over profiles of one path each, and empty ones, all told.
        let profiles: Vec<String> = (0..=MAX_DRIFT_PATHS)
            .map(|i| format!(r#""p{i}": {{}}"#))
            .collect();
        let refused = refused_before_the_rest("drift", "{", &profiles);
        assert_eq!(
            refused,
            "the drift table holds more than 10000 paths, more than dapa keeps"
        );
        let refused =
            refused_before_the_rest("drift", "{", &[format!(r#""p": {{"/a": {}"#, types(8))]);
        assert_eq!(refused, "a list of more than 7, more than dapa writes");
    }

    #[test]
    fn enum_values_are_refused_at_the_value_or_path_past_their_cap() {
        let values = vec![r#""\"v\"""#.to_owned(); MAX_ENUM_VALUES + 1];
        let refused = refused_before_the_rest(
            "enum_values",
            "{",
            &[format!(r#""p": {{"/a": [{}"#, values.join(","))],
        );
        assert_eq!(refused, "a list of more than 64, more than dapa writes");
        let profiles: Vec<String> = (0..=MAX_ENUM_PATHS)
            .map(|i| format!(r#""p{i}": {{"/a": []}}"#))
            .collect();
        let refused = refused_before_the_rest("enum_values", "{", &profiles);
        assert_eq!(
            refused,
            "the enum values holds more than 1000 paths, more than dapa keeps"
        );
    }

    #[test]
    fn signatures_are_refused_past_their_cap_or_under_an_unknown_code() {
        let ids = vec![r#""0123456789ab""#.to_owned(); MAX_SIGNATURES_PER_CODE + 1];
        let refused = refused_before_the_rest(
            "signatures",
            "{",
            &[format!(r#""P01": [{}"#, ids.join(","))],
        );
        assert_eq!(refused, "a list of more than 100, more than dapa writes");
        let refused = refused_before_the_rest("signatures", "{", &[r#""Q99": []"#.to_owned()]);
        assert_eq!(refused, r#""Q99" is no finding code dapa knows"#);
    }

    #[test]
    fn rates_by_an_unknown_name_are_refused_as_they_are_read() {
        let rate = r#"{"captures": 0, "rate": 0.0}"#;
        let refused = refused_before_the_rest("statuses", "{", &[format!(r#""fine": {rate}"#)]);
        assert_eq!(refused, r#""fine" is no status dapa knows"#);
        let mut kept: Value = serde_json::to_value(Baseline::of(&Summary::default())).unwrap();
        kept["codes"] = json!({"P01": {"captures": 0, "rate": 0.0}});
        let read: Baseline = serde_json::from_value(kept).unwrap();
        assert_eq!(read.codes.len(), 1);
    }
}
