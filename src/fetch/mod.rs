//! Live fetch: one Data Action request per input line, each final reply
//! kept as a capture that `scan` reads as it is.
//!
//! Modules: [`region`] (hosts), [`credentials`] (environment, `.env`),
//! [`auth`] (token cache), [`client`] (requests and retries), [`store`]
//! (atomic captures and the folder's lock), [`redact`] (the one step every
//! text from a server or a URL passes before it is shown or written),
//! [`pull`] (the action's definition, for `fetch` and `dapa pull`).

pub mod auth;
pub mod client;
pub mod credentials;
pub mod pull;
pub mod redact;
pub mod region;
pub mod store;

use auth::{AuthError, TokenSource};
use client::{Outcome, RetryPolicy, Retrying, Sender, Transport};
use credentials::Credentials;
use redact::Redactor;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// Which Data Action endpoint is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/execute`: the output contract directly.
    Execute,
    /// `/test`: a `TestExecutionResult`.
    Test,
    /// `/draft/test`: the draft's `TestExecutionResult`.
    DraftTest,
}

impl Endpoint {
    /// The name written in sidecars.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Execute => "execute",
            Endpoint::Test => "test",
            Endpoint::DraftTest => "draft-test",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Endpoint::Execute => "execute",
            Endpoint::Test => "test",
            Endpoint::DraftTest => "draft/test",
        }
    }

    /// Whether the endpoint runs the action's draft, whose definition is
    /// the draft's too.
    pub fn is_draft(self) -> bool {
        self == Endpoint::DraftTest
    }
}

/// Where requests go and how they are retried: the same for `fetch` and
/// `pull`.
#[derive(Debug, Clone)]
pub struct Service {
    /// The API base, e.g. `https://api.mypurecloud.ie`.
    pub api_url: String,
    /// The login base, e.g. `https://login.mypurecloud.ie`.
    pub login_url: String,
    /// Retries and waits.
    pub policy: RetryPolicy,
    /// Timeouts and the body limit.
    pub transport: Transport,
}

impl Service {
    /// The URL of a Data Action, or of its draft, under the API base.
    fn action_url(&self, action_id: &str) -> String {
        format!(
            "{}/api/v2/integrations/actions/{action_id}",
            self.api_url.trim_end_matches('/')
        )
    }

    /// Log in: the agent, and a token cache that holds its first token.
    /// Bad credentials stop here, before anything is written; a login
    /// service that is unreachable or busy is retried like a request.
    fn session(
        &self,
        credentials: Credentials,
        redactor: &Redactor,
        stop: &AtomicBool,
    ) -> Result<(ureq::Agent, TokenSource), FetchError> {
        let agent = client::agent(&self.transport, &self.api_url);
        let tokens = TokenSource::new(
            client::agent(&self.transport, &self.login_url),
            &self.login_url,
            credentials,
            redactor.clone(),
        );
        first_token(&tokens, &self.policy, stop)?;
        Ok((agent, tokens))
    }

    /// Every request of a session goes through this.
    fn sender<'a>(
        &self,
        agent: &'a ureq::Agent,
        tokens: &'a TokenSource,
        stop: &'a AtomicBool,
    ) -> Sender<'a> {
        Sender {
            agent,
            tokens,
            policy: self.policy,
            max_bytes: self.transport.max_bytes,
            stop,
            paused_until: Mutex::new(Instant::now()),
        }
    }
}

/// Open (and lock) an output folder for writing.
fn open_store(out: &Path, redactor: &Redactor) -> Result<store::Store, FetchError> {
    store::Store::open(out, redactor.clone()).map_err(|e| match e {
        store::StoreError::Locked => FetchError::Locked(out.to_owned()),
        store::StoreError::Io(e) => FetchError::Io(out.to_owned(), e),
    })
}

/// Everything a fetch needs but the credentials.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// The Data Action id.
    pub action_id: String,
    /// The endpoint called.
    pub endpoint: Endpoint,
    /// Add `?flatten=true`.
    pub flatten: bool,
    /// The hosts, retries and limits.
    pub service: Service,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The output folder.
    pub out: PathBuf,
}

impl FetchSettings {
    /// The URL one request goes to.
    pub fn request_url(&self) -> String {
        let mut url = format!(
            "{}/{}",
            self.service.action_url(&self.action_id),
            self.endpoint.path()
        );
        if self.flatten {
            url.push_str("?flatten=true");
        }
        url
    }

