//! Command-line arguments as clap parses them, and the parsers of their
//! values. `settings` resolves them into what each command runs with.

use clap::{Parser, Subcommand, ValueEnum};
use dapa::gate::{FailOn, FailOnError};
use dapa::timeline::BucketChoice;
use std::path::PathBuf;
#[cfg(feature = "fetch")]
use std::time::Duration;

/// dapa, the Data Action Payload Analyzer: malformation and drift statistics
/// for captured Genesys Cloud Data Action responses.
#[derive(Debug, Parser)]
#[command(name = "dapa", version, long_about = None)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse captures (files, folders, `-` for standard input) and summarise.
    Scan(ScanArgs),
    /// Write a JSON Schema (draft 2020-12) that the healthy payloads satisfy.
    Infer(InferArgs),
    /// Record the statistics of a corpus for `scan --baseline`.
    Baseline(BaselineArgs),
    /// One capture, layer by layer, with the bytes of each finding underlined.
    Explain(ExplainArgs),
    /// Call a Data Action once per input line and keep each reply as a capture.
    #[cfg(feature = "fetch")]
    #[command(after_help = FETCH_CREDENTIALS)]
    Fetch(FetchArgs),
    /// Save Data Action definitions as ACTION_ID.action.json, which `scan` checks captures against.
    #[cfg(feature = "fetch")]
    #[command(after_help = FETCH_CREDENTIALS)]
    Pull(PullArgs),
    /// Combine the `--format json` summaries of `scan --shard K/N` runs into
    /// the summary one run over everything gives.
    Merge(MergeArgs),
    /// Print a completion script for a shell, built from these arguments.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of dapa or of one of its commands.
    Man(ManArgs),
    /// List the finding codes, or explain one: its causes, how to confirm and how to fix it.
    Codes(CodesArgs),
    /// Check Data Action definitions (export or API JSON) for mistakes in
    /// their response configuration and output contract (codes A01...).
    Lint(LintArgs),
    /// Run a Data Action's response configuration (translationMap, defaults,
    /// successTemplate) over raw backend replies and analyse each output.
    Replay(ReplayArgs),
}

/// Arguments of `dapa lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Definition files (any name), or folders whose `*.action.json` files
    /// are read at any depth.
    #[arg(required = true, value_name = "DEFINITION")]
    pub definitions: Vec<PathBuf>,
    /// The report and the gate (a definition with an error-severity code
    /// is `invalid`, with a warning `drift`).
    #[command(flatten)]
    pub report: ReportArgs,
    /// Colour the table by severity: auto, always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Arguments of `dapa replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The Data Action definition (export or API JSON with its
    /// configuration) whose response configuration is replayed.
    #[arg(long, value_name = "FILE", required = true)]
    pub definition: PathBuf,
    /// Replay every reply through this older definition too, and report the
    /// captures whose output changed (R08) or whose verdict got worse (R09).
    #[arg(long = "compare", value_name = "OLD")]
    pub old_definition: Option<PathBuf>,
    /// Raw backend replies: files or folders (walked recursively), HTTP
    /// dumps, HAR exports, JSON Lines logs, test-mode traces; `-` reads
    /// standard input.
    #[arg(required = true, value_name = "RAW")]
    pub paths: Vec<PathBuf>,
    /// The report and the gate.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Reading and walking.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Secrets, baseline, shards, timeline, colour.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Arguments of `dapa codes`.
#[derive(Debug, clap::Args)]
pub struct CodesArgs {
    /// The code (S01, any case) or name (truncated) to explain; every code as a table without one.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CodesFormat::Text)]
    pub format: CodesFormat,
}

/// Formats of `dapa codes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CodesFormat {
    /// A table of the codes, or the full text of one, for a terminal.
    Text,
    /// The same as JSON: an array of codes, or one code's object.
    Json,
    /// The advice as Markdown sections, as the codes reference holds them.
    Markdown,
}

