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
use std::fmt;

/// The most pointers one pick follows (a bit each in a mask).
pub const MAX_POINTERS: usize = 8;

/// Pointers split once, to be picked from many documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointers {
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
        Pointers { paths }
    }

    /// The value at each pointer in the JSON text `bytes`, in the order the
    /// pointers were given, or serde_json's error when `bytes` is not one
    /// JSON document.
    pub fn pick(&self, bytes: &[u8]) -> serde_json::Result<Vec<Option<Value>>> {
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

/// A value on the way to (or at) the pointers of `live`, `depth` segments
/// down.
struct Node<'p, 'f> {
    pointers: &'p Pointers,
    found: &'f mut Vec<Option<Value>>,
    live: u8,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let ending = bits(self.live)
            .filter(|&index| self.pointers.ends_at(index, self.depth))
            .fold(0u8, |mask, index| mask | 1 << index);
        if ending == 0 {
            return deserializer.deserialize_any(self);
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
                .cloned();
        }
        // The last pointer to name it takes the value itself: a body is
        // moved out of the line, not copied.
        let mut endings = bits(ending).peekable();
        while let Some(index) = endings.next() {
            self.found[index] = if endings.peek().is_some() {
                value.clone()
            } else {
                value.take()
            };
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
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
        Pointers::new(pointers).pick(text.as_bytes()).unwrap()
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
            let found = Pointers::new(&pointers).pick(text.as_bytes()).unwrap();
            let expected: Vec<Option<Value>> =
                pointers.iter().map(|p| document.pointer(p).cloned()).collect();
            prop_assert_eq!(found, expected);
        }
    }
}
