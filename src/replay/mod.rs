//! `dapa replay`: a Data Action's response configuration run over raw backend
//! replies, offline, the way Genesys Cloud runs it after each request.
//!
//! Three steps turn a reply into the action's output: each `translationMap`
//! JSONPath picks a value out of the reply (the variable is the JSON text of
//! what it selected), `translationMapDefaults` stands in where a path finds
//! nothing, and the Velocity `successTemplate` writes the output from those
//! variables and `rawResult`. The output is then analysed like a captured
//! `execute` reply against the definition's output contract. Each step that
//! goes wrong is a finding of the `replay` layer (R01...); the choices where
//! Genesys documents nothing are in `docs/replay.md`.

mod reply;

use crate::analyze::{AnalyzeOptions, analyze};
use crate::capture::Capture;
use crate::capture::source::path_shown;
use crate::finding::{Code, Finding, MAX_FINDINGS_PER_CODE, note_more};
use crate::jsonpath::{self, JsonPath, MAX_STEPS, QueryError, Selection, SharedDocument};
use crate::lint::{Response, TEMPLATE, TRANSLATION_MAP, member};
use crate::profile::definition::Definition;
use crate::profile::{EnvelopeKind, Profiles, SchemaError};
use crate::record::{CaptureRecord, FindingRecord};
use crate::velocity::{self, Context, Limits, RenderError, Template, VValue};
use crate::verdict::status_of;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

pub use reply::{RawReply, raw_reply};

/// The longest default quoted in a finding, in characters.
const MAX_QUOTED: usize = 80;

/// The JSON text all the variables of one reply may hold together, past
/// [`VARIABLES_PER_REPLY_BYTE`] times the reply's own text. Each query's
/// selection is bounded on its own, but a map of a thousand entries each
/// selecting the whole reply held a thousand copies of it (3.6 GB from a
/// 1 MiB reply).
const MAX_VARIABLES_BYTES: usize = 16 << 20;
/// How many bytes of the variables' text each byte of the reply allows,
/// past [`MAX_VARIABLES_BYTES`].
const VARIABLES_PER_REPLY_BYTE: usize = 4;
/// The JSONPath evaluation steps all the `translationMap` entries may take
/// together on one reply. Each query is bounded by [`MAX_STEPS`], but a map
/// of 20,000 filters that each reached it ran for about 9 minutes on
/// one 320 KB reply. Four queries' worth: one entry at the bound fails the
/// action already, yet the entries after it are still evaluated, and an
/// ordinary map is far below it (a deep scan of a 1 MB reply takes about
/// 120,000 steps, the sample definitions' maps under 10 in all); at most
/// about 0.2 s of evaluation per reply.
const MAX_TRANSLATION_MAP_STEPS: u64 = 4 * MAX_STEPS;

/// A definition's response configuration, compiled once and shared by every
/// worker: the paths and the template parse once, not once per reply.
#[derive(Debug)]
pub struct Replay {
    /// The definition as named in messages (its file).
    shown: String,
    /// The translation map, in name order.
    variables: Vec<Variable>,
    /// The success template, or why it does not parse.
    template: Result<Template, velocity::ParseError>,
    /// The success template's text, kept for [`Replay::template_input`]
    /// even when it does not parse.
    template_text: String,
    /// Bounds on one rendering.
    limits: Limits,
    /// The analysis of the outputs: the definition's contract as the
    /// profile of every capture, outputs read as `execute` bodies.
    analyze: AnalyzeOptions,
}

/// One `translationMap` entry.
#[derive(Debug)]
struct Variable {
    name: String,
    path: Result<JsonPath, jsonpath::ParseError>,
    path_text: String,
    /// The `translationMapDefaults` entry, as JSON text.
    default: Option<String>,
}

/// What one variable became on one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// The path selected a value; the variable is its JSON text.
    Matched,
    /// An indefinite path selected nothing: the variable is `[]` and no
    /// default applies (Jayway returns an empty list, not an error).
    Empty,
    /// A definite path selected a JSON `null`: the variable is null in the
    /// template (`${x}` prints `${x}`, `$!{x}` nothing) and no default applies.
    Null,
    /// The path found nothing and the default was used (R02).
    Default,
    /// The path found nothing and there is no default: the action fails (R01).
    Missing,
    /// The path does not parse (R06).
    InvalidPath,
}