    /// The URL the action's definition is read from: the draft's for the
    /// draft endpoint.
    pub fn definition_url(&self) -> String {
        pull::definition_url(&self.service, &self.action_id, self.endpoint.is_draft())
    }
}

/// The API and login bases for a region, unless given outright. A URL's
/// `user:password@` is dropped (the credentials travel in headers only), and
/// plain `http://` is refused for any host but loopback unless
/// `allow_insecure_http`: the client secret and the tokens would cross the
/// network in clear.
pub fn base_urls(
    region: Option<&str>,
    api_url: Option<&str>,
    login_url: Option<&str>,
    allow_insecure_http: bool,
) -> Result<(String, String), FetchError> {
    let domain = match (region, api_url, login_url) {
        (_, Some(_), Some(_)) => None,
        (Some(region), _, _) => Some(region::domain(region).map_err(FetchError::Config)?),
        (None, _, _) => {
            return Err(FetchError::Config(format!(
                "no region: set {} (in the environment or .env) or pass --region, or give both --api-url and --login-url; regions:\n{}",
                credentials::REGION,
                region::listing()
            )));
        }
    };
    let api = api_url.map_or_else(
        || format!("https://api.{}", domain.unwrap_or_default()),
        str::to_owned,
    );
    let login = login_url.map_or_else(
        || format!("https://login.{}", domain.unwrap_or_default()),
        str::to_owned,
    );
    let api = checked_url(&api, "--api-url", allow_insecure_http)?;
    let login = checked_url(&login, "--login-url", allow_insecure_http)?;
    Ok((api, login))
}

/// `url` without its userinfo, if it is an http(s) base URL dapa may send
/// the credentials to. The text is taken apart here, strictly, before the
/// HTTP client's parser sees it: a typo must neither show the password nor
/// send the requests somewhere else than the text seems to say.
fn checked_url(url: &str, flag: &str, allow_insecure_http: bool) -> Result<String, FetchError> {
    let shown = shown_url(url);
    let refused = |why: &str| {
        Err(FetchError::Config(match &shown {
            Some(shown) => format!("{flag} {shown:?} {why}"),
            None => format!("{flag} (not shown: it holds an '@' but no scheme before it) {why}"),
        }))
    };
    let Some((scheme, after_scheme)) = url.split_once(':') else {
        return refused("is not an http(s) URL");
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return refused("is not an http(s) URL");
    }
    let Some(rest) = after_scheme.strip_prefix("//") else {
        return refused(&format!(
            "is not an http(s) URL: \"{scheme}:\" must be followed by two slashes"
        ));
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refused("holds a space or a control character");
    }
    if url.contains('\\') {
        return refused(
            "holds a backslash, which URL readers take in different ways (as a slash, or as part of the name)",
        );
    }
    if url.contains(['?', '#']) {
        return refused(
            "has a query or a fragment: a base URL takes neither, as the request path is added after it",
        );
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if path.contains('@') {
        return refused(
            "has an '@' after its host: a password that holds '/' or '@' must be percent-encoded",
        );
    }
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match checked_host_port(host_port) {
        Ok(host) => host,
        Err(why) => return refused(why),
    };
    let bare = format!("{scheme}://{host_port}{path}");
    // The same parser the HTTP client uses must find the same host, so that
    // the host checked is the host contacted.
    let parsed = ureq::http::Uri::try_from(bare.as_str()).ok();
    if parsed.as_ref().and_then(|uri| uri.host()) != Some(host) {
        return refused("is not a URL the HTTP client reads as written");
    }
    match scheme.as_str() {
        "http" if !allow_insecure_http && !is_loopback(host) => refused(&format!(
            "is plain http:// to {host:?}, which is not this machine: the client secret and the access tokens would cross the network unencrypted. Use https://, or pass --allow-insecure-http if the host is a test server you trust"
        )),
        _ => Ok(bare),
    }
}

/// A URL as it may be shown: everything between its scheme and the last
/// `@` removed, so that no part of a user name or password is left however
/// the slashes were typed (`https:/user:pw@host`, `https:user:pw@host`) or
/// whatever the password holds, and what follows a `?` or `#` cut to `…`
/// (a query may carry a token: `?access_token=...`). `None` when the text
/// has an `@` but no scheme to cut after.
fn shown_url(url: &str) -> Option<String> {
    let shown = shown_without_userinfo(url)?;
    Some(match shown.find(['?', '#']) {
        Some(cut) => format!("{}…", &shown[..=cut]),
        None => shown,
    })
}

/// [`shown_url`] before its query and fragment are cut.
fn shown_without_userinfo(url: &str) -> Option<String> {
    let Some(at) = url.rfind('@') else {
        return Some(url.to_owned());
    };
    let scheme_end = url.find(':')?;
    let is_scheme = scheme_end > 0
        && url[..scheme_end]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !is_scheme || scheme_end > at {
        return None;
    }
    let slashes = url[scheme_end + 1..at]
        .bytes()
        .take_while(|&b| b == b'/')
        .count();
    let kept = scheme_end + 1 + slashes;
    Some(format!("{}{}", &url[..kept], &url[at + 1..]))
}

/// The host of `host_port` (`name`, `name:port`, `[v6]` or `[v6]:port`) as a
/// URL spells it, or why it is not one.
fn checked_host_port(host_port: &str) -> Result<&str, &'static str> {
    let (host, port) = if host_port.starts_with('[') {
        let Some(end) = host_port.find(']') else {
            return Err("has an IPv6 address without its closing ']'");
        };
        let (host, after) = host_port.split_at(end + 1);
        if host[1..end].parse::<std::net::Ipv6Addr>().is_err() {
            return Err("has no valid IPv6 address between '[' and ']'");
        }
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err("has text after its IPv6 address that is not a port"),
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("has no host");
    }
    let name_bytes = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    if !host.starts_with('[') && !host.bytes().all(name_bytes) {
        return Err("has a host name with characters other than letters, digits, '-', '.' and '_'");
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|port| port > 0);
        if !valid {
            return Err("has a port that is not a number from 1 to 65535");
        }
    }
    Ok(host)
}

