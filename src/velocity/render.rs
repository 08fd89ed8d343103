//! Rendering a parsed template over a context, with Velocity 1.7's semantics: a null reference
//! writes its own text (nothing when silent), `#set` to null changes nothing, `#foreach` over
//! something that is not a list or map writes nothing, and the loop variable is restored after
//! the loop.

use std::collections::HashMap;
use std::ops::Range;

use super::tools;
use super::value::{NODE_BYTES, Num, VValue};
use super::{
    Accessor, BinOp, Context, Expr, Limits, Node, Reference, RenderError, Rendered, Template,
};

pub(super) fn render(
    template: &Template,
    context: &Context,
    limits: &Limits,
) -> Result<Rendered, RenderError> {
    let mut renderer = Renderer {
        text: template.text(),
        vars: context
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        loops: Vec::new(),
        limits: *limits,
        iterations: 0,
        copied: 0,
        work: Work {
            done: 0,
            budget: limits
                .max_output_bytes
                .saturating_mul(WORK_BUDGET_PER_OUTPUT_BYTE),
        },
        utf16_lengths: HashMap::new(),
        literal_nulls: Vec::new(),
    };
    let mut text = String::new();
    renderer.nodes(&template.nodes, &mut text)?;
    Ok(Rendered {
        text,
        literal_nulls: renderer.literal_nulls,
    })
}

/// One running `#foreach`: what `$foreach` and `$velocityCount` read.
struct Loop {
    /// 0-based.
    index: usize,
    len: usize,
}

struct Renderer<'t> {
    text: &'t str,
    vars: HashMap<String, VValue>,
    loops: Vec<Loop>,
    limits: Limits,
    iterations: usize,
    /// Bytes of values copied so far (see [`charge`]).
    copied: usize,
    /// What methods, lookups and comparisons have scanned so far.
    work: Work,
    /// `$name.length()` of the variables whose length was asked, until
    /// they change: Java's `length()` costs nothing, ours counts UTF-16
    /// units, and `$rawResult.length()` in a loop would scan the reply
    /// on every turn.
    utf16_lengths: HashMap<String, usize>,
    /// The references that wrote their own text because they were null.
    literal_nulls: Vec<Range<usize>>,
}

/// Bytes of values one rendering may copy, as a multiple of the output
/// limit. A reference is a copy of its value here (Velocity's Java shares
/// it): `#set($l = [$l, $l])` doubles what the next reference copies, and a
/// 16 MiB `$rawResult` named in a loop copied terabytes. Past the budget
/// the rendering stops (R03) instead of growing or running without end.
const COPY_BUDGET_PER_OUTPUT_BYTE: usize = 32;

/// Bytes that methods, lookups and comparisons of one rendering may scan,
/// as a multiple of the output limit (1 GiB by default): a text's bytes
/// for each pass over it, and [`NODE_BYTES`] for each list item or map
/// entry visited. Java does the same work, but a method on a 16 MiB reply
/// called in a loop of 100,000 turns scans terabytes; past the budget the
/// rendering stops (R03). A second or so of work at most; a template that
/// scans its reply a few times, or searches lists of thousands of items,
/// uses a small part of it.
const WORK_BUDGET_PER_OUTPUT_BYTE: usize = 256;

/// The work of rendering one node, in the bytes of [`WORK_BUDGET_PER_OUTPUT_BYTE`]:
/// the budget lets a rendering visit some 130 million nodes, the most
/// iterations allowed over a body of a thousand nodes, in a second or two.
const NODE_WORK: usize = 8;

/// Deepest value a rendering builds: a list nested in itself a hundred
/// thousand times is walked recursively when copied, written or dropped.
const MAX_VALUE_DEPTH: usize = 256;

/// Count a copy of `value` against the budget, with `copied` bytes copied
/// before it; the bytes copied after it, or the limit it passes.
fn charge(
    value: &VValue,
    copied: usize,
    limits: &Limits,
    span: &Range<usize>,
) -> Result<usize, RenderError> {
    let budget = limits
        .max_output_bytes
        .saturating_mul(COPY_BUDGET_PER_OUTPUT_BYTE);
    let Some(measure) = value.measure_within(budget.saturating_sub(copied)) else {
        return Err(RenderError::Limit {
            what: "bytes of values copied",
            limit: budget,
            span: span.clone(),
        });
    };
    if measure.depth > MAX_VALUE_DEPTH {
        return Err(RenderError::Limit {
            what: "nesting of a value",
            limit: MAX_VALUE_DEPTH,
            span: span.clone(),
        });
    }
    Ok(copied + measure.bytes)
}

/// The work a rendering's methods, lookups and comparisons have done, in
/// bytes scanned (see [`WORK_BUDGET_PER_OUTPUT_BYTE`]).
pub(super) struct Work {
    done: usize,
    budget: usize,
}

