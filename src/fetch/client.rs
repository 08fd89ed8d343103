//! The HTTP side of `fetch`: the agent, one request, and the retry policy
//! (429 after `Retry-After`, 5xx but 501 and network failures after a
//! jittered exponential backoff, one fresh token after a 401).

use super::auth::{AuthError, TokenSource};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Timeouts and limits of the HTTP agent.
#[derive(Debug, Clone, Copy)]
pub struct Transport {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for each read while waiting for or receiving a reply.
    pub read_timeout: Duration,
    /// Bodies are kept up to this many bytes.
    pub max_bytes: u64,
}

/// The HTTP agent for requests to `base_url`: rustls, proxy from
/// `HTTPS_PROXY`/`ALL_PROXY`/`HTTP_PROXY` minus `NO_PROXY`, no redirects
/// followed, any status returned as a reply. A base URL on this machine is
/// reached directly, never through a proxy: a proxy elsewhere would reach
/// its own machine instead, and the plain http:// allowed to this machine
/// would carry the client secret and the tokens to the proxy unencrypted.
pub fn agent(transport: &Transport, base_url: &str) -> ureq::Agent {
    let local = ureq::http::Uri::try_from(base_url)
        .ok()
        .and_then(|uri| uri.host().map(super::is_loopback))
        .unwrap_or(false);
    let builder = ureq::Agent::config_builder();
    let builder = if local { builder.proxy(None) } else { builder };
    builder
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("dapa/", env!("CARGO_PKG_VERSION")))
        .timeout_connect(Some(transport.connect_timeout))
        .timeout_recv_response(Some(transport.read_timeout))
        .timeout_per_read(Some(transport.read_timeout))
        // A reply trickling in a byte at a time never trips the read
        // timeout: bound each request as a whole too.
        .timeout_per_call(Some(
            transport.connect_timeout + transport.read_timeout.saturating_mul(4),
        ))
        .build()
        .into()
}

/// When to try again, and how long to wait.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff; each retry doubles it (with jitter).
    pub backoff_base: Duration,
    /// The longest wait a `Retry-After` may ask for.
    pub retry_after_cap: Duration,
}

/// The longest single backoff, however many retries came before.
const BACKOFF_CAP: Duration = Duration::from_secs(60);

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): base × 2^(retry-1),
    /// capped, then drawn uniformly from its upper half so that workers
    /// that failed together do not return together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(16);
        let full = self.backoff_base.saturating_mul(factor).min(BACKOFF_CAP);
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// The wait a 429 asks for: `Retry-After` in seconds or as an HTTP
    /// date, capped; without one, the backoff.
    pub fn rate_limit_wait(&self, retry_after: Option<&str>, retry: u32) -> Duration {
        retry_after.and_then(parse_retry_after).map_or_else(
            || self.backoff(retry),
            |wait| wait.min(self.retry_after_cap),
        )
    }
}

fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a number holds is a wait longer than any cap.
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// One reply as received.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Headers in the order received, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body bytes received.
    pub body: Vec<u8>,
    /// Why the body is incomplete, when it is.
    pub cut_off: Option<String>,
    /// The body was larger than the limit (kept in part, never retried).
    pub too_large: bool,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What came of one input after all its attempts.
#[derive(Debug)]
pub enum Outcome {
    /// The final reply, whatever its status.
    Reply {
        /// The reply kept.
        reply: Reply,
        /// Requests sent for this input.
        attempts: u32,
    },
    /// No reply could be had.
    Failed {
        /// The last reason.
        reason: String,
        /// Requests sent for this input.
        attempts: u32,
    },
    /// The run was interrupted before this input got its final reply.
    Interrupted,
    /// The login service refused the credentials: the whole run must stop.
    Refused(AuthError),
}

/// Something a worker reports while it works.
#[derive(Debug)]
pub struct Retrying<'a> {
    /// The input line.
    pub line: usize,
    /// The retry about to happen (1-based).
    pub retry: u32,
    /// Why.
    pub reason: &'a str,
    /// How long it waits first.
    pub wait: Duration,
}

