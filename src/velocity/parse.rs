//! The parser: a recursive descent over the template's bytes whose depth is capped by
//! [`MAX_DEPTH`], so that no template can overflow the stack. Where Velocity 1.7 treats text
//! that looks like syntax as text (`#foo`, `$1`, `${ x}`), so does this parser; where 1.7 throws
//! a `ParseErrorException` (`${x`, a stray `#end`, `#[[` unclosed), this one returns a
//! [`ParseError`].

use std::ops::Range;

use super::{Accessor, BinOp, Expr, MAX_DEPTH, MAX_TEMPLATE_BYTES, Node, ParseError, Reference};

/// Most binary operators in one chain and the chains around it: far more
/// than a template writes, and few enough that evaluating the chain, which
/// recurses once per operator, cannot overflow the stack.
const MAX_OPERATORS: usize = 512;

/// Parses a whole template.
pub(super) fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(ParseError {
            offset: MAX_TEMPLATE_BYTES,
            message: format!("the template is longer than {MAX_TEMPLATE_BYTES} bytes"),
        });
    }
    let mut parser = Parser {
        src: text,
        b: text.as_bytes(),
        pos: 0,
        end: text.len(),
        depth: 0,
        operators: 0,
        after_property: false,
    };
    let (nodes, stop) = parser.block()?;
    match stop {
        Stop::Eof => Ok(nodes),
        Stop::Else(span) | Stop::ElseIf(_, span) | Stop::End(span) => Err(ParseError {
            offset: span.start,
            message: "a directive without its #if or #foreach".into(),
        }),
    }
}

/// Why a block of nodes ended.
enum Stop {
    Eof,
    Else(Range<usize>),
    ElseIf(Expr, Range<usize>),
    End(Range<usize>),
}

/// The directives the subset knows; any other `#name` is text, as in Velocity 1.7 without
/// macros.
const DIRECTIVES: &[&str] = &[
    "set", "if", "elseif", "else", "end", "foreach", "break", "stop", "macro", "include", "parse",
    "evaluate", "define",
];

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Where the text being parsed ends: the template's end, or an interpolated string's
    /// closing quote.
    end: usize,
    depth: usize,
    /// Binary operators on the way to where the parser is: those of the
    /// chains it is inside, so far. A chain is a tree nested as deep as it
    /// is long (`1+1+…+1`), which evaluating and dropping walk recursively.
    operators: usize,
    /// Whether the last reference written in the text ended in a property (`$a.b`), with only
    /// directives since: Velocity 1.7 then reads a `##` as text, not a comment.
    after_property: bool,
}

