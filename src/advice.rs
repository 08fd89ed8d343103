//! What to do about each code: its usual causes in a Genesys Cloud / Cognigy
//! setup, how to confirm them in a capture, and how to fix them. One table,
//! in code order, read by `dapa codes`, `explain`'s help and the reports.

use crate::finding::{Code, Finding};

/// The advice for one code.
#[derive(Debug)]
pub struct Advice {
    /// The code this advice is for.
    pub code: Code,
    /// One line: what the finding means for the Data Action.
    pub summary: &'static str,
    /// The usual causes, most frequent first.
    pub causes: &'static [&'static str],
    /// How to confirm a cause: what to look at in the capture, which test-mode
    /// step, which header.
    pub confirm: &'static [&'static str],
    /// How to fix it: in the response configuration, the credentials, the
    /// backend or the schema.
    pub fix: &'static [&'static str],
    /// The public documentation the advice is written from.
    pub sources: &'static [&'static str],
}

/// The advice for `code`.
pub fn advice(code: Code) -> &'static Advice {
    let index = Code::ALL
        .iter()
        .position(|known| *known == code)
        .unwrap_or_default();
    &TABLE[index]
}

/// The advice for one finding, in a line or two: the first fix, made specific
/// where the finding's message carries the detail the fix depends on. It
/// quotes nothing from the capture but what the message (already masked)
/// holds, so it needs the same escaping as the message where it is shown.
pub fn help(finding: &Finding) -> String {
    let message = finding.message.as_str();
    let specific = match finding.code {
        Code::E01 => error_body_help(message),
        Code::E02 => failed_step_help(message),
        Code::E03 => rate_limit_help(message),
        Code::T04 => html_page_help(message),
        Code::P01 => encoding_help(message),
        Code::P03 => placeholder_help(message),
        _ => None,
    };
    specific.unwrap_or_else(|| {
        let advice = advice(finding.code);
        advice
            .fix
            .first()
            .copied()
            .unwrap_or(advice.summary)
            .to_owned()
    })
}

/// E01: by `details[].errorCode`, else by the status.
fn error_body_help(message: &str) -> Option<String> {
    let details = detail_codes(message);
    let has = |code: &str| details.contains(&code);
    if has("ACTION.AUTHENTICATION") {
        return Some("ACTION.AUTHENTICATION: the backend refused the integration's credentials; check them in the integration's configuration (the embedded backend reply says why).".to_owned());
    }
    if has("ACTION.PROCESSING") {
        return Some("ACTION.PROCESSING: the action's own configuration failed; run it in test mode (/test) and fix the failing step's translationMap path or successTemplate.".to_owned());
    }
    if has("ACTION.REMOTE_ENDPOINT") {
        return Some("ACTION.REMOTE_ENDPOINT: the backend failed or sent no usable JSON; run the input in test mode (/test) to see its raw reply and fix the backend or requestUrlTemplate.".to_owned());
    }
    let status = after(message, ", status ")?;
    let status: String = status.chars().take_while(char::is_ascii_digit).collect();
    match status.as_str() {
        "401" => Some("401: the OAuth client's token was refused; check the client id, secret and region.".to_owned()),
        "403" => Some("403: the OAuth client's role or the user lacks the permission to execute integration actions (or the integration is inactive).".to_owned()),
        "404" => Some("404: no such action or resource; check the action id and that the action is published.".to_owned()),
        "429" => Some("429: rate limited; wait as long as Retry-After says and retry with backoff.".to_owned()),
        _ => None,
    }
}

/// The codes listed after `details ` in an E01 message
/// (`..., details ACTION.REMOTE_ENDPOINT, ACTION.PROCESSING: "..."`).
fn detail_codes(message: &str) -> Vec<&str> {
    let Some(rest) = after(message, ", details ") else {
        return Vec::new();
    };
    let mut codes = Vec::new();
    for item in rest.split(", ") {
        let code: &str = item.split(':').next().unwrap_or_default();
        let plain = !code.is_empty()
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
        if !plain {
            break;
        }
        codes.push(code);
        if item.len() > code.len() {
            break;
        }
    }
    codes
}

/// E02: which part of the action the failing step names.
fn failed_step_help(message: &str) -> Option<String> {
    let rest = after(message, "the test failed at step ")?;
    let step = rest.split(':').next().unwrap_or(rest).trim();
    let name = step.to_ascii_lowercase();
    let place = if ["translat", "map"].iter().any(|word| name.contains(word)) {
        "the translationMap paths and translationMapDefaults"
    } else if ["template", "transform", "success"]
        .iter()
        .any(|word| name.contains(word))
    {
        "the successTemplate (escape strings with $esc.jsonString)"
    } else if ["schema", "contract", "valid"]
        .iter()
        .any(|word| name.contains(word))
    {
        "the output contract against what successTemplate produces"
    } else if ["auth", "credential", "login", "token"]
        .iter()
        .any(|word| name.contains(word))
    {
        "the integration's credentials"
    } else {
        "the request configuration and the backend's reply shown in the earlier steps"
    };
    Some(format!("Step {step} failed: fix {place}."))
}

/// E03: the wait the reply asks for.
fn rate_limit_help(message: &str) -> Option<String> {
    let seconds = after(message, "Retry-After ")
        .or_else(|| after(message, "retry in "))?
        .split(' ')
        .next()?;
    // A Retry-After may be an HTTP date; only a number of seconds is quoted.
    let seconds: u64 = seconds.parse().ok()?;
    Some(format!(
        "Wait {seconds} s (as the reply asks) before retrying, then back off; spread the executions out or shorten the backend's response time."
    ))
}

/// T04: what the page's title says failed.
fn html_page_help(message: &str) -> Option<String> {
    let title = after(message, "an HTML page titled \"")?;
    let title = title
        .rsplit_once("\", not JSON")
        .map_or(title, |(title, _)| title);
    let lower = title.to_ascii_lowercase();
    let what = if [
        "502",
        "503",
        "504",
        "bad gateway",
        "unavailable",
        "time-out",
        "timeout",
    ]
    .iter()
    .any(|word| lower.contains(word))
    {
        "a gateway in front of the backend could not reach it; bring the backend up or fix the route, and retry"
    } else if [
        "401",
        "403",
        "forbidden",
        "unauthorized",
        "login",
        "log in",
        "sign in",
    ]
    .iter()
    .any(|word| lower.contains(word))
    {
        "the request reached a login or access-denied page; check the integration's credentials and the Authorization header"
    } else if ["404", "not found"].iter().any(|word| lower.contains(word)) {
        "the URL reached no API; correct requestUrlTemplate"
    } else {
        "fix what the page names, and set the request's Accept header to application/json"
    };
    Some(format!("The page is titled \"{title}\": {what}."))
}

/// P01: one level is a string field; more is JSON encoded again by each hop.
fn encoding_help(message: &str) -> Option<String> {
    let levels: usize = after(message, "decoded, ")?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    Some(if levels > 1 {
        format!(
            "Encoded {levels} times: each hop serialised the JSON again; decode once at the backend and write translation-map values unquoted in successTemplate."
        )
    } else {
        "Write the translation-map value unquoted in successTemplate (`${x}`, not `\"${x}\"`), or have the backend return an object instead of a string.".to_owned()
    })
}

