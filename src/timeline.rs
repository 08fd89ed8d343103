//! Captures over time: counts per status and code in buckets of capture
//! time, aligned to multiples of the bucket width since the Unix epoch so
//! that timelines of shards merge exactly.

use crate::finding::Code;
use crate::summary::{earliest, latest};
use crate::verdict::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bucket widths, each a multiple of the one before: 1 minute, 5 minutes,
/// 1 hour, 1 day (the widths `--bucket` names and the automatic choice
/// shows), then 10, 100 and 1,000 days, to which a timeline is widened
/// only when it would otherwise keep too many buckets.
pub const WIDTHS: [i64; 7] = [60, 300, 3600, 86_400, 864_000, 8_640_000, 86_400_000];

/// The widths that `--bucket` names: 1m, 5m, 1h, 1d.
pub const CHOSEN_WIDTHS: &[i64] = WIDTHS.split_at(4).0;

/// Epochs of this magnitude and above are milliseconds, smaller ones
/// seconds (1e11 s is the year 5138; 1e11 ms is 1973). The drift layer,
/// the semantic layer and logged times tell the units apart by it.
pub const EPOCH_MILLIS_FROM: u64 = 100_000_000_000;

/// Buckets the automatic choice aims at, at most.
const AUTO_BUCKETS: i64 = 120;

/// Buckets kept while scanning before the automatic width is coarsened, so
/// that memory does not grow with the time a corpus spans.
const MAX_KEPT_BUCKETS: usize = 1440;

/// Buckets kept at a width chosen with `--bucket` before it is widened to
/// the next one, and the most a written timeline lists. Each bucket holds
/// its counts by status and code: a year of captures at `--bucket 1m`
/// (525,600 buckets) would take hundreds of megabytes, where 10,000 is a
/// week at one minute, a year at one hour. Capture times lie between the
/// years -9999 and 9999, which 7,306 buckets of 1,000 days cover: no
/// timeline keeps more.
pub const MAX_BUCKETS: usize = 10_000;

/// How wide buckets are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BucketChoice {
    /// The narrowest width that shows the whole span in about 120 buckets.
    #[default]
    Auto,
    /// A width in seconds, one of [`WIDTHS`].
    Fixed(i64),
}

/// A width's name: `1m`, `5m`, `1h`, `1d`.
pub fn width_name(width: i64) -> String {
    match width {
        w if w % 86_400 == 0 => format!("{}d", w / 86_400),
        w if w % 3600 == 0 => format!("{}h", w / 3600),
        w if w % 60 == 0 => format!("{}m", w / 60),
        w => format!("{w}s"),
    }
}

/// A width from its name.
pub fn parse_width(name: &str) -> Option<i64> {
    WIDTHS.into_iter().find(|&w| width_name(w) == name.trim())
}

/// A width `--bucket` may name, from its name.
pub fn parse_chosen_width(name: &str) -> Option<i64> {
    parse_width(name).filter(|width| CHOSEN_WIDTHS.contains(width))
}

/// Counts of one bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// Captures in the bucket.
    pub captures: u64,
    /// Captures per status (statuses with none left out).
    pub statuses: BTreeMap<Status, u64>,
    /// Captures per code (codes with none left out).
    pub codes: BTreeMap<Code, u64>,
}

impl Bucket {
    /// `malformed 2, ok 5`: the statuses with captures.
    pub fn statuses_text(&self) -> String {
        counts_text(&self.statuses)
    }

    /// `T04 1, T06 1`: the codes found.
    pub fn codes_text(&self) -> String {
        counts_text(&self.codes)
    }

    fn absorb(&mut self, other: &Bucket) {
        self.captures += other.captures;
        for (status, count) in &other.statuses {
            *self.statuses.entry(*status).or_default() += count;
        }
        for (code, count) in &other.codes {
            *self.codes.entry(*code).or_default() += count;
        }
    }
}