/// Everything the workers share while they send.
pub struct Sender<'a> {
    /// The HTTP agent.
    pub agent: &'a ureq::Agent,
    /// The token cache.
    pub tokens: &'a TokenSource,
    /// When to retry.
    pub policy: RetryPolicy,
    /// The body limit.
    pub max_bytes: u64,
    /// Set when the run must stop (Ctrl-C, an error writing).
    pub stop: &'a AtomicBool,
    /// A 429 pauses every worker, not only the one that received it.
    pub paused_until: Mutex<Instant>,
}

impl Sender<'_> {
    /// Send one input until it has a final reply, retries run out, or the
    /// run stops; `on_retry` hears of each retry before its wait. With a
    /// body the request is a POST of it, without one a GET (a definition).
    pub fn send(
        &self,
        url: &str,
        line: usize,
        body: Option<&str>,
        on_retry: &dyn Fn(Retrying<'_>),
    ) -> Outcome {
        let mut attempts = 0;
        let mut retries = 0;
        let mut refreshed_after_401 = false;
        loop {
            if !self.wait_for_pause() {
                return Outcome::Interrupted;
            }
            attempts += 1;
            let (reason, wait, is_rate_limit) = match self.tokens.get() {
                Err(refused @ (AuthError::Rejected(_) | AuthError::Unusable(_))) => {
                    return Outcome::Refused(refused);
                }
                Err(AuthError::Unavailable(reason)) => {
                    let wait = self.policy.backoff(retries + 1);
                    (reason, wait, false)
                }
                Err(AuthError::Busy {
                    reason,
                    retry_after,
                }) => {
                    let wait = (self.policy).rate_limit_wait(retry_after.as_deref(), retries + 1);
                    (reason, wait, true)
                }
                Ok(lease) => match self.exchange(url, lease.bearer.expose(), body) {
                    Err(reason) => (reason, self.policy.backoff(retries + 1), false),
                    Ok(reply) => {
                        if reply.status == 401 && !refreshed_after_401 {
                            refreshed_after_401 = true;
                            self.tokens.invalidate(&lease);
                            continue;
                        }
                        let Some((reason, wait, is_rate_limit)) = self.why_retry(&reply, retries)
                        else {
                            return Outcome::Reply { reply, attempts };
                        };
                        if retries >= self.policy.retries {
                            return Outcome::Reply { reply, attempts };
                        }
                        (reason, wait, is_rate_limit)
                    }
                },
            };
            if retries >= self.policy.retries {
                return Outcome::Failed { reason, attempts };
            }
            retries += 1;
            on_retry(Retrying {
                line,
                retry: retries,
                reason: &reason,
                wait,
            });
            if is_rate_limit {
                let now = Instant::now();
                let until = now.checked_add(wait).unwrap_or(now);
                let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
                *paused = (*paused).max(until);
            } else if !self.sleep(wait) {
                return Outcome::Interrupted;
            }
        }
    }

    fn why_retry(&self, reply: &Reply, retries: u32) -> Option<(String, Duration, bool)> {
        let next = retries + 1;
        match reply.status {
            429 => {
                let wait = self
                    .policy
                    .rate_limit_wait(reply.header("retry-after"), next);
                Some(("HTTP 429 rate limited".to_owned(), wait, true))
            }
            501 => None,
            500..=599 => Some((
                format!("HTTP {}", reply.status),
                self.policy.backoff(next),
                false,
            )),
            _ if reply.too_large => None,
            _ => reply.cut_off.as_ref().map(|why| {
                (
                    format!("body cut off: {why}"),
                    self.policy.backoff(next),
                    false,
                )
            }),
        }
    }

    fn exchange(&self, url: &str, bearer: &str, body: Option<&str>) -> Result<Reply, String> {
        let sent = match body {
            Some(body) => self
                .agent
                .post(url)
                .header("Authorization", bearer)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .send(body),
            None => self
                .agent
                .get(url)
                .header("Authorization", bearer)
                .header("Accept", "application/json")
                .call(),
        };
        let mut response = sent.map_err(|error| network_reason(&error))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut bytes = Vec::new();
        let mut reader = response
            .body_mut()
            .with_config()
            .limit(self.max_bytes)
            .reader();
        let mut too_large = false;
        let cut_off = match read_within(&mut reader, &mut bytes, self.max_bytes) {
            Ok(_) => None,
            Err(_) if bytes.len() as u64 >= self.max_bytes => {
                too_large = true;
                Some(format!(
                    "the body is larger than --max-bytes; the first {} bytes were kept",
                    bytes.len()
                ))
            }
            Err(error) => Some(format!(
                "the connection ended after {} bytes: {error}",
                bytes.len()
            )),
        };
        Ok(Reply {
            status,
            headers,
            body: bytes,
            cut_off,
            too_large,
        })
    }

    /// Wait out a pause every worker shares; false when the run stopped.
    fn wait_for_pause(&self) -> bool {
        let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        self.sleep(until.saturating_duration_since(Instant::now()))
    }

    /// Sleep in short steps so that a stop is heard; false when stopped.
    fn sleep(&self, wait: Duration) -> bool {
        let now = Instant::now();
        let end = now.checked_add(wait).unwrap_or(now);
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }
}

