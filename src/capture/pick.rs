//! The values at a few JSON pointers of a document, taken in one pass
//! without building the rest of it.
//!
//! A log line is a document of which dapa wants two or three members (the
//! body, the time, a status). Building the whole line as a `Value` and
//! dropping it costs more than the analysis of the body; this walks the
//! line with serde_json, keeps the values the pointers name and only reads
//! past the others. It accepts and refuses exactly the texts that
//! `serde_json::from_slice::<Value>` does (the same grammar, UTF-8 and
//! nesting checks, since every value goes through `deserialize_any`), and
//! finds what `Value::pointer` finds, a repeated key's last value included.

use crate::json::split_pointer;
use serde::Deserialize as _;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;

/// The most pointers one pick follows (a bit each in a mask).
pub const MAX_POINTERS: usize = 8;

/// Pointers split once, to be picked from many documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointers {
    /// The pointers whose value is taken as its JSON text where it is not
    /// a string (a bit each).
    raw_json: u8,
    /// The unescaped segments of each pointer; `None` for a pointer
    /// `Value::pointer` would find nothing with (no leading `/`).
    paths: Vec<Option<Vec<String>>>,
}

impl Pointers {
    /// Split `pointers` (at most [`MAX_POINTERS`]; later ones are ignored).
    pub fn new<S: AsRef<str>>(pointers: &[S]) -> Self {
        let paths = pointers
            .iter()
            .take(MAX_POINTERS)
            .map(|pointer| {
                let pointer = pointer.as_ref();
                // Without its leading `/` a pointer finds nothing, as with
                // `Value::pointer`; the empty one is the whole document.
                (pointer.is_empty() || pointer.starts_with('/')).then(|| split_pointer(pointer))
            })
            .collect();
        Pointers { paths, raw_json: 0 }
    }

    /// Take the value of pointer `index` as the text it is written with in
    /// the document where it is not a string (an object, an array, a
    /// number): a logged body is then analysed as it was logged, with its
    /// repeated keys and long numbers, rather than as serde_json would
    /// write it again; and a number serde_json would refuse (`1e400`) or a
    /// lone surrogate inside it is the body's finding, not a reason to take
    /// the whole line for the body.
    #[must_use]
    pub fn raw_json(mut self, index: usize) -> Self {
        if index < MAX_POINTERS {
            self.raw_json |= 1 << index;
        }
        self
    }

    /// The value at each pointer in the JSON text `bytes`, in the order the
    /// pointers were given, or serde_json's error when `bytes` is not one
    /// JSON document.
    pub fn pick<'a>(&self, bytes: &'a [u8]) -> serde_json::Result<Vec<Option<Picked<'a>>>> {
        // Read the plain way first: a logged body is mostly a string, which
        // that reading decodes in one pass. A line whose text-taken value
        // is something else, or that serde_json refuses (a `1e400` inside
        // the body), is read again taking that value as text; where that
        // fails too, the first reading's verdict and error stand.
        let plain = self.pick_as(bytes, 0);
        let taken_as_value = |found: &Vec<Option<Picked<'_>>>| {
            bits(self.raw_json).any(|index| {
                matches!(
                    found.get(index),
                    Some(Some(Picked::Value(value))) if !matches!(value, Value::String(_) | Value::Null)
                )
            })
        };
        if self.raw_json == 0 || plain.as_ref().is_ok_and(|found| !taken_as_value(found)) {
            return plain;
        }
        self.pick_as(bytes, self.raw_json).or(plain)
    }

    fn pick_as<'a>(
        &self,
        bytes: &'a [u8],
        raw_json: u8,
    ) -> serde_json::Result<Vec<Option<Picked<'a>>>> {
        let mut found = vec![None; self.paths.len()];
        let live = self
            .paths
            .iter()
            .enumerate()
            .filter(|(_, path)| path.is_some())
            .fold(0u8, |mask, (index, _)| mask | 1 << index);
        let mut reader = serde_json::Deserializer::from_slice(bytes);
        Node {
            pointers: self,
            found: &mut found,
            live,
            depth: 0,
            raw_json,
        }
        .deserialize(&mut reader)?;
        reader.end()?;
        Ok(found)
    }

    fn segment(&self, index: usize, depth: usize) -> Option<&str> {
        self.paths[index].as_ref()?.get(depth).map(String::as_str)
    }

    fn ends_at(&self, index: usize, depth: usize) -> bool {
        self.paths[index]
            .as_ref()
            .is_some_and(|path| path.len() == depth)
    }

    /// The pointers of `live` whose segment at `depth` is `key`.
    fn matching(&self, live: u8, depth: usize, key: &str) -> u8 {
        bits(live)
            .filter(|&index| self.segment(index, depth) == Some(key))
            .fold(0, |mask, index| mask | 1 << index)
    }
}

