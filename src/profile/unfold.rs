//! How many subschemas a schema stands for once its references are
//! unfolded: the validator evaluates every branch of `allOf`/`anyOf`/`oneOf`
//! and every `$ref` anew, so forty levels of `allOf` that each name the
//! next level twice are 2^40 evaluations of one value, from a schema of a
//! few kilobytes. Counted over the document with each place's count kept,
//! which takes time linear in its size.

use serde_json::Value;
use std::collections::HashMap;

/// Keywords whose value is one subschema.
const ONE: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "contains",
    "contentSchema",
    "else",
    "if",
    "items",
    "not",
    "propertyNames",
    "then",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Keywords whose value is a list of subschemas.
const LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems", "items"];

/// Keywords whose value maps names to subschemas.
const MAP: &[&str] = &[
    "dependencies",
    "dependentSchemas",
    "patternProperties",
    "properties",
];

/// Keywords that refer to another place of the document.
const REFERENCES: &[&str] = &["$ref", "$dynamicRef", "$recursiveRef"];

/// The count of a place not yet finished: a reference back to it is a
/// cycle, which the validator follows only as deep as the value goes.
const IN_PROGRESS: u64 = 0;

/// Places the count follows in one chain of references and nesting; a
/// deeper chain counts as too large (it would exhaust the stack, here and
/// in the validator).
const MAX_CHAIN: usize = 1_000;

/// The subschemas `schema` stands for with its references within the
/// document unfolded, each cycle counted once; `None` past `limit` (or past
/// 1,000 references deep).
pub fn unfolded_size(schema: &Value, limit: u64) -> Option<u64> {
    let mut count = Count {
        root: schema,
        limit,
        done: HashMap::new(),
        depth: 0,
    };
    count.place(schema)
}

struct Count<'a> {
    root: &'a Value,
    limit: u64,
    /// Counts by the address of the place in the document.
    done: HashMap<*const Value, u64>,
    depth: usize,
}

impl<'a> Count<'a> {
    fn place(&mut self, schema: &'a Value) -> Option<u64> {
        let Value::Object(keywords) = schema else {
            return Some(1);
        };
        let key: *const Value = schema;
        match self.done.get(&key) {
            Some(&IN_PROGRESS) => return Some(1),
            Some(&size) => return Some(size),
            None => {}
        }
        if self.depth >= MAX_CHAIN {
            return None;
        }
        self.depth += 1;
        self.done.insert(key, IN_PROGRESS);
        let mut size: u64 = 1;
        for (keyword, value) in keywords {
            let name = keyword.as_str();
            let children: Vec<&'a Value> = match value {
                Value::String(reference) if REFERENCES.contains(&name) => {
                    local_target(self.root, reference).into_iter().collect()
                }
                Value::Object(_) if ONE.contains(&name) => vec![value],
                Value::Array(items) if LIST.contains(&name) => items.iter().collect(),
                Value::Object(members) if MAP.contains(&name) => members.values().collect(),
                _ => Vec::new(),
            };
            for child in children {
                size = size
                    .checked_add(self.place(child)?)
                    .filter(|size| *size <= self.limit)?;
            }
        }
        self.depth -= 1;
        self.done.insert(key, size);
        Some(size)
    }
}

/// The place a reference within the document names (`#`, `#/$defs/x`).
fn local_target<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        Some(root)
    } else {
        root.pointer(pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Levels of `allOf` that each name the next level twice.
    fn doubling(levels: usize) -> Value {
        let mut defs = serde_json::Map::new();
        for level in 0..levels {
            let next = json!({"$ref": format!("#/$defs/l{}", level + 1)});
            defs.insert(format!("l{level}"), json!({"allOf": [next.clone(), next]}));
        }
        defs.insert(format!("l{levels}"), json!({"type": "string"}));
        json!({"$ref": "#/$defs/l0", "$defs": defs})
    }

    #[test]
    fn shared_references_multiply_and_cycles_count_once() {
        // The root, the level it names, two references and what each names.
        assert_eq!(unfolded_size(&doubling(1), 100), Some(1 + 1 + 2 * (1 + 1)));
        assert!(unfolded_size(&doubling(10), 1 << 20).is_some());
        assert_eq!(unfolded_size(&doubling(40), 1 << 20), None);
        let recursive = json!({"properties": {"errors": {"items": {"$ref": "#"}}}});
        assert_eq!(unfolded_size(&recursive, 100), Some(4));
    }

    #[test]
    fn long_chains_are_too_large() {
        let mut defs = serde_json::Map::new();
        for level in 0..=MAX_CHAIN {
            defs.insert(
                format!("l{level}"),
                json!({"$ref": format!("#/$defs/l{}", level + 1)}),
            );
        }
        let chain = json!({"$ref": "#/$defs/l0", "$defs": defs});
        assert_eq!(unfolded_size(&chain, u64::MAX), None);
    }
}
