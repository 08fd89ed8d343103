//! The batch job: walk the inputs in sorted order, analyse bounded chunks in
//! parallel, and hand the records back in order.
//!
//! Memory stays bounded by the chunk size and the largest capture: records are
//! passed to the caller chunk by chunk and only the summary is kept.

use crate::analyze::{AnalyzeOptions, analyze_beside};
use crate::capture::lines::{self, LineBlock, LineOptions, LineRef, Piece};
use crate::capture::source::{name_of, path_shown};
use crate::capture::{self, Capture, Source, har, sidecar};
use crate::finding::{Code, Finding};
use crate::layer::drift::Observations;
use crate::profile::definition::{self, FolderDefinitions};
use crate::record::CaptureRecord;
use crate::shard::Shard;
use crate::summary::{Summary, Summing};
use crate::timeline::BucketChoice;
use rayon::prelude::*;
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use walkdir::{DirEntry, WalkDir};

/// Settings of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Worker threads.
    pub jobs: usize,
    /// Captures larger than this are T07 and not parsed.
    pub max_bytes: u64,
    /// Include files and folders whose names start with a dot.
    pub hidden: bool,
    /// Captures analysed per parallel chunk.
    pub chunk_size: usize,
    /// The analysis itself.
    pub analyze: AnalyzeOptions,
    /// How JSON Lines logs become captures.
    pub lines: LineOptions,
    /// Only this part of the sorted sources.
    pub shard: Option<Shard>,
    /// The width of the timeline's buckets.
    pub bucket: BucketChoice,
    /// Read the definitions (`ID.action.json`) of the folders walked, each
    /// checking the captures of its action below its folder.
    pub folder_definitions: bool,
    /// Files the run reads or writes itself (the baseline, the report, an
    /// inferred schema), by their real path: a walk passes them over, so
    /// that a baseline kept among the samples is never a capture.
    pub own_files: Vec<PathBuf>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            jobs: std::thread::available_parallelism().map_or(1, usize::from),
            max_bytes: 64 * 1024 * 1024,
            hidden: false,
            chunk_size: 1024,
            analyze: AnalyzeOptions::default(),
            lines: LineOptions::default(),
            shard: None,
            bucket: BucketChoice::Auto,
            folder_definitions: true,
            own_files: Vec::new(),
        }
    }
}

/// Errors of the tool itself (not of a capture).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The worker pool could not be started.
    #[error("cannot start {jobs} worker threads: {source}")]
    Pool {
        /// Threads asked for.
        jobs: usize,
        /// Why.
        source: rayon::ThreadPoolBuildError,
    },
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
    /// A definition found in a scanned folder cannot be used; the scan
    /// stops there, as a wrong contract would mislead every verdict after.
    #[error("{0}")]
    Definition(String),
}

/// The end of a scan.
#[derive(Debug, Default)]
pub struct ScanOutcome {
    /// Statistics over every capture.
    pub summary: Summary,
    /// Inputs that could not be scanned at all (a path that does not exist).
    pub input_errors: Vec<String>,
}

/// One unit of work found by the walk.
#[derive(Debug, Clone)]
enum Job {
    File {
        path: PathBuf,
        sidecar: Option<PathBuf>,
    },
    Stdin,
    /// A JSON Lines log, expanded by the walk into its lines.
    Lines(PathBuf),
    /// A HAR export, expanded by the walk into its entries.
    Har(PathBuf),
    /// Whole lines of a log, split and parsed by a worker.
    LineBlock {
        /// The log's name, shared by the sources of its lines.
        file: Arc<str>,
        block: LineBlock,
    },
    /// The JSON text of one HAR entry, decoded by a worker.
    HarEntry {
        source: Source,
        text: Vec<u8>,
    },
    /// A capture made by the walk (a line or entry too long to read, the
    /// unreadable rest of a HAR export).
    Ready(Box<Capture>),
    Unreadable {
        source: Source,
        reason: String,
    },
    MissingInput(String),
    /// A definition found in a folder that cannot be used (the message).
    BadDefinition(String),
}

/// A job, and the definitions of the folders it was found in.
#[derive(Debug, Clone)]
struct Task {
    job: Job,
    found: Option<Arc<FolderDefinitions>>,
}

impl Task {
    fn new(job: Job, found: Option<&Arc<FolderDefinitions>>) -> Task {
        Task {
            job,
            found: found.cloned(),
        }
    }

    /// The name of the file of a job made of one folder's entry.
    fn name(&self) -> Option<&[u8]> {
        match &self.job {
            Job::File { path, .. } | Job::Lines(path) | Job::Har(path) => Some(name_bytes(path)),
            Job::Unreadable { source, .. } => {
                let file = source.file()?;
                Some(file.rsplit('/').next().unwrap_or(file).as_bytes())
            }
            _ => None,
        }
    }

    /// Whether this is one of the sorted sources (which shards divide),
    /// rather than a message about the inputs.
    fn is_source(&self) -> bool {
        !matches!(self.job, Job::MissingInput(_) | Job::BadDefinition(_))
    }
}

/// Bytes of captures the walk holds in one chunk, at most (about): with two
/// chunks queued and one being analysed, what a scan holds of its inputs.
const CHUNK_BYTES: usize = 8 << 20;