/// Whether `host` (as a URL spells it) is this machine: `localhost`,
/// 127.0.0.0/8 or `[::1]`.
fn is_loopback(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let address = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    address
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// A Data Action id goes into a URL path as one segment: letters, digits,
/// `-`, `_`, `.`, and not `.` or `..` (which a URL resolves to the folder
/// itself or its parent).
pub fn check_action_id(id: &str) -> Result<(), FetchError> {
    let valid = !id.is_empty()
        && !id.bytes().all(|b| b == b'.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(FetchError::Config(format!(
            "{id:?} is not a Data Action id (letters, digits, '-', '_' and '.' only, not dots alone)"
        )))
    }
}

/// The largest inputs file read (or standard input).
pub const INPUTS_LIMIT: u64 = 64 << 20;

/// The longest input line, newline excluded.
pub const INPUT_LINE_LIMIT: usize = 1 << 20;

/// The most lines an inputs file may have, so that every capture keeps its
/// six-digit name and the inputs held stay small whatever the lines hold.
pub const MAX_INPUT_LINES: usize = 999_999;

/// One line of the inputs file.
#[derive(Debug, Clone)]
pub struct Input {
    /// Its line number (1-based): the capture's file name.
    pub line: usize,
    /// The line's text, a JSON object checked when read. Only the text is
    /// held: parsed, a line of small values takes many times its size, so
    /// each is parsed when it is sent.
    pub text: Box<str>,
}

impl Input {
    /// The input values sent as the request body.
    pub fn values(&self) -> Map<String, Value> {
        // The line was checked to be a JSON object when it was read.
        serde_json::from_str(&self.text).unwrap_or_default()
    }
}

/// Read the inputs file at `path` (not standard input): a regular file of at
/// most [`INPUTS_LIMIT`] bytes.
pub fn read_inputs_file(path: &Path) -> Result<Vec<Input>, FetchError> {
    let name = path.display().to_string();
    let cannot =
        |reason: String| FetchError::Inputs(format!("cannot read --inputs {name}: {reason}"));
    let (file, metadata) = crate::input::open_regular(path).map_err(|e| cannot(e.to_string()))?;
    if metadata.len() > INPUTS_LIMIT {
        return Err(cannot(too_large()));
    }
    read_inputs(std::io::BufReader::new(file), &name)
}

fn too_large() -> String {
    format!(
        "larger than {} MiB, the limit for an inputs file",
        INPUTS_LIMIT >> 20
    )
}