/// Arguments of `dapa completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `dapa man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The command whose page to print (`scan` gives dapa-scan(1)); dapa(1) without one.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write every page (dapa.1, dapa-scan.1, ...) into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

/// Where `fetch` finds its credentials, after its options in `fetch --help`:
/// they never come from flags, so no option's help would name them.
#[cfg(feature = "fetch")]
const FETCH_CREDENTIALS: &str = "\
Credentials come from the environment, or from the file ./.env (or --env-file) in
KEY=VALUE lines, never from flags; a variable set in the environment wins over the file:
  GENESYS_CLIENT_ID      the OAuth client id (client credentials grant)
  GENESYS_CLIENT_SECRET  its secret
  GENESYS_REGION         a region domain (mypurecloud.ie) or short name (euw1); --region wins";

/// Arguments of `dapa merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The summaries (`scan --format json` output) of shards 1/N to N/N, in any order.
    #[arg(required = true, value_name = "SUMMARY.json")]
    pub summaries: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MergeFormat::Json)]
    pub format: MergeFormat,
    /// Colour the table: auto (on a terminal, unless NO_COLOR is set or
    /// TERM is dumb), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The merged summary compared as a whole, as one scan of everything.
    #[command(flatten)]
    pub compare: CompareArgs,
}

impl Args {
    /// The `--color` of the command, where it has one: error reports follow
    /// it as the reports do (`auto` leaves them to the terminal's checks).
    pub fn color(&self) -> Option<ColorChoice> {
        match &self.command {
            Command::Scan(args) => Some(args.run.color),
            Command::Replay(args) => Some(args.run.color),
            Command::Lint(args) => Some(args.color),
            Command::Merge(args) => Some(args.color),
            Command::Explain(args) => Some(args.color),
            _ => None,
        }
    }
}

/// When the reports people read are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    Auto,
    /// Always, also into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// The comparison with a baseline of `scan` and `merge`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Compare with this baseline: exit 1 only on regressions (a new code or
    /// drift path, a rate above the baseline's plus --tolerance, a new enum value).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// How far a status or code rate may rise above the baseline's, in percentage points.
    #[arg(
        long,
        value_name = "POINTS",
        default_value_t = 1.0,
        requires = "baseline",
        value_parser = parse_tolerance
    )]
    pub tolerance: f64,
}

/// The formats a merged summary can be written in (those that need no
/// per-capture records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// The summary as one JSON document, as `scan --format json` writes it.
    Json,
    /// Summary tables for a terminal.
    Table,
    /// A report for an incident ticket.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

impl From<MergeFormat> for Format {
    fn from(format: MergeFormat) -> Format {
        match format {
            MergeFormat::Json => Format::Json,
            MergeFormat::Table => Format::Table,
            MergeFormat::Markdown => Format::Markdown,
            MergeFormat::Html => Format::Html,
        }
    }
}

/// Arguments of `dapa fetch`. Credentials come from `GENESYS_CLIENT_ID` and
/// `GENESYS_CLIENT_SECRET` in the environment or a `.env` file, never from
/// flags (`FETCH_CREDENTIALS` says so in `fetch --help`).
#[cfg(feature = "fetch")]
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The Data Action id.
    #[arg(long = "action", value_name = "ID")]
    pub action_id: String,
    /// One JSON object of input values per line (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub inputs: PathBuf,
    /// The folder the captures go to (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Which endpoint to call.
    #[arg(long, value_enum, default_value_t = EndpointArg::Execute)]
    pub endpoint: EndpointArg,
    /// Add `?flatten=true` to each request.
    #[arg(long)]
    pub flatten: bool,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// The hosts, the credentials' file, retries and limits.
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Print what would be requested, and contact nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar and no retry notes.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `dapa pull`; credentials as for `fetch`.
#[cfg(feature = "fetch")]
#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// The Data Action ids.
    #[arg(required = true, value_name = "ACTION_ID")]
    pub action_ids: Vec<String>,
    /// The folder the definitions go to (created if needed).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// The hosts, the credentials' file, retries and limits.
    #[command(flatten)]
    pub service: ServiceArgs,
    /// No retry notes and no line per action.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Where `fetch` and `pull` send their requests, and how.