fn counts_text<K: std::fmt::Display>(counts: &BTreeMap<K, u64>) -> String {
    counts
        .iter()
        .map(|(key, count)| format!("{key} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Counts by bucket of capture time, and the span of the times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The width asked for.
    pub choice: BucketChoice,
    /// The width the buckets have now.
    pub width: i64,
    /// Buckets by start (seconds since the epoch); only those with captures.
    pub buckets: BTreeMap<i64, Bucket>,
    /// The earliest capture time (seconds since the epoch).
    pub first: Option<i64>,
    /// The latest capture time.
    pub last: Option<i64>,
    /// Captures with no known time.
    pub undated: u64,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline::new(BucketChoice::Auto)
    }
}

impl Timeline {
    /// An empty timeline with this choice of width.
    pub fn new(choice: BucketChoice) -> Timeline {
        let width = match choice {
            BucketChoice::Auto => WIDTHS[0],
            BucketChoice::Fixed(width) => width,
        };
        Timeline {
            choice,
            width,
            buckets: BTreeMap::new(),
            first: None,
            last: None,
            undated: 0,
        }
    }

    /// Count one capture.
    pub fn add(&mut self, time: Option<i64>, status: Status, codes: &[Code]) {
        let Some(time) = time else {
            self.undated += 1;
            return;
        };
        self.first = Some(self.first.map_or(time, |t| t.min(time)));
        self.last = Some(self.last.map_or(time, |t| t.max(time)));
        let bucket = self
            .buckets
            .entry(time.div_euclid(self.width) * self.width)
            .or_default();
        bucket.captures += 1;
        *bucket.statuses.entry(status).or_default() += 1;
        for code in codes {
            *bucket.codes.entry(*code).or_default() += 1;
        }
        self.keep_small();
    }

    /// Fold in another timeline (of other captures).
    ///
    /// Timelines asked for with other widths (summaries of separate scans,
    /// or shards given other `--bucket`s) merge at the wider of the two, a
    /// fixed width before the automatic choice: the same whichever comes
    /// first.
    pub fn merge(&mut self, other: &Timeline) {
        self.choice = match (self.choice, other.choice) {
            (BucketChoice::Fixed(mine), BucketChoice::Fixed(theirs)) => {
                BucketChoice::Fixed(mine.max(theirs))
            }
            (BucketChoice::Auto, fixed) | (fixed, BucketChoice::Auto) => fixed,
        };
        let width = self.width.max(other.width);
        self.coarsen(width);
        self.first = earliest(self.first, other.first);
        self.last = latest(self.last, other.last);
        self.undated += other.undated;
        for (start, bucket) in &other.buckets {
            self.buckets
                .entry(start.div_euclid(width) * width)
                .or_default()
                .absorb(bucket);
        }
        self.keep_small();
    }

    /// Re-bucket to a wider width (a multiple of the current one).
    pub fn coarsen(&mut self, width: i64) {
        if width <= self.width {
            return;
        }
        let buckets = std::mem::take(&mut self.buckets);
        for (start, bucket) in buckets {
            self.buckets
                .entry(start.div_euclid(width) * width)
                .or_default()
                .absorb(&bucket);
        }
        self.width = width;
    }

    /// The width grows while too many buckets are kept; the result depends
    /// only on the set of times, not on the order of adding: a width is
    /// left only when the buckets of the times seen so far, and so of all
    /// of them, are too many at it.
    fn keep_small(&mut self) {
        let most = match self.choice {
            BucketChoice::Auto => MAX_KEPT_BUCKETS,
            BucketChoice::Fixed(_) => MAX_BUCKETS,
        };
        while self.buckets.len() > most {
            let Some(&wider) = WIDTHS.iter().find(|&&w| w > self.width) else {
                return;
            };
            self.coarsen(wider);
        }
    }

    /// The width to show: the fixed one, or the narrowest that spans the
    /// times in at most about 120 buckets.
    pub fn display_width(&self) -> i64 {
        match (self.choice, self.first, self.last) {
            (BucketChoice::Fixed(width), _, _) => width.max(self.width),
            (BucketChoice::Auto, Some(first), Some(last)) => CHOSEN_WIDTHS
                .iter()
                .copied()
                .find(|&w| last.div_euclid(w) - first.div_euclid(w) < AUTO_BUCKETS)
                .unwrap_or(CHOSEN_WIDTHS[CHOSEN_WIDTHS.len() - 1])
                .max(self.width),
            (BucketChoice::Auto, _, _) => self.width,
        }
    }

    /// The width `--bucket` asked for, when the timeline has wider buckets
    /// because the narrower ones would have been more than [`MAX_BUCKETS`].
    pub fn widened_from(&self) -> Option<i64> {
        match self.choice {
            BucketChoice::Fixed(asked) if asked < self.width => Some(asked),
            _ => None,
        }
    }

    /// The timeline at the width to show.
    pub fn for_display(&self) -> Timeline {
        let mut shown = self.clone();
        shown.coarsen(self.display_width());
        shown
    }

    /// Every bucket start from the first to the last, empty ones included,
    /// when there are at most `limit`; else only those with captures.
    pub fn starts(&self, limit: usize) -> Vec<i64> {
        let (Some(first), Some(last)) = (self.buckets.keys().next(), self.buckets.keys().last())
        else {
            return Vec::new();
        };
        let dense = (last - first) / self.width + 1;
        if dense <= limit as i64 {
            (0..dense).map(|i| first + i * self.width).collect()
        } else {
            self.buckets.keys().copied().collect()
        }
    }
}

/// One bucket as written: its start and counts.
#[derive(Serialize, Deserialize)]
struct BucketDocument {
    start: String,
    #[serde(flatten)]
    counts: Bucket,
}

/// The timeline as written: at the width to show, buckets with captures.
#[derive(Serialize, Deserialize)]
struct TimelineDocument {
    bucket: String,
    /// The width `--bucket` named, when the timeline was widened past it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    asked: Option<String>,
    auto: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<String>,
    undated: u64,
    #[serde(deserialize_with = "read_series")]
    series: Vec<BucketDocument>,
}

/// A timeline's buckets, refused at the one past [`MAX_BUCKETS`]: no
/// timeline dapa writes lists more, and a summary of two million buckets
/// took 850 MB to read whole before its counts could be checked.
fn read_series<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<BucketDocument>, D::Error> {
    let mut series = Vec::new();
    crate::summary::read_each(deserializer, "buckets", |bucket| {
        if series.len() == MAX_BUCKETS {
            return Err(format!(
                "a timeline of more than {MAX_BUCKETS} buckets, more than dapa writes"
            ));
        }
        series.push(bucket);
        Ok(())
    })?;
    Ok(series)
}

impl Serialize for Timeline {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let shown = self.for_display();
        TimelineDocument {
            bucket: width_name(shown.width),
            asked: shown.widened_from().map(width_name),
            auto: shown.choice == BucketChoice::Auto,
            first: shown.first.map(rfc3339),
            last: shown.last.map(rfc3339),
            undated: shown.undated,
            series: shown
                .buckets
                .into_iter()
                .map(|(start, counts)| BucketDocument {
                    start: rfc3339(start),
                    counts,
                })
                .collect(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Timeline {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let document = TimelineDocument::deserialize(deserializer)?;
        let width = parse_width(&document.bucket)
            .ok_or_else(|| D::Error::custom(format!("unknown bucket '{}'", document.bucket)))?;
        let asked = match &document.asked {
            None => width,
            Some(name) => parse_chosen_width(name)
                .filter(|asked| *asked < width && !document.auto)
                .ok_or_else(|| {
                    D::Error::custom(format!(
                        "a bucket of '{}' asked for '{name}'",
                        document.bucket
                    ))
                })?,
        };
        let time = |text: &Option<String>| -> Result<Option<i64>, D::Error> {
            text.as_deref()
                .map(|t| {
                    parse_time(t).ok_or_else(|| D::Error::custom(format!("not a time: '{t}'")))
                })
                .transpose()
        };
        let mut buckets = BTreeMap::new();
        for bucket in document.series {
            let start = parse_time(&bucket.start)
                .ok_or_else(|| D::Error::custom(format!("not a time: '{}'", bucket.start)))?
                .div_euclid(width)
                * width;
            // Listed twice, a bucket's captures would be counted once.
            if buckets.insert(start, bucket.counts).is_some() {
                return Err(D::Error::custom(format!(
                    "the bucket {} is listed twice",
                    bucket.start
                )));
            }
        }
        Ok(Timeline {
            choice: if document.auto {
                BucketChoice::Auto
            } else {
                BucketChoice::Fixed(asked)
            },
            width,
            buckets,
            first: time(&document.first)?,
            last: time(&document.last)?,
            undated: document.undated,
        })
    }
}

/// An optional time in seconds, written as RFC 3339.
pub fn serialize_time<S: serde::Serializer>(
    time: &Option<i64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(seconds) => serializer.serialize_str(&rfc3339(*seconds)),
        None => serializer.serialize_none(),
    }
}

/// RFC 3339 back to seconds since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// Seconds since the epoch as RFC 3339, held to the times there are: the
/// bucket of the earliest times starts before the earliest time (its start
/// is a multiple of its width), and is written as starting at it; read
/// back, a start is taken to the start of its bucket again.
pub fn rfc3339(seconds: i64) -> String {
    let (first, last) = (
        jiff::Timestamp::MIN.as_second(),
        jiff::Timestamp::MAX.as_second(),
    );
    jiff::Timestamp::from_second(seconds.clamp(first, last))
        .map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

/// A sparkline of counts: one block per bucket, height by share of the
/// largest; a space for none.
pub fn sparkline(counts: &[u64]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&count| {
            if count == 0 || top == 0 {
                ' '
            } else {
                let level = ((count * 8).div_ceil(top) - 1) as usize;
                BLOCKS[level.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline_of(times: &[i64], choice: BucketChoice) -> Timeline {
        let mut timeline = Timeline::new(choice);
        for &time in times {
            timeline.add(Some(time), Status::Ok, &[Code::T04]);
        }
        timeline
    }

    #[test]
    fn buckets_align_to_the_epoch() {
        let timeline = timeline_of(&[59, 60, 61, 299, 300], BucketChoice::Fixed(300));
        let starts: Vec<i64> = timeline.buckets.keys().copied().collect();
        assert_eq!(starts, [0, 300]);
        assert_eq!(timeline.buckets[&0].captures, 4);
        assert_eq!(timeline.buckets[&0].codes[&Code::T04], 4);
        assert_eq!(timeline.display_width(), 300);
    }

    #[test]
    fn automatic_width_follows_the_span() {
        let hour = timeline_of(&[0, 3599], BucketChoice::Auto);
        assert_eq!(hour.display_width(), 60);
        let day = timeline_of(&[0, 86_399], BucketChoice::Auto);
        assert_eq!(day.display_width(), 3600);
        let six_hours = timeline_of(&[0, 6 * 3600], BucketChoice::Auto);
        assert_eq!(six_hours.display_width(), 300);
        let year = timeline_of(&[0, 365 * 86_400], BucketChoice::Auto);
        assert_eq!(year.display_width(), 86_400);
    }

    #[test]
    fn merging_in_any_split_equals_adding() {
        // Times over three days, a minute apart in places: the kept width
        // is coarsened while adding, and must not depend on the split.
        let times: Vec<i64> = (0..5000).map(|i| i * 53 + (i % 7) * 3600).collect();
        let whole = timeline_of(&times, BucketChoice::Auto);
        for split in [1, 700, 2500, 4999] {
            let mut left = timeline_of(&times[..split], BucketChoice::Auto);
            let right = timeline_of(&times[split..], BucketChoice::Auto);
            left.merge(&right);
            assert_eq!(left.for_display(), whole.for_display(), "split at {split}");
        }
        assert!(whole.buckets.len() <= MAX_KEPT_BUCKETS);
    }

    #[test]
    fn a_fixed_width_is_widened_past_the_cap_whatever_the_split() {
        // A minute apart for eight days: 11,520 one-minute buckets, more
        // than are kept; at five minutes 2,304.
        let times: Vec<i64> = (0..11_520).map(|i| i * 60).collect();
        let whole = timeline_of(&times, BucketChoice::Fixed(60));
        assert_eq!((whole.width, whole.widened_from()), (300, Some(60)));
        assert_eq!(whole.buckets.len(), 2304);
        for split in [1, 5000, 10_001, 11_519] {
            let mut left = timeline_of(&times[..split], BucketChoice::Fixed(60));
            let right = timeline_of(&times[split..], BucketChoice::Fixed(60));
            left.merge(&right);
            assert_eq!(left, whole, "split at {split}");
        }
        let short = timeline_of(&times[..MAX_BUCKETS], BucketChoice::Fixed(60));
        assert_eq!((short.width, short.widened_from()), (60, None));
        // Read back, a widened timeline keeps what was asked.
        let text = serde_json::to_string(&whole).unwrap();
        assert!(text.contains(r#""bucket":"5m","asked":"1m""#), "{text}");
        let read: Timeline = serde_json::from_str(&text).unwrap();
        assert_eq!(read, whole);
    }

    #[test]
    fn timelines_asked_at_other_widths_merge_the_same_in_either_order() {
        let times: Vec<i64> = (0..600).map(|i| i * 60).collect();
        let choices = [
            BucketChoice::Fixed(60),
            BucketChoice::Fixed(3600),
            BucketChoice::Auto,
        ];
        for first in choices {
            for second in choices {
                let left = timeline_of(&times[..300], first);
                let right = timeline_of(&times[300..], second);
                let mut one = left.clone();
                one.merge(&right);
                let mut other = right.clone();
                other.merge(&left);
                assert_eq!(one, other, "{first:?} then {second:?}");
                // No width is said to be widened from one that the
                // merged buckets could have kept.
                assert_eq!(one.widened_from(), None, "{first:?} then {second:?}");
            }
        }
    }

    #[test]
    fn every_time_there_is_fits_the_widest_buckets() {
        let (first, last) = (jiff::Timestamp::MIN, jiff::Timestamp::MAX);
        let widest = WIDTHS[WIDTHS.len() - 1];
        let buckets = last.as_second().div_euclid(widest) - first.as_second().div_euclid(widest);
        assert!(buckets < MAX_BUCKETS as i64, "{buckets}");
        let times: Vec<i64> = (0..40_000)
            .map(|i| first.as_second() + i * (last.as_second() - first.as_second()) / 40_000)
            .collect();
        let kept = timeline_of(&times, BucketChoice::Fixed(86_400));
        assert!(kept.buckets.len() <= MAX_BUCKETS);
        assert_eq!(
            kept.buckets.values().map(|b| b.captures).sum::<u64>(),
            40_000
        );
    }

    #[test]
    fn a_written_timeline_is_read_only_as_dapa_writes_it() {
        let series = |count: usize| {
            let buckets: Vec<String> = (0..count)
                .map(|i| {
                    format!(
                        r#"{{"start":"{}","captures":1,"statuses":{{"ok":1}},"codes":{{}}}}"#,
                        rfc3339(i as i64 * 60)
                    )
                })
                .collect();
            format!(
                r#"{{"bucket":"1m","auto":false,"undated":0,"series":[{}]}}"#,
                buckets.join(",")
            )
        };
        assert!(serde_json::from_str::<Timeline>(&series(MAX_BUCKETS)).is_ok());
        let error = serde_json::from_str::<Timeline>(&series(MAX_BUCKETS + 1)).unwrap_err();
        assert!(
            error.to_string().contains("more than 10000 buckets"),
            "{error}"
        );
        // What was asked is narrower than the buckets, named by --bucket,
        // and only beside a width that was not chosen automatically.
        let widened = |bucket: &str, asked: &str, auto: bool| {
            series(1).replace(
                r#""bucket":"1m","auto":false"#,
                &format!(r#""bucket":"{bucket}","asked":"{asked}","auto":{auto}"#),
            )
        };
        assert!(serde_json::from_str::<Timeline>(&widened("1h", "1m", false)).is_ok());
        for refused in [
            widened("1h", "1h", false),
            widened("1h", "1d", false),
            widened("100d", "10d", false),
            widened("1h", "1m", true),
        ] {
            assert!(
                serde_json::from_str::<Timeline>(&refused).is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn undated_captures_are_counted_apart() {
        let mut timeline = Timeline::default();
        timeline.add(None, Status::Ok, &[]);
        assert_eq!(timeline.undated, 1);
        assert!(timeline.buckets.is_empty());
        assert_eq!(timeline.starts(10), Vec::<i64>::new());
    }

    #[test]
    fn sparklines_scale_to_the_largest() {
        assert_eq!(sparkline(&[0, 1, 4, 8]), " ▁▄█");
        assert_eq!(sparkline(&[1, 2]), "▄█");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(width_name(300), "5m");
        assert_eq!(parse_width("1h"), Some(3600));
        assert_eq!(parse_width("2h"), None);
        assert_eq!(parse_width("10d"), Some(864_000));
        assert_eq!(parse_chosen_width("10d"), None);
        assert_eq!(parse_chosen_width("1d"), Some(86_400));
    }
}
