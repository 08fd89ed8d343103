//! One capture through every layer, in order, into its record.

use crate::capture::{Capture, Meta};
use crate::finding::{Code, Finding, Severity, add_lines};
use crate::json::{self, ParseOptions};
use crate::layer::{drift, envelope, payload, schema, semantic, syntax, transport};
use crate::profile::definition::FolderDefinitions;
use crate::profile::shape::Shape;
use crate::profile::{EnvelopeKind, Profile, Profiles, Semantic, Target};
use crate::record::{CaptureRecord, FindingRecord, KeptPayload, SecretMarks};
use crate::verdict::{severity_of, verdict};
use serde_json::Value;
use std::ops::Range;
use std::sync::Arc;

/// Settings of the analysis that do not depend on the capture.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Deepest nesting accepted before S06.
    pub max_depth: usize,
    /// Which profile applies to which capture.
    pub profiles: Profiles,
    /// Show the values of `x-dapa-secret` fields and raw tokens in messages.
    pub show_secrets: bool,
    /// Keep each capture's decoded payload in its record (`dapa infer`).
    pub keep_payload: bool,
    /// Work out where in the body each finding is: byte offset, line and
    /// column, and the extent of its value. Reports that list each
    /// capture's findings need it; a summary (its counts, signatures and
    /// drift table) does not, and a scan that only summarises saves a
    /// second read of the bodies with findings.
    pub locations: bool,
    /// The bodies are written from a backend's reply (a replay's output):
    /// an error body among them is the action's own payload, not Genesys'
    /// envelope, so where the profile marks secrets none of its fields is
    /// shown, not even those that name a Genesys failure.
    pub written_from_reply: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            max_depth: 128,
            profiles: Profiles::default(),
            show_secrets: false,
            keep_payload: false,
            locations: true,
            written_from_reply: false,
        }
    }
}

/// A capture analysed: its record, and what renderers that point into the
/// body (`dapa explain`) need to find the places the record names.
#[derive(Debug)]
pub struct Analysis {
    /// The verdict and findings.
    pub record: CaptureRecord,
    /// The body as captured.
    pub body: Vec<u8>,
    /// The profile that applied to the capture.
    pub profile: Option<Arc<Profile>>,
    /// The body as the layers read it, when it parsed.
    pub document: Option<Document>,
}

/// A parsed body, as the layers left it.
#[derive(Debug)]
pub struct Document {
    /// The value: a body that is stringified JSON decoded, and the payload's
    /// stringified fields decoded in place (as the schema layer saw them).
    pub root: Value,
    /// The bytes of the body that were parsed (after a byte-order mark).
    pub text: Range<usize>,
    /// Whether the text parsed only leniently (S05).
    pub lenient: bool,
    /// Whether the whole body is a string holding JSON, decoded into `root`.
    pub stringified_root: bool,
    /// The pointer of the payload inside the envelope, when it is there.
    pub payload: Option<String>,
    /// The pointer of what the profile's schema describes (the payload or
    /// the whole document), when it is there.
    pub described: Option<String>,
    /// The nesting limit the text was read with, for reading it again.
    pub max_depth: usize,
}

impl Analysis {
    /// Run a capture through the transport, syntax, envelope, payload,
    /// schema, drift and semantic layers.
    pub fn of(capture: Capture, options: &AnalyzeOptions) -> Analysis {
        Analysis::beside(capture, options, None)
    }

    /// [`Analysis::of`] for a capture of a folder that holds definitions
    /// (`ID.action.json`): the selected profiles (`--profile`, `--schema`,
    /// `--definition`, `dapa.toml`) win, and the definition found for the
    /// capture's action applies when none of them does.
    pub fn beside(
        capture: Capture,
        options: &AnalyzeOptions,
        found: Option<&FolderDefinitions>,
    ) -> Analysis {
        Analysis::run(capture, options, found, true)
    }

    /// [`Analysis::beside`]; without `keep_document`, the analysis has no
    /// document, and the body is parsed into one only where a layer reads
    /// the value.
    fn run(
        mut capture: Capture,
        options: &AnalyzeOptions,
        found: Option<&FolderDefinitions>,
        keep_document: bool,
    ) -> Analysis {
        let action_id = capture.meta.action_id.as_deref();
        let profile = (options.profiles)
            .for_capture_beside(&capture.source, action_id, found)
            .cloned();
        let mut findings = std::mem::take(&mut capture.findings);
        let mut outcome = BodyOutcome::default();
        if capture.readable {
            let (mut transport_findings, body) =
                transport::check(&capture.body, &capture.meta, options.show_secrets);
            // A text body that is no JSON cannot say which of its text is a
            // secret field's: when the profile marks any, none is quoted.
            // An HTML page's title is the gateway's, not the payload's: it
            // is hidden only when the payload is secret as a whole.
            if !options.show_secrets
                && let Some(schema) = profile.as_ref().map(|p| &p.schema)
                && schema.secrets
            {
                let whole = schema.shape.holds_secret_text();
                transport_findings
                    .iter_mut()
                    .filter(|finding| whole || finding.code == crate::Code::T05)
                    .for_each(transport::hide_body_text);
            }
            findings.extend(transport_findings);
            findings.extend(envelope::check_status(&capture.meta));
            let context = Context {
                capture: &capture,
                options,
                profile: profile.as_deref(),
                keep_document,
            };
            outcome = context.analyze_body(body, &mut findings);
        }
        if options.locations {
            add_lengths(&capture.body, &mut findings);
            add_lines(&capture.body, &mut findings);
        }
        // Transport first, then syntax, envelope, payload...; stable within a layer.
        findings.sort_by_key(|finding| finding.code.layer());
        let captured_at = capture.stated_time().map(|time| time.as_second());
        let Capture {
            source,
            body,
            meta,
            notes,
            header_lines,
            ..
        } = capture;
        let record = CaptureRecord {
            source,
            status: verdict(&findings, outcome.lenient_failed),
            http_status: meta.status,
            captured_at,
            bytes: body.len() as u64,
            profile: profile.as_ref().map(|profile| profile.name.clone()),
            findings: findings
                .into_iter()
                .map(|finding| {
                    let severity = severity_of(finding.code, outcome.lenient_failed);
                    FindingRecord {
                        severity,
                        ..finding.into()
                    }
                })
                .collect(),
            notes,
            observations: outcome.observations,
            enum_values: outcome.enum_values,
            header_lines,
            payload: outcome.payload.map(|value| KeptPayload {
                value,
                secrets: profile.as_ref().and_then(SecretMarks::of),
            }),
            replay: None,
            definition: profile.as_ref().and_then(|profile| profile.lint.clone()),
        };
        Analysis {
            record,
            body,
            profile,
            document: outcome.document,
        }
    }