/// A variable and what it became, for the replay record. Values are left
/// out: they may be secrets, and the output's findings quote what matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariableStep {
    /// The `translationMap` name.
    pub name: String,
    /// What happened.
    pub resolution: Resolution,
}

/// What a replay adds to a capture's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplayRecord {
    /// Each variable, in name order.
    pub variables: Vec<VariableStep>,
    /// Whether the reply came out of a test-mode trace's `Execute` step.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_trace: bool,
    /// The size of the output in bytes, when the template rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<u64>,
}

/// One reply replayed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOutcome {
    /// The template's output, when every step got that far.
    pub output: Option<String>,
    /// The replay findings (R codes), in step order.
    pub findings: Vec<Finding>,
    /// Each variable, in name order.
    pub variables: Vec<VariableStep>,
}

impl Replay {
    /// Reads a definition file and compiles its response configuration; the
    /// outputs are checked against its output contract.
    pub fn from_file(path: &Path, analyze: &AnalyzeOptions) -> Result<Replay, SchemaError> {
        let (definition, document) =
            Definition::from_file_with_document(path, EnvelopeKind::Execute)?;
        Replay::from_definition(&path_shown(path), &document, definition, analyze)
    }

    /// Compiles the response configuration of a definition's document;
    /// `shown` names it in messages. A path or template that does not parse
    /// is no error here: every reply gets its finding (R06, R03), as every
    /// execution of the action would fail.
    pub fn from_definition(
        shown: &str,
        document: &Value,
        definition: Definition,
        analyze: &AnalyzeOptions,
    ) -> Result<Replay, SchemaError> {
        let malformed = |pointer: &str, message: &str| SchemaError::Definition {
            path: shown.to_owned(),
            pointer: pointer.to_owned(),
            message: message.to_owned(),
        };
        if !document
            .pointer("/config/response")
            .is_some_and(Value::is_object)
        {
            return Err(malformed(
                "/config/response",
                "the definition has no response configuration (export the action with its \
                 configuration, or read it with includeConfig=true)",
            ));
        }
        // The same reading of the configuration as the lint's.
        let response = Response::of(document).map_err(|(pointer, _)| {
            malformed(
                pointer,
                if pointer == TRANSLATION_MAP {
                    "the translationMap is not an object of names and JSONPaths"
                } else {
                    "the translationMapDefaults is not an object of names and JSON texts"
                },
            )
        })?;
        let template = match response.template {
            Some(text) => text,
            None if response.template_not_text => {
                return Err(malformed(TEMPLATE, "the successTemplate is not a string"));
            }
            None => {
                return Err(malformed(
                    TEMPLATE,
                    "the response configuration has no successTemplate",
                ));
            }
        };
        // In key order (the configuration's), whatever the file's: records
        // never depend on it.
        let mut variables = Vec::with_capacity(response.map.len());
        for &(name, path) in &response.map {
            let Value::String(path_text) = path else {
                return Err(malformed(
                    &member(TRANSLATION_MAP, name),
                    "a translationMap path is not a string",
                ));
            };
            let default = response.default_of(name).map(|default| match default {
                // A default is JSON text; one written as a JSON value
                // stands for its own text.
                Value::String(text) => text.clone(),
                other => other.to_string(),
            });
            variables.push(Variable {
                name: name.to_owned(),
                path: JsonPath::parse(path_text),
                path_text: path_text.clone(),
                default,
            });
        }
        let mut analyze = analyze.clone();
        analyze.written_from_reply = true;
        analyze.profiles = Profiles {
            forced: Some(Arc::new(definition.profile)),
            ..Profiles::default()
        };
        Ok(Replay {
            shown: shown.to_owned(),
            variables,
            template: Template::parse(template),
            template_text: template.to_owned(),
            limits: Limits::default(),
            analyze,
        })
    }

    /// The definition as named in messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Bounds each rendering by these limits instead of the defaults.
    pub fn with_limits(mut self, limits: Limits) -> Replay {
        self.limits = limits;
        self
    }

