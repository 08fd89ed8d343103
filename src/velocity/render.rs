//! Rendering a parsed template.

use super::{Context, Limits, RenderError, Template};

pub(super) fn render(
    template: &Template,
    _context: &Context,
    _limits: &Limits,
) -> Result<String, RenderError> {
    // The renderer lands in the next commit; until then every template is refused.
    Err(RenderError::Unsupported {
        construct: "rendering".into(),
        span: 0..template.text().len(),
    })
}
