//! The envelope layer: recognise what wraps the payload, by its shape.
//!
//! `execute` returns the output contract directly; `test` and `draft/test`
//! wrap it in a `TestExecutionResult`; the original debugging scripts used a
//! `{result, errors, warnings}` wrapper (the `seed` envelope). Error bodies
//! come in two Genesys key styles and as RFC 7807 problem details from
//! Cognigy, whatever endpoint was called.

use crate::capture::Meta;
use crate::finding::{Code, Finding};
use crate::profile::EnvelopeKind;
use serde_json::{Map, Value};

/// The shape that was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// The body is the payload.
    Execute,
    /// A `TestExecutionResult`; the payload is `finalResult`.
    Test,
    /// `{result, errors, warnings}`; the payload is `result`.
    Seed,
    /// A Genesys error body; no payload.
    ErrorBody,
    /// An RFC 7807 body; no payload.
    ProblemDetails,
}

/// What the envelope layer found.
#[derive(Debug, Clone)]
pub struct EnvelopeOutcome {
    /// The shape.
    pub envelope: Envelope,
    /// Findings, located by JSON pointer.
    pub findings: Vec<Finding>,
    /// Pointer to the payload within the document, when there is one.
    pub payload: Option<String>,
    /// The seconds an error body's message asks to wait before a retry
    /// (`Retry after [60] seconds`), for the E03 of a recorded 429 that
    /// has no `Retry-After` header.
    pub asked_wait: Option<u64>,
}

/// Most characters of a message quoted from a body.
const QUOTE_LIMIT: usize = 160;

/// `text` in quotes with its runs of white space made one space, cut after
/// [`QUOTE_LIMIT`] characters. Only what is shown is read: an error text
/// may be a whole stack trace.
fn quote(text: &str) -> String {
    let mut shown = String::with_capacity(QUOTE_LIMIT + 8);
    shown.push('"');
    let mut count = 0;
    // White space read since the last character shown: one space, shown
    // only before the next word (none before the first or after the last).
    let mut space = false;
    let mut cut = false;
    // One pass over the characters, without taking the text apart into
    // words: a message quotes several of these per error body.
    for c in text.chars() {
        if c.is_whitespace() {
            space = count > 0;
            continue;
        }
        // Cut as the flattened text would be: a space can be the last
        // character shown.
        if space {
            if count == QUOTE_LIMIT {
                cut = true;
                break;
            }
            shown.push(' ');
            count += 1;
            space = false;
        }
        if count == QUOTE_LIMIT {
            cut = true;
            break;
        }
        shown.push(c);
        count += 1;
    }
    if cut {
        shown.push('…');
    }
    shown.push('"');
    shown
}

/// How messages show the texts of an envelope or error body (its error
/// messages, a problem's title and detail). Genesys writes the backend's
/// reply into its error message (`Response from web service: {...}`), so
/// the text may echo what the profile marks secret.
#[derive(Debug, Clone, Copy)]
pub enum Texts<'a> {
    /// Quoted as they are (`--show-secrets`).
    Verbatim,
    /// Quoted, cut short, with credentials in them masked (a JWT, a token
    /// after `Bearer`).
    Quoted,
    /// Quoted, with the value after each key this shape marks secret
    /// masked: a profile that marks some fields secret.
    Masked(&'a crate::secret::SecretKeys),
    /// Not at all: a secure action's body, secret as a whole, or a profile
    /// whose secrets cannot be told by their keys' names.
    Hidden,
}

/// What a message says in place of a text it does not show.
const NOT_SHOWN: &str = "(not shown: it may echo a secret)";

impl Texts<'_> {
    /// `text` as a message may show it, its secrets masked; `None` when
    /// it is not shown at all.
    fn shown(self, text: &str) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Texts::Verbatim => Some(std::borrow::Cow::Borrowed(text)),
            Texts::Quoted => Some(crate::secret::mask_credentials(text)),
            Texts::Hidden => None,
            Texts::Masked(keys) => {
                // A secret under a key the schema does not name (a map's
                // values) cannot be found in text.
                (!keys.unnamed).then(|| {
                    let masked = crate::secret::mask_under_keys(text, &keys.names);
                    std::borrow::Cow::Owned(crate::secret::mask_credentials(&masked).into_owned())
                })
            }
        }
    }

    /// `text` as a message shows it.
    fn quote(self, text: &str) -> String {
        self.shown(text)
            .map_or_else(|| NOT_SHOWN.to_owned(), |text| quote(&text))
    }

    /// Whether a message may name what the body names (a rate limit's key).
    fn names_shown(self) -> bool {
        !matches!(self, Texts::Hidden)
    }

    /// A member that names the failure (a status, a step's number), as a
    /// message shows it: a string as it is, anything else as JSON; in a
    /// secure action's body, an object or array there is text, not shown.
    fn scalar(self, value: &Value) -> String {
        match (self, value) {
            (_, Value::String(text)) => text.clone(),
            (Texts::Hidden, Value::Object(_) | Value::Array(_)) => "(not shown)".to_owned(),
            (_, other) => other.to_string(),
        }
    }
}

