//! Data Action definitions as schema sources.
//!
//! A definition is a Data Action as the Export button of Genesys Cloud
//! writes it (`name`, `integrationType`, `actionType`, `config`, `contract`,
//! `secure`) or as the API returns it (the same, plus `id`, `version`,
//! `category`, `integrationId`). Its output contract,
//! `contract.output.successSchema`, is what the action's captures must
//! satisfy: it becomes the payload schema of a profile named
//! `definition:NAME`, or `definition:NAME@vN` when the definition carries
//! the API's `version`, so each record says which version checked it.

use super::shape::{SECRET_MARK, UNLISTED_SECRET_MARK};
use super::{EnvelopeKind, JsonFile, Profile, Schema, SchemaError, Semantic, Target};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::lint::SUCCESS_SCHEMA;

/// The prefix of the profile name of a definition, before its `name`.
pub const PROFILE_PREFIX: &str = "definition:";

/// Whether a file name is a definition's (`ACTION.action.json`), which a
/// folder scan never reads as a capture. Taken as bytes, as a folder walk
/// lists it, or as text.
pub fn is_definition_name(name: impl AsRef<[u8]>) -> bool {
    name.as_ref().ends_with(DEFINITION_SUFFIX.as_bytes())
}

/// How a definition's file name ends.
const DEFINITION_SUFFIX: &str = ".action.json";

/// The action id a definition file's name gives (`ID.action.json`), for a
/// definition in the export shape, which has no `id` of its own.
pub fn action_id_of_name(name: &str) -> Option<&str> {
    name.strip_suffix(".action.json")
        .filter(|id| !id.is_empty())
}

/// A definition read and compiled: its action id (API shape only) and the
/// profile its contract makes.
#[derive(Debug)]
pub struct Definition {
    /// The action id, when the file holds one (`id` of the API's `Action`).
    pub action_id: Option<String>,
    /// The action's `name`, when the file holds one.
    pub name: Option<String>,
    /// The action's `version` (API shape only): it grows with each save of
    /// the action in Genesys Cloud.
    pub version: Option<u64>,
    /// The profile checking the action's payloads; it carries the lint.
    pub profile: Profile,
}

impl Definition {
    /// Read a definition file and compile its output contract. Payloads
    /// come in the `execute` envelope unless `envelope` says otherwise (test
    /// traces are recognised by their shape and checked at `finalResult`).
    pub fn from_file(path: &Path, envelope: EnvelopeKind) -> Result<Definition, SchemaError> {
        Definition::from_json_file(JsonFile::read(path)?, envelope)
    }

    /// [`Definition::from_file`] for a definition found in a folder, named
    /// as a schema file is ([`super::schema_name`]): the same file found by
    /// a walk and above another input is one definition, however either
    /// path was typed.
    /// Its text's length in bytes too, which the folder's budget counts.
    fn found_at(path: &Path, envelope: EnvelopeKind) -> Result<(Definition, u64), SchemaError> {
        let file = JsonFile::read_as(path, super::schema_name(path))?;
        let bytes = file.text.len() as u64;
        Ok((Definition::from_json_file(file, envelope)?, bytes))
    }

    fn from_json_file(file: JsonFile, envelope: EnvelopeKind) -> Result<Definition, SchemaError> {
        let mut definition = Definition::from_value(
            &file.shown,
            &file.document,
            envelope,
            Some(file.base_uri.clone()),
        )?;
        // Every definition read is linted here, whichever way it was named
        // (`--definition`, a dapa.toml rule, a folder's `*.action.json`,
        // `dapa lint`), so a scan reports the lint of each one it uses.
        let lint = crate::lint::lint(&file.shown, &file.text, &file.document)?;
        definition.profile.lint = Some(Arc::new(lint));
        Ok(definition)
    }

    /// The file read and its contract compiled, the file kept for what
    /// else reads it.
    fn read(path: &Path, envelope: EnvelopeKind) -> Result<(Definition, JsonFile), SchemaError> {
        let file = JsonFile::read(path)?;
        let definition = Definition::from_value(
            &file.shown,
            &file.document,
            envelope,
            Some(file.base_uri.clone()),
        )?;
        Ok((definition, file))
    }

    /// The lint of the definition (none for one built from a value alone).
    pub fn lint(&self) -> Option<&crate::lint::DefinitionLint> {
        self.profile.lint.as_deref()
    }

