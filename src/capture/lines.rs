//! JSON Lines logs (`.jsonl`, `.ndjson`, optionally gzip): every line is a
//! capture named `FILE:LINE`. With a body pointer the body is taken from each
//! line's document; with a time pointer, the capture time.

use super::pick::{Picked, Pointers};
use super::{Capture, Meta, Source};
use crate::finding::{Code, Finding};
use crate::layer::transport::UTF8_BOM;
use crate::timeline::EPOCH_MILLIS_FROM;
use serde_json::Value;
use std::io::{self, BufRead};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How the lines of a log are turned into captures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineOptions {
    body_pointer: Option<String>,
    time_pointer: Option<String>,
    /// What is taken from each line, split once for all lines: the body,
    /// the time and the statuses beside the body, in [`Wanted`]'s order.
    wanted: Option<Pointers>,
}

/// The places of [`LineOptions::wanted`]'s pointers.
#[derive(Clone, Copy)]
enum Wanted {
    Body,
    Time,
}

/// The names a status logged beside the body goes by, in the order they
/// are looked for.
const STATUS_NAMES: [&str; 3] = ["status", "statusCode", "status_code"];

impl LineOptions {
    /// Take the body of each line at `body_pointer` (`/response/body`;
    /// without it the whole line is the body) and the capture time at
    /// `time_pointer` (RFC 3339, or epoch seconds or milliseconds).
    pub fn new(body_pointer: Option<String>, time_pointer: Option<String>) -> Self {
        let wanted = (body_pointer.is_some() || time_pointer.is_some()).then(|| {
            // An absent pointer is one that finds nothing.
            let body = body_pointer.clone().unwrap_or_else(|| "x".to_owned());
            let parent = body_pointer.as_deref().map_or("x", |pointer| {
                pointer.rsplit_once('/').map_or("", |(parent, _)| parent)
            });
            let mut pointers = vec![body, time_pointer.clone().unwrap_or_else(|| "x".to_owned())];
            pointers.extend(STATUS_NAMES.iter().map(|name| format!("{parent}/{name}")));
            Pointers::new(&pointers).raw_json(Wanted::Body as usize)
        });
        LineOptions {
            body_pointer,
            time_pointer,
            wanted,
        }
    }

    /// Whether a field is picked from each line: a body or a time pointer
    /// was given, which only a log's lines have.
    pub fn picks_fields(&self) -> bool {
        self.wanted.is_some()
    }

    /// The pointer to the body in each line, if any.
    pub fn body_pointer(&self) -> Option<&str> {
        self.body_pointer.as_deref()
    }

    /// The pointer to the capture time in each line, if any.
    pub fn time_pointer(&self) -> Option<&str> {
        self.time_pointer.as_deref()
    }
}

/// Whether a file name is a JSON Lines log (also gzip-compressed). Taken
/// as bytes, as a folder walk lists it, or as text.
pub fn is_lines_name(name: impl AsRef<[u8]>) -> bool {
    let name = name.as_ref();
    let name = name.strip_suffix(b".gz").unwrap_or(name);
    name.ends_with(b".jsonl") || name.ends_with(b".ndjson")
}

/// Open a file for reading lines, gunzipping it when it starts with the
/// gzip magic number (whatever its name says).
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    without_bom(super::open_stream(path).map_err(io::Error::other)?)
}

/// Standard input as a log (see [`super::stdin_stream`]). A live one (a
/// pipe, a socket, a terminal) is read on a thread of its own, so that
/// [`Blocks`] can tell when it has caught up with the writer and give out
/// the lines it has instead of waiting for a whole block.
pub fn open_stdin(max_bytes: u64) -> io::Result<Box<dyn BufRead + Send>> {
    let (stream, live) = super::stdin_stream(max_bytes)?;
    let stream = without_bom(stream)?;
    Ok(if live {
        Box::new(Live::new(stream))
    } else {
        stream
    })
}

/// How long a live log may have nothing new before the lines read so far
/// are given out: a writer that pauses longer than this has its lines
/// checked, and their records written, without waiting for more. Shorter
/// gaps, as between the reads of a fast pipe, keep whole blocks and
/// chunks.
pub const LIVE_PAUSE: Duration = Duration::from_millis(100);

/// The longest the lines read from a live log wait before they are given
/// out, however steadily it grows: a log that gains a line every 50 ms
/// never pauses for [`LIVE_PAUSE`], and would fill a block, then a chunk,
/// first.
pub const LIVE_HOLD: Duration = Duration::from_secs(1);

/// How long the reading thread waits before it reads again a stream that
/// has nothing yet and says so (a standard input left non-blocking by the
/// program before dapa, which gives `EAGAIN`).
const LIVE_RETRY: Duration = Duration::from_millis(10);

/// How many reads a [`Live`] reader's thread may hold ahead of its reader:
/// with reads of at most 64 KiB (the stream's buffer), a quarter of a MiB.
const LIVE_READS_AHEAD: usize = 4;

