//! How large a schema is to a validator: how many bytes of paths its
//! places come to ([`path_bytes`]), and how many subschemas it stands for
//! once its references are unfolded ([`unfolded_size`]): the validator evaluates every branch of `allOf`/`anyOf`/`oneOf`
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
/// 1,000 references deep). References are followed as their text names a
/// place of the document (`#`, `#/$defs/x`); [`unfolded_size_resolved`]
/// follows them as the validator does.
pub fn unfolded_size(schema: &Value, limit: u64) -> Option<u64> {
    let mut count = Count {
        root: schema,
        limit,
        done: HashMap::new(),
        depth: 0,
    };
    count.place(schema, None)
}

/// [`unfolded_size`] with each reference resolved as jsonschema resolves it
/// (base URI `base_uri`, else the schema's `$id`; `draft` when set, else
/// detected; files through `retriever`): an anchor (`#a1`), a
/// percent-encoded pointer (`#/%24defs/a`), a URI naming the schema or a
/// part of it by its `$id`, or another file, all reach a place the
/// validator unfolds there, and a count by the reference's text alone
/// missed each of them (forty levels that each name the next twice by
/// anchor took 20 GB in 30 s). When the references cannot be resolved at
/// all the validator refuses the schema itself; the count then falls back
/// to the text of each reference.
pub fn unfolded_size_resolved(
    schema: &Value,
    limit: u64,
    base_uri: Option<&str>,
    draft: Option<referencing::Draft>,
    retriever: impl referencing::Retrieve + 'static,
) -> Option<u64> {
    let detected = draft.unwrap_or_else(|| referencing::Draft::default().detect(schema));
    let resource = detected.create_resource_ref(schema);
    let base = base_uri
        .or(resource.id())
        .unwrap_or("json-schema:///")
        .to_owned();
    let registry = referencing::Registry::new()
        .retriever(retriever)
        .draft(detected)
        .retrieve_known_draft_meta_schemas(draft.is_none())
        .add(&base, resource)
        .and_then(referencing::RegistryBuilder::prepare);
    let Ok(registry) = registry else {
        return unfolded_size(schema, limit);
    };
    let Ok(uri) = referencing::uri::from_str(base.trim_end_matches('#')) else {
        return unfolded_size(schema, limit);
    };
    let resolver = registry.resolver(uri);
    let mut count = Count {
        root: schema,
        limit,
        done: HashMap::new(),
        depth: 0,
    };
    count.place(schema, Some((&resolver, detected)))
}

struct Count<'a> {
    root: &'a Value,
    limit: u64,
    /// Counts by the address of the place in the document (or in a file a
    /// reference names, which the registry holds for the whole count).
    done: HashMap<*const Value, u64>,
    depth: usize,
}

/// How references are resolved where the count stands: the resolver based
/// at the place's resource, and its draft.
type Scope<'r, 'x> = Option<(&'x referencing::Resolver<'r>, referencing::Draft)>;

impl<'a> Count<'a> {
    fn place(&mut self, schema: &'a Value, scope: Scope<'a, '_>) -> Option<u64> {
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
        // A place with an `$id` is a resource of its own: its references
        // are resolved against it.
        let entered = scope.map(|(resolver, draft)| {
            let inner = resolver
                .in_subresource(draft.create_resource_ref(schema))
                .unwrap_or_else(|_| resolver.clone());
            (inner, draft)
        });
        let here: Scope<'a, '_> = entered.as_ref().map(|(resolver, draft)| (resolver, *draft));
        let mut size: u64 = 1;
        for (keyword, value) in keywords {
            let name = keyword.as_str();
            if let Value::String(reference) = value
                && REFERENCES.contains(&name)
            {
                let resolved = here.and_then(|(resolver, _)| resolver.lookup(reference).ok());
                let child = match resolved {
                    Some(resolved) => {
                        let (contents, resolver, draft) = resolved.into_inner();
                        self.place(contents, Some((&resolver, draft)))?
                    }
                    None => match local_target(self.root, reference) {
                        Some(target) => self.place(target, here)?,
                        None => 0,
                    },
                };
                size = size.checked_add(child).filter(|size| *size <= self.limit)?;
                continue;
            }
            let children: Vec<&'a Value> = match value {
                Value::Object(_) if ONE.contains(&name) => vec![value],
                Value::Array(items) if LIST.contains(&name) => items.iter().collect(),
                Value::Object(members) if MAP.contains(&name) => members.values().collect(),
                _ => Vec::new(),
            };
            for child in children {
                size = size
                    .checked_add(self.place(child, here)?)
                    .filter(|size| *size <= self.limit)?;
            }
        }
        self.depth -= 1;
        self.done.insert(key, size);
        Some(size)
    }
}