/// `$a.b`: Velocity 1.7 reads a `##` right after it as text, not a comment.
fn ends_in_property(reference: &Reference) -> bool {
    !reference.formal && matches!(reference.accessors.last(), Some(Accessor::Property { .. }))
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl<'a> Parser<'a> {
    fn err<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            offset,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.b[self.pos])
    }

    fn at(&self, i: usize) -> Option<u8> {
        (i < self.end).then(|| self.b[i])
    }

    fn starts(&self, i: usize, s: &str) -> bool {
        i + s.len() <= self.end && &self.b[i..i + s.len()] == s.as_bytes()
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(self.pos, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn ident_end(&self, start: usize) -> Option<usize> {
        if !self.at(start).is_some_and(is_ident_start) {
            return None;
        }
        let mut i = start + 1;
        while self.at(i).is_some_and(is_ident) {
            i += 1;
        }
        Some(i)
    }

    /// Nodes up to the end of the text or the `#else`, `#elseif` or `#end` that closes them.
    fn block(&mut self) -> Result<(Vec<Node>, Stop), ParseError> {
        self.enter()?;
        let mut nodes = Vec::new();
        let mut text_start = self.pos;
        let flush = |nodes: &mut Vec<Node>, from: usize, to: usize| {
            if to > from {
                nodes.push(Node::Text { span: from..to });
            }
        };
        // Where Velocity 1.7's current text token starts, and the lone `$`, `$!` or `#` token
        // right before it: they decide what a `#set` takes with it (see `set_cut`).
        let mut token_start = self.pos;
        let mut lone: Option<usize> = None;
        // Whether the last thing was a `$a.b` (through any `#set` or `#[[ ]]#` after it):
        // Velocity 1.7 then reads a `##` as text, not a comment.
        let mut property_end: Option<usize> = None;
        while let Some(c) = self.peek() {
            let here = self.pos;
            let mut found: Option<Reference> = None;
            match c {
                b'\\' => {
                    let mut i = here;
                    while self.at(i) == Some(b'\\') {
                        i += 1;
                    }
                    let count = i - here;
                    if self.at(i) == Some(b'$') {
                        if let Some(mut reference) = self.reference_at(i)? {
                            reference.backslashes = count;
                            found = Some(reference);
                        }
                    } else if self.at(i) == Some(b'#') && self.directive_name(i).is_some() {
                        flush(&mut nodes, text_start, here);
                        let (name, after) = self.directive_name(i).unwrap_or_default();
                        self.pos = after;
                        nodes.push(Node::Unsupported {
                            span: here..after,
                            construct: format!("escaped #{name}"),
                        });
                        text_start = self.pos;
                        continue;
                    }
                    if found.is_none() {
                        self.pos = i;
                        token_start = i;
                        lone = None;
                    }
                }
                b'$' => {
                    if let Some(reference) = self.reference_at(here)? {
                        found = Some(reference);
                    } else {
                        let after = here + 1 + usize::from(self.at(here + 1) == Some(b'!'));
                        if self.at(after) == Some(b'#')
                            && (self.directive_name(after).is_some() || self.starts(after, "#*"))
                        {
                            // Velocity 1.7 drops a `$` (or `$!`) right before a directive or a
                            // block comment.
                            flush(&mut nodes, text_start, here);
                            text_start = after;
                        }
                        self.pos = after;
                        token_start = after;
                        lone = Some(here);
                    }
                }
                b'#' => {
                    // A nested block's own state stays inside it.
                    let outer_property = self.after_property;
                    if let Some(node_or_stop) = self.hash(here)? {
                        self.after_property = outer_property;
                        // Velocity 1.7's `#set` token takes the blanks before it when nothing
                        // else of the text comes before them (at the start, after a directive,
                        // a reference, a comment or backslashes).
                        let mut cut = here;
                        if matches!(&node_or_stop, Ok(Node::Set { .. })) {
                            let from = token_start.max(text_start);
                            if self.b[from..here].iter().all(|c| matches!(c, b' ' | b'\t')) {
                                // ... and a lone `$`, `$!` or `#` before those blanks too.
                                cut = lone.filter(|&l| l >= text_start).unwrap_or(from);
                                self.after_property |= property_end == Some(from);
                            }
                        }
                        flush(&mut nodes, text_start, cut);
                        // A directive or block keeps the state a `$a.b` before it left.
                        match node_or_stop {
                            Ok(node) => nodes.push(node),
                            Err(stop) => {
                                self.leave();
                                return Ok((nodes, stop));
                            }
                        }
                        text_start = self.pos;
                        token_start = self.pos;
                        lone = None;
                        // Directives and blocks keep the state a `$a.b` before them left.
                        self.comment_as_text();
                    } else {
                        if here + 1 == self.end {
                            return self.err(here, "a `#` at the end of the text");
                        }
                        // A `#` and the word after it (`#b`, `#1`) are a token of their own.
                        self.pos += 1;
                        while self
                            .peek()
                            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                        {
                            self.pos += 1;
                        }
                        token_start = self.pos;
                        lone = (self.pos == here + 1).then_some(here);
                        self.after_property = false;
                    }
                }
                _ => {
                    self.pos += 1;
                    self.after_property = false;
                    if !matches!(c, b' ' | b'\t') {
                        property_end = None;
                    }
                }
            }
            if let Some(reference) = found {
                flush(&mut nodes, text_start, here);
                self.after_property = ends_in_property(&reference);
                property_end = self.after_property.then_some(self.pos);
                nodes.push(Node::Reference(reference));
                text_start = self.pos;
                self.comment_as_text();
                token_start = self.pos;
                lone = None;
            }
        }
        flush(&mut nodes, text_start, self.pos);
        self.leave();
        Ok((nodes, Stop::Eof))
    }

    /// The directive named at `i` (a `#`): its name and where the name ends, `#{name}` or
    /// `#name`.
    fn directive_name(&self, i: usize) -> Option<(&'a str, usize)> {
        let braced = self.at(i + 1) == Some(b'{');
        let start = i + 1 + usize::from(braced);
        let mut end = start;
        while self.at(end).is_some_and(|c| c.is_ascii_alphabetic()) {
            end += 1;
        }
        let name = &self.src[start..end];
        if !DIRECTIVES.contains(&name) {
            return None;
        }
        if braced {
            return (self.at(end) == Some(b'}')).then_some((name, end + 1));
        }
        // `#elsewhere` is text, not `#else` followed by `where`.
        if self.at(end).is_some_and(is_ident) {
            return None;
        }
        Some((name, end))
    }

    /// What starts with the `#` at `here`: `None` when it is text, a node, or the stop of the
    /// enclosing block.
    fn hash(&mut self, here: usize) -> Result<Option<Result<Node, Stop>>, ParseError> {
        if self.starts(here, "##") {
            let mut i = here + 2;
            while i < self.end && self.b[i] != b'\n' {
                i += 1;
            }
            self.pos = (i + 1).min(self.end);
            return Ok(Some(Ok(Node::Comment {
                span: here..self.pos,
            })));
        }
        if self.starts(here, "#*") {
            // Velocity 1.7 lets an unclosed block comment run to the end of the text.
            let close = self.src[here + 2..self.end]
                .find("*#")
                .map(|i| here + 2 + i + 2);
            self.pos = close.unwrap_or(self.end);
            return Ok(Some(Ok(Node::Comment {
                span: here..self.pos,
            })));
        }
        if self.starts(here, "#[[") {
            let Some(close) = self.src[here + 3..self.end].find("]]#") else {
                return self.err(here, "#[[ without its ]]#");
            };
            let content = here + 3..here + 3 + close;
            self.pos = content.end + 3;
            return Ok(Some(Ok(Node::Unparsed {
                span: here..self.pos,
                content,
            })));
        }
        let Some((name, after)) = self.directive_name(here) else {
            return Ok(None);
        };
        self.pos = after;
        match name {
            "end" => {
                self.eat_line_end();
                Ok(Some(Err(Stop::End(here..after))))
            }
            "else" => {
                self.eat_line_end();
                Ok(Some(Err(Stop::Else(here..after))))
            }
            "elseif" => {
                let condition = self.directive_args(here, "#elseif", |p| p.expr())?;
                Ok(Some(Err(Stop::ElseIf(condition, here..self.pos))))
            }
            "set" => {
                let (target, value) = self.directive_args(here, "#set", |p| {
                    let at = p.pos;
                    let target = match p.reference_at(at)? {
                        Some(r) if !r.silent => r,
                        _ => return p.err(at, "#set needs a reference to assign to"),
                    };
                    p.space();
                    if p.peek() != Some(b'=') {
                        return p.err(p.pos, "#set needs `=`");
                    }
                    p.pos += 1;
                    Ok((target, p.expr()?))
                })?;
                Ok(Some(Ok(Node::Set {
                    span: here..self.pos,
                    target,
                    value,
                })))
            }
            "if" => {
                let condition = self.directive_args(here, "#if", |p| p.expr())?;
                let mut branches = Vec::new();
                let mut current = condition;
                let mut otherwise = None;
                loop {
                    let (body, stop) = self.block()?;
                    branches.push((current, body));
                    match stop {
                        Stop::ElseIf(next, _) => current = next,
                        Stop::Else(_) => {
                            let (body, stop) = self.block()?;
                            otherwise = Some(body);
                            if !matches!(stop, Stop::End(_)) {
                                return self.err(here, "#if without its #end");
                            }
                            break;
                        }
                        Stop::End(_) => break,
                        Stop::Eof => return self.err(here, "#if without its #end"),
                    }
                }
                Ok(Some(Ok(Node::If {
                    span: here..self.pos,
                    branches,
                    otherwise,
                })))
            }
            "foreach" => {
                let (var, iterable) = self.directive_args(here, "#foreach", |p| {
                    let at = p.pos;
                    let var = match p.reference_at(at)? {
                        Some(r) if r.accessors.is_empty() && !r.silent && !r.formal => r.name,
                        _ => return p.err(at, "#foreach needs a variable"),
                    };
                    p.space();
                    if !p.starts(p.pos, "in") || p.at(p.pos + 2).is_some_and(is_ident) {
                        return p.err(p.pos, "#foreach needs `in`");
                    }
                    p.pos += 2;
                    Ok((var, p.expr()?))
                })?;
                let (body, stop) = self.block()?;
                if !matches!(stop, Stop::End(_)) {
                    return self.err(here, "#foreach without its #end");
                }
                Ok(Some(Ok(Node::Foreach {
                    span: here..self.pos,
                    var,
                    iterable,
                    body,
                })))
            }
            "macro" | "define" => {
                // Parsed to their #end so that the rest of the template still parses.
                self.skip_args(here)?;
                let (_, stop) = self.block()?;
                if !matches!(stop, Stop::End(_)) {
                    return self.err(here, format!("#{name} without its #end"));
                }
                Ok(Some(Ok(Node::Unsupported {
                    span: here..self.pos,
                    construct: format!("#{name}"),
                })))
            }
            "include" | "parse" | "evaluate" => {
                self.skip_args(here)?;
                Ok(Some(Ok(Node::Unsupported {
                    span: here..self.pos,
                    construct: format!("#{name}"),
                })))
            }
            _ => Ok(Some(Ok(Node::Unsupported {
                span: here..after,
                construct: format!("#{name}"),
            }))),
        }
    }

    /// `( ... )` after a directive's name, parsed by `inner`; then the rest of the line when
    /// only blanks and a line break follow, which Velocity 1.7 drops.
    fn directive_args<T>(
        &mut self,
        here: usize,
        name: &str,
        inner: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        self.blanks();
        if self.peek() != Some(b'(') {
            return self.err(here, format!("{name} needs `(`"));
        }
        self.pos += 1;
        self.space();
        let value = inner(self)?;
        self.close(b')', self.pos, format!("{name}: expected `)`"))?;
        self.eat_line_end();
        Ok(value)
    }

    /// Skips the balanced parentheses of a directive the subset leaves out.
    fn skip_args(&mut self, here: usize) -> Result<(), ParseError> {
        self.blanks();
        if self.peek() != Some(b'(') {
            return Ok(());
        }
        let mut level = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => level += 1,
                b')' => {
                    level -= 1;
                    if level == 0 {
                        self.eat_line_end();
                        return Ok(());
                    }
                }
                b'"' | b'\'' => {
                    while self.peek().is_some_and(|q| q != c) {
                        self.pos += 1;
                    }
                    self.pos = (self.pos + 1).min(self.end);
                }
                _ => {}
            }
        }
        self.err(here, "a directive without its `)`")
    }

    /// Blanks then one line break, dropped together, as Velocity 1.7 drops them after a
    /// directive; blanks alone stay.
    fn eat_line_end(&mut self) {
        let mut i = self.pos;
        while matches!(self.at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        match self.at(i) {
            Some(b'\n') => self.pos = i + 1,
            Some(b'\r') => {
                self.pos = if self.at(i + 1) == Some(b'\n') {
                    i + 2
                } else {
                    i + 1
                }
            }
            _ => {}
        }
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// The reference whose `$` is at `i`, or `None` when the `$` is text. Leaves `pos` after
    /// the reference.
    fn reference_at(&mut self, i: usize) -> Result<Option<Reference>, ParseError> {
        let mut j = i + 1;
        let silent = self.at(j) == Some(b'!');
        j += usize::from(silent);
        let formal = self.at(j) == Some(b'{');
        j += usize::from(formal);
        let Some(name_end) = self.ident_end(j) else {
            // Velocity 1.7 fails on a `$` or `$!` that ends the text.
            if !formal && j >= self.end {
                return self.err(i, "a `$` at the end of the text");
            }
            return Ok(None);
        };
        self.enter()?;
        let name = self.src[j..name_end].to_owned();
        self.pos = name_end;
        let mut accessors = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') => {
                    let start = self.pos + 1;
                    let Some(end) = self.ident_end(start) else {
                        break;
                    };
                    let name = self.src[start..end].to_owned();
                    self.pos = end;
                    if self.peek() == Some(b'(') {
                        self.pos += 1;
                        let args = self.args(start)?;
                        accessors.push(Accessor::Method {
                            name,
                            args,
                            span: start..self.pos,
                        });
                    } else {
                        accessors.push(Accessor::Property {
                            name,
                            span: start..end,
                        });
                    }
                }
                Some(b'#') if !formal && self.starts(self.pos, "#*") => {
                    // A block comment between a reference and `[` is invisible to Velocity
                    // 1.7: the `[` is read as an index.
                    let Some(close) = self.src[self.pos + 2..self.end].find("*#") else {
                        break;
                    };
                    let after = self.pos + 2 + close + 2;
                    if self.at(after) != Some(b'[') {
                        break;
                    }
                    self.pos = after;
                }
                Some(b'[') => {
                    let start = self.pos;
                    self.pos += 1;
                    self.space();
                    let index = self.expr()?;
                    self.close(b']', self.pos, "an index without its `]`")?;
                    accessors.push(Accessor::Index {
                        index: Box::new(index),
                        span: start..self.pos,
                    });
                }
                _ => break,
            }
        }
        if formal {
            if self.peek() != Some(b'}') {
                return self.err(self.pos, "a formal reference without its `}`");
            }
            self.pos += 1;
        }
        self.leave();
        Ok(Some(Reference {
            span: i..self.pos,
            name,
            formal,
            silent,
            accessors,
            backslashes: 0,
        }))
    }

    /// A method's arguments after its `(`, up to and including the `)`.
    fn args(&mut self, start: usize) -> Result<Vec<Expr>, ParseError> {
        let mut args = Vec::new();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            self.space();
            if self.peek() == Some(b')') {
                // Velocity 1.7 refuses `( )` and a trailing comma alike.
                return self.err(self.pos, "an empty argument");
            }
            args.push(self.expr()?);
            self.space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    return Ok(args);
                }
                _ => return self.err(start, "a method call without its `)`"),
            }
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let e = self.binary(0);
        self.leave();
        e
    }

    /// The operator at `pos` of precedence `level` (0 lowest), and its length.
    fn operator(&self, level: usize) -> Option<(BinOp, usize)> {
        let table: &[(&str, BinOp)] = match level {
            0 => &[("||", BinOp::Or), ("or", BinOp::Or)],
            1 => &[("&&", BinOp::And), ("and", BinOp::And)],
            2 => &[
                ("==", BinOp::Eq),
                ("!=", BinOp::Ne),
                ("eq", BinOp::Eq),
                ("ne", BinOp::Ne),
            ],
            3 => &[
                ("<=", BinOp::Le),
                (">=", BinOp::Ge),
                ("<", BinOp::Lt),
                (">", BinOp::Gt),
                ("le", BinOp::Le),
                ("ge", BinOp::Ge),
                ("lt", BinOp::Lt),
                ("gt", BinOp::Gt),
            ],
            4 => &[("+", BinOp::Add), ("-", BinOp::Sub)],
            _ => &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Mod)],
        };
        table.iter().find_map(|(text, op)| {
            let word = text.as_bytes()[0].is_ascii_alphabetic();
            let fits = self.starts(self.pos, text)
                && !(word && self.at(self.pos + text.len()).is_some_and(is_ident));
            fits.then_some((*op, text.len()))
        })
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ParseError> {
        if level > 5 {
            return self.unary();
        }
        let start = self.pos;
        let mut left = self.binary(level + 1)?;
        let outer = self.operators;
        let chain = loop {
            self.space();
            let Some((op, len)) = self.operator(level) else {
                break Ok(left);
            };
            self.operators += 1;
            if self.operators > MAX_OPERATORS {
                break self.err(
                    self.pos,
                    format!("more than {MAX_OPERATORS} operators in a row or nested"),
                );
            }
            self.pos += len;
            self.space();
            let right = match self.binary(level + 1) {
                Ok(right) => right,
                Err(error) => break Err(error),
            };
            left = Expr::Binary(op, Box::new(left), Box::new(right), start..self.pos);
        };
        self.operators = outer;
        chain
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.space();
        let start = self.pos;
        let not_word = self.starts(start, "not") && !self.at(start + 3).is_some_and(is_ident);
        if self.peek() == Some(b'!') || not_word {
            self.pos += if not_word { 3 } else { 1 };
            self.enter()?;
            let operand = self.unary();
            self.leave();
            return Ok(Expr::Not(Box::new(operand?), start..self.pos));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.space();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return self.err(start, "an expression was expected");
        };
        match c {
            b'$' => match self.reference_at(start)? {
                Some(r) => Ok(Expr::Reference(r)),
                None => self.err(start, "a reference was expected"),
            },
            b'(' => {
                self.pos += 1;
                let inner = self.expr()?;
                self.close(b')', start, "`(` without its `)`")?;
                Ok(inner)
            }
            b'\'' | b'"' => {
                let Some(len) = self.src[start + 1..self.end].find(c as char) else {
                    return self.err(start, "a string without its closing quote");
                };
                let content = start + 1..start + 1 + len;
                self.pos = content.end + 1;
                let span = start..self.pos;
                if c == b'\'' {
                    return Ok(Expr::Str {
                        value: self.src[content].to_owned(),
                        span,
                    });
                }
                let mut inner = Parser {
                    src: self.src,
                    b: self.b,
                    pos: content.start,
                    end: content.end,
                    depth: self.depth,
                    operators: self.operators,
                    after_property: false,
                };
                let (nodes, stop) = inner.block()?;
                if !matches!(stop, Stop::Eof) {
                    return self.err(start, "a directive without its #if or #foreach in a string");
                }
                Ok(Expr::Interpolated { nodes, span })
            }
            b'[' => self.list(start),
            b'{' => self.map(start),
            b'-' | b'0'..=b'9' => self.number(start),
            _ => {
                for (word, value) in [("true", true), ("false", false)] {
                    if self.starts(start, word)
                        && !self.at(start + word.len()).is_some_and(is_ident)
                    {
                        self.pos += word.len();
                        return Ok(Expr::Bool(value, start..self.pos));
                    }
                }
                self.err(start, "an expression was expected")
            }
        }
    }

    fn number(&mut self, start: usize) -> Result<Expr, ParseError> {
        let mut i = start + usize::from(self.at(start) == Some(b'-'));
        let digits = i;
        while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == digits {
            return self.err(start, "a number was expected");
        }
        let decimal =
            self.at(i) == Some(b'.') && self.at(i + 1).is_some_and(|c| c.is_ascii_digit());
        if decimal {
            i += 1;
            while self.at(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
        }
        self.pos = i;
        let text = &self.src[start..i];
        if decimal {
            let value = text.parse::<f64>().map_err(|_| ParseError {
                offset: start,
                message: "a bad number".into(),
            })?;
            return Ok(Expr::Float(value, start..i));
        }
        match text.parse::<i64>() {
            Ok(value) => Ok(Expr::Int(value, start..i)),
            Err(_) => self.err(start, "an integer out of range"),
        }
    }

    /// Steps over a `##` that Velocity 1.7 reads as text, not a comment: right after a `$a.b`
    /// (and any directives after it).
    fn comment_as_text(&mut self) {
        if self.after_property && self.starts(self.pos, "##") {
            self.pos += 2;
            self.after_property = false;
        }
    }

    /// Blanks, then the closing `c`, stepped over; a parse error at `at` when it is not there.
    fn close(&mut self, c: u8, at: usize, message: impl Into<String>) -> Result<(), ParseError> {
        self.space();
        if self.peek() != Some(c) {
            return self.err(at, message);
        }
        self.pos += 1;
        Ok(())
    }

    /// Enters a list or map literal at its opening bracket; true when it is empty (and then
    /// already closed and left).
    fn open_literal(&mut self, close: u8) -> Result<bool, ParseError> {
        self.enter()?;
        self.pos += 1;
        self.space();
        if self.peek() == Some(close) {
            self.pos += 1;
            self.leave();
            return Ok(true);
        }
        Ok(false)
    }

    fn list(&mut self, start: usize) -> Result<Expr, ParseError> {
        let mut items = Vec::new();
        if self.open_literal(b']')? {
            return Ok(Expr::List(items, start..self.pos));
        }
        let first = self.expr()?;
        self.space();
        if self.starts(self.pos, "..") {
            self.pos += 2;
            let last = self.expr()?;
            self.close(b']', start, "a range without its `]`")?;
            self.leave();
            return Ok(Expr::Range(
                Box::new(first),
                Box::new(last),
                start..self.pos,
            ));
        }
        items.push(first);
        loop {
            self.space();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    items.push(self.expr()?);
                }
                Some(b']') => {
                    self.pos += 1;
                    self.leave();
                    return Ok(Expr::List(items, start..self.pos));
                }
                _ => return self.err(start, "a list without its `]`"),
            }
        }
    }

    fn map(&mut self, start: usize) -> Result<Expr, ParseError> {
        let mut entries = Vec::new();
        if self.open_literal(b'}')? {
            return Ok(Expr::Map(entries, start..self.pos));
        }
        loop {
            let key = self.expr()?;
            self.close(b':', self.pos, "a map entry without `:`")?;
            let value = self.expr()?;
            entries.push((key, value));
            self.space();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.space();
                }
                Some(b'}') => {
                    self.pos += 1;
                    self.leave();
                    return Ok(Expr::Map(entries, start..self.pos));
                }
                _ => return self.err(start, "a map without its `}`"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Node, Template};

    fn kinds(text: &str) -> Vec<&'static str> {
        Template::parse(text)
            .expect("parses")
            .nodes
            .iter()
            .map(|n| match n {
                Node::Text { .. } => "text",
                Node::Reference(_) => "ref",
                Node::Set { .. } => "set",
                Node::If { .. } => "if",
                Node::Foreach { .. } => "foreach",
                Node::Comment { .. } => "comment",
                Node::Unparsed { .. } => "unparsed",
                Node::Unsupported { .. } => "unsupported",
            })
            .collect()
    }

    #[test]
    fn references_of_every_form() {
        let t = Template::parse(r#"{"a": "$x", "b": ${y.z}, "c": "$!{w.get('k')}", "d": $!v[0]}"#)
            .expect("parses");
        let refs: Vec<_> = t
            .references()
            .map(|r| (r.name.as_str(), r.formal, r.silent, r.accessors.len()))
            .collect();
        assert_eq!(
            refs,
            [
                ("x", false, false, 0),
                ("y", true, false, 1),
                ("w", true, true, 1),
                ("v", false, true, 1)
            ]
        );
        assert_eq!(
            &t.text()[t.references().nth(1).expect("y").span.clone()],
            "${y.z}"
        );
    }

    #[test]
    fn text_that_only_looks_like_syntax_stays_text() {
        assert_eq!(kinds("$1 $ ${ x} #foo #foo( $ ) a#b $-x"), ["text"]);
        assert_eq!(kinds("$x.1"), ["ref", "text"]);
    }

    #[test]
    fn directives_nest_and_close() {
        assert_eq!(
            kinds("#set($a = 1)#if($a == 1)x#elseif($b)y#else z#end#foreach($i in [1..3])$i#end"),
            ["set", "if", "foreach"]
        );
        assert_eq!(
            kinds("## c\n#* b *#a#[[ $x ]]#"),
            ["comment", "comment", "text", "unparsed"]
        );
        assert_eq!(kinds("#{if}(true)a#{else}b#{end}"), ["if"]);
    }

    #[test]
    fn references_inside_directives_and_arguments_are_listed_in_order() {
        let t = Template::parse(r#"#if($a && $b.c($d, "$e"))$f#end"#).expect("parses");
        let names: Vec<_> = t.references().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "d", "e", "f"]);
    }

    #[test]
    fn malformed_templates_are_parse_errors_at_their_offset() {
        for (text, offset) in [
            ("a ${x", 5),
            ("a #end", 2),
            ("#if($x)a", 0),
            ("#[[ a", 0),
            ("$x[", 3),
            ("#set($a 1)", 8),
        ] {
            let e = Template::parse(text).expect_err(text);
            assert_eq!(e.offset, offset, "{text}: {e}");
        }
    }

    #[test]
    fn unsupported_directives_are_nodes_not_errors() {
        assert_eq!(
            kinds("#macro(m $a)x#end#include('a')#parse('b')#stop"),
            ["unsupported", "unsupported", "unsupported", "unsupported"]
        );
    }

    #[test]
    fn depth_is_capped() {
        let deep = "#if(true)".repeat(10_000) + &"#end".repeat(10_000);
        let e = Template::parse(&deep).expect_err("too deep");
        assert!(e.message.contains("nested"), "{e}");
        let parens =
            "#set($a = ".to_owned() + &"(".repeat(100_000) + "1" + &")".repeat(100_000) + ")";
        assert!(Template::parse(&parens).is_err());
        let lists = "#set($a = ".to_owned() + &"[".repeat(100_000) + ")";
        assert!(Template::parse(&lists).is_err());
        let nots = "#if(".to_owned() + &"!".repeat(100_000) + "true)#end";
        assert!(Template::parse(&nots).is_err());
        for op in ["+", "&&", "==", "+\"a\"+"] {
            let chain = "#set($x = 1".to_owned() + &format!("{op}1").repeat(50_000) + ")";
            let e = Template::parse(&chain).expect_err("too many operators");
            assert!(e.message.contains("operators"), "{e}");
        }
        let long = "#set($x = 1".to_owned() + &"+1".repeat(500) + ")$x";
        assert!(Template::parse(&long).is_ok());
    }

    #[test]
    fn oversized_templates_are_refused() {
        let huge = "a".repeat(super::MAX_TEMPLATE_BYTES + 1);
        assert!(Template::parse(&huge).is_err());
    }
}
