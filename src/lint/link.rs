//! Links from a capture's findings to the lint findings of the definition
//! that checked it: the configuration line that can cause what the capture
//! shows. An unrendered placeholder (P03) comes from a reference that can
//! print its name (A06) or from an undefined variable (A02); a broken
//! string (S03, S04) from a value inserted unescaped inside one (A07); a
//! missing required property (V01) from a key the template never writes
//! (A11) or an entry without a default (A04).

use super::DefinitionLint;
use crate::finding::Code;
use crate::record::FindingRecord;

/// One capture finding linked to one lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The capture's finding, by its index in the capture's findings.
    pub finding: usize,
    /// The lint finding, by its index in [`DefinitionLint::findings`].
    pub lint: usize,
    /// What the configuration does and where it is, as one sentence.
    pub note: String,
}

/// The links of `findings` (a capture's, in order) to `lint`, in the order
/// of the capture's findings and then of the lint's.
pub fn links(findings: &[FindingRecord], lint: &DefinitionLint) -> Vec<Link> {
    let mut found = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        for (at, (cause, subject)) in lint.findings.iter().zip(&lint.subjects).enumerate() {
            let subject = subject.as_deref().unwrap_or("");
            if let Some(what) = causes(finding, cause.code, subject) {
                let place = match (cause.line, cause.column) {
                    (Some(line), Some(column)) => format!("{}:{line}:{column}", lint.source),
                    _ => lint.source.clone(),
                };
                found.push(Link {
                    finding: index,
                    lint: at,
                    note: format!("{what} ({} at {place})", cause.code),
                });
            }
        }
    }
    found
}

/// What the configuration does, when a lint finding of `code` about
/// `subject` can cause the capture's `finding`.
fn causes(finding: &FindingRecord, code: Code, subject: &str) -> Option<String> {
    let pointer = finding.pointer.as_deref().unwrap_or("");
    match (finding.code, code) {
        (Code::P03, Code::A06 | Code::A02) => {
            let (_, name) = crate::advice::placeholder_of(&finding.message)?;
            (name == subject).then(|| {
                if code == Code::A06 {
                    format!(
                        "the template uses ${{{name}}} and \"{name}\" has no \
                         translationMapDefaults value"
                    )
                } else {
                    format!("the template uses ${{{name}}} and no translationMap entry defines it")
                }
            })
        }
        (Code::S03 | Code::S04, Code::A07) => Some(format!(
            "the template inserts ${subject} inside a JSON string without $esc.jsonString"
        )),
        (Code::V01, Code::A11) => (!subject.is_empty() && pointer.ends_with(subject))
            .then(|| format!("the template never writes {subject}")),
        (Code::V01, Code::A04) => {
            let missing = pointer.rsplit('/').next()?;
            (missing == subject).then(|| {
                format!(
                    "translationMap entry \"{subject}\" has no translationMapDefaults value, so a \
                     reply without it fails or leaves it out"
                )
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use serde_json::json;

    fn capture_finding(code: Code, pointer: &str, message: &str) -> FindingRecord {
        FindingRecord::from(Finding::new(code, message).at_pointer(pointer))
    }

    fn lint_of(template: &str, defaults: serde_json::Value) -> DefinitionLint {
        let document = json!({"config": {"response": {
            "translationMap": {"email": "$.e", "id": "$.id"},
            "translationMapDefaults": defaults, "successTemplate": template}},
            "contract": {"output": {"successSchema": {"type": "object",
                "required": ["id", "email", "name"]}}}});
        let text = serde_json::to_string_pretty(&document).unwrap();
        super::super::lint("d.action.json", &text, &document).unwrap()
    }

    #[test]
    fn p03_links_to_the_reference_without_a_default() {
        let lint = lint_of(
            "{\"id\": ${id}, \"email\": \"${email}\"}",
            json!({"id": "1"}),
        );
        let p03 = capture_finding(
            Code::P03,
            "/email",
            "unrendered Velocity placeholder \"${email}\" in the value",
        );
        let other = capture_finding(
            Code::P03,
            "/id",
            "unrendered Velocity placeholder \"${id}\" in the value",
        );
        let found = links(&[other, p03], &lint);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].finding, 1);
        assert_eq!(lint.findings[found[0].lint].code, Code::A06);
        assert!(
            found[0].note.starts_with(
                "the template uses ${email} and \"email\" has no translationMapDefaults value \
                 (A06 at d.action.json:"
            ),
            "{}",
            found[0].note
        );
    }

    #[test]
    fn s03_links_to_a07_and_v01_to_a11_and_a04() {
        let lint = lint_of(
            "{\"id\": ${id}, \"email\": \"${email}\"}",
            json!({"id": "1"}),
        );
        let s03 = capture_finding(Code::S03, "", "a quote ends the string early");
        let v01 = capture_finding(Code::V01, "/name", "the required property name is missing");
        let v01_email = capture_finding(Code::V01, "/email", "missing");
        let found = links(&[s03, v01, v01_email], &lint);
        let pairs: Vec<(usize, Code)> = (found.iter())
            .map(|l| (l.finding, lint.findings[l.lint].code))
            .collect();
        assert_eq!(
            pairs,
            [(0, Code::A07), (1, Code::A11), (2, Code::A04)],
            "{found:?}"
        );
    }

    #[test]
    fn no_link_without_a_matching_lint_finding() {
        let lint = lint_of(
            "{\"id\": ${id}, \"email\": ${email}, \"name\": 1}",
            json!({"id": "1", "email": "1"}),
        );
        let p03 = capture_finding(
            Code::P03,
            "/email",
            "unrendered Velocity placeholder \"${email}\" in the value",
        );
        let s04 = capture_finding(Code::S04, "", "bad escape");
        assert_eq!(links(&[p03, s04], &lint), []);
    }
}