/// The bad lines of an inputs file named, at most; the rest are counted.
const SHOWN_PROBLEMS: usize = 10;

/// Read the inputs: one JSON object per non-blank line, at most
/// [`INPUTS_LIMIT`] bytes, [`INPUT_LINE_LIMIT`] a line and
/// [`MAX_INPUT_LINES`] lines. Every bad line is named before anything is
/// sent.
pub fn read_inputs(reader: impl BufRead, name: &str) -> Result<Vec<Input>, FetchError> {
    let mut inputs = Vec::new();
    // The first bad lines, to name, and how many more: all of them kept,
    // a million bad lines took 143 MB to name ten.
    let mut problems = Vec::new();
    let mut more = 0usize;
    let mut problem = |text: String| match problems.len() < SHOWN_PROBLEMS {
        true => problems.push(text),
        false => more += 1,
    };
    // One byte past each limit tells a reader that reached it from one
    // that went beyond.
    let mut reader = reader.take(INPUTS_LIMIT + 1);
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        let read = (&mut reader)
            .take(INPUT_LINE_LIMIT as u64 + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(|e| FetchError::Inputs(format!("cannot read --inputs {name}: {e}")))?;
        if read == 0 {
            break;
        }
        number += 1;
        if reader.limit() == 0 {
            return Err(FetchError::Inputs(format!(
                "cannot read --inputs {name}: {}",
                too_large()
            )));
        }
        if number > MAX_INPUT_LINES {
            return Err(FetchError::Inputs(format!(
                "{name} has more than {MAX_INPUT_LINES} lines, the most one run takes; split it"
            )));
        }
        let line = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        if line.len() > INPUT_LINE_LIMIT {
            return Err(FetchError::Inputs(format!(
                "{name}:{number}: a line longer than {} MiB, the limit for one input",
                INPUT_LINE_LIMIT >> 20
            )));
        }
        let Ok(text) = std::str::from_utf8(line) else {
            problem(format!("{name}:{number}: not UTF-8 text"));
            continue;
        };
        // A byte-order mark belongs to the file, not to its first input.
        let text = if number == 1 {
            text.strip_prefix('\u{feff}').unwrap_or(text)
        } else {
            text
        };
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(_)) => inputs.push(Input {
                line: number,
                text: text.trim().into(),
            }),
            Ok(_) => problem(format!("{name}:{number}: not a JSON object")),
            Err(e) => problem(format!("{name}:{number}: not JSON ({e})")),
        }
    }
    if !problems.is_empty() {
        if more > 0 {
            problems.push(format!("... and {more} more"));
        }
        return Err(FetchError::Inputs(problems.join("\n")));
    }
    if inputs.is_empty() {
        return Err(FetchError::Inputs(format!("{name} holds no inputs")));
    }
    Ok(inputs)
}

/// What a run would do, known before anything is contacted.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The input lines.
    pub inputs: usize,
    /// The lines already captured, for this action and endpoint, from the
    /// same input line: they are not fetched again.
    pub already: usize,
    /// The lines captured from an input line that has changed since: they
    /// are fetched again and their captures replaced.
    pub changed: usize,
    /// Captures of lines the inputs do not have (a shorter or another
    /// inputs file): kept as they are.
    pub stray: usize,
    /// The inputs still to fetch, in line order.
    pub pending: Vec<Input>,
}