    /// The pointers of the values the profile marks `x-dapa-secret`, as the
    /// analysis read them; a pointer may lead inside a string that holds
    /// stringified JSON. Worked out on demand: only renderers of the body
    /// need them.
    pub fn secret_pointers(&self) -> Vec<String> {
        let (Some(profile), Some(document)) = (&self.profile, &self.document) else {
            return Vec::new();
        };
        let shape = &profile.schema.shape;
        let base = document.described.as_deref();
        let mut pointers = base
            .and_then(|base| Some((base, document.root.pointer(base)?)))
            .map(|(base, value)| {
                crate::secret::secret_pointers(value, shape, base, document.max_depth)
            })
            .unwrap_or_default();
        // Around a secure action's payload (a test's steps and their
        // results, an error body's texts), what may echo it.
        if shape.holds_secret_text() {
            pointers.extend(crate::secret::hidden_outside_payload_pointers(
                &document.root,
                base,
            ));
        }
        pointers
    }
}

/// What the layers after the syntax one add to a record.
#[derive(Default)]
struct BodyOutcome {
    lenient_failed: bool,
    observations: drift::Observations,
    enum_values: Vec<(String, String)>,
    payload: Option<Value>,
    document: Option<Document>,
}

/// The record of a capture run through every layer; the parsed body is
/// dropped as soon as the record is built.
pub fn analyze(capture: Capture, options: &AnalyzeOptions) -> CaptureRecord {
    Analysis::run(capture, options, None, false).record
}

/// The record of a capture among the definitions of its folders.
pub fn analyze_beside(
    capture: Capture,
    options: &AnalyzeOptions,
    found: Option<&FolderDefinitions>,
) -> CaptureRecord {
    Analysis::run(capture, options, found, false).record
}

struct Context<'a> {
    capture: &'a Capture,
    options: &'a AnalyzeOptions,
    profile: Option<&'a Profile>,
    /// Whether the analysis keeps the parsed document.
    keep_document: bool,
}