    /// The definition (its contract compiled, not linted) and its
    /// document, for readers of more than its contract (`dapa replay`
    /// reads its response configuration).
    pub fn from_file_with_document(
        path: &Path,
        envelope: EnvelopeKind,
    ) -> Result<(Definition, Value), SchemaError> {
        let (definition, file) = Definition::read(path, envelope)?;
        Ok((definition, file.document))
    }

    /// A definition from a document that is no file yet (a reply of the
    /// API); `shown` names it in messages.
    pub fn from_document(
        shown: &str,
        document: &Value,
        envelope: EnvelopeKind,
    ) -> Result<Definition, SchemaError> {
        Definition::from_value(shown, document, envelope, None)
    }

    /// A definition from its parsed document; `shown` names the file in
    /// messages and relative `$ref`s resolve against `base_uri`.
    fn from_value(
        shown: &str,
        document: &Value,
        envelope: EnvelopeKind,
        base_uri: Option<String>,
    ) -> Result<Definition, SchemaError> {
        let malformed = |pointer: &str, message: &str| SchemaError::Definition {
            path: shown.to_owned(),
            pointer: pointer.to_owned(),
            message: message.to_owned(),
        };
        let fields = document.as_object().ok_or_else(|| {
            malformed(
                "",
                "a Data Action definition is a JSON object, and this is not one",
            )
        })?;
        let name = optional_string(fields, "name").map_err(|m| malformed("/name", m))?;
        let action_id = optional_string(fields, "id").map_err(|m| malformed("/id", m))?;
        let version = match fields.get("version") {
            None | Some(Value::Null) => None,
            Some(version) => Some(version.as_u64().ok_or_else(|| {
                malformed("/version", "the version must be a whole number from 0 up")
            })?),
        };
        let secure = match fields.get("secure") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(secure)) => *secure,
            Some(_) => return Err(malformed("/secure", "secure must be true or false")),
        };
        let output = object_at(document, "/contract", "the definition has no contract")
            .and_then(|_| {
                object_at(
                    document,
                    "/contract/output",
                    "the contract has no output contract",
                )
            })
            .map_err(|(pointer, message)| malformed(pointer, message))?;
        let mut schema = match output.get("successSchema") {
            Some(schema @ (Value::Object(_) | Value::Bool(_))) => schema.clone(),
            Some(_) => {
                return Err(malformed(
                    SUCCESS_SCHEMA,
                    "the output contract is not a JSON Schema (an object)",
                ));
            }
            None if output.contains_key("successSchemaUri") => {
                return Err(malformed(
                    "/contract/output/successSchemaUri",
                    "the output contract is not inline: the definition names it by URI only, \
                     and dapa never fetches schemas; export the action from Genesys Cloud, or \
                     read it with GET /api/v2/integrations/actions/{actionId}?expand=contract",
                ));
            }
            None => {
                return Err(malformed(
                    SUCCESS_SCHEMA,
                    "the output contract has no successSchema",
                ));
            }
        };
        if secure {
            mark_secure_output(&mut schema);
        }
        let schema_name = format!("{shown}#{SUCCESS_SCHEMA}");
        let schema = Schema::compile_at(
            schema_name,
            &schema,
            base_uri,
            Some(jsonschema::Draft::Draft4),
        )
        .map_err(|error| match error {
            SchemaError::Invalid { message, .. } => malformed(
                SUCCESS_SCHEMA,
                &format!(
                    "the output contract is not a valid JSON Schema (pointers below are \
                         inside it): {message}"
                ),
            ),
            other => other,
        })?;
        let mut profile_name = format!("{PROFILE_PREFIX}{}", name.unwrap_or(shown));
        if let Some(version) = version {
            profile_name.push_str(&format!("@v{version}"));
        }
        Ok(Definition {
            action_id: action_id.map(str::to_owned),
            name: name.map(str::to_owned),
            version,
            profile: Profile {
                name: profile_name.into(),
                envelope,
                target: Target::Payload,
                semantic: Semantic::None,
                schema,
                lint: None,
            },
        })
    }
}