/// Compare the inputs with the captures present. A capture resumes a line
/// only when its sidecar names this action and endpoint and holds the same
/// input values as the line; captures of another action or endpoint (or
/// sidecars fetch did not write) stop the run, as mixing them into one
/// folder would mislead every scan of it.
pub fn plan(
    settings: &FetchSettings,
    inputs: Vec<Input>,
    redactor: &Redactor,
) -> Result<Plan, FetchError> {
    let out = &settings.out;
    let captured = store::captured_lines(out).map_err(|e| FetchError::Io(out.clone(), e))?;
    let by_line: BTreeMap<usize, &Input> = inputs.iter().map(|i| (i.line, i)).collect();
    let mut foreign: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut resumed = BTreeSet::new();
    let mut changed = 0;
    let mut stray = 0;
    for line in captured {
        let meta = match store::read_sidecar(out, line) {
            Ok(meta) => meta,
            Err(why) => {
                let what = format!("an unreadable sidecar ({why})");
                foreign.entry(what).or_insert((line, 0)).1 += 1;
                continue;
            }
        };
        let field = |name: &str| meta.get(name).and_then(Value::as_str);
        let (action, endpoint) = (field("action_id"), field("endpoint"));
        if (action, endpoint)
            != (
                Some(settings.action_id.as_str()),
                Some(settings.endpoint.name()),
            )
        {
            let what = format!(
                "action {:?} at endpoint {:?}",
                action.unwrap_or("(none)"),
                endpoint.unwrap_or("(none)")
            );
            foreign.entry(what).or_insert((line, 0)).1 += 1;
            continue;
        }
        match by_line.get(&line) {
            // The sidecar holds the line as written, through the redaction
            // (a URL's userinfo taken out): compared as written, a line
            // with one was fetched again by every run.
            Some(input)
                if meta.get("inputs") == Some(&redactor.json(&Value::Object(input.values()))) =>
            {
                resumed.insert(line);
            }
            Some(_) => changed += 1,
            None => stray += 1,
        }
    }
    if !foreign.is_empty() {
        let held: Vec<String> = foreign
            .iter()
            .take(3)
            .map(|(what, (first, count))| {
                format!("{count} of {what} (the first {})", store::meta_name(*first))
            })
            .collect();
        let more = foreign.len().saturating_sub(3);
        let more = if more > 0 {
            format!(" and {more} more kinds")
        } else {
            String::new()
        };
        return Err(FetchError::Config(format!(
            "{} holds captures this run cannot resume: {}{more}; this run is for action {:?} at endpoint {:?}. Nothing was changed: choose another --out, or move those captures away",
            out.display(),
            held.join(", "),
            settings.action_id,
            settings.endpoint.name()
        )));
    }
    let total = inputs.len();
    let pending: Vec<Input> = inputs
        .into_iter()
        .filter(|input| !resumed.contains(&input.line))
        .collect();
    Ok(Plan {
        inputs: total,
        already: resumed.len(),
        changed,
        stray,
        pending,
    })
}

/// What the observer hears while a run goes on.
#[derive(Debug)]
pub enum Event<'a> {
    /// A retry is about to happen.
    Retrying(Retrying<'a>),
    /// An input was captured (its final reply is on disk).
    Captured {
        /// The input line.
        line: usize,
        /// The reply's status.
        status: u16,
    },
    /// An input could not be captured.
    Failed {
        /// The input line.
        line: usize,
        /// Why.
        reason: &'a str,
    },
}

/// How a run ended.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FetchSummary {
    /// Input lines in the file.
    pub inputs: usize,
    /// Lines captured before this run.
    pub already: usize,
    /// Lines fetched again because their input line changed.
    pub changed: usize,
    /// Captures of lines not in the inputs, kept as they are.
    pub stray: usize,
    /// Lines captured by this run.
    pub captured: usize,
    /// Lines that needed more than one request.
    pub retried: usize,
    /// Lines that could not be captured, with why.
    pub failed: Vec<(usize, String)>,
    /// Lines left for a later run because the run was stopped.
    pub interrupted: usize,
    /// What came of the action's definition, once a token was had.
    pub definition: Option<pull::DefinitionOutcome>,
}

impl FetchSummary {
    /// Whether every input is captured now.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.interrupted == 0
    }
}

/// Errors that stop a fetch as a whole (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A setting is wrong.
    #[error("{0}")]
    Config(String),
    /// The inputs file is wrong.
    #[error("{0}")]
    Inputs(String),
    /// No token: bad credentials or an unreachable login service.
    #[error("{0}")]
    Auth(#[from] AuthError),
    /// The output folder cannot be written.
    #[error("cannot write to {}: {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
    /// Another run holds the output folder's lock.
    #[error("another dapa fetch is writing to {} (it holds the folder's lock); wait for it to end, or choose another --out", .0.display())]
    Locked(PathBuf),
}

