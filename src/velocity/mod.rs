//! The subset of Apache Velocity 1.7 that Genesys Cloud Data Actions use in a `successTemplate`:
//! parsed once into an immutable [`Template`], rendered over a [`Context`] of root variables.
//!
//! What the subset holds, how each Genesys helper behaves and where it differs from Velocity 1.7
//! is in `docs/velocity.md`; the differential test (`tests/it/velocity.rs`) renders generated
//! templates with the real engine and this one and compares.

use std::collections::BTreeMap;
use std::ops::Range;

mod parse;
mod render;
mod tools;
mod value;

pub use value::VValue;

/// The most bytes a template may have: a `successTemplate` is a few kilobytes.
pub const MAX_TEMPLATE_BYTES: usize = 1 << 20;

/// The deepest nesting of directives, parentheses, literals and string interpolation the parser
/// follows before it refuses the template, so no input can overflow the stack.
pub const MAX_DEPTH: usize = 64;

/// A parsed template: its text and its nodes. Immutable; render it as often as needed.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The template's nodes, in text order.
    pub nodes: Vec<Node>,
    text: String,
}

/// Why a template does not parse, at a byte offset of its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct ParseError {
    /// The byte offset in the template text where parsing stopped.
    pub offset: usize,
    /// What was wrong there.
    pub message: String,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Text written as it is.
    Text {
        /// Where the text is.
        span: Range<usize>,
    },
    /// A reference such as `$x`, `${x.y}`, `$!x.get(0)`.
    Reference(Reference),
    /// `#set( $target = value )`.
    Set {
        /// The whole directive.
        span: Range<usize>,
        /// The reference assigned to.
        target: Reference,
        /// The value assigned.
        value: Expr,
    },
    /// `#if` with its `#elseif` branches and its `#else`.
    If {
        /// From `#if` to its `#end`.
        span: Range<usize>,
        /// Each condition with the nodes it guards, `#if` first.
        branches: Vec<(Expr, Vec<Node>)>,
        /// The `#else` nodes.
        otherwise: Option<Vec<Node>>,
    },
    /// `#foreach( $var in iterable ) ... #end`.
    Foreach {
        /// From `#foreach` to its `#end`.
        span: Range<usize>,
        /// The loop variable's name, without `$`.
        var: String,
        /// What is iterated.
        iterable: Expr,
        /// The loop body.
        body: Vec<Node>,
    },
    /// `## ...` or `#* ... *#`: writes nothing.
    Comment {
        /// The whole comment.
        span: Range<usize>,
    },
    /// `#[[ ... ]]#`: the inner text is written as it is.
    Unparsed {
        /// The whole block.
        span: Range<usize>,
        /// The text between the brackets.
        content: Range<usize>,
    },
    /// A construct the subset leaves out (`#macro`, `#include`, `#parse`, `#evaluate`,
    /// `#define`, `#break`, `#stop`, a macro call, an escaped directive): rendering it is
    /// [`RenderError::Unsupported`].
    Unsupported {
        /// The construct.
        span: Range<usize>,
        /// What it is, e.g. `#macro`.
        construct: String,
    },
}

impl Node {
    /// Where the node is in the template text.
    pub fn span(&self) -> Range<usize> {
        match self {
            Node::Reference(reference) => reference.span.clone(),
            Node::Text { span }
            | Node::Set { span, .. }
            | Node::If { span, .. }
            | Node::Foreach { span, .. }
            | Node::Comment { span }
            | Node::Unparsed { span, .. }
            | Node::Unsupported { span, .. } => span.clone(),
        }
    }
}

/// A reference: `$name` followed by properties, method calls and indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// From the `$` to the end of the reference (the closing `}` of a formal one).
    pub span: Range<usize>,
    /// The root variable.
    pub name: String,
    /// `${x}`.
    pub formal: bool,
    /// `$!x`: a null value writes nothing instead of the reference's text.
    pub silent: bool,
    /// `.prop`, `.method(args)`, `[index]`, in order.
    pub accessors: Vec<Accessor>,
    /// How many backslashes stand right before the `$`: an odd count escapes the reference.
    pub backslashes: usize,
}

