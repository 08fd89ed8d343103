//! `dapa.toml`: which profile applies to which captures, by the action id a
//! sidecar records or by a glob over the capture's path.
//!
//! ```toml
//! [[rules]]
//! action_id = "custom_-_6f2c0a1e-5b7d-4c3e-9a8f-1b2c3d4e5f60"
//! profile = "cognigy-token"
//!
//! [[rules]]
//! path = "captures/orders/**"
//! schema = "schemas/orders.json"   # relative to this file
//! envelope = "execute"              # execute | test | seed
//!
//! [[rules]]
//! path = "captures/contacts/**"
//! definition = "actions/get-contact.json"   # a Data Action definition
//! ```

use super::definition::Definition;
use super::{EnvelopeKind, Profile, SchemaError};
use crate::input::{CONFIG_LIMIT, read_text_limited};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    rules: Vec<RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    action_id: Option<String>,
    path: Option<String>,
    profile: Option<String>,
    schema: Option<String>,
    definition: Option<String>,
    envelope: Option<String>,
}

/// What a rule matches on.
#[derive(Debug, Clone)]
enum Matcher {
    ActionId(String),
    /// One glob, as a set: a set's compilation says when the glob is too
    /// large for the regex engine, where a lone glob's matcher panics.
    Path(GlobSet),
    Every,
}

/// One rule of `dapa.toml`.
#[derive(Debug, Clone)]
pub struct Rule {
    matcher: Matcher,
    /// The profile it selects.
    pub profile: Arc<Profile>,
}

impl Rule {
    /// A rule for the captures of one action.
    pub fn for_action(action_id: String, profile: Arc<Profile>) -> Rule {
        Rule {
            matcher: Matcher::ActionId(action_id),
            profile,
        }
    }

    /// A rule for every capture that reaches it.
    pub fn for_every(profile: Arc<Profile>) -> Rule {
        Rule {
            matcher: Matcher::Every,
            profile,
        }
    }

    /// Whether the rule matches captures by their path.
    pub fn by_path(&self) -> bool {
        matches!(self.matcher, Matcher::Path(_))
    }

    /// Whether the rule applies to a capture: by its action id, or by its
    /// file's path relative to the config's folder (none for standard
    /// input and for files outside that folder).
    pub fn matches(&self, relative_path: Option<&str>, action_id: Option<&str>) -> bool {
        match &self.matcher {
            Matcher::ActionId(id) => action_id == Some(id.as_str()),
            Matcher::Path(glob) => relative_path.is_some_and(|path| glob.is_match(path)),
            Matcher::Every => true,
        }
    }
}

/// The most rules by path a `dapa.toml` may have. Each compiled glob holds
/// a regex of about 15 KB however short it is, and every capture is
/// matched against the rules one by one: 300,000 rules of a few bytes
/// took 4.9 GB and a minute for 200 captures.
pub const MAX_PATH_RULES: usize = 1_000;

/// The longest path glob, in bytes: a compiled glob takes about a kilobyte
/// for each of its characters (one of 100,000 took 90 MB; one of 300,000
/// was past what the regex engine compiles).
pub const MAX_GLOB_BYTES: usize = 1_024;

/// The path globs of a `dapa.toml` all told, in bytes (about 50 MB once
/// compiled).
pub const MAX_GLOBS_BYTES: usize = 32 << 10;

/// The name of the file `dapa` looks for.
pub const CONFIG_NAME: &str = "dapa.toml";

/// Where a `dapa.toml` is: as the user may find it, and the folder its
/// globs are relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPlace {
    /// The file, as found from the working directory (`dapa.toml`,
    /// `../dapa.toml`) or as named with `--config`.
    pub shown: PathBuf,
    /// The working directory, absolute: relative capture paths start here.
    working: PathBuf,
    /// The config's folder, absolute and without `.` or `..`.
    root: PathBuf,
    /// The config's folder with every symbolic link resolved, when it
    /// exists: the working directory is known only by its real path, so a
    /// capture path typed through a link names the folder another way.
    real_root: Option<PathBuf>,
}

impl ConfigPlace {
    /// The place of the config file `path` (as typed), seen from the
    /// absolute working directory `working`.
    pub fn new(path: &Path, working: &Path) -> ConfigPlace {
        let file = lexical(&working.join(path));
        let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
        ConfigPlace {
            shown: path.to_path_buf(),
            working: working.to_path_buf(),
            real_root: std::fs::canonicalize(&root).ok(),
            root,
        }
    }

    /// The nearest `dapa.toml` in the working directory or a folder above it.
    pub fn discover(working: &Path) -> Option<ConfigPlace> {
        let mut shown = PathBuf::new();
        for folder in working.ancestors() {
            // Anything by the name is the config, to be read or refused:
            // one that cannot be read (a pipe, a dangling link, a folder)
            // passed over would let the rules of a folder above decide.
            if std::fs::symlink_metadata(folder.join(CONFIG_NAME)).is_ok() {
                return Some(ConfigPlace::new(&shown.join(CONFIG_NAME), working));
            }
            shown.push("..");
        }
        None
    }

