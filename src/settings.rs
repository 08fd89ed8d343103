//! The one resolution step: parsed arguments become what a command runs
//! with. Every check of argument combinations, and every loading of the
//! tool's own inputs (profiles, schemas, `dapa.toml`, the baseline, the
//! `.env` file), happens here, in the order a user sees its messages.

use crate::cli::{
    Args, BaselineArgs, ColorChoice, Command, CompletionsArgs, EnvelopeArg, ExplainArgs, Format,
    InferArgs, ManArgs, MergeArgs, ReportArgs, RunArgs, ScanArgs, SelectionArgs, WalkArgs,
};
#[cfg(feature = "fetch")]
use crate::cli::{FetchArgs, PullArgs, ServiceArgs};
use crate::output::{Terminal, auto_colour, written};
use crate::report::escape::terminal;
use crate::report::{self, Report};
use dapa::AnalyzeOptions;
use dapa::baseline::Baseline;
use dapa::capture::lines::LineOptions;
use dapa::gate::FailOn;
use dapa::gate::Gate;
use dapa::infer::InferOptions;
use dapa::profile::config::{self, ConfigPlace};
use dapa::profile::definition::Definition;
use dapa::profile::schema_name;
use dapa::profile::{EnvelopeKind, Profile, Profiles, SchemaError};
use dapa::replay::Replay;
use dapa::scan::ScanOptions;
use miette::{IntoDiagnostic, Result};
use std::ffi::OsString;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A command with everything it needs resolved.
#[allow(
    clippy::large_enum_variant,
    reason = "one value per run, moved once into its command"
)]
pub enum Settings {
    /// `dapa scan`.
    Scan(ScanSettings),
    /// `dapa infer`.
    Infer(InferSettings),
    /// `dapa baseline`.
    Baseline(BaselineSettings),
    /// `dapa explain`.
    Explain(ExplainSettings),
    /// `dapa fetch`.
    #[cfg(feature = "fetch")]
    Fetch(FetchSettings),
    /// `dapa pull`.
    #[cfg(feature = "fetch")]
    Pull(PullSettings),
    /// `dapa merge`.
    Merge(MergeSettings),
    /// `dapa completions`.
    Completions(CompletionsArgs),
    /// `dapa man`.
    Man(ManArgs),
    /// `dapa codes`.
    Codes(CodesSettings),
    /// `dapa lint`.
    Lint(LintSettings),
    /// `dapa replay`.
    Replay(ReplaySettings),
}

/// What `dapa lint` runs with.
pub struct LintSettings {
    /// The definitions and folders as typed.
    pub paths: Vec<PathBuf>,
    /// The chosen format.
    pub report: Box<dyn Report>,
    /// Where the report goes; standard output when `None`.
    pub output: Option<PathBuf>,
    /// What fails the run.
    pub fail_on: FailOn,
}

/// What `dapa replay` runs with: a scan whose records are replayed outputs.
pub struct ReplaySettings {
    /// The walk, report and gate, as `scan` has them.
    pub scan: ScanSettings,
    /// The definition replayed.
    pub replay: dapa::replay::Replay,
    /// The older definition of `--compare`.
    pub old: Option<dapa::replay::Replay>,
}

/// What `dapa codes` runs with.
pub struct CodesSettings {
    /// The code to explain; every code when `None`.
    pub code: Option<dapa::finding::Code>,
    /// The chosen format.
    pub format: crate::cli::CodesFormat,
}

/// What `dapa scan` runs with.
pub struct ScanSettings {
    /// The inputs as typed.
    pub paths: Vec<PathBuf>,
    /// The library's settings.
    pub options: ScanOptions,
    /// The chosen format.
    pub report: Box<dyn Report>,
    /// Where the report goes; standard output when `None`.
    pub output: Option<PathBuf>,
    /// What fails the scan.
    pub gate: Gate,
    /// Rewrite this baseline with the scan's statistics instead of comparing.
    pub update_baseline: Option<PathBuf>,
    /// The `dapa.toml` whose rules chose profiles, as shown to the user.
    pub config_shown: Option<String>,
    /// The options that decide how captures are read and checked, as the
    /// summary names them (`Summary::analysis`).
    pub analysis_shown: Option<String>,