#[cfg(feature = "fetch")]
#[derive(Debug, clap::Args)]
pub struct ServiceArgs {
    /// The Genesys Cloud region: a domain (mypurecloud.ie) or a short name
    /// (euw1); default GENESYS_REGION.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The API base URL instead of https://api.<region domain>.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The login base URL instead of https://login.<region domain>.
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
    /// Allow plain http:// to a host other than this machine (a test server
    /// you trust): the secret and tokens then cross the network in clear.
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Read GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_REGION from
    /// this file instead of ./.env.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Retries of a request after a 429, a 5xx other than 501, a network
    /// failure or a cut-off body.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// The longest wait a Retry-After header is obeyed for.
    #[arg(long, value_name = "DURATION", default_value = "180s", value_parser = parse_duration)]
    pub max_retry_after: Duration,
    /// The first backoff before a retry; it doubles each time, with jitter.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub backoff: Duration,
    /// Time allowed to connect.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub connect_timeout: Duration,
    /// Time allowed for the reply to start, and for each read of it; a
    /// whole request may take the connect time plus four times this.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Reply bodies are kept up to this size.
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
    pub max_bytes: u64,
}

/// The endpoints `fetch` can call.
#[cfg(feature = "fetch")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndpointArg {
    /// /execute: the output contract directly.
    Execute,
    /// /test: a TestExecutionResult.
    Test,
    /// /draft/test: the draft's TestExecutionResult.
    DraftTest,
}

/// A duration: a number of seconds, or with a unit (`500ms`, `30s`, `3m`).
#[cfg(feature = "fetch")]
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 500ms, 30s, 3m)"))?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("'{text}' is not a duration (e.g. 500ms, 30s, 3m)")),
    };
    let duration = Duration::try_from_secs_f64(seconds).map_err(|e| format!("'{text}': {e}"))?;
    if duration > Duration::from_secs(86_400) {
        return Err(format!("'{text}' is more than a day"));
    }
    Ok(duration)
}

/// A timeout: a duration that is not zero.
#[cfg(feature = "fetch")]
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err("a timeout of 0 would fail every request".to_owned());
    }
    Ok(duration)
}

/// Arguments of `dapa explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The capture: a file, `FILE#N` for the N-th entry of a HAR export,
    /// `FILE:LINE` for a line of a JSON Lines log, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub target: std::ffi::OsString,
    /// In a JSON Lines log, the JSON pointer of the line's body.
    #[arg(long, value_name = "POINTER", value_parser = parse_pointer)]
    pub body_pointer: Option<String>,
    /// Captures larger than this are reported as T07 and not parsed.
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
    pub max_bytes: u64,
    /// Deepest nesting of arrays and objects accepted before S06, as `scan`
    /// takes it: a capture explained as the scan saw it.
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub max_depth: u16,
    /// Which schema applies to the capture.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Show the values of `x-dapa-secret` fields and raw tokens.
    #[arg(long)]
    pub show_secrets: bool,
    /// Colour the findings by severity: auto (on a terminal, unless
    /// NO_COLOR is set or TERM is dumb), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Arguments of `dapa baseline`.
#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// Capture files or folders (walked recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the baseline here instead of to standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Reading and walking.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Which schema applies to which capture.
    #[command(flatten)]
    pub selection: SelectionArgs,
}