/// One step after a reference's root.
#[derive(Debug, Clone, PartialEq)]
pub enum Accessor {
    /// `.name`: a map's key, or a bean-like getter.
    Property {
        /// The property.
        name: String,
        /// Where it is.
        span: Range<usize>,
    },
    /// `.name(args)`.
    Method {
        /// The method.
        name: String,
        /// Its arguments.
        args: Vec<Expr>,
        /// Where it is, from the name to the closing parenthesis.
        span: Range<usize>,
    },
    /// `[index]`.
    Index {
        /// The index.
        index: Box<Expr>,
        /// Where it is, brackets included.
        span: Range<usize>,
    },
}

/// An expression inside a directive or a method's arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A reference.
    Reference(Reference),
    /// `'text'`: not interpolated.
    Str {
        /// The text between the quotes.
        value: String,
        /// The literal, quotes included.
        span: Range<usize>,
    },
    /// `"text"`: interpolated like a template.
    Interpolated {
        /// The parsed text between the quotes.
        nodes: Vec<Node>,
        /// The literal, quotes included.
        span: Range<usize>,
    },
    /// An integer literal.
    Int(i64, Range<usize>),
    /// A decimal literal.
    Float(f64, Range<usize>),
    /// `true` or `false`.
    Bool(bool, Range<usize>),
    /// `[a, b]`.
    List(Vec<Expr>, Range<usize>),
    /// `[from..to]`.
    Range(Box<Expr>, Box<Expr>, Range<usize>),
    /// `{key: value}`.
    Map(Vec<(Expr, Expr)>, Range<usize>),
    /// `!x`, `not x`.
    Not(Box<Expr>, Range<usize>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>, Range<usize>),
}

/// A binary operator, word forms (`and`, `eq`...) included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `||`, `or`.
    Or,
    /// `&&`, `and`.
    And,
    /// `==`, `eq`.
    Eq,
    /// `!=`, `ne`.
    Ne,
    /// `<`, `lt`.
    Lt,
    /// `<=`, `le`.
    Le,
    /// `>`, `gt`.
    Gt,
    /// `>=`, `ge`.
    Ge,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Mod,
}

impl Expr {
    /// Where the expression is in the template text.
    pub fn span(&self) -> Range<usize> {
        match self {
            Expr::Reference(r) => r.span.clone(),
            Expr::Str { span, .. } | Expr::Interpolated { span, .. } => span.clone(),
            Expr::Int(_, s)
            | Expr::Float(_, s)
            | Expr::Bool(_, s)
            | Expr::List(_, s)
            | Expr::Range(_, _, s)
            | Expr::Map(_, s)
            | Expr::Not(_, s)
            | Expr::Binary(_, _, _, s) => s.clone(),
        }
    }
}

/// The root variables a template is rendered over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    vars: BTreeMap<String, VValue>,
}

impl Context {
    /// An empty context: only the tools (`$esc`, `$math`, `$successTemplateUtils`) are defined.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a root variable; a [`VValue::Null`] is the same as leaving it undefined, as a Java
    /// null in a Velocity context is.
    pub fn insert(&mut self, name: impl Into<String>, value: VValue) {
        self.vars.insert(name.into(), value);
    }

    /// A root variable's value.
    pub fn get(&self, name: &str) -> Option<&VValue> {
        self.vars.get(name)
    }
}

/// Bounds on one rendering, so that no template or context can take unbounded time or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes the output, and any one string built on the way, may have.
    pub max_output_bytes: usize,
    /// The most `#foreach` iterations (all loops together), and the longest range `[a..b]`.
    pub max_iterations: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_output_bytes: 4 << 20,
            max_iterations: 100_000,
        }
    }
}

/// A rendering and what happened on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The output.
    pub text: String,
    /// The spans of the references that were null and wrote their own text (`$x`, `${x}`),
    /// in the order they were written (a reference in a loop once per iteration).
    pub literal_nulls: Vec<Range<usize>>,
}