/// Read `reader` to its end into `bytes`, which never holds more than
/// `limit` bytes of room. Read as `read_to_end` reads, a body at the limit
/// doubled the buffer past it, and the blocks each doubling left behind
/// were still counted against the process: each of `--concurrency`
/// workers held two to three times `--max-bytes`. A body longer than a
/// first step is given room for the whole limit at once instead; the
/// system makes memory of that room only as the body fills it. A limit
/// larger than the room the system will give at once (`--max-bytes 131072G`
/// aborted the run on the first reply past the step) grows by doubling,
/// as far as the body goes.
fn read_within(
    reader: &mut impl std::io::Read,
    bytes: &mut Vec<u8>,
    limit: u64,
) -> std::io::Result<()> {
    const STEP: usize = 64 << 10;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut chunk = vec![0u8; STEP];
    loop {
        let read = match reader.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let needed = bytes.len() + read;
        if needed > bytes.capacity() {
            let room = if needed <= STEP { STEP } else { limit };
            let wanted = room.min(limit).max(needed) - bytes.len();
            if bytes.try_reserve_exact(wanted).is_err() {
                bytes
                    .try_reserve(read)
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
            }
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
}

/// A network error in a few words, never with request headers.
pub fn network_reason(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(which) => format!("timed out ({which})"),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_read_into_no_more_room_than_the_limit() {
        for (size, limit) in [
            (1_000_000, 1_000_000),
            (999_999, 1_000_000),
            (10, 5_000),
            (0, 10),
        ] {
            let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut bytes = Vec::new();
            read_within(&mut body.as_slice(), &mut bytes, limit).unwrap();
            assert_eq!(bytes, body);
            assert!(
                bytes.capacity() as u64 <= limit.max(64 << 10),
                "{size} bytes in {} of room",
                bytes.capacity()
            );
        }
        // A limit no system gives room for at once: the body is read all
        // the same, into room of about its size.
        let body = vec![7u8; 200_000];
        let mut bytes = Vec::new();
        read_within(&mut body.as_slice(), &mut bytes, u64::MAX).unwrap();
        assert_eq!(bytes, body);
        assert!(bytes.capacity() < 1 << 20, "{}", bytes.capacity());
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            retries: 5,
            backoff_base: Duration::from_secs(1),
            retry_after_cap: Duration::from_secs(180),
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let policy = policy();
        for retry in 1..=10u32 {
            let full = Duration::from_secs(1 << (retry - 1)).min(BACKOFF_CAP);
            for _ in 0..50 {
                let wait = policy.backoff(retry);
                assert!(wait >= full / 2 && wait <= full, "retry {retry}: {wait:?}");
            }
        }
        assert!(policy.backoff(200) <= BACKOFF_CAP);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = policy();
        assert_eq!(
            policy.rate_limit_wait(Some("42"), 1),
            Duration::from_secs(42)
        );
        assert_eq!(
            policy.rate_limit_wait(Some("3600"), 1),
            Duration::from_secs(180)
        );
        // More seconds than a number holds is still a long wait, capped.
        assert_eq!(
            policy.rate_limit_wait(Some("99999999999999999999999999"), 1),
            Duration::from_secs(180)
        );
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
        let date = jiff::fmt::rfc2822::to_string(&soon.in_tz("UTC").unwrap()).unwrap();
        let wait = policy.rate_limit_wait(Some(&date), 1);
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        // An HTTP date in the past means at once.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let fallback = policy.rate_limit_wait(Some("soon"), 1);
        assert!(fallback <= Duration::from_secs(1));
    }
}