/// `finding` of a body written from a backend's reply under a profile that
/// marks secrets (a secure action's replay output): what kind of body it
/// is, none of its fields; grouped by that message alone.
pub fn withheld(finding: Finding) -> Finding {
    let kind = match finding.code {
        Code::E01 => "the output is a Genesys error body",
        Code::E02 => "the output is a failed test result",
        Code::E03 => "the output is a rate-limit error",
        Code::E04 => "the output's envelope holds no payload",
        Code::E05 => "the output's envelope lists errors",
        Code::E06 => "the output is a problem-details body",
        _ => "the output is an error",
    };
    let message = format!(
        "{kind}; its fields are not shown: the action marks secrets, and the output is \
         written from the backend's reply"
    );
    Finding {
        message,
        signature_detail: None,
        ..finding
    }
}

/// Findings that the recorded status alone gives, whatever the body is (E03 on
/// an HTTP 429).
pub fn check_status(meta: &Meta) -> Vec<Finding> {
    if meta.status == Some(429) {
        let mut message = "rate limited: HTTP 429".to_owned();
        if let Some(after) = meta.header("retry-after") {
            // Seconds, or an HTTP date (RFC 9110), which takes no unit.
            let after = after.trim();
            if !after.is_empty() && after.bytes().all(|b| b.is_ascii_digit()) {
                message.push_str(&format!("; Retry-After {after} s"));
            } else {
                message.push_str(&format!("; Retry-After {after}"));
            }
        }
        return vec![Finding::new(Code::E03, message).grouped_by("HTTP 429")];
    }
    Vec::new()
}

/// Recognise the envelope of a parsed document. `expected` is the envelope
/// the capture's profile names, if any: a `seed` profile takes `{"result":..}`
/// alone as its envelope too.
pub fn check(root: &Value, meta: &Meta, expected: Option<EnvelopeKind>) -> EnvelopeOutcome {
    check_showing(root, meta, expected, Texts::Quoted)
}

/// [`check`], with the body's texts shown in messages as `texts` says.
pub fn check_showing(
    root: &Value,
    meta: &Meta,
    expected: Option<EnvelopeKind>,
    texts: Texts<'_>,
) -> EnvelopeOutcome {
    let mut findings = Vec::new();
    let mut asked_wait = None;
    let named = match root {
        Value::Object(fields) => Named::of(fields),
        _ => Named::default(),
    };
    let (envelope, payload) = match root {
        Value::Object(fields) if named.success && is_test_result(fields, meta, expected) => {
            test_result(fields, &mut findings, texts)
        }
        Value::Object(fields) if named.seed && is_seed(fields, expected) => {
            seed(fields, &mut findings, texts)
        }
        Value::Object(fields) if named.error_body && is_error_body(fields, meta) => {
            findings.push(
                Finding::new(Code::E01, describe_error_body(fields, texts))
                    .at_pointer("")
                    .grouped_by(error_signature(fields, texts)),
            );
            asked_wait = retry_seconds(fields);
            // A recorded 429 has its E03 already (`check_status`).
            let stated_429 = matches!(stated_status(fields), Stated::Status(429));
            let code = rate_limit_code(fields);
            if (code.is_some() || stated_429) && meta.status != Some(429) {
                let (mut message, named) = match code {
                    Some(code) => (
                        format!("rate limited: error code {code}"),
                        format!("code {code}"),
                    ),
                    None => (
                        "rate limited: the body's status is 429".to_owned(),
                        "status 429".to_owned(),
                    ),
                };
                if let Some(seconds) = asked_wait {
                    message.push_str(&format!("; retry in {seconds} s"));
                }
                findings.push(
                    Finding::new(Code::E03, message)
                        .at_pointer("")
                        .grouped_by(limit_signature(fields, named, texts)),
                );
            }
            (Envelope::ErrorBody, None)
        }
        Value::Object(fields) if named.problem && is_problem_details(fields, meta) => {
            findings.push(Finding::new(Code::E06, describe_problem(fields, texts)).at_pointer(""));
            if matches!(stated_status(fields), Stated::Status(429)) && meta.status != Some(429) {
                findings.push(
                    Finding::new(Code::E03, "rate limited: the problem's status is 429")
                        .at_pointer("")
                        .grouped_by("status 429"),
                );
            }
            (Envelope::ProblemDetails, None)
        }
        Value::Null => {
            findings.push(Finding::new(Code::E04, "the body is null").at_pointer(""));
            (Envelope::Execute, None)
        }
        _ => (Envelope::Execute, Some(String::new())),
    };
    EnvelopeOutcome {
        envelope,
        findings,
        payload,
        asked_wait,
    }
}