    /// After how long a progress line shows; `None` never.
    pub progress: Option<Duration>,
    /// No notes and no throughput line.
    pub quiet: bool,
    /// Whether inputs with no capture at all pass (always for a shard).
    pub allow_empty: bool,
}

/// What `dapa infer` runs with.
pub struct InferSettings {
    /// The inputs as typed.
    pub paths: Vec<PathBuf>,
    /// The library's settings.
    pub options: ScanOptions,
    /// How the schema is inferred.
    pub infer: InferOptions,
    /// The profiles that say which values of which captures are secret:
    /// infer writes none of them. No capture is judged by them.
    pub secrets: Profiles,
    /// Where the schema goes; standard output when `None`.
    pub output: Option<PathBuf>,
    /// No notes and no throughput line.
    pub quiet: bool,
}

/// What `dapa baseline` runs with.
pub struct BaselineSettings {
    /// The inputs as typed.
    pub paths: Vec<PathBuf>,
    /// The library's settings.
    pub options: ScanOptions,
    /// Where the baseline goes; standard output when `None`.
    pub output: Option<PathBuf>,
    /// No throughput line.
    pub quiet: bool,
    /// The options that decide how captures are read and checked, as the
    /// baseline records them.
    pub analysis_shown: String,
}

/// What `dapa explain` runs with.
pub struct ExplainSettings {
    /// The capture as typed: a file, `FILE#N`, `FILE:LINE` or `-`.
    pub target: OsString,
    /// The analysis.
    pub options: AnalyzeOptions,
    /// How a line of a JSON Lines log is read.
    pub lines: LineOptions,
    /// Captures larger than this are T07.
    pub max_bytes: u64,
    /// The width and colours of standard output.
    pub terminal: Terminal,
}

/// What `dapa merge` runs with.
pub struct MergeSettings {
    /// The shards' summaries.
    pub summaries: Vec<PathBuf>,
    /// The chosen format.
    pub report: Box<dyn Report>,
    /// The baseline the merged summary is compared with, if any.
    pub gate: Gate,
}

/// What `dapa fetch` runs with.
#[cfg(feature = "fetch")]
pub struct FetchSettings {
    /// The library's settings: the action, the URLs, retries and limits.
    pub request: dapa::fetch::FetchSettings,
    /// The client id and secret, or what is missing of them.
    pub credentials: std::result::Result<dapa::fetch::credentials::Credentials, String>,
    /// What every line printed passes first.
    pub redactor: dapa::fetch::redact::Redactor,
    /// One JSON object of input values per line (`-` for standard input).
    pub inputs: PathBuf,
    /// Print what would be requested, and contact nothing.
    pub dry_run: bool,
    /// No progress bar and no retry notes.
    pub quiet: bool,
}

/// What `dapa pull` runs with.
#[cfg(feature = "fetch")]
pub struct PullSettings {
    /// The actions, each id checked.
    pub action_ids: Vec<String>,
    /// The folder the definitions go to.
    pub out: PathBuf,
    /// The hosts, retries and limits.
    pub service: dapa::fetch::Service,
    /// The client id and secret, or what is missing of them.
    pub credentials: std::result::Result<dapa::fetch::credentials::Credentials, String>,
    /// What every line printed passes first.
    pub redactor: dapa::fetch::redact::Redactor,
    /// No retry notes and no line per action.
    pub quiet: bool,
}

/// Where requests go, with the credentials and the redaction of everything
/// shown, for `fetch` and `pull` alike: from the arguments, the environment
/// and the `.env` file. From the moment the credentials are known, a
/// panic's message is redacted like every other line. `action_ids` are
/// checked before the hosts, in the order a user reads the arguments.
#[cfg(feature = "fetch")]
struct Connection {
    service: dapa::fetch::Service,
    credentials: std::result::Result<dapa::fetch::credentials::Credentials, String>,
    redactor: dapa::fetch::redact::Redactor,
}