    /// A capture file's path relative to the config's folder, with `/`
    /// between its parts; none for standard input and outside the folder.
    /// The path's folder is taken with its links resolved (a look at the
    /// file system once per folder in a row), so that a folder reached
    /// through a link, inside the config's folder or from outside it, is
    /// the folder linked to. A path inside the folder by its text whose
    /// real folder lies outside (a link to data kept elsewhere) keeps its
    /// text.
    pub fn relative(&self, file: &str) -> Option<String> {
        if file == "-" {
            return None;
        }
        let absolute = lexical(
            &self
                .working
                .join(crate::capture::source::path_of_text(file)),
        );
        let real = (absolute.parent().and_then(real_folder))
            .zip(absolute.file_name())
            .map(|(folder, name)| folder.join(name));
        let real_inside = (real.as_deref())
            .zip(self.real_root.as_deref())
            .and_then(|(real, root)| real.strip_prefix(root).ok());
        let inside = match real_inside {
            Some(inside) => inside,
            None => absolute.strip_prefix(&self.root).ok()?,
        };
        let parts: Vec<String> = inside
            .components()
            .map(|part| {
                crate::capture::source::path_shown(Path::new(part.as_os_str())).into_owned()
            })
            .collect();
        Some(parts.join("/"))
    }
}

/// A folder with its links resolved. The answer for the last folder asked
/// is kept per thread: a scan outside the config's folder asks for every
/// capture, files come folder by folder, and resolving costs a look at each
/// part of the path.
fn real_folder(folder: &Path) -> Option<PathBuf> {
    use std::cell::RefCell;
    thread_local! {
        static LAST: RefCell<Option<(PathBuf, Option<PathBuf>)>> = const { RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| {
        if let Some((asked, real)) = last
            && asked == folder
        {
            return real.clone();
        }
        let real = std::fs::canonicalize(folder).ok();
        *last = Some((folder.to_path_buf(), real.clone()));
        real
    })
}

/// A path without `.` and with `..` taken against the part before it, by
/// its text alone (links are not followed, so no file is touched). A `..`
/// at the root stays there; one that leads a relative path is kept.
pub fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => match clean.components().next_back() {
                Some(Component::Normal(_)) => {
                    clean.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => clean.push(".."),
            },
            other => clean.push(other.as_os_str()),
        }
    }
    clean
}

/// Read the rules of a `dapa.toml`. Schema paths are relative to its folder.
pub fn load(path: &Path) -> Result<Vec<Rule>, SchemaError> {
    let shown = path.display().to_string();
    let text = read_text_limited(path, CONFIG_LIMIT).map_err(|reason| SchemaError::Read {
        path: shown.clone(),
        reason,
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    parse(&text, base).map_err(|message| SchemaError::Config {
        path: shown,
        message,
    })
}

fn parse(text: &str, base: &Path) -> Result<Vec<Rule>, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|error| error.to_string())?;
    let mut builtins: HashMap<String, Arc<Profile>> = HashMap::new();
    // Rules often name the same schema file: it is read and compiled once,
    // whatever spelling of its path each rule uses.
    let mut files = FileCache::new();
    let mut definitions = FileCache::new();
    let mut rules = Vec::new();
    let (mut path_rules, mut glob_bytes) = (0, 0);
    for (index, rule) in file.rules.into_iter().enumerate() {
        let number = index + 1;
        let matcher = match (rule.action_id, rule.path) {
            (Some(id), None) => Matcher::ActionId(id),
            (None, Some(glob)) => {
                path_rules += 1;
                glob_bytes += glob.len();
                if glob.len() > MAX_GLOB_BYTES {
                    return Err(format!(
                        "rule {number}: the path glob is {} bytes long; dapa reads globs of at \
                         most {MAX_GLOB_BYTES} bytes",
                        glob.len()
                    ));
                }
                if path_rules > MAX_PATH_RULES {
                    return Err(format!(
                        "rule {number}: more than {MAX_PATH_RULES} rules by path; dapa reads at \
                         most {MAX_PATH_RULES} (map actions by action_id, or join paths with \
                         one glob such as \"captures/{{orders,contacts}}/**\")"
                    ));
                }
                if glob_bytes > MAX_GLOBS_BYTES {
                    return Err(format!(
                        "rule {number}: the path globs come to more than {MAX_GLOBS_BYTES} bytes \
                         all told, which dapa reads at most"
                    ));
                }
                Matcher::Path(
                    compile_glob(&glob)
                        .map_err(|error| format!("rule {number}: bad path glob: {error}"))?,
                )
            }
            _ => {
                return Err(format!(
                    "rule {number}: give exactly one of action_id and path"
                ));
            }
        };
        let envelope = match rule.envelope.as_deref() {
            None => EnvelopeKind::Execute,
            Some(text) => EnvelopeKind::parse(text).ok_or_else(|| {
                format!("rule {number}: envelope must be execute, test or seed, not '{text}'")
            })?,
        };
        let profile = match (rule.profile, rule.schema, rule.definition) {
            (None, None, Some(file)) => {
                cached(&mut definitions, &base.join(file), envelope, |path| {
                    Definition::from_file(path, envelope).map(|definition| definition.profile)
                })
                .map_err(|e| format!("rule {number}: {e}"))?
            }
            (Some(name), None, None) => match builtins.get(&name) {
                Some(profile) => Arc::clone(profile),
                None => {
                    let profile = Arc::new(
                        Profile::builtin(&name).map_err(|e| format!("rule {number}: {e}"))?,
                    );
                    builtins.insert(name, Arc::clone(&profile));
                    profile
                }
            },
            (None, Some(schema), None) => {
                cached(&mut files, &base.join(schema), envelope, |path| {
                    Profile::from_schema_file(path, envelope)
                })
                .map_err(|e| format!("rule {number}: {e}"))?
            }
            _ => {
                return Err(format!(
                    "rule {number}: give exactly one of profile, schema and definition"
                ));
            }
        };
        rules.push(Rule { matcher, profile });
    }
    Ok(rules)
}