/// The definitions found in the folders of a scan (`ID.action.json`) that
/// apply to one capture: those of its own folder first, then those of each
/// folder above it, nearest first. Each checks the captures of its action.
/// A folder's node holds its own and shares the node of the folder above:
/// a tree of many folders holds each definition once.
#[derive(Debug, Default)]
pub struct FolderDefinitions {
    here: Vec<(String, Arc<Profile>)>,
    above: Option<Arc<FolderDefinitions>>,
    /// The bytes of the definition files of this folder and those above.
    bytes: u64,
}

/// The most bytes of definition files that apply in one folder, its own
/// and those of the folders above it, all told: as much as one definition
/// may be. Each is compiled and held while its folder is walked, at about
/// fifty times its size (jsonschema's validators the most of it): forty
/// definitions of 1.8 MB in one folder took 10.7 s and 1.6 GB to scan one
/// capture. A real definition is a few kilobytes.
pub const FOLDER_DEFINITIONS_LIMIT: u64 = crate::input::SETTINGS_LIMIT;

/// Definitions read for one folder: `(action id, profile)` in file name
/// order, and the bytes of their files.
#[derive(Debug, Default)]
pub struct Found {
    /// The definitions, in file name order.
    pub definitions: Vec<(String, Arc<Profile>)>,
    /// The bytes of their files.
    pub bytes: u64,
}

impl Found {
    /// The files of a folder that are named as definitions, by their listed
    /// sizes, where those of the folders above come to `above` bytes: past
    /// [`FOLDER_DEFINITIONS_LIMIT`] all told, refused before any is read
    /// and compiled (compiled, nine of 1.8 MB took 400 MB before the tenth
    /// was refused).
    pub fn check_sizes<'p>(
        paths: impl IntoIterator<Item = &'p Path>,
        above: u64,
    ) -> Result<(), String> {
        let mut bytes = above;
        for path in paths {
            if !is_definition_name(path.as_os_str().as_encoded_bytes()) {
                continue;
            }
            // A file past the limit of one is refused by its reader, in
            // those words.
            let size = std::fs::metadata(path)
                .ok()
                .filter(|meta| meta.is_file() && meta.len() <= crate::input::SETTINGS_LIMIT)
                .map_or(0, |meta| meta.len());
            bytes = bytes.saturating_add(size);
            if bytes > FOLDER_DEFINITIONS_LIMIT {
                return Err(over_folder_budget(path));
            }
        }
        Ok(())
    }

    /// Add the file at `path`, if it is a definition, to those found in
    /// its folder, where those of the folders above come to `above` bytes:
    /// refused when the files would come to more than
    /// [`FOLDER_DEFINITIONS_LIMIT`] all told, before it is compiled.
    pub fn add(&mut self, path: &Path, above: u64) -> Result<(), String> {
        let left = FOLDER_DEFINITIONS_LIMIT.saturating_sub(above.saturating_add(self.bytes));
        if let Some((action_id, profile, bytes)) = found_in_folder(path, left)? {
            self.bytes += bytes;
            self.definitions.push((action_id, profile));
        }
        Ok(())
    }
}

/// Why the definition at `path` is not read: with the others that apply
/// in its folder it comes to more than the folder's budget.
fn over_folder_budget(path: &Path) -> String {
    format!(
        "{}: the definitions that apply in its folder (with those above it) come to more than {} MiB, which dapa reads at most for one folder, as for one definition; scan fewer at a time (a definition found in a scanned folder)",
        crate::capture::source::path_shown(path),
        FOLDER_DEFINITIONS_LIMIT >> 20,
    )
}

impl FolderDefinitions {
    /// The definitions of a folder, `(action id, profile)` in file name
    /// order, before those of the folders above it.
    pub fn new(found: Found, above: Option<Arc<FolderDefinitions>>) -> FolderDefinitions {
        let bytes = found.bytes + above.as_ref().map_or(0, |above| above.bytes);
        FolderDefinitions {
            here: found.definitions,
            above,
            bytes,
        }
    }

    /// The bytes of the definition files that apply in this folder.
    pub fn bytes(definitions: Option<&Arc<FolderDefinitions>>) -> u64 {
        definitions.map_or(0, |definitions| definitions.bytes)
    }

    /// The profile of the nearest definition of this action.
    pub fn for_action(&self, action_id: Option<&str>) -> Option<&Arc<Profile>> {
        let action_id = action_id?;
        let mut folder = Some(self);
        while let Some(definitions) = folder {
            if let Some((_, profile)) = definitions.here.iter().find(|(id, _)| id == action_id) {
                return Some(profile);
            }
            folder = definitions.above.as_deref();
        }
        None
    }
}