/// Whether [`check`] reads an object with these top-level keys as a
/// payload, with no finding, whatever the values: it has none of the keys
/// that any other envelope needs.
pub fn is_payload_by_keys<'k>(keys: impl IntoIterator<Item = &'k str>) -> bool {
    let named = Named::of_keys(keys);
    !(named.success || named.seed || named.error_body || named.problem)
}

/// Which envelopes a body's top-level keys leave possible: the key each
/// test below cannot do without, found in one pass over the keys. Most
/// bodies are payloads with none of them, and a map looked up for each
/// missing key costs a walk of its keys every time.
#[derive(Debug, Default)]
struct Named {
    /// `success`: a test result.
    success: bool,
    /// `result`, `errors` or `warnings`: a seed envelope.
    seed: bool,
    /// `message` and `code`, or `errorCode`: an error body.
    error_body: bool,
    /// `title` or `detail`: problem details.
    problem: bool,
}

impl Named {
    fn of(fields: &Map<String, Value>) -> Named {
        Named::of_keys(fields.keys().map(String::as_str))
    }

    fn of_keys<'k>(keys: impl IntoIterator<Item = &'k str>) -> Named {
        let (mut named, mut message, mut code) = (Named::default(), false, false);
        for key in keys {
            match key {
                "success" => named.success = true,
                "result" | "errors" | "warnings" => named.seed = true,
                "message" => message = true,
                "code" => code = true,
                "errorCode" => named.error_body = true,
                "title" | "detail" => named.problem = true,
                _ => {}
            }
        }
        named.error_body |= message && code;
        named
    }
}

/// Whether a body is a `TestExecutionResult`: a boolean `success` beside
/// the steps or the final result. Where the profile or the sidecar says
/// the test endpoint answered, `success` alone is enough when the body
/// has no member a `TestExecutionResult` lacks: a trace saved through an
/// SDK may have lost its empty or null members, but an error body that
/// also says `"success": false` is the request refused, not a run.
/// Otherwise a failed run with neither (`{"error":{..},"success":false}`)
/// is one only when its `error` is a Genesys error body.
fn is_test_result(
    fields: &Map<String, Value>,
    meta: &Meta,
    expected: Option<EnvelopeKind>,
) -> bool {
    let Some(Value::Bool(success)) = fields.get("success") else {
        return false;
    };
    let tested = expected == Some(EnvelopeKind::Test)
        || matches!(meta.endpoint.as_deref(), Some("test" | "draft-test"));
    let trace_members_only = || {
        fields.keys().all(|key| {
            matches!(
                key.as_str(),
                "operations" | "error" | "finalResult" | "success"
            )
        })
    };
    let failed_run = || {
        !success
            && (fields.get("error").and_then(Value::as_object))
                .is_some_and(|error| is_error_body(error, &Meta::default()))
    };
    fields.get("operations").is_some_and(Value::is_array)
        || fields.contains_key("finalResult")
        || (trace_members_only() && (tested || failed_run()))
}

fn test_result(
    fields: &Map<String, Value>,
    findings: &mut Vec<Finding>,
    texts: Texts<'_>,
) -> (Envelope, Option<String>) {
    if fields.get("success") == Some(&Value::Bool(false)) {
        findings.push(
            Finding::new(Code::E02, describe_failed_test(fields, texts))
                .at_pointer("")
                .grouped_by(failing_step(fields, texts)),
        );
        return (Envelope::Test, None);
    }
    match fields.get("finalResult") {
        None | Some(Value::Null) => {
            findings.push(
                Finding::new(
                    Code::E04,
                    "the test succeeded but finalResult is null or absent",
                )
                .at_pointer("/finalResult"),
            );
            (Envelope::Test, None)
        }
        Some(_) => (Envelope::Test, Some("/finalResult".to_owned())),
    }
}

/// The operation of a failed test that failed, if it names one.
fn failing_operation(fields: &Map<String, Value>) -> Option<&Value> {
    fields
        .get("operations")
        .and_then(Value::as_array)
        .and_then(|operations| {
            operations
                .iter()
                .find(|op| op.get("success") == Some(&Value::Bool(false)))
        })
}

/// E02's signature: the step that failed, by number and name.
fn failing_step(fields: &Map<String, Value>, texts: Texts<'_>) -> String {
    match failing_operation(fields) {
        Some(operation) => {
            let step = (operation.get("step")).map_or("?".to_owned(), |step| match step {
                // A step's number, as written.
                Value::String(_) => step.to_string(),
                _ => texts.scalar(step),
            });
            let name = operation
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("unnamed");
            format!("step {step} \"{name}\"")
        }
        None => "no failing step named".to_owned(),
    }
}

