//! The one redaction step of `fetch`: every text that leaves it (messages,
//! sidecars, capture bodies, a panic's message) goes through a [`Redactor`],
//! which removes the client secret, the HTTP Basic value built from it, every
//! access token issued so far, and the user name and password of any URL.
//! Servers and URLs are not trusted to keep these to themselves: a login
//! service may quote the credentials in its `error_description`, a gateway may
//! echo the `Authorization` header in an error body.

use super::credentials::Credentials;
use base64::Engine as _;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, RwLock};

/// What a removed value is replaced with.
pub const MARK: &str = "[redacted]";

/// The shortest client secret or access token dapa accepts. Each is removed
/// wherever it appears in what dapa writes; a short one would also be found
/// inside ordinary text (a token `1` made `"count": 10` read
/// `"count": [redacted]0`, and the sidecar's own fields unreadable to the
/// next run). Genesys Cloud's client secrets are 43 characters, its tokens
/// longer.
pub const SHORTEST_SECRET: usize = 16;

/// Why `value`, a `what` (secret, token), is too short for dapa to remove
/// it from what it writes, worded to follow "is" or "a token"; `None`
/// when it is long enough.
pub fn too_short_to_remove(what: &str, value: &str) -> Option<String> {
    let length = value.chars().count();
    (length < SHORTEST_SECRET).then(|| {
        format!(
            "only {length} characters long; dapa removes the {what} from everything it writes, and needs one of at least {SHORTEST_SECRET} so as not to remove ordinary text with it"
        )
    })
}

/// The values to remove, shared by every worker and the token cache (which
/// adds each token it receives before anyone can print it).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<Hidden>>>,
}

/// One value to remove; its `Debug` form does not show it.
#[derive(Clone, PartialEq, Eq)]
struct Hidden(String);

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Redactor {
    /// A redactor for these credentials. The user name and password of a
    /// URL the user typed are not searched for, as a short one would be
    /// found inside other words: every URL is shown without its userinfo,
    /// cut by position ([`Redactor::text`], and the URL checks of `fetch`),
    /// and only that form is sent anywhere.
    pub fn new(credentials: Option<&Credentials>) -> Redactor {
        let redactor = Redactor::default();
        if let Some(credentials) = credentials {
            let secret = credentials.client_secret.expose();
            redactor.add_with_forms(secret);
            let pair = format!("{}:{secret}", credentials.client_id);
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE,
            ] {
                redactor.add(&engine.encode(&pair));
            }
        }
        redactor
    }

    /// Remove `secret` from everything from now on (an issued token).
    pub fn add(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        if secrets.iter().all(|known| known.0 != secret) {
            secrets.push(Hidden(secret.to_owned()));
            // Longest first: a value that holds another is removed whole.
            secrets.sort_by_key(|known| std::cmp::Reverse(known.0.len()));
        }
    }

    /// Remove `secret` and the forms a server may quote it in: URL and form
    /// encoded (either case of hex digit), with its slashes escaped as JSON
    /// may write them (`\/`), and in lower case (as header names are kept).
    pub fn add_with_forms(&self, secret: &str) {
        let forms = [
            secret.to_owned(),
            secret.replace('/', "\\/"),
            secret.to_ascii_lowercase(),
            percent_encoded(secret, HexCase::Upper),
            percent_encoded(secret, HexCase::Lower),
        ];
        for form in &forms {
            self.add(form);
        }
    }

    /// `text` with every secret and every URL's userinfo replaced by [`MARK`].
    pub fn text(&self, text: &str) -> String {
        let mut clean = without_userinfo(text);
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        for secret in secrets.iter() {
            if clean.contains(&secret.0) {
                clean = clean.replace(&secret.0, MARK);
            }
        }
        clean
    }

    /// `bytes` (a reply body) with every secret replaced by [`MARK`]; a body
    /// that holds none is returned as it is.
    pub fn bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut clean = Cow::Borrowed(bytes);
        for secret in secrets.iter() {
            if let Some(replaced) = replace_bytes(&clean, secret.0.as_bytes(), MARK.as_bytes()) {
                clean = Cow::Owned(replaced);
            }
        }
        clean
    }

    /// `value` with every string (keys too) redacted, taken apart rather
    /// than copied: a definition may be many megabytes.
    pub fn into_json(&self, value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.text(&text)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.into_json(v)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(key, v)| (self.text(&key), self.into_json(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// `value` with every string (keys too) redacted, for sidecars (which
    /// are small: the copy costs little).
    pub fn json(&self, value: &Value) -> Value {
        self.into_json(value.clone())
    }
}

/// Mask the literal credentials among the request headers of a Data Action
/// definition (`config.request.headers`), in place, and say how many values
/// were masked. A header is a credential by its name (`Authorization`,
/// `Cookie`, or a name holding `token`, `secret`, `key`, `password` or
/// `auth`) or by its value (`Bearer ...`, `Basic ...`); its value is kept
/// when it holds nothing but placeholders (`${credentials.token}`,
/// `Bearer $!{credentials.key}`), which Genesys Cloud resolves when it
/// runs the action, and masked whole when anything literal is left.
pub fn mask_definition_headers(definition: &mut Value) -> usize {
    let Some(Value::Object(headers)) = definition.pointer_mut("/config/request/headers") else {
        return 0;
    };
    let mut masked = 0;
    for (name, value) in headers.iter_mut() {
        let Value::String(text) = value else { continue };
        let credential = is_credential_header(name) || scheme_rest(text).is_some();
        if credential && has_literal_credential(text) {
            *value = Value::String(MARK.to_owned());
            masked += 1;
        }
    }
    masked
}

/// Whether a header's name says it carries a credential.
fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie"
    ) || ["token", "secret", "key", "password", "auth"]
        .iter()
        .any(|word| name.contains(word))
}

