//! Live fetch: one Data Action request per input line, each final reply
//! kept as a capture that `scan` reads as it is.
//!
//! Modules: [`region`] (hosts), [`credentials`] (environment, `.env`),
//! [`auth`] (token cache), [`client`] (requests and retries), [`store`]
//! (atomic captures and resume).

pub mod auth;
pub mod client;
pub mod credentials;
pub mod region;
pub mod store;

use auth::{AuthError, TokenSource};
use client::{Outcome, RetryPolicy, Retrying, Sender, Transport};
use credentials::Credentials;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::BufRead;
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
    /// The API base, e.g. `https://api.mypurecloud.ie`.
    pub api_url: String,
    /// The login base, e.g. `https://login.mypurecloud.ie`.
    pub login_url: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Retries and waits.
    pub policy: RetryPolicy,
    /// Timeouts and the body limit.
    pub transport: Transport,
    /// The output folder.
    pub out: PathBuf,
}

impl FetchSettings {
    /// The URL one request goes to.
    pub fn request_url(&self) -> String {
        let mut url = format!(
            "{}/api/v2/integrations/actions/{}/{}",
            self.api_url.trim_end_matches('/'),
            self.action_id,
            self.endpoint.path()
        );
        if self.flatten {
            url.push_str("?flatten=true");
        }
        url
    }
}

/// The API and login bases for a region, unless given outright.
pub fn base_urls(
    region: Option<&str>,
    api_url: Option<&str>,
    login_url: Option<&str>,
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
    for url in [&api, &login] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(FetchError::Config(format!("'{url}' is not an http(s) URL")));
        }
    }
    Ok((api, login))
}

/// A Data Action id goes into a URL path: letters, digits, `-`, `_`, `.`.
pub fn check_action_id(id: &str) -> Result<(), FetchError> {
    let valid = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(FetchError::Config(format!(
            "'{id}' is not a Data Action id (letters, digits, '-', '_' and '.' only)"
        )))
    }
}

/// One line of the inputs file.
#[derive(Debug, Clone)]
pub struct Input {
    /// Its line number (1-based): the capture's file name.
    pub line: usize,
    /// The input values sent as the request body.
    pub values: Map<String, Value>,
}

/// Read the inputs: one JSON object per non-blank line. Every bad line is
/// named before anything is sent.
pub fn read_inputs(reader: impl BufRead, name: &str) -> Result<Vec<Input>, FetchError> {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let text = line.map_err(|e| FetchError::Inputs(format!("{name}: {e}")))?;
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(values)) => inputs.push(Input {
                line: number,
                values,
            }),
            Ok(_) => problems.push(format!("{name}:{number}: not a JSON object")),
            Err(e) => problems.push(format!("{name}:{number}: not JSON ({e})")),
        }
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(10);
        problems.truncate(10);
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
    /// The lines already captured in the output folder.
    pub already: usize,
    /// The inputs still to fetch, in line order.
    pub pending: Vec<Input>,
}

/// Compare the inputs with the captures present.
pub fn plan(settings: &FetchSettings, inputs: Vec<Input>) -> Result<Plan, FetchError> {
    let done = store::captured_lines(&settings.out)
        .map_err(|e| FetchError::Io(settings.out.clone(), e))?;
    let total = inputs.len();
    let pending: Vec<Input> = inputs
        .into_iter()
        .filter(|input| !done.contains(&input.line))
        .collect();
    Ok(Plan {
        inputs: total,
        already: total - pending.len(),
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
    /// Lines captured by this run.
    pub captured: usize,
    /// Lines that needed more than one request.
    pub retried: usize,
    /// Lines that could not be captured, with why.
    pub failed: Vec<(usize, String)>,
    /// Lines left for a later run because the run was stopped.
    pub interrupted: usize,
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
}

/// Fetch every pending input of `plan` into the output folder. A token is
/// had first: bad credentials stop the run before anything is written.
pub fn run(
    settings: &FetchSettings,
    credentials: Credentials,
    plan: Plan,
    stop: &AtomicBool,
    observe: &(dyn Fn(Event<'_>) + Sync),
) -> Result<FetchSummary, FetchError> {
    let mut summary = FetchSummary {
        inputs: plan.inputs,
        already: plan.already,
        ..FetchSummary::default()
    };
    if plan.pending.is_empty() {
        return Ok(summary);
    }
    let agent = client::agent(&settings.transport);
    let tokens = TokenSource::new(agent.clone(), &settings.login_url, credentials);
    first_token(&tokens, &settings.policy, stop)?;
    let store =
        store::Store::open(&settings.out).map_err(|e| FetchError::Io(settings.out.clone(), e))?;
    let sender = Sender {
        agent: &agent,
        tokens: &tokens,
        policy: settings.policy,
        max_bytes: settings.transport.max_bytes,
        stop,
        paused_until: Mutex::new(Instant::now()),
    };
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
                    let body = Value::Object(input.values.clone()).to_string();
                    let started = Instant::now();
                    let outcome = sender.send(&url, input.line, &body, &|retrying| {
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
                            let meta = sidecar(settings, input, &reply, attempts, started);
                            match store.write(input.line, &reply.body, &meta) {
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
        match tokens.get() {
            Ok(_) => return Ok(()),
            Err(AuthError::Unavailable(_)) if retry < policy.retries => {
                retry += 1;
                let wait = policy.backoff(retry);
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
            Err(error) => return Err(error.into()),
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
    input: &Input,
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
        "inputs": input.values,
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
    }

    #[test]
    fn urls_from_regions_or_given() {
        let (api, login) = base_urls(Some("euw2"), None, None).unwrap();
        assert_eq!(api, "https://api.euw2.pure.cloud");
        assert_eq!(login, "https://login.euw2.pure.cloud");
        let (api, login) =
            base_urls(None, Some("http://127.0.0.1:9"), Some("http://127.0.0.1:8")).unwrap();
        assert_eq!(
            (api.as_str(), login.as_str()),
            ("http://127.0.0.1:9", "http://127.0.0.1:8")
        );
        assert!(base_urls(None, Some("http://127.0.0.1:9"), None).is_err());
        assert!(base_urls(Some("nowhere"), None, None).is_err());
        assert!(check_action_id("custom_-_3f2a-11").is_ok());
        assert!(check_action_id("../../users").is_err());
    }
}
