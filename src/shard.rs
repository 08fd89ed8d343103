//! A shard: the K-th of N contiguous runs of a scan's sorted sources,
//! written `K/N` on the command line and in the JSON summary.

use std::fmt;
use std::str::FromStr;

/// The K-th of N shards, 1-based, with `1 <= K <= N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// Shard `index` of `count`, when `1 <= index <= count`.
    pub fn new(index: usize, count: usize) -> Option<Shard> {
        (index >= 1 && index <= count).then_some(Shard { index, count })
    }

    /// K: which shard, from 1.
    pub fn index(self) -> usize {
        self.index
    }

    /// N: how many shards the sources are split into.
    pub fn count(self) -> usize {
        self.count
    }

    /// The positions of the shard's sources among `total` sorted sources:
    /// the K-th of N runs as equal as whole sources allow.
    pub fn range(self, total: usize) -> std::ops::Range<usize> {
        // In u128 so that `total * k` cannot overflow.
        let part = |k: usize| (total as u128 * k as u128 / self.count as u128) as usize;
        part(self.index - 1)..part(self.index)
    }
}

impl fmt::Display for Shard {
    /// `K/N`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Text that is not `K/N` with `1 <= K <= N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a shard: K/N with 1 <= K <= N, e.g. 2/8")]
pub struct NotAShard {
    /// The text given.
    pub text: String,
}

impl FromStr for Shard {
    type Err = NotAShard;

    /// `K/N`, with spaces allowed around K and N.
    fn from_str(text: &str) -> Result<Shard, NotAShard> {
        let number = |part: &str| part.trim().parse::<usize>().ok();
        text.split_once('/')
            .and_then(|(k, n)| Shard::new(number(k)?, number(n)?))
            .ok_or_else(|| NotAShard {
                text: text.to_owned(),
            })
    }
}

impl serde::Serialize for Shard {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_as_written() {
        let shard: Shard = "2/8".parse().unwrap();
        assert_eq!((shard.index(), shard.count()), (2, 8));
        assert_eq!(shard.to_string(), "2/8");
        assert_eq!(" 3 / 4 ".parse::<Shard>().map(Shard::index), Ok(3));
        assert_eq!(
            serde_json::to_string(&shard).unwrap(),
            "\"2/8\"",
            "written as text"
        );
    }

    #[test]
    fn k_must_lie_in_one_to_n() {
        for text in ["0/2", "3/2", "1", "1/", "/2", "a/b", "1/2/3", "-1/2", ""] {
            let error = text.parse::<Shard>().unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("'{text}' is not a shard: K/N with 1 <= K <= N, e.g. 2/8")
            );
        }
    }

    #[test]
    fn shards_split_the_sources_into_contiguous_runs() {
        let ranges: Vec<_> = (1..=3)
            .map(|k| Shard::new(k, 3).unwrap().range(10))
            .collect();
        assert_eq!(ranges, [0..3, 3..6, 6..10]);
        // More shards than sources: some are empty, none overlap.
        assert_eq!(Shard::new(1, 5).unwrap().range(3), 0..0);
        assert_eq!(Shard::new(5, 5).unwrap().range(3), 2..3);
        let huge = Shard::new(usize::MAX, usize::MAX).unwrap();
        assert_eq!(huge.range(usize::MAX), usize::MAX - 1..usize::MAX);
    }
}