    /// Runs the translation map and the template over one reply: `reply` is
    /// the parsed reply, `raw` its text (`rawResult`).
    pub fn replay(&self, reply: &Value, raw: &str) -> ReplayOutcome {
        let mut findings = Vec::new();
        let mut steps = Vec::with_capacity(self.variables.len());
        let mut context = Context::new();
        let mut failed = false;
        for (step, text) in self.resolve_all(reply, raw, &mut findings) {
            failed |= matches!(
                step.resolution,
                Resolution::Missing | Resolution::InvalidPath
            );
            if let Some(text) = text {
                context.insert(step.name.clone(), VValue::String(text));
            }
            steps.push(step);
        }
        // rawResult is set after the map: Genesys's own variable wins over a
        // translationMap entry of that name.
        context.insert("rawResult", VValue::String(raw.to_owned()));
        let output = if failed {
            None
        } else {
            self.render(&context, &mut findings)
        };
        let findings = at_most_per_code(findings);
        ReplayOutcome {
            output,
            findings,
            variables: steps,
        }
    }

    /// What the template gets from one reply, for rendering it with another
    /// Velocity engine (the differential test of `dapa replay` against
    /// Apache Velocity): the template's text and the context, each variable
    /// that has a value as its JSON text, in name order, then `rawResult`.
    /// None when a variable is missing or its path does not parse: Genesys
    /// fails the action before the template runs. The values may be secrets;
    /// they are for a test, never for a record.
    pub fn template_input(
        &self,
        reply: &Value,
        raw: &str,
    ) -> Option<(&str, Vec<(String, String)>)> {
        let mut context = Vec::with_capacity(self.variables.len() + 1);
        for (step, text) in self.resolve_all(reply, raw, &mut Vec::new()) {
            if matches!(
                step.resolution,
                Resolution::Missing | Resolution::InvalidPath
            ) {
                return None;
            }
            if let Some(text) = text {
                context.push((step.name, text));
            }
        }
        context.retain(|(name, _)| name != "rawResult");
        context.push(("rawResult".to_owned(), raw.to_owned()));
        Some((&self.template_text, context))
    }

    /// Every variable on one reply, in name order: what it became and its
    /// value as JSON text (none for a null or no value). `raw`, the reply's
    /// text, sets how much text the variables may hold together; their
    /// paths share [`MAX_TRANSLATION_MAP_STEPS`] evaluation steps.
    fn resolve_all(
        &self,
        reply: &Value,
        raw: &str,
        findings: &mut Vec<Finding>,
    ) -> Vec<(VariableStep, Option<String>)> {
        let mut budget = TextBudget::for_reply(raw);
        let mut reply = SharedDocument::new(reply, MAX_TRANSLATION_MAP_STEPS);
        self.variables
            .iter()
            .map(|variable| {
                let (resolution, text) = self.resolve(variable, &mut reply, &mut budget, findings);
                let step = VariableStep {
                    name: variable.name.clone(),
                    resolution,
                };
                (step, text)
            })
            .collect()
    }