/// P03: the variable that was null.
fn placeholder_help(message: &str) -> Option<String> {
    let (placeholder, name) = placeholder_of(message)?;
    Some(format!(
        "{placeholder} was printed as it is because {name} was null: give {name} a translationMapDefaults entry, fix its translationMap path, or write $!{{{name}}} where empty is acceptable."
    ))
}

/// The first placeholder a P03 message quotes (`${email}`) and its root
/// variable (`email`).
pub fn placeholder_of(message: &str) -> Option<(&str, String)> {
    let placeholder = after(message, "placeholder \"")?.split('"').next()?;
    let name: String = placeholder
        .trim_start_matches(['$', '!', '{'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (!name.is_empty()).then_some((placeholder, name))
}

/// The text after the first `marker` in `text`.
fn after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    text.find(marker).map(|at| &text[at + marker.len()..])
}

/// The anchor of the code's section in the codes reference
/// (`docs/codes.md`), e.g. `t01-empty-body`.
pub fn anchor(code: Code) -> String {
    format!("{}-{}", code.as_str().to_ascii_lowercase(), code.name())
}

// The public pages the advice is written from, named once. Each is "title:
// address", so that terminals and Markdown alike show the address as it is.
const FAILS_IN_TEST: &str = "Genesys Cloud Resource Center, Data action fails during testing: https://help.mypurecloud.com/articles/data-action-fails-during-testing/";
const RETURNS_400: &str = "Genesys Cloud Resource Center, Data action returns a 400 error: https://help.mypurecloud.com/?p=266465";
const CONFIGURATION: &str = "Genesys Cloud Resource Center, Add configuration to custom actions for integrations: https://help.mypurecloud.com/?p=141921";
const VELOCITY_MACROS: &str = "Genesys Cloud Resource Center, Velocity macros for data actions: https://help.mypurecloud.com/articles/velocity-macros-data-actions/";
const PERFORMANCE: &str = "Genesys Cloud Resource Center, Data actions integration performance analysis: https://help.mypurecloud.com/articles/data-actions-integration-performance-analysis/";
const RESPONSE_CONFIG: &str = "Genesys Cloud Platform API client, ResponseConfig (translationMap, translationMapDefaults, successTemplate): https://rubydoc.info/gems/purecloudplatformclientv2/98.0.0/PureCloud/ResponseConfig";
const VELOCITY_GUIDE: &str = "Apache Velocity user guide (formal and quiet reference notation): https://velocity.apache.org/engine/devel/user-guide.html";
const COGNIGY_PROFILES: &str = "Cognigy.AI documentation, Contact Profiles: https://docs.cognigy.com/ai/resources/manage/contact-profiles/";
const COGNIGY_API: &str = "Cognigy.AI API reference, Update a Contact Profile (error bodies): https://docs.cognigy.com/api-reference/contact-profiles/update-a-contact-profile";
const JSON_RFC: &str = "RFC 8259, The JavaScript Object Notation (JSON) Data Interchange Format: https://www.rfc-editor.org/rfc/rfc8259";
const PROBLEM_RFC: &str =
    "RFC 7807, Problem Details for HTTP APIs: https://www.rfc-editor.org/rfc/rfc7807";
const HTTP_RFC: &str =
    "RFC 9110, HTTP Semantics (status codes, Retry-After): https://www.rfc-editor.org/rfc/rfc9110";
const SCHEMA_VALIDATION: &str = "JSON Schema 2020-12, Validation vocabulary: https://json-schema.org/draft/2020-12/json-schema-validation";
const RESPONSE_ARTICLE: &str = "Genesys Cloud Resource Center, Response configuration for data actions: https://help.mypurecloud.com/articles/response-configuration-data-actions/";
const CONTRACTS: &str = "Genesys Cloud Resource Center, Add contracts to custom actions for integrations: https://help.mypurecloud.com/?p=141876";
const JSONPATH: &str =
    "Jayway JsonPath, the JSONPath dialect of data actions: https://github.com/json-path/JsonPath";
const TIMESTAMP_RFC: &str =
    "RFC 3339, Date and Time on the Internet: Timestamps: https://www.rfc-editor.org/rfc/rfc3339";

static TABLE: [Advice; 60] = [
    Advice {
        code: Code::T01,
        summary: "The body is 0 bytes or only whitespace.",
        causes: &[
            "The backend answered 204 No Content, or 200 with no body, for a lookup that found nothing.",
            "A proxy or load balancer closed the connection before the body was sent.",
            "The capture tool kept the headers but not the body (a log line that drops payloads).",
        ],
        confirm: &[
            "Look at the recorded status and Content-Length: a 204 or a Content-Length of 0 means the backend sent nothing.",
            "Run the action in test mode (/test): the step that calls the backend shows its raw reply; an empty reply there rules out the capture tool.",
        ],
        fix: &[
            "Make the backend return a JSON object even when nothing matches (for example {\"found\": false}), or give the output fields translationMapDefaults so the action succeeds without data.",
            "If the body was lost in capture, capture again with `dapa fetch` or a logger that keeps whole bodies.",
        ],
        sources: &[FAILS_IN_TEST, RESPONSE_CONFIG, HTTP_RFC],
    },
    Advice {
        code: Code::T02,
        summary: "A UTF-8 byte-order mark precedes the JSON; it was stripped.",
        causes: &[
            "The backend (often a .NET or Windows service) writes UTF-8 with a byte-order mark.",
            "The capture was saved by an editor or tool that adds a BOM.",
        ],
        confirm: &[
            "The first three bytes of the body are EF BB BF (`xxd capture | head -1`).",
            "Fetch the same input again and compare: a BOM in the live reply comes from the backend.",
        ],
        fix: &[
            "Configure the backend's JSON writer to emit UTF-8 without a BOM; RFC 8259 forbids adding one to JSON sent over a network.",
            "If only the saved capture has it, save captures as raw bytes.",
        ],
        sources: &[JSON_RFC],
    },
    Advice {
        code: Code::T03,
        summary: "The body is not valid UTF-8.",
        causes: &[
            "The backend sends UTF-16 or a legacy code page (Latin-1, Windows-1252) instead of UTF-8.",
            "A proxy or logger re-encoded the body.",
            "The body is binary: compressed data stored without being decoded, or a file download.",
        ],
        confirm: &[
            "The finding's message says when the bytes look like UTF-16; check the Content-Type charset and Content-Encoding headers.",
            "Test mode (/test) shows the raw reply; if it renders as garbage there too, the backend is the source.",
        ],
        fix: &[
            "Make the backend send UTF-8 JSON (Content-Type: application/json; charset=utf-8); JSON exchanged between systems must be UTF-8.",
            "If the capture was stored compressed, store the decoded body or keep the .gz extension so dapa decodes it.",
        ],
        sources: &[JSON_RFC, RETURNS_400],
    },
    Advice {
        code: Code::T04,
        summary: "The body is an HTML page (a gateway or proxy error page).",
        causes: &[
            "A gateway, load balancer or CDN in front of the backend answered with its own error page (502, 503, 504).",
            "A login or single-sign-on page: the request reached a web front end without valid credentials.",
            "The requestUrlTemplate points at a web page rather than the API (a wrong path or host).",
        ],
        confirm: &[
            "Read the page title in the finding's message and the recorded HTTP status.",
            "In test mode (/test) the backend step shows the same page; the Data Action then fails with a 400 'Request to backend service failed' (details ACTION.REMOTE_ENDPOINT).",
        ],
        fix: &[
            "Fix what the page names: bring the backend or gateway up, or correct the URL in requestUrlTemplate.",
            "Set the request's Accept header to application/json so the backend answers in JSON, and check the integration's credentials when the page is a login page.",
        ],
        sources: &[RETURNS_400, CONFIGURATION, HTTP_RFC],
    },
    Advice {
        code: Code::T05,
        summary: "The body is plain text, XML or other text that is not JSON.",
        causes: &[
            "A proxy or service mesh answered with a plain-text error (`upstream connect error`, `502 Bad Gateway`).",
            "The backend speaks XML or SOAP and returned a fault, or returns text for errors only.",
            "The Accept header asked for something other than JSON.",
        ],
        confirm: &[
            "The finding quotes the start of the body; compare it with the recorded status.",
            "Test mode (/test) shows the backend's raw reply; Genesys reports a non-JSON reply as 400 BAD_REQUEST with details ACTION.REMOTE_ENDPOINT.",
        ],
        fix: &[
            "Make the backend return JSON for errors too, or put a JSON-speaking adapter in front of it.",
            "Set the request's Accept header to a JSON media type (application/json) in the Data Action's configuration.",
        ],
        sources: &[RETURNS_400, CONFIGURATION],
    },
    Advice {
        code: Code::T06,
        summary: "The recorded HTTP status is 400 or above.",
        causes: &[
            "401 or 403: the OAuth client or the integration's credentials are wrong, expired, or lack the permission or role the action needs.",
            "404: the action id or the backend URL in requestUrlTemplate is wrong.",
            "429: a rate limit was hit; 5xx: the backend or Genesys failed.",
        ],
        confirm: &[
            "Read the status and the body's error code together (see E01, E03, E06 on the same capture).",
            "Check ININ-Correlation-Id (or the body's contextId / correlationId): Genesys Customer Care can trace a request by it.",
        ],
        fix: &[
            "For 401/403 check the OAuth client's role and the user's permissions for executing integration actions, and the integration's credentials; for 404 the action id and URL; for 429 back off (E03); for 5xx the backend.",
        ],
        sources: &[FAILS_IN_TEST, HTTP_RFC],
    },
    Advice {
        code: Code::T07,
        summary: "The capture is larger than --max-bytes and was not parsed.",
        causes: &[
            "The backend returned a whole collection (no paging or filtering) where the action needs one record.",
            "A log or export holds many replies in one file.",
        ],
        confirm: &[
            "Compare the file size with --max-bytes; test mode (/test) shows how big the backend's raw reply is.",
        ],
        fix: &[
            "Ask the backend for less (a filter, a page size, selected fields) in requestUrlTemplate or requestTemplate, and keep only what the output contract needs in translationMap.",
            "If the file is legitimately large, raise --max-bytes for this run.",
        ],
        sources: &[CONFIGURATION, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::T08,
        summary: "The capture could not be read: permissions, a dangling link, a special file, a corrupt gzip stream.",
        causes: &[
            "File permissions, a symbolic link whose target was moved, or a FIFO, socket or device in the folder.",
            "A .gz file that was cut short or is not gzip at all.",
        ],
        confirm: &[
            "The finding names the operating system's error; `ls -l` and `gzip -t` on the file confirm it.",
        ],
        fix: &[
            "Fix the permissions or the link, move special files out of the capture folder, or capture the reply again.",
        ],
        sources: &[],
    },
    Advice {
        code: Code::S01,
        summary: "The input ends inside a value (cut-off log line, aborted transfer).",
        causes: &[
            "A logger or buffer cut the body at a fixed size (often a power of two such as 4,096 or 65,536 bytes).",
            "The transfer was aborted: a timeout, a dropped connection, a chunked reply that never finished.",
        ],
        confirm: &[
            "Look at the body's length: a round power of two points at a buffer; compare with Content-Length when the capture has headers.",
            "Fetch the same input again (or run it in test mode, /test): a complete reply there means the capture, not the backend, was cut.",
        ],
        fix: &[
            "Raise or remove the logger's size limit, or capture with `dapa fetch`, which keeps whole bodies.",
            "If the backend cuts its own replies, fix its timeout or streaming; if it cannot handle chunked transfer, add the header Transfer-Encoding: buffered to the Data Action's request.",
        ],
        sources: &[CONFIGURATION, JSON_RFC],
    },
    Advice {
        code: Code::S02,
        summary: "A complete JSON document is followed by more non-whitespace.",
        causes: &[
            "Two replies were written to one file, or a log line holds JSON followed by more text.",
            "The backend writes a JSON body and then a debug line or a second document (JSON Lines where one document is expected).",
        ],
        confirm: &[
            "The finding's offset points at the first byte after the document; look at what starts there.",
        ],
        fix: &[
            "Make the backend send exactly one JSON document per reply, or split the file into one capture per reply.",
        ],
        sources: &[JSON_RFC],
    },
    Advice {
        code: Code::S03,
        summary: "A syntax error: unexpected character, missing comma or colon.",
        causes: &[
            "A template built the JSON by hand and a value broke it: an unescaped quote inside a string, an empty value leaving `\"a\": ,`.",
            "The backend writes JSON by string concatenation.",
            "The capture was edited or redacted by hand.",
        ],
        confirm: &[
            "The finding points at the byte; `dapa explain` underlines it in context.",
            "In test mode (/test), compare the backend's raw reply with the successTemplate output: if the raw reply parses, the template broke it.",
        ],
        fix: &[
            "In successTemplate, put string values through $esc.jsonString (inside quotes) and leave translation-map values, which are already JSON text, unquoted.",
            "If the backend emits it, have it serialise with a JSON library.",
        ],
        sources: &[VELOCITY_MACROS, JSON_RFC],
    },
    Advice {
        code: Code::S04,
        summary: "A string holds a bad escape, a raw control character or a lone surrogate.",
        causes: &[
            "A value with a newline, tab or backslash was put into a JSON string by a template without escaping.",
            "Text cut in the middle of a UTF-16 surrogate pair (an emoji) by a length limit.",
        ],
        confirm: &[
            "The finding points at the character; `dapa explain` shows it escaped.",
            "Test mode (/test) shows whether the raw reply or the template output holds it.",
        ],
        fix: &[
            "Escape values with $esc.jsonString in successTemplate (and in requestTemplate for what you send).",
            "If the backend emits it, fix its serialiser or its truncation so it never splits a character.",
        ],
        sources: &[VELOCITY_MACROS, JSON_RFC],
    },
    Advice {
        code: Code::S05,
        summary: "NaN/Infinity, single quotes, comments, trailing commas or unquoted keys.",
        causes: &[
            "The backend is written in a language whose default writer is not strict JSON (Python's repr, JavaScript object literals, NaN from a division by zero).",
            "A configuration-style file (JSON5, with comments) was served as JSON.",
        ],
        confirm: &[
            "The finding names each extension met; Genesys parses replies strictly, so test mode (/test) fails on the same body.",
        ],
        fix: &[
            "Make the backend emit strict JSON: double-quoted strings and keys, no comments or trailing commas, null instead of NaN or Infinity.",
        ],
        sources: &[JSON_RFC],
    },
    Advice {
        code: Code::S06,
        summary: "Nesting is deeper than the limit.",
        causes: &[
            "A recursive structure (a tree, a thread of replies) returned whole.",
            "JSON encoded inside JSON many times over.",
        ],
        confirm: &[
            "The finding gives the limit; compare with --max-depth. Genesys itself refuses JSON nested deeper than 50 levels.",
        ],
        fix: &[
            "Return a flatter structure, or pick only the fields the action needs with translationMap.",
        ],
        sources: &[CONFIGURATION, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::S07,
        summary: "The same key appears twice in one object.",
        causes: &[
            "A hand-written successTemplate emits a key twice (once in a fixed part, once in a loop or an #if branch).",
            "The backend merges two objects without removing duplicates.",
        ],
        confirm: &[
            "The pointer names the member; JSON parsers disagree on which value wins, so the flow may see either.",
        ],
        fix: &[
            "Emit each key once in successTemplate; rename one of them if both values are needed.",
        ],
        sources: &[JSON_RFC, VELOCITY_MACROS],
    },
    Advice {
        code: Code::S08,
        summary: "A number does not survive conversion to a 64-bit float.",
        causes: &[
            "An id or account number beyond 2^53 - 1 sent as a JSON number.",
            "A decimal with more digits than a double holds (a price or a coordinate).",
        ],
        confirm: &[
            "The finding quotes the number (not in secret fields); check whether its last digits change after a round trip.",
        ],
        fix: &[
            "Send large ids and exact decimals as strings, and declare them as strings in the output contract.",
        ],
        sources: &[JSON_RFC, COGNIGY_PROFILES],
    },
    Advice {
        code: Code::E01,
        summary: "A Genesys error body (either key style).",
        causes: &[
            "details ACTION.REMOTE_ENDPOINT: the backend failed or answered with something Genesys could not use (an error status, a non-JSON body).",
            "details ACTION.AUTHENTICATION: the integration's credentials were refused when Genesys logged in to the backend.",
            "details ACTION.PROCESSING: the action's own configuration failed, such as a translationMap path or a successTemplate.",
            "No details: a platform error, such as missing permissions (403), an unknown action (404) or a rate limit (429).",
        ],
        confirm: &[
            "Read status, code and details[].errorCode in the finding; the backend's own reply is often embedded in the message ('Response from web service: {...}') and shown decoded.",
            "Run the same input in test mode (/test): the failing step says where it broke. Quote the contextId or correlationId (ININ-Correlation-Id) to Genesys Customer Care.",
        ],
        fix: &[
            "Fix where details[].errorCode points: the backend for ACTION.REMOTE_ENDPOINT, the integration's credentials for ACTION.AUTHENTICATION, the translationMap or successTemplate for ACTION.PROCESSING.",
        ],
        sources: &[FAILS_IN_TEST, RETURNS_400],
    },
    Advice {
        code: Code::E02,
        summary: "A test-mode TestExecutionResult with success: false.",
        causes: &[
            "The step that calls the backend failed (credentials, network, an error status).",
            "A later step failed: the translationMap found nothing and had no default, the successTemplate produced invalid JSON, or the result does not match the output contract.",
        ],
        confirm: &[
            "The finding names the failing step and its error; earlier steps' results in operations[] hold the backend's raw reply and the translation map values.",
        ],
        fix: &[
            "Fix the step that failed: the request configuration or credentials for the request step, translationMap / translationMapDefaults for the translation step, successTemplate for the template step, the output contract for validation.",
        ],
        sources: &[FAILS_IN_TEST, CONFIGURATION],
    },
    Advice {
        code: Code::E03,
        summary: "HTTP 429 or a too.many.requests error code.",
        causes: &[
            "Too many executions at once: actions.concurrent.executions.max, often because a slow backend holds each execution longer.",
            "Too many executions per period for the organisation: requests.volume.max.",
            "The backend itself rate-limits Genesys and answers 429.",
        ],
        confirm: &[
            "Read Retry-After (or the seconds in the message) and the body's limit key; the Data Actions performance view shows rate limit errors and 95%/99% durations.",
        ],
        fix: &[
            "Wait as long as Retry-After says before retrying, then retry with backoff; spread the calls out, and shorten the backend's response time if concurrency is the limit.",
        ],
        sources: &[PERFORMANCE, HTTP_RFC],
    },
    Advice {
        code: Code::E04,
        summary: "The envelope holds no payload: result/finalResult null or absent.",
        causes: &[
            "The successTemplate rendered nothing (or null) because every value it uses was null.",
            "The backend found no record and the action maps nothing.",
            "A body that is just `null`.",
        ],
        confirm: &[
            "In test mode (/test), look at the translation map values and the template step's output before finalResult.",
        ],
        fix: &[
            "Give the output fields translationMapDefaults, and make successTemplate always emit an object that matches the output contract.",
        ],
        sources: &[RESPONSE_CONFIG, FAILS_IN_TEST],
    },
    Advice {
        code: Code::E05,
        summary: "The envelope's errors array is not empty.",
        causes: &[
            "The service behind the `{result, errors, warnings}` wrapper reported a failure in errors[].",
        ],
        confirm: &[
            "Read the errors[] entries the finding quotes; result is usually null beside them.",
        ],
        fix: &[
            "Fix what errors[] reports in that service; this wrapper is not Genesys's own reply, so handle it in the service or in successTemplate.",
        ],
        sources: &[],
    },
    Advice {
        code: Code::E06,
        summary: "An RFC 7807 problem-details body.",
        causes: &[
            "A backend that reports errors as problem details, such as the Cognigy.AI API (type, title, status, detail, traceId).",
        ],
        confirm: &[
            "Read status, title and detail in the finding; Cognigy's traceId identifies the request in its logs.",
        ],
        fix: &[
            "Fix what detail says in the backend (for Cognigy: the API key, the profile id, the request body).",
        ],
        sources: &[PROBLEM_RFC, COGNIGY_API],
    },
    Advice {
        code: Code::P01,
        summary: "A string holds JSON (an object or array); it was decoded.",
        causes: &[
            "The backend stores or forwards JSON as a string field (a payload column, a message body).",
            "A successTemplate put a translation-map value in quotes: translation-map values are already JSON text, so quoting an object makes it a string.",
            "Several levels: JSON serialised again by each hop.",
        ],
        confirm: &[
            "The finding gives the field and the levels of encoding; test mode (/test) shows whether the raw reply or the template output holds the string.",
        ],
        fix: &[
            "Write translation-map values unquoted in successTemplate (`{\"order\": ${order}}`), and have the backend return objects rather than strings holding them.",
        ],
        sources: &[VELOCITY_MACROS, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::P02,
        summary: "The payload is a bare string that is not JSON, such as a raw token.",
        causes: &[
            "A token or id endpoint returns the value itself instead of an object.",
            "successTemplate is `${rawResult}` over a text reply.",
        ],
        confirm: &[
            "The finding shows the value masked; the output contract of a Data Action is an object, so the action cannot map a bare string.",
        ],
        fix: &[
            "Wrap the value in an object in successTemplate, escaped: `{\"token\": \"$esc.jsonString(${rawResult})\"}`, and declare it in the output contract.",
        ],
        sources: &[VELOCITY_MACROS, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::P03,
        summary: "An unrendered Velocity placeholder such as ${email} in a value.",
        causes: &[
            "A variable used in successTemplate with formal notation (${x}) was null, and Velocity printed the reference itself.",
            "The translationMap path found nothing, or found null (null does not fall back to translationMapDefaults).",
        ],
        confirm: &[
            "Test mode (/test) shows the translation map values: the variable named in the finding is null or missing there.",
        ],
        fix: &[
            "Use quiet notation ($!{x}) where empty is acceptable, give the variable a translationMapDefaults entry, or test for null with #if before using it.",
        ],
        sources: &[VELOCITY_MACROS, VELOCITY_GUIDE, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::P04,
        summary: "Keys in Architect's flatten=true format, such as profile.firstname.",
        causes: &[
            "The capture was taken with ?flatten=true (Architect and the test page flatten output by default), while the schema describes the nested form.",
        ],
        confirm: &[
            "Check the request URL or the capture's sidecar for flatten=true; keys with dots and [0] indices are flattened paths.",
        ],
        fix: &[
            "Capture without flatten (dapa fetch without --flatten), or check the flattened capture against a schema written for flattened keys.",
        ],
        sources: &[CONFIGURATION],
    },
    Advice {
        code: Code::V01,
        summary: "A required property is absent.",
        causes: &[
            "The backend left the field out for this record (optional data, a different record type).",
            "translationMap's path no longer matches the backend's reply (a renamed or moved field).",
        ],
        confirm: &[
            "In test mode (/test), compare the backend's raw reply with the translationMap path for that property.",
        ],
        fix: &[
            "Correct the translationMap path, add a translationMapDefaults entry, or drop the property from required in the schema if it is truly optional.",
        ],
        sources: &[RESPONSE_CONFIG, SCHEMA_VALIDATION],
    },
    Advice {
        code: Code::V02,
        summary: "A value has another JSON type than the schema allows.",
        causes: &[
            "The backend sends numbers or booleans as strings, or null for missing values (see D02).",
            "successTemplate quoted a value (making it a string) or left a string unquoted.",
            "A JSONPath that can match several items returns an array where one value was expected.",
        ],
        confirm: &[
            "The pointer names the value; test mode (/test) shows the type before and after successTemplate.",
        ],
        fix: &[
            "Emit the declared type in successTemplate (unquoted numbers, $successTemplateUtils.firstFromArray for a one-item array), or widen the schema's type if both are legitimate.",
        ],
        sources: &[VELOCITY_MACROS, SCHEMA_VALIDATION],
    },
    Advice {
        code: Code::V03,
        summary: "A property the schema does not allow (additionalProperties: false).",
        causes: &["The backend added a field, or successTemplate passes the raw reply through."],
        confirm: &[
            "The pointer names the property; see whether it appears in the backend's raw reply in test mode (/test).",
        ],
        fix: &["Add the property to the schema, or leave it out of successTemplate."],
        sources: &[SCHEMA_VALIDATION, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::V04,
        summary: "A value outside enum or const.",
        causes: &[
            "The backend introduced a new status or type value.",
            "Case or spelling differs (`Active` against `active`).",
        ],
        confirm: &[
            "The finding quotes the value; D04 on the same capture marks it as new rather than wrong.",
        ],
        fix: &[
            "Add the value to the schema's enum if it is legitimate, or map it in successTemplate.",
        ],
        sources: &[SCHEMA_VALIDATION],
    },
    Advice {
        code: Code::V05,
        summary: "A format, pattern, length or range is violated.",
        causes: &[
            "A date in another format, an e-mail or phone number in another shape, an empty string where minLength is 1.",
            "A placeholder left by the template (see P03) in a formatted field.",
        ],
        confirm: &[
            "The finding names the keyword and the value's place; compare with the backend's raw reply in test mode (/test).",
        ],
        fix: &[
            "Normalise the value in successTemplate (or at the backend), or relax the schema's format, pattern or bounds.",
        ],
        sources: &[SCHEMA_VALIDATION],
    },
    Advice {
        code: Code::V06,
        summary: "Any other schema keyword is violated.",
        causes: &[
            "uniqueItems, anyOf/oneOf, not, contains or dependencies do not hold, usually after a backend change.",
        ],
        confirm: &[
            "The finding names the keyword and the pointer; read that part of the schema against the value.",
        ],
        fix: &[
            "Change the payload or the schema so the keyword holds; oneOf over-matching is often fixed by making the alternatives exclusive.",
        ],
        sources: &[SCHEMA_VALIDATION],
    },
    Advice {
        code: Code::D01,
        summary: "A field path the schema never declares (even where it allows extras).",
        causes: &[
            "The backend added a field in a new release.",
            "successTemplate emits more than the output contract describes.",
        ],
        confirm: &[
            "The finding gives the path; check when it first appears across captures (a baseline shows it as new).",
        ],
        fix: &[
            "Declare the field in the schema (and the output contract) if the flow should use it; otherwise leave it out of successTemplate.",
        ],
        sources: &[SCHEMA_VALIDATION, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::D02,
        summary: "A value sent as a string of the declared type, such as \"450.25\" for a number.",
        causes: &[
            "The backend serialises numbers and booleans as strings.",
            "successTemplate puts quotes around a translation-map value that is already a number.",
        ],
        confirm: &[
            "The pointer names the value; the raw reply in test mode (/test) shows whether the quotes come from the backend or the template.",
        ],
        fix: &[
            "Drop the quotes around the value in successTemplate (`\"amount\": ${amount}`), or convert at the backend; declare a string only if the flow treats it as text.",
        ],
        sources: &[VELOCITY_MACROS, RESPONSE_CONFIG],
    },
    Advice {
        code: Code::D03,
        summary: "An epoch in milliseconds where seconds are declared, the reverse, or an ISO string instead.",
        causes: &[
            "The backend (JavaScript and Java services often do) writes milliseconds; Cognigy writes createdAt and lastChanged in seconds.",
            "A new backend version switched between epochs and RFC 3339 strings.",
        ],
        confirm: &[
            "The finding gives the value and the declared unit (x-dapa-timestamp); an epoch of 1e11 or more is milliseconds.",
        ],
        fix: &[
            "Convert in successTemplate with $math (divide or multiply by 1000), or change the declared unit to what the backend really sends.",
        ],
        sources: &[VELOCITY_MACROS, COGNIGY_PROFILES, TIMESTAMP_RFC],
    },
    Advice {
        code: Code::D04,
        summary: "A value of an enum-like field that the schema does not list.",
        causes: &["The backend has a new state, type or category."],
        confirm: &[
            "The finding quotes the value; check whether the flow's decisions (Architect Decision or Switch actions) handle it.",
        ],
        fix: &["Add the value to enum or x-dapa-enum once the flow handles it."],
        sources: &[SCHEMA_VALIDATION],
    },
    Advice {
        code: Code::K01,
        summary: "The token had expired at capture time (not now).",
        causes: &[
            "A cached token was returned after its expiry, or the backend's clock is off.",
            "The capture was taken long after the token was issued (a replayed sample).",
        ],
        confirm: &[
            "Compare the token's expiry with the capture time (the sidecar's captured_at, else the Date header).",
        ],
        fix: &[
            "Refresh tokens before they expire in the service that issues them, and check its clock; ignore it for old samples.",
        ],
        sources: &[],
    },
    Advice {
        code: Code::K02,
        summary: "No token in an otherwise healthy response.",
        causes: &[
            "The backend returned 200 without a token (for example a refused login reported as success).",
            "translationMap's path for the token does not match the reply, so the template wrote null or nothing.",
        ],
        confirm: &[
            "In test mode (/test), look for the token in the backend's raw reply and in the translation map values.",
        ],
        fix: &[
            "Correct the translationMap path for the token, and make the backend fail with an error status when it issues no token.",
        ],
        sources: &[RESPONSE_CONFIG, FAILS_IN_TEST],
    },
    Advice {
        code: Code::A01,
        summary: "A translationMap entry is not a valid JSONPath expression.",
        causes: &[
            "A typo in the path: a missing $ at the start, an unclosed bracket or quote, a filter without ?( ).",
            "A path written in another syntax (a JavaScript expression, a Velocity reference) instead of JSONPath.",
        ],
        confirm: &[
            "The finding points at the entry and the character where the path stops making sense; test mode (/test) fails at the translation map step.",
        ],
        fix: &[
            "Write the path in JSONPath as Genesys evaluates it (Jayway): $.field, $.list[0].field, $.list[?(@.type == 'home')].value.",
        ],
        sources: &[RESPONSE_ARTICLE, JSONPATH],
    },
    Advice {
        code: Code::A02,
        summary: "successTemplate uses a variable that no translationMap entry defines.",
        causes: &[
            "The translationMap entry was renamed or removed, and the template still uses the old name.",
            "A typo or a difference of case between the template and the translationMap key.",
        ],
        confirm: &[
            "The finding names the variable and where the template uses it; compare with the translationMap keys (rawResult, input, $esc, $math, $successTemplateUtils, $foreach, $velocityCount and #set or #foreach variables are known).",
        ],
        fix: &[
            "Add a translationMap entry of that name, or use the name the translationMap defines.",
        ],
        sources: &[RESPONSE_ARTICLE, VELOCITY_MACROS],
    },
    Advice {
        code: Code::A03,
        summary: "A translationMap entry (or its default) that successTemplate never uses.",
        causes: &[
            "The template stopped using the value, or never did (a leftover of an earlier version).",
            "successTemplate is absent or empty, so no entry of the translationMap reaches the output.",
            "A translationMapDefaults key that no translationMap entry has (a typo in either key, or an entry removed without its default).",
        ],
        confirm: &["The finding names the entry; search successTemplate for the name."],
        fix: &[
            "Remove the entry (and its default), correct the key that is misspelt, or use the value in successTemplate.",
        ],
        sources: &[RESPONSE_ARTICLE],
    },
    Advice {
        code: Code::A04,
        summary: "A translationMap entry of a definite path has no translationMapDefaults value: a reply without the field fails the action.",
        causes: &[
            "Only the fields the backend always sends were expected; an optional or missing field was not thought of.",
            "Entries of indefinite paths (filters, wildcards, deep scans) are not reported: a filter that matches nothing gives [] rather than a failure (a reply without the list itself still fails; dapa replay shows it as R01).",
        ],
        confirm: &[
            "Run the action in test mode (/test) with an input whose reply lacks the field: the translation map step fails.",
        ],
        fix: &[
            "Add a translationMapDefaults value for the entry, as JSON text (\"\\\"\\\"\" for an empty string, \"null\", \"0\", \"[]\"), unless failing the action is what you want.",
        ],
        sources: &[RESPONSE_ARTICLE, CONFIGURATION],
    },
    Advice {
        code: Code::A05,
        summary: "A translationMapDefaults value is not JSON text, such as UNKNOWN where \"\\\"UNKNOWN\\\"\" was meant.",
        causes: &[
            "A string default written without its own quotes: the value is inserted into the template as JSON text, so a string needs quotes inside the JSON string (\"\\\"UNKNOWN\\\"\").",
            "A default that is not JSON at all (single quotes, a trailing comma, a Velocity reference).",
        ],
        confirm: &[
            "The finding quotes the default; a reply without the field makes the output invalid JSON (S03) or fails the action.",
        ],
        fix: &[
            "Write the default as the JSON text of the value: \"\\\"UNKNOWN\\\"\" for a string, \"0\" for a number, \"false\", \"null\", \"[]\".",
        ],
        sources: &[RESPONSE_ARTICLE, JSON_RFC],
    },
    Advice {
        code: Code::A06,
        summary: "A formal reference ${x} to a variable that can be missing: its name then reaches the output.",
        causes: &[
            "The variable has no translationMapDefaults value, or its path can find null (null does not fall back to the default), and Velocity prints ${x} itself when x is null.",
        ],
        confirm: &[
            "Captures of the action show the name (P03, \"${x}\" in a value) for replies without the field.",
        ],
        fix: &[
            "Give the entry a translationMapDefaults value, use quiet notation ($!{x}) where empty is acceptable, or test it with #if before use.",
        ],
        sources: &[VELOCITY_MACROS, VELOCITY_GUIDE, RESPONSE_ARTICLE],
    },
    Advice {
        code: Code::A07,
        summary: "A value inserted inside a JSON string of successTemplate without $esc.jsonString.",
        causes: &[
            "The template writes \"name\": \"$name\" (or \"${name}\"), so a quote, backslash or line break in the data ends the string early or makes a bad escape.",
        ],
        confirm: &[
            "Captures of the action with such a character in the field are malformed (S03 or S04) at that value.",
        ],
        fix: &[
            "Insert the value unquoted (\"name\": ${name}: translationMap values are JSON text already), or escape it: \"$esc.jsonString(${name})\".",
        ],
        sources: &[VELOCITY_MACROS, RESPONSE_ARTICLE],
    },
    Advice {
        code: Code::A08,
        summary: "successTemplate's literal JSON does not parse once its references are replaced.",
        causes: &[
            "A missing or extra comma, brace or quote in the template's own text, often after an edit or around a #foreach.",
        ],
        confirm: &[
            "Every capture of the action is malformed at the same place; the finding points at the character in the template.",
        ],
        fix: &[
            "Correct the template's JSON at the place the finding names; write the separators of a #foreach with #if($foreach.hasNext),#end.",
        ],
        sources: &[VELOCITY_MACROS, JSON_RFC],
    },
    Advice {
        code: Code::A09,
        summary: "The output contract has an array whose items are arrays, which Data Action contracts do not allow.",
        causes: &[
            "The contract was written from a backend reply with arrays of arrays (coordinates, table rows) and copied as it is.",
        ],
        confirm: &[
            "The finding points at the items schema of type array; Genesys Cloud refuses the contract when it is saved or the action is published.",
        ],
        fix: &[
            "Make the inner arrays objects (each row an object with named fields) in the contract and in successTemplate, or flatten them into one array.",
        ],
        sources: &[CONTRACTS],
    },
    Advice {
        code: Code::A10,
        summary: "successTemplate writes a key that the output contract does not declare.",
        causes: &[
            "The key was added to the template but not to the contract, or misspelt in one of them.",
        ],
        confirm: &[
            "Captures of the action carry the key (D01, or V03 where the contract forbids extras).",
        ],
        fix: &["Declare the key in the output contract, or remove it from the template."],
        sources: &[CONTRACTS, RESPONSE_ARTICLE],
    },
    Advice {
        code: Code::A11,
        summary: "successTemplate never writes a key that the output contract requires.",
        causes: &[
            "The key was removed from or misspelt in the template, or made required in the contract without being produced.",
        ],
        confirm: &[
            "Every capture of the action lacks the key (V01), and test mode (/test) fails at the schema validation step.",
        ],
        fix: &["Write the key in the template, or drop it from the contract's required list."],
        sources: &[CONTRACTS, RESPONSE_ARTICLE],
    },
    Advice {
        code: Code::A12,
        summary: "successTemplate is not valid Velocity.",
        causes: &["An unclosed ${ or #if/#foreach without #end, or a directive misspelt."],
        confirm: &[
            "Test mode (/test) fails at the template step; the finding points at the character where the template stops making sense.",
        ],
        fix: &["Close the reference or the directive at the place the finding names."],
        sources: &[VELOCITY_MACROS, VELOCITY_GUIDE],
    },
    Advice {
        code: Code::R01,
        summary: "A translationMap path found nothing in the reply and has no default: the action fails.",
        causes: &[
            "The backend left the field out of this reply (an optional field, an empty list, a profile without that value).",
            "The path names the field wrongly (a typo, a changed field name, a filter that matches no item).",
        ],
        confirm: &[
            "The finding names the variable and its path; look for the field in the raw reply (dapa explain on the capture shows it).",
            "In test mode (/test) the step that resolves the translation map fails on the same reply.",
        ],
        fix: &[
            "Add a translationMapDefaults entry for the variable (JSON text: \"\\\"\\\"\" for an empty string, \"0\", \"false\", \"[]\"), or correct the path.",
        ],
        sources: &[RESPONSE_CONFIG, CONFIGURATION],
    },
    Advice {
        code: Code::R02,
        summary: "A translationMap path found nothing in the reply; its translationMapDefaults value was used.",
        causes: &[
            "The backend left an optional field out of this reply, and the default stood in for it, as configured.",
        ],
        confirm: &["The finding names the variable, its path and the default used."],
        fix: &[
            "Nothing, when the default is what the flow expects; otherwise make the backend send the field or correct the path.",
        ],
        sources: &[RESPONSE_CONFIG],
    },
    Advice {
        code: Code::R03,
        summary: "The successTemplate failed to render: a bad directive, a failing method call or a limit reached.",
        causes: &[
            "The template does not parse (an #if without #end, an unclosed ${ or parenthesis).",
            "A method call failed on this reply's values (an index out of range, a null argument), which stops Velocity.",
            "A #foreach or the output grew beyond dapa's bounds on one rendering.",
        ],
        confirm: &[
            "The finding quotes the error and the byte offset in the template; test the action with the same reply in test mode.",
        ],
        fix: &[
            "Correct the template; guard method calls with #if on the values they use, or give the variables defaults.",
        ],
        sources: &[VELOCITY_MACROS, VELOCITY_GUIDE],
    },
    Advice {
        code: Code::R04,
        summary: "The successTemplate uses a Velocity construct or method dapa does not replay.",
        causes: &[
            "The template calls a method or directive outside the subset Genesys documents for data actions (#macro, #include, a Java method dapa does not model).",
        ],
        confirm: &["The finding names the construct and where it is in the template."],
        fix: &[
            "Rewrite the template with the documented subset ($esc, $math, $successTemplateUtils, #if, #foreach, #set), or check the replies of this action in test mode instead.",
        ],
        sources: &[VELOCITY_MACROS],
    },
    Advice {
        code: Code::R05,
        summary: "The successTemplate wrote text that is not JSON: the action fails.",
        causes: &[
            "A string value was put inside quotes without $esc.jsonString, so a quote or a backslash in it ends the string.",
            "A variable's value was quoted although it is already JSON text (\"${name}\" gives \"\"Bob\"\").",
            "A null or missing value printed as its reference (${x}) or as nothing ($!{x}) where JSON needs a value.",
        ],
        confirm: &[
            "The syntax findings of the output point at the place that breaks; the output is kept in the record.",
        ],
        fix: &[
            "Write ${name} without quotes for translationMap values, $esc.jsonString($x) inside quotes for text built in the template, and give nullable variables defaults.",
        ],
        sources: &[VELOCITY_MACROS, RESPONSE_CONFIG, JSON_RFC],
    },
    Advice {
        code: Code::R06,
        summary: "A translationMap path does not parse as a Jayway JSONPath.",
        causes: &[
            "A typo in the path (an unclosed bracket or quote, a filter without ?( ), or a syntax of another JSONPath dialect.",
        ],
        confirm: &["The finding quotes the path and where it stops parsing."],
        fix: &["Correct the path; Genesys reads paths with Jayway JsonPath."],
        sources: &[RESPONSE_CONFIG, CONFIGURATION],
    },
    Advice {
        code: Code::R07,
        summary: "The capture holds no JSON reply of the backend to replay.",
        causes: &[
            "The capture is not a backend reply (an HTML error page, plain text, a cut-off body) or records an HTTP error status.",
            "A test-mode trace whose request failed before the backend answered, so it has no Execute step result.",
        ],
        confirm: &[
            "The finding says what the capture holds; dapa scan on the same capture shows its transport and syntax findings.",
        ],
        fix: &[
            "Replay captures of the backend's replies (HTTP dumps, HAR entries, log lines, test traces that reached the backend).",
        ],
        sources: &[FAILS_IN_TEST],
    },
    Advice {
        code: Code::R08,
        summary: "The output differs from the one the older definition (--compare) gives; the verdict is no worse.",
        causes: &[
            "The change of the response configuration changes what the action returns for this reply (a new field, another format, another default).",
        ],
        confirm: &[
            "The finding names the byte where the outputs part; replay the capture with each definition and --format jsonl to see both records.",
        ],
        fix: &[
            "Nothing, when the change is meant; --fail-on R08 makes any changed output fail the gate.",
        ],
        sources: &[RESPONSE_CONFIG],
    },
    Advice {
        code: Code::R09,
        summary: "The verdict is worse than with the older definition (--compare).",
        causes: &[
            "The new configuration breaks replies the old one handled: a path renamed without a default, a template that writes broken JSON for some values, a contract that refuses what the template writes.",
        ],
        confirm: &[
            "The finding names both verdicts; the other findings of the capture say what breaks now.",
        ],
        fix: &[
            "Correct the new definition before it is saved in Genesys Cloud (a default for the path, $esc.jsonString for the value, the contract widened).",
        ],
        sources: &[RESPONSE_CONFIG, VELOCITY_MACROS],
    },
    Advice {
        code: Code::R10,
        summary: "A template reference was null and wrote its own text (${x}) into the output.",
        causes: &[
            "The translationMap path selected a JSON null (defaults do not stand in for null), so the variable is null in the template.",
            "The template names a variable the translationMap does not define (a typo, a renamed entry), or a #set whose value was null.",
        ],
        confirm: &[
            "The finding quotes the reference and its place in the template; the record's replay.variables says whether the variable was null.",
        ],
        fix: &[
            "Use the quiet form $!{x} where nothing should be written, guard the value with #if($x), or make the backend send a value.",
        ],
        sources: &[VELOCITY_GUIDE, VELOCITY_MACROS],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_code_order() {
        assert_eq!(TABLE.len(), Code::ALL.len());
        for (advice, code) in TABLE.iter().zip(Code::ALL) {
            assert_eq!(advice.code, *code);
            assert!(std::ptr::eq(super::advice(*code), advice));
        }
    }

    #[test]
    fn every_code_has_a_cause_a_way_to_confirm_and_a_fix() {
        for advice in &TABLE {
            let code = advice.code;
            assert!(!advice.causes.is_empty(), "{code} has no cause");
            assert!(!advice.confirm.is_empty(), "{code} has no way to confirm");
            assert!(!advice.fix.is_empty(), "{code} has no fix");
            assert_eq!(advice.summary, code.help(), "{code}'s summary");
            for source in advice.sources {
                assert!(source.contains(": https://"), "{code}: {source}");
            }
        }
    }

    fn help_for(code: Code, message: &str) -> String {
        help(&Finding::new(code, message))
    }

    #[test]
    fn error_body_help_follows_the_detail_code() {
        let authentication = help_for(
            Code::E01,
            "Genesys error body (errorCode style), status 400, code INVALID_CREDENTIALS, correlationId 4343, details ACTION.AUTHENTICATION: \"There was an issue validating the credentials.\"",
        );
        assert!(
            authentication.starts_with("ACTION.AUTHENTICATION"),
            "{authentication}"
        );
        assert!(authentication.contains("credentials"));
        let remote = help_for(
            Code::E01,
            "Genesys error body, status 400, code BAD_REQUEST, details ACTION.REMOTE_ENDPOINT, nested errors: BAD_REQUEST \"ACTION.PROCESSING in prose\"",
        );
        assert!(remote.starts_with("ACTION.REMOTE_ENDPOINT"), "{remote}");
        let processing = help_for(
            Code::E01,
            "Genesys error body, status 400, code x, details ACTION.PROCESSING",
        );
        assert!(processing.starts_with("ACTION.PROCESSING"), "{processing}");
        let forbidden = help_for(
            Code::E01,
            "Genesys error body, status 403, code forbidden: \"no\"",
        );
        assert!(
            forbidden.starts_with("403") && forbidden.contains("permission"),
            "{forbidden}"
        );
        let other = help_for(Code::E01, "Genesys error body, status 500, code internal");
        assert_eq!(other, advice(Code::E01).fix[0]);
    }

    #[test]
    fn failed_test_help_names_the_step() {
        let translation = help_for(
            Code::E02,
            "the test failed at step 3 \"Resolve translation map\": \"no match for $.x\"",
        );
        assert!(
            translation.starts_with("Step 3 \"Resolve translation map\" failed"),
            "{translation}"
        );
        assert!(translation.contains("translationMapDefaults"));
        let template = help_for(
            Code::E02,
            "the test failed at step 4 \"Apply success template\"",
        );
        assert!(template.contains("successTemplate"), "{template}");
        assert_eq!(
            help_for(Code::E02, "the test failed"),
            advice(Code::E02).fix[0]
        );
    }

    #[test]
    fn rate_limit_help_quotes_the_wait() {
        assert!(
            help_for(Code::E03, "rate limited: HTTP 429; Retry-After 42 s")
                .starts_with("Wait 42 s")
        );
        assert!(
            help_for(
                Code::E03,
                "rate limited: error code too.many.requests.retry.after; retry in 7 s"
            )
            .starts_with("Wait 7 s")
        );
        let date = help_for(
            Code::E03,
            "rate limited: HTTP 429; Retry-After Wed, 21 Oct 2015 07:28:00 GMT s",
        );
        assert_eq!(date, advice(Code::E03).fix[0]);
    }

    #[test]
    fn html_page_help_reads_the_title() {
        let gateway = help_for(
            Code::T04,
            "the body is an HTML page titled \"502 Bad Gateway\", not JSON",
        );
        assert!(
            gateway.contains("\"502 Bad Gateway\"") && gateway.contains("gateway"),
            "{gateway}"
        );
        let login = help_for(
            Code::T04,
            "the body is an HTML page titled \"Sign in\", not JSON",
        );
        assert!(login.contains("credentials"), "{login}");
        let missing = help_for(
            Code::T04,
            "the body is an HTML page titled \"404 Not Found\", not JSON",
        );
        assert!(missing.contains("requestUrlTemplate"), "{missing}");
        let untitled = help_for(Code::T04, "the body is an HTML page, not JSON");
        assert_eq!(untitled, advice(Code::T04).fix[0]);
    }

    #[test]
    fn stringified_help_follows_the_depth() {
        let once = help_for(
            Code::P01,
            "the string at /order holds JSON (an object); decoded, 1 level of encoding",
        );
        assert!(once.contains("unquoted"), "{once}");
        let thrice = help_for(
            Code::P01,
            "the body holds JSON (an object); decoded, 3 levels of encoding",
        );
        assert!(thrice.starts_with("Encoded 3 times"), "{thrice}");
    }

    #[test]
    fn placeholder_help_names_the_variable() {
        let email = help_for(
            Code::P03,
            "unrendered Velocity placeholder \"${email}\" in the value",
        );
        assert!(email.starts_with("${email} was printed"), "{email}");
        assert!(
            email.contains("$!{email}") && email.contains("email a translationMapDefaults"),
            "{email}"
        );
        let quiet = help_for(
            Code::P03,
            "unrendered Velocity placeholder \"$input.firstName\", \"${x}\" in the value",
        );
        assert!(quiet.contains("because input was null"), "{quiet}");
    }

    #[test]
    fn anchors_name_code_and_name() {
        assert_eq!(anchor(Code::E01), "e01-error-body");
    }
}