/// The visitor methods of a value that holds nothing to pick: a scalar
/// (no pointer goes on through it) is read and let go.
macro_rules! scalars_read_past {
    () => {
        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    };
}

/// The indices of the bits set in `mask`.
fn bits(mask: u8) -> impl Iterator<Item = usize> {
    (0..MAX_POINTERS).filter(move |index| mask & 1 << index != 0)
}

/// An array index as `Value::pointer` reads a segment: digits, no `+`, no
/// leading zero.
fn index_of(segment: &str) -> Option<usize> {
    if segment.starts_with('+') || (segment.starts_with('0') && segment.len() != 1) {
        return None;
    }
    segment.parse().ok()
}

/// What a pointer found.
#[derive(Debug, Clone, PartialEq)]
pub enum Picked<'a> {
    /// The value, as serde_json builds it.
    Value(Value),
    /// The JSON text of a value that is not a string, as the document has
    /// it (see [`Pointers::raw_json`]).
    Json(&'a str),
}

/// A value on the way to (or at) the pointers of `live`, `depth` segments
/// down.
struct Node<'p, 'f, 'de> {
    pointers: &'p Pointers,
    found: &'f mut Vec<Option<Picked<'de>>>,
    live: u8,
    depth: usize,
    /// The pointers to take as text where they find no string.
    raw_json: u8,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let ending = bits(self.live)
            .filter(|&index| self.pointers.ends_at(index, self.depth))
            .fold(0u8, |mask, index| mask | 1 << index);
        if ending == 0 {
            return deserializer.deserialize_any(self);
        }
        // One pointer to take as text, and none going on inside it.
        if ending & self.raw_json == ending && ending.count_ones() == 1 && self.live == ending {
            let raw = <&'de RawValue>::deserialize(deserializer)?;
            let text = raw.get();
            let found = if text.starts_with('"') {
                // A string is decoded as serde_json decodes it; one it
                // refuses sends the line to the plain reading.
                Picked::Value(serde_json::from_str(text).map_err(de::Error::custom)?)
            } else {
                Picked::Json(text)
            };
            self.found[ending.trailing_zeros() as usize] = Some(found);
            return Ok(());
        }
        // A pointer names this value: build it, and find any longer pointer
        // through it in what was built.
        let mut value = Some(Value::deserialize(deserializer)?);
        for index in bits(self.live & !ending) {
            let Some(path) = &self.pointers.paths[index] else {
                continue;
            };
            self.found[index] = value
                .as_ref()
                .and_then(|value| {
                    path[self.depth..]
                        .iter()
                        .try_fold(value, |inner, segment| match inner {
                            Value::Object(map) => map.get(segment),
                            Value::Array(items) => index_of(segment).and_then(|i| items.get(i)),
                            _ => None,
                        })
                })
                .cloned()
                .map(Picked::Value);
        }
        // The last pointer to name it takes the value itself: a body is
        // moved out of the line, not copied.
        let mut endings = bits(ending).peekable();
        while let Some(index) = endings.next() {
            self.found[index] = if endings.peek().is_some() {
                value.clone()
            } else {
                value.take()
            }
            .map(Picked::Value);
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for Node<'_, '_, 'de> {
    type Value = ();

    scalars_read_past!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut position = 0;
        loop {
            let here = bits(self.live)
                .filter(|&index| {
                    self.pointers
                        .segment(index, self.depth)
                        .and_then(index_of)
                        .is_some_and(|wanted| wanted == position)
                })
                .fold(0u8, |mask, index| mask | 1 << index);
            let more = if here == 0 {
                items.next_element_seed(Skip)?
            } else {
                items.next_element_seed(Node {
                    pointers: self.pointers,
                    found: &mut *self.found,
                    live: here,
                    depth: self.depth + 1,
                    raw_json: self.raw_json,
                })?
            };
            if more.is_none() {
                return Ok(());
            }
            position += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
        while let Some(here) = members.next_key_seed(Key {
            pointers: self.pointers,
            live: self.live,
            depth: self.depth,
        })? {
            if here == 0 {
                members.next_value_seed(Skip)?;
                continue;
            }
            // A repeated key's last value is the member's value: forget
            // what an earlier one held.
            for index in bits(here) {
                self.found[index] = None;
            }
            members.next_value_seed(Node {
                pointers: self.pointers,
                found: &mut *self.found,
                live: here,
                depth: self.depth + 1,
                raw_json: self.raw_json,
            })?;
        }
        Ok(())
    }
}

