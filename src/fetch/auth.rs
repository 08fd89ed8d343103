//! OAuth client credentials: one cached access token shared by every worker,
//! fetched again shortly before it expires and once more after a 401.

use super::credentials::{Credentials, Secret};
use super::redact::{Redactor, too_short_to_remove};
use base64::Engine as _;
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The login service refused the credentials (a 4xx): retrying cannot help.
    #[error("the login service refused the client credentials: {0}")]
    Rejected(String),
    /// The login service could not be reached or failed (network, 5xx).
    #[error("no access token: {0}")]
    Unavailable(String),
    /// The login service is busy (429): asked again after the wait its
    /// `Retry-After` names, as a busy API is.
    #[error("no access token: {reason}")]
    Busy {
        /// What the login service said.
        reason: String,
        /// Its `Retry-After`, as sent.
        retry_after: Option<String>,
    },
    /// The login service issued a token dapa cannot keep out of what it
    /// writes: asking again would bring another like it.
    #[error("the login service's access token cannot be used: {0}")]
    Unusable(String),
}

/// An access token as lent to one request.
#[derive(Debug, Clone)]
pub struct Lease {
    /// The `Authorization` header value.
    pub bearer: Secret,
    generation: u64,
}

struct Token {
    bearer: Secret,
    refresh_at: Instant,
    generation: u64,
}

/// The token cache: one request to the login service at a time.
pub struct TokenSource {
    agent: ureq::Agent,
    url: String,
    credentials: Credentials,
    current: Mutex<Option<Token>>,
    requests: AtomicU32,
    redactor: Redactor,
}

/// Genesys Cloud's default token lifetime, for a reply that omits it.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(86_400);

/// Longest lifetime believed: Genesys allows 48 hours; a larger figure is
/// a broken reply, and a token is asked for again after this at the latest.
const MAX_LIFETIME: Duration = Duration::from_secs(7 * 86_400);

/// How long before expiry a token is replaced: a minute, or half the
/// lifetime for clients configured with short-lived tokens.
pub fn refresh_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(60).min(lifetime / 2)
}

impl TokenSource {
    /// A source asking `{login_url}/oauth/token`; each token it receives is
    /// handed to `redactor` before it is used.
    pub fn new(
        agent: ureq::Agent,
        login_url: &str,
        credentials: Credentials,
        redactor: Redactor,
    ) -> TokenSource {
        TokenSource {
            agent,
            url: format!("{}/oauth/token", login_url.trim_end_matches('/')),
            credentials,
            current: Mutex::new(None),
            requests: AtomicU32::new(0),
            redactor,
        }
    }

    /// How many tokens were requested so far.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// A valid token, fetching a new one when there is none or it is due.
    pub fn get(&self) -> Result<Lease, AuthError> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = current.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(Lease {
                bearer: token.bearer.clone(),
                generation: token.generation,
            });
        }
        let generation = current.as_ref().map_or(1, |t| t.generation + 1);
        let (access_token, lifetime) = self.request()?;
        let now = Instant::now();
        let token = Token {
            bearer: Secret::new(format!("Bearer {}", access_token.expose())),
            refresh_at: now
                .checked_add(lifetime - refresh_margin(lifetime))
                .unwrap_or(now),
            generation,
        };
        let lease = Lease {
            bearer: token.bearer.clone(),
            generation,
        };
        *current = Some(token);
        Ok(lease)
    }

    /// The token of `lease` was refused (401): drop it unless another worker
    /// already replaced it.
    pub fn invalidate(&self, lease: &Lease) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = current.as_mut()
            && token.generation == lease.generation
        {
            token.refresh_at = Instant::now();
        }
    }

    fn request(&self) -> Result<(Secret, Duration), AuthError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let pair = format!(
            "{}:{}",
            self.credentials.client_id,
            self.credentials.client_secret.expose()
        );
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        );
        let response = self
            .agent
            .post(&self.url)
            .header("Authorization", &basic)
            .header("Accept", "application/json")
            .send_form([("grant_type", "client_credentials")]);
        let mut response = match response {
            Ok(response) => response,
            Err(error) => {
                return Err(AuthError::Unavailable(format!(
                    "{} cannot be reached: {}",
                    self.url,
                    super::client::network_reason(&error)
                )));
            }
        };
        let status = response.status().as_u16();
        let retry_after = (response.headers().get("retry-after"))
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = match response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
        {
            Ok(body) => body,
            Err(error) => {
                return Err(AuthError::Unavailable(format!(
                    "{} answered {status}, but its reply could not be read: {}",
                    self.url,
                    super::client::network_reason(&error)
                )));
            }
        };
        let reply: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status != 200 {
            let reason = login_error(status, &reply);
            return Err(match status {
                429 => AuthError::Busy {
                    reason,
                    retry_after,
                },
                400..500 => AuthError::Rejected(reason),
                _ => AuthError::Unavailable(reason),
            });
        }
        let Some(token) = reply.get("access_token").and_then(Value::as_str) else {
            return Err(AuthError::Unavailable(format!(
                "{} answered 200 without an access_token",
                self.url
            )));
        };
        let lifetime = reply
            .get("expires_in")
            .and_then(Value::as_u64)
            .filter(|seconds| *seconds > 0)
            .map_or(DEFAULT_LIFETIME, Duration::from_secs)
            .min(MAX_LIFETIME);
        if let Some(why) = too_short_to_remove("token", token) {
            return Err(AuthError::Unusable(format!(
                "{} issued a token {why}",
                self.url
            )));
        }
        self.redactor.add_with_forms(token);
        Ok((Secret::new(token), lifetime))
    }
}

/// The login service's own words (`error`, `error_description`), or else
/// just the status. They may quote the credentials: they are shown only
/// through the [`Redactor`].
fn login_error(status: u16, reply: &Value) -> String {
    let field = |name: &str| reply.get(name).and_then(Value::as_str);
    match (field("error"), field("error_description")) {
        (Some(error), Some(description)) => format!("HTTP {status} {error}: {description}"),
        (Some(error), None) => format!("HTTP {status} {error}"),
        _ => format!("HTTP {status} from the login service"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_suits_short_and_long_lifetimes() {
        assert_eq!(
            refresh_margin(Duration::from_secs(86_400)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(300)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(90)),
            Duration::from_secs(45)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn login_errors_use_the_services_words() {
        let reply =
            serde_json::json!({"error": "invalid_client", "error_description": "client not found"});
        assert_eq!(
            login_error(401, &reply),
            "HTTP 401 invalid_client: client not found"
        );
        assert_eq!(
            login_error(502, &Value::Null),
            "HTTP 502 from the login service"
        );
    }
}
