//! Schemas and profiles: what a payload is expected to be.
//!
//! A profile names the envelope the payload comes in, the JSON Schema it must
//! satisfy, and (through the schema's `x-dapa-*` marks) its timestamps and
//! secrets. Schemas are compiled once and shared by every thread.

pub mod checks;
pub mod config;
pub mod definition;
mod email;
pub mod shape;
pub mod unfold;

use crate::input::{ReadError, SETTINGS_LIMIT, read_text_limited};
use serde_json::Value;
use shape::Shape;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Errors in schemas, profiles and `dapa.toml`.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A file could not be read.
    // The reason is part of the message and not a `source`: a report that
    // prints the chain would otherwise say it two more times.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: ReadError,
    },
    /// A schema file is not JSON. (Its reason is not a `source`: the
    /// message holds it, and a chain would print it twice.)
    #[error("{path} is not JSON: {reason}")]
    NotJson {
        /// The file.
        path: String,
        /// Why.
        reason: serde_json::Error,
    },
    /// The schema unfolds into more subschemas than a scan can evaluate.
    #[error(
        "{name} stands for more than {limit} subschemas once its references are unfolded \
         (allOf/anyOf/oneOf branches naming the same definitions, nested): validating one \
         value against it could take hours, so dapa refuses it"
    )]
    TooLarge {
        /// The schema's name.
        name: String,
        /// The most subschemas dapa accepts.
        limit: u64,
    },
    /// The places of the schema have paths too long, all told, for the
    /// validator to compile it in bounded memory.
    #[error(
        "{name} is too large to compile: the paths of its places come to more than {} MiB \
         (long property names with many places below them); the validator keeps each \
         place's path, so dapa refuses it",
        .limit >> 20
    )]
    PathsTooLong {
        /// The schema's name.
        name: String,
        /// The most bytes of paths dapa accepts.
        limit: u64,
    },
    /// The schema does not compile.
    #[error("{name} is not a valid JSON Schema: {message}")]
    Invalid {
        /// The schema's name.
        name: String,
        /// What is wrong, and where in the schema.
        message: String,
    },
    /// A `$ref` of the schema names a document dapa cannot read.
    #[error("{name}: the $ref to {reference} cannot be resolved: {reason}")]
    Reference {
        /// The schema's name.
        name: String,
        /// The document the reference names.
        reference: String,
        /// Why it cannot be read.
        reason: String,
    },
    /// A Data Action definition that cannot serve as a schema source.
    #[error("{path}: {message} (at {pointer_shown})", pointer_shown = if pointer.is_empty() { "the top" } else { pointer })]
    Definition {
        /// The file.
        path: String,
        /// Where in the file, as a JSON pointer.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// No built-in profile has this name.
    #[error("unknown profile '{0}'; the built-in profiles are {list}", list = BUILTIN_PROFILES.join(", "))]
    UnknownProfile(String),
    /// `dapa.toml` is not valid.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A compiled schema and the shape it declares.
#[derive(Debug)]
pub struct Schema {
    /// Where it came from (a profile name or a file).
    pub name: String,
    /// The compiled validator.
    pub validator: jsonschema::Validator,
    /// Declared paths, types and marks.
    pub shape: Shape,
    /// Every declared path, by the id its place in `shape` carries.
    pub paths: Arc<[shape::DeclaredPath]>,
    /// Whether each declared path comes once in `paths` (they are in path
    /// order), so that a capture's observations of them are strictly ordered.
    pub paths_once_each: bool,
    /// Whether the shape is whole, so drift can be judged against it; when
    /// the schema is too large to walk, only secrets and timestamps
    /// declared in place are known, and drift is off for it.
    pub drift: bool,
    /// Whether the schema's constraints are placed on the shape (see
    /// [`checks`]), so that a payload the drift walk finds meets them all
    /// is valid without the validator's walk.
    pub walk_validates: bool,
    /// Whether the shape marks any value secret: when not, no finding's
    /// place needs looking up to mask it.
    pub secrets: bool,
    /// Whether the schema marks a secret where its shape cannot place it
    /// (under `if`/`then`/`else`, `not`, `dependentSchemas`, behind an
    /// `$anchor` or in another file): every value its messages would quote
    /// is masked, since which are secret is not known.
    pub secrets_unplaced: bool,
    /// The keys under which the shape marks values secret (see
    /// [`crate::secret::secret_keys`]), worked out once: what masks text
    /// that does not parse, and error texts that echo the payload.
    pub secret_keys: crate::secret::SecretKeys,
}

/// The most subschemas a schema may stand for once its references are
/// unfolded (see [`unfold`]); the built-in profiles stand for a few hundred.
pub const MAX_UNFOLDED_SUBSCHEMAS: u64 = 100_000;

/// The most bytes the paths of a schema's places may come to, all told
/// (see [`unfold::path_bytes`]). The validator keeps the path of each place
/// it compiles: a schema of 700 KB with 5,000 fields under a 600 KB name
/// took it 10.7 GB. The built-in profiles come to a few kilobytes; a schema
/// of 100,000 subschemas (as many as [`MAX_UNFOLDED_SUBSCHEMAS`] lets
/// through) of five keywords each, 130 bytes deep, to 64 MiB.
pub const MAX_SCHEMA_PATH_BYTES: u64 = 64 << 20;

impl Schema {
    /// Compile a schema document; any draft the validator supports, chosen by
    /// `$schema` (2020-12 when absent). `format` is asserted, not just noted.
    pub fn compile(name: impl Into<String>, document: &Value) -> Result<Schema, SchemaError> {
        Schema::compile_at(name.into(), document, None, None)
    }

    /// Compile a schema document whose relative `$ref`s resolve against
    /// `base_uri` (the `file://` URI of the schema file), when there is one,
    /// under `default_draft` when the document names no `$schema`.
    fn compile_at(
        name: String,
        document: &Value,
        base_uri: Option<String>,
        default_draft: Option<jsonschema::Draft>,
    ) -> Result<Schema, SchemaError> {
        // A draft set here wins over `$schema`, so it is set only when the
        // document names none.
        let draft = default_draft.filter(|_| document.get("$schema").is_none());
        // Sized by the places its references reach as the validator resolves
        // them (anchors, `$id`s, files beside it), before the validator is
        // built: the build itself unfolds them.
        if unfold::unfolded_size_resolved(
            document,
            MAX_UNFOLDED_SUBSCHEMAS,
            base_uri.as_deref(),
            draft,
            LocalFiles::default(),
        )
        .is_none()
        {
            return Err(SchemaError::TooLarge {
                name,
                limit: MAX_UNFOLDED_SUBSCHEMAS,
            });
        }
        let Some(own_path_bytes) = unfold::path_bytes(document, MAX_SCHEMA_PATH_BYTES) else {
            return Err(SchemaError::PathsTooLong {
                name,
                limit: MAX_SCHEMA_PATH_BYTES,
            });
        };
        if let Some(message) = shape::misread_mark(document) {
            return Err(SchemaError::Invalid { name, message });
        }
        // The files its references name share the budget of the paths
        // with it.
        let retriever = LocalFiles {
            path_bytes: AtomicU64::new(own_path_bytes),
            ..LocalFiles::default()
        };
        let retrieved_marks = Arc::clone(&retriever.secret_marked);
        let mut options = validator_options().with_retriever(retriever);
        if let Some(base_uri) = base_uri {
            options = options.with_base_uri(base_uri);
        }
        if let Some(draft) = draft {
            options = options.with_draft(draft);
        }
        let validator = options
            .build(document)
            .map_err(|error| compile_error(&name, &error))?;
        let (mut shape, drift, unplaced) =
            Shape::of_schema_placing_secrets(document, shape::MAX_SHAPE_STEPS);
        let paths: Arc<[shape::DeclaredPath]> =
            if drift { shape.index() } else { Vec::new() }.into();
        let paths_once_each = paths.is_sorted_by(|a, b| a.path < b.path);
        // A file a `$ref` names is the validator's alone: a mark in it is
        // never placed.
        let secrets_unplaced = unplaced || retrieved_marks.load(Ordering::Relaxed);
        let secrets = shape.marks_a_secret() || secrets_unplaced;
        // The walk's word on validity is taken only where no secret hides
        // a value from it (it does not walk under one).
        let walk_validates = drift && !secrets && checks::place(&mut shape, document, draft);
        let secret_keys = if secrets {
            crate::secret::secret_keys(&shape)
        } else {
            crate::secret::SecretKeys::default()
        };
        Ok(Schema {
            name,
            validator,
            shape,
            paths,
            paths_once_each,
            drift,
            walk_validates,
            secrets,
            secrets_unplaced,
            secret_keys,
        })
    }

    /// Read and compile a schema file; its relative `$ref`s name files
    /// beside it.
    /// It is named by [`schema_name`].
    pub fn from_file(path: &Path) -> Result<Schema, SchemaError> {
        let file = JsonFile::read(path)?;
        Schema::compile_at(schema_name(path), &file.document, Some(file.base_uri), None)
    }
}

/// How every validator of a schema is compiled: `format` asserted, and
/// `email` checked as jsonschema checks it, plain addresses without its
/// full parse (see `email`).
fn validator_options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .should_validate_formats(true)
        .with_format("email", email::is_valid_email)
}