/// A member's key, read as the mask of the pointers it leads on to.
struct Key<'p> {
    pointers: &'p Pointers,
    live: u8,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = u8;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u8, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = u8;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<u8, E> {
        Ok(self.pointers.matching(self.live, self.depth, key))
    }
}

/// A value read past: checked as strictly as a `Value` would be, not kept.
/// (serde's `IgnoredAny` would let serde_json skip it without checking its
/// strings' UTF-8 or its depth.)
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    scalars_read_past!();

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while items.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
        while members.next_key_seed(SkipKey)?.is_some() {
            members.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// A member's key read past (its text checked like any string).
struct SkipKey;

impl<'de> DeserializeSeed<'de> for SkipKey {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(Skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pick(text: &str, pointers: &[&str]) -> Vec<Option<Value>> {
        values(Pointers::new(pointers).pick(text.as_bytes()).unwrap())
    }

    fn values(found: Vec<Option<Picked<'_>>>) -> Vec<Option<Value>> {
        let value = |picked| match picked {
            Picked::Value(value) => value,
            Picked::Json(text) => serde_json::from_str(text).unwrap(),
        };
        found.into_iter().map(|found| found.map(value)).collect()
    }

    #[test]
    fn members_items_and_the_whole() {
        let text = r#"{"a":{"b":[10,{"c":"x"}],"s":1},"t":"z"}"#;
        assert_eq!(
            pick(
                text,
                &["/a/b/1/c", "/t", "/a/s", "/a/b/01", "/nope", "x", ""]
            ),
            [
                Some(Value::from("x")),
                Some(Value::from("z")),
                Some(Value::from(1)),
                None,
                None,
                None,
                Some(serde_json::from_str(text).unwrap()),
            ]
        );
        // A pointer inside another's value is found in it.
        assert_eq!(pick(text, &["/a", "/a/b/0"])[1], Some(Value::from(10)));
    }

    #[test]
    fn the_last_of_repeated_keys_wins() {
        let text = r#"{"r":{"body":"old","status":1},"r":{"body":"new"}}"#;
        assert_eq!(
            pick(text, &["/r/body", "/r/status"]),
            [Some(Value::from("new")), None]
        );
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let bad_utf8 = b"{\"a\":\"\xff\",\"b\":1}";
        let pointers = Pointers::new(&["/b"]);
        for text in [
            deep.as_bytes(),
            bad_utf8,
            b"{\"a\":1} x",
            b"{\"a\":",
            b"{\"a\":1e400}",
        ] {
            let ours = pointers.pick(text).unwrap_err().to_string();
            let theirs = serde_json::from_slice::<Value>(text)
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_body_that_is_not_a_string_is_taken_as_written() {
        let pointers = Pointers::new(&["/r/body", "/r/status"]).raw_json(0);
        let line = r#"{"r":{"status":500,"body":{"a":1e400,"a":"\ud800"}}}"#;
        assert_eq!(
            pointers.pick(line.as_bytes()).unwrap(),
            [
                Some(Picked::Json(r#"{"a":1e400,"a":"\ud800"}"#)),
                Some(Picked::Value(Value::from(500))),
            ]
        );
        // A string is decoded; one serde_json refuses is refused as before.
        let line = r#"{"r":{"body":"{\"a\": 1}"}}"#;
        assert_eq!(
            pointers.pick(line.as_bytes()).unwrap()[0],
            Some(Picked::Value(Value::from(r#"{"a": 1}"#)))
        );
        let lone = br#"{"r":{"body":"\ud800"}}"#;
        assert_eq!(
            pointers.pick(lone).unwrap_err().to_string(),
            serde_json::from_slice::<Value>(lone)
                .unwrap_err()
                .to_string()
        );
        // A pointer inside the body needs its value: it is built.
        let inside = Pointers::new(&["/r", "/r/status"]).raw_json(0);
        assert_eq!(
            inside.pick(br#"{"r":{"status":1}}"#).unwrap()[1],
            Some(Picked::Value(Value::from(1)))
        );
    }

    fn document() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-c~/]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                prop::collection::btree_map("[a-c~/]{0,2}", inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn finds_what_value_pointer_finds(
            document in document(),
            pointers in prop::collection::vec("(/([a-c]|~0|~1|[0-3]|01){0,1}){0,3}", 1..6),
        ) {
            let text = document.to_string();
            let found = values(Pointers::new(&pointers).pick(text.as_bytes()).unwrap());
            let expected: Vec<Option<Value>> =
                pointers.iter().map(|p| document.pointer(p).cloned()).collect();
            prop_assert_eq!(found, expected);
        }
    }
}
