//! The path and filter compilers, read the way Jayway's `PathCompiler` and
//! `FilterCompiler` read: the same token order, the same end-of-token
//! rules, the same quirks where they decide what a path means (a property
//! name runs to the next `.`, `[` or `(`; a filter's path runs to an operator
//! character or a space). Loops instead of Jayway's recursion from token to
//! token, and a nesting counter where filters hold paths.

use super::{MAX_NESTING, MAX_REGEX_BYTES, ParseError};
use regex::Regex;
use serde_json::Value;

/// A compiled path: its root and its tokens.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    /// `$` (the document) or `@` (the current item of a filter).
    pub root_is_document: bool,
    pub tokens: Vec<Token>,
}

/// One step of a path.
#[derive(Debug, Clone)]
pub(crate) enum Token {
    /// `.name` or `['a','b']`: one name, or several.
    Property(Vec<String>),
    /// `[0]`, `[-1]`, `[0,2]`.
    Index(Vec<i32>),
    /// `[1:3]`, `[:-1]`, `[-2:]` (a step is read and ignored, as Jayway does).
    Slice { from: Option<i32>, to: Option<i32> },
    /// `*` or `[*]`.
    Wildcard,
    /// `..`
    Scan,
    /// `[?(...)]`
    Filter(Box<Expr>),
    /// `.name(...)` at the end of the path.
    Function(Function, Vec<Param>),
}

/// The functions Jayway 2.9 has that dapa evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Length,
    Min,
    Max,
    Avg,
    Sum,
    Stddev,
    Keys,
    First,
    Last,
    Index,
}

/// A function's argument.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Path(Path),
    Literal(Value),
}

/// A filter expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// A path alone: true when it exists (or, after `!`, when it does not).
    Exists {
        path: Path,
        should_exist: bool,
    },
    Compare {
        left: Operand,
        op: Op,
        right: Operand,
    },
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(Path),
    Str(String),
    Number(String),
    Bool(bool),
    Null,
    Json(Value),
    Pattern(Box<Regex>),
}

/// A relational operator of Jayway's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    TypeSafeEq,
    Ne,
    TypeSafeNe,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
    In,
    Nin,
    Contains,
    All,
    Size,
    Empty,
    SubsetOf,
    AnyOf,
    NoneOf,
}

impl Path {
    /// Jayway's `isDefinite`: every token selects at most one value. A list
    /// of names is definite only as the last token (it is then merged into
    /// one object).
    pub fn is_definite(&self) -> bool {
        let last = self.tokens.len().saturating_sub(1);
        self.tokens
            .iter()
            .enumerate()
            .all(|(i, token)| token_is_definite(token, i == last))
    }
}

/// Whether one token selects at most one value.
pub(crate) fn token_is_definite(token: &Token, is_leaf: bool) -> bool {
    match token {
        Token::Property(names) => names.len() == 1 || is_leaf,
        Token::Index(indexes) => indexes.len() == 1,
        Token::Function(..) => true,
        Token::Slice { .. } | Token::Wildcard | Token::Scan | Token::Filter(_) => false,
    }
}

/// The characters of a text with their byte offsets in the caller's path, so
/// that errors inside a filter's path still point into the whole path.
#[derive(Clone, Copy)]
struct Text<'a> {
    chars: &'a [char],
    offsets: &'a [usize],
    end_offset: usize,
}