/// Arguments of `dapa infer`.
#[derive(Debug, clap::Args)]
pub struct InferArgs {
    /// Capture files or folders (walked recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write the schema here instead of to standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Strings with at most this many distinct values (each seen twice on
    /// average) become an `enum`; 0 turns enums off. At most 1000: each
    /// place keeps up to this many values while the corpus is read.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 8,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1000)
    )]
    pub enum_threshold: usize,
    /// A Data Action definition whose output contract marks which values
    /// are secret (`x-dapa-secret`, `secure`); repeatable. Definitions in
    /// the folders walked, and in the folders above them, are read too.
    /// Nothing is checked against it.
    #[arg(long, value_name = "FILE")]
    pub definition: Vec<PathBuf>,
    /// Rules whose profiles mark which values are secret (default: the
    /// nearest `dapa.toml`, unless `--definition` is given). Nothing is
    /// checked against them.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Reading and walking.
    #[command(flatten)]
    pub walk: WalkArgs,
}

/// How captures are found and read, for every command that reads them.
#[derive(Debug, Clone, clap::Args)]
pub struct WalkArgs {
    /// Worker threads (default: the number of cores; at most 1024).
    // Each worker is a thread with its own stack, and idle ones look for
    // work in each other's queues: 10,000 took 54 s and 1.2 GB to scan one
    // file, 100,000 never started.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=1024))]
    pub jobs: Option<u16>,
    /// Captures larger than this are reported as T07 and not parsed
    /// (bytes; K, M and G suffixes are powers of 1024).
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = parse_size)]
    pub max_bytes: u64,
    /// Deepest nesting of arrays and objects accepted before S06.
    #[arg(long, value_name = "N", default_value_t = 128, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub max_depth: u16,
    /// Also read files and folders whose names start with a dot.
    #[arg(long)]
    pub hidden: bool,
    /// Nothing on standard error but errors: no progress line, no notes and
    /// no throughput line.
    #[arg(short, long)]
    pub quiet: bool,
    /// In JSON Lines logs, the JSON pointer of each line's body (e.g.
    /// /response/body); a string is the body text, anything else its JSON.
    /// With it (or --time-pointer), `-` reads a log from standard input.
    #[arg(long, value_name = "POINTER", value_parser = parse_pointer)]
    pub body_pointer: Option<String>,
    /// In JSON Lines logs, the JSON pointer of each line's time (RFC 3339,
    /// or epoch seconds or milliseconds).
    #[arg(long, value_name = "POINTER", value_parser = parse_pointer)]
    pub time_pointer: Option<String>,
}

/// A JSON pointer: empty (the whole document) or starting with `/`.
fn parse_pointer(text: &str) -> Result<String, String> {
    if text.is_empty() || text.starts_with('/') {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "'{text}' is not a JSON pointer (it starts with '/', e.g. /response/body)"
        ))
    }
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Summary tables for a terminal.
    Table,
    /// The summary as one JSON document.
    Json,
    /// One JSON record per capture (per definition in `lint`).
    Jsonl,
    /// A report for an incident ticket: headline numbers, tables, examples.
    Markdown,
    /// JUnit XML: a test case per capture (per definition in `lint`), a failure per
    /// finding at or above --fail-on.
    Junit,
    /// SARIF 2.1.0 for code scanning: a rule per code, a result per finding.
    Sarif,
    /// One self-contained HTML page: headline numbers, the timeline chart,
    /// the tables and an example per code.
    Html,
}

/// Arguments of `dapa scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Capture files or folders (walked recursively); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The report and the gate.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Reading and walking.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Which schema applies to which capture.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Secrets, baseline, shards, timeline, colour.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The report of a run and the gate it is judged by (`scan`, `replay`, `lint`).
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of to standard output; the file is
    /// replaced only once the report is complete.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a capture (a definition, in `lint`) has one of these
    /// statuses or worse, or one of these codes (comma-separated, e.g.
    /// `drift` or `error,S07`); `none` never fails.
    #[arg(long, value_name = "STATUS|CODE,...", default_value = "invalid", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
}