#[cfg(feature = "fetch")]
impl Connection {
    fn resolve(args: ServiceArgs, action_ids: &[String]) -> Result<Connection> {
        use dapa::fetch::client::{RetryPolicy, Transport};
        use dapa::fetch::{self, Service};

        let environment = fetch::credentials::Environment::gather(args.env_file.as_deref())
            .map_err(miette::Report::msg)?;
        let credentials = environment.credentials();
        let redactor = dapa::fetch::redact::Redactor::new(credentials.as_ref().ok());
        crate::cmd::fetch::redact_panics(redactor.clone());
        let refused = |error| crate::cmd::fetch::refused(&redactor, &error);
        for id in action_ids {
            fetch::check_action_id(id).map_err(refused)?;
        }
        let region = args.region.as_deref().or(environment.region());
        let (api_url, login_url) = fetch::base_urls(
            region,
            args.api_url.as_deref(),
            args.login_url.as_deref(),
            args.allow_insecure_http,
        )
        .map_err(refused)?;
        let service = Service {
            api_url,
            login_url,
            policy: RetryPolicy {
                retries: args.retries,
                backoff_base: args.backoff,
                retry_after_cap: args.max_retry_after,
            },
            transport: Transport {
                connect_timeout: args.connect_timeout,
                read_timeout: args.timeout,
                max_bytes: args.max_bytes,
            },
        };
        Ok(Connection {
            service,
            credentials,
            redactor,
        })
    }
}

#[cfg(feature = "fetch")]
impl FetchSettings {
    /// The settings from the arguments, the environment and the `.env` file.
    fn resolve(args: FetchArgs) -> Result<FetchSettings> {
        use crate::cli::EndpointArg;
        use dapa::fetch::{self, Endpoint};

        let connection = Connection::resolve(args.service, std::slice::from_ref(&args.action_id))?;
        let request = fetch::FetchSettings {
            action_id: args.action_id,
            endpoint: match args.endpoint {
                EndpointArg::Execute => Endpoint::Execute,
                EndpointArg::Test => Endpoint::Test,
                EndpointArg::DraftTest => Endpoint::DraftTest,
            },
            flatten: args.flatten,
            service: connection.service,
            concurrency: usize::from(args.concurrency),
            out: args.out,
        };
        Ok(FetchSettings {
            request,
            credentials: connection.credentials,
            redactor: connection.redactor,
            inputs: args.inputs,
            dry_run: args.dry_run,
            quiet: args.quiet,
        })
    }
}

#[cfg(feature = "fetch")]
impl PullSettings {
    /// The settings from the arguments, the environment and the `.env` file.
    fn resolve(args: PullArgs) -> Result<PullSettings> {
        let connection = Connection::resolve(args.service, &args.action_ids)?;
        Ok(PullSettings {
            action_ids: args.action_ids,
            out: args.out,
            service: connection.service,
            credentials: connection.credentials,
            redactor: connection.redactor,
            quiet: args.quiet,
        })
    }
}

/// Resolve the arguments of the command to run.
pub fn resolve(args: Args) -> Result<Settings> {
    Ok(match args.command {
        Command::Scan(args) => {
            standard_input_once(&args.paths)?;
            Settings::Scan(scan(args)?)
        }
        Command::Infer(args) => {
            standard_input_once(&args.paths)?;
            Settings::Infer(infer(args)?)
        }
        Command::Baseline(args) => {
            standard_input_once(&args.paths)?;
            Settings::Baseline(baseline(args)?)
        }
        Command::Explain(args) => Settings::Explain(explain(args)?),
        #[cfg(feature = "fetch")]
        Command::Fetch(args) => Settings::Fetch(FetchSettings::resolve(args)?),
        #[cfg(feature = "fetch")]
        Command::Pull(args) => Settings::Pull(PullSettings::resolve(args)?),
        Command::Merge(args) => Settings::Merge(merge(args)?),
        // Nothing to resolve: they print what clap knows of the arguments.
        Command::Completions(args) => Settings::Completions(args),
        Command::Man(args) => Settings::Man(args),
        Command::Codes(args) => Settings::Codes(codes(args)?),
        Command::Lint(args) => Settings::Lint(lint(args)?),
        Command::Replay(args) => {
            standard_input_once(&args.paths)?;
            Settings::Replay(replay(args)?)
        }
    })
}