/// A schema file's name as a profile: the drift table's rows and a baseline
/// are keyed by it, so one file has one name however it is typed
/// (`schema.json`, `./schema.json`, `sub/../schema.json`, `../here/schema.json`
/// or its absolute path): relative to the working folder when it lies in
/// it, else as typed; cleaned of `.` and `..` by its text.
pub fn schema_name(path: &Path) -> String {
    let inside = std::env::current_dir().ok().and_then(|working| {
        let absolute = config::lexical(&working.join(path));
        let inside = absolute.strip_prefix(&working).ok()?;
        (!inside.as_os_str().is_empty()).then(|| inside.to_owned())
    });
    let clean = inside.unwrap_or_else(|| config::lexical(path));
    crate::capture::source::path_shown(&clean).into_owned()
}

/// A JSON file of the tool's own inputs (a schema, a definition), read
/// within the settings limit.
struct JsonFile {
    /// The path as given, for messages.
    shown: String,
    /// Its text, for places in it (a definition's lint).
    text: String,
    /// Its content.
    document: Value,
    /// The `file://` URI its relative `$ref`s resolve against.
    base_uri: String,
}

impl JsonFile {
    fn read(path: &Path) -> Result<JsonFile, SchemaError> {
        JsonFile::read_as(path, crate::capture::source::path_shown(path).into_owned())
    }