impl Work {
    /// Count `bytes` more work, done or about to be done at `span`: past
    /// the budget, the limit.
    pub(super) fn spend(&mut self, bytes: usize, span: &Range<usize>) -> Result<(), RenderError> {
        self.done = self.done.saturating_add(bytes);
        if self.done > self.budget {
            return Err(RenderError::Limit {
                what: "work done (bytes scanned by methods and comparisons, 8 for each node rendered)",
                limit: self.budget,
                span: span.clone(),
            });
        }
        Ok(())
    }
}

impl Renderer<'_> {
    /// Set variable `name`, forgetting the length known of its old value.
    fn assign(&mut self, name: &str, value: VValue) {
        self.utf16_lengths.remove(name);
        self.vars.insert(name.to_owned(), value);
    }

    /// Count a value built by the rendering (a literal's copy, an
    /// interpolated text, a range, what a tool gives) against the copy
    /// budget, as a copy of a variable is.
    fn built(&mut self, value: VValue, span: &Range<usize>) -> Result<VValue, RenderError> {
        self.copied = charge(&value, self.copied, &self.limits, span)?;
        Ok(value)
    }

    /// A copy of variable `name`'s value, counted against the budget.
    fn copy_of(&mut self, name: &str, span: &Range<usize>) -> Result<VValue, RenderError> {
        let Some(value) = self.vars.get(name) else {
            return Ok(VValue::Null);
        };
        self.copied = charge(value, self.copied, &self.limits, span)?;
        Ok(value.clone())
    }

    fn check_size(&self, len: usize, span: &Range<usize>) -> Result<(), RenderError> {
        if len > self.limits.max_output_bytes {
            return Err(self.output_limit(span));
        }
        Ok(())
    }

    /// The output limit, reached at `span`.
    fn output_limit(&self, span: &Range<usize>) -> RenderError {
        RenderError::Limit {
            what: "output bytes",
            limit: self.limits.max_output_bytes,
            span: span.clone(),
        }
    }

    fn write(&self, out: &mut String, piece: &str, span: &Range<usize>) -> Result<(), RenderError> {
        self.check_size(out.len() + piece.len(), span)?;
        out.push_str(piece);
        Ok(())
    }

    fn nodes(&mut self, nodes: &[Node], out: &mut String) -> Result<(), RenderError> {
        for node in nodes {
            // Each node rendered is work too: a loop of 100,000 turns over
            // a body of 50,000 `#if`s does nothing else for minutes.
            self.work.spend(NODE_WORK, &node.span())?;
            match node {
                Node::Text { span } => self.write(out, &self.text[span.clone()], span)?,
                Node::Comment { .. } => {}
                Node::Unparsed { span, content } => {
                    self.write(out, &self.text[content.clone()], span)?
                }
                Node::Reference(reference) => self.reference_node(reference, out)?,
                Node::Set {
                    target,
                    value,
                    span,
                } => self.set(target, value, span)?,
                Node::If {
                    branches,
                    otherwise,
                    ..
                } => {
                    let mut chosen = otherwise.as_deref();
                    for (condition, body) in branches {
                        if self.condition(condition)? {
                            chosen = Some(body);
                            break;
                        }
                    }
                    if let Some(body) = chosen {
                        self.nodes(body, out)?;
                    }
                }
                Node::Foreach {
                    var,
                    iterable,
                    body,
                    span,
                } => self.foreach(var, iterable, body, span, out)?,
                Node::Unsupported { span, construct } => {
                    return Err(RenderError::Unsupported {
                        construct: construct.clone(),
                        span: span.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// A reference written to the output, with the backslashes before it: `n` of them write
    /// `n / 2`; an odd count escapes the reference (its text is written, and a null one keeps
    /// one more backslash), and a null reference that is not escaped writes its `n / 2`
    /// backslashes twice, as Velocity 1.7 does.
    fn reference_node(
        &mut self,
        reference: &Reference,
        out: &mut String,
    ) -> Result<(), RenderError> {
        let span = &reference.span;
        let literal = &self.text[span.clone()];
        let prefix = "\\".repeat(reference.backslashes / 2);
        let escaped = reference.backslashes % 2 == 1;
        // A variable named alone is written from where it is, not copied.
        let bare = (reference.accessors.is_empty())
            .then(|| self.vars.get(&reference.name))
            .flatten();
        let room = self.limits.max_output_bytes.saturating_sub(out.len());
        let shown = match bare {
            Some(value) => value.java_string_within(room),
            None => self.reference(reference)?.java_string_within(room),
        }
        .map_err(|_| self.output_limit(span))?;
        let piece = match (escaped, shown) {
            (true, Some(_)) => format!("{prefix}{literal}"),
            (true, None) => format!("{prefix}\\{literal}"),
            (false, Some(text)) => format!("{prefix}{text}"),
            (false, None) if reference.silent => format!("{prefix}{prefix}"),
            (false, None) => {
                self.literal_nulls.push(span.clone());
                format!("{prefix}{prefix}{literal}")
            }
        };
        self.write(out, &piece, span)
    }

    fn set(
        &mut self,
        target: &Reference,
        value: &Expr,
        span: &Range<usize>,
    ) -> Result<(), RenderError> {
        let value = self.expr(value)?;
        if matches!(value, VValue::Null) {
            // Velocity 1.7 leaves the target as it was when the value is null.
            return Ok(());
        }
        match target.accessors.as_slice() {
            [] => {
                self.assign(&target.name, value);
                Ok(())
            }
            [Accessor::Property { name, .. }] => {
                if let Some(VValue::Map(entries)) = self.vars.get_mut(&target.name) {
                    let at = tools::entry_position(entries, name, &mut self.work, span)?;
                    match at {
                        Some(at) => entries[at].1 = value,
                        None => entries.push((name.clone(), value)),
                    }
                    return Ok(());
                }
                Err(RenderError::Unsupported {
                    construct: "#set of a property of something not a map".into(),
                    span: span.clone(),
                })
            }
            _ => Err(RenderError::Unsupported {
                construct: "#set of a method call or index".into(),
                span: span.clone(),
            }),
        }
    }

    fn foreach(
        &mut self,
        var: &str,
        iterable: &Expr,
        body: &[Node],
        span: &Range<usize>,
        out: &mut String,
    ) -> Result<(), RenderError> {
        let items = match self.expr(iterable)? {
            VValue::List(items) => items,
            VValue::Map(entries) => entries.into_iter().map(|(_, v)| v).collect(),
            // Velocity 1.7 logs that the value is not iterable and writes nothing.
            _ => return Ok(()),
        };
        let saved = self.vars.remove(var);
        self.utf16_lengths.remove(var);
        self.loops.push(Loop {
            index: 0,
            len: items.len(),
        });
        let mut result = Ok(());
        for (index, item) in items.into_iter().enumerate() {
            self.iterations += 1;
            if self.iterations > self.limits.max_iterations {
                result = Err(RenderError::Limit {
                    what: "#foreach iterations",
                    limit: self.limits.max_iterations,
                    span: span.clone(),
                });
                break;
            }
            if let Some(current) = self.loops.last_mut() {
                current.index = index;
            }
            // A null element leaves the variable as it was, as #set does.
            if !matches!(item, VValue::Null) {
                self.assign(var, item);
            }
            result = self.nodes(body, out);
            if result.is_err() {
                break;
            }
        }
        self.loops.pop();
        self.utf16_lengths.remove(var);
        match saved {
            Some(value) => self.vars.insert(var.to_owned(), value),
            None => self.vars.remove(var),
        };
        result
    }

    /// A reference's value; null when any step of it is.
    fn reference(&mut self, reference: &Reference) -> Result<VValue, RenderError> {
        let mut accessors = reference.accessors.iter();
        let root = reference.name.as_str();
        let mut value = if let Some(root_value) = self.vars.get(root) {
            if matches!(root_value, VValue::Null) {
                return Ok(VValue::Null);
            }
            let Some(first) = accessors.next() else {
                return self.copy_of(root, &reference.span);
            };
            // The first step reads the variable where it is: its arguments
            // first, then the step, so that only what it gives is copied.
            let step = self.step_arguments(first)?;
            let Some(root_value) = self.vars.get(root) else {
                return Ok(VValue::Null);
            };
            let value = match (root_value, first, &step) {
                (VValue::String(s), Accessor::Method { name, .. }, Step::Method(args))
                    if name == "length" && args.is_empty() =>
                {
                    let length = match self.utf16_lengths.get(root) {
                        Some(length) => *length,
                        None => {
                            self.work.spend(s.len(), &reference.span)?;
                            let length = tools::utf16_len(s);
                            self.utf16_lengths.insert(root.to_owned(), length);
                            length
                        }
                    };
                    VValue::Int(i64::try_from(length).unwrap_or(i64::MAX))
                }
                _ => apply(root_value, first, step, &self.limits, &mut self.work)?,
            };
            self.copied = charge(&value, self.copied, &self.limits, &reference.span)?;
            value
        } else if root == "foreach" && !self.loops.is_empty() {
            let mut level = self.loops.len() - 1;
            loop {
                let Some(Accessor::Property { name, span }) = accessors.next() else {
                    return Err(unsupported("$foreach without a property", &reference.span));
                };
                if name == "parent" {
                    if level == 0 {
                        return Ok(VValue::Null);
                    }
                    level -= 1;
                    continue;
                }
                let current = &self.loops[level];
                break match name.as_str() {
                    "index" => VValue::Int(current.index as i64),
                    "count" => VValue::Int(current.index as i64 + 1),
                    "hasNext" => VValue::Bool(current.index + 1 < current.len),
                    "first" => VValue::Bool(current.index == 0),
                    "last" => VValue::Bool(current.index + 1 == current.len),
                    other => return Err(unsupported(&format!("$foreach.{other}"), span)),
                };
            }
        } else if root == "velocityCount" && !self.loops.is_empty() {
            VValue::Int(self.loops.last().map_or(0, |l| l.index as i64 + 1))
        } else if let Some(tool) = tools::Tool::named(root) {
            let Some(first) = accessors.next() else {
                return Err(unsupported(
                    &format!("${root} written as text"),
                    &reference.span,
                ));
            };
            match first {
                Accessor::Property { name, span } => tool.property(name, span)?,
                Accessor::Method { name, args, span } => {
                    let args = self.args(args)?;
                    let value = tool.call(name, &args, span, &self.limits, &mut self.work)?;
                    self.built(value, span)?
                }
                Accessor::Index { span, .. } => {
                    return Err(unsupported(&format!("${root}[...]"), span));
                }
            }
        } else {
            VValue::Null
        };
        for accessor in accessors {
            if matches!(value, VValue::Null) {
                return Ok(VValue::Null);
            }
            let step = self.step_arguments(accessor)?;
            value = apply(&value, accessor, step, &self.limits, &mut self.work)?;
            self.copied = charge(&value, self.copied, &self.limits, &reference.span)?;
        }
        Ok(value)
    }

    /// What a step of a reference needs evaluated before it is taken: a
    /// method's arguments, an index.
    fn step_arguments(&mut self, accessor: &Accessor) -> Result<Step, RenderError> {
        Ok(match accessor {
            Accessor::Property { .. } => Step::Property,
            Accessor::Method { args, .. } => Step::Method(self.args(args)?),
            Accessor::Index { index, .. } => Step::Index(self.expr(index)?),
        })
    }

    fn args(&mut self, args: &[Expr]) -> Result<Vec<VValue>, RenderError> {
        args.iter().map(|a| self.expr(a)).collect()
    }

    fn expr(&mut self, expr: &Expr) -> Result<VValue, RenderError> {
        Ok(match expr {
            Expr::Reference(r) => self.reference(r)?,
            Expr::Str { value, span } => self.built(VValue::String(value.clone()), span)?,
            Expr::Interpolated { nodes, span } => {
                let mut text = String::new();
                self.nodes(nodes, &mut text)?;
                // Held, it should take what it holds: `"${s}a"` would keep
                // the room for twice `$s` that pushing the `a` made.
                text.shrink_to_fit();
                self.built(VValue::String(text), span)?
            }
            Expr::Int(i, _) => VValue::Int(*i),
            Expr::Float(f, _) => VValue::Float(*f),
            Expr::Bool(b, _) => VValue::Bool(*b),
            Expr::List(items, span) => {
                let list = VValue::List(self.args(items)?);
                self.copied = charge(&list, self.copied, &self.limits, span)?;
                list
            }
            Expr::Range(from, to, span) => {
                let (Some(from), Some(to)) =
                    (range_end(&self.expr(from)?), range_end(&self.expr(to)?))
                else {
                    return Ok(VValue::Null);
                };
                let len = usize::try_from(from.abs_diff(to))
                    .unwrap_or(usize::MAX)
                    .saturating_add(1);
                if len > self.limits.max_iterations {
                    return Err(RenderError::Limit {
                        what: "range length",
                        limit: self.limits.max_iterations,
                        span: span.clone(),
                    });
                }
                let items: Vec<VValue> = if from <= to {
                    (from..=to).map(VValue::Int).collect()
                } else {
                    (to..=from).rev().map(VValue::Int).collect()
                };
                self.built(VValue::List(items), span)?
            }
            Expr::Map(entries, span) => {
                let mut map: Vec<(String, VValue)> = Vec::new();
                for (k, v) in entries {
                    let key = self.expr(k)?.java_string().unwrap_or_else(|| "null".into());
                    let value = self.expr(v)?;
                    match tools::entry_position(&map, &key, &mut self.work, span)? {
                        Some(at) => map[at].1 = value,
                        None => map.push((key, value)),
                    }
                }
                let map = VValue::Map(map);
                self.copied = charge(&map, self.copied, &self.limits, span)?;
                map
            }
            Expr::Not(inner, _) => VValue::Bool(!self.condition(inner)?),
            Expr::Binary(op, left, right, span) => self.binary(*op, left, right, span)?,
        })
    }

    /// An expression as a condition, as Velocity 1.7's `evaluate` sees it: a reference by its
    /// value's truth, `true`/`false`, `!`, `&&`, `||` and comparisons by their result, and every
    /// other literal or arithmetic (`#if(1)`, `#if("x")`, `#if($a + 1)`) false.
    fn condition(&mut self, expr: &Expr) -> Result<bool, RenderError> {
        Ok(match expr {
            // A variable named alone is judged where it is, not copied.
            Expr::Reference(r) if r.accessors.is_empty() && self.vars.contains_key(&r.name) => {
                self.vars.get(&r.name).is_some_and(VValue::truthy)
            }
            Expr::Reference(r) => self.reference(r)?.truthy(),
            Expr::Bool(b, _) => *b,
            Expr::Not(..) | Expr::Binary(_, _, _, _) if !is_arithmetic(expr) => {
                self.expr(expr)?.truthy()
            }
            // Not evaluated at all, so a method in it is not called either.
            _ => false,
        })
    }

    fn binary(
        &mut self,
        op: BinOp,
        left: &Expr,
        right: &Expr,
        span: &Range<usize>,
    ) -> Result<VValue, RenderError> {
        match op {
            BinOp::And => {
                let value = self.condition(left)? && self.condition(right)?;
                return Ok(VValue::Bool(value));
            }
            BinOp::Or => {
                let value = self.condition(left)? || self.condition(right)?;
                return Ok(VValue::Bool(value));
            }
            _ => {}
        }
        let l = self.expr(left)?;
        let r = self.expr(right)?;
        Ok(match op {
            BinOp::Eq | BinOp::Ne => {
                let mut scanned = 0;
                let equal = loose_equals(&l, &r, &mut scanned);
                self.work.spend(scanned, span)?;
                VValue::Bool(equal == (op == BinOp::Eq))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (Some(a), Some(b)) = (l.number(), r.number()) else {
                    return Ok(VValue::Bool(false));
                };
                let ordering = compare(a, b);
                VValue::Bool(match op {
                    BinOp::Lt => ordering.is_lt(),
                    BinOp::Le => ordering.is_le(),
                    BinOp::Gt => ordering.is_gt(),
                    _ => ordering.is_ge(),
                })
            }
            BinOp::Add if matches!(l, VValue::String(_)) || matches!(r, VValue::String(_)) => {
                // Velocity 1.7 joins the texts, a null side by its own source text.
                let side = |v: &VValue, e: &Expr| {
                    v.java_string()
                        .unwrap_or_else(|| self.text[e.span()].to_owned())
                };
                let joined = side(&l, left) + &side(&r, right);
                self.check_size(joined.len(), span)?;
                self.built(VValue::String(joined), span)?
            }
            _ => {
                let (Some(a), Some(b)) = (l.number(), r.number()) else {
                    return Ok(VValue::Null);
                };
                arithmetic(op, a, b, span)?
            }
        })
    }
}

/// A step of a reference with what it needs evaluated.
enum Step {
    Property,
    Method(Vec<VValue>),
    Index(VValue),
}

/// Take one step of a reference from `value`.
fn apply(
    value: &VValue,
    accessor: &Accessor,
    step: Step,
    limits: &Limits,
    work: &mut Work,
) -> Result<VValue, RenderError> {
    match (accessor, step) {
        (Accessor::Property { name, span }, _) => tools::property(value, name, span, work),
        (Accessor::Method { name, span, .. }, Step::Method(args)) => {
            tools::method(value, name, &args, span, limits, work)
        }
        (Accessor::Index { span, .. }, Step::Index(index)) => {
            tools::index(value, &index, span, work)
        }
        (Accessor::Method { span, .. } | Accessor::Index { span, .. }, _) => {
            Err(unsupported("a step without its arguments", span))
        }
    }
}

fn is_arithmetic(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Binary(
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod,
            ..
        )
    )
}

fn unsupported(construct: &str, span: &Range<usize>) -> RenderError {
    RenderError::Unsupported {
        construct: construct.to_owned(),
        span: span.clone(),
    }
}

/// A range's end: an integer, a decimal's integer part; anything else makes the range null.
fn range_end(value: &VValue) -> Option<i64> {
    match value {
        VValue::Int(i) => Some(*i),
        #[allow(clippy::cast_possible_truncation)] // Java's intValue() truncates too
        VValue::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        _ => None,
    }
}

fn compare(a: Num, b: Num) -> std::cmp::Ordering {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x.cmp(&y),
        _ => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
    }
}

/// Velocity 1.7's `==`: two nulls are equal, a null equals nothing else, numbers compare by
/// value, values of one class by Java `equals`, values of different classes by their text.
/// Adds what the comparison scanned to `scanned` (see [`java_equals`]).
pub(super) fn loose_equals(l: &VValue, r: &VValue, scanned: &mut usize) -> bool {
    match (l, r) {
        (VValue::Null, VValue::Null) => true,
        (VValue::Null, _) | (_, VValue::Null) => false,
        _ => {
            if let (Some(a), Some(b)) = (l.number(), r.number()) {
                return compare(a, b).is_eq();
            }
            if std::mem::discriminant(l) == std::mem::discriminant(r) {
                return java_equals(l, r, scanned);
            }
            let (l, r) = (l.java_string(), r.java_string());
            let bytes = |text: &Option<String>| text.as_ref().map_or(0, String::len);
            *scanned = scanned.saturating_add(bytes(&l).saturating_add(bytes(&r)));
            l == r
        }
    }
}

/// Java's `equals`: an `Integer` never equals a `Double`; lists and maps compare element-wise.
/// Adds what it scanned to `scanned`: [`NODE_BYTES`] for each value visited, and the bytes of
/// the texts compared.
pub(super) fn java_equals(l: &VValue, r: &VValue, scanned: &mut usize) -> bool {
    *scanned = scanned.saturating_add(NODE_BYTES);
    match (l, r) {
        (VValue::Int(a), VValue::Int(b)) => {
            a == b && (i32::try_from(*a).is_ok() == i32::try_from(*b).is_ok())
        }
        (VValue::Float(a), VValue::Float(b)) => a.to_bits() == b.to_bits() || (a == b && *a != 0.0),
        (VValue::String(a), VValue::String(b)) => texts_equal(a, b, scanned),
        (VValue::List(a), VValue::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| java_equals(x, y, scanned))
        }
        (VValue::Map(a), VValue::Map(b)) => a.len() == b.len() && maps_equal(a, b, scanned),
        _ => l == r,
    }
}

/// Two texts are equal; only texts of one length are compared byte by byte.
fn texts_equal(a: &str, b: &str, scanned: &mut usize) -> bool {
    if a.len() != b.len() {
        return false;
    }
    *scanned = scanned.saturating_add(a.len());
    a == b
}

/// `AbstractMap.equals` of two maps of one size, whose keys are each
/// once in a map: every entry of `a` is in `b` with an equal value. Maps
/// with their keys in one order (two copies of a map) are compared side
/// by side; others through an index of `b`, so that comparing maps of
/// 100,000 entries is not 10^10 steps.
fn maps_equal(a: &[(String, VValue)], b: &[(String, VValue)], scanned: &mut usize) -> bool {
    let same_order = a
        .iter()
        .zip(b)
        .all(|((ka, _), (kb, _))| texts_equal(ka, kb, scanned));
    if same_order {
        return a
            .iter()
            .zip(b)
            .all(|((_, va), (_, vb))| java_equals(va, vb, scanned));
    }
    let mut index: HashMap<&str, &VValue> = HashMap::with_capacity(b.len());
    for (key, value) in b {
        *scanned = scanned.saturating_add(NODE_BYTES + key.len());
        index.entry(key).or_insert(value);
    }
    a.iter().all(|(key, value)| {
        *scanned = scanned.saturating_add(NODE_BYTES + key.len());
        index
            .get(key.as_str())
            .is_some_and(|other| java_equals(value, other, scanned))
    })
}

/// `+ - * / %` on numbers, as Velocity 1.7's MathUtils: integers stay integers (widened on
/// overflow), a decimal side makes a decimal, division or remainder by zero is null.
fn arithmetic(op: BinOp, a: Num, b: Num, span: &Range<usize>) -> Result<VValue, RenderError> {
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let result = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            BinOp::Div if y == 0 => return Ok(VValue::Null),
            BinOp::Div => x.checked_div(y),
            BinOp::Mod if y == 0 => return Ok(VValue::Null),
            _ => x.checked_rem(y),
        };
        return result
            .map(VValue::Int)
            .ok_or_else(|| unsupported("integer arithmetic beyond 64 bits (BigInteger)", span));
    }
    let (x, y) = (a.as_f64(), b.as_f64());
    Ok(match op {
        BinOp::Add => Num::Float(x + y).value(),
        BinOp::Sub => Num::Float(x - y).value(),
        BinOp::Mul => Num::Float(x * y).value(),
        BinOp::Div if y == 0.0 => VValue::Null,
        BinOp::Div => Num::Float(x / y).value(),
        BinOp::Mod if y == 0.0 => VValue::Null,
        _ => Num::Float(x % y).value(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Context, Limits, RenderError, Template, VValue};

    fn render(text: &str) -> Result<String, RenderError> {
        let mut context = Context::new();
        context.insert("x", VValue::Int(1));
        context.insert("s", VValue::String("say \"hi\"/é".into()));
        context.insert("l", VValue::List(vec![VValue::Int(1), VValue::Int(2)]));
        context.insert(
            "m",
            VValue::Map(vec![("k".into(), VValue::String("v".into()))]),
        );
        context.insert("n", VValue::Null);
        Template::parse(text)
            .expect("parses")
            .render(&context, &Limits::default())
    }

    fn ok(text: &str) -> String {
        render(text).expect("renders")
    }

    /// `text` rendered with a 64 KiB output limit (a copy budget of 2 MiB,
    /// a work budget of 16 MiB) over `$big`, a text of 64 KiB, and `$map`,
    /// a map of 2,000 entries.
    fn render_small(text: &str) -> Result<String, RenderError> {
        let mut context = Context::new();
        context.insert("big", VValue::String("x".repeat(1 << 16)));
        let entries = (0..2000).map(|i| (format!("k{i}"), VValue::Int(i)));
        context.insert("map", VValue::Map(entries.collect()));
        let limits = Limits {
            max_output_bytes: 1 << 16,
            max_iterations: 100_000,
        };
        Template::parse(text)
            .expect("parses")
            .render(&context, &limits)
    }

    fn limit_of(result: Result<String, RenderError>) -> &'static str {
        match result {
            Err(RenderError::Limit { what, .. }) => what,
            other => panic!("not a limit: {other:?}"),
        }
    }

    #[test]
    fn methods_stop_at_the_work_budget() {
        let scanning = [
            // 2,000 searches of 64 KiB: 128 MiB scanned.
            "#foreach($i in [1..2000])#set($n = $big.indexOf('Z'))#end",
            "#foreach($i in [1..2000])#set($n = $big.lastIndexOf('Z'))#end",
            "#foreach($i in [1..2000])#if($big.contains('Z'))#end#end",
            // A search of a list of 2,000 items 2,000 times: 4,000,000 items.
            "#set($l = [1..2000])#foreach($i in $l)#if($l.contains(-1))#end#end",
            "#set($l = [1..2000])#foreach($i in $l)#set($n = $l.indexOf(-1))#end",
            "#foreach($i in [1..2000])#if($big.isBlank())#end#end",
            // A look-up of a key not in a map of 2,000 entries 2,000 times.
            "#foreach($i in [1..2000])#set($n = $map.get('z'))#end",
            "#foreach($i in [1..2000])#if($map.z)#end#end",
        ];
        for template in scanning {
            assert_eq!(
                limit_of(render_small(template)),
                "work done (bytes scanned by methods and comparisons, 8 for each node rendered)",
                "{template}"
            );
        }
        // The length of a variable is counted once until it changes, as
        // Java's costs nothing; and the answer follows the new value.
        assert_eq!(
            render_small(
                "#foreach($i in [1..20000])#set($n = $big.length())#end$n|\
                 #set($big = 'é😀')$big.length()"
            )
            .expect("renders"),
            "65536|3"
        );
        assert_eq!(
            render_small("#foreach($s in ['ab', 'é😀'])$s.length()#end").expect("renders"),
            "23"
        );
    }

    #[test]
    fn built_texts_lists_and_copies_count_against_the_copy_budget() {
        // A 32 KiB text built by doubling, then copied by interpolation
        // 80 times: 2.5 MiB held, past the 2 MiB budget.
        let doubled = "#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..11])#set($s = \"$s$s\")#end";
        for copy in ["\"$s\"", "\"${s}\"", "\"${s}a\"", "$s.toString()"] {
            let template = doubled.to_owned()
                + &(0..80)
                    .map(|i| format!("#set($x{i} = {copy})"))
                    .collect::<String>();
            assert_eq!(
                limit_of(render_small(&template)),
                "bytes of values copied",
                "{copy}"
            );
        }
        // Ranges of 1,000 numbers held in 100 variables: 3.2 MB.
        let ranges: String = (0..100)
            .map(|i| format!("#set($r{i} = [1..1000])"))
            .collect();
        assert_eq!(limit_of(render_small(&ranges)), "bytes of values copied");
    }

    #[test]
    fn the_references_written_as_their_own_text_are_reported() {
        let t = Template::parse("{\"a\": \"${u}\", \"b\": $!w, \"c\": $x, \"d\": \\$v}")
            .expect("parses");
        let rendered = t
            .render_traced(&Context::new(), &Limits::default())
            .expect("renders");
        let texts: Vec<_> = rendered
            .literal_nulls
            .iter()
            .map(|s| &t.text()[s.clone()])
            .collect();
        assert_eq!(texts, ["${u}", "$x"]);
    }

    #[test]
    fn null_references_write_their_own_text_unless_silent() {
        assert_eq!(
            ok("$u ${u} $!u $!{u} $n $m.zz ${m.get('zz')}|"),
            "$u ${u}   $n $m.zz ${m.get('zz')}|"
        );
    }

    #[test]
    fn backslashes_escape_as_velocity_counts_them() {
        assert_eq!(ok(r"\$x \\$x \\\$x"), r"$x \1 \$x");
        assert_eq!(ok(r"\$u \\$u \\\$u"), r"\$u \\$u \\$u");
        assert_eq!(ok(r"\\$!u|\\\$!u"), r"\\|\\$!u");
    }

    #[test]
    fn directives_take_their_line_break_and_set_its_leading_blanks() {
        assert_eq!(ok("a\n  #set($a = 1)  \nb"), "a\n  b");
        assert_eq!(ok("  #set($a = 1) $a"), " 1");
        assert_eq!(ok("#if(true)\nyes\n#else\nno\n#end\nz"), "yes\nz");
        assert_eq!(ok("#if(true)  #end|"), "  |");
        assert_eq!(ok("$x #set($a = 1)|# #set($b = 2)|"), "1||");
    }

    #[test]
    fn a_comment_right_after_a_property_is_text() {
        assert_eq!(ok("$m.k## c\ny"), "v## c\ny");
        assert_eq!(ok("$x## c\ny"), "1y");
    }

    #[test]
    fn conditions_follow_velocity_17() {
        // Literals and arithmetic are false as conditions; "" and 0 as references are true.
        assert_eq!(
            ok("#if(1)a#end#if('')b#end#if(1 + 1)c#end#if(!1)d#end#set($e = '')#if($e)e#end"),
            "de"
        );
        assert_eq!(
            ok("#if($x == '1')a#end#if($u == $n)b#end#if($l == '[1, 2]')c#end#if('a' < 'b')d#end"),
            "abc"
        );
    }

    #[test]
    fn arithmetic_follows_java() {
        assert_eq!(
            ok("#set($a = 5 / 2)$a #set($a = 5.0 / 2)$a #set($a = -7 % 3)$a #set($a = 1 + 'a')$a"),
            "22.5-11a" // the blank after a reference goes with the #set
        );
        // Division by zero and a null operand are null, and #set keeps the old value.
        assert_eq!(
            ok("#set($a = 1)#set($a = 1 / 0)$a #set($a = $u)$a #set($b = 'a' + $u)$b"),
            "11a$u"
        );
    }

    #[test]
    fn foreach_counts_and_restores_its_variable() {
        assert_eq!(
            ok(
                "#set($i = 9)#foreach($i in $l)$i:$foreach.count:$velocityCount#if($foreach.hasNext),#end#end $i"
            ),
            "1:1:1,2:2:2 9"
        );
        assert_eq!(
            ok("#foreach($v in $m)$v#end#foreach($c in $s)$c#end[#foreach($i in [3..1])$i#end]"),
            "v[321]"
        );
    }

    #[test]
    fn tools_escape_and_compute_as_velocity_tools_do() {
        assert_eq!(ok("$esc.jsonString($s)"), r#"say \"hi\"\/\u00E9"#);
        assert_eq!(
            ok("$esc.java($s)|$esc.url('a b&é')|$esc.xml('<é>')"),
            r#"say \"hi\"/\u00E9|a+b%26%C3%A9|&lt;&#233;&gt;"#
        );
        assert_eq!(
            ok(
                "$math.add(1, 2) $math.div(5, 2) $math.add('1,000', 1) $math.round(2.5) $math.roundTo(2, 3.14159) $math.max(-4, -20)"
            ),
            "3 2.5 1001 2 3.14 4.9E-324"
        );
        assert_eq!(
            ok(
                "$successTemplateUtils.firstFromArray('[{\"a\": 1}, 2]', 'd') $successTemplateUtils.firstFromArray('[]', 'd')"
            ),
            "{\"a\":1} d"
        );
    }

    #[test]
    fn methods_follow_java_and_unknown_ones_are_refused_or_null() {
        assert_eq!(
            ok(
                "$s.length() $l.size() $m.get('k') $l[-1] $s.substring(0, 3).toUpperCase() $m.keySet() $s.nothing()"
            ),
            "10 2 v 2 SAY [k] $s.nothing()"
        );
        assert!(matches!(
            render("$l.get(5)"),
            Err(RenderError::Method { .. })
        ));
        assert!(
            matches!(render("$s.split(',')"), Err(RenderError::Unsupported { construct, .. }) if construct.starts_with("String.split"))
        );
        assert!(matches!(
            render("$esc.velocity($s)"),
            Err(RenderError::Unsupported { .. })
        ));
    }
}