/// A stream read on a thread of its own, as a [`BufRead`] that says when
/// its reader should give out what it holds: where nothing new has come
/// for [`LIVE_PAUSE`], or the oldest bytes handed out since the last such
/// word are [`LIVE_HOLD`] old, `fill_buf` fails once with
/// [`io::ErrorKind::WouldBlock`], and only the call after that waits. The
/// stream's own `WouldBlock` never comes through (the thread reads again).
///
/// Only a reader that knows this may read it: [`Blocks`] gives out the
/// lines it holds and goes on; any other takes the word for an error.
pub struct Live {
    arrived: mpsc::Receiver<io::Result<Vec<u8>>>,
    bytes: Vec<u8>,
    at: usize,
    /// Whether the reader was told to give out what it holds, since
    /// something last arrived.
    told: bool,
    /// When the first bytes handed out since the reader was last told
    /// arrived.
    held_since: Option<Instant>,
}

impl Live {
    /// Read `stream` on a thread of its own. The thread ends at the end of
    /// the stream, at a read error, or once this reader is dropped and
    /// something more arrives.
    pub fn new(mut stream: Box<dyn BufRead + Send>) -> Live {
        let (sender, arrived) = mpsc::sync_channel(LIVE_READS_AHEAD);
        std::thread::spawn(move || {
            loop {
                let read = match stream.fill_buf() {
                    Ok([]) => return,
                    Ok(read) => read.to_vec(),
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(LIVE_RETRY);
                        continue;
                    }
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                stream.consume(read.len());
                if sender.send(Ok(read)).is_err() {
                    return;
                }
            }
        });
        Live {
            arrived,
            bytes: Vec::new(),
            at: 0,
            told: false,
            held_since: None,
        }
    }

    /// What arrived from the thread; `None` where it ended: the end of the
    /// stream.
    fn take(&mut self, arrived: Option<io::Result<Vec<u8>>>) -> io::Result<&[u8]> {
        match arrived {
            Some(Ok(bytes)) => {
                self.bytes = bytes;
                self.at = 0;
                self.told = false;
                self.held_since.get_or_insert_with(Instant::now);
                Ok(&self.bytes)
            }
            Some(Err(error)) => Err(error),
            None => Ok(&[]),
        }
    }

    /// Tell the reader to give out what it holds.
    fn tell(&mut self) -> io::Result<&[u8]> {
        self.told = true;
        self.held_since = None;
        Err(io::ErrorKind::WouldBlock.into())
    }
}

impl io::Read for Live {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let read = available.len().min(buf.len());
        buf[..read].copy_from_slice(&available[..read]);
        self.consume(read);
        Ok(read)
    }
}

impl BufRead for Live {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at < self.bytes.len() {
            return Ok(&self.bytes[self.at..]);
        }
        if self.told {
            let arrived = self.arrived.recv().ok();
            return self.take(arrived);
        }
        let held = self
            .held_since
            .map_or(Duration::ZERO, |since| since.elapsed());
        let wait = LIVE_PAUSE.min(LIVE_HOLD.saturating_sub(held));
        if wait.is_zero() {
            return self.tell();
        }
        match self.arrived.recv_timeout(wait) {
            Ok(arrived) => self.take(Some(arrived)),
            Err(mpsc::RecvTimeoutError::Disconnected) => self.take(None),
            Err(mpsc::RecvTimeoutError::Timeout) => self.tell(),
        }
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.bytes.len());
    }
}

fn without_bom(mut lines: Box<dyn BufRead + Send>) -> io::Result<Box<dyn BufRead + Send>> {
    // A byte-order mark belongs to the file, not to its first line's body.
    if lines.fill_buf()?.starts_with(UTF8_BOM) {
        lines.consume(UTF8_BOM.len());
    }
    Ok(lines)
}

/// One line as read: its number and bytes, or the size of a line too long
/// to keep.
#[derive(Debug)]
pub enum Line {
    /// A line within the size limit, without its line ending.
    Text(usize, Vec<u8>),
    /// A line longer than the limit: skipped, its length counted.
    TooLong(usize, u64),
}

/// The non-blank lines of a reader, each at most `max_bytes` long (longer
/// ones are skipped without being held). A read error ends the lines with
/// the error.
pub struct Lines<R> {
    reader: R,
    number: usize,
    max_bytes: u64,
    done: bool,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `reader`.
    pub fn new(reader: R, max_bytes: u64) -> Self {
        Lines {
            reader,
            number: 0,
            max_bytes,
            done: false,
        }
    }

    /// Read one line into `line`; its full length without the line feed,
    /// which is more than what was kept when the line is too long, and
    /// whether anything was read at all.
    fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<(u64, bool)> {
        let mut length = 0u64;
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok((length, length > 0));
            }
            // memchr looks at a word or a vector register at a time.
            let (chunk, ends) = match memchr::memchr(b'\n', available) {
                Some(end) => (&available[..=end], true),
                None => (available, false),
            };
            let taken = chunk.len();
            let room = self
                .max_bytes
                .saturating_add(2)
                .saturating_sub(line.len() as u64);
            let kept = taken.min(usize::try_from(room).unwrap_or(usize::MAX));
            // Grow by doubling, but never past what may be kept: a line over
            // the limit must not cost twice the limit.
            let needed = line.len() + kept;
            if needed > line.capacity() {
                let ceiling =
                    usize::try_from(self.max_bytes.saturating_add(2)).unwrap_or(usize::MAX);
                let target = (line.capacity() * 2).max(needed).min(ceiling.max(needed));
                line.reserve_exact(target - line.len());
            }
            line.extend_from_slice(&chunk[..kept]);
            length += taken as u64;
            self.reader.consume(taken);
            if ends {
                return Ok((length - 1, true));
            }
        }
    }
}

