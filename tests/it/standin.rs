//! A small Genesys Cloud stand-in on 127.0.0.1 for the fetch tests: the
//! OAuth token endpoint, the Data Action endpoints, with faults chosen by
//! each input's `case` field, and the actions' definitions (`GET
//! /api/v2/integrations/actions/{id}`, and `/draft`): a definition set by
//! the test, else [`definition`] for any id but `missing-*` (404). Plain HTTP/1.1 over std sockets, one request
//! per connection, so that a fault (a cut-off body, a stall) is exact.

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const CLIENT_ID: &str = "standin-client-0001";
pub const CLIENT_SECRET: &str = "s3cr3t-standin-Zx81Qw";

/// What the server saw and handed out, for the tests to check.
#[derive(Default)]
pub struct Log {
    /// Requests per input `n`, in order of arrival: the endpoint path.
    pub requests: BTreeMap<u64, Vec<String>>,
    /// When each request of input `n` arrived.
    pub arrivals: BTreeMap<u64, Vec<Instant>>,
    /// Every access token issued.
    pub tokens: Vec<String>,
    /// Token requests refused.
    pub refused_logins: u32,
    /// Data Action requests answered 401 because the token had expired.
    pub expired_401: u32,
    /// Definition requests, in order of arrival: the path and query.
    pub definitions: Vec<String>,
    /// When each token request arrived.
    pub logins: Vec<Instant>,
}

/// The definition served for an action: the API's shape, with a contract
/// the stand-in's 200 replies satisfy (`{"id", "name", "endpoint"}`), and
/// request headers holding a placeholder and a literal key.
pub fn definition(id: &str, version: u64) -> Value {
    json!({
        "id": id,
        "name": "Get Contact",
        "version": version,
        "category": "Stand-in",
        "integrationId": "standin-integration-1",
        "secure": false,
        "config": {
            "request": {
                "requestUrlTemplate": "https://backend.example/contacts/${input.n}",
                "requestType": "GET",
                "headers": {
                    "Authorization": "Bearer ${credentials.token}",
                    "X-Api-Key": "literal-key-7f3a9c",
                    "Accept": "application/json"
                },
                "requestTemplate": "${input.rawRequest}"
            },
            "response": {
                "translationMap": {"id": "$.id", "name": "$.name"},
                "translationMapDefaults": {},
                "successTemplate": "${rawResult}"
            }
        },
        "contract": {
            "input": {"inputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
            "output": {"successSchema": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "endpoint": {"type": "string"}
                },
                "required": ["id", "name"],
                "additionalProperties": true
            }}
        }
    })
}

struct Token {
    issued: Instant,
}

struct State {
    log: Mutex<Log>,
    tokens: Mutex<HashMap<String, Token>>,
    lifetime: u64,
    /// Logins granted before the credentials are refused (a revoked client).
    logins: u32,
    /// Logins answered 503 first (a login service that is busy).
    busy_logins: AtomicU32,
    /// The busy answers are 429 with `Retry-After: 1` instead of 503.
    rate_limited_logins: AtomicBool,
    /// Every login answered with this status and an error text that quotes
    /// the credentials it received (a careless login service).
    leaky_login: Option<u16>,
    counter: AtomicU32,
    stop: AtomicBool,
    /// Definitions set by the test, by action id, written out when set: a large one is
    /// then served as fast as the socket takes it, whatever the build.
    definitions: Mutex<HashMap<String, Arc<String>>>,
    /// Definition requests answered 403, as for a client without the
    /// permission `integrations:action:view`.
    no_view: AtomicBool,
    /// The access token every login issues, when the test sets one.
    token: Mutex<Option<String>>,
}

/// A running stand-in; dropped, it stops accepting.
pub struct StandIn {
    pub url: String,
    state: Arc<State>,
}

impl StandIn {
    /// Start a stand-in whose tokens live `lifetime` seconds.
    pub fn start(lifetime: u64) -> StandIn {
        StandIn::start_revoking_after(lifetime, u32::MAX)
    }