impl Context<'_> {
    fn meta(&self) -> &Meta {
        &self.capture.meta
    }

    /// Whether the body may be read without building its value first: when
    /// nothing keeps the value and no profile checks it, the value is needed
    /// only where the envelope or payload layer would look into it.
    fn may_skim(&self) -> bool {
        !self.keep_document && !self.options.keep_payload && self.profile.is_none()
    }

    /// The drift walk to run while the body is read, where the profile's
    /// schema describes the whole body and nothing keeps the value: where
    /// the walk finds the payload clean, no tree is built ([`Self::walked`]).
    fn stream(&self) -> Option<drift::Stream<'_>> {
        let profile = self.profile?;
        let kept = self.keep_document || self.options.keep_payload;
        if kept || profile.semantic == Semantic::Token {
            return None;
        }
        drift::Stream::new(&profile.schema, self.options.show_secrets)
    }

    /// The outcome of a strict body that no layer but drift reads (as
    /// [`no_layer_reads`] tells), whose drift walk, done while the body was
    /// read, found nothing to report: the envelope layer reads it as a
    /// payload at the root, the payload layer passes over it, and the
    /// schema's constraints all hold. What [`Self::analyze_body`] gives it
    /// after building its tree.
    fn walked(&self, drift: drift::DriftOutcome, findings: &mut [Finding]) -> BodyOutcome {
        self.hide_secret_values(findings, Some(""));
        BodyOutcome {
            observations: drift.observations,
            enum_values: drift.enum_values,
            ..BodyOutcome::default()
        }
    }

    /// [`hide_secret_values`] with the profile's shape applied at
    /// `described`, where the profile marks secrets and they are not shown.
    fn hide_secret_values(&self, findings: &mut [Finding], described: Option<&str>) {
        if let Some(profile) = self.profile
            && !self.options.show_secrets
            && profile.schema.secrets
        {
            hide_secret_values(findings, &profile.schema.shape, described);
        }
    }

    /// The layers from syntax on.
    fn analyze_body(&self, body: transport::Body<'_>, findings: &mut Vec<Finding>) -> BodyOutcome {
        let options = self.options;
        let (text, start, mut root, lenient, marks) = match body {
            transport::Body::Unusable => return BodyOutcome::default(),
            transport::Body::RawToken { text, start } => {
                let mut token = Value::String(text.to_owned());
                let mut payload_findings =
                    payload::check(&mut token, "", 0, options.max_depth, options.show_secrets);
                for finding in &mut payload_findings {
                    finding.location.offset = Some(start);
                }
                findings.append(&mut payload_findings);
                return BodyOutcome {
                    payload: options.keep_payload.then_some(token),
                    ..BodyOutcome::default()
                };
            }
            transport::Body::Json {
                text,
                start,
                cut_character,
            } => {
                let walked = self.stream().filter(|_| cut_character.is_none());
                let outcome = if let Some(mut stream) = walked {
                    match syntax::skim_watched(text, options.max_depth, &mut stream) {
                        syntax::Skim::Parsed {
                            findings: quirks,
                            root,
                            marks,
                        } if quirks.is_empty() && no_layer_reads(&root, marks) => {
                            match stream.finish() {
                                Some(drift) => return self.walked(drift, findings),
                                None => syntax::check(text, options.max_depth),
                            }
                        }
                        syntax::Skim::Parsed { .. } | syntax::Skim::Stopped => {
                            syntax::check(text, options.max_depth)
                        }
                        syntax::Skim::Failed(outcome) => outcome,
                    }
                } else if self.may_skim() && cut_character.is_none() {
                    match syntax::skim(text, options.max_depth) {
                        syntax::Skim::Parsed {
                            findings: quirks,
                            root,
                            marks,
                        } if no_layer_reads(&root, marks) => {
                            findings.extend(quirks.into_iter().map(|mut finding| {
                                finding.location.offset =
                                    finding.location.offset.map(|offset| offset + start);
                                finding
                            }));
                            return BodyOutcome::default();
                        }
                        syntax::Skim::Parsed { .. } | syntax::Skim::Stopped => {
                            syntax::check(text, options.max_depth)
                        }
                        syntax::Skim::Failed(outcome) => outcome,
                    }
                } else {
                    syntax::check(text, options.max_depth)
                };
                let cut_off_value = outcome.findings.iter().any(|f| f.code == crate::Code::S01);
                if let Some(offset) = cut_character
                    && !cut_off_value
                {
                    findings.push(transport::incomplete_character(offset));
                    // Refused before the envelope; what parsed is kept all
                    // the same, so that `explain` masks its secrets.
                    return BodyOutcome {
                        document: outcome.value.map(|root| {
                            self.unchecked_document(
                                root,
                                start..start + text.len(),
                                outcome.lenient,
                            )
                        }),
                        ..BodyOutcome::default()
                    };
                }
                let body_len = self.capture.body.len();
                let chunk_end = self.meta().cut_at_chunk_end;
                // A body that does not parse cannot say where its secret
                // fields are: when the profile marks any, no syntax message
                // quotes the body's text.
                let secret_whole = !options.show_secrets
                    && self.profile.is_some_and(|p| {
                        p.schema.shape.holds_secret_text()
                            || (outcome.value.is_none() && p.schema.secrets)
                    });
                findings.extend(outcome.findings.into_iter().map(|mut finding| {
                    finding.location.offset = finding.location.offset.map(|offset| offset + start);
                    if secret_whole {
                        finding.message = crate::secret::unquoted(&finding.message);
                    } else if finding.code == crate::Code::S03
                        && !options.show_secrets
                        && let Some(masked) = (finding.location.offset)
                            .and_then(|offset| self.capture.body.get(offset..))
                            .and_then(|rest| {
                                crate::secret::mask_quoted_token(&finding.message, rest)
                            })
                    {
                        // A token a template left unquoted is no word to quote.
                        finding.message = masked;
                    }
                    if finding.code == crate::Code::S01 {
                        let detail = crate::signature::truncation_detail(
                            body_len,
                            chunk_end,
                            &finding.message,
                        );
                        finding.signature_detail = Some(detail);
                    }
                    finding
                }));
                match outcome.value {
                    Some(value) => (text, start, value, outcome.lenient, outcome.marks),
                    None => {
                        return BodyOutcome {
                            lenient_failed: outcome.lenient_failed,
                            ..BodyOutcome::default()
                        };
                    }
                }
            }
        };
        let mut located: Vec<Finding> = Vec::new();
        let root_finding = decode_root(&mut root, options.max_depth);
        let stringified_root = root_finding.is_some();
        located.extend(root_finding);
        // A root decoded from a string was read by another parse: its
        // strings carry no marks.
        let marks = (!stringified_root).then_some(marks);
        let envelope = envelope::check_showing(
            &root,
            self.meta(),
            self.profile.map(|p| p.envelope),
            self.envelope_texts(),
        );
        // A recorded 429 whose headers give no wait: the error body's
        // message may (`Retry after [60] seconds`).
        if let Some(seconds) = envelope.asked_wait
            && self.meta().header("retry-after").is_none()
            && let Some(limited) = findings.iter_mut().find(|f| f.code == crate::Code::E03)
        {
            limited
                .message
                .push_str(&format!("; the body asks to retry in {seconds} s"));
        }
        let withheld = options.written_from_reply
            && !options.show_secrets
            && self.profile.is_some_and(|p| p.schema.secrets);
        if withheld {
            located.extend(envelope.findings.into_iter().map(envelope::withheld));
        } else {
            located.extend(envelope.findings);
        }
        if let Some(pointer) = &envelope.payload
            && let Some(value) = root.pointer_mut(pointer)
            && payload::worth_walking(value, marks)
        {
            located.extend(payload::check(
                value,
                pointer,
                pointer_depth(pointer),
                options.max_depth,
                options.show_secrets,
            ));
        }
        let mut outcome = BodyOutcome::default();
        let described = self.described(envelope.envelope, envelope.payload.as_deref(), &root);
        if let (Some(profile), Some(pointer)) = (self.profile, &described)
            && let Some(value) = root.pointer(pointer)
        {
            let failed_before = findings
                .iter()
                .any(|finding| finding.code.severity() == Severity::Error);
            let drift = self.check_profile(profile, value, pointer, failed_before, &mut located);
            outcome.observations = drift.observations;
            outcome.enum_values = drift.enum_values;
        }
        if options.locations {
            locate(text, start, lenient, options, &mut located);
        }
        findings.append(&mut located);
        // Where the profile's shape applies, for masking what other layers quote.
        self.hide_secret_values(findings, described.as_deref());
        if options.keep_payload {
            outcome.payload = envelope
                .payload
                .as_deref()
                .and_then(|pointer| root.pointer(pointer).cloned());
        }
        outcome.document = Some(Document {
            root,
            text: start..start + text.len(),
            lenient,
            stringified_root,
            payload: envelope.payload,
            described,
            max_depth: options.max_depth,
        });
        outcome
    }

    /// How the envelope layer shows the body's error texts, unless asked
    /// to show secrets: not at all for a secure action's (secret as a
    /// whole) or where a mark cannot be placed; with the values of the
    /// keys marked secret masked for a profile that marks fields.
    fn envelope_texts(&self) -> envelope::Texts<'_> {
        match self.profile {
            Some(profile) if profile.schema.secrets && !self.options.show_secrets => {
                let schema = &profile.schema;
                if schema.shape.holds_secret_text() || schema.secrets_unplaced {
                    envelope::Texts::Hidden
                } else {
                    envelope::Texts::Masked(&schema.secret_keys)
                }
            }
            _ if self.options.show_secrets => envelope::Texts::Verbatim,
            _ => envelope::Texts::Quoted,
        }
    }

    /// Where the profile's schema applies in `root`: the whole document or
    /// the payload at `payload`, when it is there.
    fn described(
        &self,
        found: envelope::Envelope,
        payload: Option<&str>,
        root: &Value,
    ) -> Option<String> {
        let profile = self.profile?;
        let pointer = match profile.target {
            // A test run's schema describes a `TestExecutionResult`: an
            // error body or problem details in its place is a request that
            // failed (E01, E06), not a trace missing its members, and its
            // fields are no drift of the trace's.
            Target::Document
                if profile.envelope == EnvelopeKind::Test
                    && matches!(
                        found,
                        envelope::Envelope::ErrorBody | envelope::Envelope::ProblemDetails
                    ) =>
            {
                return None;
            }
            Target::Document => "",
            Target::Payload => payload?,
        };
        root.pointer(pointer).map(|_| pointer.to_owned())
    }

    /// The document of a body the analysis refused after parsing it: read
    /// as the envelope layer would, with no layer after it.
    fn unchecked_document(&self, mut root: Value, text: Range<usize>, lenient: bool) -> Document {
        let stringified_root = decode_root(&mut root, self.options.max_depth).is_some();
        let envelope = envelope::check(&root, self.meta(), self.profile.map(|p| p.envelope));
        let described = self.described(envelope.envelope, envelope.payload.as_deref(), &root);
        let payload = envelope.payload;
        Document {
            root,
            text,
            lenient,
            stringified_root,
            payload,
            described,
            max_depth: self.options.max_depth,
        }
    }

    /// The schema, drift and semantic layers on the value the profile
    /// describes; `failed_before` says whether a finding outside `located`
    /// already fails the capture.
    fn check_profile(
        &self,
        profile: &Profile,
        value: &Value,
        pointer: &str,
        failed_before: bool,
        located: &mut Vec<Finding>,
    ) -> drift::DriftOutcome {
        let show_secrets = self.options.show_secrets;
        // Drift first: its walk may find the payload surely valid, and spare
        // the validator's.
        let mut drift = drift::check(value, pointer, &profile.schema, show_secrets);
        located.extend(schema::check(
            value,
            pointer,
            &profile.schema,
            show_secrets,
            drift.surely_valid,
        ));
        located.append(&mut drift.findings);
        if profile.semantic == Semantic::Token {
            // K02 is for an otherwise healthy reply: where a finding about
            // something else than the token fails the capture already (a
            // payload of the wrong type, an error body), that one says
            // what is wrong, and K02 would make it `empty` instead. The
            // schema's own word on the token (required, not empty) is the
            // same failure, and leaves K02 in place.
            // A null payload is a reply without a token too, whatever the
            // schema says of its type.
            let token = format!("{pointer}/token");
            let failed = failed_before
                || !value.is_null()
                    && located.iter().any(|finding| {
                        finding.code.severity() == Severity::Error
                            && finding.location.pointer.as_deref() != Some(token.as_str())
                    });
            located.extend(
                semantic::check_token(value, pointer, self.capture.captured_at())
                    .into_iter()
                    .filter(|finding| !failed || finding.code != Code::K02),
            );
        }
        drift
    }
}