/// E01's signature: status, code, the detail codes (such as
/// `ACTION.AUTHENTICATION`) and the message with what varies normalised.
fn error_signature(fields: &Map<String, Value>, texts: Texts<'_>) -> String {
    let status = (fields.get("status")).map_or_else(String::new, |status| texts.scalar(status));
    let code = error_code(fields).unwrap_or_default();
    let details = detail_error_codes(fields).unwrap_or_default();
    let message = match error_text(fields).map(|text| texts.shown(text)) {
        Some(Some(text)) => crate::signature::normalise(&text),
        Some(None) => "(message not shown)".to_owned(),
        None => String::new(),
    };
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(", details {details}")
    };
    format!("status {status}, code {code}{details}: {message}")
}

/// E03's signature: the limit the body names (`limit.key`, as in
/// `actions.concurrent.executions.max`), else `named` (the error code, or
/// the status that says it).
fn limit_signature(fields: &Map<String, Value>, named: String, texts: Texts<'_>) -> String {
    // A secure action's body: its limit is known by the error code alone.
    let limit = (fields.get("limit").and_then(Value::as_object)).filter(|_| texts.names_shown());
    match limit.and_then(|limit| text(limit, "key")) {
        Some(key) => {
            let namespace = limit.and_then(|limit| text(limit, "namespace"));
            match namespace {
                Some(namespace) => format!("limit {namespace} {key}"),
                None => format!("limit {key}"),
            }
        }
        None => named,
    }
}

fn describe_failed_test(fields: &Map<String, Value>, texts: Texts<'_>) -> String {
    let failing = failing_operation(fields);
    let mut message = match failing {
        Some(_) => format!("the test failed at {}", failing_step(fields, texts)),
        None => "the test failed".to_owned(),
    };
    let error = failing
        .and_then(|op| op.get("error"))
        .or_else(|| fields.get("error"))
        .and_then(Value::as_object);
    if let Some(text) = error.and_then(error_text) {
        message.push_str(": ");
        message.push_str(&texts.quote(text));
    }
    message
}

fn is_seed(fields: &Map<String, Value>, expected: Option<EnvelopeKind>) -> bool {
    let has = |key: &str| fields.contains_key(key);
    let errors_listed = fields
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|errors| !errors.is_empty());
    // The envelope decides before the payload is looked at: under a seed
    // profile, `{"errors": [...]}` without `result` is an envelope that
    // holds no payload, not a payload missing its fields. Without one, the
    // wrapper needs evidence: `result` beside its lists, or errors listed
    // (a payload may well be `{"errors": []}` or `{"warnings": [..]}`),
    // and its `errors` and `warnings` lists (or null) as it writes them
    // (`{"errors": 0, "warnings": 0, "result": "passed"}` is a reply of
    // counts, a payload of its own).
    let lists = ["errors", "warnings"]
        .iter()
        .all(|key| fields.get(*key).is_none_or(|v| v.is_array() || v.is_null()));
    let marker = if expected == Some(EnvelopeKind::Seed) {
        has("result") || has("errors") || has("warnings")
    } else {
        lists && ((has("result") && (has("errors") || has("warnings"))) || errors_listed)
    };
    marker
        && fields
            .keys()
            .all(|key| matches!(key.as_str(), "result" | "errors" | "warnings"))
}

fn seed(
    fields: &Map<String, Value>,
    findings: &mut Vec<Finding>,
    texts: Texts<'_>,
) -> (Envelope, Option<String>) {
    let payload = match fields.get("result") {
        None | Some(Value::Null) => {
            findings.push(
                Finding::new(Code::E04, "the envelope's result is null or absent")
                    .at_pointer("/result"),
            );
            None
        }
        Some(_) => Some("/result".to_owned()),
    };
    if let Some(errors) = fields
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        let first = match &errors[0] {
            Value::String(text) => texts.quote(text),
            Value::Object(error) => error_text(error).map_or_else(
                || texts.quote(&errors[0].to_string()),
                |text| texts.quote(text),
            ),
            other => texts.quote(&other.to_string()),
        };
        findings.push(
            Finding::new(
                Code::E05,
                format!(
                    "the envelope carries {} error(s); the first: {first}",
                    errors.len()
                ),
            )
            .at_pointer("/errors"),
        );
    }
    (Envelope::Seed, payload)
}

fn text<'a>(fields: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(Value::as_str)
}

/// What a body says of its status.
enum Stated {
    /// No `status` member.
    Nothing,
    /// An HTTP status, as a whole number (`500`, `500.0`) or numeric text.
    Status(u64),
    /// Something else (`"active"`, `true`): the member is not an HTTP status.
    Other,
}