impl Job {
    /// The capture bytes this job holds before a worker runs it.
    fn held_bytes(&self) -> usize {
        match self {
            Job::LineBlock { block, .. } => block.len(),
            Job::HarEntry { text, .. } => text.len(),
            Job::Ready(capture) => capture.body.len(),
            _ => 0,
        }
    }

    /// The captures this job holds: a block's lines, one for any other
    /// (blank lines and messages about the inputs counted too).
    fn captures(&self) -> usize {
        match self {
            Job::LineBlock { block, .. } => block.line_count(),
            _ => 1,
        }
    }

    /// Hand each capture of this job to `each`, in order.
    fn run(self, options: &ScanOptions, each: &mut dyn FnMut(Capture)) {
        match self {
            Job::LineBlock { file, block } => {
                for line in block.lines(options.max_bytes) {
                    each(match line {
                        LineRef::Text(number, bytes) => lines::capture(
                            log_line(&file, number),
                            bytes,
                            &options.lines,
                            options.max_bytes,
                        ),
                        LineRef::TooLong(number, length) => {
                            too_long_line(log_line(&file, number), length, options.max_bytes)
                        }
                    });
                }
            }
            job => {
                if let Some(capture) = job.run_one(options) {
                    each(capture);
                }
            }
        }
    }

    /// The capture of a job that makes at most one.
    fn run_one(self, options: &ScanOptions) -> Option<Capture> {
        match self {
            Job::File { path, sidecar } => Some(capture::load_file(
                path,
                sidecar.as_deref(),
                options.max_bytes,
            )),
            Job::Stdin => Some(capture::load_reader(
                io::stdin().lock(),
                Source::Stdin,
                options.max_bytes,
            )),
            Job::HarEntry { source, text } => har::reply_capture(source, text, options.max_bytes),
            Job::Ready(capture) => Some(*capture),
            Job::Unreadable { source, reason } => {
                Some(Capture::unreadable(source, Finding::new(Code::T08, reason)))
            }
            // The walk expands these before they reach a worker; blocks of
            // lines are run by `run`.
            Job::Lines(_)
            | Job::Har(_)
            | Job::LineBlock { .. }
            | Job::MissingInput(_)
            | Job::BadDefinition(_) => None,
        }
    }
}

/// Where a scan's records go, one by one in scan order. Any
/// `FnMut(&CaptureRecord) -> io::Result<()>` is one.
pub trait Records {
    /// One capture's record.
    fn record(&mut self, record: &CaptureRecord) -> io::Result<()>;