/// What follows an HTTP authentication scheme at the start of a value.
fn scheme_rest(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim_start().split_once(' ')?;
    ["bearer", "basic", "token", "digest"]
        .iter()
        .any(|known| scheme.eq_ignore_ascii_case(known))
        .then_some(rest)
}

/// Whether a credential header's value holds anything but placeholders
/// (`${...}`, `$!{...}`) after its scheme.
fn has_literal_credential(value: &str) -> bool {
    let mut rest = scheme_rest(value).unwrap_or(value);
    loop {
        rest = rest.trim_start();
        let Some(inner) = rest.strip_prefix("${").or_else(|| rest.strip_prefix("$!{")) else {
            return !rest.is_empty();
        };
        let Some(end) = inner.find('}') else {
            return true;
        };
        rest = &inner[end + 1..];
    }
}

/// `haystack` with every `needle` replaced, or `None` when there is none.
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    let (&first, _) = needle.split_first()?;
    // Look for the first byte in a tight loop, and compare only there: a
    // body of many megabytes is scanned once per secret.
    let found = |mut from: usize| loop {
        let at = from + haystack.get(from..)?.iter().position(|&b| b == first)?;
        if haystack.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    };
    let mut at = found(0)?;
    let mut out = Vec::with_capacity(haystack.len());
    let mut from = 0;
    loop {
        out.extend_from_slice(&haystack[from..at]);
        out.extend_from_slice(with);
        from = at + needle.len();
        match found(from) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(&haystack[from..]);
    Some(out)
}

/// Every byte but the unreserved ones as `%XX`.
/// The case of the hex digits of a percent-encoding: RFC 3986 prefers
/// upper case, and servers write either.
#[derive(Clone, Copy)]
enum HexCase {
    Upper,
    Lower,
}

fn percent_encoded(text: &str, case: HexCase) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                match case {
                    HexCase::Upper => format!("%{b:02X}"),
                    HexCase::Lower => format!("%{b:02x}"),
                }
            }
        })
        .collect()
}

/// The end of a URL's authority (`host:port`, with any userinfo) in `rest`,
/// the text after `://`.
fn authority_end(rest: &str) -> usize {
    rest.find(|c: char| {
        matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace()
    })
    .unwrap_or(rest.len())
}