/// Fetch the action's definition and every pending input of `plan` into
/// the output folder. A token is had first: bad credentials stop the run
/// before anything is written. The folder is then locked and looked at
/// again, as a run that ended since the plan may have captured lines. The
/// definition is read again on every run (it may have changed), and a
/// definition that cannot be read stops nothing: the captures are fetched
/// all the same. Every token received goes to `redactor`, and everything
/// written passes through it.
pub fn run(
    settings: &FetchSettings,
    credentials: Credentials,
    plan: Plan,
    redactor: &Redactor,
    stop: &AtomicBool,
    observe: &(dyn Fn(Event<'_>) + Sync),
) -> Result<FetchSummary, FetchError> {
    let mut summary = FetchSummary {
        inputs: plan.inputs,
        already: plan.already,
        changed: plan.changed,
        stray: plan.stray,
        ..FetchSummary::default()
    };
    let service = &settings.service;
    let (agent, tokens) = service.session(credentials, redactor, stop)?;
    let store = open_store(&settings.out, redactor)?;
    let sender = service.sender(&agent, &tokens, stop);
    summary.definition = Some(pull::save_definition(
        &sender,
        &store,
        &settings.action_id,
        &settings.definition_url(),
        &|_| {},
    )?);
    // Only the pending lines are looked at again; the stray count stands.
    let plan = self::plan(settings, plan.pending, redactor)?;
    summary.already += plan.already;
    summary.changed = plan.changed;
    if plan.pending.is_empty() {
        return Ok(summary);
    }
    let url = settings.request_url();
    let next = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    let write_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
    let refused: Mutex<Option<AuthError>> = Mutex::new(None);
    let workers = settings.concurrency.clamp(1, plan.pending.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = plan.pending.get(index) else {
                        break;
                    };
                    let values = input.values();
                    let body = Value::Object(values.clone()).to_string();
                    let started = Instant::now();
                    let outcome = sender.send(&url, input.line, Some(&body), &|retrying| {
                        observe(Event::Retrying(retrying));
                    });
                    let attempts = match &outcome {
                        Outcome::Reply { attempts, .. } | Outcome::Failed { attempts, .. } => {
                            *attempts
                        }
                        Outcome::Interrupted | Outcome::Refused(_) => 0,
                    };
                    let mut line_tally = Tally {
                        retried: usize::from(attempts > 1),
                        ..Tally::default()
                    };
                    match outcome {
                        Outcome::Reply { reply, attempts } => {
                            let meta = sidecar(settings, values, &reply, attempts, started);
                            match store.write(
                                input.line,
                                &reply.body,
                                &meta,
                                service.transport.max_bytes,
                            ) {
                                Ok(()) => {
                                    line_tally.captured = 1;
                                    observe(Event::Captured {
                                        line: input.line,
                                        status: reply.status,
                                    });
                                }
                                Err(error) => {
                                    stop.store(true, Ordering::Relaxed);
                                    let mut slot =
                                        write_error.lock().unwrap_or_else(|e| e.into_inner());
                                    slot.get_or_insert(error);
                                    line_tally.interrupted = 1;
                                }
                            }
                        }
                        Outcome::Failed { reason, .. } => {
                            observe(Event::Failed {
                                line: input.line,
                                reason: &reason,
                            });
                            line_tally.failed.push((input.line, reason));
                        }
                        Outcome::Interrupted => line_tally.interrupted = 1,
                        Outcome::Refused(error) => {
                            stop.store(true, Ordering::Relaxed);
                            refused
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(error);
                            line_tally.interrupted = 1;
                        }
                    }
                    tally
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .add(line_tally);
                }
            });
        }
    });
    if let Some(error) = write_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(FetchError::Io(settings.out.clone(), error));
    }
    if let Some(error) = refused.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(FetchError::Auth(error));
    }
    let tally = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    let taken = next.load(Ordering::Relaxed).min(plan.pending.len());
    summary.captured = tally.captured;
    summary.retried = tally.retried;
    summary.failed = tally.failed;
    summary.failed.sort();
    summary.interrupted = tally.interrupted + (plan.pending.len() - taken);
    Ok(summary)
}