    /// [`JsonFile::read`], the file named `shown` in messages.
    fn read_as(path: &Path, shown: String) -> Result<JsonFile, SchemaError> {
        let read_error = |reason| SchemaError::Read {
            path: shown.clone(),
            reason,
        };
        let text = read_text_limited(path, SETTINGS_LIMIT).map_err(read_error)?;
        let document: Value =
            serde_json::from_str(&text).map_err(|reason| SchemaError::NotJson {
                path: shown.clone(),
                reason,
            })?;
        let absolute = std::path::absolute(path).map_err(|e| read_error(ReadError::Io(e)))?;
        Ok(JsonFile {
            shown,
            text,
            document,
            base_uri: file_uri(&absolute),
        })
    }
}

/// What is wrong with a schema that does not compile, in the schema's
/// terms. The validator checks a schema against its meta-schema and reports
/// that meta-schema's keywords ("not valid under any of the schemas listed in
/// the 'anyOf' keyword", with no place); the user wrote the keyword at the
/// end of the pointer, so that is what the message names.
fn compile_error(name: &str, error: &jsonschema::ValidationError<'_>) -> SchemaError {
    use jsonschema::error::ValidationErrorKind as Kind;
    if let Kind::Referencing(jsonschema::ReferencingError::Unretrievable { uri, source }) =
        error.kind()
    {
        return SchemaError::Reference {
            name: name.to_owned(),
            reference: uri.clone(),
            reason: source.to_string(),
        };
    }
    let pointer = error.instance_path().as_str();
    let keyword = pointer.rsplit('/').next().filter(|_| !pointer.is_empty());
    let message = match (keyword, error.kind()) {
        (Some(keyword), Kind::AnyOf { .. } | Kind::OneOfNotValid { .. } | Kind::Enum { .. }) => {
            let allowed = match keyword {
                "type" => {
                    " (array, boolean, integer, null, number, object or string, or an array of them)"
                }
                _ => "",
            };
            format!(
                "{} is not a valid value of the keyword \"{}\" at {pointer}{allowed}",
                error.instance(),
                unescape_token(keyword)
            )
        }
        (Some(keyword), _) => format!(
            "the keyword \"{}\" at {pointer}: {error}",
            unescape_token(keyword)
        ),
        (None, _) => error.to_string(),
    };
    SchemaError::Invalid {
        name: name.to_owned(),
        message,
    }
}