    /// A live standard input paused after the records given so far: a
    /// reader that takes them as they come (a pipe, a terminal) should
    /// have them now. Nothing by default.
    fn settle(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<F: FnMut(&CaptureRecord) -> io::Result<()>> Records for F {
    fn record(&mut self, record: &CaptureRecord) -> io::Result<()> {
        self(record)
    }
}

/// Scan `inputs` (paths, or `-` for standard input), giving `on_record`
/// every capture's record in order. The order, and so the output, is the
/// same for any number of jobs.
pub fn scan(
    inputs: &[PathBuf],
    options: &ScanOptions,
    on_record: impl Records,
) -> Result<ScanOutcome, ScanError> {
    let analyse = |capture: Capture, found: Option<&FolderDefinitions>| {
        analyze_beside(capture, &options.analyze, found)
    };
    scan_with(inputs, options, &analyse, on_record)
}

/// A chunk analysed: the sum of its records, and the records of each of
/// its tasks in order.
type ChunkDone = (Summary, Vec<Vec<CaptureRecord>>);

/// How a worker turns one capture into its record, with the definitions of
/// the folders it was found in: [`scan`] analyses it, `dapa replay` replays
/// it first.
pub type Analyse<'a> = dyn Fn(Capture, Option<&FolderDefinitions>) -> CaptureRecord + Sync + 'a;

/// [`scan`] with each capture's record made by `analyse`: the same walk,
/// chunks, order and summary.
pub fn scan_with(
    inputs: &[PathBuf],
    options: &ScanOptions,
    analyse: &Analyse<'_>,
    mut on_record: impl Records,
) -> Result<ScanOutcome, ScanError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        // Values nested --max-depth deep are walked and dropped recursively.
        .stack_size(16 << 20)
        .build()
        .map_err(|source| ScanError::Pool {
            jobs: options.jobs,
            source,
        })?;
    // One chunk queued: with two being analysed and one being built, a
    // scan holds about four chunks of its inputs at most.
    let (sender, receiver) = mpsc::sync_channel::<Vec<Task>>(1);
    let walk_inputs = inputs.to_vec();
    let walk_options = options.clone();
    // The walk runs ahead on its own thread so that reading directories
    // overlaps the analysis; the bounded channel keeps it at most one chunk
    // queued, and one more made and waiting to be sent.
    let walker = std::thread::spawn(move || walk(&walk_inputs, &walk_options, &sender));
    let mut outcome = ScanOutcome {
        summary: Summary {
            shard: options.shard,
            ..Summary::new(options.bucket)
        },
        input_errors: Vec::new(),
    };
    let fresh = || Summary::new(options.bucket);
    // The records of each task, in the order of the tasks, summed as they
    // are made: a record's drift paths and enum values are taken into the
    // summary and dropped at once, not held until the whole chunk is
    // analysed (a capture with thousands of fields the schema does not
    // describe yields up to 10,000 paths of a kilobyte each, and a chunk
    // of them took gigabytes). Rayon reduces neighbouring ranges in order,
    // so the first example of each code stays the first in scan order, and
    // the lists join in the tasks' order.
    let analyse_chunk = |chunk: Vec<Task>| -> ChunkDone {
        chunk
            .into_par_iter()
            .map(|task| {
                let mut records = Vec::with_capacity(task.job.captures());
                let found = task.found.as_deref();
                task.job.run(options, &mut |capture| {
                    records.push(analyse(capture, found))
                });
                records
            })
            // The running sum is boxed: rayon moves the accumulator in and
            // out of the closure for every task, and a summary is some 450
            // bytes.
            .fold(
                || (Box::new(Summing::new(fresh())), Vec::new()),
                |(mut summing, mut kept), mut records| {
                    for record in &mut records {
                        summing.add(record);
                        record.observations = Observations::default();
                        record.enum_values = Vec::new();
                    }
                    kept.push(records);
                    (summing, kept)
                },
            )
            .map(|(summing, kept)| (summing.finish(), kept))
            .reduce(
                || (fresh(), Vec::new()),
                |(mut earlier, mut kept), (later, more)| {
                    earlier.merge(later);
                    kept.extend(more);
                    (earlier, kept)
                },
            )
    };
    // Chunks are analysed one after another without a pause: while the
    // records of one are written here, the workers go on with the next.
    // Waiting for each chunk before starting the next left them idle at
    // every chunk's end (the last tasks, then the writing and freeing of
    // its records): 3-6% of a scan's time on two cores. Each
    // chunk's sum and records are taken in the order of the chunks, so the
    // output is the same.
    let written = pool.in_place_scope(|scope| -> Result<(), ScanError> {
        let analyse_chunk = &analyse_chunk;
        // The chunk analysed before the one analysed last, if any.
        let mut previous: Option<mpsc::Receiver<ChunkDone>> = None;
        // Writes a chunk's records once it is analysed; `false` where its
        // analysis panicked: it sends nothing, nothing after it is
        // written, and the scope passes the panic on when it ends.
        // With `settle`, the records written so far are settled (a live
        // log paused after them), even where no chunk is left to write.
        let mut write = |analysed: Option<mpsc::Receiver<ChunkDone>>,
                         outcome: &mut ScanOutcome,
                         settle: bool| {
            if let Some(analysed) = analysed {
                let Ok((summary, batches)) = analysed.recv() else {
                    return Ok(false);
                };
                outcome.summary.merge(summary);
                for record in batches.iter().flatten() {
                    on_record.record(record)?;
                }
            }
            if settle {
                on_record.settle()?;
            }
            Ok::<bool, ScanError>(true)
        };
        for chunk in &receiver {
            // A live log paused: the records of what it gave so far are
            // written now, not once more of it arrives.
            if chunk.is_empty() {
                if !write(previous.take(), &mut outcome, true)? {
                    return Ok(());
                }
                continue;
            }
            for task in &chunk {
                match &task.job {
                    Job::MissingInput(message) => outcome.input_errors.push(message.clone()),
                    // The chunks before it are written first, as they
                    // were read; dropping the receiver stops the walk.
                    Job::BadDefinition(message) => {
                        write(previous.take(), &mut outcome, false)?;
                        return Err(ScanError::Definition(message.clone()));
                    }
                    _ => {}
                }
            }
            // One slot, so that the send never waits: a worker inside one
            // chunk's analysis may take up the next chunk's on its own
            // stack, and a send that waited for this thread, itself
            // waiting for the first chunk, would never return.
            let (done, analysed) = mpsc::sync_channel(1);
            scope.spawn(move |_| {
                let _ = done.send(analyse_chunk(chunk));
            });
            // Two chunks at most are analysed at once.
            if let Some(earlier) = previous.replace(analysed)
                && !write(Some(earlier), &mut outcome, false)?
            {
                return Ok(());
            }
        }
        write(previous.take(), &mut outcome, false)?;
        Ok(())
    });
    // The walk stops once nothing receives its chunks.
    drop(receiver);
    written?;
    if walker.join().is_err() {
        outcome
            .input_errors
            .push("the directory walk stopped unexpectedly".to_owned());
    }
    Ok(outcome)
}

/// Walk every input in order, sending chunks of jobs: the sources of this
/// shard, logs and HAR exports expanded into their captures.
fn walk(inputs: &[PathBuf], options: &ScanOptions, sender: &mpsc::SyncSender<Vec<Task>>) {
    // A shard is a contiguous run of the sorted sources, so that shards
    // merged in order give the examples a single run would have chosen.
    let range = options.shard.map(|shard| {
        let mut total = 0usize;
        sources(inputs, options, &mut |task| {
            if task.is_source() {
                total += 1;
            }
            true
        });
        shard.range(total)
    });
    // A chunk is made at its full size: grown from empty, it would be
    // copied at every doubling.
    let chunk_capacity = options.chunk_size.min(4096);
    let mut chunk = Vec::with_capacity(chunk_capacity);
    let mut held = 0usize;
    let mut captures = 0usize;
    // A chunk ends at its count of captures or, for long log lines and
    // HAR bodies read by the walk, at its bytes, whichever comes first; or
    // where a live log pauses (`None`): then what is gathered goes at once,
    // followed by an empty chunk that asks for its records to be written
    // without waiting for the next.
    let mut send = |task: Option<Task>, chunk: &mut Vec<Task>| -> bool {
        let Some(task) = task else {
            // The marker goes even with nothing gathered: a chunk that
            // just filled up still waits for the next one to be written.
            if !chunk.is_empty() {
                held = 0;
                captures = 0;
                let gathered = std::mem::replace(chunk, Vec::with_capacity(chunk_capacity));
                if sender.send(gathered).is_err() {
                    return false;
                }
            }
            return sender.send(Vec::new()).is_ok();
        };
        held += task.job.held_bytes();
        captures += task.job.captures();
        chunk.push(task);
        if captures >= options.chunk_size || held >= CHUNK_BYTES {
            held = 0;
            captures = 0;
            let full = std::mem::replace(chunk, Vec::with_capacity(chunk_capacity));
            return sender.send(full).is_ok();
        }
        true
    };
    let mut index = 0usize;
    sources(inputs, options, &mut |task| {
        if task.is_source() {
            let inside = range.as_ref().is_none_or(|range| range.contains(&index));
            index += 1;
            if !inside {
                return true;
            }
        }
        let found = task.found;
        let mut send_found =
            |job: Option<Job>| send(job.map(|job| Task::new(job, found.as_ref())), &mut chunk);
        match task.job {
            Job::Lines(path) => expand_lines(
                lines::open(&path),
                Arc::from(path_shown(&path)),
                options,
                &mut send_found,
            ),
            // A body or time pointer is a log's: standard input holds one.
            Job::Stdin if options.lines.picks_fields() => expand_lines(
                lines::open_stdin(options.max_bytes),
                Arc::from("-"),
                options,
                &mut send_found,
            ),
            Job::Har(path) => expand_har(&path, options, &mut |job| send_found(Some(job))),
            job => send_found(Some(job)),
        }
    });
    if !chunk.is_empty() {
        let _ = sender.send(chunk);
    }
}

/// Every source of the inputs in sorted order, until `visit` says stop.
fn sources(inputs: &[PathBuf], options: &ScanOptions, visit: &mut dyn FnMut(Task) -> bool) {
    // The definitions of the folders above each input: inputs in one
    // folder (a shell's `dir/*.json`) list it once.
    let mut enclosing = definition::Enclosing::new(options.hidden);
    for input in inputs {
        if input.as_os_str() == "-" {
            if !visit(Task::new(Job::Stdin, None)) {
                return;
            }
            continue;
        }
        let mut group: Vec<DirEntry> = Vec::new();
        // The definitions of the folders above the one walked, nearest last,
        // over those of the folders above the input.
        let mut scopes = Scopes::default();
        if options.folder_definitions {
            let above = match std::fs::metadata(input) {
                Ok(meta) if meta.is_dir() => enclosing.above(input),
                Ok(_) => enclosing.of_file(input),
                // The walk says why it cannot be read.
                Err(_) => Ok(None),
            };
            match above {
                Ok(above) => scopes.base = above,
                Err(message) => {
                    visit(Task::new(Job::BadDefinition(message), None));
                    return;
                }
            }
        }
        let walker = WalkDir::new(input)
            .follow_links(true)
            // Files before links and links before folders, so a folder's
            // files arrive together and their sidecars can be matched
            // without a stat each. Folders, and links, are ordered by name
            // here (siblings share their parent's path, so whole paths
            // compare as names); files are left as listed, which the stable
            // sort keeps, and `flush` orders them by name, each name cut
            // from its path once rather than at every comparison. A link is
            // neither file nor folder until it is followed, after the sort:
            // by name among the links, what it leads to (a folder walked
            // there, a dangling link or a loop) comes at a place that does
            // not depend on the order the file system lists the folder in.
            .sort_by(|a, b| match (entry_rank(a), entry_rank(b)) {
                (FILE, FILE) => std::cmp::Ordering::Equal,
                (a_rank, b_rank) if a_rank == b_rank => {
                    a.path().as_os_str().cmp(b.path().as_os_str())
                }
                (a_rank, b_rank) => a_rank.cmp(&b_rank),
            })
            .into_iter()
            .filter_entry(|entry| options.hidden || entry.depth() == 0 || !is_hidden(entry));
        // The links of the folder walked that could not be followed, with
        // their names, largest first: `flush` puts them among its files.
        let mut failed: Vec<(Vec<u8>, Task)> = Vec::new();
        for entry in walker {
            let flushed = match entry {
                Ok(entry) if entry.file_type().is_dir() => {
                    flush(&mut group, &mut failed, &mut scopes, options)
                }
                // Files come before folders in each folder, so the files
                // between two folder entries are one folder's files; but a
                // link to a folder is walked where it lies, and the links
                // after it are its parent's again.
                Ok(entry) => {
                    let other_folder = group
                        .first()
                        .is_some_and(|first| first.depth() != entry.depth());
                    let flushed = if other_folder {
                        flush(&mut group, &mut failed, &mut scopes, options)
                    } else {
                        Vec::new()
                    };
                    group.push(entry);
                    flushed
                }
                Err(error) if error.depth() > 0 => {
                    let name = error
                        .path()
                        .map(|path| name_bytes(path).to_vec())
                        .unwrap_or_default();
                    failed.push((name, Task::new(walk_error(input, &error), None)));
                    Vec::new()
                }
                Err(error) => {
                    let mut flushed = flush(&mut group, &mut failed, &mut scopes, options);
                    flushed.push(Task::new(walk_error(input, &error), None));
                    flushed
                }
            };
            if !flushed.into_iter().all(&mut *visit) {
                return;
            }
        }
        if !flush(&mut group, &mut failed, &mut scopes, options)
            .into_iter()
            .all(&mut *visit)
        {
            return;
        }
    }
}

/// The rank of a walked entry in its folder, before its links are followed.
const FILE: u8 = 0;
const LINK: u8 = 1;
const FOLDER: u8 = 2;

fn entry_rank(entry: &DirEntry) -> u8 {
    let file_type = entry.file_type();
    if file_type.is_dir() {
        FOLDER
    } else if file_type.is_symlink() {
        LINK
    } else {
        FILE
    }
}

/// The lines of a log in blocks, each a job; a log that cannot be read is
/// one unreadable capture, and one that breaks off keeps the lines before.
fn expand_lines(
    opened: io::Result<Box<dyn io::BufRead + Send>>,
    file: Arc<str>,
    options: &ScanOptions,
    send: &mut dyn FnMut(Option<Job>) -> bool,
) -> bool {
    let reader = match opened {
        Ok(reader) => reader,
        Err(error) => {
            let source = match &*file {
                "-" => Source::Stdin,
                file => Source::File(file.to_owned()),
            };
            return send(Some(Job::Unreadable {
                source,
                reason: format!("cannot read: {error}"),
            }));
        }
    };
    for piece in lines::Blocks::new(reader, options.max_bytes) {
        let job = match piece {
            // A live log paused: what was read is sent on now.
            Piece::Stalled => None,
            Piece::Lines(block) => Some(Job::LineBlock {
                file: Arc::clone(&file),
                block,
            }),
            Piece::TooLong(number, length) => Some(Job::Ready(Box::new(too_long_line(
                log_line(&file, number),
                length,
                options.max_bytes,
            )))),
            Piece::Failed(last, error) => Some(Job::Unreadable {
                source: log_line(&file, last + 1),
                reason: format!("the log cannot be read past line {last}: {error}"),
            }),
        };
        if !send(job) {
            return false;
        }
    }
    true
}

/// The source of line `line` of the log `file`.
fn log_line(file: &str, line: usize) -> Source {
    Source::LogLine {
        file: file.to_owned(),
        line,
    }
}

/// A log line longer than `--max-bytes`: not parsed.
fn too_long_line(source: Source, length: u64, max_bytes: u64) -> Capture {
    Capture::unreadable(
        source,
        Finding::new(
            Code::T07,
            format!("a {length}-byte line, more than --max-bytes allows ({max_bytes}); not parsed"),
        ),
    )
}

/// The entries of a HAR export, each a job, read as a stream: an entry too
/// long to read is T07 without being held, a file that is no HAR document
/// is one unreadable capture, and one that breaks off keeps the entries
/// before.
fn expand_har(path: &Path, options: &ScanOptions, send: &mut dyn FnMut(Job) -> bool) -> bool {
    let file = path_shown(path);
    let source = |entry| Source::HarEntry {
        file: file.clone().into_owned(),
        entry,
    };
    let entries = match har::open(path, options.max_bytes) {
        Ok(entries) => entries,
        Err(error) => return send(Job::Ready(Box::new(har::unreadable(&file, &error)))),
    };
    for entry in entries {
        let job = match entry {
            Ok(har::RawEntry::Text(number, text)) => Job::HarEntry {
                source: source(number),
                text,
            },
            Ok(har::RawEntry::TooLong(number, length)) => Job::Ready(Box::new(har::too_long(
                source(number),
                length,
                options.max_bytes,
            ))),
            Err(error) => Job::Ready(Box::new(har::unreadable(&file, &error))),
        };
        if !send(job) {
            return false;
        }
    }
    true
}

fn is_hidden(entry: &DirEntry) -> bool {
    name_bytes(entry.path()).first() == Some(&b'.')
}

/// A folder's files, which the walk leaves as listed (see `sources`), in
/// order of their names. Each name's first eight bytes are read once as a
/// number that orders them; only names that share those are compared whole.
/// Names are unique within a folder, so an unstable sort orders them fully.
fn by_name(entries: Vec<DirEntry>) -> Vec<DirEntry> {
    in_order_of(entries, |entry| name_bytes(entry.path()))
}

/// `entries` in the byte order of their names (unique), as [`by_name`]
/// orders a folder's files.
fn in_order_of<T>(mut entries: Vec<T>, name_of: impl Fn(&T) -> &[u8]) -> Vec<T> {
    // Head and index in one number: a sort of plain numbers moves and
    // compares the least, and orders every name whose head is its own.
    let mut keyed: Vec<u128> = entries
        .iter()
        .enumerate()
        .map(|(index, entry)| (u128::from(name_head(name_of(entry))) << 64) | index as u128)
        .collect();
    keyed.sort_unstable();
    let head = |key: &u128| (key >> 64) as u64;
    let index = |key: &u128| (key & u128::from(u64::MAX)) as usize;
    let name = |key: &u128| entries.get(index(key)).map(&name_of);
    // Names that share a head came out in the order listed: those few are
    // put in order by their whole names.
    for shared in keyed.chunk_by_mut(|a, b| head(a) == head(b)) {
        if shared.len() > 1 {
            shared.sort_unstable_by(|a, b| name(a).cmp(&name(b)));
        }
    }
    // Each entry is moved to its place by following the cycles of the
    // order, with swaps inside the list. A second list of the entries,
    // made and freed for every folder, kept about 2 MiB more memory in use.
    const PLACED: u128 = u128::MAX;
    for start in 0..keyed.len() {
        let mut at = start;
        while keyed[at] != PLACED {
            let from = index(&keyed[at]);
            keyed[at] = PLACED;
            if from != start {
                entries.swap(at, from);
                at = from;
            }
        }
    }
    entries
}

/// The first eight bytes of a name as a number that orders names as their
/// bytes do. A name holds no NUL byte, so padding a short one with zeros
/// keeps it before the longer names it begins.
fn name_head(name: &[u8]) -> u64 {
    let mut head = [0u8; 8];
    let length = name.len().min(8);
    head[..length].copy_from_slice(&name[..length]);
    u64::from_be_bytes(head)
}

/// The last component of a walked path, as bytes, cut at its last `/`
/// without taking the whole path apart ([`Path::file_name`] does).
fn name_bytes(path: &Path) -> &[u8] {
    let bytes = path.as_os_str().as_encoded_bytes();
    match memchr::memrchr(b'/', bytes) {
        // A walked entry's path never ends with `/` but the first one may
        // (the input as typed): that one gets the careful look.
        Some(at) if at + 1 < bytes.len() => &bytes[at + 1..],
        _ => path
            .file_name()
            .map_or(bytes, |name| name.as_encoded_bytes()),
    }
}

/// A walk error becomes an unreadable capture, unless it is an input that
/// does not exist at all: that is the user's mistake, not a capture's.
fn walk_error(input: &Path, error: &walkdir::Error) -> Job {
    let path = error.path().unwrap_or(input);
    let reason = match error.io_error() {
        Some(io) if error.loop_ancestor().is_none() => io.to_string(),
        _ => error.to_string(),
    };
    let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if error.depth() == 0 && !dangling && std::fs::symlink_metadata(path).is_err() {
        return Job::MissingInput(format!("{}: {reason}", path.display()));
    }
    let reason = if let Some(ancestor) = error.loop_ancestor() {
        format!("a symbolic link loop back to {}", ancestor.display())
    } else if dangling {
        format!("a symbolic link whose target cannot be read ({reason})")
    } else {
        format!("cannot read: {reason}")
    };
    Job::Unreadable {
        source: Source::from_path(path),
        reason,
    }
}

/// The definitions found in the folders of one walk: each folder that holds
/// some, with them and those of the folders above it. The walk gives a
/// folder's files before its subfolders, so a folder's definitions are known
/// before any capture below it.
#[derive(Default)]
struct Scopes {
    /// Each folder walked that holds definitions, nearest last.
    walked: Vec<(PathBuf, Arc<FolderDefinitions>)>,
    /// The definitions of the folders above the input walked.
    base: Option<Arc<FolderDefinitions>>,
}

impl Scopes {
    /// Enter `folder` with the definitions among its `entries`: the folders
    /// walked since that are not above it are left. The message of the
    /// first definition that cannot be used, when one cannot.
    fn enter(&mut self, folder: &Path, entries: &[DirEntry]) -> Result<(), String> {
        while self
            .walked
            .last()
            .is_some_and(|(above, _)| !folder.starts_with(above))
        {
            self.walked.pop();
        }
        let mut found = definition::Found::default();
        let above = FolderDefinitions::bytes(self.current());
        definition::Found::check_sizes(entries.iter().map(DirEntry::path), above)?;
        for entry in entries {
            found.add(entry.path(), above)?;
        }
        if !found.definitions.is_empty() {
            let here = Arc::new(FolderDefinitions::new(found, self.current().cloned()));
            self.walked.push((folder.to_owned(), here));
        }
        Ok(())
    }