/// The definition at `path` as a folder holds it: `(action id, profile,
/// bytes of the file)` when its name is a definition's (`ID.action.json`)
/// and it names an action (its `id`, else its file name); the message when
/// it cannot be used. Read within the settings limit, and refused unless a
/// regular file: a FIFO or a device named so never blocks. One whose text
/// is longer than `left` bytes (what the folder's budget leaves) is
/// refused: [`Found::check_sizes`] has refused it by its listed size before
/// it was compiled, unless it grew since.
fn found_in_folder(path: &Path, left: u64) -> Result<Option<(String, Arc<Profile>, u64)>, String> {
    // Every file of a scanned folder comes here: most are turned away by
    // their last bytes, before the path is taken apart. A path that ends so
    // has a name that does (the suffix is ASCII, which a lossy reading keeps).
    if !path
        .as_os_str()
        .as_encoded_bytes()
        .ends_with(DEFINITION_SUFFIX.as_bytes())
    {
        return Ok(None);
    }
    let Some(name) = path.file_name().map(|name| name.to_string_lossy()) else {
        return Ok(None);
    };
    let (read, bytes) = Definition::found_at(path, EnvelopeKind::Execute)
        .map_err(|error| format!("{error} (a definition found in a scanned folder)"))?;
    let action_id = match read.action_id {
        Some(id) => id,
        None => match action_id_of_name(&name) {
            Some(id) => id.to_owned(),
            None => return Ok(None),
        },
    };
    if bytes > left {
        return Err(over_folder_budget(path));
    }
    Ok(Some((action_id, Arc::new(read.profile), bytes)))
}

/// The definitions of a folder and of the folders above it, up to the root,
/// for what lies in it whichever way its path was typed: a scan of
/// `captures/sub`, or of `captures/sub/000001.body`, checks its captures
/// against the definitions of `captures/` as a scan of `captures/` does.
/// The folders above are those of the path's text (made absolute, cleaned
/// of `.` and `..`), as a walk from above reaches it and as `dapa.toml`
/// globs read it, links left as they are. A folder above that anyone may
/// write to (`/tmp`) is passed over, so that a file planted there cannot
/// change another user's verdicts. Each folder is listed once however
/// many inputs lie in it.
#[derive(Debug, Default)]
pub struct Enclosing {
    /// Whether hidden files (`.NAME.action.json`) count, as `--hidden`
    /// makes a walk read them.
    hidden: bool,
    /// Each folder met above an input, with the definitions that apply in
    /// it from it and the folders above it.
    above: HashMap<PathBuf, Option<Arc<FolderDefinitions>>>,
    /// Each folder of a named file that anyone may write to, with the
    /// definitions that apply in it: a named file's own folder is read as
    /// a walk reads the folders it is given.
    own: HashMap<PathBuf, Option<Arc<FolderDefinitions>>>,
    /// The working folder, which relative paths start from.
    working: PathBuf,
}

impl Enclosing {
    /// Definitions read as a walk reads them: hidden files only if `hidden`.
    pub fn new(hidden: bool) -> Enclosing {
        Enclosing {
            hidden,
            above: HashMap::new(),
            own: HashMap::new(),
            working: working_folder(),
        }
    }

    /// The definitions that apply to the file at `path` (named alone, not
    /// walked): those of its folder, then of the folders above it. The
    /// message of the first definition that cannot be used, when one
    /// cannot. A file named as a definition is read as a capture, as
    /// asked: it is not one of its folder's definitions.
    pub fn of_file(&mut self, path: &Path) -> Result<Option<Arc<FolderDefinitions>>, String> {
        let path = super::config::lexical(&self.working.join(path));
        let Some(folder) = path.parent() else {
            return Ok(None);
        };
        let named_as_definition = path
            .file_name()
            .is_some_and(|name| is_definition_name(name.as_encoded_bytes()));
        if named_as_definition {
            let above = self.of_folders_above(folder)?;
            let found = listed_in(folder, self.hidden, path.file_name(), above.as_ref())?;
            return Ok(chained(found, above));
        }
        if !open_to_anyone(folder) {
            return self.of_folder(folder);
        }
        if let Some(known) = self.own.get(folder) {
            return Ok(known.clone());
        }
        let above = self.of_folders_above(folder)?;
        let here = chained(listed_in(folder, self.hidden, None, above.as_ref())?, above);
        self.own.insert(folder.to_owned(), here.clone());
        Ok(here)
    }