/// The bytes of the paths (JSON pointers, escapes not counted) of the
/// places in `document` a validator may keep a path for, all told; `None`
/// past `limit`. Those places are every member of an object (a keyword, a
/// property) and every object or list in a list (a branch of `allOf`, an
/// item schema); the plain values of a list (`enum`, `required`, `type`)
/// are not. What a validator keeps of a schema grows with this, not with
/// the schema's size: 5,000 fields under one long name each repeat it.
/// Walked without recursion, in time linear in the document's size.
pub fn path_bytes(document: &Value, limit: u64) -> Option<u64> {
    let mut total: u64 = 0;
    let mut pending: Vec<(&Value, u64)> = vec![(document, 0)];
    while let Some((value, path)) = pending.pop() {
        total = total.checked_add(path).filter(|total| *total <= limit)?;
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    pending.push((member, path + 1 + key.len() as u64));
                }
            }
            Value::Array(items) => {
                let places = items.iter().enumerate();
                for (index, item) in places.filter(|(_, item)| item.is_object() || item.is_array())
                {
                    pending.push((item, path + 1 + decimal_digits(index)));
                }
            }
            _ => {}
        }
    }
    Some(total)
}

/// How many decimal digits `n` is written with.
fn decimal_digits(n: usize) -> u64 {
    u64::from(n.checked_ilog10().unwrap_or(0)) + 1
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

    #[test]
    fn the_paths_of_a_schema_are_counted_by_their_bytes() {
        // "/type" 5, "/properties" 11, "/properties/ab" 14, ".../ab/enum"
        // 19, ".../ab/allOf" 20, ".../ab/allOf/10" 23 and its "/const" 29;
        // the plain values of `enum` and `allOf` count for nothing.
        let mut branches = vec![json!(true); 11];
        branches[10] = json!({"const": 1});
        let schema = json!({
            "type": "object",
            "properties": {"ab": {"enum": [1, 2, 3], "allOf": branches}},
        });
        let expected = 5 + 11 + 14 + 19 + 20 + 23 + 29;
        assert_eq!(path_bytes(&schema, u64::MAX), Some(expected));
        assert_eq!(path_bytes(&schema, expected), Some(expected));
        assert_eq!(path_bytes(&schema, expected - 1), None);
    }

    #[test]
    fn a_long_name_counts_once_for_each_place_below_it() {
        let long = "k".repeat(1_000);
        let fields: serde_json::Map<String, Value> =
            (0..100).map(|i| (format!("c{i}"), json!(true))).collect();
        let schema = json!({"properties": {long: {"properties": fields}}});
        let total = path_bytes(&schema, u64::MAX).unwrap();
        assert!(total > 100 * 1_000, "{total}");
        assert_eq!(path_bytes(&schema, 100 * 1_000), None);
    }

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

    /// A retriever of no files: the document alone is resolved.
    struct NoFiles;

    impl referencing::Retrieve for NoFiles {
        fn retrieve(
            &self,
            uri: &referencing::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            Err(format!("no file {}", uri.as_str()).into())
        }
    }

    /// [`doubling`] with each level named by `reference(level)`.
    fn doubling_by(levels: usize, reference: impl Fn(usize) -> String) -> Value {
        let mut defs = serde_json::Map::new();
        for level in 0..levels {
            let next = json!({"$ref": reference(level + 1)});
            let anchor = format!("a{level}");
            defs.insert(
                format!("l{level}"),
                json!({"$anchor": anchor, "allOf": [next.clone(), next]}),
            );
        }
        defs.insert(
            format!("l{levels}"),
            json!({"$anchor": format!("a{levels}"), "type": "string"}),
        );
        json!({"$id": "https://example.org/root.json", "$ref": reference(0), "$defs": defs})
    }

    fn resolved(schema: &Value, limit: u64) -> Option<u64> {
        unfolded_size_resolved(schema, limit, None, None, NoFiles)
    }

    #[test]
    fn references_are_followed_as_the_validator_resolves_them() {
        let references: [fn(usize) -> String; 4] = [
            |level| format!("#/$defs/l{level}"),
            |level| format!("#a{level}"),
            |level| format!("#/%24defs/l{level}"),
            |level| format!("https://example.org/root.json#/$defs/l{level}"),
        ];
        for reference in references {
            // The root's reference is one place more than the text count.
            assert_eq!(
                resolved(&doubling_by(1, reference), 100),
                Some(1 + 1 + 2 * (1 + 1))
            );
            assert_eq!(resolved(&doubling_by(40, reference), 1 << 20), None);
        }
        // By their text alone, only pointers are followed.
        assert!(unfolded_size(&doubling_by(40, |level| format!("#a{level}")), 1 << 20).is_some());
    }

    #[test]
    fn a_schema_whose_references_cannot_be_resolved_is_counted_by_their_text() {
        // The validator refuses it with its own message.
        let missing = json!({"$ref": "other.json", "allOf": [{"$ref": "#"}]});
        assert_eq!(resolved(&missing, 100), unfolded_size(&missing, 100));
        assert_eq!(resolved(&doubling(40), 1 << 20), None);
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