    /// The definitions that apply in the folder entered last.
    fn current(&self) -> Option<&Arc<FolderDefinitions>> {
        self.walked
            .last()
            .map(|(_, found)| found)
            .or(self.base.as_ref())
    }
}

/// Turn the files of one folder into jobs, matching each capture with its
/// sidecar among its siblings. Sidecars are never captures of their own, nor
/// are definitions, which check the captures of their action below their
/// folder.
fn flush(
    group: &mut Vec<DirEntry>,
    failed: &mut Vec<(Vec<u8>, Task)>,
    scopes: &mut Scopes,
    options: &ScanOptions,
) -> Vec<Task> {
    // A sidecar is never a capture, even one that cannot be followed: its
    // capture tries it, and notes why it could not be read.
    let mut broken_sidecars = Vec::new();
    failed.retain(|(name, _)| {
        let sidecar = sidecar::is_sidecar_name(name);
        if sidecar {
            broken_sidecars.push(name.clone());
        }
        !sidecar
    });
    let mut jobs = files_in_folder(group, &broken_sidecars, scopes, options);
    if failed.is_empty() {
        return jobs;
    }
    // The links that failed go among the folder's files by name (each one's
    // place found by a search: they are few).
    failed.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, task) in failed.drain(..).rev() {
        let at = jobs.partition_point(|job| job.name().is_none_or(|other| other <= &name[..]));
        jobs.insert(at, task);
    }
    jobs
}

