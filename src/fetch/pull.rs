//! A Data Action's definition read from the API
//! (`GET /api/v2/integrations/actions/{id}?expand=contract&includeConfig=true`)
//! and kept as `ACTION_ID.action.json`: once per `fetch` run beside the
//! captures, and for each action of `dapa pull`.
//!
//! What is written is checked to be a definition `scan` can use, carries no
//! literal credential among its request headers (placeholders such as
//! `${credentials.token}` are kept, as Genesys Cloud resolves them only when
//! it runs the action), and passes the run's redaction. A newer definition
//! already in the folder (a higher `version`) is kept.

use super::auth::TokenSource;
use super::client::{Outcome, Retrying, Sender};
use super::credentials::Credentials;
use super::redact::{Redactor, mask_definition_headers};
use super::store::{self, DefinitionError, Store};
use super::{FetchError, Service, check_action_id, open_store};
use crate::input::SETTINGS_LIMIT;
use crate::profile::EnvelopeKind;
use crate::profile::definition::Definition;
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The permission that reading a definition needs.
pub const VIEW_PERMISSION: &str = "integrations:action:view";

/// The URL of an action's definition (of its draft when `draft`), with its
/// contract and configuration.
pub fn definition_url(service: &Service, action_id: &str, draft: bool) -> String {
    let draft = if draft { "/draft" } else { "" };
    format!(
        "{}{draft}?expand=contract&includeConfig=true",
        service.action_url(action_id)
    )
}

/// What came of one action's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefinitionOutcome {
    /// Written as `ACTION_ID.action.json`.
    Saved {
        /// Its `version`, when it has one.
        version: Option<u64>,
        /// The different version it replaced, when the folder held one.
        replaced: Option<u64>,
        /// Request header values masked as literal credentials.
        masked: usize,
    },
    /// The folder holds a newer version, which is kept.
    KeptNewer {
        /// The version in the folder.
        stored: u64,
        /// The older version the API returned.
        fetched: u64,
    },
    /// Not read or not usable, with why (one line).
    Failed(String),
}

impl DefinitionOutcome {
    /// Whether the folder holds the action's definition now.
    pub fn is_saved(&self) -> bool {
        !matches!(self, DefinitionOutcome::Failed(_))
    }

    /// The outcome in a few words for an end line: `definition v4 saved`.
    pub fn describe(&self) -> String {
        let shown = |version: Option<u64>| version.map_or(String::new(), |v| format!(" v{v}"));
        match self {
            DefinitionOutcome::Saved {
                version,
                replaced,
                masked,
            } => {
                let mut text = format!("definition{} saved", shown(*version));
                if let Some(replaced) = replaced {
                    text.push_str(&format!(" (replacing v{replaced})"));
                }
                if *masked > 0 {
                    text.push_str(&format!(
                        " with {masked} literal credential header value(s) masked"
                    ));
                }
                text
            }
            DefinitionOutcome::KeptNewer { stored, fetched } => {
                format!("definition v{stored} kept (the API returned v{fetched}, an older version)")
            }
            DefinitionOutcome::Failed(_) => "definition not saved".to_owned(),
        }
    }
}