fn stated_status(fields: &Map<String, Value>) -> Stated {
    let status = match fields.get("status") {
        None => return Stated::Nothing,
        Some(Value::Number(number)) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Some(Value::String(text)) => text.trim().parse().ok(),
        Some(_) => None,
    };
    status.map_or(Stated::Other, Stated::Status)
}

fn is_error_status(status: u64) -> bool {
    (400..600).contains(&status)
}

/// Whether a body is a Genesys error body. Success replies carry `code`,
/// `message` and `status` too (`{"code":"OK","status":200,...}`), so the
/// keys alone are not enough: the body must also say it is an error, by an
/// error status (its own or the recorded one) or by keys only the error
/// shape has. A status the body states as a success outweighs the rest.
fn is_error_body(fields: &Map<String, Value>, meta: &Meta) -> bool {
    let error_status = match stated_status(fields) {
        Stated::Status(status) if is_error_status(status) => true,
        // A success status, or a `status` that is no HTTP status at all
        // (`"active"`): a record of another kind.
        Stated::Status(_) | Stated::Other => return false,
        Stated::Nothing => meta.status.is_some_and(|s| is_error_status(s.into())),
    };
    let has = |key: &str| fields.contains_key(key);
    // Some services write the code as a number (`"code": 404`).
    let code = text(fields, "code").is_some() || fields.get("code").is_some_and(Value::is_u64);
    let new_style = text(fields, "message").is_some()
        && code
        && (error_status || has("contextId") || has("messageWithParams") || has("messageParams"));
    // Success replies of many services carry a `correlationId` beside an
    // `errorCode` that says all went well
    // (`{"errorCode":"0","errorMessage":"Success","correlationId":..}`):
    // the keys are evidence only beside a code that names an error. An
    // empty code names none at all.
    let old_style = text(fields, "errorCode").is_some_and(|code| {
        !code.trim().is_empty()
            && (error_status
                || (!says_success(code) && (has("userMessage") || has("correlationId"))))
    });
    new_style || old_style
}

/// Whether an `errorCode` says there was no error: zeros (`0`, `00`, as
/// payment and banking services answer), or a word for it.
fn says_success(code: &str) -> bool {
    let code = code.trim();
    code.bytes().all(|b| b == b'0')
        || ["ok", "success", "succeeded", "approved", "none", "no_error"]
            .iter()
            .any(|word| code.eq_ignore_ascii_case(word))
}

/// The `errorCode` of each entry of an error body's `details` array
/// (`ACTION.REMOTE_ENDPOINT`, `ACTION.AUTHENTICATION`...), in order.
/// Most details or nested errors a message lists: an error body of
/// 200,000 nested errors made a message (and a signature) of megabytes.
const MAX_LISTED: usize = 5;

/// The first [`MAX_LISTED`] of `items` as `show` writes them, joined with
/// `separator`, and how many more there are; `None` when there is none.
/// Those past the first are counted, not written.
fn listed<T>(
    items: impl Iterator<Item = T>,
    show: impl Fn(T) -> String,
    separator: &str,
) -> Option<String> {
    let mut items = items.peekable();
    items.peek()?;
    let shown: Vec<String> = items.by_ref().take(MAX_LISTED).map(show).collect();
    let more = items.count();
    let mut text = shown.join(separator);
    if more > 0 {
        text.push_str(&format!("{separator}and {more} more"));
    }
    Some(text)
}

/// The `errorCode` of each of the body's `details`, listed.
fn detail_error_codes(fields: &Map<String, Value>) -> Option<String> {
    let codes = (fields.get("details").and_then(Value::as_array))
        .into_iter()
        .flatten()
        .filter_map(|detail| detail.get("errorCode").and_then(Value::as_str));
    listed(codes, str::to_owned, ", ")
}

/// An error body's code as its messages show it: `code`, else the older
/// `errorCode`, as text or as a whole number (`"code": 404`, which
/// [`is_error_body`] takes as a code too).
fn error_code(fields: &Map<String, Value>) -> Option<std::borrow::Cow<'_, str>> {
    ["code", "errorCode"]
        .iter()
        .find_map(|key| match fields.get(*key) {
            Some(Value::String(code)) => Some(std::borrow::Cow::Borrowed(code.as_str())),
            Some(Value::Number(code)) if code.is_u64() => {
                Some(std::borrow::Cow::Owned(code.to_string()))
            }
            _ => None,
        })
}

fn error_text(fields: &Map<String, Value>) -> Option<&str> {
    text(fields, "message").or_else(|| text(fields, "userMessage"))
}

fn rate_limit_code(fields: &Map<String, Value>) -> Option<&str> {
    text(fields, "code")
        .or_else(|| text(fields, "errorCode"))
        .filter(|code| code.starts_with("too.many.requests"))
}