    /// A stand-in that refuses the credentials after `logins` tokens.
    pub fn start_revoking_after(lifetime: u64, logins: u32) -> StandIn {
        StandIn::start_with(lifetime, logins, 0)
    }

    /// A stand-in whose login service answers 503 `busy` times first.
    pub fn start_busy(busy: u32) -> StandIn {
        StandIn::start_with(3600, u32::MAX, busy)
    }

    /// A stand-in whose login service answers every request with `status`
    /// and quotes the client id, the secret and the Basic value it received.
    pub fn start_leaky_login(status: u16) -> StandIn {
        StandIn::start_with_login(3600, u32::MAX, 0, Some(status))
    }

    /// A stand-in whose login service answers 429 with `Retry-After: 1`
    /// `busy` times first.
    pub fn start_rate_limited_login(busy: u32) -> StandIn {
        let server = StandIn::start_busy(busy);
        (server.state.rate_limited_logins).store(true, Ordering::Relaxed);
        server
    }

    fn start_with(lifetime: u64, logins: u32, busy: u32) -> StandIn {
        StandIn::start_with_login(lifetime, logins, busy, None)
    }

    fn start_with_login(
        lifetime: u64,
        logins: u32,
        busy: u32,
        leaky_login: Option<u16>,
    ) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            log: Mutex::new(Log::default()),
            tokens: Mutex::new(HashMap::new()),
            lifetime,
            logins,
            busy_logins: AtomicU32::new(busy),
            rate_limited_logins: AtomicBool::new(false),
            leaky_login,
            counter: AtomicU32::new(0),
            stop: AtomicBool::new(false),
            definitions: Mutex::new(HashMap::new()),
            no_view: AtomicBool::new(false),
            token: Mutex::new(None),
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = serve(&state, stream);
                });
            }
        });
        StandIn { url, state }
    }

    /// A look at what the server saw.
    pub fn log<T>(&self, look: impl FnOnce(&Log) -> T) -> T {
        look(&self.state.log.lock().unwrap())
    }

    /// Serve `definition` for action `id` from now on.
    pub fn set_definition(&self, id: &str, definition: Value) {
        self.state
            .definitions
            .lock()
            .unwrap()
            .insert(id.to_owned(), Arc::new(definition.to_string()));
    }

    /// Answer definition requests 403 from now on, as for a client that
    /// lacks the permission `integrations:action:view`.
    pub fn deny_view(&self) {
        self.state.no_view.store(true, Ordering::Relaxed);
    }

    /// Issue `token` at every login from now on.
    pub fn issue_token(&self, token: &str) {
        *self.state.token.lock().unwrap() = Some(token.to_owned());
    }

    /// How many requests input `n` received.
    pub fn attempts(&self, n: u64) -> usize {
        self.log(|log| log.requests.get(&n).map_or(0, Vec::len))
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

fn read_request(stream: &TcpStream) -> std::io::Result<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let method = line.split_whitespace().next().unwrap_or("").to_owned();
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Request {
        method,
        path,
        headers,
        body,
    })
}