/// A JSON pointer token as the key it names (`~1` is `/`, `~0` is `~`).
fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The `file://` URI of an absolute path, every byte but unreserved ones
/// and `/` percent-encoded (spaces, `#`, `%` and non-UTF-8 names included).
fn file_uri(absolute: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file://");
    for &byte in absolute.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The retriever of `$ref` targets outside the schema document: local files
/// only, each read with the limit of the tool's own inputs and refused when
/// it is not a regular file, so that a reference can neither reach the
/// network nor block or exhaust dapa on a FIFO or a device.
#[derive(Default)]
struct LocalFiles {
    /// Whether a file read carries an `x-dapa-secret` mark anywhere.
    secret_marked: Arc<AtomicBool>,
    /// The bytes of the paths of the files read so far: the validator keeps
    /// every file's, and one file of 600 KB under forty URIs (`a.json?1`,
    /// `a.json?2`, ...) is forty resources, so the bound is on them all told.
    path_bytes: AtomicU64,
    /// The bytes of the files read so far: one file of 15 MB with one long
    /// string under sixty URIs held 1.9 GB.
    read_bytes: AtomicU64,
}

/// The bytes of all the files one schema's references read, all told.
const MAX_REFERENCED_BYTES: u64 = 4 * SETTINGS_LIMIT;

impl jsonschema::Retrieve for LocalFiles {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        use std::os::unix::ffi::OsStrExt;
        if uri.scheme().as_str() != "file" {
            return Err(format!(
                "dapa resolves $ref only to local files (a path beside the schema, or a \
                 file:// URI), never over the network ({}:)",
                uri.scheme().as_str()
            )
            .into());
        }
        let bytes = uri.path().decode().to_bytes();
        let path = Path::new(std::ffi::OsStr::from_bytes(&bytes));
        // The reference, which the message names, is the file: say only why.
        let text = read_text_limited(path, SETTINGS_LIMIT).map_err(|error| error.to_string())?;
        let read = self
            .read_bytes
            .fetch_add(text.len() as u64, Ordering::Relaxed);
        if read + text.len() as u64 > MAX_REFERENCED_BYTES {
            return Err(format!(
                "with the files referenced before it, it comes to more than {} MiB",
                MAX_REFERENCED_BYTES >> 20
            )
            .into());
        }
        let document: Value =
            serde_json::from_str(&text).map_err(|error| format!("not JSON: {error}"))?;
        let left = MAX_SCHEMA_PATH_BYTES.saturating_sub(self.path_bytes.load(Ordering::Relaxed));
        let Some(bytes) = unfold::path_bytes(&document, left) else {
            return Err(format!(
                "the paths of its places, with those of the files referenced before it, come \
                 to more than {} MiB, too large to compile",
                MAX_SCHEMA_PATH_BYTES >> 20
            )
            .into());
        };
        self.path_bytes.fetch_add(bytes, Ordering::Relaxed);
        // The shape never reads a file a `$ref` names: any mark in it is
        // one it cannot place.
        if shape::marks_a_secret_outside(&document, &HashSet::new()) {
            self.secret_marked.store(true, Ordering::Relaxed);
        }
        Ok(document)
    }
}

/// The envelope a profile expects the payload in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvelopeKind {
    /// The body is the output contract itself.
    Execute,
    /// A `TestExecutionResult`; the payload is `finalResult`.
    Test,
    /// `{result, errors, warnings}`; the payload is `result`.
    Seed,
}

impl EnvelopeKind {
    /// Parse `execute`, `test` or `seed`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "execute" => Some(EnvelopeKind::Execute),
            "test" => Some(EnvelopeKind::Test),
            "seed" => Some(EnvelopeKind::Seed),
            _ => None,
        }
    }
}

/// What the schema of a profile describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The payload inside the envelope.
    Payload,
    /// The whole document (error bodies, test traces).
    Document,
}

/// Checks beyond the schema that a profile runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semantic {
    /// None.
    None,
    /// The token look-up of the original debugging script (K01, K02).
    Token,
}

/// A named expectation for a kind of capture.
#[derive(Debug)]
pub struct Profile {
    /// The profile's name: shared, as every record checked by the profile
    /// names it.
    pub name: Arc<str>,
    /// The envelope the payload comes in.
    pub envelope: EnvelopeKind,
    /// Whether the schema describes the payload or the whole document.
    pub target: Target,
    /// Extra checks.
    pub semantic: Semantic,
    /// The schema.
    pub schema: Schema,
    /// The lint of the definition the profile comes from, if it comes from
    /// one: a scan that uses the profile reports it once.
    pub lint: Option<Arc<crate::lint::DefinitionLint>>,
}

/// The built-in profiles, by name.
pub const BUILTIN_PROFILES: &[&str] = &[
    "cognigy-profile",
    "cognigy-token",
    "genesys-error",
    "genesys-test",
];

/// The schema of a built-in profile, as shipped in `schemas/`.
pub fn builtin_schema(name: &str) -> Option<&'static str> {
    match name {
        "cognigy-profile" => Some(include_str!("../../schemas/cognigy-profile.json")),
        "cognigy-token" => Some(include_str!("../../schemas/cognigy-token.json")),
        "genesys-error" => Some(include_str!("../../schemas/genesys-error.json")),
        "genesys-test" => Some(include_str!("../../schemas/genesys-test.json")),
        _ => None,
    }
}