impl<R: BufRead> Iterator for Lines<R> {
    type Item = io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let mut line = Vec::new();
            let length = match self.read_line(&mut line) {
                Ok((_, false)) => {
                    self.done = true;
                    return None;
                }
                Ok((length, true)) => length,
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            };
            self.number += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if length > line.len() as u64 {
                // Cut short where it passed the limit: too long, whatever
                // its last kept byte.
                return Some(Ok(Line::TooLong(self.number, length)));
            }
            // Kept whole: judged as a block's line is.
            match judge(self.number, &line, self.max_bytes) {
                None => continue,
                Some(LineRef::TooLong(number, content)) => {
                    return Some(Ok(Line::TooLong(number, content)));
                }
                Some(LineRef::Text(number, text)) => {
                    let kept = text.len();
                    line.truncate(kept);
                    return Some(Ok(Line::Text(number, line)));
                }
            }
        }
        None
    }
}

/// Bytes of a log cut into one [`LineBlock`], about: enough lines (some
/// ninety of a typical log) for the cost of handing a block to a worker
/// not to count, few enough that a chunk of 1,024 lines is a dozen blocks
/// to share out. (Blocks of 16 KiB took as much CPU time and raised the
/// peak memory by a fifth: the allocator kept more pages.)
pub const BLOCK_BYTES: usize = 64 << 10;

/// Whole lines of a log as read, for a worker to split: the walk's thread
/// only finds the last line end of what it read, so it no longer spends a
/// look, a copy and an allocation on every line.
#[derive(Debug, Clone)]
pub struct LineBlock {
    /// The number of the block's first line.
    first_line: usize,
    /// How many lines the block holds, blank ones included.
    line_count: usize,
    /// The lines, each ending with a line feed but the log's last.
    bytes: Vec<u8>,
}

/// One line of a [`LineBlock`], borrowed from it.
#[derive(Debug, PartialEq, Eq)]
pub enum LineRef<'a> {
    /// A line within the size limit, without its line ending.
    Text(usize, &'a [u8]),
    /// A line longer than the limit, its length counted.
    TooLong(usize, u64),
}

impl LineBlock {
    /// How many lines the block holds, blank ones included.
    pub fn line_count(&self) -> usize {
        self.line_count
    }

    /// The bytes the block holds.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the block holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The non-blank lines of the block, each numbered and judged against
    /// `max_bytes` exactly as [`Lines`] would have read it.
    pub fn lines(&self, max_bytes: u64) -> impl Iterator<Item = LineRef<'_>> {
        let bytes = self.bytes.as_slice();
        let mut start = 0;
        let mut number = self.first_line;
        std::iter::from_fn(move || {
            while start < bytes.len() {
                let end =
                    memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |at| start + at);
                let line = &bytes[start..end];
                let this = number;
                number += 1;
                start = end + 1;
                if let Some(found) = judge(this, line, max_bytes) {
                    return Some(found);
                }
            }
            None
        })
    }

    /// The number of the block's last line that is a capture (not blank).
    fn last_capture(&self, max_bytes: u64) -> Option<usize> {
        let mut end = self.bytes.len();
        if self.bytes.last() == Some(&b'\n') {
            end -= 1;
        }
        let mut number = (self.first_line + self.line_count).checked_sub(1)?;
        loop {
            let start = memchr::memrchr(b'\n', &self.bytes[..end]).map_or(0, |at| at + 1);
            if judge(number, &self.bytes[start..end], max_bytes).is_some() {
                return Some(number);
            }
            if start == 0 {
                return None;
            }
            end = start - 1;
            number -= 1;
        }
    }
}

/// A line (without its line feed) as [`Lines`] reads it: a carriage return
/// before the line feed is dropped when the whole line could be kept
/// (`max_bytes + 2` bytes, so that a line one byte over the limit still
/// counts its own length), blank lines are none.
fn judge(number: usize, line: &[u8], max_bytes: u64) -> Option<LineRef<'_>> {
    let mut text = line;
    let mut content = line.len() as u64;
    if content <= max_bytes.saturating_add(2)
        && let Some(without) = text.strip_suffix(b"\r")
    {
        text = without;
        content -= 1;
    }
    if content > max_bytes {
        return Some(LineRef::TooLong(number, content));
    }
    if text.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(LineRef::Text(number, text))
}

/// What [`Blocks`] reads from a log, in the log's order.
#[derive(Debug)]
pub enum Piece {
    /// Whole lines.
    Lines(LineBlock),
    /// A line too long to keep, read past: its number and length.
    TooLong(usize, u64),
    /// The log could not be read on: the number of the last line before
    /// that is a capture (0 for none), and why.
    Failed(usize, io::Error),
    /// A live log has nothing more for now: the whole lines read so far
    /// were given out before this.
    Stalled,
}