/// A code is named by its code in any case (`s01`) or by its name (`truncated`).
fn codes(args: crate::cli::CodesArgs) -> Result<CodesSettings> {
    let code = match args.code {
        None => None,
        Some(typed) => Some(typed.to_ascii_lowercase().parse().map_err(|()| {
            miette::miette!(
                "'{}' is no finding code; the codes are {} (or their names, as `dapa codes` lists them)",
                terminal(&typed),
                dapa::gate::code_ranges()
            )
        })?),
    };
    Ok(CodesSettings {
        code,
        format: args.format,
    })
}

/// Standard input can be read once: named again, `-` would be an empty
/// capture (T01) that no one sent.
fn standard_input_once(paths: &[PathBuf]) -> Result<()> {
    if paths.iter().filter(|path| path.as_os_str() == "-").count() > 1 {
        return Err(miette::miette!(
            "standard input (-) is named more than once; it can be read only once"
        ));
    }
    Ok(())
}

fn scan(args: ScanArgs) -> Result<ScanSettings> {
    let analysis_shown = analysis_shown(&args.selection, &args.walk, args.run.show_secrets);
    let analyze = AnalyzeOptions {
        profiles: profiles(&args.selection).into_diagnostic()?,
        show_secrets: args.run.show_secrets,
        ..AnalyzeOptions::default()
    };
    note_profiles(&analyze.profiles);
    let config_shown =
        (analyze.profiles.config.as_ref()).map(|place| place.shown.display().to_string());
    if let Some(shown) = &config_shown
        && !args.walk.quiet
    {
        say!("dapa: profiles chosen by the rules of {}", terminal(shown));
    }
    let options = scan_options(&args.walk, analyze);
    let mut settings = run_settings(args.paths, args.report, &args.walk, args.run, options)?;
    settings.config_shown = config_shown;
    settings.analysis_shown = Some(analysis_shown);
    Ok(settings)
}

/// The options of a scan that decide how its captures are read and
/// checked, as one command line would give them: shards scanned with other
/// options do not make one scan, and `merge` refuses them. What only
/// shapes the output (format, jobs, shard, buckets) is not among them.
/// The options that decide how captures are read and checked, and so the
/// statistics (`--show-secrets` too: a signature is made of what a message
/// shows), as a command line gives them; a schema or definition by the
/// name its profile has, so that `./s.json` and `s.json` read the same.
fn analysis_shown(selection: &SelectionArgs, walk: &WalkArgs, show_secrets: bool) -> String {
    let mut parts = Vec::new();
    if let Some(profile) = &selection.profile {
        parts.push(format!("--profile {profile}"));
    }
    if let Some(schema) = &selection.schema {
        let envelope = match selection.envelope {
            EnvelopeArg::Execute => "execute",
            EnvelopeArg::Test => "test",
            EnvelopeArg::Seed => "seed",
        };
        parts.push(format!(
            "--schema {} --envelope {envelope}",
            schema_name(schema)
        ));
    }
    for definition in &selection.definition {
        parts.push(format!("--definition {}", schema_name(definition)));
    }
    parts.push(format!(
        "--max-bytes {} --max-depth {}",
        walk.max_bytes, walk.max_depth
    ));
    for (option, pointer) in [
        ("--body-pointer", &walk.body_pointer),
        ("--time-pointer", &walk.time_pointer),
    ] {
        if let Some(pointer) = pointer {
            parts.push(format!("{option} {pointer}"));
        }
    }
    for (option, given) in [("--hidden", walk.hidden), ("--show-secrets", show_secrets)] {
        if given {
            parts.push(option.to_owned());
        }
    }
    parts.join(" ")
}