    /// One variable's value as JSON text (none for a null), and what
    /// happened; the text is taken from `budget`, the steps from those the
    /// map's paths share on `reply`.
    fn resolve(
        &self,
        variable: &Variable,
        reply: &mut SharedDocument<'_>,
        budget: &mut TextBudget,
        findings: &mut Vec<Finding>,
    ) -> (Resolution, Option<String>) {
        let name = &variable.name;
        let path = match &variable.path {
            Ok(path) => path,
            Err(error) => {
                findings.push(
                    Finding::new(
                        Code::R06,
                        format!(
                            "translationMap {name}: {} is not a JSONPath ({error})",
                            quoted(&variable.path_text)
                        ),
                    )
                    .grouped_by(name.clone()),
                );
                return (Resolution::InvalidPath, None);
            }
        };
        // dapa's bound, not Jayway's answer: no default stands in for a
        // value the path might have found.
        let stopped = |reason: &str, findings: &mut Vec<Finding>| {
            findings.push(
                Finding::new(
                    Code::R01,
                    format!(
                        "translationMap {name}: {} stopped at dapa's bound ({reason}); the \
                         replay does not guess its value",
                        quoted(&variable.path_text)
                    ),
                )
                .grouped_by(name.clone()),
            );
            (Resolution::Missing, None)
        };
        if budget.met {
            // Evaluated, the rest of a large map could copy the reply once
            // per entry for nothing: the action fails already.
            return stopped(&budget.met_reason(), findings);
        }
        if reply.steps_spent() {
            // Evaluated, each of the rest could take up to MAX_STEPS more:
            // the bound would be per entry again.
            return stopped(&steps_spent_reason(reply.max_steps()), findings);
        }
        let reason = match path.query_shared(reply) {
            Ok(Selection::Value(Value::Null)) => return (Resolution::Null, None),
            Ok(Selection::List(values)) if values.is_empty() => {
                return (Resolution::Empty, Some("[]".to_owned()));
            }
            Ok(selection) => {
                return match budget.text_of(&selection.into_value()) {
                    Ok(text) => (Resolution::Matched, Some(text)),
                    Err(reason) => stopped(&reason, findings),
                };
            }
            Err(QueryError::Limit { reason, .. }) => return stopped(&reason, findings),
            Err(QueryError::Spent { steps, .. }) => {
                return stopped(&steps_bound(steps), findings);
            }
            Err(
                QueryError::NotFound { reason, .. }
                | QueryError::Invalid { reason, .. }
                | QueryError::Function { reason, .. },
            ) => reason,
        };
        match &variable.default {
            Some(default) => {
                findings.push(
                    Finding::new(
                        Code::R02,
                        format!(
                            "translationMap {name}: {} found nothing ({reason}); the default {} \
                             was used",
                            quoted(&variable.path_text),
                            self.default_shown(default)
                        ),
                    )
                    .grouped_by(name.clone()),
                );
                (Resolution::Default, Some(default.clone()))
            }
            None => {
                findings.push(
                    Finding::new(
                        Code::R01,
                        format!(
                            "translationMap {name}: {} found nothing ({reason}) and there is no \
                             translationMapDefaults entry for {name}: Genesys fails the action",
                            quoted(&variable.path_text)
                        ),
                    )
                    .grouped_by(name.clone()),
                );
                (Resolution::Missing, None)
            }
        }
    }

    /// The template's output over `context`, or the finding of why not.
    fn render(&self, context: &Context, findings: &mut Vec<Finding>) -> Option<String> {
        let template = match &self.template {
            Ok(template) => template,
            Err(error) => {
                findings.push(
                    Finding::new(
                        Code::R03,
                        format!("the successTemplate does not parse: {error}"),
                    )
                    .grouped_by("parse"),
                );
                return None;
            }
        };
        match template.render_traced(context, &self.limits) {
            Ok(rendered) => {
                findings.extend(null_references(template, &rendered.literal_nulls));
                Some(rendered.text)
            }
            Err(RenderError::Unsupported { construct, span }) => {
                findings.push(
                    Finding::new(
                        Code::R04,
                        format!(
                            "the successTemplate uses {construct} (template byte {}), which dapa \
                             does not replay",
                            span.start
                        ),
                    )
                    .grouped_by(construct),
                );
                None
            }
            Err(error @ (RenderError::Method { .. } | RenderError::Limit { .. })) => {
                let (kind, start) = match &error {
                    RenderError::Method { method, span, .. } => (method.clone(), span.start),
                    RenderError::Limit { what, span, .. } => ((*what).to_owned(), span.start),
                    RenderError::Unsupported { span, .. } => (String::new(), span.start),
                };
                findings.push(
                    Finding::new(
                        Code::R03,
                        format!("the successTemplate failed at template byte {start}: {error}"),
                    )
                    .grouped_by(kind),
                );
                None
            }
        }
    }

    /// Whether the output may hold secrets a message must not quote: the
    /// contract marks a field `x-dapa-secret` or the action is secure,
    /// and `--show-secrets` is not given.
    fn output_secret(&self) -> bool {
        !self.analyze.show_secrets
            && (self.analyze.profiles.forced.as_ref()).is_some_and(|p| p.schema.secrets)
    }

