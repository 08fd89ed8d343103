//! `curl -i` / `curl -D -` dumps: status line, headers, blank line, body.
//!
//! With `-L` or a `100 Continue` the file holds several responses one after
//! another; the last one is the capture.

/// The parts of the last response in an HTTP dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    /// The status code of the last response.
    pub status: u16,
    /// Its headers, names in lowercase, in file order.
    pub headers: Vec<(String, String)>,
    /// Byte offset of its body in the dump.
    pub body_offset: usize,
}

/// Whether `bytes` starts with an HTTP status line (`HTTP/1.1 200 OK`, `HTTP/2 200`).
pub fn starts_with_status_line(bytes: &[u8]) -> bool {
    status_line(bytes).is_some()
}

/// The status code of a status line at the start of `bytes`, and the offset
/// just past the line.
fn status_line(bytes: &[u8]) -> Option<(u16, usize)> {
    let rest = bytes.strip_prefix(b"HTTP/")?;
    let version = rest
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    if version == 0 || rest.get(version) != Some(&b' ') {
        return None;
    }
    let code = rest.get(version + 1..version + 4)?;
    if !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    match rest.get(version + 4) {
        None | Some(b' ' | b'\r' | b'\n') => {}
        Some(_) => return None,
    }
    let status = std::str::from_utf8(code).ok()?.parse().ok()?;
    let line_end = next_line(bytes, 0);
    Some((status, line_end))
}

/// The offset just past the line that starts at `from` (past its LF), or the end.
fn next_line(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| from + i + 1)
}

fn line_text(bytes: &[u8], from: usize, to: usize) -> &[u8] {
    let line = &bytes[from..to];
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Parse an HTTP dump; `None` when `bytes` does not start with a status line.
pub fn parse(bytes: &[u8]) -> Option<Dump> {
    let mut start = 0;
    loop {
        let (status, mut pos) = status_line(&bytes[start..])?;
        pos += start;
        let mut headers = Vec::new();
        loop {
            if pos >= bytes.len() {
                break;
            }
            let end = next_line(bytes, pos);
            let line = line_text(bytes, pos, end);
            pos = end;
            if line.is_empty() {
                break;
            }
            if let Some(colon) = line.iter().position(|&b| b == b':') {
                let name = String::from_utf8_lossy(&line[..colon])
                    .trim()
                    .to_ascii_lowercase();
                let value = String::from_utf8_lossy(&line[colon + 1..])
                    .trim()
                    .to_owned();
                headers.push((name, value));
            }
        }
        let rest = &bytes[pos..];
        if starts_with_status_line(rest) {
            start = pos;
            continue;
        }
        // A response with a body (a redirect page) followed by the next response.
        let declared = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, value)| value.parse::<usize>().ok());
        if let Some(length) = declared.filter(|&length| length < rest.len()) {
            let after = &rest[length..];
            let skip = after.len() - after.trim_ascii_start().len();
            if starts_with_status_line(&after[skip..]) {
                start = pos + length + skip;
                continue;
            }
        }
        return Some(Dump {
            status,
            headers,
            body_offset: pos,
        });
    }
}

/// Undo `Transfer-Encoding: chunked` (as `curl --raw` leaves it). `None` when
/// the body is not in chunked form after all.
pub fn dechunk(body: &[u8]) -> Option<Vec<u8>> {
    dechunk_noting_cut(body).map(|(plain, _)| plain)
}

/// [`dechunk`], and whether the stream stopped right after a whole chunk
/// without the last (empty) one: cut by the transfer.
pub fn dechunk_noting_cut(body: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut out = Vec::with_capacity(body.len());
    let mut pos = 0;
    loop {
        if pos > 0 && pos >= body.len() {
            return Some((out, true));
        }
        let end = next_line(body, pos);
        let line = line_text(body, pos, end);
        let size_text = line.split(|&b| b == b';').next()?;
        let size_text = std::str::from_utf8(size_text).ok()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        // A body that is one line of hex digits (`42`, `0`, `1732093200`)
        // under a chunked header is one a client decoded and kept the
        // header of (`curl -i`): chunked form has its first size on a line
        // of its own and more after it. Taken for a cut-off chunk, the
        // body was lost.
        if pos == 0 && end == body.len() {
            return None;
        }
        pos = end;
        if size == 0 {
            return Some((out, false));
        }
        // A cut-off chunk keeps what arrived; a size past the end of the
        // body (up to usize::MAX) is one.
        let chunk_end = pos.saturating_add(size).min(body.len());
        out.extend_from_slice(&body[pos..chunk_end]);
        if chunk_end == body.len() {
            return Some((out, pos.saturating_add(size) == body.len()));
        }
        pos = next_line(body, chunk_end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_dump() {
        let dump = b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nServer: nginx\r\n\r\n<html></html>";
        let parsed = parse(dump).unwrap();
        assert_eq!(parsed.status, 502);
        assert_eq!(
            parsed.headers[0],
            ("content-type".into(), "text/html".into())
        );
        assert_eq!(&dump[parsed.body_offset..], b"<html></html>");
    }

    #[test]
    fn chunk_sizes_past_the_end_keep_what_arrived() {
        let body = b"2\r\n{}\r\nffffffffffffffff\r\nabc\r\n0\r\n\r\n";
        assert_eq!(dechunk(body).unwrap(), b"{}abc\r\n0\r\n\r\n");
        assert_eq!(dechunk(b"ffffffffffffffffffff\r\nx"), None);
    }

    #[test]
    fn a_body_of_hex_digits_alone_is_not_chunked_form() {
        for decoded in [
            &b"1732093200"[..],
            b"42\n",
            b"12\r\n",
            b"0",
            b"a1b2c3d4e5f6a7b8",
        ] {
            assert_eq!(dechunk(decoded), None, "{decoded:?}");
        }
        // A cut after the first size line and some of its data is a cut.
        assert_eq!(dechunk(b"a\r\n{\"a\"").unwrap(), b"{\"a\"");
        assert_eq!(dechunk(b"0\r\n\r\n").unwrap(), b"");
    }

    #[test]
    fn lf_dump_http2_and_no_reason() {
        let dump = b"HTTP/2 200\ncontent-type: application/json\n\n{}";
        let parsed = parse(dump).unwrap();
        assert_eq!(parsed.status, 200);
        assert_eq!(&dump[parsed.body_offset..], b"{}");
    }

    #[test]
    fn the_last_response_counts() {
        let dump = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 301 Moved\r\nContent-Length: 5\r\n\r\nmovedHTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n\r\n{\"a\":1}";
        let parsed = parse(dump).unwrap();
        assert_eq!(parsed.status, 429);
        assert_eq!(parsed.headers, [("retry-after".to_owned(), "7".to_owned())]);
        assert_eq!(&dump[parsed.body_offset..], b"{\"a\":1}");
    }

    #[test]
    fn headers_without_body() {
        let parsed = parse(b"HTTP/1.1 204 No Content\r\nX-A: 1").unwrap();
        assert_eq!(parsed.status, 204);
        assert_eq!(parsed.body_offset, 31);
    }

    #[test]
    fn not_a_dump() {
        assert!(parse(b"{\"HTTP/1.1 200\":1}").is_none());
        assert!(parse(b"HTTP/1.1 20").is_none());
        assert!(parse(b"HTTP/x 200 OK\r\n").is_none());
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(
            dechunk(b"4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n").unwrap(),
            b"{\"a\":1}"
        );
        assert_eq!(dechunk(b"a\r\n{\"a\":").unwrap(), b"{\"a\":");
        assert!(dechunk(b"{\"a\":1}").is_none());
    }
}