fn replay(args: crate::cli::ReplayArgs) -> Result<ReplaySettings> {
    // The replay reads each reply with the nesting limit of `--max-depth`,
    // as the analysis of its output does: set before the replay is made.
    let analyze = AnalyzeOptions {
        show_secrets: args.run.show_secrets,
        max_depth: usize::from(args.walk.max_depth),
        ..AnalyzeOptions::default()
    };
    let replay = Replay::from_file(&args.definition, &analyze).into_diagnostic()?;
    let old = (args.old_definition.as_deref())
        .map(|path| Replay::from_file(path, &analyze))
        .transpose()
        .into_diagnostic()?;
    let options = ScanOptions {
        // The replayed definition is the only one: those of the folders
        // walked check captured outputs, not raw replies.
        folder_definitions: false,
        ..scan_options(&args.walk, analyze)
    };
    Ok(ReplaySettings {
        scan: run_settings(args.paths, args.report, &args.walk, args.run, options)?,
        replay,
        old,
    })
}

/// The settings of a run over captures (`scan`, `replay`) from its
/// arguments and the library's options.
fn run_settings(
    paths: Vec<PathBuf>,
    report_args: ReportArgs,
    walk: &WalkArgs,
    run: RunArgs,
    options: ScanOptions,
) -> Result<ScanSettings> {
    let mut options = ScanOptions {
        shard: run.shard,
        bucket: run.bucket,
        own_files: own_files([
            run.compare.baseline.as_deref(),
            report_args.output.as_deref(),
        ]),
        ..options
    };
    // Read the baseline before the scan: a bad one is a usage error, found early.
    let baseline = match (&run.compare.baseline, run.update_baseline) {
        (Some(path), false) => Some(Baseline::read(path).into_diagnostic()?),
        _ => None,
    };
    let terminal = report_terminal(run.color, report_args.output.is_some());
    let report = renderer(report_args.format, terminal, &report_args.fail_on)?;
    options.analyze.locations = report.needs_locations();
    // No progress line while records stream to the same terminal.
    let streams =
        matches!(report_args.format, Format::Jsonl | Format::Sarif) && report_args.output.is_none();
    let progress_off = walk.quiet || (streams && io::stdout().is_terminal());
    Ok(ScanSettings {
        options,
        report,
        output: report_args.output,
        gate: Gate {
            fail_on: report_args.fail_on,
            baseline,
            tolerance_points: run.compare.tolerance,
        },
        update_baseline: run.compare.baseline.filter(|_| run.update_baseline),
        config_shown: None,
        analysis_shown: None,
        progress: (!progress_off).then(progress_after),
        quiet: walk.quiet,
        allow_empty: run.allow_empty || run.shard.is_some(),
        paths,
    })
}