impl<'a> Text<'a> {
    fn len(&self) -> usize {
        self.chars.len()
    }
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }
    fn offset(&self, i: usize) -> usize {
        self.offsets.get(i).copied().unwrap_or(self.end_offset)
    }
    fn slice(&self, from: usize, to: usize) -> Text<'a> {
        let to = to.min(self.len());
        let from = from.min(to);
        Text {
            chars: &self.chars[from..to],
            offsets: &self.offsets[from..to],
            end_offset: self.offset(to),
        }
    }
    fn string(&self, from: usize, to: usize) -> String {
        self.chars[from.min(self.len())..to.min(self.len())]
            .iter()
            .collect()
    }
    /// Java's `String.trim`: everything up to and including a space.
    fn trimmed(&self) -> Text<'a> {
        let mut from = 0;
        let mut to = self.len();
        while from < to && self.chars[from] <= ' ' {
            from += 1;
        }
        while to > from && self.chars[to - 1] <= ' ' {
            to -= 1;
        }
        self.slice(from, to)
    }
    fn error(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.offset(at),
            message: message.into(),
        }
    }
    /// The index of the next character after `from` that is not a space.
    fn next_significant(&self, from: usize) -> Option<usize> {
        (from + 1..self.len()).find(|&i| self.chars[i] != ' ')
    }
    /// The next `c` after `from` that no backslash escapes.
    fn next_unescaped(&self, from: usize, c: char) -> Option<usize> {
        let mut escaped = false;
        for i in from + 1..self.len() {
            let here = self.chars[i];
            if escaped {
                escaped = false;
            } else if here == '\\' {
                escaped = true;
            } else if here == c {
                return Some(i);
            }
        }
        None
    }
    /// The bracket closing the one at `open`, skipping quoted strings (and
    /// regular expressions when asked), as Jayway's `CharacterIndex` does.
    fn matching_close(&self, open: usize, close: char, skip_regex: bool) -> Option<usize> {
        let opener = self.chars[open];
        let mut depth = 1usize;
        let mut i = open + 1;
        while i < self.len() {
            let c = self.chars[i];
            if c == '\'' || c == '"' {
                i = self.next_unescaped(i, c)? + 1;
                continue;
            }
            if skip_regex && c == '/' {
                i = self.next_unescaped(i, '/')? + 1;
                continue;
            }
            if c == opener {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            i += 1;
        }
        None
    }
}

/// Compiles a whole path text.
pub(crate) fn compile(text: &str) -> Result<Path, ParseError> {
    let (chars, offsets): (Vec<char>, Vec<usize>) =
        text.char_indices().map(|(at, c)| (c, at)).unzip();
    let whole = Text {
        chars: &chars,
        offsets: &offsets,
        end_offset: text.len(),
    };
    compile_text(whole, 0)
}

/// Compiles a path (also a path inside a filter) at a nesting depth.
fn compile_text(text: Text<'_>, depth: usize) -> Result<Path, ParseError> {
    if depth > MAX_NESTING {
        return Err(text.error(
            0,
            format!("filters nested deeper than {MAX_NESTING} levels"),
        ));
    }
    let text = text.trimmed();
    if text.len() == 0 {
        return Err(text.error(0, "path is empty"));
    }
    // Jayway reads a path without a root as `$.` followed by it.
    let (chars, offsets);
    let text = if text.chars[0] != '$' && text.chars[0] != '@' {
        chars = ['$', '.']
            .iter()
            .chain(text.chars)
            .copied()
            .collect::<Vec<_>>();
        let first = text.offset(0);
        offsets = [first, first]
            .iter()
            .chain(text.offsets)
            .copied()
            .collect::<Vec<_>>();
        Text {
            chars: &chars,
            offsets: &offsets,
            end_offset: text.end_offset,
        }
    } else {
        text
    };
    if text.chars[text.len() - 1] == '.' {
        return Err(text.error(text.len() - 1, "path must not end with '.' or '..'"));
    }
    PathReader {
        text,
        pos: 0,
        depth,
    }
    .read()
}

struct PathReader<'a> {
    text: Text<'a>,
    pos: usize,
    depth: usize,
}