/// Whether a strict JSON body with this root and these marks is one that,
/// with no profile, no layer after the syntax one finds anything in: the
/// envelope layer reads it as a payload (a root that is not null, not a
/// string that may hold JSON, not an object with an envelope's keys), and
/// the payload layer passes over it (no string may hold JSON or a Velocity
/// reference, and no key is in flattened form).
fn no_layer_reads(root: &json::Outline<'_>, marks: json::StringMarks) -> bool {
    marks.plain()
        && match root {
            json::Outline::Object(keys) => {
                envelope::is_payload_by_keys(keys.iter().map(AsRef::as_ref))
            }
            json::Outline::Array | json::Outline::Number | json::Outline::Bool => true,
            json::Outline::Null | json::Outline::String => false,
        }
}

/// A body that is a string holding JSON is read decoded (P01).
fn decode_root(root: &mut Value, max_depth: usize) -> Option<Finding> {
    let Value::String(whole) = &*root else {
        return None;
    };
    let (decoded, levels) = payload::decode_stringified(whole, max_depth)?;
    let finding = payload::stringified_finding("", &decoded, levels);
    *root = decoded;
    Some(finding)
}

/// The layers before the schema (syntax, payload) quote values without
/// knowing which fields are secret: where such a finding points into a
/// secret field, its message says what was found without the value.
fn hide_secret_values(findings: &mut [Finding], shape: &Shape, base: Option<&str>) {
    for finding in findings.iter_mut() {
        let Some(pointer) = finding.location.pointer.as_deref() else {
            continue;
        };
        let relative = base
            .and_then(|base| pointer.strip_prefix(base))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'));
        // Outside a secure action's payload, a value may echo it (a test
        // step's result, an error's parameters); the envelope layer's own
        // messages show none of its texts already.
        let in_secret = match relative {
            Some(relative) => crate::secret::is_secret(shape, relative),
            None => {
                shape.holds_secret_text()
                    && finding.code.layer() != crate::Layer::Envelope
                    && crate::secret::hidden_outside_payload(pointer)
            }
        };
        if !in_secret {
            continue;
        }
        // The detail may quote the value (P03's placeholder): the masked
        // message groups the finding instead.
        if !matches!(
            finding.code.layer(),
            crate::Layer::Schema | crate::Layer::Drift
        ) {
            finding.signature_detail = None;
        }
        match finding.code {
            crate::Code::P03 => {
                finding.message =
                    "unrendered Velocity placeholder in a secret field (not shown)".to_owned();
            }
            // "{number} {why}; …": the number is the first word.
            crate::Code::S08 => {
                let why = finding
                    .message
                    .find(' ')
                    .map_or("", |at| &finding.message[at..]);
                finding.message = format!("a number in a secret field (not shown){why}");
            }
            _ => {}
        }
    }
}