/// How long a scan runs before its progress line shows: a second, or
/// `DAPA_PROGRESS_AFTER_MS` (0 shows it at once).
fn progress_after() -> Duration {
    std::env::var("DAPA_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

fn lint(args: crate::cli::LintArgs) -> Result<LintSettings> {
    let terminal = report_terminal(args.color, args.report.output.is_some());
    Ok(LintSettings {
        report: renderer(args.report.format, terminal, &args.report.fail_on)?,
        paths: args.definitions,
        output: args.report.output,
        fail_on: args.report.fail_on,
    })
}

fn infer(args: InferArgs) -> Result<InferSettings> {
    let walk = scan_options(&args.walk, AnalyzeOptions::default());
    // The captures are judged alone; the profiles (and the definitions of
    // the folders walked) only say which of their values are secret.
    let secrets = profiles(&SelectionArgs {
        profile: None,
        schema: None,
        definition: args.definition,
        envelope: EnvelopeArg::Execute,
        config: args.config,
    })
    .into_diagnostic()?;
    Ok(InferSettings {
        secrets,
        options: ScanOptions {
            // Each record holds its payload until the model takes it: a
            // chunk of a thousand records held a thousand payloads (ten
            // times their bytes each). A few per worker keep them busy.
            chunk_size: walk.jobs.saturating_mul(8),
            own_files: own_files([args.output.as_deref()]),
            ..scan_options(
                &args.walk,
                AnalyzeOptions {
                    keep_payload: true,
                    ..AnalyzeOptions::default()
                },
            )
        },
        infer: InferOptions {
            enum_threshold: args.enum_threshold,
        },
        quiet: args.walk.quiet,
        output: args.output,
        paths: args.paths,
    })
}

fn baseline(args: BaselineArgs) -> Result<BaselineSettings> {
    let options = scan_options(
        &args.walk,
        AnalyzeOptions {
            profiles: profiles(&args.selection).into_diagnostic()?,
            // A baseline is made of the summary, which names no place.
            locations: false,
            ..AnalyzeOptions::default()
        },
    );
    note_profiles(&options.analyze.profiles);
    Ok(BaselineSettings {
        analysis_shown: analysis_shown(&args.selection, &args.walk, false),
        options: ScanOptions {
            own_files: own_files([args.output.as_deref()]),
            ..options
        },
        quiet: args.walk.quiet,
        output: args.output,
        paths: args.paths,
    })
}

fn explain(args: ExplainArgs) -> Result<ExplainSettings> {
    Ok(ExplainSettings {
        options: AnalyzeOptions {
            profiles: profiles(&args.selection).into_diagnostic()?,
            show_secrets: args.show_secrets,
            max_depth: usize::from(args.max_depth),
            ..AnalyzeOptions::default()
        },
        lines: LineOptions::new(args.body_pointer, None),
        max_bytes: args.max_bytes,
        target: args.target,
        terminal: report_terminal(args.color, false),
    })
}

/// What the report is written to: its width when it is a terminal, and
/// whether `--color` (with `NO_COLOR` and `TERM` for `auto`) colours it. A
/// report written to a file (`-o`) is no terminal, whatever stdout is.
/// The renderer of a format, for `scan` and `merge` alike.
fn renderer(format: Format, terminal: Terminal, fail_on: &FailOn) -> Result<Box<dyn Report>> {
    Ok(match format {
        Format::Table => Box::new(report::table::Tables::new(terminal)),
        Format::Json => Box::new(report::json::Json),
        Format::Jsonl => Box::new(report::jsonl::Jsonl),
        Format::Markdown => Box::new(report::markdown::Markdown),
        Format::Junit => Box::new(written(report::junit::Junit::new(fail_on.clone()))?),
        Format::Sarif => Box::new(report::sarif::Sarif::new()),
        Format::Html => Box::new(report::html::Html::dated_now()),
    })
}

fn report_terminal(choice: ColorChoice, to_file: bool) -> Terminal {
    let stdout = io::stdout();
    let is_terminal = !to_file && stdout.is_terminal();
    let width = is_terminal
        .then(|| terminal_size::terminal_size_of(&stdout))
        .flatten()
        .map(|(terminal_size::Width(columns), _)| usize::from(columns))
        .filter(|&columns| columns > 0);
    let colour = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => auto_colour(
            is_terminal,
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        ),
    };
    Terminal { width, colour }
}

fn merge(args: MergeArgs) -> Result<MergeSettings> {
    // Read before the summaries: a bad baseline is a usage error, found early.
    let baseline = args
        .compare
        .baseline
        .as_deref()
        .map(Baseline::read)
        .transpose()
        .into_diagnostic()?;
    let terminal = report_terminal(args.color, false);
    let report = renderer(args.format.into(), terminal, &FailOn::default())?;
    Ok(MergeSettings {
        summaries: args.summaries,
        report,
        gate: Gate {
            baseline,
            tolerance_points: args.compare.tolerance,
            ..Gate::default()
        },
    })
}

/// The real paths of the files a run reads or writes itself, which its
/// walk passes over (a baseline kept among the samples it describes).
fn own_files<'a>(paths: impl IntoIterator<Item = Option<&'a std::path::Path>>) -> Vec<PathBuf> {
    (paths.into_iter().flatten())
        .filter_map(dapa::scan::own_file)
        .collect()
}