/// A path glob, compiled as a set of one: an error, not a panic, where the
/// regex it makes is too large.
fn compile_glob(glob: &str) -> Result<GlobSet, globset::Error> {
    GlobSetBuilder::new().add(Glob::new(glob)?).build()
}

/// Profiles read from files, by the file's real path and the envelope.
type FileCache = HashMap<(PathBuf, EnvelopeKind), Arc<Profile>>;

/// The profile of a file, read and compiled the first time any spelling of
/// its path is named, and shared after that.
fn cached(
    cache: &mut FileCache,
    path: &Path,
    envelope: EnvelopeKind,
    load: impl FnOnce(&Path) -> Result<Profile, SchemaError>,
) -> Result<Arc<Profile>, SchemaError> {
    let key = (
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        envelope,
    );
    if let Some(profile) = cache.get(&key) {
        return Ok(Arc::clone(profile));
    }
    let profile = Arc::new(load(path)?);
    cache.insert(key, Arc::clone(&profile));
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_paths_keep_what_their_text_cannot_resolve() {
        for (path, clean) in [
            ("/a/./b/../c.json", "/a/c.json"),
            ("/../a.json", "/a.json"),
            ("sub/../schema.json", "schema.json"),
            ("../here/./x.json", "../here/x.json"),
            ("../../a/../b", "../../b"),
        ] {
            assert_eq!(lexical(Path::new(path)), Path::new(clean), "{path}");
        }
    }

    #[test]
    fn rules_by_action_and_path() {
        let rules = parse(
            "[[rules]]\naction_id = \"a-1\"\nprofile = \"cognigy-token\"\n\n[[rules]]\npath = \"samples/**/profile-*\"\nprofile = \"cognigy-profile\"\n",
            Path::new(""),
        )
        .unwrap();
        assert!(rules[0].matches(Some("x"), Some("a-1")));
        assert!(!rules[0].matches(Some("x"), Some("a-2")));
        assert!(rules[1].matches(Some("samples/schema/profile-ok.json"), None));
        assert!(!rules[1].matches(None, None));
        assert_eq!(&*rules[1].profile.name, "cognigy-profile");
    }

    #[test]
    fn paths_relative_to_the_config_folder() {
        let working = Path::new("/srv/repo/samples");
        let place = ConfigPlace::new(Path::new("../dapa.toml"), working);
        assert_eq!(
            place.relative("./a/../b/x.json").as_deref(),
            Some("samples/b/x.json")
        );
        assert_eq!(
            place.relative("/srv/repo/y.json").as_deref(),
            Some("y.json")
        );
        assert_eq!(place.relative("/elsewhere/y.json"), None);
        assert_eq!(place.relative("-"), None);
        let named = ConfigPlace::new(Path::new("cfg/dapa.toml"), working);
        assert_eq!(named.relative("cfg/z.json").as_deref(), Some("z.json"));
    }

    #[test]
    fn mistakes_are_named() {
        for (text, expected) in [
            (
                "[[rules]]\nprofile = \"cognigy-token\"\n",
                "exactly one of action_id and path",
            ),
            (
                "[[rules]]\npath = \"a\"\nprofile = \"nope\"\n",
                "unknown profile 'nope'",
            ),
            (
                "[[rules]]\npath = \"a\"\nschema = \"missing.json\"\n",
                "cannot read",
            ),
            (
                "[[rules]]\npath = \"a\"\nprofile = \"cognigy-token\"\nenvelope = \"x\"\n",
                "envelope must be",
            ),
            ("[[rule]]\n", "unknown field"),
        ] {
            let error = parse(text, Path::new("")).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }
}