/// A log cut into blocks of whole lines, for the workers to split. A line
/// no longer than `max_bytes` (and its line ending) is kept whole in a
/// block; a longer one is read past without being held. The lines the
/// blocks hold, split, are exactly those of [`Lines`] over the same reader.
pub struct Blocks<R> {
    reader: R,
    max_bytes: u64,
    block_bytes: usize,
    /// Lines read and not yet given out, the last of them maybe unfinished.
    block: Vec<u8>,
    /// Where the unfinished line at the end of `block` starts.
    line_start: usize,
    /// The number of the first line of `block`.
    next_line: usize,
    /// A line too long to keep, being read past: its number and the
    /// length read so far.
    skipping: Option<(usize, u64)>,
    /// The number of the last line given out that is a capture.
    last_capture: usize,
    /// What was read and not yet returned (a block of lines before a line
    /// too long, or before an error).
    ready: std::collections::VecDeque<Piece>,
    done: bool,
}

impl<R: BufRead> Blocks<R> {
    /// Blocks of `reader` of about [`BLOCK_BYTES`].
    pub fn new(reader: R, max_bytes: u64) -> Self {
        Self::with_block_bytes(reader, max_bytes, BLOCK_BYTES)
    }

    /// Blocks of `reader`, each given out once it holds `block_bytes`.
    pub fn with_block_bytes(reader: R, max_bytes: u64, block_bytes: usize) -> Self {
        Blocks {
            reader,
            max_bytes,
            block_bytes: block_bytes.max(1),
            block: Vec::new(),
            line_start: 0,
            next_line: 1,
            skipping: None,
            last_capture: 0,
            ready: std::collections::VecDeque::new(),
            done: false,
        }
    }

    /// Read until something is ready to give out or the log ends.
    fn read_on(&mut self) {
        while self.ready.is_empty() && !self.done {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                // A live log caught up with its writer: the lines read are
                // given out now, not once a block is full.
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    if self.skipping.is_none() {
                        self.give_out(self.line_start);
                    }
                    self.ready.push_back(Piece::Stalled);
                    return;
                }
                Err(error) => {
                    // The finished lines were read; the unfinished one is
                    // lost with the stream, as a line of `Lines` would be.
                    self.give_out(self.line_start);
                    self.ready
                        .push_back(Piece::Failed(self.last_capture, error));
                    self.done = true;
                    return;
                }
            };
            if available.is_empty() {
                match self.skipping.take() {
                    Some((number, length)) => self.too_long(number, length),
                    None => self.give_out(self.block.len()),
                }
                self.done = true;
                return;
            }
            // Fill the block up to its size; past it only while its first
            // line is unfinished.
            let room = self.block_bytes.saturating_sub(self.block.len());
            let taken = if room == 0 {
                available.len()
            } else {
                available.len().min(room)
            };
            if let Some((number, length)) = &mut self.skipping {
                match memchr::memchr(b'\n', available) {
                    Some(end) => {
                        let (number, length) = (*number, *length + end as u64);
                        self.skipping = None;
                        self.reader.consume(end + 1);
                        self.too_long(number, length);
                    }
                    None => {
                        let taken = available.len();
                        *length += taken as u64;
                        self.reader.consume(taken);
                    }
                }
                continue;
            }
            let before = self.block.len();
            // Grow by doubling, but never past what may be kept: a line
            // near the limit must not cost twice the limit.
            let needed = before + taken;
            if needed > self.block.capacity() {
                let ceiling = usize::try_from(self.max_bytes.saturating_add(2))
                    .unwrap_or(usize::MAX)
                    .saturating_add(self.line_start);
                let target = (self.block.capacity() * 2)
                    .max(needed)
                    .min(ceiling.max(needed));
                self.block.reserve_exact(target - before);
            }
            self.block.extend_from_slice(&available[..taken]);
            self.reader.consume(taken);
            if let Some(end) = memchr::memrchr(b'\n', &self.block[before..]) {
                self.line_start = before + end + 1;
            }
            let unfinished = (self.block.len() - self.line_start) as u64;
            if unfinished > self.max_bytes.saturating_add(2) {
                // Too long to keep whatever follows: give out the lines
                // before it, then count the rest of it without holding it.
                self.block.truncate(self.line_start);
                self.give_out(self.line_start);
                self.skipping = Some((self.next_line, unfinished));
                self.block = Vec::new();
                self.line_start = 0;
            } else if self.block.len() >= self.block_bytes && self.line_start > 0 {
                self.give_out(self.line_start);
            }
        }
    }

    /// Give out the lines of `block` before `end` (a line start, or the end
    /// of the log), keeping the rest.
    fn give_out(&mut self, end: usize) {
        if end == 0 {
            return;
        }
        // Room for a whole block, so that it is not grown.
        let mut rest = Vec::with_capacity(self.block_bytes.max(self.block.len() - end));
        rest.extend_from_slice(&self.block[end..]);
        let mut bytes = std::mem::replace(&mut self.block, rest);
        bytes.truncate(end);
        self.line_start -= end.min(self.line_start);
        let line_count =
            memchr::memchr_iter(b'\n', &bytes).count() + usize::from(bytes.last() != Some(&b'\n'));
        let block = LineBlock {
            first_line: self.next_line,
            line_count,
            bytes,
        };
        self.next_line += line_count;
        if let Some(last) = block.last_capture(self.max_bytes) {
            self.last_capture = last;
        }
        self.ready.push_back(Piece::Lines(block));
    }

    fn too_long(&mut self, number: usize, length: u64) {
        self.next_line = number + 1;
        self.last_capture = number;
        self.ready.push_back(Piece::TooLong(number, length));
    }
}

impl<R: BufRead> Iterator for Blocks<R> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        self.read_on();
        self.ready.pop_front()
    }
}