/// Genesys says `Retry the request in [42] seconds` in the message. Only a
/// number after "retry" is the wait: other limits' messages bracket their
/// figures too (`Rate limit exceeded the maximum [300] requests within [60]
/// seconds`), and the first bracket there is a count of requests.
fn retry_seconds(fields: &Map<String, Value>) -> Option<u64> {
    let message = error_text(fields)?;
    let retry = message.to_ascii_lowercase().find("retry")?;
    let after = &message[retry..];
    let open = after.find('[')?;
    let close = open + after[open..].find(']')?;
    after[open + 1..close].trim().parse().ok()
}

fn describe_error_body(fields: &Map<String, Value>, texts: Texts<'_>) -> String {
    let mut parts = Vec::new();
    let old_style = !fields.contains_key("code") && fields.contains_key("errorCode");
    parts.push(
        if old_style {
            "Genesys error body (errorCode style)"
        } else {
            "Genesys error body"
        }
        .to_owned(),
    );
    if let Some(status) = fields.get("status") {
        parts.push(format!("status {}", texts.scalar(status)));
    }
    if let Some(code) = error_code(fields) {
        parts.push(format!("code {code}"));
    }
    if let Some(id) = text(fields, "contextId").or_else(|| text(fields, "correlationId")) {
        let name = if fields.contains_key("contextId") {
            "contextId"
        } else {
            "correlationId"
        };
        parts.push(format!("{name} {id}"));
    }
    if let Some(detail_codes) = detail_error_codes(fields) {
        parts.push(format!("details {detail_codes}"));
    }
    let nested = (fields.get("errors").and_then(Value::as_array))
        .into_iter()
        .flatten()
        .filter_map(Value::as_object);
    let describe = |error: &Map<String, Value>| {
        let code = error_code(error).unwrap_or(std::borrow::Cow::Borrowed("?"));
        match error_text(error) {
            Some(message) => format!("{code} {}", texts.quote(message)),
            None => code.into_owned(),
        }
    };
    if let Some(nested) = listed(nested, describe, "; ") {
        parts.push(format!("nested errors: {nested}"));
    }
    let mut message = parts.join(", ");
    if let Some(text) = error_text(fields) {
        message.push_str(": ");
        message.push_str(&texts.quote(text));
        if let Some(text) = texts.shown(text)
            && let Some(reply) = embedded_reply(&text)
        {
            message.push_str("; backend reply: ");
            message.push_str(&reply);
        }
    }
    message
}

/// A backend reply embedded in an error message (`Response from web service:
/// {"error":"invalid_grant",...}`), decoded and shown compactly.
pub fn embedded_reply(message: &str) -> Option<String> {
    // Only objects: a bracket in prose ("in [42] seconds") is not a reply.
    let open = message.find('{')?;
    let close = message.rfind('}')?;
    if close <= open {
        return None;
    }
    let candidate = &message[open..=close];
    let decoded: Value = serde_json::from_str(candidate)
        .or_else(|_| serde_json::from_str(&candidate.replace("\\\"", "\"").replace("\\\\", "\\")))
        .ok()?;
    if !decoded.is_object() {
        return None;
    }
    Some(crate::secret::cut_short(&decoded.to_string(), QUOTE_LIMIT))
}

/// Whether a body is RFC 7807 problem details. Records of other kinds
/// have `type`, `title` and `status` too (a CRM case: `"type":"lead",
/// "status":"open"`), so the members must have the RFC's forms (`status` a
/// number, `type` a URI reference) and the body must say it is an error:
/// declared `application/problem+json`, or an error status (its own or
/// the recorded one). A `type` URI alone is no evidence: schema.org
/// records carry one too.
fn is_problem_details(fields: &Map<String, Value>, meta: &Meta) -> bool {
    let declared = meta
        .header("content-type")
        .is_some_and(|value| value.contains("problem+json"));
    let status = match fields.get("status") {
        None => None,
        Some(Value::Number(number)) => Some(number.as_u64()),
        Some(_) => return false,
    };
    match fields.get("type") {
        None => {}
        Some(Value::String(kind)) if is_uri_reference(kind) => {}
        Some(_) => return false,
    }
    let described = text(fields, "title").is_some() || text(fields, "detail").is_some();
    let error_status = match status {
        Some(Some(status)) => is_error_status(status),
        Some(None) => false,
        None => meta.status.is_some_and(|s| is_error_status(s.into())),
    };
    described && (declared || error_status)
}

/// A URI reference as problem types are written: `about:blank`,
/// `https://…`, `/problems/x`; no spaces, and a scheme or a path.
fn is_uri_reference(text: &str) -> bool {
    !text.is_empty()
        && !text.chars().any(char::is_whitespace)
        && (text.contains(':') || text.contains('/'))
}