/// The rest of a run over captures (`scan`, `replay`).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Show the values of `x-dapa-secret` fields and raw tokens in messages.
    #[arg(long)]
    pub show_secrets: bool,
    /// The baseline to compare with.
    #[command(flatten)]
    pub compare: CompareArgs,
    /// Rewrite the --baseline file with this scan's statistics (exit 0).
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,
    /// Scan only the K-th of N equal runs of the sorted sources (a file, a
    /// log or a HAR export is one source); `dapa merge` combines the
    /// `--format json` summaries of all N.
    #[arg(long, value_name = "K/N", value_parser = <dapa::shard::Shard as std::str::FromStr>::from_str)]
    pub shard: Option<dapa::shard::Shard>,
    /// The timeline's bucket width: 1m, 5m, 1h, 1d, or auto (the narrowest
    /// that shows the whole span in about 120 buckets).
    #[arg(long, value_name = "WIDTH", default_value = "auto", value_parser = parse_bucket)]
    pub bucket: BucketChoice,
    /// Exit 0 when the inputs hold no capture at all (by default that is
    /// exit 2: a gate that scanned nothing has checked nothing). A shard
    /// may always be empty.
    #[arg(long)]
    pub allow_empty: bool,
    /// Colour the table by severity: auto (on a terminal, unless NO_COLOR
    /// is set or TERM is dumb), always, never; other formats are never coloured.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn parse_bucket(text: &str) -> Result<BucketChoice, String> {
    if text == "auto" {
        return Ok(BucketChoice::Auto);
    }
    dapa::timeline::parse_chosen_width(text)
        .map(BucketChoice::Fixed)
        .ok_or_else(|| format!("'{text}' is not a bucket width: 1m, 5m, 1h, 1d or auto"))
}

/// How a capture's profile is chosen: `--profile` or `--schema` for all,
/// else the rules of `dapa.toml`.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectionArgs {
    /// Check every capture against a built-in profile (cognigy-profile,
    /// cognigy-token, genesys-error, genesys-test).
    #[arg(long, value_name = "NAME", conflicts_with = "schema")]
    pub profile: Option<String>,
    /// Check every payload against this JSON Schema file.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Check payloads against the output contract of this Data Action
    /// definition (export or API JSON); repeatable. A definition with an
    /// `id` checks the captures of that action, one without checks the rest.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["profile", "schema"])]
    pub definition: Vec<PathBuf>,
    /// The envelope of the payloads `--schema` describes.
    #[arg(long, value_enum, default_value_t = EnvelopeArg::Execute, requires = "schema")]
    pub envelope: EnvelopeArg,
    /// Rules that map action ids and path globs to profiles (default: the
    /// nearest `dapa.toml` in the working directory or a folder above it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Envelopes a payload can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvelopeArg {
    /// The body is the payload.
    Execute,
    /// A TestExecutionResult: the payload is `finalResult`.
    Test,
    /// `{result, errors, warnings}`: the payload is `result`.
    Seed,
}

/// A `--fail-on` list, as the library reads it.
fn parse_fail_on(text: &str) -> Result<FailOn, FailOnError> {
    text.parse()
}

/// Percentage points from 0 to 100: `nan` or `inf` would turn every rate
/// comparison off without a word.
fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(points) if (0.0..=100.0).contains(&points) => Ok(points),
        _ => Err(format!(
            "'{text}' is not a number of percentage points from 0 to 100 (e.g. 1 or 0.5)"
        )),
    }
}

fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let lower = lower.trim_end_matches("ib").trim_end_matches('b');
    let (digits, scale) = match lower.chars().last() {
        Some('k') => (&lower[..lower.len() - 1], 1u64 << 10),
        Some('m') => (&lower[..lower.len() - 1], 1 << 20),
        Some('g') => (&lower[..lower.len() - 1], 1 << 30),
        _ => (lower, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("'{text}' is not a size (e.g. 1048576, 512K, 64M, 1G)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
    }

    #[cfg(feature = "fetch")]
    #[test]
    fn durations() {
        assert_eq!(parse_duration("180"), Ok(Duration::from_secs(180)));
        assert_eq!(parse_duration("20ms"), Ok(Duration::from_millis(20)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("2d").is_err());
        assert!(parse_duration("100000").is_err());
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("1ms").is_ok());
    }
}