/// The capture of one log line.
pub fn capture(source: Source, line: &[u8], options: &LineOptions, max_bytes: u64) -> Capture {
    let Some(wanted) = &options.wanted else {
        return whole_line(source, line, max_bytes);
    };
    let picked = wanted.pick(line);
    from_picked(source, line, options, picked, max_bytes)
}

/// The capture of a line from what was picked from it (the values at the
/// pointers of [`LineOptions::wanted`]), or from why it is no JSON document;
/// with a note when the line has a value at `--time-pointer` that is no
/// time dapa reads, which leaves it out of the timeline.
fn from_picked(
    source: Source,
    line: &[u8],
    options: &LineOptions,
    picked: serde_json::Result<Vec<Option<Picked<'_>>>>,
    max_bytes: u64,
) -> Capture {
    let undated = match (&options.time_pointer, &picked) {
        (Some(pointer), Ok(found)) => {
            let logged = found[Wanted::Time as usize].as_ref().and_then(picked_value);
            logged.filter(|time| !time.is_null() && time_of(time).is_none()).map(|_| {
                format!(
                    "the value at {pointer} is no time dapa reads (RFC 3339 with a zone or an offset, or epoch seconds or milliseconds): the line is left undated"
                )
            })
        }
        _ => None,
    };
    let mut capture = capture_of_picked(source, line, options, picked, max_bytes);
    capture.notes.extend(undated);
    capture
}

/// A value picked from a line, as JSON.
fn picked_value(picked: &Picked<'_>) -> Option<Value> {
    match picked {
        Picked::Value(value) => Some(value.clone()),
        Picked::Json(text) => serde_json::from_str(text).ok(),
    }
}

/// [`from_picked`], without the note on the time.
fn capture_of_picked(
    source: Source,
    line: &[u8],
    options: &LineOptions,
    picked: serde_json::Result<Vec<Option<Picked<'_>>>>,
    max_bytes: u64,
) -> Capture {
    let mut found = match picked {
        Ok(found) => found,
        Err(error) => {
            // A cut-off or damaged log line: its own bytes say what went
            // wrong better than a failed look-up would.
            let mut capture = whole_line(source, line, max_bytes);
            capture.notes.push(format!(
                "the line is not a JSON document ({error}); the whole line was analysed as the body"
            ));
            return capture;
        }
    };
    let mut meta = Meta::default();
    let value = |picked: &Option<Picked<'_>>| picked.as_ref().and_then(picked_value);
    if options.time_pointer.is_some() {
        meta.captured_at = value(&found[Wanted::Time as usize])
            .as_ref()
            .and_then(time_of);
    }
    let Some(pointer) = &options.body_pointer else {
        let mut capture = whole_line(source, line, max_bytes);
        capture.meta = meta;
        return capture;
    };
    meta.status = found[Wanted::Time as usize + 1..]
        .iter()
        .find_map(value)
        .and_then(|status| status_of(&status));
    let body = match found[Wanted::Body as usize].take() {
        // The line's own string, moved out of what was picked, not copied.
        Some(Picked::Value(Value::String(text))) => text.into_bytes(),
        // Anything else than a string is its JSON text, as the line has
        // it: a body logged as `null` is the body `null` (E04), not an
        // empty one.
        Some(Picked::Json(text)) => text.as_bytes().to_vec(),
        None => {
            let mut capture = Capture::unreadable(
                source,
                Finding::new(Code::T08, format!("the line has no body at {pointer}")),
            );
            capture.meta = meta;
            return capture;
        }
        Some(Picked::Value(other)) => other.to_string().into_bytes(),
    };
    let mut capture = Capture::from_bytes(source, body, Some(meta), max_bytes);
    // The body came out of the line's document: its positions are its own.
    capture.body_offset = None;
    capture.header_lines = None;
    capture
}

/// A whole line as the body: in a plain (not compressed) log, body line 1
/// is file line LINE, so reports can point into the file.
fn whole_line(source: Source, line: &[u8], max_bytes: u64) -> Capture {
    let plain = source.file().is_some_and(|file| !file.ends_with(".gz"));
    let number = source.line();
    let mut capture = Capture::from_bytes(source, line.to_vec(), None, max_bytes);
    capture.body_offset = None;
    capture.header_lines = match number {
        Some(n) if plain && capture.header_lines == Some(0) => Some(n - 1),
        _ => None,
    };
    capture
}

/// A status logged beside the body (`/response/status` for
/// `/response/body`), as a number or a numeric string.
fn status_of(value: &Value) -> Option<u16> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .and_then(|n| u16::try_from(n).ok())
}

/// A logged time as RFC 3339: a timestamp string, or epoch seconds or
/// milliseconds (told apart by size), as a number or as its digits in a
/// string (`"1763600000"`, as loggers that write every field as text do).
/// A time without a zone (`2025-11-20 01:53:20,123`) is not read: which
/// zone it meant is not known.
pub fn time_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => {
            let text = text.trim();
            if let Ok(time) = text.parse::<jiff::Timestamp>() {
                return Some(time.to_string());
            }
            let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            epoch_time(text.parse().ok().filter(|_| digits)?)
        }
        Value::Number(n) => epoch_time(n.as_f64()?),
        _ => None,
    }
}