    /// A `translationMapDefaults` value as R02 quotes it. The default
    /// stands in for an output value, so it is masked whole where the
    /// output may hold secrets (as lint's A05 masks it), and its
    /// credentials are masked anyway unless `--show-secrets`.
    fn default_shown(&self, default: &str) -> String {
        if self.output_secret() {
            format!("'{}'", crate::secret::mask(default))
        } else if self.analyze.show_secrets {
            quoted(default)
        } else {
            quoted(&crate::secret::mask_credentials(default))
        }
    }

    /// A capture of a raw reply replayed and its output analysed: the
    /// record (its source the reply's), and the output.
    pub fn analyse(&self, capture: Capture) -> (CaptureRecord, Option<String>) {
        if !capture.readable {
            return (analyze(capture, &self.analyze), None);
        }
        let reply = match raw_reply(&capture, self.analyze.max_depth, self.analyze.show_secrets) {
            Ok(reply) => reply,
            Err(reason) => {
                let record = analyze(
                    reply::without_body(capture, vec![Finding::new(Code::R07, reason)]),
                    &self.analyze,
                );
                return (record, None);
            }
        };
        let mut outcome = self.replay(&reply.value, &reply.text);
        // An output that does not parse cannot say which text is a secret
        // field's: R05 quotes none of it when the contract marks any, as the
        // syntax layer does not.
        let secret = self.output_secret();
        let not_json = (outcome.output.as_deref())
            .and_then(|output| not_json(output, self.analyze.max_depth, secret));
        outcome.findings.extend(not_json);
        let output_bytes = outcome.output.as_ref().map(|output| output.len() as u64);
        let output_capture = reply::output_capture(capture, &outcome);
        let mut record = analyze(output_capture, &self.analyze);
        record.replay = Some(ReplayRecord {
            variables: outcome.variables,
            from_trace: reply.from_trace,
            output_bytes,
        });
        (record, outcome.output)
    }

    /// [`Replay::analyse`] through this definition and through `old`, the
    /// record of this one with R08 where the output changed and R09 where
    /// the verdict got worse.
    pub fn analyse_compared(&self, old: &Replay, capture: Capture) -> CaptureRecord {
        let (old_record, old_output) = old.analyse(capture.clone());
        let (mut record, output) = self.analyse(capture);
        let verdicts = format!(
            "the verdict is {} with this definition and was {} with {}",
            record.status,
            old_record.status,
            old.shown()
        );
        let change = if record.status < old_record.status {
            Some(Finding::new(Code::R09, verdicts))
        } else {
            let what = match (&old_output, &output) {
                (Some(before), Some(now)) if before != now => Some(format!(
                    "the output differs from the one {} gives, from byte {}",
                    old.shown(),
                    first_difference(before, now)
                )),
                (Some(_), None) => Some(format!(
                    "{} gives an output, this definition none",
                    old.shown()
                )),
                (None, Some(_)) => Some(format!(
                    "this definition gives an output, {} none",
                    old.shown()
                )),
                _ => (record.status != old_record.status).then_some(verdicts),
            };
            what.map(|what| Finding::new(Code::R08, what))
        };
        if let Some(finding) = change {
            let group = finding.code;
            let finding = FindingRecord::from(finding.grouped_by(old.shown().to_owned()));
            record.status = record.status.min(status_of(group, false));
            record.findings.push(finding);
        }
        record
    }
}

/// R10 for each reference that was null and wrote its own text, once per
/// place in the template however often a loop wrote it, in the order first
/// written: the first [`MAX_FINDINGS_PER_CODE`], the last saying how many
/// more there were, as [`at_most_per_code`] keeps them.
fn null_references(template: &Template, spans: &[std::ops::Range<usize>]) -> Vec<Finding> {
    // A set, not a search of the places kept: a template of 500,000
    // references took minutes. Only the findings kept are built.
    let mut seen: HashSet<&std::ops::Range<usize>> = HashSet::new();
    let mut findings = Vec::new();
    for span in spans {
        if !seen.insert(span) || findings.len() == MAX_FINDINGS_PER_CODE {
            continue;
        }
        let reference = template.text().get(span.clone()).unwrap_or("?");
        findings.push(
            Finding::new(
                Code::R10,
                format!(
                    "{} (template byte {}) was null and wrote itself into the output, as Velocity \
                     does: no translationMap value, or one that selected null",
                    quoted(reference),
                    span.start
                ),
            )
            .grouped_by(reference.to_owned()),
        );
    }
    note_more(&mut findings, seen.len());
    findings
}