/// Read the definition at `url` and write it to `store` as
/// `ACTION_ID.action.json`, unless the one there is newer. Only refused
/// credentials are an error; anything else is a failed outcome.
pub(crate) fn save_definition(
    sender: &Sender<'_>,
    store: &Store,
    action_id: &str,
    url: &str,
    on_retry: &dyn Fn(Retrying<'_>),
) -> Result<DefinitionOutcome, FetchError> {
    let failed = |why: String| Ok(DefinitionOutcome::Failed(why));
    let reply = match sender.send(url, 0, None, on_retry) {
        Outcome::Reply { reply, .. } => reply,
        Outcome::Failed { reason, .. } => return failed(reason),
        Outcome::Interrupted => return failed("interrupted".to_owned()),
        Outcome::Refused(error) => return Err(error.into()),
    };
    match reply.status {
        200 => {}
        401 | 403 => {
            return failed(format!(
                "HTTP {}: the OAuth client may not read Data Action definitions (it needs the permission {VIEW_PERMISSION})",
                reply.status
            ));
        }
        404 => {
            return failed(format!(
                "HTTP 404: the API knows no Data Action {action_id:?} at {}",
                url.split('?').next().unwrap_or(url)
            ));
        }
        status => return failed(format!("HTTP {status}")),
    }
    if let Some(why) = &reply.cut_off {
        return failed(format!("the reply is incomplete: {why}"));
    }
    // Read before anything is built from it: a value takes many times its
    // text's size, and a larger one could not be saved for `scan` anyway.
    if reply.body.len() as u64 > SETTINGS_LIMIT {
        return failed(format!(
            "the reply is {} bytes, larger than the {} MiB `scan` reads of a definition",
            reply.body.len(),
            SETTINGS_LIMIT >> 20
        ));
    }
    let mut document: Value = match serde_json::from_slice(&reply.body) {
        Ok(document) => document,
        Err(error) => return failed(format!("the reply is not JSON ({error})")),
    };
    let shown = store::definition_name(action_id);
    let definition = match Definition::from_document(&shown, &document, EnvelopeKind::Execute) {
        Ok(definition) => definition,
        Err(error) => return failed(format!("the reply is no usable definition: {error}")),
    };
    let stored = store.stored_version(action_id);
    if let (Some(stored), Some(fetched)) = (stored, definition.version)
        && stored > fetched
    {
        return Ok(DefinitionOutcome::KeptNewer { stored, fetched });
    }
    let masked = mask_definition_headers(&mut document);
    match store.write_definition(action_id, document) {
        Ok(()) => {}
        Err(DefinitionError::TooLarge) => {
            return failed(format!("the reply, {}", DefinitionError::TooLarge));
        }
        Err(DefinitionError::Io(error)) => {
            return Err(FetchError::Io(store.dir().to_owned(), error));
        }
    }
    Ok(DefinitionOutcome::Saved {
        version: definition.version,
        replaced: stored.filter(|&stored| Some(stored) != definition.version),
        masked,
    })
}

/// What `dapa pull` hears while it runs.
#[derive(Debug)]
pub enum PullEvent<'a> {
    /// A request of this action is about to be retried.
    Retrying(&'a str, Retrying<'a>),
    /// This action's definition is done with.
    Done(&'a str, &'a DefinitionOutcome),
}

/// Read the definitions of `action_ids` (each once, in the order given)
/// into `out`, as `ACTION_ID.action.json`. Bad credentials, an id that is
/// none and an output folder that cannot be written stop the run; an action
/// whose definition cannot be had is a failed outcome.
pub fn run(
    service: &Service,
    action_ids: &[String],
    out: &Path,
    credentials: Credentials,
    redactor: &Redactor,
    stop: &AtomicBool,
    observe: &dyn Fn(PullEvent<'_>),
) -> Result<Vec<(String, DefinitionOutcome)>, FetchError> {
    let mut ids: Vec<&String> = Vec::new();
    for id in action_ids {
        check_action_id(id)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let (agent, tokens): (ureq::Agent, TokenSource) =
        service.session(credentials, redactor, stop)?;
    let store = open_store(out, redactor)?;
    let sender = service.sender(&agent, &tokens, stop);
    let mut outcomes = Vec::with_capacity(ids.len());
    for id in ids {
        let url = definition_url(service, id, false);
        let outcome = save_definition(&sender, &store, id, &url, &|retrying| {
            observe(PullEvent::Retrying(id, retrying));
        })?;
        observe(PullEvent::Done(id, &outcome));
        outcomes.push((id.clone(), outcome));
    }
    Ok(outcomes)
}