/// Give findings located by a pointer the length of the value they point
/// at, for reports that show a region (SARIF). Reads only the tokens named
/// and, when some are objects or arrays, the body once from the first of them.
fn add_lengths(body: &[u8], findings: &mut [Finding]) {
    let located: Vec<usize> = (0..findings.len())
        .filter(|&i| findings[i].location.pointer.is_some())
        .filter(|&i| findings[i].location.offset.is_some())
        .collect();
    let offsets: Vec<usize> = located
        .iter()
        .filter_map(|&i| findings[i].location.offset)
        .collect();
    let lengths = crate::spans::value_extents(body, &offsets);
    for (index, length) in located.into_iter().zip(lengths) {
        findings[index].location.length = Some(length);
    }
}

/// Give findings that carry only a pointer the byte offset of their value.
fn locate(
    text: &str,
    start: usize,
    lenient: bool,
    options: &AnalyzeOptions,
    findings: &mut [Finding],
) {
    let wanted: Vec<usize> = (0..findings.len())
        .filter(|&i| {
            findings[i].location.offset.is_none() && findings[i].location.pointer.is_some()
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let pointers: Vec<&str> = wanted
        .iter()
        .map(|&i| findings[i].location.pointer.as_deref().unwrap_or_default())
        .collect();
    let parse_options = ParseOptions {
        max_depth: options.max_depth,
        lenient,
    };
    let offsets = json::locate(text, parse_options, &pointers);
    for (index, offset) in wanted.into_iter().zip(offsets) {
        findings[index].location.offset = offset.map(|offset| offset + start);
    }
}

/// How many segments a JSON pointer has (as `json::split_pointer` splits
/// it): how deep in its document the value it names lies.
fn pointer_depth(pointer: &str) -> usize {
    if pointer.is_empty() {
        return 0;
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .count()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::finding::Code;
    use crate::verdict::Status;
    use std::sync::Arc;

    #[test]
    fn a_pointer_is_as_deep_as_it_has_segments() {
        for pointer in ["", "/", "/a", "/a/b", "a/b", "//x", "/a~1b/0", "/result/"] {
            assert_eq!(
                pointer_depth(pointer),
                json::split_pointer(pointer).len(),
                "{pointer}"
            );
        }
    }

    fn run_with(body: &str, status: Option<u16>, options: &AnalyzeOptions) -> CaptureRecord {
        let meta = Meta {
            status,
            captured_at: Some("2026-11-20T09:00:00Z".to_owned()),
            ..Meta::default()
        };
        let capture = Capture::from_bytes("t", body.as_bytes().to_vec(), Some(meta), 1 << 20);
        analyze(capture, options)
    }

    fn run(body: &str, status: Option<u16>) -> CaptureRecord {
        run_with(body, status, &AnalyzeOptions::default())
    }

    /// The record of `body` read with a skim first (a record alone is
    /// wanted) and with the document built at once (the document is kept).
    fn skimmed_and_built(body: &[u8], status: Option<u16>) -> (CaptureRecord, CaptureRecord) {
        let capture = || {
            let meta = Meta {
                status,
                ..Meta::default()
            };
            Capture::from_bytes("t", body.to_vec(), Some(meta), 1 << 20)
        };
        let options = AnalyzeOptions::default();
        let skimmed = analyze(capture(), &options);
        let built = Analysis::of(capture(), &options);
        // The second analysis built the document wherever the body is JSON:
        // the two records come from the two ways of reading it.
        let text = std::str::from_utf8(body).unwrap_or_default();
        if json::parse(text, json::ParseOptions::default()).is_ok() {
            assert!(built.document.is_some(), "{text}");
        }
        (skimmed, built.record)
    }

    /// Bodies for every way the envelope and payload layers, or the syntax
    /// layer's quirks, could find something the skim must not miss.
    const SKIM_BODIES: &[&str] = &[
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":2.5}}"#,
        r#"[1,{"a":"b"}]"#,
        "42",
        "true",
        "null",
        r#""a token""#,
        r#""{\"a\":1}""#,
        r#"{"a":1,"a":2,"b":{"c":1,"c":[]}}"#,
        r#"{"n":12345678901234567890,"m":[0.1000000000000000055511151231257827]}"#,
        r#"{"message":"no","code":"bad.request","status":400}"#,
        r#"{"errorCode":"X1","message":"failed"}"#,
        r#"{"message":"only a message"}"#,
        r#"{"title":"Bad Request","status":400,"detail":"x"}"#,
        r#"{"success":true,"operations":[],"finalResult":{}}"#,
        r#"{"result":{"a":1},"errors":[]}"#,
        r#"{"warnings":[]}"#,
        r#"{"profile":"{\"a\":1}"}"#,
        r#"{"email":"${input.email}"}"#,
        r#"{"email":"\u0024{input.email}"}"#,
        r#"{"profile.firstname":"Ann","profile.age":3}"#,
        r#"{"items[0]":1}"#,
        r#"{"a":" {\"b\":1}"}"#,
        r#"{"a":"\u007b\"b\":1}"}"#,
        r#"{"k\u0065y":1,"key":2}"#,
        "{'a': 1}",
        r#"{"a":1,}"#,
        r#"{"a":"#,
        r#"{"a":1} {"b":2}"#,
        r#"{"a":"\x"}"#,
        "<html><body>502 Bad Gateway</body></html>",
        "",
        "   ",
    ];

    #[test]
    fn a_skimmed_body_has_the_record_of_a_built_one() {
        for body in SKIM_BODIES {
            for status in [None, Some(200), Some(400), Some(429)] {
                let (skimmed, built) = skimmed_and_built(body.as_bytes(), status);
                assert_eq!(skimmed, built, "{body} with status {status:?}");
            }
        }
        // Deep beyond the limit, and a cut multi-byte character.
        let deep = "[".repeat(300) + &"]".repeat(300);
        let (skimmed, built) = skimmed_and_built(deep.as_bytes(), None);
        assert_eq!(skimmed, built);
        let (skimmed, built) = skimmed_and_built(b"{\"a\":\"caf\xc3", None);
        assert_eq!(skimmed, built);
    }

    /// A profile whose schema asks for every drift check and constraint
    /// the walk done while reading checks, and for some it cannot; with
    /// `secrets`, it marks secret fields too (its constraints are then not
    /// placed on its shape, and the walk is not done while reading).
    pub(crate) fn drift_rich_profile(secrets: bool) -> Profile {
        let mut schema = serde_json::json!({
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "string", "minLength": 2, "maxLength": 40},
                "status": {"type": "string", "x-dapa-enum": ["open", "closed"]},
                "channel": {"type": "string", "enum": ["voice", "webchat"]},
                "email": {"type": "string", "format": "email"},
                "when": {"type": "string", "x-dapa-timestamp": "rfc3339"},
                "secs": {"type": "integer", "x-dapa-timestamp": "unix-seconds", "minimum": 0},
                "ms": {"type": "number", "x-dapa-timestamp": "unix-millis"},
                "amount": {"type": ["number", "null"], "maximum": 1000},
                "ok": {"type": "boolean"},
                "token": {"type": "string"},
                "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string", "pattern": "^[a-z]+$"}},
                "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/item"}},
                "meta": {"type": "object", "additionalProperties": {"type": "integer"}},
                "closed": {"type": "object", "additionalProperties": false, "minProperties": 1,
                           "properties": {"a": {"type": "integer"}, "k~/": {"type": "string"}}},
                "vault": {"type": "object", "properties": {"pin": {"type": "string"}}},
                "must": {"type": "object", "required": ["x"], "properties": {"a": {"type": "integer"}}}
            },
            "$defs": {"item": {"type": "object", "required": ["id"],
                               "properties": {"id": {"type": "string"}, "n": {"type": "integer"},
                                              "kind": {"type": "string", "x-dapa-enum": ["a", "b"]}}}}
        });
        if secrets {
            schema["properties"]["token"]["x-dapa-secret"] = true.into();
            schema["properties"]["vault"]["x-dapa-secret"] = true.into();
        }
        Profile {
            name: "drift-rich".into(),
            envelope: EnvelopeKind::Execute,
            target: Target::Document,
            semantic: Semantic::None,
            schema: crate::profile::Schema::compile("drift-rich", &schema).unwrap(),
            lint: None,
        }
    }

    /// The profiles the walk done while reading is checked with.
    fn walked_profiles() -> Vec<AnalyzeOptions> {
        let mut profiles: Vec<Profile> = crate::profile::BUILTIN_PROFILES
            .iter()
            .map(|name| Profile::builtin(name).unwrap())
            .collect();
        profiles.extend([drift_rich_profile(false), drift_rich_profile(true)]);
        profiles
            .into_iter()
            .map(|profile| AnalyzeOptions {
                profiles: Profiles {
                    forced: Some(Arc::new(profile)),
                    ..Profiles::default()
                },
                ..AnalyzeOptions::default()
            })
            .collect()
    }

    /// The record of `body` with the drift walk done while reading it (a
    /// record alone is wanted) and over the document built (it is kept).
    fn walked_and_built(body: &[u8], options: &AnalyzeOptions) -> (CaptureRecord, CaptureRecord) {
        let capture = || Capture::from_bytes("t", body.to_vec(), None, 1 << 20);
        (
            analyze(capture(), options),
            Analysis::of(capture(), options).record,
        )
    }

    #[test]
    fn a_walked_body_has_the_record_of_a_built_one() {
        let bodies = SKIM_BODIES.iter().copied().chain([
            r#"{"_id":"5f1","active":true,"createdAt":1763630000,"contactIds":["a","b"]}"#,
            r#"{"_id":"5f1","contactIds":["a","a"]}"#,
            r#"{"profile":{"lastname":"M","firstname":"D","email":"d@example.org","memories":[]}}"#,
            r#"{"id":"ab","status":"open","tags":["x","y"],"items":[{"id":"1","kind":"a"}]}"#,
            r#"{"status":"open","id":"ab","tags":["x","x"]}"#,
            r#"{"id":"ab","status":"shut"}"#,
            r#"{"id":"ab","status":"open","secs":1763630000000,"ms":1763630000}"#,
            r#"{"id":"ab","status":"open","when":"2026-11-20T09:12:03Z","email":"a@b.co"}"#,
            r#"{"id":"ab","status":"open","when":"yesterday","email":"no"}"#,
            r#"{"id":"ab","status":"open","meta":{"z":1,"y":2},"closed":{"a":1,"k~/":"v"}}"#,
            r#"{"id":"ab","status":"open","closed":{},"must":{"a":1}}"#,
            r#"{"id":"ab","status":"open","vault":{"pin":"1234","other":[1]},"token":"s3cr3t"}"#,
            r#"{"id":"ab","status":"open","ok":"true","amount":"12.5","channel":"fax"}"#,
            r#"{"id":"ab","status":"open","items":[]}"#,
            r#"{"id":"ab","status":"open","items":[{"n":1}],"extra":1}"#,
            r#"{"id":"ab","status":"open","channel":"voice","status":"closed"}"#,
        ]);
        for body in bodies {
            for options in walked_profiles() {
                let (walked, built) = walked_and_built(body.as_bytes(), &options);
                assert_eq!(walked, built, "{body}");
            }
        }
    }

    /// JSON text for `value`, with each object's members in key order or,
    /// with `reversed`, the other way.
    fn written(value: &Value, reversed: bool) -> String {
        match value {
            Value::Object(members) => {
                let mut parts: Vec<String> = members
                    .iter()
                    .map(|(key, member)| {
                        format!(
                            "{}:{}",
                            Value::from(key.as_str()),
                            written(member, reversed)
                        )
                    })
                    .collect();
                if reversed {
                    parts.reverse();
                }
                format!("{{{}}}", parts.join(","))
            }
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().map(|item| written(item, reversed)).collect();
                format!("[{}]", parts.join(","))
            }
            scalar => scalar.to_string(),
        }
    }

    fn payload() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec![
            "id",
            "status",
            "channel",
            "email",
            "when",
            "secs",
            "ms",
            "amount",
            "ok",
            "token",
            "tags",
            "items",
            "meta",
            "closed",
            "vault",
            "must",
            "a",
            "k~/",
            "n",
            "kind",
            "x",
            "_id",
            "active",
            "createdAt",
            "contactIds",
            "profile",
            "firstname",
            "memories",
            "message",
            "code",
            "preferredChannel",
            "age",
        ]);
        let text = prop::sample::select(vec![
            "open",
            "closed",
            "voice",
            "fax",
            "a",
            "b",
            "ab",
            "x",
            "a@b.co",
            "not mail",
            "2026-11-20T09:12:03Z",
            "2026-11-20",
            "12.5",
            "true",
            "s3cr3t",
            "",
            "d@example.org",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            prop::sample::select(vec![
                0i64,
                1,
                -1,
                2,
                1_000,
                1_763_630_000,
                1_763_630_000_000
            ])
            .prop_map(Value::from),
            Just(Value::from(12.5)),
            text.prop_map(Value::from),
        ];
        let member_key = key.clone();
        let any = leaf.prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((member_key.clone(), inner), 0..7).prop_map(|members| {
                    Value::Object(
                        members
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }),
            ]
        });
        // Payloads that meet a schema, with a few members changed: most
        // random ones give the walk up at once.
        let bases = prop::sample::select(vec![
            serde_json::json!({"id": "ab", "status": "open", "tags": ["x", "y"],
                "items": [{"id": "1", "kind": "a", "n": 2}], "meta": {"z": 1},
                "secs": 1_763_630_000, "when": "2026-11-20T09:12:03Z", "email": "a@b.co"}),
            serde_json::json!({"_id": "4f4ec8669a69ca069147d66f", "active": true,
                "contactIds": ["a", "b"], "createdAt": 1_649_197_182, "lastChanged": 1_658_529_012,
                "profile": {"firstname": "D", "email": "d@example.org", "age": 40,
                    "preferredChannel": "voice", "memories": [{"id": "c", "text": "t",
                    "timestamp": "2022-04-15T15:13:33.871Z"}]}}),
        ]);
        let changed = (bases, prop::collection::vec((key, any.clone()), 0..3)).prop_map(
            |(mut base, changes)| {
                if let Value::Object(members) = &mut base {
                    for (key, value) in changes {
                        members.insert(key.to_owned(), value);
                    }
                }
                base
            },
        );
        prop_oneof![any, changed]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn any_payload_walked_has_the_record_of_it_built(value in payload(), reversed: bool) {
            let body = written(&value, reversed);
            for options in walked_profiles() {
                let (walked, built) = walked_and_built(body.as_bytes(), &options);
                proptest::prop_assert_eq!(walked, built, "{}", body);
            }
        }
    }

    fn with_profile(name: &str) -> AnalyzeOptions {
        AnalyzeOptions {
            profiles: Profiles {
                forced: Some(Arc::new(Profile::builtin(name).unwrap())),
                ..Profiles::default()
            },
            ..AnalyzeOptions::default()
        }
    }

    fn codes(record: &CaptureRecord) -> Vec<Code> {
        record.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn healthy_profile_is_ok() {
        let record = run(
            r#"{"_id":"5f1","active":true,"createdAt":1763630000}"#,
            Some(200),
        );
        assert_eq!((record.status, codes(&record)), (Status::Ok, vec![]));
    }

    #[test]
    fn stringified_field_is_located() {
        let record = run(
            "{\"result\":\"{\\\"token\\\":\\\"t\\\"}\",\"errors\":[]}",
            None,
        );
        assert_eq!(record.status, Status::Recovered);
        let finding = &record.findings[0];
        assert_eq!(finding.code, Code::P01);
        assert_eq!(finding.pointer.as_deref(), Some("/result"));
        assert_eq!((finding.line, finding.column), (Some(1), Some(11)));
        // The region ends after the string's closing quote.
        assert_eq!((finding.end_line, finding.end_column), (Some(1), Some(30)));
    }

    #[test]
    fn stringified_root_is_decoded_before_the_envelope() {
        let body =
            serde_json::to_string(r#"{"message":"m","code":"bad.request","status":400}"#).unwrap();
        let record = run(&body, Some(400));
        assert_eq!(codes(&record), [Code::T06, Code::E01, Code::P01]);
        assert_eq!(record.status, Status::Error);
    }

    #[test]
    fn edges() {
        assert_eq!(run("\u{feff}", None).status, Status::Empty);
        assert_eq!(run("   ", None).status, Status::Empty);
        assert_eq!(run("\"abc\"", None).status, Status::Recovered);
        assert_eq!(codes(&run("9007199254740993", None)), [Code::S08]);
        let deep = "[".repeat(100_000);
        assert_eq!(codes(&run(&deep, None)), [Code::S06]);
        for cut in [&b"[1]\xe5"[..], b"{\"a\":\"b\"}\xf0\x9f", b"\xc3"] {
            let capture = Capture::from_bytes("t", cut.to_vec(), None, 1 << 20);
            let record = analyze(capture, &AnalyzeOptions::default());
            assert_eq!(codes(&record), [Code::T03], "{cut:?}");
        }
        let capture = Capture::from_bytes("t", b"{\"a\":\"Zo\xc3".to_vec(), None, 1 << 20);
        assert_eq!(
            codes(&analyze(capture, &AnalyzeOptions::default())),
            [Code::S01]
        );
    }

    #[test]
    fn failed_lenient_parse_is_malformed() {
        let record = run("{'a': 'cut", None);
        assert_eq!(record.status, Status::Malformed);
        assert_eq!(codes(&record), [Code::S05, Code::S01]);
    }

    #[test]
    fn rate_limit_on_any_body() {
        let record = run("<html><title>429</title></html>", Some(429));
        assert_eq!(codes(&record), [Code::T06, Code::T04, Code::E03]);
        assert_eq!(record.status, Status::Malformed);
    }

    #[test]
    fn profiles_bring_schema_drift_and_semantic_codes() {
        let options = with_profile("cognigy-token");
        let expired = r#"{"result":{"token":"abc","expiresAt":1763000000,"userId":"u"},"errors":[],"warnings":[]}"#;
        let record = run_with(expired, Some(200), &options);
        assert_eq!(codes(&record), [Code::K01]);
        assert_eq!(record.status, Status::Ok);
        assert_eq!(record.profile.as_deref(), Some("cognigy-token"));
        let no_token = r#"{"result":{"token":"","expiresAt":1800000000,"userId":"u"}}"#;
        let record = run_with(no_token, Some(200), &options);
        assert!(codes(&record).contains(&Code::K02));
        assert_eq!(record.status, Status::Empty);
        let millis = r#"{"result":{"token":"abc","expiresAt":1800000000000,"userId":"u","extra":1},"errors":[]}"#;
        let record = run_with(millis, Some(200), &options);
        assert_eq!(codes(&record), [Code::D01, Code::D03]);
        assert_eq!(record.status, Status::Drift);
        assert!(record.observations.iter().any(|o| o.path == "/expiresAt"));
    }

    #[test]
    fn schema_findings_are_located() {
        let options = with_profile("cognigy-profile");
        let body = "{\n  \"_id\": \"5f1\"\n}";
        let record = run_with(body, None, &options);
        assert_eq!(record.status, Status::Invalid);
        let pattern = record
            .findings
            .iter()
            .find(|f| f.code == Code::V05)
            .unwrap();
        assert_eq!((pattern.line, pattern.column), (Some(2), Some(10)));
    }

    #[test]
    fn a_summary_only_analysis_finds_the_same_without_places() {
        let placed = with_profile("cognigy-profile");
        let unplaced = AnalyzeOptions {
            locations: false,
            ..placed.clone()
        };
        // Findings the parse places (S05), that only a second read places
        // (V05, P01), and drift with observations.
        let body = "{\n  \"_id\": \"5f1\", \"active\": true,\n  \"extra\": \"{\\\"a\\\": 1}\",}";
        let with = run_with(body, None, &placed);
        let without = run_with(body, None, &unplaced);
        let what = |record: &CaptureRecord| -> Vec<(Code, String, String, Option<String>)> {
            (record.findings.iter())
                .map(|f| {
                    (
                        f.code,
                        f.message.clone(),
                        f.signature.clone(),
                        f.pointer.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(what(&with), what(&without));
        assert_eq!(with.status, without.status);
        assert_eq!(with.observations, without.observations);
        assert!(
            with.findings
                .iter()
                .any(|f| f.code == Code::V05 && f.line.is_some())
        );
        assert!(
            (without.findings.iter())
                .all(|f| f.line.is_none() && f.column.is_none() && f.end_line.is_none())
        );
        // What the parse itself found keeps the offset it was found at.
        let lenient = without.findings.iter().find(|f| f.code == Code::S05);
        assert!(lenient.is_some_and(|f| f.offset.is_some()));
        assert!(
            (without.findings.iter())
                .filter(|f| f.code == Code::V05)
                .all(|f| f.offset.is_none())
        );
    }
}