/// The first [`MAX_FINDINGS_PER_CODE`] findings of each code, in order, the
/// last kept saying how many more there were: a map of 100,000 entries
/// that all take their default gives one line, not 100,000 findings.
fn at_most_per_code(findings: Vec<Finding>) -> Vec<Finding> {
    let mut totals: BTreeMap<Code, usize> = BTreeMap::new();
    for finding in &findings {
        *totals.entry(finding.code).or_default() += 1;
    }
    let mut kept_of: BTreeMap<Code, usize> = BTreeMap::new();
    let mut kept = Vec::with_capacity(findings.len().min(totals.len() * MAX_FINDINGS_PER_CODE));
    for mut finding in findings {
        let count = kept_of.entry(finding.code).or_default();
        *count += 1;
        if *count > MAX_FINDINGS_PER_CODE {
            continue;
        }
        let total = totals[&finding.code];
        if *count == MAX_FINDINGS_PER_CODE {
            note_more(std::slice::from_mut(&mut finding), total);
        }
        kept.push(finding);
    }
    kept
}

/// R05 for an output that is not strict JSON.
fn not_json(output: &str, max_depth: usize, secret: bool) -> Option<Finding> {
    let options = crate::json::ParseOptions {
        max_depth,
        lenient: false,
    };
    let error = crate::json::parse(output, options).err()?;
    Some(
        Finding::new(
            Code::R05,
            format!(
                "the successTemplate's output is not JSON: {} at byte {} of {}; Genesys fails \
                 the action",
                if secret {
                    crate::secret::unquoted(&error.message)
                } else {
                    error.message
                },
                error.offset,
                output.len()
            ),
        )
        .grouped_by(format!("{:?}", error.kind)),
    )
}

/// The JSON text the variables of one reply may still take.
struct TextBudget {
    left: usize,
    /// The whole allowance, for messages.
    total: usize,
    /// Whether a variable did not fit: the later ones are not evaluated.
    met: bool,
}

impl TextBudget {
    fn for_reply(raw: &str) -> TextBudget {
        let total = raw
            .len()
            .saturating_mul(VARIABLES_PER_REPLY_BYTE)
            .saturating_add(MAX_VARIABLES_BYTES);
        TextBudget {
            left: total,
            total,
            met: false,
        }
    }

    /// `value`'s compact JSON text, taken from the budget; written into a
    /// buffer that refuses to grow past what is left, so a text too long is
    /// never built whole. Why not, when it does not fit.
    fn text_of(&mut self, value: &Value) -> Result<String, String> {
        let mut out = Bounded {
            bytes: Vec::new(),
            left: self.left,
        };
        if serde_json::to_writer(&mut out, value).is_err() {
            self.met = true;
            return Err(format!(
                "the translationMap's variables past {}",
                self.bound()
            ));
        }
        self.left = out.left;
        // serde_json writes UTF-8 only: the lossy branch is never taken.
        Ok(String::from_utf8(out.bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()))
    }

    /// The bound, in words.
    fn bound(&self) -> String {
        format!(
            "{} bytes of JSON text for this reply ({MAX_VARIABLES_BYTES} and \
             {VARIABLES_PER_REPLY_BYTE} times the reply's)",
            self.total
        )
    }

    /// Why a variable after the one that did not fit is not evaluated.
    fn met_reason(&self) -> String {
        format!(
            "not evaluated: an earlier variable took the translationMap's variables past {}",
            self.bound()
        )
    }
}

/// The bound on the map's steps, in words: why the entry that spent them
/// stopped.
fn steps_bound(steps: u64) -> String {
    format!("more than the {steps} evaluation steps the translationMap's paths share on one reply")
}

/// Why a variable after the steps were spent is not evaluated.
fn steps_spent_reason(steps: u64) -> String {
    format!(
        "not evaluated: earlier variables took all the {steps} evaluation steps the \
         translationMap's paths share on one reply"
    )
}