/// The library's settings for reading and walking, with these analysis options.
fn scan_options(walk: &WalkArgs, analyze: AnalyzeOptions) -> ScanOptions {
    let defaults = ScanOptions::default();
    ScanOptions {
        jobs: (walk.jobs.filter(|&jobs| jobs > 0).map(usize::from)).unwrap_or(defaults.jobs),
        max_bytes: walk.max_bytes,
        hidden: walk.hidden,
        lines: LineOptions::new(walk.body_pointer.clone(), walk.time_pointer.clone()),
        analyze: AnalyzeOptions {
            max_depth: usize::from(walk.max_depth),
            ..analyze
        },
        ..defaults
    }
}

/// Compile the selected profiles: `--profile` or `--schema` for every
/// capture, else the rules of `--config` or the nearest `dapa.toml`.
fn profiles(selection: &SelectionArgs) -> std::result::Result<Profiles, SchemaError> {
    let forced = match (&selection.profile, &selection.schema) {
        (Some(name), _) => Some(Arc::new(Profile::builtin(name)?)),
        (None, Some(path)) => {
            let envelope = match selection.envelope {
                EnvelopeArg::Execute => EnvelopeKind::Execute,
                EnvelopeArg::Test => EnvelopeKind::Test,
                EnvelopeArg::Seed => EnvelopeKind::Seed,
            };
            Some(Arc::new(Profile::from_schema_file(path, envelope)?))
        }
        (None, None) => None,
    };
    let definitions = definition_rules(&selection.definition)?;
    // Relative capture paths are taken from here; a working directory
    // that cannot be named leaves path globs matching nothing.
    let working = std::env::current_dir().unwrap_or_default();
    let place = match &selection.config {
        Some(path) => Some(ConfigPlace::new(path, &working)),
        None if forced.is_none() && definitions.is_empty() => ConfigPlace::discover(&working),
        None => None,
    };
    let mut rules = definitions;
    if let Some(place) = &place {
        rules.extend(config::load(&place.shown)?);
    }
    Ok(Profiles {
        forced,
        rules,
        config: place,
    })
}

/// The rules of `--definition`: each definition with an action id checks
/// that action's captures; the one without (at most one) checks the rest,
/// after them and before any rule of a `--config` file.
fn definition_rules(paths: &[PathBuf]) -> std::result::Result<Vec<config::Rule>, SchemaError> {
    let mut by_id = Vec::new();
    let mut rest: Option<(&PathBuf, config::Rule)> = None;
    for path in paths {
        let definition = Definition::from_file(path, EnvelopeKind::Execute)?;
        let profile = Arc::new(definition.profile);
        match definition.action_id {
            Some(id) => by_id.push(config::Rule::for_action(id, profile)),
            None => {
                if let Some((first, _)) = &rest {
                    return Err(SchemaError::Definition {
                        path: path.display().to_string(),
                        pointer: "/id".to_owned(),
                        message: format!(
                            "neither this definition nor {} names its action id, so dapa cannot tell which captures each one checks; give one of them alone, or map them by path in dapa.toml",
                            first.display()
                        ),
                    });
                }
                rest = Some((path, config::Rule::for_every(profile)));
            }
        }
    }
    by_id.extend(rest.map(|(_, rule)| rule));
    Ok(by_id)
}

/// Say what the user should know of the schemas in use as soon as they are
/// compiled, before a later argument (a bad baseline) is refused.
fn note_profiles(profiles: &Profiles) {
    for note in profiles.notes() {
        // A note names the schema file, which may hold any character.
        say!("dapa: {}", terminal(&note));
    }
}