/// The first token, retried like a request while the login service is
/// unreachable or busy; refused credentials end the run at once.
fn first_token(
    tokens: &TokenSource,
    policy: &RetryPolicy,
    stop: &AtomicBool,
) -> Result<(), FetchError> {
    let mut retry = 0;
    loop {
        let wait = match tokens.get() {
            Ok(_) => return Ok(()),
            Err(AuthError::Unavailable(_)) if retry < policy.retries => policy.backoff(retry + 1),
            Err(AuthError::Busy { retry_after, .. }) if retry < policy.retries => {
                policy.rate_limit_wait(retry_after.as_deref(), retry + 1)
            }
            Err(error) => return Err(error.into()),
        };
        retry += 1;
        let end = Instant::now() + wait.min(std::time::Duration::from_secs(3600));
        while Instant::now() < end {
            if stop.load(Ordering::Relaxed) {
                return Err(FetchError::Config(
                    "interrupted before the first token".to_owned(),
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[derive(Default)]
struct Tally {
    captured: usize,
    retried: usize,
    failed: Vec<(usize, String)>,
    interrupted: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.captured += other.captured;
        self.retried += other.retried;
        self.failed.extend(other.failed);
        self.interrupted += other.interrupted;
    }
}

/// Response headers that must not be kept: cookies identify a session.
fn kept_header(name: &str) -> bool {
    !matches!(
        name,
        "set-cookie" | "set-cookie2" | "cookie" | "authorization" | "proxy-authorization"
    )
}

fn sidecar(
    settings: &FetchSettings,
    inputs: Map<String, Value>,
    reply: &client::Reply,
    attempts: u32,
    started: Instant,
) -> Value {
    let mut headers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, value) in reply.headers.iter().filter(|(name, _)| kept_header(name)) {
        headers.entry(name).or_default().push(value);
    }
    let headers: Map<String, Value> = headers
        .into_iter()
        .map(|(name, values)| {
            let value = match values.as_slice() {
                [one] => json!(one),
                many => json!(many),
            };
            (name.to_owned(), value)
        })
        .collect();
    let captured_at = jiff::Timestamp::now()
        .round(jiff::Unit::Millisecond)
        .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string());
    let mut meta = json!({
        "status": reply.status,
        "headers": headers,
        "captured_at": captured_at,
        "action_id": settings.action_id,
        "endpoint": settings.endpoint.name(),
        "inputs": inputs,
        "attempts": attempts,
        "elapsed_ms": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    if let (Some(why), Value::Object(fields)) = (&reply.cut_off, &mut meta) {
        fields.insert("transport_error".to_owned(), json!(why));
    }
    meta
}

/// Whether `path` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_name_every_bad_line() {
        let text = "{\"a\":1}\n\n[1]\n{oops\n{\"b\":2}\n";
        let error = read_inputs(text.as_bytes(), "in.jsonl")
            .unwrap_err()
            .to_string();
        assert!(error.contains("in.jsonl:3: not a JSON object"), "{error}");
        assert!(error.contains("in.jsonl:4: not JSON"), "{error}");
        let inputs = read_inputs("\n{\"a\":1}\n".as_bytes(), "x").unwrap();
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].line, 2);
        assert!(read_inputs("\n \n".as_bytes(), "x").is_err());
        let inputs = read_inputs("\u{feff}{\"a\":1}\n".as_bytes(), "x").unwrap();
        assert_eq!(inputs[0].text.as_ref(), "{\"a\":1}");
        assert!(read_inputs("{}\n\u{feff}{}\n".as_bytes(), "x").is_err());
    }

    #[test]
    fn urls_from_regions_or_given() {
        let (api, login) = base_urls(Some("euw2"), None, None, false).unwrap();
        assert_eq!(api, "https://api.euw2.pure.cloud");
        assert_eq!(login, "https://login.euw2.pure.cloud");
        let (api, login) = base_urls(
            None,
            Some("http://127.0.0.1:9"),
            Some("http://u:p@127.0.0.1:8/"),
            false,
        )
        .unwrap();
        assert_eq!(
            (api.as_str(), login.as_str()),
            ("http://127.0.0.1:9", "http://127.0.0.1:8/")
        );
        assert!(base_urls(None, Some("http://127.0.0.1:9"), None, false).is_err());
        assert!(base_urls(Some("nowhere"), None, None, false).is_err());
        assert!(base_urls(None, Some("ftp://host"), Some("https://host"), false).is_err());
    }

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        let http = |url: &str, allow: bool| checked_url(url, "--api-url", allow).is_ok();
        for url in [
            "http://localhost:8080",
            "http://LOCALHOST./x",
            "http://127.0.0.1",
            "http://127.9.8.7:1",
            "http://[::1]:80/",
            "http://evil.example@127.0.0.1/",
            "https://api.example",
        ] {
            assert!(http(url, false), "{url} refused");
        }
        for url in [
            "http://api.example",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1@evil.example/",
            "http://localhost.evil.example",
            "http://[::2]/",
            "http://10.0.0.1",
        ] {
            assert!(!http(url, false), "{url} allowed");
            assert!(http(url, true), "{url} refused with the flag");
        }
        let error = checked_url("http://u:pw@api.example", "--api-url", false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("--allow-insecure-http"), "{error}");
        assert!(!error.contains("pw"), "{error}");
    }

    #[test]
    fn typed_urls_are_shown_without_userinfo_and_read_strictly() {
        let refusal = |url: &str| {
            checked_url(url, "--api-url", false)
                .unwrap_err()
                .to_string()
        };
        for (url, says) in [
            (
                "https:/u:TOPSECRETpw@x.example/",
                r#"--api-url "https:/x.example/" is not an http(s) URL: "https:" must be followed by two slashes"#,
            ),
            (
                "https:u:TOPSECRETpw@x.example/",
                r#"--api-url "https:x.example/" is not an http(s) URL"#,
            ),
            (
                "https://u:p@[::1",
                r#"--api-url "https://[::1" has an IPv6 address without its closing ']'"#,
            ),
            ("https://x.example/a?b#c", "has a query or a fragment"),
            ("https://x.example/a?b", "has a query or a fragment"),
            (r"https://u:pw@x.example\@y/", "holds a backslash"),
            ("https://x.example:99999999/", "port that is not a number"),
            ("https://x.example:abc/", "port that is not a number"),
            ("https://x.example:0", "port that is not a number"),
            ("https://x.example:", "port that is not a number"),
            ("https://u:pw@/x", "has no host"),
            ("https://u:p/w@x.example/", "has an '@' after its host"),
            ("https://x exa.mple/", "holds a space"),
            ("ftp://u:pw@host/", r#""ftp://host/" is not an http(s) URL"#),
            (
                "u/pw@host:1",
                "(not shown: it holds an '@' but no scheme before it)",
            ),
        ] {
            let error = refusal(url);
            assert!(error.contains(says), "{url}: {error}");
            for secret in ["TOPSECRET", "pw", "u:p"] {
                assert!(!error.contains(secret), "{url}: {error}");
            }
        }
        for (url, bare) in [
            (
                "https://u:p@x.example:443/base",
                "https://x.example:443/base",
            ),
            ("HTTPS://a@b:c@x.example", "https://x.example"),
            ("http://u:p@[::1]:8/", "http://[::1]:8/"),
        ] {
            assert_eq!(checked_url(url, "--api-url", false).unwrap(), bare);
        }
    }

    #[test]
    fn action_ids_are_one_plain_path_segment() {
        assert!(check_action_id("custom_-_3f2a-11").is_ok());
        assert!(check_action_id("v1.2").is_ok());
        for id in [
            "",
            ".",
            "..",
            "...",
            "../../users",
            "a/b",
            "a?b",
            "a#b",
            "a%2e",
            "a b",
            "a\u{1b}[2J",
        ] {
            let error = check_action_id(id).unwrap_err().to_string();
            assert!(!error.contains('\u{1b}'), "{error}");
        }
    }

    #[test]
    fn inputs_are_bounded_by_size_line_and_count() {
        let long = format!("{{\"a\":\"{}\"}}\n", "x".repeat(INPUT_LINE_LIMIT));
        let error = read_inputs(long.as_bytes(), "x").unwrap_err().to_string();
        assert!(error.contains("x:1: a line longer than 1 MiB"), "{error}");
        let fits = format!("{{\"a\":\"{}\"}}\n", "x".repeat(INPUT_LINE_LIMIT - 8));
        assert_eq!(read_inputs(fits.as_bytes(), "x").unwrap().len(), 1);
        let endless = std::io::BufReader::new(std::io::repeat(b'\n'));
        let error = read_inputs(endless, "x").unwrap_err().to_string();
        assert!(error.contains("more than 999999 lines"), "{error}");
        let line = format!("{{\"a\":\"{}\"}}\n", "x".repeat(1000));
        // 70,000 lines of 1 KB: over the size limit well before the count.
        let big = line.repeat(70_000);
        let error = read_inputs(big.as_bytes(), "x").unwrap_err().to_string();
        assert!(error.contains("larger than 64 MiB"), "{error}");
    }
}