fn respond(
    mut stream: &TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn serve(state: &State, stream: TcpStream) -> std::io::Result<()> {
    let request = read_request(&stream)?;
    if request.path == "/oauth/token" {
        return login(state, &stream, &request);
    }
    let Some(rest) = request.path.strip_prefix("/api/v2/integrations/actions/") else {
        return respond(&stream, 404, &[], b"{\"message\":\"not found\"}");
    };
    if request.method == "GET" {
        return serve_definition(state, &stream, &request, rest);
    }
    let endpoint = rest.split_once('/').map_or("", |(_, e)| e).to_owned();
    let input: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let n = input["n"].as_u64().unwrap_or(0);
    let case = input["case"].as_str().unwrap_or("ok").to_owned();
    let attempt = {
        let mut log = state.log.lock().unwrap();
        log.arrivals.entry(n).or_default().push(Instant::now());
        let seen = log.requests.entry(n).or_default();
        seen.push(endpoint.clone());
        seen.len()
    };
    let bearer = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned();
    {
        let tokens = state.tokens.lock().unwrap();
        let valid = tokens
            .get(&bearer)
            .is_some_and(|t| t.issued.elapsed() < Duration::from_secs(state.lifetime));
        if !valid && tokens.contains_key(&bearer) {
            state.log.lock().unwrap().expired_401 += 1;
        }
        // "401-once" refuses this request's token once, as a gateway does
        // after a revocation it has heard of before the other nodes; other
        // requests in flight keep their token, so that their counts stay exact.
        if !valid || (case == "401-once" && attempt == 1) {
            drop(tokens);
            return respond(
                &stream,
                401,
                &[("Content-Type", "application/json")],
                br#"{"message":"Invalid login credentials.","code":"bad.credentials","status":401}"#,
            );
        }
    }
    let json_type = ("Content-Type", "application/json");
    let cookie = ("Set-Cookie", "ININ-SESSION=abc123; Path=/; HttpOnly");
    let ok_body =
        json!({"id": n, "name": format!("Contact {n}"), "endpoint": endpoint}).to_string();
    // Breaks the served definition's contract: the id as a string.
    let off_contract =
        json!({"id": n.to_string(), "name": format!("Contact {n}"), "endpoint": endpoint})
            .to_string();
    let error_body = |status: u16, code: &str| {
        json!({"message": format!("stand-in {status}"), "code": code, "status": status, "contextId": "c-1", "details": [], "errors": []}).to_string()
    };
    match (case.as_str(), attempt) {
        ("429-once", 1) => respond(
            &stream,
            429,
            &[json_type, ("Retry-After", "1")],
            error_body(429, "too.many.requests.retry.after").as_bytes(),
        ),
        ("503-once", 1) => respond(&stream, 503, &[json_type], error_body(503, "service.unavailable").as_bytes()),
        ("500-always", _) => respond(&stream, 500, &[json_type, cookie], error_body(500, "internal.server.error").as_bytes()),
        ("501", _) => respond(&stream, 501, &[json_type], error_body(501, "not.implemented").as_bytes()),
        ("slow-once", 1) => {
            std::thread::sleep(Duration::from_secs(3));
            respond(&stream, 200, &[json_type], ok_body.as_bytes())
        }
        ("slow", _) => {
            std::thread::sleep(Duration::from_millis(300));
            respond(&stream, 200, &[json_type], ok_body.as_bytes())
        }
        ("cut-once", 1) | ("cut-always", _) => {
            let mut stream = &stream;
            let head = format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                ok_body.len() + 40
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(&ok_body.as_bytes()[..ok_body.len() / 2])?;
            stream.flush()
        }
        // A gateway that echoes the request's Authorization header in its
        // error body and in a header.
        ("echo-auth", _) => {
            let received = request.header("authorization").unwrap_or("");
            let body = json!({"message": format!("bad request; you sent Authorization: {received}"), "status": 400});
            respond(
                &stream,
                400,
                &[json_type, ("X-Echo-Authorization", received)],
                body.to_string().as_bytes(),
            )
        }
        // A gateway that echoes the bearer token in an error body it
        // compresses (gzip, though none was asked for).
        ("echo-auth-gzip", _) => {
            let received = request.header("authorization").unwrap_or("");
            let token = received.trim_start_matches("Bearer ");
            let body = json!({"message": format!("the token {token} is refused"), "code": "bad.request", "status": 400});
            let mut gzip =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gzip.write_all(body.to_string().as_bytes())?;
            respond(
                &stream,
                400,
                &[json_type, ("Content-Encoding", "gzip")],
                &gzip.finish()?,
            )
        }
        // A gateway whose error body is itself an HTTP dump (a proxy that
        // forwards an upstream's raw reply) echoing the token in its own
        // body: chunked in five-byte pieces, so that no piece holds it.
        ("echo-auth-dump-chunked", _) => {
            let received = request.header("authorization").unwrap_or("");
            let inner = json!({"message": format!("upstream refused {received}"), "status": 401});
            let inner = inner.to_string();
            let mut dump = String::from(
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            for piece in inner.as_bytes().chunks(5) {
                dump.push_str(&format!("{:x}\r\n", piece.len()));
                dump.push_str(std::str::from_utf8(piece).unwrap_or_default());
                dump.push_str("\r\n");
            }
            dump.push_str("0\r\n\r\n");
            respond(&stream, 400, &[("Content-Type", "text/plain")], dump.as_bytes())
        }
        // The same with the upstream's body in gzip, and the whole reply
        // compressed again by the gateway.
        ("echo-auth-dump-gzip", _) => {
            let received = request.header("authorization").unwrap_or("");
            let inner = json!({"message": format!("upstream refused {received}"), "status": 401});
            let compress = |bytes: &[u8]| -> std::io::Result<Vec<u8>> {
                let mut gzip =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gzip.write_all(bytes)?;
                gzip.finish()
            };
            let mut dump = b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
            dump.extend(compress(inner.to_string().as_bytes())?);
            respond(
                &stream,
                400,
                &[("Content-Type", "text/plain"), ("Content-Encoding", "gzip")],
                &compress(&dump)?,
            )
        }
        // A gateway that quotes the token as JSON with its slashes escaped,
        // and in URLs, percent-encoded whole and in part (leaving `/` bare,
        // as Python's `quote` does).
        ("echo-auth-encoded", _) => {
            let received = request.header("authorization").unwrap_or("");
            let escaped = received.replace('/', "\\/");
            let encoded = |bare: &[u8]| -> String {
                (received.bytes())
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            char::from(b).to_string()
                        }
                        b if bare.contains(&b) => char::from(b).to_string(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect()
            };
            let partly = encoded(b"/");
            let body = format!(
                r#"{{"message":"refused","received":"{escaped}","next":"/login?t={partly}"}}"#
            );
            let location = format!("https://gateway.example/login?t={}", encoded(b""));
            respond(
                &stream,
                400,
                &[
                    json_type,
                    ("Location", &location),
                    ("Content-Location", &format!("/login?t={partly}")),
                ],
                body.as_bytes(),
            )
        }
        ("html-502", _) => respond(
            &stream,
            502,
            &[("Content-Type", "text/html")],
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        ("off-contract", _) => respond(&stream, 200, &[json_type], off_contract.as_bytes()),
        // A reply in gzip that inflates past any --max-bytes: 256 members
        // of 1 MiB of zeros each.
        ("gzip-bomb", _) => {
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gzip.write_all(&vec![0u8; 1 << 20])?;
            respond(&stream, 200, &[json_type], &gzip.finish()?.repeat(256))
        }
        ("larger", _) => respond(&stream, 200, &[json_type], format!("{{\"notes\":\"{}\"}}", "n".repeat(200_000)).as_bytes()),
        ("big", _) => respond(&stream, 200, &[json_type], format!("{{\"notes\":\"{}\"}}", "n".repeat(5000)).as_bytes()),
        ("stall", _) => {
            std::thread::sleep(Duration::from_secs(30));
            respond(&stream, 200, &[json_type], ok_body.as_bytes())
        }
        _ => respond(&stream, 200, &[json_type, cookie], ok_body.as_bytes()),
    }
}

/// `GET /api/v2/integrations/actions/{id}[/draft]?expand=contract&includeConfig=true`.
fn serve_definition(
    state: &State,
    stream: &TcpStream,
    request: &Request,
    rest: &str,
) -> std::io::Result<()> {
    state
        .log
        .lock()
        .unwrap()
        .definitions
        .push(request.path.clone());
    let json_type = ("Content-Type", "application/json");
    let bearer = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    let valid = state
        .tokens
        .lock()
        .unwrap()
        .get(bearer)
        .is_some_and(|t| t.issued.elapsed() < Duration::from_secs(state.lifetime));
    if !valid {
        return respond(
            stream,
            401,
            &[json_type],
            br#"{"message":"Invalid login credentials.","status":401}"#,
        );
    }
    if state.no_view.load(Ordering::Relaxed) {
        return respond(
            stream,
            403,
            &[json_type],
            br#"{"message":"You are missing the following permission: integrations:action:view","code":"missing.any.permissions","status":403}"#,
        );
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let id = path.strip_suffix("/draft").unwrap_or(path);
    if query != "expand=contract&includeConfig=true" || id.contains('/') {
        return respond(
            stream,
            400,
            &[json_type],
            br#"{"message":"bad request","status":400}"#,
        );
    }
    let set = state.definitions.lock().unwrap().get(id).cloned();
    let body = match set {
        Some(text) => return respond(stream, 200, &[json_type], text.as_bytes()),
        None if id.starts_with("missing") => {
            return respond(
                stream,
                404,
                &[json_type],
                br#"{"message":"not found","code":"not.found","status":404}"#,
            );
        }
        None => definition(id, 1),
    };
    respond(stream, 200, &[json_type], body.to_string().as_bytes())
}

fn login(state: &State, stream: &TcpStream, request: &Request) -> std::io::Result<()> {
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let form = String::from_utf8_lossy(&request.body);
    state.log.lock().unwrap().logins.push(Instant::now());
    if let Some(status) = state.leaky_login {
        let received = request.header("authorization").unwrap_or("");
        let body = json!({
            "error": "invalid_client",
            "error_description": format!("client {CLIENT_ID} with secret {CLIENT_SECRET} ({received}) is not allowed"),
        });
        return respond(
            stream,
            status,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
    }
    let busy = state
        .busy_logins
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok();
    if busy && state.rate_limited_logins.load(Ordering::Relaxed) {
        return respond(
            stream,
            429,
            &[("Content-Type", "application/json"), ("Retry-After", "1")],
            br#"{"error":"too_many_requests"}"#,
        );
    }
    if busy {
        return respond(
            stream,
            503,
            &[("Content-Type", "text/html")],
            b"<html>busy</html>",
        );
    }
    let revoked = state.counter.load(Ordering::Relaxed) >= state.logins;
    if request.header("authorization") != Some(expected.as_str())
        || form != "grant_type=client_credentials"
        || revoked
    {
        state.log.lock().unwrap().refused_logins += 1;
        return respond(
            stream,
            401,
            &[("Content-Type", "application/json")],
            br#"{"error":"invalid_client","description":"client not found","error_description":"client not found"}"#,
        );
    }
    let number = state.counter.fetch_add(1, Ordering::Relaxed);
    let token = (state.token.lock().unwrap().clone())
        .unwrap_or_else(|| format!("standin-token-{number}-{}", fastrand::u64(..)));
    state.tokens.lock().unwrap().insert(
        token.clone(),
        Token {
            issued: Instant::now(),
        },
    );
    state.log.lock().unwrap().tokens.push(token.clone());
    let body = json!({"access_token": token, "token_type": "bearer", "expires_in": state.lifetime});
    respond(
        stream,
        200,
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// An HTTP CONNECT proxy that counts the tunnels it opened.
pub struct Proxy {
    pub url: String,
    pub tunnels: Arc<AtomicU32>,
}

impl Proxy {
    pub fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let tunnels = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&tunnels);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(client) = stream else { continue };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let _ = tunnel(client, &counter);
                });
            }
        });
        Proxy { url, tunnels }
    }
}

fn tunnel(client: TcpStream, counter: &AtomicU32) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    // A host under `.invalid` (which no resolver knows) stands for the
    // stand-in on this machine: the way to test a proxy with a host that
    // is not loopback, which dapa would reach directly.
    let target = match target.split_once(".invalid:") {
        Some((_, port)) => format!("127.0.0.1:{port}"),
        None => target.to_owned(),
    };
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let upstream = TcpStream::connect(&target)?;
    counter.fetch_add(1, Ordering::Relaxed);
    (&client).write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let mut up_read = upstream.try_clone()?;
    let mut client_write = client.try_clone()?;
    let back = std::thread::spawn(move || std::io::copy(&mut up_read, &mut client_write));
    // Bytes the reader buffered past the CONNECT head belong upstream.
    let mut upstream_write = upstream;
    upstream_write.write_all(reader.buffer())?;
    let mut rest = reader.into_inner();
    let _ = std::io::copy(&mut rest, &mut upstream_write);
    let _ = upstream_write.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
    Ok(())
}