/// `text` with the userinfo of every URL in it replaced by [`MARK`].
fn without_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = authority_end(after);
        match after[..end].rsplit_once('@') {
            Some((_, host)) => {
                out.push_str(MARK);
                out.push('@');
                out.push_str(host);
            }
            None => out.push_str(&after[..end]),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::credentials::Secret;

    fn redactor() -> Redactor {
        let credentials = Credentials {
            client_id: "client-1".to_owned(),
            client_secret: Secret::new("s3cr3t/+=value"),
        };
        Redactor::new(Some(&credentials))
    }

    #[test]
    fn secrets_tokens_and_userinfo_are_removed_from_text() {
        let redactor = redactor();
        redactor.add("token-abc-123");
        let basic = base64::engine::general_purpose::STANDARD.encode("client-1:s3cr3t/+=value");
        let text = format!(
            "client client-1 secret s3cr3t/+=value (s3cr3t%2F%2B%3Dvalue) Basic {basic}; bearer token-abc-123 at http://u:p@10.0.0.1:8/x and https://dapa-user:pass-9931@login.example/oauth"
        );
        let clean = redactor.text(&text);
        for gone in [
            "s3cr3t",
            &basic,
            "token-abc-123",
            "u:p@",
            "pass-9931",
            "dapa-user",
        ] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        assert!(
            clean.contains("client client-1 secret [redacted]"),
            "{clean}"
        );
        assert!(clean.contains("http://[redacted]@10.0.0.1:8/x"), "{clean}");
        assert_eq!(redactor.text("nothing here"), "nothing here");
    }

    #[test]
    fn a_token_is_removed_in_the_forms_a_server_may_quote_it() {
        let redactor = Redactor::default();
        redactor.add_with_forms("eyJhbGci/OiJIUzI1+NiJ9xyzTOKEN==");
        for quoted in [
            "Bearer eyJhbGci/OiJIUzI1+NiJ9xyzTOKEN==",
            r#"{"received":"Bearer eyJhbGci\/OiJIUzI1+NiJ9xyzTOKEN=="}"#,
            "t=Bearer%20eyJhbGci%2FOiJIUzI1%2BNiJ9xyzTOKEN%3D%3D",
            "t=eyJhbGci%2fOiJIUzI1%2bNiJ9xyzTOKEN%3d%3d",
            "x-eyjhbgci/oijiuzi1+nij9xyztoken==: 1",
        ] {
            let clean = redactor.text(quoted);
            assert!(clean.contains(MARK), "{quoted} -> {clean}");
            assert!(!clean.to_ascii_lowercase().contains("xyztoken"), "{clean}");
        }
    }

    #[test]
    fn literal_credentials_in_definition_headers_are_masked() {
        let mut definition = serde_json::json!({"config": {"request": {"headers": {
            "Authorization": "Bearer ${credentials.token}",
            "X-Api-Key": "$!{credentials.apiKey}",
            "Proxy-Authorization": "Basic dXNlcjpwYXNz",
            "X-Session-Token": "abc123",
            "X-Forward": "Bearer eyJhbGciOi",
            "Mixed": "Bearer ${credentials.a}literal",
            "Content-Type": "application/json",
            "Accept-Language": "${input.language}",
            "Count": 3
        }}}});
        assert_eq!(mask_definition_headers(&mut definition), 4);
        let headers = &definition["config"]["request"]["headers"];
        assert_eq!(headers["Authorization"], "Bearer ${credentials.token}");
        assert_eq!(headers["X-Api-Key"], "$!{credentials.apiKey}");
        for masked in [
            "Proxy-Authorization",
            "X-Session-Token",
            "X-Forward",
            "Mixed",
        ] {
            assert_eq!(headers[masked], MARK, "{masked}");
        }
        assert_eq!(headers["Content-Type"], "application/json");
        assert_eq!(headers["Accept-Language"], "${input.language}");
        assert_eq!(
            mask_definition_headers(&mut serde_json::json!({"config": 1})),
            0
        );
    }

    #[test]
    fn bodies_and_sidecars_are_redacted() {
        let redactor = redactor();
        redactor.add("tok");
        assert_eq!(
            redactor
                .bytes(b"{\"echo\":\"Bearer tok\",\"x\":\"tok\"}")
                .as_ref(),
            b"{\"echo\":\"Bearer [redacted]\",\"x\":\"[redacted]\"}"
        );
        assert!(matches!(redactor.bytes(b"clean"), Cow::Borrowed(_)));
        assert_eq!(
            replace_bytes(b"ttok tokto", b"tok", b"#").as_deref(),
            Some(&b"t# #to"[..])
        );
        assert_eq!(replace_bytes(b"to", b"tok", b"#"), None);
        let meta = serde_json::json!({"headers": {"x-tok": ["a tok b", 1]}});
        assert_eq!(
            redactor.json(&meta),
            serde_json::json!({"headers": {"x-[redacted]": ["a [redacted] b", 1]}})
        );
    }
}
