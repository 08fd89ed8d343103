//! The `email` format, checked as jsonschema checks it, faster where it can.
//!
//! jsonschema's own check parses the address in full (display names, quoted
//! local parts, domain literals, punycode labels) and costs thousands of
//! instructions for every address, about a sixth of a scan of a profile
//! that has one. Nearly every address a reply carries is plain: letters,
//! digits and a few marks before the `@`, a host name after it. Those are
//! accepted here with one look at each byte; anything else, valid or not,
//! goes to jsonschema's check, so that the verdict is always its verdict.

use serde_json::Value;
use std::sync::LazyLock;

/// The longest local part (before the `@`) the check accepts, as RFC 5321
/// and jsonschema's check allow.
const MAX_LOCAL_BYTES: usize = 64;
/// The longest host name, and the longest label in it.
const MAX_HOST_BYTES: usize = 253;
const MAX_LABEL_BYTES: usize = 63;

/// Whether `text` is a valid `email`, as jsonschema's built-in check says.
pub fn is_valid_email(text: &str) -> bool {
    is_plain_address(text) || jsonschema_says_valid(text)
}

/// jsonschema's own check, through a validator that has only it.
fn jsonschema_says_valid(text: &str) -> bool {
    static EMAIL: LazyLock<Option<jsonschema::Validator>> = LazyLock::new(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({ "format": "email" }))
            .ok()
    });
    // The schema is fixed: its compilation cannot fail, and if it ever
    // did no address would pass unchecked.
    EMAIL
        .as_ref()
        .is_some_and(|validator| validator.is_valid(&Value::String(text.to_owned())))
}

/// A plain address that jsonschema's check accepts: one `@`; before it,
/// one or more dot-separated runs of letters, digits and the marks RFC 5322
/// allows unquoted, at most 64 bytes; after it, a host name of labels of
/// letters, digits and hyphens (not first or last, nor third and fourth,
/// which would make it an IDNA label), at most 63 bytes each and 253 in
/// all. `false` says only "not plain": such an address may still be valid.
fn is_plain_address(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = memchr::memchr(b'@', bytes) else {
        return false;
    };
    let (local, host) = (&bytes[..at], &bytes[at + 1..]);
    (1..=MAX_LOCAL_BYTES).contains(&local.len())
        && is_dot_atom(local)
        && (1..=MAX_HOST_BYTES).contains(&host.len())
        && is_plain_host(host)
}

/// What a byte may be in a plain address.
const ATEXT: u8 = 1;
const HOST: u8 = 2;

/// [`ATEXT`] and [`HOST`] for each byte: RFC 5322's `atext` in ASCII, and
/// a host name's letters, digits and hyphen.
const CLASSES: [u8; 256] = {
    let mut classes = [0; 256];
    let mut byte = 0;
    while byte < 128 {
        let b = byte as u8;
        if b.is_ascii_alphanumeric() || b == b'-' {
            classes[byte] = ATEXT | HOST;
        } else if matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        ) {
            classes[byte] = ATEXT;
        }
        byte += 1;
    }
    classes
};

/// Runs of `atext` joined by single dots, none empty.
fn is_dot_atom(local: &[u8]) -> bool {
    let mut after_dot = true;
    for &b in local {
        if b == b'.' {
            if after_dot {
                return false;
            }
            after_dot = true;
        } else if CLASSES[usize::from(b)] & ATEXT != 0 {
            after_dot = false;
        } else {
            return false;
        }
    }
    !after_dot
}

/// Labels of letters, digits and hyphens joined by dots: none empty or
/// longer than 63 bytes, none starting or ending with a hyphen, none with
/// the `--` at the third byte that marks a label for IDNA (jsonschema
/// decodes those).
fn is_plain_host(host: &[u8]) -> bool {
    host.split(|&b| b == b'.').all(|label| {
        let (Some(&first), Some(&last)) = (label.first(), label.last()) else {
            return false;
        };
        label.len() <= MAX_LABEL_BYTES
            && first != b'-'
            && last != b'-'
            && label.get(2..4) != Some(b"--")
            && label.iter().all(|&b| CLASSES[usize::from(b)] & HOST != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_addresses_are_accepted_at_a_glance_and_the_rest_asked() {
        for plain in [
            "john.doe@example.com",
            "a@b",
            "o'hara+tag@mail-1.example.co.uk",
            "x@1.2.3.4",
        ] {
            assert!(is_plain_address(plain), "{plain}");
            assert!(jsonschema_says_valid(plain), "{plain}");
        }
        // Valid, but not plain: jsonschema decides.
        for asked in [
            "\"john doe\"@example.com",
            "user@[127.0.0.1]",
            "user@xn--bcher-kva.example",
        ] {
            assert!(!is_plain_address(asked), "{asked}");
            assert!(is_valid_email(asked), "{asked}");
        }
        for invalid in [
            "",
            "@example.com",
            "john..doe@example.com",
            "john@",
            "john@-example.com",
            "john@example.com.",
            "john@ab--cd.com",
            "a@b@c",
            "john doe@example.com",
        ] {
            assert!(!is_plain_address(invalid), "{invalid}");
            assert!(!is_valid_email(invalid), "{invalid}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(!is_plain_address(&long_local));
        assert!(!is_valid_email(&long_local));
    }

    /// Text near the plain form: the characters that matter to either check,
    /// in runs of lengths around the bounds.
    fn address_like() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => "[a-z0-9]{1,8}",
            1 => "[a-zA-Z0-9.@'+_~-]{1,4}",
            1 => "[\\- .@\"\\[\\]<>()é]",
            1 => "x{60,66}",
            1 => Just("xn--".to_owned()),
        ];
        prop::collection::vec(piece, 1..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// What the quick look accepts, jsonschema's check accepts, so that
        /// the verdict is always jsonschema's.
        #[test]
        fn a_plain_address_is_one_jsonschema_accepts(text in address_like()) {
            if is_plain_address(&text) {
                prop_assert!(jsonschema_says_valid(&text), "{text}");
            }
            prop_assert_eq!(is_valid_email(&text), jsonschema_says_valid(&text));
        }
    }
}
