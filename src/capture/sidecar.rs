//! Sidecars: `NAME.meta.json` beside a body file, as `dapa fetch` writes them,
//! carrying what the body alone cannot say (status, headers, capture time).

use serde_json::Value;
use std::path::Path;

/// What is known about a capture besides its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The HTTP status code.
    pub status: Option<u16>,
    /// Response headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// When it was captured (RFC 3339).
    pub captured_at: Option<String>,
    /// The Data Action id.
    pub action_id: Option<String>,
    /// `execute`, `test` or `draft-test`.
    pub endpoint: Option<String>,
    /// A chunked transfer that stopped after a whole chunk, without its
    /// last (empty) chunk: the transfer, not the sender, cut the body.
    pub cut_at_chunk_end: bool,
}

impl Meta {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Read the fields of a sidecar document; unknown fields are ignored.
    pub fn from_json(value: &Value) -> Result<Meta, String> {
        let Value::Object(fields) = value else {
            return Err("a sidecar must be a JSON object".to_owned());
        };
        let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
        let status = match fields.get("status") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        };
        let mut headers = Vec::new();
        if let Some(Value::Object(map)) = fields.get("headers") {
            for (name, value) in map {
                let name = name.to_ascii_lowercase();
                match value {
                    Value::String(s) => headers.push((name, s.clone())),
                    Value::Array(items) => headers.extend(
                        items
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|s| (name.clone(), s.to_owned())),
                    ),
                    Value::Number(n) => headers.push((name, n.to_string())),
                    _ => {}
                }
            }
        }
        Ok(Meta {
            status,
            headers,
            captured_at: text("captured_at"),
            action_id: text("action_id"),
            endpoint: text("endpoint"),
            cut_at_chunk_end: false,
        })
    }
}

/// Read and parse a sidecar file; the error says what is wrong with it.
pub fn read(path: &Path) -> Result<Meta, String> {
    let shown = path.display();
    // A sidecar is found by its name alone: it may be a FIFO, a link to a
    // device or a huge file that nobody meant as one.
    let bytes = crate::input::read_limited(path, crate::input::SIDECAR_LIMIT)
        .map_err(|e| format!("sidecar {shown} cannot be read: {e}"))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("sidecar {shown} is not valid JSON: {e}"))?;
    Meta::from_json(&value).map_err(|e| format!("sidecar {shown}: {e}"))
}

/// Whether a file name is a sidecar (never a capture of its own). Taken as
/// bytes, as a folder walk lists it, or as text.
pub fn is_sidecar_name(name: impl AsRef<[u8]>) -> bool {
    name.as_ref().ends_with(SUFFIX.as_bytes())
}

/// How a sidecar's name ends.
pub const SUFFIX: &str = ".meta.json";

/// The sidecar of a capture file, found by looking beside it (for a file
/// named on its own; a walk matches sidecars among the names it listed).
pub fn beside(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.as_encoded_bytes();
    candidate_names(name)
        .into_iter()
        .map(|candidate| path.with_file_name(super::source::name_of(&candidate)))
        .find(|candidate| candidate.is_file())
}

/// The sidecar names that may belong to a capture file name, best first:
/// `STEM.EXT.meta.json`, then `STEM.meta.json` (also with `.gz` taken off).
/// Names are bytes, as the folder lists them: a name that is not UTF-8 has
/// its own sidecar, never one of a name that reads alike.
pub fn candidate_names(name: &[u8]) -> Vec<Vec<u8>> {
    let with_suffix = |stem: &[u8]| [stem, SUFFIX.as_bytes()].concat();
    let mut names = vec![with_suffix(name)];
    let plain = name.strip_suffix(b".gz").unwrap_or(name);
    if plain.len() != name.len() {
        names.push(with_suffix(plain));
    }
    if let Some(dot) = memchr::memrchr(b'.', plain)
        && dot > 0
    {
        names.push(with_suffix(&plain[..dot]));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fetch_sidecars() {
        let value = serde_json::json!({
            "status": 429,
            "headers": {"Retry-After": "12", "Set-Cookie": ["a", "b"]},
            "captured_at": "2026-11-20T09:12:03Z",
            "action_id": "custom_-_1",
            "endpoint": "execute",
            "inputs": {"id": "x"}
        });
        let meta = Meta::from_json(&value).unwrap();
        assert_eq!(meta.status, Some(429));
        assert_eq!(meta.header("retry-after"), Some("12"));
        assert_eq!(meta.headers.len(), 3);
        assert_eq!(meta.endpoint.as_deref(), Some("execute"));
        assert!(Meta::from_json(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn candidates() {
        let names = |name: &[u8]| -> Vec<String> {
            (candidate_names(name).iter())
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect()
        };
        assert_eq!(
            names(b"000001.body"),
            ["000001.body.meta.json", "000001.meta.json"]
        );
        assert_eq!(
            names(b"a.json.gz"),
            ["a.json.gz.meta.json", "a.json.meta.json", "a.meta.json"]
        );
        assert_eq!(names(b"noext"), ["noext.meta.json"]);
        assert_eq!(names(b".hidden"), [".hidden.meta.json"]);
        assert_eq!(candidate_names(b"a\xff.json")[0], b"a\xff.json.meta.json");
        assert!(is_sidecar_name("000001.meta.json"));
    }
}
