//! Client credentials and region from the environment or a `.env` file,
//! never from flags (which land in shell history and process lists).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::redact::too_short_to_remove;

/// A value that must never be written or shown: its `Debug` form is masked
/// and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// OAuth client credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The OAuth client id (not secret, but shown shortened all the same).
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: Secret,
}

/// The variables dapa reads.
pub const CLIENT_ID: &str = "GENESYS_CLIENT_ID";
/// The variable holding the client secret.
pub const CLIENT_SECRET: &str = "GENESYS_CLIENT_SECRET";
/// The variable naming the region.
pub const REGION: &str = "GENESYS_REGION";

/// The `GENESYS_*` settings, from the process environment over a `.env` file.
#[derive(Default, Clone)]
pub struct Environment {
    values: BTreeMap<&'static str, String>,
    /// Where values came from besides the process environment, for messages.
    pub env_file: Option<String>,
}

impl fmt::Debug for Environment {
    /// Names only: the values include the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("set", &self.values.keys().collect::<Vec<_>>())
            .field("env_file", &self.env_file)
            .finish()
    }
}

impl Environment {
    /// Read the settings: the process environment wins over the `.env` file
    /// (`env_file`, or `.env` in the working folder when there is one).
    pub fn gather(env_file: Option<&Path>) -> Result<Environment, String> {
        let mut environment = Environment::default();
        let default_file = Path::new(".env");
        let file = match env_file {
            Some(path) => Some(path),
            None => default_file.is_file().then_some(default_file),
        };
        if let Some(path) = file {
            // Bounded, and never a FIFO or a device: `--env-file /dev/zero`
            // must not grow memory until the process aborts.
            let bytes = crate::input::read_limited(path, crate::input::SETTINGS_LIMIT)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            for entry in dotenvy::from_read_iter(bytes.as_slice()) {
                // dotenvy's parse errors quote the offending line, which may
                // hold the secret: say only where the problem is.
                let (key, value) = entry.map_err(|e| match e {
                    dotenvy::Error::LineParse(_, index) => format!(
                        "{} has a line that is not KEY=VALUE (near character {index}; the line is not shown as it may hold a secret)",
                        path.display()
                    ),
                    other => format!("cannot read {}: {}", path.display(), io_reason(&other)),
                })?;
                environment.set(&key, value);
            }
            environment.env_file = Some(path.display().to_string());
        }
        for key in [CLIENT_ID, CLIENT_SECRET, REGION] {
            if let Ok(value) = std::env::var(key) {
                environment.set(key, value);
            }
        }
        Ok(environment)
    }

    /// Settings given directly, as tests and embedders do.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Environment {
        let mut environment = Environment::default();
        for (key, value) in pairs {
            environment.set(key, value.to_owned());
        }
        environment
    }

    fn set(&mut self, key: &str, value: String) {
        let known = [CLIENT_ID, CLIENT_SECRET, REGION];
        if let Some(name) = known.into_iter().find(|name| *name == key) {
            let value = value.trim().to_owned();
            if value.is_empty() {
                self.values.remove(name);
            } else {
                self.values.insert(name, value);
            }
        }
    }

    /// The region setting, if any.
    pub fn region(&self) -> Option<&str> {
        self.values.get(REGION).map(String::as_str)
    }

    /// The client credentials, or which variables are missing.
    pub fn credentials(&self) -> Result<Credentials, String> {
        let id = self.values.get(CLIENT_ID);
        let secret = self.values.get(CLIENT_SECRET);
        match (id, secret) {
            (Some(_), Some(secret)) if let Some(why) = too_short_to_remove("secret", secret) => {
                Err(format!(
                    "{CLIENT_SECRET} is {why} (Genesys Cloud's client secrets are 43)"
                ))
            }
            (Some(id), Some(secret)) => Ok(Credentials {
                client_id: id.clone(),
                client_secret: Secret::new(secret.clone()),
            }),
            _ => {
                let missing: Vec<&str> = [(CLIENT_ID, id), (CLIENT_SECRET, secret)]
                    .into_iter()
                    .filter(|(_, value)| value.is_none())
                    .map(|(name, _)| name)
                    .collect();
                let from = match &self.env_file {
                    Some(file) => format!("the environment or {file}"),
                    None => "the environment or a .env file".to_owned(),
                };
                Err(format!("{} not set in {from}", missing.join(" and ")))
            }
        }
    }
}