impl Profile {
    /// A built-in profile.
    pub fn builtin(name: &str) -> Result<Profile, SchemaError> {
        let text =
            builtin_schema(name).ok_or_else(|| SchemaError::UnknownProfile(name.to_owned()))?;
        let document: Value =
            serde_json::from_str(text).map_err(|reason| SchemaError::NotJson {
                path: format!("schemas/{name}.json"),
                reason,
            })?;
        let (envelope, target, semantic) = match name {
            "cognigy-token" => (EnvelopeKind::Seed, Target::Payload, Semantic::Token),
            "genesys-error" => (EnvelopeKind::Execute, Target::Document, Semantic::None),
            "genesys-test" => (EnvelopeKind::Test, Target::Document, Semantic::None),
            _ => (EnvelopeKind::Execute, Target::Payload, Semantic::None),
        };
        Ok(Profile {
            name: name.into(),
            envelope,
            target,
            semantic,
            schema: Schema::compile(name, &document)?,
            lint: None,
        })
    }

    /// A profile for a schema file, with the payload in `envelope`.
    pub fn from_schema_file(path: &Path, envelope: EnvelopeKind) -> Result<Profile, SchemaError> {
        let schema = Schema::from_file(path)?;
        Ok(Profile {
            name: schema.name.as_str().into(),
            envelope,
            target: Target::Payload,
            semantic: Semantic::None,
            schema,
            lint: None,
        })
    }
}

/// Which profile applies to which capture.
#[derive(Debug, Default, Clone)]
pub struct Profiles {
    /// `--profile` / `--schema`: applies to every capture.
    pub forced: Option<Arc<Profile>>,
    /// `dapa.toml` rules, first match wins.
    pub rules: Vec<config::Rule>,
    /// Where the rules came from, and the folder their path globs are
    /// relative to.
    pub config: Option<config::ConfigPlace>,
}

impl Profiles {
    /// The profile for a capture, by its source and action id.
    pub fn for_capture(
        &self,
        source: &crate::capture::Source,
        action_id: Option<&str>,
    ) -> Option<&Arc<Profile>> {
        if let Some(profile) = &self.forced {
            return Some(profile);
        }
        // Globs match the path relative to the config's folder, so the
        // verdict does not depend on how the path was typed; it is worked
        // out once, and only when a rule by path is reached.
        let mut relative: Option<Option<String>> = None;
        self.rules
            .iter()
            .find(|rule| {
                let path = if rule.by_path() {
                    relative
                        .get_or_insert_with(|| {
                            self.config
                                .as_ref()
                                .and_then(|place| place.relative(source.file()?))
                        })
                        .as_deref()
                } else {
                    None
                };
                rule.matches(path, action_id)
            })
            .map(|rule| &rule.profile)
    }

    /// The profile for a capture found in folders with the definitions
    /// `found`: the selection's, else the nearest definition of its action.
    pub fn for_capture_beside<'a>(
        &'a self,
        source: &crate::capture::Source,
        action_id: Option<&str>,
        found: Option<&'a definition::FolderDefinitions>,
    ) -> Option<&'a Arc<Profile>> {
        self.for_capture(source, action_id)
            .or_else(|| found.and_then(|found| found.for_action(action_id)))
    }

    /// What the user should know of the schemas: those too large to walk,
    /// for which drift is off. Each schema once, in rule order.
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = Vec::new();
        let profiles = self
            .forced
            .iter()
            .chain(self.rules.iter().map(|rule| &rule.profile));
        for profile in profiles.filter(|profile| !profile.schema.drift) {
            let note = format!(
                "{}: the schema is too large to walk for drift (its references unfold into \
                 more than {} places, or bring long names to many places); drift (D01-D04, \
                 the drift table) is off for it",
                profile.schema.name,
                shape::MAX_SHAPE_STEPS
            );
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        notes
    }

    /// Whether any profile can apply.
    pub fn is_empty(&self) -> bool {
        self.forced.is_none() && self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_compile_and_are_shareable() {
        fn shared<T: Send + Sync>() {}
        shared::<Profile>();
        shared::<Profiles>();
        for name in BUILTIN_PROFILES {
            let profile = Profile::builtin(name).unwrap();
            assert!(!profile.schema.shape.properties.is_empty(), "{name}");
        }
        assert!(
            Profile::builtin("nope")
                .unwrap_err()
                .to_string()
                .contains("cognigy-token")
        );
    }

    #[test]
    fn bad_schemas_are_clear_errors() {
        let error = Schema::compile("bad", &serde_json::json!({"type": 12})).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("bad is not a valid JSON Schema"),
            "{error}"
        );
    }
}