impl PathReader<'_> {
    fn current(&self) -> Option<char> {
        self.text.at(self.pos)
    }
    /// Jayway's `currentIsTail`: at or past the last character (so a single
    /// character left after a token is not read, as in Jayway).
    fn at_tail(&self) -> bool {
        self.pos + 1 >= self.text.len()
    }
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(self.text.error(self.pos, message))
    }

    fn read(mut self) -> Result<Path, ParseError> {
        let root_is_document = self.current() == Some('$');
        let mut tokens = Vec::new();
        if self.at_tail() {
            return Ok(Path {
                root_is_document,
                tokens,
            });
        }
        self.pos += 1;
        if !matches!(self.current(), Some('.' | '[')) {
            return self.fail("expected '.' or '[' after the root");
        }
        loop {
            match self.current() {
                Some('[') => self.read_bracket(&mut tokens)?,
                Some('.') => {
                    if self.text.at(self.pos + 1) == Some('.') {
                        tokens.push(Token::Scan);
                        self.pos += 2;
                    } else if self.pos + 1 >= self.text.len() {
                        return self.fail("path must not end with '.'");
                    } else {
                        self.pos += 1;
                    }
                    if self.current() == Some('.') {
                        return self.fail("'.' is not valid here");
                    }
                    // A dot is followed by a token at once, without the tail check.
                    continue;
                }
                Some('*') => {
                    self.pos += 1;
                    tokens.push(Token::Wildcard);
                }
                _ => self.read_property_or_function(&mut tokens)?,
            }
            if matches!(tokens.last(), Some(Token::Function(..))) && !self.at_end() {
                return self.fail("dapa evaluates a function only at the end of a path");
            }
            if self.at_tail() {
                return Ok(Path {
                    root_is_document,
                    tokens,
                });
            }
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn read_property_or_function(&mut self, tokens: &mut Vec<Token>) -> Result<(), ParseError> {
        if matches!(self.current(), None | Some('[' | '*' | '.' | ' ')) {
            return self.fail("expected a property name");
        }
        let start = self.pos;
        let mut end = self.text.len();
        let mut is_function = false;
        for i in start..self.text.len() {
            match self.text.chars[i] {
                ' ' => {
                    return Err(self.text.error(
                        i,
                        "a property name with a space needs bracket notation ['my prop']",
                    ));
                }
                '.' | '[' => {
                    end = i;
                    break;
                }
                '(' => {
                    is_function = true;
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let name = self.text.string(start, end);
        if !is_function {
            self.pos = end;
            tokens.push(Token::Property(vec![name]));
            return Ok(());
        }
        let Some(close) = self.text.matching_close(end, ')', false) else {
            return Err(self
                .text
                .error(end, format!("arguments to function {name} are not closed")));
        };
        let function = match name.as_str() {
            "length" | "size" => Function::Length,
            "min" => Function::Min,
            "max" => Function::Max,
            "avg" => Function::Avg,
            "sum" => Function::Sum,
            "stddev" => Function::Stddev,
            "keys" => Function::Keys,
            "first" => Function::First,
            "last" => Function::Last,
            "index" => Function::Index,
            _ => {
                return Err(self.text.error(
                    start,
                    format!("function {name}() is not one dapa evaluates"),
                ));
            }
        };
        let params = read_params(self.text.slice(end + 1, close), self.depth)?;
        self.pos = close + 1;
        tokens.push(Token::Function(function, params));
        Ok(())
    }

    fn read_bracket(&mut self, tokens: &mut Vec<Token>) -> Result<(), ParseError> {
        let next = self
            .text
            .next_significant(self.pos)
            .map(|i| self.text.chars[i]);
        match next {
            Some('\'' | '"') => self.read_bracket_property(tokens),
            Some(c) if c.is_ascii_digit() || c == '-' || c == ':' => {
                if self.read_array(tokens)? {
                    Ok(())
                } else {
                    self.fail("could not parse the token; expected ?, ', 0-9 or *")
                }
            }
            Some('*') => {
                let star = self.text.next_significant(self.pos).unwrap_or(self.pos);
                let Some(close) = self
                    .text
                    .next_significant(star)
                    .filter(|&i| self.text.chars[i] == ']')
                else {
                    return Err(self
                        .text
                        .error(star + 1, "expected the wildcard to end with ']'"));
                };
                self.pos = close + 1;
                tokens.push(Token::Wildcard);
                Ok(())
            }
            Some('?') => self.read_filter(tokens),
            _ => self.fail("could not parse the token; expected ?, ', 0-9 or *"),
        }
    }

    fn read_bracket_property(&mut self, tokens: &mut Vec<Token>) -> Result<(), ParseError> {
        let quote_at = self.text.next_significant(self.pos).unwrap_or(self.pos);
        let quote = self.text.chars[quote_at];
        let mut names = Vec::new();
        let mut start = self.pos + 1;
        let mut end = 0;
        let mut in_name = false;
        let mut escaped = false;
        let mut after_comma = false;
        let mut i = self.pos + 1;
        while i < self.text.len() {
            let c = self.text.chars[i];
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == ']' && !in_name {
                if after_comma {
                    return Err(self.text.error(i, "empty property name"));
                }
                break;
            } else if c == quote {
                if in_name {
                    let next = self.text.next_significant(i).map(|j| self.text.chars[j]);
                    if next != Some(']') && next != Some(',') {
                        return Err(self
                            .text
                            .error(i, "a quoted property must be followed by ',' or ']'"));
                    }
                    end = i;
                    names.push(unescape(&self.text.string(start, end)));
                    in_name = false;
                } else {
                    start = i + 1;
                    in_name = true;
                    after_comma = false;
                }
            } else if c == ',' && !in_name {
                if after_comma {
                    return Err(self.text.error(i, "empty property name"));
                }
                after_comma = true;
            }
            i += 1;
        }
        if in_name {
            return self.fail(format!("property not closed: missing {quote}"));
        }
        let Some(close) = self
            .text
            .next_significant(end)
            .filter(|&j| self.text.chars[j] == ']')
        else {
            return self.fail("property not closed: missing ]");
        };
        self.pos = close + 1;
        tokens.push(Token::Property(names));
        Ok(())
    }

    /// `[0]`, `[0,1]`, `[1:3]`: false when the brackets hold something else,
    /// so that the caller tries the other bracket tokens as Jayway does.
    fn read_array(&mut self, tokens: &mut Vec<Token>) -> Result<bool, ParseError> {
        let begin = self.pos + 1;
        let Some(close) = (begin..self.text.len()).find(|&i| self.text.chars[i] == ']') else {
            return Ok(false);
        };
        let inner = self.text.slice(begin, close).trimmed();
        let expression: String = inner.chars.iter().collect();
        if expression == "*"
            || !expression
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | '-' | ':' | ' '))
        {
            return Ok(false);
        }
        let error = |message: String| self.text.error(begin, message);
        let token = if expression.contains(':') {
            if expression.contains([' ', ',']) {
                return Err(error(format!("cannot parse the slice {expression}")));
            }
            let mut parts: Vec<&str> = expression.split(':').collect();
            // Java's split drops trailing empty parts.
            while parts.last() == Some(&"") {
                parts.pop();
            }
            let read = |i: usize| -> Result<Option<i32>, ParseError> {
                match parts.get(i) {
                    None | Some(&"") => Ok(None),
                    Some(part) => part
                        .parse::<i32>()
                        .map(Some)
                        .map_err(|_| error(format!("slice bound {part} is not a 32-bit integer"))),
                }
            };
            let (from, to) = (read(0)?, read(1)?);
            if from.is_none() && to.is_none() {
                return Err(error(format!("cannot parse the slice {expression}")));
            }
            Token::Slice { from, to }
        } else {
            let mut indexes = Vec::new();
            for part in expression.split(',') {
                let part = part.trim_matches(' ');
                indexes.push(
                    part.parse::<i32>()
                        .map_err(|_| error(format!("index {part} is not a 32-bit integer")))?,
                );
            }
            Token::Index(indexes)
        };
        self.pos = close + 1;
        tokens.push(token);
        Ok(true)
    }

    fn read_filter(&mut self, tokens: &mut Vec<Token>) -> Result<(), ParseError> {
        let text = self.text;
        let not_filter =
            |reader: &Self| reader.fail("could not parse the filter; expected [?(...)]");
        let Some(question) = text.next_significant(self.pos) else {
            return not_filter(self);
        };
        let Some(open) = text
            .next_significant(question)
            .filter(|&i| text.chars[i] == '(')
        else {
            return not_filter(self);
        };
        let Some(close) = text.matching_close(open, ')', true) else {
            return not_filter(self);
        };
        let Some(end) = text
            .next_significant(close)
            .filter(|&i| text.chars[i] == ']')
        else {
            return not_filter(self);
        };
        let inner = text.slice(open + 1, close).trimmed();
        let expr = FilterReader {
            text: inner,
            pos: 0,
            depth: self.depth + 1,
        }
        .compile()?;
        self.pos = end + 1;
        tokens.push(Token::Filter(Box::new(expr)));
        Ok(())
    }
}

/// A function's arguments: paths (`$` or `@`) and JSON literals, split at
/// top-level commas.
fn read_params(text: Text<'_>, depth: usize) -> Result<Vec<Param>, ParseError> {
    let mut params = Vec::new();
    let mut start = 0;
    let mut level = 0i32;
    let mut i = 0;
    while i <= text.len() {
        let c = text.at(i);
        match c {
            Some('\'' | '"') => {
                let quote = c.unwrap_or('"');
                i = text.next_unescaped(i, quote).unwrap_or(text.len());
            }
            Some('(' | '[' | '{') => level += 1,
            Some(')' | ']' | '}') => level -= 1,
            Some(',') if level == 0 => {
                params.push(read_param(text.slice(start, i), depth)?);
                start = i + 1;
            }
            None => {
                let last = text.slice(start, i).trimmed();
                if last.len() > 0 || !params.is_empty() {
                    params.push(read_param(last, depth)?);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(params)
}

fn read_param(text: Text<'_>, depth: usize) -> Result<Param, ParseError> {
    let text = text.trimmed();
    match text.at(0) {
        Some('$' | '@') => Ok(Param::Path(compile_text(text, depth + 1)?)),
        _ => {
            let literal: String = text.chars.iter().collect();
            json_literal(&literal).map(Param::Literal).ok_or_else(|| {
                text.error(0, format!("argument {literal} is neither a path nor JSON"))
            })
        }
    }
}

/// A JSON literal as json-smart's permissive mode reads it: JSON, or JSON
/// with single-quoted strings.
fn json_literal(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    let mut converted = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                    converted.push(c);
                } else if c == '\\' {
                    escaped = true;
                    converted.push(c);
                } else if c == q {
                    quote = None;
                    converted.push('"');
                } else if c == '"' {
                    converted.push_str("\\\"");
                } else {
                    converted.push(c);
                }
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    converted.push('"');
                } else {
                    converted.push(c);
                }
            }
        }
    }
    serde_json::from_str(&converted).ok()
}

/// Java-style unescaping of a quoted name or string literal, as Jayway's
/// `Utils.unescape`: `\uXXXX`, the usual letters, and any other escaped
/// character as itself.
pub(crate) fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let unit = u32::from_str_radix(&hex, 16).ok();
                // A lone surrogate cannot be a Rust char; it becomes U+FFFD.
                out.push(unit.and_then(char::from_u32).unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

struct FilterReader<'a> {
    text: Text<'a>,
    pos: usize,
    depth: usize,
}

impl FilterReader<'_> {
    fn current(&self) -> Option<char> {
        self.text.at(self.pos)
    }
    fn skip_blanks(&mut self) {
        while self.current() == Some(' ') {
            self.pos += 1;
        }
    }
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(self.text.error(self.pos, message))
    }
    /// Reads `word` after blanks, or leaves the position where it was.
    fn eat(&mut self, word: &str) -> bool {
        let save = self.pos;
        self.skip_blanks();
        let len = word.chars().count();
        if self.pos + len <= self.text.len() && self.text.string(self.pos, self.pos + len) == word {
            self.pos += len;
            return true;
        }
        self.pos = save;
        false
    }

    fn compile(mut self) -> Result<Expr, ParseError> {
        let expr = self.read_or()?;
        self.skip_blanks();
        if self.pos < self.text.len() {
            return self.fail("expected the end of the filter expression");
        }
        Ok(expr)
    }

    fn read_or(&mut self) -> Result<Expr, ParseError> {
        let mut ops = vec![self.read_and()?];
        while self.eat("||") {
            ops.push(self.read_and()?);
        }
        Ok(if ops.len() == 1 {
            ops.remove(0)
        } else {
            Expr::Or(ops)
        })
    }

    fn read_and(&mut self) -> Result<Expr, ParseError> {
        let mut ops = vec![self.read_and_operand()?];
        while self.eat("&&") {
            ops.push(self.read_and_operand()?);
        }
        Ok(if ops.len() == 1 {
            ops.remove(0)
        } else {
            Expr::And(ops)
        })
    }

    fn nested(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.fail(format!("filter nested deeper than {MAX_NESTING} levels"));
        }
        Ok(())
    }

    fn read_and_operand(&mut self) -> Result<Expr, ParseError> {
        self.skip_blanks();
        if self.current() == Some('!') {
            let save = self.pos;
            self.pos += 1;
            self.skip_blanks();
            if matches!(self.current(), Some('$' | '@')) {
                // `!@.x` is read by the expression: a path that must not exist.
                self.pos = save;
            } else {
                self.nested()?;
                let inner = self.read_and_operand()?;
                self.depth -= 1;
                return Ok(Expr::Not(Box::new(inner)));
            }
        }
        self.skip_blanks();
        if self.current() == Some('(') {
            self.nested()?;
            self.pos += 1;
            let inner = self.read_or()?;
            self.skip_blanks();
            if self.current() != Some(')') {
                return self.fail("expected ')'");
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(inner);
        }
        self.read_expression()
    }

    fn read_expression(&mut self) -> Result<Expr, ParseError> {
        let left = self.read_value()?;
        let save = self.pos;
        if let Some(op) = self.read_operator() {
            let right = self.read_value()?;
            return Ok(Expr::Compare {
                left: left.0,
                op,
                right: right.0,
            });
        }
        self.pos = save;
        match left {
            (Operand::Path(path), should_exist) => Ok(Expr::Exists { path, should_exist }),
            _ => self.fail("expected a path before this point"),
        }
    }

    fn read_operator(&mut self) -> Option<Op> {
        self.skip_blanks();
        let begin = self.pos;
        let is_op_char = |c: char| matches!(c, '<' | '>' | '=' | '~' | '!');
        if self.current().is_some_and(is_op_char) {
            while self.current().is_some_and(is_op_char) {
                self.pos += 1;
            }
        } else {
            while self.current().is_some_and(|c| c != ' ') {
                self.pos += 1;
            }
        }
        let word = self.text.string(begin, self.pos).to_ascii_uppercase();
        Some(match word.as_str() {
            ">=" => Op::Ge,
            "<=" => Op::Le,
            "==" => Op::Eq,
            "===" => Op::TypeSafeEq,
            "!=" => Op::Ne,
            "!==" => Op::TypeSafeNe,
            "<" => Op::Lt,
            ">" => Op::Gt,
            "=~" => Op::Regex,
            "NIN" => Op::Nin,
            "IN" => Op::In,
            "CONTAINS" => Op::Contains,
            "ALL" => Op::All,
            "SIZE" => Op::Size,
            "EMPTY" => Op::Empty,
            "SUBSETOF" => Op::SubsetOf,
            "ANYOF" => Op::AnyOf,
            "NONEOF" => Op::NoneOf,
            _ => return None,
        })
    }

    /// A value and, for a path, whether it should exist (false after `!`).
    fn read_value(&mut self) -> Result<(Operand, bool), ParseError> {
        self.skip_blanks();
        match self.current() {
            Some('$' | '@') => self.read_path(true),
            Some('!') => {
                self.pos += 1;
                self.skip_blanks();
                match self.current() {
                    Some('$' | '@') => self.read_path(false),
                    _ => self.fail("unexpected '!'"),
                }
            }
            _ => Ok((self.read_literal()?, true)),
        }
    }

    fn read_path(&mut self, should_exist: bool) -> Result<(Operand, bool), ParseError> {
        let begin = self.pos;
        self.pos += 1;
        while self.pos < self.text.len() {
            if self.current() == Some('[') {
                match self.text.matching_close(self.pos, ']', false) {
                    Some(close) => self.pos = close + 1,
                    None => return self.fail("square brackets do not match in the filter"),
                }
                if self.pos >= self.text.len() {
                    break;
                }
            }
            let c = self.current().unwrap_or(' ');
            let closes_logical = c == ')' && !self.closes_function(begin);
            if matches!(c, '<' | '>' | '=' | '~' | '!' | ' ') || closes_logical {
                break;
            }
            self.pos += 1;
        }
        self.nested()?;
        let path = compile_text(self.text.slice(begin, self.pos), self.depth)?;
        self.depth -= 1;
        Ok((Operand::Path(path), should_exist))
    }

    /// Jayway's test whether `)` closes a function of the path (`@.length()`)
    /// rather than a group: `()` after a `.` of this path.
    fn closes_function(&self, begin: usize) -> bool {
        let mut i = self.pos;
        while i > 0 && self.text.chars[i - 1] == ' ' {
            i -= 1;
        }
        if i == 0 || self.text.chars[i - 1] != '(' {
            return false;
        }
        (begin + 1..i - 1).rev().any(|j| self.text.chars[j] == '.')
    }

    fn read_literal(&mut self) -> Result<Operand, ParseError> {
        self.skip_blanks();
        let begin = self.pos;
        match self.current() {
            Some(quote @ ('\'' | '"')) => {
                let Some(close) = self.text.next_unescaped(self.pos, quote) else {
                    return self.fail(format!("string literal without its closing {quote}"));
                };
                self.pos = close + 1;
                Ok(Operand::Str(unescape(&self.text.string(begin + 1, close))))
            }
            Some('t' | 'f') => {
                for (word, value) in [("true", true), ("false", false)] {
                    if self.text.string(begin, begin + word.len()) == word {
                        self.pos += word.len();
                        return Ok(Operand::Bool(value));
                    }
                }
                self.fail("expected a boolean literal")
            }
            Some('n') => {
                if self.text.string(begin, begin + 4) == "null" {
                    self.pos += 4;
                    return Ok(Operand::Null);
                }
                self.fail("expected null")
            }
            Some(open @ ('{' | '[')) => {
                let close = if open == '{' { '}' } else { ']' };
                let Some(end) = self.text.matching_close(self.pos, close, false) else {
                    return self.fail("JSON literal not closed");
                };
                self.pos = end + 1;
                let literal = self.text.string(begin, self.pos);
                json_literal(&literal)
                    .map(Operand::Json)
                    .ok_or_else(|| self.text.error(begin, format!("{literal} is not JSON")))
            }
            Some('/') => self.read_pattern(),
            _ => {
                while self
                    .current()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E'))
                {
                    self.pos += 1;
                }
                let number = self.text.string(begin, self.pos);
                if !is_java_decimal(&number) {
                    return Err(self
                        .text
                        .error(begin, format!("expected a value, found {number:?}")));
                }
                Ok(Operand::Number(number))
            }
        }
    }

    fn read_pattern(&mut self) -> Result<Operand, ParseError> {
        let begin = self.pos;
        let Some(close) = self.text.next_unescaped(self.pos, '/') else {
            return self.fail("regular expression not closed with '/'");
        };
        let mut end = close + 1;
        while self.text.at(end).is_some_and(|c| c.is_ascii_alphabetic()) {
            end += 1;
        }
        self.pos = end;
        let pattern = self.text.string(begin + 1, close);
        let flags = self.text.string(close + 1, end);
        let mut inline = String::new();
        for flag in flags.chars() {
            match flag {
                'i' | 'm' | 's' | 'x' => inline.push(flag),
                // Java's UNICODE_CASE, UNIX_LINES and UNICODE_CHARACTER_CLASS:
                // Rust's regex is Unicode-aware already.
                'u' | 'd' | 'U' => {}
                _ => {
                    return Err(self
                        .text
                        .error(close + 1, format!("unknown regex flag {flag}")));
                }
            }
        }
        let full = if inline.is_empty() {
            format!(r"\A(?:{pattern})\z")
        } else {
            format!(r"(?{inline})\A(?:{pattern})\z")
        };
        regex::RegexBuilder::new(&full)
            .size_limit(MAX_REGEX_BYTES)
            .dfa_size_limit(MAX_REGEX_BYTES)
            .build()
            .map(|regex| Operand::Pattern(Box::new(regex)))
            .map_err(|error| {
                self.text
                    .error(begin, format!("regular expression not accepted: {error}"))
            })
    }
}

/// Whether `text` is a number Java's `BigDecimal` reads: a sign, digits with
/// an optional fraction, an optional exponent.
pub(crate) fn is_java_decimal(text: &str) -> bool {
    // Every such number starts so; a long string compared with a number
    // for each item of a filter is then not scanned for an exponent.
    if !text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
    {
        return false;
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let has_digits = !whole.is_empty() || fraction.is_some_and(|f| !f.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    has_digits && digits(whole) && fraction.is_none_or(digits) && exponent_ok
}