fn io_reason(error: &dotenvy::Error) -> String {
    match error {
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::EnvVar(var) => var.to_string(),
        _ => "it is not a .env file".to_owned(),
    }
}

/// A client id shortened for display: enough to recognise, not to reuse.
pub fn shown_id(id: &str) -> String {
    let head: String = id.chars().take(8).collect();
    if head.len() < id.len() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_debug_print() {
        let credentials = Credentials {
            client_id: "abc".into(),
            client_secret: Secret::new("hunter2-very-secret"),
        };
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Secret(***)"));
    }

    #[test]
    fn the_environment_does_not_debug_print_values() {
        let environment = Environment::from_pairs([(CLIENT_SECRET, "hunter2-very-secret")]);
        let shown = format!("{environment:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("GENESYS_CLIENT_SECRET"), "{shown}");
    }

    #[test]
    fn a_secret_too_short_to_remove_safely_is_refused_unshown() {
        let environment = Environment::from_pairs([(CLIENT_ID, "id"), (CLIENT_SECRET, "x1y")]);
        let error = environment.credentials().unwrap_err();
        assert!(error.contains("is only 3 characters long"), "{error}");
        assert!(!error.contains("x1y"), "{error}");
        let long = "a".repeat(super::super::redact::SHORTEST_SECRET);
        let environment = Environment::from_pairs([(CLIENT_ID, "id"), (CLIENT_SECRET, &long)]);
        assert!(environment.credentials().is_ok());
    }

    #[test]
    fn missing_variables_are_named() {
        let environment = Environment::from_pairs([(CLIENT_ID, "id")]);
        let error = environment.credentials().unwrap_err();
        assert!(
            error.starts_with("GENESYS_CLIENT_SECRET not set"),
            "{error}"
        );
        let environment = Environment::from_pairs([(CLIENT_ID, " "), (REGION, "euw2")]);
        let error = environment.credentials().unwrap_err();
        assert!(
            error.starts_with("GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET"),
            "{error}"
        );
        assert_eq!(environment.region(), Some("euw2"));
    }

    #[test]
    fn env_file_lines_with_errors_are_not_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creds.env");
        std::fs::write(
            &path,
            "GENESYS_CLIENT_ID=abc\nGENESYS_CLIENT_SECRET s3cr3t-value\n",
        )
        .unwrap();
        let error = Environment::gather(Some(&path)).unwrap_err();
        assert!(!error.contains("s3cr3t"), "{error}");
        assert!(error.contains("not KEY=VALUE"), "{error}");
    }

    #[test]
    fn shortens_client_ids() {
        assert_eq!(shown_id("0123456789abcdef"), "01234567…");
        assert_eq!(shown_id("short"), "short");
    }

    #[test]
    fn env_files_that_are_not_small_regular_files_are_refused() {
        let error = Environment::gather(Some(Path::new("/dev/zero"))).unwrap_err();
        assert!(error.contains("not a regular file: a device"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let error = Environment::gather(Some(dir.path())).unwrap_err();
        assert!(error.contains("a folder"), "{error}");
        let huge = dir.path().join("huge.env");
        let file = std::fs::File::create(&huge).unwrap();
        file.set_len(crate::input::SETTINGS_LIMIT + 1).unwrap();
        let error = Environment::gather(Some(&huge)).unwrap_err();
        assert!(error.contains("larger than"), "{error}");
    }
}