/// A buffer that fails a write past `left` bytes.
struct Bounded {
    bytes: Vec<u8>,
    left: usize,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.left {
            return Err(std::io::Error::other("variable text past its bound"));
        }
        self.left -= buf.len();
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The byte where two texts first differ.
fn first_difference(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// A text quoted for a message, cut at [`MAX_QUOTED`] characters.
fn quoted(text: &str) -> String {
    format!("'{}'", crate::secret::cut_short(text, MAX_QUOTED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A replay of a definition with this response configuration and a
    /// contract that accepts anything.
    fn replay_of(response: Value) -> Replay {
        let document = json!({
            "name": "test",
            "config": {"response": response},
            "contract": {"output": {"successSchema": {"type": "object"}}}
        });
        let definition =
            Definition::from_document("test", &document, EnvelopeKind::Execute).unwrap();
        Replay::from_definition("test", &document, definition, &AnalyzeOptions::default()).unwrap()
    }

    fn run(replay: &Replay, reply: &str) -> ReplayOutcome {
        replay.replay(&serde_json::from_str(reply).unwrap(), reply)
    }

    fn codes(outcome: &ReplayOutcome) -> Vec<Code> {
        outcome.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn variables_are_json_text_and_strings_keep_their_quotes() {
        let replay = replay_of(json!({
            "translationMap": {"name": "$.name", "tags": "$.tags[*]", "n": "$.n"},
            "successTemplate": "${name}|${tags}|${n}"
        }));
        let outcome = run(
            &replay,
            r#"{"name": "Ann \"A\"", "tags": ["x", 1], "n": 2.5}"#,
        );
        assert_eq!(
            outcome.output.as_deref(),
            Some(r#""Ann \"A\""|["x",1]|2.5"#)
        );
    }

    #[test]
    fn a_default_stands_in_only_where_the_path_finds_nothing() {
        let replay = replay_of(json!({
            "translationMap": {"a": "$.a", "b": "$.b", "c": "$.list[?(@.x == 1)]"},
            "translationMapDefaults": {"a": "\"A\"", "b": "\"B\"", "c": "\"C\""},
            "successTemplate": "${a} ${b} ${c}"
        }));
        let outcome = run(&replay, r#"{"b": null, "list": [{"x": 2}]}"#);
        // a: no match, default; b: null, printed as its reference; c: [] from an indefinite path.
        assert_eq!(outcome.output.as_deref(), Some(r#""A" ${b} []"#));
        assert_eq!(codes(&outcome), [Code::R02, Code::R10]);
        let resolutions: Vec<Resolution> = outcome.variables.iter().map(|v| v.resolution).collect();
        assert_eq!(
            resolutions,
            [Resolution::Default, Resolution::Null, Resolution::Empty]
        );
    }

    #[test]
    fn no_match_without_a_default_fails_before_the_template() {
        let replay = replay_of(json!({
            "translationMap": {"a": "$.a"},
            "successTemplate": "#macro(x)#end"
        }));
        let outcome = run(&replay, "{}");
        assert_eq!(outcome.output, None);
        assert_eq!(codes(&outcome), [Code::R01]);
    }

    #[test]
    fn raw_result_is_the_reply_text() {
        let replay = replay_of(json!({"successTemplate": "{\"raw\": $rawResult}"}));
        let outcome = run(&replay, "{ \"a\" : 1 }");
        assert_eq!(outcome.output.as_deref(), Some("{\"raw\": { \"a\" : 1 }}"));
    }

    #[test]
    fn a_runaway_loop_is_stopped_by_the_limits() {
        let replay = replay_of(json!({
            "successTemplate": "#foreach($i in [1..1000])#foreach($j in [1..1000])x#end#end"
        }))
        .with_limits(Limits {
            max_output_bytes: 1 << 20,
            max_iterations: 10_000,
        });
        let outcome = run(&replay, "{}");
        assert_eq!(outcome.output, None);
        assert_eq!(codes(&outcome), [Code::R03]);
    }

    /// Each query's selection is bounded, but not what the map's entries
    /// hold together: 1,000 entries of `$` on a 1 MiB reply held 3.6 GB.
    /// Past 16 MiB and 4 times the reply's text, a variable stops with R01
    /// and the later ones are not evaluated.
    #[test]
    fn the_variables_of_one_reply_are_bounded_by_their_text() {
        let map: serde_json::Map<String, Value> = (0..1_000)
            .map(|i| (format!("v{i:04}"), json!("$")))
            .collect();
        let replay = replay_of(json!({
            "translationMap": map,
            "successTemplate": "{\"n\": 1}"
        }));
        let reply = json!({"s": "X".repeat(100 << 10)}).to_string();
        let outcome = run(&replay, &reply);
        assert_eq!(outcome.output, None);
        let fitting = (16 << 20) / reply.len() + 4;
        let resolutions: Vec<Resolution> = outcome.variables.iter().map(|v| v.resolution).collect();
        assert_eq!(resolutions[..fitting], vec![Resolution::Matched; fitting]);
        assert_eq!(
            resolutions[fitting..],
            vec![Resolution::Missing; 1_000 - fitting]
        );
        assert!(outcome.findings.iter().all(|f| f.code == Code::R01));
        assert!(outcome.findings[0].message.contains("bound"));
        // A few entries of the whole reply are ordinary.
        let outcome = run(
            &replay_of(json!({
                "translationMap": {"a": "$", "b": "$.s", "c": "$"},
                "successTemplate": "{\"n\": 1}"
            })),
            &reply,
        );
        assert_eq!(outcome.output.as_deref(), Some("{\"n\": 1}"));
    }

    /// Each path was bounded on its own only: 20,000 entries that each
    /// reached MAX_STEPS ran for about 9 minutes on one reply. The
    /// map's paths share MAX_TRANSLATION_MAP_STEPS: the entry that takes
    /// the last of them stops with R01, and the later ones are not
    /// evaluated, each an R01 saying so.
    #[test]
    fn the_paths_of_one_reply_share_their_steps() {
        let entries = 200;
        let map: serde_json::Map<String, Value> = (0..entries)
            .map(|i| (format!("v{i:03}"), json!("$.x[?(@ in $.y)]")))
            .collect();
        let replay = replay_of(json!({
            "translationMap": map,
            "successTemplate": "{\"n\": 1}"
        }));
        // Each `in` reads all of `y` for each item of `x`: 3,000 x 3,000.
        let n: i64 = 3_000;
        let reply = json!({
            "x": (0..n).collect::<Vec<_>>(),
            "y": (1..=n).map(|i| -i).collect::<Vec<_>>()
        })
        .to_string();
        let outcome = run(&replay, &reply);
        assert_eq!(outcome.output, None);
        assert!(
            (outcome.variables.iter()).all(|v| v.resolution == Resolution::Missing),
            "{:?}",
            outcome.variables
        );
        let messages: Vec<&str> = (outcome.findings.iter())
            .inspect(|f| assert_eq!(f.code, Code::R01))
            .map(|f| f.message.as_str())
            .collect();
        // Three at their own bound, the fourth at the shared one.
        let own = format!("(more than {MAX_STEPS} evaluation steps)");
        assert!(
            messages[..3].iter().all(|m| m.contains(&own)),
            "{messages:?}"
        );
        let shared = format!(
            "(more than the {MAX_TRANSLATION_MAP_STEPS} evaluation steps the translationMap's \
             paths share on one reply)"
        );
        assert!(messages[3].contains(&shared), "{}", messages[3]);
        assert!(
            (messages[4..].iter()).all(|m| m.contains("not evaluated: earlier variables took")),
            "{messages:?}"
        );
        assert!(
            messages
                .last()
                .is_some_and(|m| m.ends_with(&format!("(and {} more like it)", entries - 20))),
            "{messages:?}"
        );
        // A cheap map on the same reply is untouched.
        let outcome = run(
            &replay_of(json!({
                "translationMap": {"a": "$.x[0]", "b": "$..y[1]", "c": "$.x[?(@ > 2990)]"},
                "successTemplate": "${a} ${b} ${c}"
            })),
            &reply,
        );
        assert_eq!(
            outcome.output.as_deref(),
            Some("0 [-2] [2991,2992,2993,2994,2995,2996,2997,2998,2999]")
        );
    }
}