fn describe_problem(fields: &Map<String, Value>, texts: Texts<'_>) -> String {
    let mut message = "problem details".to_owned();
    if let Some(status) = fields.get("status") {
        // As JSON: a problem's status is a number.
        let status = match status {
            Value::String(_) => status.to_string(),
            _ => texts.scalar(status),
        };
        message.push_str(&format!(" {status}"));
    }
    if let Some(title) = text(fields, "title") {
        message.push_str(&format!(" {}", texts.quote(title)));
    }
    if let Some(detail) = text(fields, "detail") {
        message.push_str(&format!(": {}", texts.quote(detail)));
    }
    if let Some(trace) = text(fields, "traceId") {
        message.push_str(&format!(" (traceId {trace})"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// The quote reads only what it shows, and shows what flattening
        /// the whole text and cutting it would.
        #[test]
        fn a_quote_is_the_flattened_text_cut(text in "([a-zé]{0,12}[ \t\n\u{2003}]{0,3}){0,40}") {
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut expected: String = flat.chars().take(QUOTE_LIMIT).collect();
            if expected.len() < flat.len() {
                expected.push('…');
            }
            prop_assert_eq!(quote(&text), format!("\"{expected}\""));
        }
    }

    fn run(value: Value) -> (Envelope, Vec<Code>, Option<String>, Vec<String>) {
        let outcome = check(&value, &Meta::default(), None);
        let codes = outcome.findings.iter().map(|f| f.code).collect();
        let messages = outcome.findings.iter().map(|f| f.message.clone()).collect();
        (outcome.envelope, codes, outcome.payload, messages)
    }

    #[test]
    fn execute_bodies_are_the_payload() {
        let (envelope, codes, payload, _) = run(json!({"_id": "5f1", "profile": {}}));
        assert_eq!(
            (envelope, codes, payload),
            (Envelope::Execute, vec![], Some(String::new()))
        );
        let (_, codes, payload, _) = run(json!(null));
        assert_eq!((codes, payload), (vec![Code::E04], None));
    }

    #[test]
    fn both_error_styles() {
        let (envelope, codes, _, messages) = run(json!({
            "message": "Response from web service: {\"error\":\"invalid_grant\",\"error_description\":\"bad\"}",
            "code": "bad.request", "status": 400, "contextId": "c-1",
            "details": [{"errorCode": "ACTION.REMOTE_ENDPOINT"}],
            "errors": [{"message": "inner", "code": "x.y", "status": 400}]
        }));
        assert_eq!((envelope, codes), (Envelope::ErrorBody, vec![Code::E01]));
        let message = &messages[0];
        for part in [
            "status 400",
            "code bad.request",
            "contextId c-1",
            "ACTION.REMOTE_ENDPOINT",
            "x.y \"inner\"",
            "backend reply: {\"error\":\"invalid_grant\"",
        ] {
            assert!(message.contains(part), "{part} in {message}");
        }
        let (_, codes, _, messages) = run(json!({
            "status": 404, "errorCode": "NOT_FOUND", "userMessage": "Not here", "correlationId": "k-9"
        }));
        assert_eq!(codes, [Code::E01]);
        assert!(
            messages[0].contains("errorCode style") && messages[0].contains("correlationId k-9")
        );
    }

    #[test]
    fn rate_limit_from_the_code() {
        let (_, codes, _, messages) = run(json!({
            "message": "Rate limit exceeded the maximum. Retry the request in [42] seconds",
            "code": "too.many.requests.retry.after", "status": 429
        }));
        assert_eq!(codes, [Code::E01, Code::E03]);
        assert!(messages[1].contains("retry in 42 s"));
        let (_, codes, _, messages) = run(json!({
            "message": "Rate limit exceeded the maximum [300] requests within [60] seconds",
            "code": "too.many.requests", "status": 429
        }));
        assert_eq!(codes, [Code::E01, Code::E03]);
        assert!(!messages[1].contains("retry in"), "{}", messages[1]);
        let meta = Meta {
            status: Some(429),
            headers: vec![("retry-after".into(), "7".into())],
            ..Meta::default()
        };
        assert!(check_status(&meta)[0].message.contains("Retry-After 7"));
    }

    #[test]
    fn test_results() {
        let (_, codes, _, messages) = run(json!({
            "operations": [{"step": 1, "name": "Resolve", "success": true},
                           {"step": 2, "name": "Execute", "success": false, "error": {"message": "boom", "code": "c", "status": 500}}],
            "success": false
        }));
        assert_eq!(codes, [Code::E02]);
        assert!(messages[0].contains("step 2 \"Execute\"") && messages[0].contains("boom"));
        let (_, codes, payload, _) =
            run(json!({"operations": [], "finalResult": {"a": 1}, "success": true}));
        assert_eq!((codes, payload), (vec![], Some("/finalResult".to_owned())));
        let (_, codes, _, _) = run(json!({"operations": [], "finalResult": null, "success": true}));
        assert_eq!(codes, [Code::E04]);
    }

    #[test]
    fn seed_envelopes() {
        let (_, codes, payload, _) =
            run(json!({"result": {"token": "t"}, "errors": [], "warnings": []}));
        assert_eq!((codes, payload), (vec![], Some("/result".to_owned())));
        let (_, codes, _, _) =
            run(json!({"result": null, "errors": [{"message": "no token"}], "warnings": []}));
        assert_eq!(codes, [Code::E04, Code::E05]);
        let (envelope, _, _, _) = run(json!({"result": 1}));
        assert_eq!(envelope, Envelope::Execute);
        for payload in [
            json!({"errors": []}),
            json!({"warnings": ["slow backend"]}),
            json!({"errors": 0, "warnings": 0, "result": "passed"}),
            json!({"errors": {"count": 0}, "result": "passed"}),
        ] {
            let (envelope, codes, _, _) = run(payload.clone());
            assert_eq!((envelope, codes), (Envelope::Execute, vec![]), "{payload}");
        }
        let expected = check(
            &json!({"result": 1}),
            &Meta::default(),
            Some(EnvelopeKind::Seed),
        );
        assert_eq!(expected.envelope, Envelope::Seed);
        let no_result = check(
            &json!({"errors": [{"code": "lookup.failed", "message": "ERP timeout"}], "warnings": []}),
            &Meta::default(),
            Some(EnvelopeKind::Seed),
        );
        let codes: Vec<Code> = no_result.findings.iter().map(|f| f.code).collect();
        assert_eq!(
            (no_result.payload, codes),
            (None, vec![Code::E04, Code::E05])
        );
    }

    #[test]
    fn problem_details() {
        let (envelope, codes, _, messages) = run(json!({
            "type": "https://example.com/probs/not-found", "title": "Not Found", "status": 404,
            "detail": "Profile 5f1 does not exist", "traceId": "t-1"
        }));
        assert_eq!(
            (envelope, codes),
            (Envelope::ProblemDetails, vec![Code::E06])
        );
        assert!(messages[0].contains("404") && messages[0].contains("t-1"));
        let (envelope, _, _, _) = run(json!({"title": "A book", "author": "x"}));
        assert_eq!(envelope, Envelope::Execute);
        let (envelope, _, _, _) = run(json!({
            "type": "about:blank", "title": "Bad Gateway", "status": 502
        }));
        assert_eq!(envelope, Envelope::ProblemDetails);
    }

    #[test]
    fn error_bodies_in_other_spellings() {
        for body in [
            json!({"message": "Failed", "code": "internal.server.error", "status": 500.0}),
            json!({"code": 404, "message": "x", "status": 404}),
            json!({"message": "m", "code": "c", "contextId": "k"}),
        ] {
            assert_eq!(run(body.clone()).0, Envelope::ErrorBody, "{body}");
        }
    }

    #[test]
    fn look_alikes_are_payloads() {
        for body in [
            json!({"code": "OK", "message": "Profile updated", "status": 200, "profileId": "p1"}),
            json!({"code": "created", "message": "Case opened", "status": "201"}),
            json!({"code": "x", "message": "no status, no error keys"}),
            json!({"type": "lead", "title": "Call back", "status": "open", "detail": "VIP"}),
            json!({"type": "https://crm.example/types/case", "title": "T", "status": 1}),
            json!({"type": "case", "title": "T", "detail": "no status"}),
            json!({"errorCode": "E_NONE", "status": 200, "userMessage": "fine"}),
            json!({"errorCode": "0", "errorMessage": "Success", "correlationId": "c-1", "balance": 1}),
            json!({"errorCode": "", "userMessage": "", "correlationId": "c-1"}),
            json!({"errorCode": "00", "errorMessage": "Approved", "correlationId": "r-1"}),
            json!({"errorCode": "SUCCESS", "userMessage": "Saved", "correlationId": "r-2"}),
            json!({"code": "ERR_NONE", "message": "User 404 fetched", "status": "active", "contextId": "conv-1"}),
            json!({"type": "https://schema.org/Person", "title": "Dr", "detail": "x"}),
        ] {
            let (envelope, codes, payload, _) = run(body.clone());
            assert_eq!(envelope, Envelope::Execute, "{body}");
            assert!(codes.is_empty() && payload.is_some(), "{body}");
        }
        // The recorded status is evidence too.
        let failed = Meta {
            status: Some(503),
            ..Meta::default()
        };
        let body = json!({"code": "service.unavailable", "message": "try later"});
        assert_eq!(check(&body, &failed, None).envelope, Envelope::ErrorBody);
        let body = json!({"type": "/problems/upstream", "title": "Upstream down"});
        assert_eq!(
            check(&body, &failed, None).envelope,
            Envelope::ProblemDetails
        );
    }
}