    /// The definitions that apply above a folder that is walked (whose own
    /// the walk reads): those of the folders above it.
    pub fn above(&mut self, folder: &Path) -> Result<Option<Arc<FolderDefinitions>>, String> {
        let folder = super::config::lexical(&self.working.join(folder));
        self.of_folders_above(&folder)
    }

    /// The definitions of the folders above `folder` (absolute and clean).
    fn of_folders_above(
        &mut self,
        folder: &Path,
    ) -> Result<Option<Arc<FolderDefinitions>>, String> {
        match folder.parent() {
            Some(parent) => self.of_folder(parent),
            None => Ok(None),
        }
    }

    /// The definitions that apply in `folder` (absolute and clean) from it
    /// and the folders above it, each listed once, from the root down.
    fn of_folder(&mut self, folder: &Path) -> Result<Option<Arc<FolderDefinitions>>, String> {
        if let Some(known) = self.above.get(folder) {
            return Ok(known.clone());
        }
        let unknown: Vec<PathBuf> = folder
            .ancestors()
            .take_while(|folder| !self.above.contains_key(*folder))
            .map(Path::to_owned)
            .collect();
        let mut above = unknown
            .last()
            .and_then(|top| top.parent())
            .and_then(|parent| self.above.get(parent).cloned())
            .flatten();
        for folder in unknown.into_iter().rev() {
            if !open_to_anyone(&folder) {
                above = chained(
                    listed_in(&folder, self.hidden, None, above.as_ref())?,
                    above,
                );
            }
            self.above.insert(folder, above.clone());
        }
        Ok(above)
    }
}

/// The working folder by the path the shell shows (`$PWD`, which keeps the
/// links it was reached through) when that is the working folder, else by
/// its real path: `cd captures/latest && dapa scan .` finds the definitions
/// of `captures/`, as `dapa scan captures/latest` does.
fn working_folder() -> PathBuf {
    let real = std::env::current_dir().unwrap_or_default();
    let shown = std::env::var_os("PWD").map(PathBuf::from);
    match shown {
        Some(shown) if shown.is_absolute() && same_folder(&shown, &real) => shown,
        _ => real,
    }
}

/// Whether two paths lead to the same folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        a == b
    }
}

/// The definitions `found` in a folder over those that apply `above` it.
fn chained(found: Found, above: Option<Arc<FolderDefinitions>>) -> Option<Arc<FolderDefinitions>> {
    if found.definitions.is_empty() {
        above
    } else {
        Some(Arc::new(FolderDefinitions::new(found, above)))
    }
}

/// Whether anyone may write to `folder` (as to `/tmp`), and so plant a
/// definition there for another user to read.
fn open_to_anyone(folder: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(folder).is_ok_and(|meta| meta.permissions().mode() & 0o002 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        false
    }
}

/// The definitions among the files of one folder, in name order (by bytes,
/// as a walk orders them), where those of the folders above it come to
/// `above` bytes. A folder that cannot be listed holds none that can be
/// read; a folder named as a definition is not one, nor a link that leads
/// nowhere.
fn listed_in(
    folder: &Path,
    hidden: bool,
    except: Option<&std::ffi::OsStr>,
    above: Option<&Arc<FolderDefinitions>>,
) -> Result<Found, String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Ok(Found::default());
    };
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .filter(|name| {
            let bytes = name.as_encoded_bytes();
            is_definition_name(bytes)
                && (hidden || !bytes.starts_with(b"."))
                && Some(name.as_os_str()) != except
        })
        .collect();
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    let paths: Vec<PathBuf> = names.iter().map(|name| folder.join(name)).collect();
    Found::check_sizes(
        paths.iter().map(PathBuf::as_path),
        FolderDefinitions::bytes(above),
    )?;
    let mut found = Found::default();
    for path in paths {
        // A link that leads nowhere names no definition: a walk of this
        // folder would list it as a capture it cannot read.
        if !std::fs::metadata(&path).is_ok_and(|meta| !meta.is_dir()) {
            continue;
        }
        found.add(&path, FolderDefinitions::bytes(above))?;
    }
    Ok(found)
}