/// Epoch seconds or milliseconds, told apart by size, as RFC 3339.
fn epoch_time(number: f64) -> Option<String> {
    let millis = if number.abs() >= EPOCH_MILLIS_FROM as f64 {
        number
    } else {
        number * 1000.0
    };
    jiff::Timestamp::from_millisecond(millis as i64)
        .ok()
        .map(|t| t.to_string())
}

/// Read one line of a log by number, for `explain FILE:LINE`.
pub fn read_line(path: &Path, wanted: usize, max_bytes: u64) -> io::Result<Option<Line>> {
    let lines = Lines::new(open(path)?, max_bytes);
    for line in lines {
        let line = line?;
        let number = match &line {
            Line::Text(number, _) | Line::TooLong(number, _) => *number,
        };
        if number == wanted {
            return Ok(Some(line));
        }
        if number > wanted {
            break;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str, max: u64) -> Vec<String> {
        Lines::new(input.as_bytes(), max)
            .map(|line| match line.unwrap() {
                Line::Text(n, bytes) => format!("{n}:{}", String::from_utf8(bytes).unwrap()),
                Line::TooLong(n, length) => format!("{n}:too long {length}"),
            })
            .collect()
    }

    #[test]
    fn lines_keep_their_numbers_and_skip_blanks() {
        assert_eq!(
            texts("{\"a\":1}\r\n\n  \n[2]\n{\"cut\":", 100),
            ["1:{\"a\":1}", "4:[2]", "5:{\"cut\":"]
        );
        assert_eq!(texts("", 100), Vec::<String>::new());
    }

    #[test]
    fn long_lines_are_skipped_without_being_held() {
        let long = "x".repeat(10_000);
        assert_eq!(
            texts(&format!("[1]\n{long}\n[3]\n"), 100),
            ["1:[1]", "2:too long 10000", "3:[3]"]
        );
        assert_eq!(texts("12345\n", 5), ["1:12345"]);
    }

    /// A reader of `bytes` that fails once it has given `fail_at` of them.
    struct Failing<'a> {
        bytes: &'a [u8],
        fail_at: usize,
    }

    impl io::Read for Failing<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.fail_at == 0 {
                return Err(io::Error::other("disk gone"));
            }
            let n = out.len().min(self.bytes.len()).min(self.fail_at);
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            self.fail_at -= n;
            Ok(n)
        }
    }

    /// The lines of `input` as [`Lines`] reads them, read `read_size` bytes
    /// at a time, then how the reading ended: the number of the last line
    /// read, as the scan names a broken log.
    fn read_by_lines(input: &[u8], fail_at: usize, read_size: usize, max: u64) -> Vec<String> {
        let reader = io::BufReader::with_capacity(
            read_size,
            Failing {
                bytes: input,
                fail_at,
            },
        );
        let mut last = 0;
        let mut out = Vec::new();
        for line in Lines::new(reader, max) {
            out.push(match line {
                Ok(Line::Text(n, bytes)) => {
                    last = n;
                    format!("{n}:{}", String::from_utf8_lossy(&bytes))
                }
                Ok(Line::TooLong(n, length)) => {
                    last = n;
                    format!("{n}:too long {length}")
                }
                Err(error) => format!("failed after {last}: {error}"),
            });
        }
        out
    }

    /// The same through [`Blocks`] of `block_bytes`, each block split.
    fn read_by_blocks(
        input: &[u8],
        fail_at: usize,
        read_size: usize,
        max: u64,
        block_bytes: usize,
    ) -> Vec<String> {
        let reader = io::BufReader::with_capacity(
            read_size,
            Failing {
                bytes: input,
                fail_at,
            },
        );
        let mut out = Vec::new();
        for piece in Blocks::with_block_bytes(reader, max, block_bytes) {
            match piece {
                Piece::Lines(block) => {
                    assert!(!block.is_empty());
                    out.extend(block.lines(max).map(|line| match line {
                        LineRef::Text(n, bytes) => {
                            format!("{n}:{}", String::from_utf8_lossy(bytes))
                        }
                        LineRef::TooLong(n, length) => format!("{n}:too long {length}"),
                    }));
                }
                Piece::TooLong(n, length) => out.push(format!("{n}:too long {length}")),
                Piece::Failed(last, error) => out.push(format!("failed after {last}: {error}")),
                Piece::Stalled => out.push("stalled".to_owned()),
            }
        }
        out
    }

    /// A stream that gives its parts one read each, pausing before some;
    /// a part of `None` is a read that says it would block (`EAGAIN`).
    struct Paused {
        parts: std::collections::VecDeque<(Duration, Option<&'static [u8]>)>,
    }

    impl io::Read for Paused {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((pause, part)) = self.parts.pop_front() else {
                return Ok(0);
            };
            std::thread::sleep(pause);
            let part = part.ok_or(io::ErrorKind::WouldBlock)?;
            buf[..part.len()].copy_from_slice(part);
            Ok(part.len())
        }
    }

    /// The pieces `Blocks` gives over a live reading of `parts`: the bytes
    /// of each block of lines, and `stalled` where the stream paused.
    fn live_pieces(parts: &[(Duration, Option<&'static [u8]>)]) -> Vec<String> {
        let stream = Paused {
            parts: parts.iter().copied().collect(),
        };
        let live = Live::new(Box::new(io::BufReader::new(stream)));
        Blocks::new(live, 100)
            .map(|piece| match piece {
                Piece::Lines(block) => String::from_utf8_lossy(&block.bytes).into_owned(),
                Piece::Stalled => "stalled".to_owned(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// Over a live stream, the whole lines read are given out where the
    /// writer pauses, the unfinished one kept for the next block. (Where
    /// the machine is slow, more pauses may be seen than were made; never
    /// fewer, and never other lines.)
    #[test]
    fn a_live_stream_gives_out_its_lines_where_it_pauses() {
        let pause = LIVE_PAUSE * 4;
        let pieces = live_pieces(&[
            (Duration::ZERO, Some(b"a\nb\nc")),
            (pause, Some(b"d\ne\n")),
            (pause, Some(b"f\n")),
        ]);
        let blocks: Vec<&str> = pieces
            .iter()
            .map(String::as_str)
            .filter(|piece| *piece != "stalled")
            .collect();
        assert_eq!(blocks, ["a\nb\n", "cd\ne\n", "f\n"], "{pieces:?}");
        let first = pieces.iter().position(|p| p == "a\nb\n").unwrap();
        let second = pieces.iter().position(|p| p == "cd\ne\n").unwrap();
        let third = pieces.iter().position(|p| p == "f\n").unwrap();
        for (from, to) in [(first, second), (second, third)] {
            assert!(
                pieces[from..to].iter().any(|p| p == "stalled"),
                "a pause between {from} and {to}: {pieces:?}"
            );
        }
    }

    /// A stream that says it would block (a standard input left
    /// non-blocking) is read again, not ended: every line comes, and no
    /// error.
    #[test]
    fn a_live_stream_that_would_block_is_read_again() {
        let pieces = live_pieces(&[
            (Duration::ZERO, Some(b"a\n")),
            (Duration::ZERO, None),
            (Duration::ZERO, None),
            (Duration::ZERO, Some(b"b\n")),
        ]);
        let text: String = pieces
            .iter()
            .filter(|p| *p != "stalled")
            .map(String::as_str)
            .collect();
        assert_eq!(text, "a\nb\n", "{pieces:?}");
    }

    /// A log that grows steadily, never pausing for `LIVE_PAUSE`, still has
    /// its lines given out within about `LIVE_HOLD`.
    #[test]
    fn a_steady_live_stream_is_given_out_within_the_hold() {
        let step = LIVE_PAUSE / 2;
        let parts: Vec<(Duration, Option<&'static [u8]>)> =
            std::iter::repeat_n((step, Some(&b"x\n"[..])), 40).collect();
        let pieces = live_pieces(&parts);
        let stalls = pieces.iter().filter(|p| *p == "stalled").count();
        // 40 lines 50 ms apart take 2 s: at least one word to give out
        // before the end, where none came without the hold.
        assert!(stalls >= 1, "{pieces:?}");
        let text: String = pieces
            .iter()
            .filter(|p| *p != "stalled")
            .map(String::as_str)
            .collect();
        assert_eq!(text, "x\n".repeat(40));
    }

    #[test]
    fn blocks_hold_the_lines_of_lines() {
        let input = b"{\"a\":1}\r\n\n  \n[2]\n\r\n1234567\r\n12345678\r\n123456789\n{\"cut\":";
        for max in [0, 5, 6, 7, 8, 100] {
            for block_bytes in [1, 3, 8, 64] {
                for read_size in [1, 2, 7, 64] {
                    for fail_at in [usize::MAX, 0, 5, 17, 40] {
                        assert_eq!(
                            read_by_blocks(input, fail_at, read_size, max, block_bytes),
                            read_by_lines(input, fail_at, read_size, max),
                            "max {max}, blocks of {block_bytes}, reads of {read_size}, failing at {fail_at}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_line_too_long_is_not_held_by_blocks() {
        let endless = io::BufReader::new(io::Read::take(io::repeat(b' '), 50 << 20));
        let mut blocks = Blocks::new(endless, 1000);
        let mut pieces = Vec::new();
        while let Some(piece) = blocks.next() {
            assert!(blocks.block.capacity() < 4 * BLOCK_BYTES);
            pieces.push(format!("{piece:?}"));
        }
        assert_eq!(pieces, ["TooLong(1, 52428800)"]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn blocks_split_as_lines_read(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["", " ", "\r", "[1]", "{\"a\":\"bc\"}\r", "xxxxxxxxxxxx", " \t\r"]),
                0..12,
            ),
            ends_with_newline in proptest::bool::ANY,
            max in 0u64..16,
            block_bytes in 1usize..40,
            read_size in 1usize..24,
            fail_at in proptest::option::of(0usize..120),
        ) {
            let mut input = parts.join("\n");
            if ends_with_newline {
                input.push('\n');
            }
            let fail_at = fail_at.unwrap_or(usize::MAX);
            proptest::prop_assert_eq!(
                read_by_blocks(input.as_bytes(), fail_at, read_size, max, block_bytes),
                read_by_lines(input.as_bytes(), fail_at, read_size, max)
            );
        }
    }

    fn log_line(line: usize) -> Source {
        Source::LogLine {
            file: "log".into(),
            line,
        }
    }

    #[test]
    fn bodies_and_times_by_pointer() {
        let options = LineOptions::new(Some("/response/body".into()), Some("/ts".into()));
        let line = br#"{"ts":"2026-11-20T09:12:03Z","response":{"status":502,"body":"<html>bad gateway</html>"}}"#;
        let found = capture(log_line(1), line, &options, 1 << 20);
        assert_eq!(found.body, b"<html>bad gateway</html>");
        assert_eq!(found.meta.status, Some(502));
        assert_eq!(
            found.meta.captured_at.as_deref(),
            Some("2026-11-20T09:12:03Z")
        );

        let line = br#"{"ts":1763629923123,"response":{"body":{"id":1}}}"#;
        let found = capture(log_line(2), line, &options, 1 << 20);
        assert_eq!(found.body, br#"{"id":1}"#);
        assert_eq!(
            found.meta.captured_at.as_deref(),
            Some("2025-11-20T09:12:03.123Z")
        );

        let found = capture(log_line(3), br#"{"ts":1}"#, &options, 1 << 20);
        assert_eq!(found.findings[0].code, Code::T08);

        let found = capture(log_line(4), br#"{"response":{"bo"#, &options, 1 << 20);
        assert!(found.readable);
        assert_eq!(found.body, br#"{"response":{"bo"#);
        assert_eq!(found.notes.len(), 1);
    }

    #[test]
    fn epoch_seconds_and_millis() {
        assert_eq!(
            time_of(&serde_json::json!(1763629923)).as_deref(),
            Some("2025-11-20T09:12:03Z")
        );
        assert_eq!(time_of(&serde_json::json!("yesterday")), None);
        for logged in [" 1763629923 ", "1763629923000", "1763629923.0"] {
            assert_eq!(
                time_of(&serde_json::json!(logged)).as_deref(),
                Some("2025-11-20T09:12:03Z"),
                "{logged}"
            );
        }
        for not_a_time in [
            "2025-11-20 01:53:20,123",
            "1e9",
            "inf",
            "NaN",
            ".",
            "",
            "-5",
        ] {
            assert_eq!(
                time_of(&serde_json::json!(not_a_time)),
                None,
                "{not_a_time}"
            );
        }
    }

    /// The capture of a line with its fields found as they were before
    /// they were picked: the whole line built as a `Value`, each field
    /// looked up in it. The oracle of the property test below.
    fn capture_before(source: Source, line: Vec<u8>, options: &LineOptions) -> Capture {
        if options.wanted.is_none() {
            // Without pointers nothing is picked, then as now.
            return capture(source, &line, options, 1 << 20);
        }
        let picked = serde_json::from_slice::<Value>(&line).map(|document| {
            let body = options.body_pointer.as_deref();
            let parent = body.map(|p| p.rsplit_once('/').map_or("", |(parent, _)| parent));
            let mut pointers = vec![body.map(str::to_owned), options.time_pointer.clone()];
            pointers.extend(
                STATUS_NAMES
                    .iter()
                    .map(|name| parent.map(|parent| format!("{parent}/{name}"))),
            );
            pointers
                .iter()
                .map(|pointer| document.pointer(pointer.as_deref()?).cloned())
                .map(|found| found.map(Picked::Value))
                .collect()
        });
        from_picked(source, &line, options, picked, 1 << 20)
    }

    /// Lines of a structured log, some damaged, with keys repeated and
    /// statuses under each of their names.
    fn log_line_text() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let value = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            (100..600i64).prop_map(Value::from),
            Just(Value::from("2026-11-20T09:12:03Z")),
            "[0-9T:.Z{}\\[\\]\"a-z-]{0,12}".prop_map(Value::from),
            Just(serde_json::json!({"id": 1, "body": "inner"})),
        ];
        let member = (
            prop::sample::select(vec![
                "time",
                "status",
                "statusCode",
                "status_code",
                "body",
                "response",
                "ts",
            ]),
            value,
        );
        let response = prop::collection::vec(member.clone(), 0..5).prop_map(|members| {
            let inner: Vec<String> = members
                .iter()
                .map(|(key, value)| format!("\"{key}\":{value}"))
                .collect();
            format!("{{{}}}", inner.join(","))
        });
        (
            prop::collection::vec(member, 0..4),
            prop::collection::vec(response, 0..3),
            any::<proptest::sample::Index>(),
            any::<bool>(),
        )
            .prop_map(|(members, responses, cut, damage)| {
                let mut parts: Vec<String> = members
                    .iter()
                    .map(|(key, value)| format!("\"{key}\":{value}"))
                    .collect();
                parts.extend(responses.iter().map(|r| format!("\"response\":{r}")));
                let mut text = format!("{{{}}}", parts.join(",")).into_bytes();
                if damage {
                    text.truncate(cut.index(text.len() + 1));
                }
                text
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn captures_are_the_same_as_before(
            line in log_line_text(),
            body in proptest::sample::select(vec![None, Some("/response/body"), Some("/body"), Some("body"), Some("")]),
            time in proptest::sample::select(vec![None, Some("/time"), Some("/response/time"), Some("/ts")]),
        ) {
            let options = LineOptions::new(body.map(str::to_owned), time.map(str::to_owned));
            let new = capture(log_line(7), &line, &options, 1 << 20);
            let old = capture_before(log_line(7), line, &options);
            proptest::prop_assert_eq!(format!("{new:?}"), format!("{old:?}"));
        }
    }
}