/// Whether a walked file is one of the run's `own` files: its name first
/// (a comparison of bytes), its real folder only when a name matches.
fn is_own_file(path: &Path, name: &[u8], own: &[PathBuf]) -> bool {
    own.iter()
        .filter(|own| {
            own.file_name()
                .is_some_and(|own| own.as_encoded_bytes() == name)
        })
        .any(|own| {
            let real = path
                .parent()
                .and_then(|folder| std::fs::canonicalize(folder).ok());
            real.is_some_and(|folder| own.parent() == Some(folder.as_path()))
        })
}

/// The real path of a file the run reads or writes itself: its folder's
/// real path and its name (the file may not exist yet).
pub fn own_file(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(folder).ok()?.join(name))
}

/// The jobs of one folder's files, in name order.
fn files_in_folder(
    group: &mut Vec<DirEntry>,
    broken_sidecars: &[Vec<u8>],
    scopes: &mut Scopes,
    options: &ScanOptions,
) -> Vec<Task> {
    // The next folder's files are as many, most likely: room for them saves
    // growing the list from empty again. Not past a few thousand, so that a
    // huge folder is not held twice over while it is turned into jobs.
    let room = group.len().min(4096);
    let entries = by_name(std::mem::replace(group, Vec::with_capacity(room)));
    let single_input = entries.len() == 1 && entries[0].depth() == 0;
    if options.folder_definitions && !single_input {
        let folder = entries.first().and_then(|entry| entry.path().parent());
        if let Some(folder) = folder
            && let Err(message) = scopes.enter(folder, &entries)
        {
            return vec![Task::new(Job::BadDefinition(message), None)];
        }
    }
    let found = scopes.current().cloned();
    // Names are told apart by their bytes, as the folder lists them: most
    // folders hold no sidecars at all.
    let sidecars: HashSet<Vec<u8>> = entries
        .iter()
        .map(|entry| name_bytes(entry.path()))
        .filter(|name| sidecar::is_sidecar_name(name))
        .map(<[u8]>::to_vec)
        .chain(broken_sidecars.iter().cloned())
        .collect();
    let mut jobs: Vec<Task> = Vec::with_capacity(entries.len());
    for entry in entries {
        // With links followed, the entry's type is its target's: no extra stat.
        let file_type = entry.file_type();
        let path = entry.into_path();
        let name = name_bytes(&path);
        // Sidecars and Data Action definitions describe captures; they are
        // never one, even named on their own (the scan then says what they
        // are). A file the run writes is skipped only in a folder walked.
        if crate::capture::never_a_capture(name).is_some()
            || (!single_input && is_own_file(&path, name, &options.own_files))
        {
            continue;
        }
        if !file_type.is_file() {
            jobs.push(Task::new(
                Job::Unreadable {
                    source: Source::from_path(&path),
                    reason: crate::input::ReadError::NotRegular(crate::input::describe(&file_type))
                        .to_string(),
                },
                found.as_ref(),
            ));
            continue;
        }
        let sidecar = if single_input {
            // A file named on the command line has no listing of its siblings.
            sidecar::beside(&path)
        } else if sidecars.is_empty() {
            None
        } else {
            sidecar::candidate_names(name)
                .into_iter()
                .find(|candidate| sidecars.contains(candidate))
                .map(|candidate| path.with_file_name(name_of(&candidate)))
        };
        let (is_lines, is_har) = (lines::is_lines_name(name), har::is_har_name(name));
        let job = if is_lines {
            Job::Lines(path)
        } else if is_har {
            Job::Har(path)
        } else {
            Job::File { path, sidecar }
        };
        jobs.push(Task::new(job, found.as_ref()));
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forty captures of six kinds in three folders, and the names of
    /// their files in the order of the walk.
    fn forty_captures() -> (tempfile::TempDir, Vec<String>) {
        let folder = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let bodies = [
            r#"{"ok": true, "count": 3}"#,
            r#"{"cut": [1, 2"#,
            "<html><body>502 Bad Gateway</body></html>",
            r#"{"message": "not found", "status": 404, "code": "not.found"}"#,
            r#"{"inner": "{\"a\": 1}"}"#,
            "",
        ];
        for at in 0..40 {
            let sub = folder.path().join(format!("d{}", at % 3));
            std::fs::create_dir_all(&sub).unwrap_or_else(|error| panic!("{error}"));
            let body = bodies[at % bodies.len()];
            std::fs::write(sub.join(format!("{at:03}.json")), body)
                .unwrap_or_else(|error| panic!("{error}"));
        }
        // Each folder in turn, its files in order.
        let mut walked: Vec<_> = (0..40)
            .map(|at| (at % 3, format!("{at:03}.json")))
            .collect();
        walked.sort();
        (folder, walked.into_iter().map(|(_, name)| name).collect())
    }

    fn file_name(record: &CaptureRecord) -> String {
        match &record.source {
            Source::File(path) => path.rsplit('/').next().unwrap_or_default().to_owned(),
            other => panic!("{other:?}"),
        }
    }

    /// Chunks of any size, analysed two at a time on any number of
    /// workers, give the records in the order of the walk and the sum of a
    /// run in one chunk on one worker.
    #[test]
    fn chunks_of_any_size_give_the_records_and_sum_of_one_chunk() {
        let (folder, walked) = forty_captures();
        let run = |jobs: usize, chunk_size: usize| {
            let options = ScanOptions {
                jobs,
                chunk_size,
                ..ScanOptions::default()
            };
            let mut records = Vec::new();
            let outcome = scan(
                &[folder.path().to_path_buf()],
                &options,
                |record: &CaptureRecord| {
                    records.push(record.clone());
                    Ok(())
                },
            )
            .unwrap_or_else(|error| panic!("{error}"));
            (records, outcome.summary)
        };
        let one = run(1, 1024);
        assert_eq!(one.0.iter().map(file_name).collect::<Vec<_>>(), walked);
        for (jobs, chunk_size) in [(1, 1), (2, 1), (2, 3), (3, 7), (4, 2), (2, 1024)] {
            assert!(
                run(jobs, chunk_size) == one,
                "{jobs} jobs, chunks of {chunk_size}"
            );
        }
    }

    /// A capture whose analysis panics stops the scan there: the records
    /// written are those of every capture before it, in order, and none
    /// after it, though a later chunk may have been analysed meanwhile.
    #[test]
    fn a_panic_in_a_chunk_writes_nothing_after_it() {
        let (folder, walked) = forty_captures();
        let stop = walked.iter().position(|name| name == "019.json");
        let stop = stop.unwrap_or_else(|| panic!("019.json is among {walked:?}"));
        let options = ScanOptions {
            jobs: 2,
            chunk_size: 1,
            ..ScanOptions::default()
        };
        let analyse = |capture: Capture, found: Option<&FolderDefinitions>| {
            let record = analyze_beside(capture, &options.analyze, found);
            assert_ne!(
                file_name(&record),
                "019.json",
                "the analysis of this capture panics"
            );
            record
        };
        let mut written = Vec::new();
        let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scan_with(
                &[folder.path().to_path_buf()],
                &options,
                &analyse,
                |record: &_| {
                    written.push(file_name(record));
                    Ok(())
                },
            )
        }));
        assert!(scanned.is_err(), "the panic reaches the caller");
        // Every chunk before it is analysed and written.
        assert_eq!(written, walked[..stop]);
    }

    /// The walk tells names apart by their bytes; what it finds is what
    /// their text (as every output shows it) would say.
    #[test]
    fn names_read_as_bytes_are_told_apart_as_their_text_is() {
        let names: [&[u8]; 12] = [
            b"000001.json",
            b"000001.json.meta.json",
            b"\xff.meta.json",
            b"x.meta.jso",
            b"get-user.action.json",
            b"\xe9.action.json",
            b"app.jsonl.gz",
            b"app.ndjson",
            b"\xfe.jsonl",
            b"export.HAR",
            b"export.har.GZ",
            b"\xc3.har",
        ];
        for name in names {
            let text = crate::capture::source::path_text(name);
            assert_eq!(
                sidecar::is_sidecar_name(name),
                sidecar::is_sidecar_name(&*text)
            );
            assert_eq!(
                definition::is_definition_name(name),
                definition::is_definition_name(&*text)
            );
            assert_eq!(lines::is_lines_name(name), lines::is_lines_name(&*text));
            assert_eq!(har::is_har_name(name), har::is_har_name(&*text));
        }
        assert!(sidecar::is_sidecar_name(b"\xff.meta.json".as_slice()));
        assert!(har::is_har_name(b"export.har.GZ".as_slice()));
    }

    /// Names that share their first eight bytes, are shorter than eight,
    /// begin one another, or are not UTF-8.
    #[test]
    fn folder_files_come_in_byte_order_of_their_names() {
        let folder = std::env::temp_dir().join(format!("dapa-by-name-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let mut names: Vec<Vec<u8>> = [
            "000123.json",
            "000123.jso",
            "000123",
            "00012",
            "b",
            "a",
            "abcdefgh",
            "abcdefg",
            "abcdefghi",
            "abcdefgh.json",
            "Z",
            "~x",
            "é.json",
            "e.json",
        ]
        .iter()
        .map(|name| name.as_bytes().to_vec())
        .collect();
        names.push(b"\xff\xfe.json".to_vec());
        for name in &names {
            use std::os::unix::ffi::OsStrExt;
            std::fs::write(folder.join(std::ffi::OsStr::from_bytes(name)), b"{}").unwrap();
        }
        let listed: Vec<DirEntry> = WalkDir::new(&folder)
            .min_depth(1)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let ordered: Vec<Vec<u8>> = by_name(listed)
            .iter()
            .map(|entry| entry.file_name().as_encoded_bytes().to_vec())
            .collect();
        std::fs::remove_dir_all(&folder).unwrap();
        names.sort();
        assert_eq!(ordered, names);
    }

    proptest::proptest! {
        /// Any names, listed in any order, come out sorted: names that
        /// share their first eight bytes, begin one another, or are long.
        #[test]
        fn names_in_any_listing_come_out_sorted(
            names in proptest::collection::btree_set(
                "(abcdefgh|0000000|x)?[a-c0-9.]{0,10}", 0..60
            ),
            seed in 0u64..1000,
        ) {
            let sorted: Vec<Vec<u8>> = names.iter().map(|name| name.as_bytes().to_vec()).collect();
            let mut listed = sorted.clone();
            // A listing in an order of its own, as a directory gives it.
            listed.sort_by_key(|name| {
                name.iter().fold(seed, |hash, &b| hash.wrapping_mul(31).wrapping_add(u64::from(b)))
            });
            let ordered = in_order_of(listed, |name| name.as_slice());
            proptest::prop_assert_eq!(ordered, sorted);
        }
    }
}