/// The string at `key`, if any; anything else there is a mistake.
fn optional_string<'a>(
    fields: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, &'static str> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err("expected a string"),
    }
}

/// The object at `pointer`, or the pointer and what is missing.
fn object_at<'a>(
    document: &'a Value,
    pointer: &'static str,
    missing: &'static str,
) -> Result<&'a Map<String, Value>, (&'static str, &'static str)> {
    match document.pointer(pointer) {
        None | Some(Value::Null) => Err((pointer, missing)),
        Some(Value::Object(fields)) => Ok(fields),
        Some(_) => Err((pointer, "expected a JSON object")),
    }
}

/// Mark a secure action's output secret, as Genesys Cloud treats it, except
/// where the contract says otherwise (`"x-dapa-secret": false`). A mark
/// covers everything below it, so a schema is marked as a whole when no
/// exception lies below it, and otherwise its parts are marked one by one
/// around the exceptions, and what it holds beyond its parts (a field the
/// contract does not declare, a value of another type) as unlisted. The
/// places that `$ref`s name are marked the same way, wherever they lie.
fn mark_secure_output(schema: &mut Value) {
    mark_secret(schema);
    let mut targets = BTreeSet::new();
    local_refs(schema, &mut targets, 0);
    for target in targets {
        let pointer = target.strip_prefix('#').unwrap_or_default().to_owned();
        if let Some(place) = schema.pointer_mut(&pointer) {
            let marked = place.as_object().is_some_and(|keywords| {
                keywords.contains_key(SECRET_MARK) || keywords.contains_key(UNLISTED_SECRET_MARK)
            });
            if !marked {
                mark_secret(place);
            }
        }
    }
}

fn mark_secret(schema: &mut Value) {
    // A boolean schema (`true` allows anything, `false` nothing) becomes
    // the object that says the same and carries the mark.
    if let Value::Bool(allows) = *schema {
        *schema = if allows {
            serde_json::json!({SECRET_MARK: true})
        } else {
            serde_json::json!({"not": {}, SECRET_MARK: true})
        };
        return;
    }
    let Value::Object(keywords) = schema else {
        return;
    };
    if keywords.contains_key(SECRET_MARK) {
        return;
    }
    let excepted = has_exception(schema, 0);
    let Value::Object(keywords) = schema else {
        return;
    };
    if !excepted {
        keywords.insert(SECRET_MARK.to_owned(), Value::Bool(true));
        return;
    }
    keywords.insert(UNLISTED_SECRET_MARK.to_owned(), Value::Bool(true));
    // Which keys a pattern names is not known to every message that shows
    // a value: an exception under `patternProperties` is not kept.
    if let Some(Value::Object(patterns)) = keywords.get_mut("patternProperties") {
        for pattern in patterns.values_mut() {
            match pattern {
                Value::Object(keywords) => {
                    keywords.insert(SECRET_MARK.to_owned(), Value::Bool(true));
                }
                other => mark_secret(other),
            }
        }
    }
    for_each_subschema(schema, &mut mark_secret);
}

/// The local references (`#...`) anywhere in `value`, within the depth a
/// contract has.
fn local_refs(value: &Value, targets: &mut BTreeSet<String>, depth: usize) {
    if depth >= MAX_MARK_DEPTH * 4 {
        return;
    }
    match value {
        Value::Object(keywords) => {
            if let Some(Value::String(target)) = keywords.get("$ref")
                && target.starts_with('#')
            {
                targets.insert(target.clone());
            }
            keywords
                .values()
                .for_each(|child| local_refs(child, targets, depth + 1));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|child| local_refs(child, targets, depth + 1)),
        _ => {}
    }
}

/// How deep an exception is looked for; a contract is a few levels deep,
/// and a hostile one must not exhaust the stack.
const MAX_MARK_DEPTH: usize = 64;

/// Whether a schema holds `"x-dapa-secret": false` anywhere below it.
fn has_exception(schema: &Value, depth: usize) -> bool {
    let Value::Object(keywords) = schema else {
        return false;
    };
    if keywords.get(SECRET_MARK) == Some(&Value::Bool(false)) {
        return true;
    }
    if depth >= MAX_MARK_DEPTH {
        return false;
    }
    let mut found = false;
    let mut clone = schema.clone();
    for_each_subschema(&mut clone, &mut |child| {
        found = found || has_exception(child, depth + 1);
    });
    found
}

