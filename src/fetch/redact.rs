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

/// Where the last status line of an HTTP dump's `head` starts: the head
/// of the response `scan` reads.
fn last_status_line(head: &[u8]) -> usize {
    let line_starts = (head.iter().enumerate())
        .filter(|(_, byte)| **byte == b'\n')
        .map(|(at, _)| at + 1);
    std::iter::once(0)
        .chain(line_starts)
        .rfind(|&at| crate::capture::http::starts_with_status_line(&head[at..]))
        .unwrap_or(0)
}

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

    /// Remove `secret` in every form a server may quote it in: each of its
    /// characters as it is (letters in either case, as header names are
    /// kept), percent-encoded (either case of hex digit), or JSON-escaped
    /// (`\/`, `\u002B`), mixed as they come: a URL encoder leaves some
    /// characters bare and encodes others, and which it leaves differs from
    /// one to the next (`/` by Python's `quote`, `+` and `=` by `encodeURI`).
    /// Every value removed is matched so; this name says why.
    pub fn add_with_forms(&self, secret: &str) {
        self.add(secret);
    }

    /// `text` with every secret and every URL's userinfo replaced by [`MARK`].
    pub fn text(&self, text: &str) -> String {
        let clean = without_userinfo(text);
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        match without_secrets(clean.as_bytes(), &secrets) {
            // A match starts at a character and ends after one (a secret is
            // text, and its encoded forms are ASCII): the rest stays UTF-8.
            Some(replaced) => String::from_utf8(replaced)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            None => clean,
        }
    }

    /// `bytes` (a reply body) with every secret replaced by [`MARK`]; a body
    /// that holds none is returned as it is.
    pub fn bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        match without_secrets(bytes, &secrets) {
            Some(replaced) => Cow::Owned(replaced),
            None => Cow::Borrowed(bytes),
        }
    }

    /// A reply body as it is written: [`Redactor::bytes`], and a body in
    /// gzip (which `scan` inflates, whatever the headers say) redacted in
    /// what it inflates to and compressed again. One that inflates past
    /// `max_bytes` is kept as its first `max_bytes` inflated, as a plain
    /// body past `--max-bytes` is; one damaged part-way is kept as it came
    /// unless what came before the damage holds a secret. A body that is
    /// itself an HTTP dump is redacted in what `scan` decodes its own body
    /// to as well (chunks joined, gzip inflated).
    pub fn body<'a>(&self, bytes: &'a [u8], max_bytes: u64) -> Cow<'a, [u8]> {
        use std::io::Write as _;
        if !bytes.starts_with(&[0x1f, 0x8b]) {
            return match self.dump(bytes, max_bytes) {
                Some(rebuilt) => Cow::Owned(rebuilt),
                None => self.bytes(bytes),
            };
        }
        let mut plain = Vec::new();
        // Damage ends the reading: what came before it is what `scan` shows.
        // Inflated as `scan` inflates, into room that never passes the
        // limit: read to its end, a bomb's room doubled to twice the limit
        // in each of `--concurrency` workers.
        let mut inflated = flate2::read::MultiGzDecoder::new(bytes);
        // Memory that ran short is no damage: the rest was never looked
        // at for a secret, so only what was inflated, redacted, is written.
        let too_large = match crate::capture::read_within(&mut inflated, max_bytes, &mut plain) {
            Ok(over) => over,
            Err(error) => error.kind() == std::io::ErrorKind::OutOfMemory,
        };
        let redacted = match self.dump(&plain, max_bytes) {
            Some(rebuilt) => Cow::Owned(rebuilt),
            None => self.bytes(&plain),
        };
        if matches!(redacted, Cow::Borrowed(_)) && !too_large {
            return Cow::Borrowed(bytes);
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing to a vector cannot fail.
        let _ = gzip.write_all(&redacted);
        Cow::Owned(gzip.finish().unwrap_or_default())
    }

    /// A reply body that is an HTTP dump whose own body `scan` decodes
    /// (`Transfer-Encoding: chunked`, `Content-Encoding: gzip`), rebuilt
    /// decoded and redacted when what it decodes to holds a secret: its
    /// head without the encoding headers, then the decoded body. Redacting
    /// the encoded bytes misses a secret that chunks split or gzip hides,
    /// and `scan` would show it whole. `None` when the body is no such dump
    /// or its decoded body holds no secret.
    fn dump(&self, plain: &[u8], max_bytes: u64) -> Option<Vec<u8>> {
        let dump = crate::capture::http::parse(plain)?;
        let capture = crate::capture::Capture::from_bytes("reply", plain.to_vec(), None, max_bytes);
        // The body is at its place in the dump when nothing was decoded.
        if capture.body_offset.is_some() {
            return None;
        }
        let Cow::Owned(body) = self.bytes(&capture.body) else {
            return None;
        };
        let head = &plain[..dump.body_offset];
        let mut rebuilt = Vec::with_capacity(head.len() + body.len());
        // Only the last response's head is read by `scan`; earlier ones
        // (a redirect, a `100 Continue`) are kept as they are, redacted.
        let last = last_status_line(head);
        rebuilt.extend_from_slice(&head[..last]);
        for line in head[last..].split_inclusive(|&b| b == b'\n') {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            let encoding = [
                &b"transfer-encoding"[..],
                b"content-encoding",
                b"content-length",
            ]
            .iter()
            .any(|header| name.trim_ascii().eq_ignore_ascii_case(header));
            if !encoding {
                rebuilt.extend_from_slice(line);
            }
        }
        let mut rebuilt = self.bytes(&rebuilt).into_owned();
        rebuilt.extend_from_slice(&body);
        Some(rebuilt)
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

/// `haystack` with every spelling of each of `secrets` (longest first)
/// replaced by [`MARK`], or `None` when it holds none. One pass: at each
/// byte that may open a spelling, each secret is tried.
fn without_secrets(haystack: &[u8], secrets: &[Hidden]) -> Option<Vec<u8>> {
    if secrets.is_empty() {
        return None;
    }
    // The bytes a spelling may start with: a secret's first byte in either
    // case, or the start of an escape.
    let mut opens = [false; 256];
    opens[usize::from(b'%')] = true;
    opens[usize::from(b'\\')] = true;
    for secret in secrets {
        if let Some(&first) = secret.0.as_bytes().first() {
            opens[usize::from(first.to_ascii_lowercase())] = true;
            opens[usize::from(first.to_ascii_uppercase())] = true;
        }
    }
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < haystack.len() {
        if !opens[usize::from(haystack[at])] {
            at += 1;
            continue;
        }
        let found =
            (secrets.iter()).find_map(|secret| spelled_at(&haystack[at..], secret.0.as_bytes()));
        match found {
            Some(length) => {
                let out = out.get_or_insert_with(|| Vec::with_capacity(haystack.len()));
                out.extend_from_slice(&haystack[copied..at]);
                out.extend_from_slice(MARK.as_bytes());
                at += length;
                copied = at;
            }
            None => at += 1,
        }
    }
    let mut out = out?;
    out.extend_from_slice(&haystack[copied..]);
    Some(out)
}

/// The length of the text at the start of `text` that spells `secret`,
/// each byte as itself (a letter in either case), as `%XX` (either case),
/// as `\u00XX` (an ASCII character), or, a slash, a quote or a backslash,
/// as JSON escapes it (`\/`, `\"`, `\\`); `None` when it does not.
fn spelled_at(text: &[u8], secret: &[u8]) -> Option<usize> {
    spelled_as(text, secret, false).or_else(|| {
        // A backslash as itself or escaped (`\\`) cannot be told apart
        // byte by byte: the escaped reading is tried whole after the plain.
        secret
            .contains(&b'\\')
            .then(|| spelled_as(text, secret, true))?
    })
}

/// The fewest bytes of a secret that, ending a text, are taken for the
/// start of it: a reply cut by `--max-bytes` or a dropped connection in the
/// middle of an echoed token kept its first part (up to all but one byte)
/// in the capture. Fewer say too little to matter, and a text ending in a
/// few bytes that only happen to begin a secret loses little.
const CUT_SECRET_BYTES: usize = 4;

/// [`spelled_at`], with a backslash of `secret` spelled as JSON escapes it
/// when `escaped` and as itself when not. A text that ends after at least
/// [`CUT_SECRET_BYTES`] of the secret (or in the middle of an escape after
/// them) spells it too, to its end.
fn spelled_as(text: &[u8], secret: &[u8], escaped: bool) -> Option<usize> {
    let mut pos = 0;
    for (spelled, &want) in secret.iter().enumerate() {
        let rest = text.get(pos..)?;
        // The text ends here, or in what begins an escape of `want`.
        if spelled >= CUT_SECRET_BYTES && (rest.is_empty() || spelled_as_cut_escape(rest, want)) {
            return Some(text.len());
        }
        let json_escape = matches!(want, b'/' | b'"') || (escaped && want == b'\\');
        pos += match *rest.first()? {
            got if got.eq_ignore_ascii_case(&want) && !(escaped && want == b'\\') => 1,
            b'%' if hex_byte(rest.get(1..3)?) == Some(want) => 3,
            b'\\' if json_escape && rest.get(1) == Some(&want) => 2,
            b'\\' if rest.get(1..4) == Some(b"u00") && hex_byte(rest.get(4..6)?) == Some(want) => 6,
            _ => return None,
        };
    }
    Some(pos)
}

/// Whether `rest`, the last bytes of a text, is the start of an escape of
/// `want` cut short (`%4`, `\\u00`, a lone `\\`).
fn spelled_as_cut_escape(rest: &[u8], want: u8) -> bool {
    // The longest cut escape is `\\u00X`: anything longer goes on past it,
    // and this is asked at every byte that may begin a secret.
    if rest.len() >= 6 || !matches!(rest.first(), Some(b'%' | b'\\')) {
        return false;
    }
    let hex = format!("{want:02X}");
    let percent = [b"%".as_slice(), hex.as_bytes()].concat();
    let unicode = [b"\\u00".as_slice(), hex.as_bytes()].concat();
    let starts =
        |form: &[u8]| rest.len() < form.len() && form[..rest.len()].eq_ignore_ascii_case(rest);
    starts(&percent) || starts(&unicode) || rest == b"\\"
}

/// The byte that two hex digits (either case) spell.
fn hex_byte(digits: &[u8]) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    match digits {
        &[high, low] => Some(u8::try_from(digit(high)? * 16 + digit(low)?).ok()?),
        _ => None,
    }
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
            // Encoded in part, as URL encoders leave some characters bare.
            "cs=eyJhbGci/OiJIUzI1%2BNiJ9xyzTOKEN%3D%3D",
            "cs=eyJhbGci%2FOiJIUzI1+NiJ9xyzTOKEN==",
            r#"{"t":"eyJhbGci\u002FOiJIUzI1\u002bNiJ9xyzTOKEN\u003D="}"#,
        ] {
            let clean = redactor.text(quoted);
            assert!(clean.contains(MARK), "{quoted} -> {clean}");
            assert!(!clean.to_ascii_lowercase().contains("xyztoken"), "{clean}");
        }
    }

    #[test]
    fn a_dump_reply_is_kept_decoded_when_its_encoded_body_hides_a_secret() {
        let redactor = Redactor::default();
        redactor.add_with_forms("token-abc-123-456");
        let chunked = b"HTTP/1.1 100 Continue\r\nX-Note: transfer-encoding: chunked\r\n\r\nHTTP/1.1 401 No\r\nTransfer-Encoding: chunked\r\nX-Seen: 1\r\nContent-Length: 9\r\n\r\n6\r\ntoken-\r\nb\r\nabc-123-456\r\n0\r\n\r\n";
        let kept = redactor.body(chunked, 1 << 20);
        assert_eq!(
            String::from_utf8_lossy(&kept),
            "HTTP/1.1 100 Continue\r\nX-Note: transfer-encoding: chunked\r\n\r\nHTTP/1.1 401 No\r\nX-Seen: 1\r\n\r\n[redacted]"
        );
        // Decoded bodies with no secret, and dumps with nothing to decode,
        // are kept as they came.
        let clean = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        assert!(matches!(redactor.body(clean, 1 << 20), Cow::Borrowed(_)));
        let plain = b"HTTP/1.1 401 No\r\n\r\nBearer token-abc-123-456";
        assert_eq!(
            &*redactor.body(plain, 1 << 20),
            b"HTTP/1.1 401 No\r\n\r\nBearer [redacted]"
        );
    }

    #[test]
    fn a_text_cut_in_the_middle_of_a_secret_loses_its_start_too() {
        let redactor = Redactor::default();
        redactor.add_with_forms("abcd/efgh+ijklSECRET");
        for (cut, kept) in [
            ("bearer abcd", "bearer "),
            ("bearer abcd/efgh+ijklSECRE", "bearer "),
            ("bearer ABCD%2Fef", "bearer "),
            ("bearer abcd%2", "bearer "),
            ("bearer abcd\\u002", "bearer "),
            ("bearer abcd\\", "bearer "),
            ("bearer abcd\\/efgh", "bearer "),
        ] {
            assert_eq!(redactor.text(cut), format!("{kept}{MARK}"), "{cut}");
        }
        // Three bytes are too few to tell, and a secret's start that the
        // text goes on past is no secret.
        for left in [
            "bearer abc",
            "bearer abcd!",
            "bearer abcd%zz",
            "abcd/efgh and more",
        ] {
            assert_eq!(redactor.text(left), left);
        }
    }

    #[test]
    fn a_secret_with_a_quote_or_a_backslash_is_removed_as_json_escapes_it() {
        let redactor = Redactor::default();
        redactor.add_with_forms(r#"s3cret"quoted\\two-xyzSECRET"#);
        for quoted in [
            r#"s3cret"quoted\\two-xyzSECRET"#,
            r#"{"m":"s3cret\"quoted\\\\two-xyzSECRET"}"#,
            r#"{"m":"s3cret\u0022quoted\u005c\u005Ctwo-xyzSECRET"}"#,
            "s3cret%22quoted%5C%5Ctwo-xyzSECRET",
        ] {
            let clean = redactor.text(quoted);
            assert!(clean.contains(MARK), "{quoted} -> {clean}");
            assert!(!clean.contains("xyzSECRET"), "{clean}");
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
            redactor.bytes(b"ttok tokto to").as_ref(),
            b"t[redacted] [redacted]to to"
        );
        let meta = serde_json::json!({"headers": {"x-tok": ["a tok b", 1]}});
        assert_eq!(
            redactor.json(&meta),
            serde_json::json!({"headers": {"x-[redacted]": ["a [redacted] b", 1]}})
        );
    }
}