/// Why a template did not render.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// A construct outside the subset: dapa refuses it rather than guess.
    #[error("{construct} is not supported")]
    Unsupported {
        /// What the construct is, e.g. `#macro` or `String.split()`.
        construct: String,
        /// Where it is.
        span: Range<usize>,
    },
    /// A method threw (an index out of range, a null argument): Velocity 1.7 stops rendering
    /// with a `MethodInvocationException`.
    #[error("{method} failed: {reason}")]
    Method {
        /// The method, e.g. `List.get`.
        method: String,
        /// Why.
        reason: String,
        /// Where the call is.
        span: Range<usize>,
    },
    /// A bound of [`Limits`] was reached.
    #[error("{what} exceeds the limit of {limit}")]
    Limit {
        /// Which bound.
        what: &'static str,
        /// Its value.
        limit: usize,
        /// Where it was reached.
        span: Range<usize>,
    },
}

impl Template {
    /// Parses a template.
    pub fn parse(text: &str) -> Result<Template, ParseError> {
        let nodes = parse::parse(text)?;
        Ok(Template {
            nodes,
            text: text.to_owned(),
        })
    }

    /// The template's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every reference, in text order, including those inside directives, method arguments
    /// and interpolated strings.
    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        let mut found = Vec::new();
        collect_nodes(&self.nodes, &mut found);
        found.sort_by_key(|r| r.span.start);
        found.into_iter()
    }

    /// Renders the template over `context`.
    pub fn render(&self, context: &Context, limits: &Limits) -> Result<String, RenderError> {
        Ok(render::render(self, context, limits)?.text)
    }

    /// Renders the template over `context`, and says which references wrote their own text
    /// because they were null (what leaves `${x}` in an output).
    pub fn render_traced(
        &self,
        context: &Context,
        limits: &Limits,
    ) -> Result<Rendered, RenderError> {
        render::render(self, context, limits)
    }
}

fn collect_nodes<'a>(nodes: &'a [Node], found: &mut Vec<&'a Reference>) {
    for node in nodes {
        match node {
            Node::Reference(r) => collect_reference(r, found),
            Node::Set { target, value, .. } => {
                collect_reference(target, found);
                collect_expr(value, found);
            }
            Node::If {
                branches,
                otherwise,
                ..
            } => {
                for (condition, body) in branches {
                    collect_expr(condition, found);
                    collect_nodes(body, found);
                }
                if let Some(body) = otherwise {
                    collect_nodes(body, found);
                }
            }
            Node::Foreach { iterable, body, .. } => {
                collect_expr(iterable, found);
                collect_nodes(body, found);
            }
            Node::Text { .. }
            | Node::Comment { .. }
            | Node::Unparsed { .. }
            | Node::Unsupported { .. } => {}
        }
    }
}

fn collect_reference<'a>(reference: &'a Reference, found: &mut Vec<&'a Reference>) {
    found.push(reference);
    for accessor in &reference.accessors {
        match accessor {
            Accessor::Method { args, .. } => args.iter().for_each(|a| collect_expr(a, found)),
            Accessor::Index { index, .. } => collect_expr(index, found),
            Accessor::Property { .. } => {}
        }
    }
}

fn collect_expr<'a>(expr: &'a Expr, found: &mut Vec<&'a Reference>) {
    match expr {
        Expr::Reference(r) => collect_reference(r, found),
        Expr::Interpolated { nodes, .. } => collect_nodes(nodes, found),
        Expr::List(items, _) => items.iter().for_each(|e| collect_expr(e, found)),
        Expr::Range(a, b, _) | Expr::Binary(_, a, b, _) => {
            collect_expr(a, found);
            collect_expr(b, found);
        }
        Expr::Map(entries, _) => {
            for (k, v) in entries {
                collect_expr(k, found);
                collect_expr(v, found);
            }
        }
        Expr::Not(e, _) => collect_expr(e, found),
        Expr::Str { .. } | Expr::Int(..) | Expr::Float(..) | Expr::Bool(..) => {}
    }
}