/// Call `visit` on each subschema that describes a part of the value:
/// properties, items, additional properties and combined branches.
fn for_each_subschema(schema: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    let Value::Object(keywords) = schema else {
        return;
    };
    for key in ["properties", "patternProperties", "definitions", "$defs"] {
        if let Some(Value::Object(children)) = keywords.get_mut(key) {
            children.values_mut().for_each(&mut *visit);
        }
    }
    for key in [
        "items",
        "prefixItems",
        "additionalProperties",
        "additionalItems",
    ] {
        match keywords.get_mut(key) {
            Some(Value::Array(children)) => children.iter_mut().for_each(&mut *visit),
            Some(child @ Value::Object(_)) => visit(child),
            _ => {}
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(children)) = keywords.get_mut(key) {
            children.iter_mut().for_each(&mut *visit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn definition(document: Value) -> Result<Definition, SchemaError> {
        Definition::from_value("a.json", &document, EnvelopeKind::Execute, None)
    }

    #[test]
    fn export_and_api_shapes() {
        let contract = json!({"output": {"successSchema": {
            "type": "object", "properties": {"email": {"type": "string"}}}}});
        let export = definition(json!({"name": "Get Contact", "contract": contract})).unwrap();
        assert_eq!(&*export.profile.name, "definition:Get Contact");
        assert_eq!(export.action_id, None);
        let api = definition(json!({"id": "custom_-_1", "name": "Get", "version": 3,
            "contract": contract}))
        .unwrap();
        assert_eq!(api.action_id.as_deref(), Some("custom_-_1"));
        assert_eq!(api.version, Some(3));
        assert_eq!(api.name.as_deref(), Some("Get"));
        assert_eq!(&*api.profile.name, "definition:Get@v3");
        let error = definition(json!({"version": "3", "contract": contract})).unwrap_err();
        assert!(error.to_string().contains("/version"), "{error}");
        assert_eq!(
            action_id_of_name("custom_-_1.action.json"),
            Some("custom_-_1")
        );
        assert_eq!(action_id_of_name(".action.json"), None);
    }

    #[test]
    fn draft_04_unless_named() {
        // `exclusiveMaximum: true` is draft-04's boolean form, an error in
        // later drafts.
        let schema = json!({"type": "number", "maximum": 3, "exclusiveMaximum": true});
        let draft4 = definition(json!({"contract": {"output": {"successSchema": schema}}}));
        assert!(!draft4.unwrap().profile.schema.validator.is_valid(&json!(3)));
        let mut named = schema.clone();
        named["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        let error = definition(json!({"contract": {"output": {"successSchema": named}}}));
        assert!(error.is_err());
    }

    #[test]
    fn secure_marks_booleans_tuples_patterns_and_ref_targets() {
        let mut schema = json!({"properties": {
            "kind": {"x-dapa-secret": false},
            "pw": false,
            "pair": {"prefixItems": [{"minLength": 4}], "items": {"x-dapa-secret": false}},
            "creds": {"$ref": "#/components/Creds"}},
            "patternProperties": {"^public_": {"x-dapa-secret": false}},
            "components": {"Creds": {"properties": {"pin": {"type": "integer"}}}}});
        mark_secure_output(&mut schema);
        for (pointer, mark) in [
            ("/properties/pw", json!({"not": {}, "x-dapa-secret": true})),
            ("/properties/pair/prefixItems/0/x-dapa-secret", json!(true)),
            ("/patternProperties/^public_/x-dapa-secret", json!(true)),
            ("/components/Creds/x-dapa-secret", json!(true)),
            ("/properties/kind/x-dapa-secret", json!(false)),
        ] {
            assert_eq!(schema.pointer(pointer), Some(&mark), "{pointer}");
        }
        let mut whole = json!(true);
        mark_secure_output(&mut whole);
        assert_eq!(whole, json!({"x-dapa-secret": true}));
    }

    #[test]
    fn secure_marks_all_but_the_exceptions() {
        let mut schema = json!({"type": "object", "properties": {
            "token": {"type": "string"},
            "meta": {"type": "object", "properties": {
                "kind": {"type": "string", "x-dapa-secret": false},
                "key": {"type": "string"}}}}});
        mark_secret(&mut schema);
        assert_eq!(schema.pointer("/x-dapa-secret"), None);
        assert_eq!(
            schema.pointer("/x-dapa-secret-unlisted"),
            Some(&json!(true))
        );
        assert_eq!(
            schema.pointer("/properties/meta/x-dapa-secret-unlisted"),
            Some(&json!(true))
        );
        assert_eq!(
            schema.pointer("/properties/token/x-dapa-secret"),
            Some(&json!(true))
        );
        assert_eq!(
            schema.pointer("/properties/meta/properties/kind/x-dapa-secret"),
            Some(&json!(false))
        );
        assert_eq!(
            schema.pointer("/properties/meta/properties/key/x-dapa-secret"),
            Some(&json!(true))
        );
    }

    /// A definition of `id` named `name`, in the API shape.
    fn write_definition(path: &Path, id: &str, name: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let document = json!({"id": id, "name": name, "contract": {"output": {
            "successSchema": {"type": "object"}}}});
        std::fs::write(path, document.to_string()).unwrap();
    }

    #[test]
    fn enclosing_definitions_are_the_nearest_first_and_listed_once() {
        let root = tempfile::tempdir().unwrap();
        let top = root.path().join("top");
        write_definition(&top.join("a.action.json"), "a", "Top");
        write_definition(&top.join("b.action.json"), "b", "Top b");
        write_definition(&top.join("mid/a.action.json"), "a", "Mid");
        write_definition(&top.join("mid/.c.action.json"), "c", "Hidden");
        std::fs::create_dir_all(top.join("mid/low/d.action.json")).unwrap();
        let name = |found: &Option<Arc<FolderDefinitions>>, id: &str| {
            found
                .as_ref()
                .and_then(|found| found.for_action(Some(id)))
                .map(|profile| profile.name.clone())
        };
        let mut enclosing = Enclosing::new(false);
        let low = enclosing.of_file(&top.join("mid/low/x.json")).unwrap();
        assert_eq!(name(&low, "a").as_deref(), Some("definition:Mid"));
        assert_eq!(name(&low, "b").as_deref(), Some("definition:Top b"));
        assert_eq!(name(&low, "c"), None, "hidden unless asked");
        let above_mid = enclosing.above(&top.join("mid")).unwrap();
        assert_eq!(name(&above_mid, "a").as_deref(), Some("definition:Top"));
        // Each folder is listed once: a definition removed since is still
        // the one the run uses, whichever way its folder is reached.
        std::fs::remove_file(top.join("mid/a.action.json")).unwrap();
        let again = enclosing.of_file(&top.join("mid/y.json")).unwrap();
        assert_eq!(name(&again, "a").as_deref(), Some("definition:Mid"));
        let hidden = Enclosing::new(true)
            .of_file(&top.join("mid/x.json"))
            .unwrap();
        assert_eq!(name(&hidden, "c").as_deref(), Some("definition:Hidden"));
        assert_eq!(name(&hidden, "a").as_deref(), Some("definition:Top"));
        // The folders above are those of the path's text: a folder that is
        // not there has its parents' still.
        let gone = Enclosing::new(false)
            .of_file(&top.join("gone/x.json"))
            .unwrap();
        assert_eq!(name(&gone, "a").as_deref(), Some("definition:Top"));
        // A file named as a definition is no definition of its own folder.
        let named = Enclosing::new(false)
            .of_file(&top.join("b.action.json"))
            .unwrap();
        assert_eq!(name(&named, "a").as_deref(), Some("definition:Top"));
        assert_eq!(name(&named, "b"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_above_that_anyone_may_write_to_is_passed_over() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let open = root.path().join("open");
        write_definition(&open.join("a.action.json"), "a", "Planted");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let name = |found: Option<Arc<FolderDefinitions>>| {
            found.and_then(|found| found.for_action(Some("a")).map(|p| p.name.clone()))
        };
        let mut enclosing = Enclosing::new(false);
        assert_eq!(
            name(enclosing.of_file(&open.join("sub/x.json")).unwrap()),
            None
        );
        assert_eq!(name(enclosing.above(&open.join("sub")).unwrap()), None);
        // Its own folder is read for a file named in it, as a walk of the
        // folder reads it.
        assert_eq!(
            name(enclosing.of_file(&open.join("x.json")).unwrap()).as_deref(),
            Some("definition:Planted")
        );
    }
}
