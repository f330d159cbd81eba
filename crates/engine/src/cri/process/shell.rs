//! A small POSIX shell (busybox ash flavour) for the `sh -c "…"` scripts learners put in
//! busybox/alpine containers, with the busybox applets those scripts use.
//!
//! The script is parsed into an AST once; execution is a resumable state machine with an
//! explicit frame stack, driven by simulated time: [`Shell::run`] executes at `host.now()`
//! until the script sleeps, blocks or exits, and the next call resumes exactly where it
//! stopped (even in the middle of nested loops and functions).
//!
//! Modelling choices, where the real thing cannot be reproduced exactly:
//! - Pipelines run each stage but the last to completion first and feed its output to the
//!   next; command substitutions and the left stages of pipelines run instantly, and the time
//!   they would have taken (`sleep`, HTTP requests) is added as a pause after the command.
//! - Background jobs (`cmd &`) are separate state machines stepped alongside the script.
//! - A loop that never sleeps is cut after [`STEP_LIMIT`] steps per `run` and reported as
//!   `Sleeping` for [`BUSY_SLICE_MS`] so that simulated time can move on.
//! - Programs that are not applets run through [`Host::run_program`] and finish at once.
//! - Without an attached stdin (see [`Shell::set_stdin_attached`]) stdin is `/dev/null`:
//!   `read` fails, `cat` reads nothing.
//! - `nslookup` prints busybox 1.28's format (the one in the Kubernetes docs) unless the
//!   environment has `BUSYBOX_VERSION` ≥ 1.30; `wget` prints the `saving to`/`saved` lines of
//!   current busybox without the progress bar.
//! - No globbing: `*`, `?` and `[` stay literal.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{DnsAnswer, FsError, Host, HttpOutcome, Signal, Stream};
use crate::time::{EPOCH_UNIX_SECONDS, SimTime};

/// Steps (commands and control-flow transitions) a script may execute in one `run` without
/// simulated time passing before it is treated as busy-looping.
pub const STEP_LIMIT: u32 = 100_000;
/// How long a busy-looping script yields for (see [`STEP_LIMIT`]).
pub const BUSY_SLICE_MS: u64 = 10;
/// Default `wget -T` timeout (busybox has none; a connect timeout is what one sees).
const WGET_TIMEOUT_MS: u64 = 30_000;
/// How deeply subshells, command substitutions and parser constructs may nest.
const MAX_DEPTH: u32 = 48;
/// How many nested function calls are allowed.
const MAX_CALLS: usize = 1000;
/// Lines `yes`/`seq` produce at most into a pipe (the reader would stop it long before).
const MAX_LINES: usize = 10_000;

/// Why a script cannot run: busybox's wording, e.g. `sh: syntax error: unexpected "fi"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

/// What the shell is doing after [`Shell::run`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShellState {
    /// Blocked until this time (in `sleep`); call `run` again at or after it.
    Sleeping {
        /// When to call `run` again.
        until: SimTime,
    },
    /// Blocked with no end (`sleep infinity`, `tail -f /dev/null`, `wait` with a child that
    /// never ends, `read` on an attached stdin, …).
    Blocked,
    /// Finished with this exit status.
    Exited(i32),
}

/// The outcome of [`Shell::exec`]: a command that had to finish within a time budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecResult {
    /// Exit status (`-1` when it timed out).
    pub exit_code: i32,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
    /// Simulated time the command took (the budget when it timed out).
    pub elapsed_ms: u64,
    /// Whether it was still running when the budget ran out.
    pub timed_out: bool,
}

// ---------------------------------------------------------------------------------------
// AST

/// A word before expansion: a sequence of parts.
type Word = Vec<Part>;

#[derive(Clone, Debug)]
enum Part {
    /// Unquoted literal text.
    Lit(String),
    /// Quoted literal text (`'…'`, `\x`, literal parts of `"…"`).
    Quoted(String),
    /// `$NAME`, `${NAME…}`.
    Param(Box<Param>),
    /// `$(…)` or backticks; `bool` = inside double quotes.
    Sub(Arc<Cmd>, bool),
    /// `$((…))`; `bool` = inside double quotes.
    Arith(Word, bool),
}

#[derive(Clone, Debug)]
struct Param {
    name: String,
    op: POp,
    arg: Word,
    quoted: bool,
}

/// `${…}` operators; the flag is "with colon" for the first four, "longest" for trims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum POp {
    Plain,
    Len,
    Default(bool),
    Assign(bool),
    Alt(bool),
    Error(bool),
    TrimFront(bool),
    TrimBack(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RKind {
    In,
    Out,
    Append,
    DupOut,
    DupIn,
    Here,
}

#[derive(Clone, Debug)]
struct Redir {
    fd: u32,
    kind: RKind,
    target: Word,
}

#[derive(Clone, Debug)]
struct Simple {
    assigns: Vec<(String, Word)>,
    words: Vec<Word>,
    redirs: Vec<Redir>,
    line: u32,
}

type Arms = Arc<Vec<(Arc<Cmd>, Arc<Cmd>)>>;
type Items = Arc<Vec<(Arc<Cmd>, bool)>>;

#[derive(Clone, Debug)]
enum Cmd {
    Empty,
    Simple(Simple),
    /// Commands separated by `;`/newline/`&` (flag = background).
    Seq(Items),
    /// `a && b` (flag true) or `a || b`.
    AndOr(Arc<Cmd>, bool, Arc<Cmd>),
    Not(Arc<Cmd>),
    Pipe(Vec<Arc<Cmd>>),
    Subshell(Arc<Cmd>),
    If(Arms, Option<Arc<Cmd>>),
    /// `while` (flag false) / `until` (flag true).
    Loop(bool, Arc<Cmd>, Arc<Cmd>),
    For(String, Option<Vec<Word>>, Arc<Cmd>),
    Case(Word, Vec<(Vec<Word>, Option<Arc<Cmd>>)>),
    Func(String, Arc<Cmd>),
    Redirected(Arc<Cmd>, Vec<Redir>),
    /// `sh FILE`: read and run a script file.
    Script(String),
}

// ---------------------------------------------------------------------------------------
// Parser

#[derive(Clone, Debug)]
enum Tok {
    Word(Word),
    Io(u32),
    Op(&'static str),
    Nl,
    Eof,
}

const KEYWORDS: &[&str] = &[
    "!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in", "then",
    "until", "while", "{", "}",
];
const REDIR_OPS: &[&str] = &["<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">"];

fn syntax(msg: &str) -> ParseError {
    ParseError(format!("sh: syntax error: {msg}"))
}

/// The plain text of a word made of one unquoted literal.
fn plain(w: &[Part]) -> Option<&str> {
    match w {
        [Part::Lit(s)] => Some(s),
        _ => None,
    }
}

fn keyword(t: &Tok) -> Option<&str> {
    match t {
        Tok::Word(w) => plain(w).filter(|s| KEYWORDS.contains(s)),
        _ => None,
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Eof => "end of file".into(),
        Tok::Nl => "newline".into(),
        Tok::Io(_) => "redirection".into(),
        Tok::Op(o) if REDIR_OPS.contains(o) => "redirection".into(),
        Tok::Op(o) => format!("\"{o}\""),
        Tok::Word(_) => match keyword(t) {
            Some(k) => format!("\"{k}\""),
            None => "word".into(),
        },
    }
}

fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && cs.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn push_text(parts: &mut Word, s: &str, quoted: bool) {
    match parts.last_mut() {
        Some(Part::Lit(t)) if !quoted => t.push_str(s),
        Some(Part::Quoted(t)) if quoted => t.push_str(s),
        _ if quoted => parts.push(Part::Quoted(s.to_owned())),
        _ => parts.push(Part::Lit(s.to_owned())),
    }
}

struct Parser {
    s: Vec<char>,
    pos: usize,
    peeked: Option<Tok>,
    line: u32,
    depth: u32,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    fn new(text: &str, depth: u32) -> Parser {
        Parser {
            s: text.chars().collect(),
            pos: 0,
            peeked: None,
            line: 1,
            depth,
        }
    }

    fn ch(&self, off: usize) -> Option<char> {
        self.s.get(self.pos + off).copied()
    }

    fn peek(&mut self) -> PResult<Tok> {
        if self.peeked.is_none() {
            let t = self.lex()?;
            self.peeked = Some(t);
        }
        Ok(self.peeked.clone().unwrap_or(Tok::Eof))
    }

    fn next(&mut self) -> PResult<Tok> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lex(),
        }
    }

    fn unexpected<T>(&self, t: &Tok, expecting: Option<&str>) -> PResult<T> {
        let mut msg = format!("unexpected {}", describe(t));
        if let Some(e) = expecting {
            msg.push_str(&format!(" (expecting \"{e}\")"));
        }
        Err(syntax(&msg))
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        let t = self.next()?;
        if keyword(&t) == Some(kw) {
            Ok(())
        } else {
            self.unexpected(&t, Some(kw))
        }
    }

    fn expect_op(&mut self, op: &str) -> PResult<()> {
        match self.next()? {
            Tok::Op(o) if o == op => Ok(()),
            t => self.unexpected(&t, Some(op)),
        }
    }

    fn skip_newlines(&mut self) -> PResult<()> {
        while matches!(self.peek()?, Tok::Nl) {
            self.next()?;
        }
        Ok(())
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH * 4 {
            Err(syntax("too deeply nested"))
        } else {
            Ok(())
        }
    }

    // ---- lexer

    fn lex(&mut self) -> PResult<Tok> {
        loop {
            match self.ch(0) {
                Some(' ' | '\t' | '\r') => self.pos += 1,
                Some('\\') if self.ch(1) == Some('\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                Some('#') => {
                    while !matches!(self.ch(0), None | Some('\n')) {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let Some(c) = self.ch(0) else {
            return Ok(Tok::Eof);
        };
        if c == '\n' {
            self.pos += 1;
            self.line += 1;
            return Ok(Tok::Nl);
        }
        const OPS: &[&str] = &[
            "&&", "||", ";;", "<<-", "<<", "<&", "<>", ">>", ">&", ">|", ";", "&", "|", "(", ")",
            "<", ">",
        ];
        for op in OPS {
            if op.chars().enumerate().all(|(i, oc)| self.ch(i) == Some(oc)) {
                self.pos += op.len();
                return Ok(Tok::Op(op));
            }
        }
        self.lex_word()
    }

    fn lex_word(&mut self) -> PResult<Tok> {
        let mut parts: Word = Vec::new();
        while let Some(c) = self.ch(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '\\' => {
                    self.pos += 1;
                    match self.ch(0) {
                        Some('\n') => {
                            self.pos += 1;
                            self.line += 1;
                        }
                        Some(n) => {
                            self.pos += 1;
                            push_text(&mut parts, &n.to_string(), true);
                        }
                        None => push_text(&mut parts, "\\", false),
                    }
                }
                '\'' => self.lex_single_quoted(&mut parts)?,
                c => self.lex_word_char(c, &mut parts, false)?,
            }
        }
        if let Some(n) = plain(&parts).and_then(|s| s.parse::<u32>().ok())
            && matches!(self.ch(0), Some('<' | '>'))
        {
            return Ok(Tok::Io(n));
        }
        Ok(Tok::Word(parts))
    }

    /// Double-quoted text up to `term` (or the end of input for here-documents and
    /// arithmetic); every literal part is quoted.
    fn lex_dq(&mut self, term: Option<char>) -> PResult<Word> {
        let mut parts = Vec::new();
        loop {
            let Some(c) = self.ch(0) else {
                return if term.is_some() {
                    Err(syntax("unterminated quoted string"))
                } else {
                    Ok(parts)
                };
            };
            if Some(c) == term {
                self.pos += 1;
                return Ok(parts);
            }
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.ch(0) {
                        Some('\n') => {
                            self.pos += 1;
                            self.line += 1;
                        }
                        Some(n @ ('$' | '`' | '\\')) => {
                            self.pos += 1;
                            push_text(&mut parts, &n.to_string(), true);
                        }
                        Some('"') if term.is_some() => {
                            self.pos += 1;
                            push_text(&mut parts, "\"", true);
                        }
                        _ => push_text(&mut parts, "\\", true),
                    }
                }
                '$' => self.lex_dollar(&mut parts, true)?,
                '`' => self.lex_backtick(&mut parts, true)?,
                _ => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                    push_text(&mut parts, &c.to_string(), true);
                }
            }
        }
    }

    fn lex_dollar(&mut self, parts: &mut Word, quoted: bool) -> PResult<()> {
        self.pos += 1; // '$'
        match self.ch(0) {
            Some('{') => {
                self.pos += 1;
                let p = self.lex_brace(quoted)?;
                parts.push(Part::Param(Box::new(p)));
            }
            Some('(') if self.ch(1) == Some('(') => {
                let start = self.pos + 2;
                let mut i = start;
                let mut depth = 0u32;
                loop {
                    match self.s.get(i) {
                        None => return Err(syntax("missing '))'")),
                        Some('(') => depth += 1,
                        Some(')') if depth > 0 => depth -= 1,
                        Some(')') if self.s.get(i + 1) == Some(&')') => break,
                        Some(')') => return Err(syntax("missing '))'")),
                        _ => {}
                    }
                    i += 1;
                }
                let text: String = self.s.get(start..i).unwrap_or_default().iter().collect();
                self.pos = i + 2;
                let mut sub = Parser::new(&text, self.depth + 1);
                sub.enter()?;
                parts.push(Part::Arith(sub.lex_dq(None)?, quoted));
            }
            Some('(') => {
                self.pos += 1;
                self.enter()?;
                let list = self.parse_list(true)?;
                self.expect_op(")")?;
                self.depth -= 1;
                parts.push(Part::Sub(list, quoted));
            }
            Some(c @ ('?' | '$' | '#' | '@' | '*' | '!' | '-' | '0'..='9')) => {
                self.pos += 1;
                parts.push(Part::Param(Box::new(Param {
                    name: c.to_string(),
                    op: POp::Plain,
                    arg: vec![],
                    quoted,
                })));
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let name = self.take_name();
                parts.push(Part::Param(Box::new(Param {
                    name,
                    op: POp::Plain,
                    arg: vec![],
                    quoted,
                })));
            }
            _ => push_text(parts, "$", quoted),
        }
        Ok(())
    }

    fn take_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self
            .ch(0)
            .filter(|c| *c == '_' || c.is_ascii_alphanumeric())
        {
            name.push(c);
            self.pos += 1;
        }
        name
    }

    fn lex_brace(&mut self, quoted: bool) -> PResult<Param> {
        self.enter()?;
        let len = self.ch(0) == Some('#') && !matches!(self.ch(1), Some('}'));
        if len {
            self.pos += 1;
        }
        let name = match self.ch(0) {
            Some(c @ ('?' | '$' | '#' | '@' | '*' | '!' | '-')) => {
                self.pos += 1;
                c.to_string()
            }
            Some(c) if c.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(d) = self.ch(0).filter(char::is_ascii_digit) {
                    n.push(d);
                    self.pos += 1;
                }
                n
            }
            _ => self.take_name(),
        };
        if name.is_empty() {
            return Err(syntax("bad substitution"));
        }
        let colon = self.ch(0) == Some(':');
        let op = match (self.ch(0), self.ch(1)) {
            (Some('}'), _) => POp::Plain,
            _ if len => return Err(syntax("bad substitution")),
            (Some(':'), Some('-')) | (Some('-'), _) => POp::Default(colon),
            (Some(':'), Some('=')) | (Some('='), _) => POp::Assign(colon),
            (Some(':'), Some('+')) | (Some('+'), _) => POp::Alt(colon),
            (Some(':'), Some('?')) | (Some('?'), _) => POp::Error(colon),
            (Some('#'), n) => POp::TrimFront(n == Some('#')),
            (Some('%'), n) => POp::TrimBack(n == Some('%')),
            (None, _) => return Err(syntax("missing '}'")),
            _ => return Err(syntax("bad substitution")),
        };
        self.pos += match op {
            POp::Plain => 0,
            POp::TrimFront(l) | POp::TrimBack(l) => 1 + usize::from(l),
            _ => 1 + usize::from(colon),
        };
        let arg = self.lex_brace_arg(quoted)?;
        self.depth -= 1;
        let op = if len { POp::Len } else { op };
        Ok(Param {
            name,
            op,
            arg,
            quoted,
        })
    }

    fn lex_brace_arg(&mut self, quoted: bool) -> PResult<Word> {
        let mut parts = Vec::new();
        loop {
            let Some(c) = self.ch(0) else {
                return Err(syntax("missing '}'"));
            };
            match c {
                '}' => {
                    self.pos += 1;
                    return Ok(parts);
                }
                '\\' => {
                    self.pos += 1;
                    if let Some(n) = self.ch(0) {
                        self.pos += 1;
                        push_text(&mut parts, &n.to_string(), true);
                    }
                }
                '\'' if !quoted => self.lex_single_quoted(&mut parts)?,
                c => self.lex_word_char(c, &mut parts, quoted)?,
            }
        }
    }

    /// `'…'`: literal text up to the closing quote.
    fn lex_single_quoted(&mut self, parts: &mut Word) -> PResult<()> {
        self.pos += 1;
        let start = self.pos;
        while self.ch(0).is_some_and(|c| c != '\'') {
            self.pos += 1;
        }
        if self.ch(0).is_none() {
            return Err(syntax("unterminated quoted string"));
        }
        let text: String = self
            .s
            .get(start..self.pos)
            .unwrap_or_default()
            .iter()
            .collect();
        self.line += text.matches('\n').count() as u32;
        self.pos += 1;
        parts.push(Part::Quoted(text));
        Ok(())
    }

    /// A double quote, `$`, backquote or literal character inside a word.
    fn lex_word_char(&mut self, c: char, parts: &mut Word, quoted: bool) -> PResult<()> {
        match c {
            '"' => {
                self.pos += 1;
                let inner = self.lex_dq(Some('"'))?;
                if inner.is_empty() {
                    parts.push(Part::Quoted(String::new()));
                }
                parts.extend(inner);
            }
            '$' => self.lex_dollar(parts, quoted)?,
            '`' => self.lex_backtick(parts, quoted)?,
            _ => {
                self.pos += 1;
                push_text(parts, &c.to_string(), quoted);
            }
        }
        Ok(())
    }

    fn lex_backtick(&mut self, parts: &mut Word, quoted: bool) -> PResult<()> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.ch(0) {
                None => return Err(syntax("EOF in backquote substitution")),
                Some('`') => break,
                Some('\\') => {
                    self.pos += 1;
                    match self.ch(0) {
                        Some(c @ ('`' | '\\' | '$')) => text.push(c),
                        Some(c) => {
                            text.push('\\');
                            text.push(c);
                        }
                        None => return Err(syntax("EOF in backquote substitution")),
                    }
                }
                Some(c) => text.push(c),
            }
            self.pos += 1;
        }
        self.pos += 1;
        let mut sub = Parser::new(&text, self.depth + 1);
        sub.enter()?;
        parts.push(Part::Sub(sub.parse_program()?, quoted));
        Ok(())
    }

    // ---- grammar

    fn parse_program(&mut self) -> PResult<Arc<Cmd>> {
        let list = self.parse_list(true)?;
        match self.next()? {
            Tok::Eof => Ok(list),
            t => self.unexpected(&t, None),
        }
    }

    /// A list of and-or lists up to a closing keyword, `)`, `;;` or the end.
    fn parse_list(&mut self, allow_empty: bool) -> PResult<Arc<Cmd>> {
        let mut items = Vec::new();
        loop {
            self.skip_newlines()?;
            let t = self.peek()?;
            let end = matches!(t, Tok::Eof | Tok::Op(")" | ";;"))
                || matches!(
                    keyword(&t),
                    Some("then" | "elif" | "else" | "fi" | "do" | "done" | "esac" | "}")
                );
            if end {
                if items.is_empty() && !allow_empty {
                    return self.unexpected(&t, None);
                }
                break;
            }
            let cmd = self.parse_and_or()?;
            match self.peek()? {
                Tok::Op(o @ (";" | "&")) => {
                    self.next()?;
                    items.push((cmd, o == "&"));
                }
                Tok::Nl => items.push((cmd, false)),
                _ => {
                    items.push((cmd, false));
                    break;
                }
            }
        }
        Ok(match items.len() {
            0 => Arc::new(Cmd::Empty),
            1 if !items.iter().any(|(_, bg)| *bg) => {
                items.pop().map_or(Arc::new(Cmd::Empty), |(c, _)| c)
            }
            _ => Arc::new(Cmd::Seq(Arc::new(items))),
        })
    }

    fn parse_and_or(&mut self) -> PResult<Arc<Cmd>> {
        let mut left = self.parse_pipeline()?;
        while let Tok::Op(o @ ("&&" | "||")) = self.peek()? {
            self.next()?;
            self.skip_newlines()?;
            let right = self.parse_pipeline()?;
            left = Arc::new(Cmd::AndOr(left, o == "&&", right));
        }
        Ok(left)
    }

    fn parse_pipeline(&mut self) -> PResult<Arc<Cmd>> {
        let negate = keyword(&self.peek()?) == Some("!");
        if negate {
            self.next()?;
        }
        let mut stages = vec![self.parse_command()?];
        while let Tok::Op("|") = self.peek()? {
            self.next()?;
            self.skip_newlines()?;
            stages.push(self.parse_command()?);
        }
        let cmd = if stages.len() == 1 {
            stages.pop().map_or(Arc::new(Cmd::Empty), |c| c)
        } else {
            Arc::new(Cmd::Pipe(stages))
        };
        Ok(if negate { Arc::new(Cmd::Not(cmd)) } else { cmd })
    }

    fn parse_command(&mut self) -> PResult<Arc<Cmd>> {
        self.enter()?;
        let t = self.peek()?;
        let cmd = match (&t, keyword(&t)) {
            (_, Some("if")) => self.parse_if()?,
            (_, Some(k @ ("while" | "until"))) => {
                let until = k == "until";
                self.next()?;
                let cond = self.parse_list(false)?;
                self.expect_kw("do")?;
                let body = self.parse_list(false)?;
                self.expect_kw("done")?;
                Cmd::Loop(until, cond, body)
            }
            (_, Some("for")) => self.parse_for()?,
            (_, Some("case")) => self.parse_case()?,
            (_, Some("{")) => {
                self.next()?;
                let body = self.parse_list(false)?;
                self.expect_kw("}")?;
                return self.finish_compound(body);
            }
            (_, Some("function")) => {
                self.next()?;
                let name = match self.next()? {
                    Tok::Word(w) => plain(&w).map(str::to_owned),
                    _ => None,
                };
                let Some(name) = name else {
                    return Err(syntax("bad function name"));
                };
                if let Tok::Op("(") = self.peek()? {
                    self.next()?;
                    self.expect_op(")")?;
                }
                self.skip_newlines()?;
                let body = self.parse_command()?;
                self.depth -= 1;
                return Ok(Arc::new(Cmd::Func(name, body)));
            }
            (_, Some(_)) => return self.unexpected(&t, None),
            (Tok::Op("("), _) => {
                self.next()?;
                let body = self.parse_list(false)?;
                self.expect_op(")")?;
                Cmd::Subshell(body)
            }
            (Tok::Word(_) | Tok::Io(_), _) => return self.parse_simple(),
            (Tok::Op(o), _) if REDIR_OPS.contains(o) => return self.parse_simple(),
            _ => return self.unexpected(&t, None),
        };
        self.finish_compound(Arc::new(cmd))
    }

    fn finish_compound(&mut self, cmd: Arc<Cmd>) -> PResult<Arc<Cmd>> {
        self.depth -= 1;
        let mut redirs = Vec::new();
        while let Some(r) = self.parse_redir()? {
            redirs.push(r);
        }
        Ok(if redirs.is_empty() {
            cmd
        } else {
            Arc::new(Cmd::Redirected(cmd, redirs))
        })
    }

    fn parse_if(&mut self) -> PResult<Cmd> {
        self.next()?;
        let mut arms = Vec::new();
        let mut els = None;
        loop {
            let cond = self.parse_list(false)?;
            self.expect_kw("then")?;
            arms.push((cond, self.parse_list(false)?));
            let t = self.peek()?;
            match keyword(&t) {
                Some("elif") => {
                    self.next()?;
                }
                Some("else") => {
                    self.next()?;
                    els = Some(self.parse_list(false)?);
                    break;
                }
                _ => break,
            }
        }
        self.expect_kw("fi")?;
        Ok(Cmd::If(Arc::new(arms), els))
    }

    fn parse_for(&mut self) -> PResult<Cmd> {
        self.next()?;
        let var = match self.next()? {
            Tok::Word(w) => plain(&w).filter(|s| is_name(s)).map(str::to_owned),
            _ => None,
        };
        let Some(var) = var else {
            return Err(syntax("bad for loop variable"));
        };
        self.skip_newlines()?;
        let mut words = None;
        if keyword(&self.peek()?) == Some("in") {
            self.next()?;
            let mut list = Vec::new();
            loop {
                match self.next()? {
                    Tok::Word(w) => list.push(w),
                    Tok::Nl | Tok::Op(";") => break,
                    t => return self.unexpected(&t, None),
                }
            }
            words = Some(list);
        } else if let Tok::Op(";") = self.peek()? {
            self.next()?;
        }
        self.skip_newlines()?;
        self.expect_kw("do")?;
        let body = self.parse_list(false)?;
        self.expect_kw("done")?;
        Ok(Cmd::For(var, words, body))
    }

    fn parse_case(&mut self) -> PResult<Cmd> {
        self.next()?;
        let word = match self.next()? {
            Tok::Word(w) => w,
            t => return self.unexpected(&t, Some("word")),
        };
        self.skip_newlines()?;
        self.expect_kw("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_newlines()?;
            if keyword(&self.peek()?) == Some("esac") {
                self.next()?;
                break;
            }
            if let Tok::Op("(") = self.peek()? {
                self.next()?;
            }
            let mut pats = Vec::new();
            loop {
                match self.next()? {
                    Tok::Word(w) => pats.push(w),
                    t => return self.unexpected(&t, Some(")")),
                }
                match self.next()? {
                    Tok::Op("|") => {}
                    Tok::Op(")") => break,
                    t => return self.unexpected(&t, Some(")")),
                }
            }
            self.skip_newlines()?;
            let t = self.peek()?;
            let body = if matches!(t, Tok::Op(";;")) || keyword(&t) == Some("esac") {
                None
            } else {
                Some(self.parse_list(true)?)
            };
            arms.push((pats, body));
            self.skip_newlines()?;
            match self.next()? {
                Tok::Op(";;") => {}
                t if keyword(&t) == Some("esac") => break,
                t => return self.unexpected(&t, Some(";;")),
            }
        }
        Ok(Cmd::Case(word, arms))
    }

    fn parse_simple(&mut self) -> PResult<Arc<Cmd>> {
        let line = self.line;
        let mut s = Simple {
            assigns: vec![],
            words: vec![],
            redirs: vec![],
            line,
        };
        loop {
            if let Some(r) = self.parse_redir()? {
                s.redirs.push(r);
                continue;
            }
            let Tok::Word(w) = self.peek()? else { break };
            self.next()?;
            if s.words.is_empty()
                && let Some(Part::Lit(first)) = w.first()
                && let Some((name, rest)) = first.split_once('=')
                && is_name(name)
            {
                let mut value: Word = Vec::new();
                if !rest.is_empty() {
                    value.push(Part::Lit(rest.to_owned()));
                }
                value.extend(w.iter().skip(1).cloned());
                s.assigns.push((name.to_owned(), value));
                continue;
            }
            s.words.push(w);
            if s.words.len() == 1
                && s.assigns.is_empty()
                && s.redirs.is_empty()
                && let Tok::Op("(") = self.peek()?
            {
                self.next()?;
                self.expect_op(")")?;
                self.skip_newlines()?;
                let name = s
                    .words
                    .first()
                    .and_then(|w| plain(w))
                    .unwrap_or_default()
                    .to_owned();
                if name.is_empty() {
                    return Err(syntax("bad function name"));
                }
                let body = self.parse_command()?;
                self.depth -= 1;
                return Ok(Arc::new(Cmd::Func(name, body)));
            }
        }
        self.depth -= 1;
        Ok(Arc::new(Cmd::Simple(s)))
    }

    fn parse_redir(&mut self) -> PResult<Option<Redir>> {
        let (fd, op) = match self.peek()? {
            Tok::Io(n) => {
                self.next()?;
                match self.next()? {
                    Tok::Op(o) if REDIR_OPS.contains(&o) => (Some(n), o),
                    t => return self.unexpected(&t, None),
                }
            }
            Tok::Op(o) if REDIR_OPS.contains(&o) => {
                self.next()?;
                (None, o)
            }
            _ => return Ok(None),
        };
        let kind = match op {
            "<" | "<>" => RKind::In,
            ">" | ">|" => RKind::Out,
            ">>" => RKind::Append,
            ">&" => RKind::DupOut,
            "<&" => RKind::DupIn,
            _ => RKind::Here,
        };
        let fd = fd.unwrap_or(if op.starts_with('<') { 0 } else { 1 });
        let target = match self.next()? {
            Tok::Word(w) => w,
            t => return self.unexpected(&t, None),
        };
        if kind != RKind::Here {
            return Ok(Some(Redir { fd, kind, target }));
        }
        // Here-document: the body starts on the line after this one; cut it out of the input.
        let quoted = target.iter().any(|p| !matches!(p, Part::Lit(_)));
        let delim: String = target
            .iter()
            .map(|p| match p {
                Part::Lit(s) | Part::Quoted(s) => s.as_str(),
                _ => "",
            })
            .collect();
        let strip = op == "<<-";
        let mut i = self.pos;
        while self.s.get(i).is_some_and(|c| *c != '\n') {
            i += 1;
        }
        let body_start = (i + 1).min(self.s.len());
        let mut j = body_start;
        let mut body = String::new();
        while j < self.s.len() {
            let mut k = j;
            while self.s.get(k).is_some_and(|c| *c != '\n') {
                k += 1;
            }
            let line: String = self.s.get(j..k).unwrap_or_default().iter().collect();
            let line = if strip {
                line.trim_start_matches('\t').to_owned()
            } else {
                line
            };
            j = (k + 1).min(self.s.len());
            if line == delim {
                break;
            }
            body.push_str(&line);
            body.push('\n');
        }
        self.s.drain(body_start..j);
        let target = if quoted {
            vec![Part::Quoted(body)]
        } else {
            let mut sub = Parser::new(&body, self.depth + 1);
            sub.lex_dq(None)?
        };
        Ok(Some(Redir { fd, kind, target }))
    }
}

// ---------------------------------------------------------------------------------------
// Patterns: shell globs (`case`, `${x#pat}`) and the basic regular expressions of `grep`

/// Matches one pattern element at `p[pi]` against `c`; the index after the element if it
/// matches.
fn glob_one(p: &[char], pi: usize, c: char) -> Option<usize> {
    match p.get(pi)? {
        '?' => Some(pi + 1),
        '\\' => match p.get(pi + 1) {
            Some(e) => (*e == c).then_some(pi + 2),
            None => (c == '\\').then_some(pi + 1),
        },
        '[' => match class(p, pi + 1) {
            Some((set, neg, next)) => {
                (set.iter().any(|(a, b)| *a <= c && c <= *b) != neg).then_some(next)
            }
            None => (c == '[').then_some(pi + 1),
        },
        l => (*l == c).then_some(pi + 1),
    }
}

/// Character ranges of a bracket expression.
type CharSet = Vec<(char, char)>;

/// Parses a bracket expression starting after `[`: ranges, negation, index after `]`.
fn class(p: &[char], mut i: usize) -> Option<(CharSet, bool, usize)> {
    let neg = matches!(p.get(i), Some('!' | '^'));
    if neg {
        i += 1;
    }
    let mut set = Vec::new();
    let mut first = true;
    loop {
        let c = *p.get(i)?;
        if c == ']' && !first {
            return Some((set, neg, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            set.push((c, *p.get(i + 2)?));
            i += 3;
        } else {
            set.push((c, c));
            i += 1;
        }
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = text.chars().collect();
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p.get(pi) == Some(&'*') {
            star = Some((pi, si));
            pi += 1;
            continue;
        }
        if let Some(c) = s.get(si)
            && let Some(next) = glob_one(&p, pi, *c)
        {
            pi = next;
            si += 1;
            continue;
        }
        if pi >= p.len() && si >= s.len() {
            return true;
        }
        match star {
            Some((sp, ss)) if ss < s.len() => {
                star = Some((sp, ss + 1));
                pi = sp + 1;
                si = ss + 1;
            }
            _ => return false,
        }
    }
}

/// Escapes glob metacharacters so that quoted text matches literally.
fn glob_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[derive(Clone, Debug)]
enum Atom {
    Char(char),
    Any,
    Class(CharSet, bool),
}

/// A regular expression alternative: anchors and atoms with repetition bounds.
#[derive(Clone, Debug)]
struct Regex {
    start: bool,
    end: bool,
    atoms: Vec<(Atom, usize, usize)>,
}

fn regex_compile(pattern: &str, extended: bool) -> Vec<Regex> {
    let alts: Vec<String> = if extended {
        pattern.split('|').map(str::to_owned).collect()
    } else {
        pattern.split("\\|").map(str::to_owned).collect()
    };
    alts.iter()
        .map(|alt| {
            let p: Vec<char> = alt.chars().collect();
            let mut re = Regex {
                start: p.first() == Some(&'^'),
                end: false,
                atoms: vec![],
            };
            let mut i = usize::from(re.start);
            while let Some(&c) = p.get(i) {
                i += 1;
                let atom = match c {
                    '$' if i == p.len() => {
                        re.end = true;
                        continue;
                    }
                    '.' => Atom::Any,
                    '\\' => {
                        i += 1;
                        Atom::Char(p.get(i - 1).copied().unwrap_or('\\'))
                    }
                    '[' => match class(&p, i) {
                        Some((set, neg, next)) => {
                            i = next;
                            Atom::Class(set, neg)
                        }
                        None => Atom::Char('['),
                    },
                    '(' | ')' if extended => continue,
                    c => Atom::Char(c),
                };
                let (min, max) = match p.get(i) {
                    Some('*') => (0, usize::MAX),
                    Some('+') if extended => (1, usize::MAX),
                    Some('?') if extended => (0, 1),
                    _ => (1, 1),
                };
                if (min, max) != (1, 1) {
                    i += 1;
                }
                re.atoms.push((atom, min, max));
            }
            re
        })
        .collect()
}

fn atom_matches(a: &Atom, c: char) -> bool {
    match a {
        Atom::Char(x) => *x == c,
        Atom::Any => true,
        Atom::Class(set, neg) => set.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *neg,
    }
}

/// Whether `atoms` match at the start of `s` (to its end when `end`); `budget` bounds the
/// backtracking work.
fn regex_here(atoms: &[(Atom, usize, usize)], s: &[char], end: bool, budget: &mut u32) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let Some(((atom, min, max), rest)) = atoms.split_first() else {
        return !end || s.is_empty();
    };
    let mut n = 0;
    while n < *max && s.get(n).is_some_and(|c| atom_matches(atom, *c)) {
        n += 1;
    }
    (*min..=n)
        .rev()
        .any(|k| regex_here(rest, s.get(k..).unwrap_or_default(), end, budget))
}

fn regex_match(res: &[Regex], line: &str) -> bool {
    let s: Vec<char> = line.chars().collect();
    let mut budget = 100_000;
    res.iter().any(|re| {
        if re.start {
            regex_here(&re.atoms, &s, re.end, &mut budget)
        } else {
            (0..=s.len()).any(|i| {
                regex_here(
                    &re.atoms,
                    s.get(i..).unwrap_or_default(),
                    re.end,
                    &mut budget,
                )
            })
        }
    })
}

// ---------------------------------------------------------------------------------------
// Arithmetic: `$(( ))` with C operators on 64-bit integers

struct Arith<'a> {
    toks: Vec<String>,
    pos: usize,
    m: &'a mut Machine,
}

const ARITH_OPS: &[&str] = &[
    "<<=", ">>=", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=", "**", "*=", "/=",
    "%=", "++", "--", "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "(", ")", "?", ":", "&",
    "|", "^",
];

fn arith_tokens(s: &str) -> Result<Vec<String>, String> {
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while let Some(&c) = cs.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while cs
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            out.push(cs.get(start..i).unwrap_or_default().iter().collect());
        } else if let Some(op) = ARITH_OPS.iter().find(|op| {
            op.chars()
                .enumerate()
                .all(|(k, oc)| cs.get(i + k) == Some(&oc))
        }) {
            out.push((*op).to_owned());
            i += op.len();
        } else {
            return Err("arithmetic syntax error".into());
        }
    }
    Ok(out)
}

fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i64::from_str_radix(t.get(1..)?, 8).ok()?
    } else if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        t.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

impl Arith<'_> {
    fn peek(&self) -> &str {
        self.toks.get(self.pos).map_or("", String::as_str)
    }

    fn eat(&mut self, t: &str) -> bool {
        let hit = self.peek() == t;
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn var(&self, name: &str) -> Result<i64, String> {
        match self.m.get(name) {
            None => Ok(0),
            Some(v) if v.trim().is_empty() => Ok(0),
            Some(v) => parse_int(&v).ok_or_else(|| "arithmetic syntax error".to_owned()),
        }
    }

    fn assign(&mut self) -> Result<i64, String> {
        if let (Some(name), Some(op)) = (self.toks.get(self.pos), self.toks.get(self.pos + 1))
            && is_name(name)
            && matches!(
                op.as_str(),
                "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "<<=" | ">>="
            )
        {
            let (name, op) = (name.clone(), op.clone());
            self.pos += 2;
            let rhs = self.assign()?;
            let old = self.var(&name)?;
            let v = match op.as_str() {
                "=" => rhs,
                "+=" => old.wrapping_add(rhs),
                "-=" => old.wrapping_sub(rhs),
                "*=" => old.wrapping_mul(rhs),
                "<<=" => old.wrapping_shl(rhs as u32),
                ">>=" => old.wrapping_shr(rhs as u32),
                _ => binop(op.get(..1).unwrap_or("+"), old, rhs)?,
            };
            self.m.set_quiet(&name, v.to_string());
            return Ok(v);
        }
        self.ternary()
    }

    fn ternary(&mut self) -> Result<i64, String> {
        let c = self.binary(0)?;
        if self.eat("?") {
            let a = self.assign()?;
            if !self.eat(":") {
                return Err("arithmetic syntax error".into());
            }
            let b = self.ternary()?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }

    fn binary(&mut self, level: usize) -> Result<i64, String> {
        const LEVELS: &[&[&str]] = &[
            &["||"],
            &["&&"],
            &["|"],
            &["^"],
            &["&"],
            &["==", "!="],
            &["<", "<=", ">", ">="],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
            &["**"],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        while let Some(op) = ops.iter().find(|o| **o == self.peek()) {
            self.pos += 1;
            let right = self.binary(level + 1)?;
            left = binop(op, left, right)?;
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<i64, String> {
        let t = self.peek().to_owned();
        self.pos += 1;
        match t.as_str() {
            "-" => Ok(self.unary()?.wrapping_neg()),
            "+" => self.unary(),
            "!" => Ok(i64::from(self.unary()? == 0)),
            "~" => Ok(!self.unary()?),
            "++" | "--" => {
                let name = self.peek().to_owned();
                if !is_name(&name) {
                    return Err("arithmetic syntax error".into());
                }
                self.pos += 1;
                let v = self
                    .var(&name)?
                    .wrapping_add(if t == "++" { 1 } else { -1 });
                self.m.set_quiet(&name, v.to_string());
                Ok(v)
            }
            "(" => {
                let v = self.assign()?;
                if self.eat(")") {
                    Ok(v)
                } else {
                    Err("arithmetic syntax error".into())
                }
            }
            _ if is_name(&t) => {
                let v = self.var(&t)?;
                if matches!(self.peek(), "++" | "--") {
                    let d = if self.peek() == "++" { 1 } else { -1 };
                    self.pos += 1;
                    self.m.set_quiet(&t, v.wrapping_add(d).to_string());
                }
                Ok(v)
            }
            _ => parse_int(&t).ok_or_else(|| "arithmetic syntax error".to_owned()),
        }
    }
}

fn binop(op: &str, a: i64, b: i64) -> Result<i64, String> {
    Ok(match op {
        "||" => i64::from(a != 0 || b != 0),
        "&&" => i64::from(a != 0 && b != 0),
        "|" => a | b,
        "^" => a ^ b,
        "&" => a & b,
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "<" => i64::from(a < b),
        "<=" => i64::from(a <= b),
        ">" => i64::from(a > b),
        ">=" => i64::from(a >= b),
        "<<" => a.wrapping_shl(b as u32),
        ">>" => a.wrapping_shr(b as u32),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" | "%" if b == 0 => return Err("divide by zero".into()),
        "/" => a.wrapping_div(b),
        "**" if b < 0 => return Err("exponent less than 0".into()),
        "**" => a.wrapping_pow(u32::try_from(b).unwrap_or(u32::MAX)),
        _ => a.wrapping_rem(b),
    })
}

// ---------------------------------------------------------------------------------------
// Execution state

#[derive(Clone, Debug)]
struct Var {
    value: String,
    exported: bool,
    readonly: bool,
}

/// Where a file descriptor writes to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sink {
    /// The container log (what `kubectl logs` shows).
    Log(Stream),
    /// Collected for a pipe or a command substitution.
    Capture,
    /// `/dev/null`.
    Null,
    /// Appended to a file.
    File(String),
}

#[derive(Clone, Debug)]
struct Io {
    out: Sink,
    err: Sink,
    /// Index into `Machine::inputs`; `None` = no stdin (`/dev/null`, or blocking if attached).
    input: Option<usize>,
}

#[derive(Clone, Debug)]
struct Input {
    data: String,
    pos: usize,
}

#[derive(Clone, Debug)]
struct Job {
    pid: u32,
    m: Option<Box<Machine>>,
    done: Option<i32>,
    /// When the job wants to run next; `None` = blocked for good.
    wake: Option<SimTime>,
}

/// One entry of the execution stack. Frames below the top wait for the ones above them;
/// when a frame is stepped again, `Machine::status` holds the status of what just ran.
#[derive(Clone, Debug)]
enum Frame {
    /// A command not started yet.
    Run(Arc<Cmd>),
    /// The rest of a list.
    Seq(Items, usize),
    /// The left side of `&&`/`||` is running.
    AndOr { and: bool, right: Arc<Cmd> },
    /// `!`: negate what just ran.
    Not,
    /// Condition number `at` of an `if` is running.
    If {
        arms: Arms,
        els: Option<Arc<Cmd>>,
        at: usize,
    },
    Loop {
        until: bool,
        cond: Arc<Cmd>,
        body: Arc<Cmd>,
        in_cond: bool,
        last: i32,
    },
    For {
        var: String,
        items: Vec<String>,
        at: usize,
        body: Arc<Cmd>,
    },
    /// A function body is running; restores the caller's positional parameters and locals.
    Func {
        positional: Vec<String>,
        locals: Vec<(String, Option<Var>)>,
    },
    /// Restores the descriptors of before a redirection.
    Restore(Io, usize),
    /// Foreground `sleep` (or time owed by instant work); then `$?` becomes `then`.
    Sleep { until: SimTime, then: i32 },
    /// `wait [pid]`.
    Wait(Option<u32>),
    /// Never returns; `interruptible` when a trapped signal ends it (a builtin like `read`).
    Blocked { interruptible: bool },
    /// A subshell or the last stage of a pipeline.
    Child(Box<Machine>),
    /// A trap handler is running; restores `$?`.
    Trap(i32),
    /// Exit when reached: with this code (after an EXIT trap) or with `$?` (after `exec`).
    ExitAfter(Option<i32>),
}

/// Why an expansion or redirection stopped a command.
enum Flow {
    /// Message and exit status of the whole shell (`${x?}`, arithmetic errors).
    Fatal(String, i32),
    /// Message; the command fails with status 1 (redirection errors).
    Fail(String),
    /// Waits forever (`$(sleep infinity)`).
    Blocked,
}

/// What a builtin asks the executor to do.
enum Act {
    Done(i32),
    Sleep(u64),
    Block(bool),
    Exit(i32),
    Return(i32),
    Break(u32, bool),
    Wait(Option<u32>),
    Call(Arc<Cmd>, Vec<String>),
    Push(Arc<Cmd>),
    Spawn(Box<Machine>),
    Exec(Box<Act>),
    /// `exec` without a command: the redirections stay.
    Keep,
}

enum Piece {
    /// Text, quoted, subject to field splitting.
    Text(String, bool, bool),
    /// A field boundary (between the words of `"$@"`).
    Break,
}

/// A process running a parsed script: the main shell, a subshell or a background job.
#[derive(Clone, Debug)]
struct Machine {
    vars: BTreeMap<String, Var>,
    positional: Vec<String>,
    arg0: String,
    funcs: BTreeMap<String, Arc<Cmd>>,
    frames: Vec<Frame>,
    status: i32,
    io: Io,
    inputs: Vec<Input>,
    traps: BTreeMap<String, String>,
    pending: Vec<(String, i32)>,
    jobs: Vec<Job>,
    next_pid: u32,
    last_bg: Option<u32>,
    errexit: bool,
    nounset: bool,
    xtrace: bool,
    exited: Option<i32>,
    in_exit_trap: bool,
    /// Output chunks for the container log, in order.
    log: Vec<(Stream, String)>,
    captured: String,
    /// Simulated time consumed by instant work (substitutions, HTTP) not yet slept off.
    debt_ms: u64,
    depth: u32,
    busy: bool,
    env_loaded: bool,
    stdin_attached: bool,
    line: u32,
    sub_status: Option<i32>,
    /// How deeply `redispatch` is nested.
    nest: u32,
}

fn sig_spec(text: &str) -> Option<(String, i32)> {
    const SIGS: &[(&str, i32)] = &[
        ("EXIT", 0),
        ("HUP", 1),
        ("INT", 2),
        ("QUIT", 3),
        ("KILL", 9),
        ("USR1", 10),
        ("USR2", 12),
        ("PIPE", 13),
        ("ALRM", 14),
        ("TERM", 15),
        ("CHLD", 17),
        ("CONT", 18),
        ("STOP", 19),
        ("WINCH", 28),
    ];
    let t = text.trim().to_ascii_uppercase();
    let t = t.strip_prefix("SIG").unwrap_or(&t);
    SIGS.iter()
        .find(|(n, num)| *n == t || num.to_string() == t)
        .map(|(n, num)| ((*n).to_owned(), *num))
}

fn create_msg(e: FsError) -> String {
    match e {
        FsError::NotFound | FsError::NotDir => "nonexistent directory".into(),
        e => e.to_string(),
    }
}

fn open_msg(e: FsError) -> String {
    match e {
        FsError::NotFound | FsError::NotDir => "no such file".into(),
        e => e.to_string(),
    }
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved.
fn normalize(cwd: &str, path: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in full.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\"'\"'"))
}

impl Machine {
    fn new(cmd: Arc<Cmd>, arg0: String, positional: Vec<String>) -> Machine {
        Machine {
            vars: BTreeMap::new(),
            positional,
            arg0,
            funcs: BTreeMap::new(),
            frames: vec![Frame::Run(cmd)],
            status: 0,
            io: Io {
                out: Sink::Log(Stream::Stdout),
                err: Sink::Log(Stream::Stderr),
                input: None,
            },
            inputs: Vec::new(),
            traps: BTreeMap::new(),
            pending: Vec::new(),
            jobs: Vec::new(),
            next_pid: 7,
            last_bg: None,
            errexit: false,
            nounset: false,
            xtrace: false,
            exited: None,
            in_exit_trap: false,
            log: Vec::new(),
            captured: String::new(),
            debt_ms: 0,
            depth: 0,
            busy: false,
            env_loaded: false,
            stdin_attached: false,
            line: 1,
            sub_status: None,
            nest: 0,
        }
    }

    /// A child process running `cmd` with a copy of this one's state (`fork`).
    fn fork(&self, cmd: Arc<Cmd>) -> Option<Box<Machine>> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        let mut m = Machine::new(cmd, self.arg0.clone(), self.positional.clone());
        m.vars = self.vars.clone();
        m.funcs = self.funcs.clone();
        m.status = self.status;
        m.io = self.io.clone();
        m.inputs = self.inputs.clone();
        m.traps = self
            .traps
            .iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        m.next_pid = self.next_pid.saturating_add(1000);
        m.last_bg = self.last_bg;
        (m.errexit, m.nounset, m.xtrace) = (self.errexit, self.nounset, self.xtrace);
        m.depth = self.depth + 1;
        m.env_loaded = true;
        m.stdin_attached = self.stdin_attached;
        m.line = self.line;
        Some(Box::new(m))
    }

    fn get(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some("1".into()),
            "#" => Some(self.positional.len().to_string()),
            "!" => self.last_bg.map(|p| p.to_string()),
            "-" => Some(
                [(self.errexit, 'e'), (self.nounset, 'u'), (self.xtrace, 'x')]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, c)| *c)
                    .collect(),
            ),
            "0" => Some(self.arg0.clone()),
            "@" | "*" => Some(self.positional.join(" ")),
            n if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .and_then(|i| self.positional.get(i.checked_sub(1)?).cloned()),
            n => self.vars.get(n).map(|v| v.value.clone()),
        }
    }

    fn set(&mut self, name: &str, value: String) -> Result<(), String> {
        match self.vars.get_mut(name) {
            Some(v) if v.readonly => Err(format!("sh: {name}: is read only")),
            Some(v) => {
                v.value = value;
                Ok(())
            }
            None => {
                self.vars.insert(
                    name.to_owned(),
                    Var {
                        value,
                        exported: false,
                        readonly: false,
                    },
                );
                Ok(())
            }
        }
    }

    fn set_quiet(&mut self, name: &str, value: String) {
        let _ = self.set(name, value);
    }

    fn cwd(&self) -> String {
        self.get("PWD")
            .filter(|p| p.starts_with('/'))
            .unwrap_or_else(|| "/".into())
    }

    fn resolve(&self, path: &str) -> String {
        normalize(&self.cwd(), path)
    }

    fn ifs(&self) -> String {
        self.get("IFS").unwrap_or_else(|| " \t\n".into())
    }

    // ---- output

    fn write_to(&mut self, host: &mut dyn Host, sink: Sink, text: &str) {
        if text.is_empty() {
            return;
        }
        match sink {
            Sink::Log(s) => self.log.push((s, text.to_owned())),
            Sink::Capture => self.captured.push_str(text),
            Sink::Null => {}
            Sink::File(p) => {
                let _ = host.write_file(&p, text, true);
            }
        }
    }

    fn out(&mut self, host: &mut dyn Host, text: &str) {
        self.write_to(host, self.io.out.clone(), text);
    }

    fn errln(&mut self, host: &mut dyn Host, msg: &str) {
        self.write_to(host, self.io.err.clone(), &format!("{msg}\n"));
    }

    /// An error raised by the shell itself inside builtin `cmd` (`sh: cd: line 1: …`).
    fn ash_err(&mut self, host: &mut dyn Host, cmd: &str, msg: &str) {
        let line = self.line;
        self.errln(host, &format!("sh: {cmd}: line {line}: {msg}"));
    }

    fn merge(&mut self, child: &mut Machine) {
        self.log.append(&mut child.log);
        let cap = std::mem::take(&mut child.captured);
        self.captured.push_str(&cap);
    }

    // ---- stdin

    fn stdin_all(&mut self) -> Option<String> {
        let inp = self.inputs.get_mut(self.io.input?)?;
        let rest = inp.data.get(inp.pos..).unwrap_or_default().to_owned();
        inp.pos = inp.data.len();
        Some(rest)
    }

    /// The next line of stdin and whether it ended with a newline; `None` at end of input.
    fn stdin_line(&mut self) -> Option<(String, bool)> {
        let inp = self.inputs.get_mut(self.io.input?)?;
        let rest = inp.data.get(inp.pos..).filter(|r| !r.is_empty())?;
        let (line, nl) = match rest.find('\n') {
            Some(i) => (rest.get(..i).unwrap_or_default().to_owned(), true),
            None => (rest.to_owned(), false),
        };
        inp.pos += line.len() + usize::from(nl);
        Some((line, nl))
    }

    fn no_stdin(&self) -> bool {
        self.io.input.is_none()
    }

    // ---- the run loop

    fn run(&mut self, host: &mut dyn Host) -> ShellState {
        if let Some(code) = self.exited {
            return ShellState::Exited(code);
        }
        if !self.env_loaded {
            self.env_loaded = true;
            for (k, v) in host.env() {
                self.vars.insert(
                    k,
                    Var {
                        value: v,
                        exported: true,
                        readonly: false,
                    },
                );
            }
            for (k, v) in [("PWD", "/"), ("PPID", "0")] {
                if !self.vars.contains_key(k) {
                    self.set_quiet(k, v.into());
                }
            }
        }
        self.step_jobs(host);
        let st = self.run_main(host);
        let wake = self
            .jobs
            .iter()
            .filter(|j| j.done.is_none())
            .filter_map(|j| j.wake)
            .min();
        match (st, wake) {
            (ShellState::Sleeping { until }, Some(w)) => ShellState::Sleeping {
                until: until.min(w),
            },
            (ShellState::Blocked, Some(w)) => ShellState::Sleeping { until: w },
            (st, _) => st,
        }
    }

    fn step_jobs(&mut self, host: &mut dyn Host) {
        let now = host.now();
        for i in 0..self.jobs.len() {
            let Some(job) = self.jobs.get_mut(i) else {
                break;
            };
            if job.done.is_some() || job.wake.is_none_or(|w| w > now) {
                continue;
            }
            let Some(mut m) = job.m.take() else { continue };
            let st = m.run(host);
            self.merge(&mut m);
            let Some(job) = self.jobs.get_mut(i) else {
                break;
            };
            match st {
                ShellState::Exited(c) => job.done = Some(c),
                ShellState::Sleeping { until } => {
                    job.wake = Some(until);
                    job.m = Some(m);
                }
                ShellState::Blocked => {
                    job.wake = None;
                    job.m = Some(m);
                }
            }
        }
    }

    fn spawn(&mut self, host: &mut dyn Host, cmd: Arc<Cmd>) {
        let Some(mut m) = self.fork(cmd) else {
            self.errln(host, "sh: can't fork");
            return;
        };
        let pid = self.next_pid;
        self.next_pid = self.next_pid.saturating_add(1);
        let st = m.run(host);
        self.merge(&mut m);
        let (done, wake) = match st {
            ShellState::Exited(c) => (Some(c), None),
            ShellState::Sleeping { until } => (None, Some(until)),
            ShellState::Blocked => (None, None),
        };
        if self.jobs.len() >= 64 {
            self.jobs.retain(|j| j.done.is_none());
        }
        self.jobs.push(Job {
            pid,
            m: if done.is_some() { None } else { Some(m) },
            done,
            wake,
        });
        self.last_bg = Some(pid);
    }

    fn run_main(&mut self, host: &mut dyn Host) -> ShellState {
        let mut steps = 0u32;
        self.busy = false;
        loop {
            if let Some(code) = self.exited {
                return ShellState::Exited(code);
            }
            if self.debt_ms > 0 {
                let until = host.now().plus_millis(std::mem::take(&mut self.debt_ms));
                self.frames.push(Frame::Sleep {
                    until,
                    then: self.status,
                });
            }
            let can_trap = !matches!(
                self.frames.last(),
                Some(
                    Frame::Sleep { .. }
                        | Frame::Child(_)
                        | Frame::Blocked {
                            interruptible: false
                        }
                )
            );
            if can_trap && !self.pending.is_empty() {
                self.deliver(host);
                continue;
            }
            steps += 1;
            if steps > STEP_LIMIT {
                self.busy = true;
                return ShellState::Sleeping {
                    until: host.now().plus_millis(BUSY_SLICE_MS),
                };
            }
            let Some(frame) = self.frames.pop() else {
                self.finish(self.status);
                continue;
            };
            match frame {
                Frame::Run(cmd) => self.start(host, cmd),
                Frame::Seq(items, i) => {
                    if let Some((cmd, bg)) = items.get(i).cloned() {
                        self.frames.push(Frame::Seq(items, i + 1));
                        if bg {
                            self.spawn(host, cmd);
                            self.status = 0;
                        } else {
                            self.frames.push(Frame::Run(cmd));
                        }
                    }
                }
                Frame::AndOr { and, right } => {
                    if (self.status == 0) == and {
                        self.frames.push(Frame::Run(right));
                    }
                }
                Frame::Not => self.status = i32::from(self.status == 0),
                Frame::If { arms, els, at } => {
                    if self.status == 0 {
                        if let Some((_, body)) = arms.get(at) {
                            self.frames.push(Frame::Run(body.clone()));
                        }
                    } else if let Some((cond, _)) = arms.get(at + 1) {
                        let cond = cond.clone();
                        self.frames.push(Frame::If {
                            arms,
                            els,
                            at: at + 1,
                        });
                        self.frames.push(Frame::Run(cond));
                    } else if let Some(e) = els {
                        self.frames.push(Frame::Run(e));
                    } else {
                        self.status = 0;
                    }
                }
                Frame::Loop {
                    until,
                    cond,
                    body,
                    in_cond,
                    last,
                } => {
                    if !in_cond {
                        let last = self.status;
                        self.frames.push(Frame::Loop {
                            until,
                            cond: cond.clone(),
                            body,
                            in_cond: true,
                            last,
                        });
                        self.frames.push(Frame::Run(cond));
                    } else if (self.status == 0) != until {
                        self.frames.push(Frame::Loop {
                            until,
                            cond,
                            body: body.clone(),
                            in_cond: false,
                            last,
                        });
                        self.frames.push(Frame::Run(body));
                    } else {
                        self.status = last;
                    }
                }
                Frame::For {
                    var,
                    items,
                    at,
                    body,
                } => {
                    if let Some(v) = items.get(at).cloned() {
                        if let Err(msg) = self.set(&var, v) {
                            self.errln(host, &msg);
                            self.finish(2);
                            continue;
                        }
                        self.frames.push(Frame::For {
                            var,
                            items,
                            at: at + 1,
                            body: body.clone(),
                        });
                        self.frames.push(Frame::Run(body));
                    }
                }
                Frame::Func { positional, locals } => {
                    self.leave_func(positional, locals);
                    self.after_command(self.status);
                }
                Frame::Restore(io, n) => {
                    self.io = io;
                    self.inputs.truncate(n);
                }
                Frame::Sleep { until, then } => {
                    if host.now() >= until {
                        self.status = then;
                    } else {
                        self.frames.push(Frame::Sleep { until, then });
                        return ShellState::Sleeping { until };
                    }
                }
                Frame::Wait(target) => {
                    let st = match target {
                        None => self.jobs.iter().all(|j| j.done.is_some()).then_some(0),
                        Some(pid) => match self.jobs.iter().find(|j| j.pid == pid) {
                            None => Some(127),
                            Some(j) => j.done,
                        },
                    };
                    match st {
                        Some(st) => self.status = st,
                        None => {
                            self.frames.push(Frame::Wait(target));
                            return ShellState::Blocked;
                        }
                    }
                }
                Frame::Blocked { interruptible } => {
                    self.frames.push(Frame::Blocked { interruptible });
                    return ShellState::Blocked;
                }
                Frame::Child(mut m) => {
                    let st = m.run(host);
                    self.merge(&mut m);
                    match st {
                        ShellState::Exited(c) => self.after_command(c),
                        st => {
                            self.frames.push(Frame::Child(m));
                            return st;
                        }
                    }
                }
                Frame::Trap(saved) => self.status = saved,
                Frame::ExitAfter(code) => {
                    self.unwind(0);
                    self.exited = Some(code.unwrap_or(self.status));
                }
            }
        }
    }

    /// Runs the handler of a pending trapped signal; interrupts `wait` and `read`.
    fn deliver(&mut self, host: &mut dyn Host) {
        if self.pending.is_empty() {
            return;
        }
        let (name, num) = self.pending.remove(0);
        if matches!(
            self.frames.last(),
            Some(
                Frame::Wait(_)
                    | Frame::Blocked {
                        interruptible: true
                    }
            )
        ) {
            self.frames.pop();
            self.status = 128 + num;
        }
        if let Some(handler) = self.traps.get(&name).cloned().filter(|h| !h.is_empty()) {
            self.frames.push(Frame::Trap(self.status));
            self.push_script(host, &handler);
        }
    }

    fn push_script(&mut self, host: &mut dyn Host, text: &str) -> bool {
        match Parser::new(text, 0).parse_program() {
            Ok(cmd) => {
                self.frames.push(Frame::Run(cmd));
                true
            }
            Err(e) => {
                self.errln(host, &e.0);
                false
            }
        }
    }

    /// Pops frames down to `keep` entries, undoing redirections on the way.
    fn unwind(&mut self, keep: usize) {
        while self.frames.len() > keep {
            match self.frames.pop() {
                Some(Frame::Restore(io, n)) => {
                    self.io = io;
                    self.inputs.truncate(n);
                }
                Some(Frame::Func { positional, locals }) => self.leave_func(positional, locals),
                _ => {}
            }
        }
    }

    fn leave_func(&mut self, positional: Vec<String>, locals: Vec<(String, Option<Var>)>) {
        self.positional = positional;
        for (name, old) in locals.into_iter().rev() {
            match old {
                Some(v) => self.vars.insert(name, v),
                None => self.vars.remove(&name),
            };
        }
    }

    /// The shell exits with `code`, running the EXIT trap first.
    fn finish(&mut self, code: i32) {
        self.unwind(0);
        self.status = code;
        match self
            .traps
            .get("EXIT")
            .cloned()
            .filter(|h| !h.is_empty() && !self.in_exit_trap)
        {
            Some(h) => {
                self.in_exit_trap = true;
                self.frames.push(Frame::ExitAfter(Some(code)));
                if let Ok(cmd) = Parser::new(&h, 0).parse_program() {
                    self.frames.push(Frame::Run(cmd));
                }
            }
            None => self.exited = Some(code),
        }
    }

    fn after_command(&mut self, status: i32) {
        self.status = status;
        if self.errexit && status != 0 {
            let in_condition = self.frames.iter().any(|f| {
                matches!(
                    f,
                    Frame::If { .. }
                        | Frame::AndOr { .. }
                        | Frame::Not
                        | Frame::Loop { in_cond: true, .. }
                )
            });
            if !in_condition {
                self.finish(status);
            }
        }
    }

    fn flow(&mut self, host: &mut dyn Host, f: Flow) {
        match f {
            Flow::Fatal(msg, code) => {
                self.errln(host, &msg);
                self.finish(code);
            }
            Flow::Fail(msg) => {
                self.errln(host, &msg);
                self.after_command(1);
            }
            Flow::Blocked => self.frames.push(Frame::Blocked {
                interruptible: false,
            }),
        }
    }

    fn do_return(&mut self, code: i32) {
        match self
            .frames
            .iter()
            .rposition(|f| matches!(f, Frame::Func { .. }))
        {
            Some(i) => {
                self.unwind(i);
                self.after_command(code);
            }
            None => self.finish(code),
        }
    }

    fn do_break(&mut self, n: u32, cont: bool) {
        let mut remaining = n.max(1);
        let mut target = None;
        for (i, f) in self.frames.iter().enumerate().rev() {
            match f {
                Frame::Func { .. } => break,
                Frame::Loop { .. } | Frame::For { .. } => {
                    target = Some(i);
                    remaining -= 1;
                    if remaining == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        self.status = 0;
        let Some(i) = target else { return };
        self.unwind(i + 1);
        match self.frames.pop() {
            Some(Frame::Loop {
                until, cond, body, ..
            }) if cont => {
                self.frames.push(Frame::Loop {
                    until,
                    cond: cond.clone(),
                    body,
                    in_cond: true,
                    last: 0,
                });
                self.frames.push(Frame::Run(cond));
            }
            Some(f @ Frame::For { .. }) if cont => self.frames.push(f),
            _ => {}
        }
    }

    /// Runs a child to completion right now (a pipeline stage or a command substitution),
    /// moving simulated time along privately; the time it took becomes owed time. `None`
    /// when it would never finish.
    fn run_sync(&mut self, host: &mut dyn Host, m: &mut Machine) -> Option<i32> {
        let start = host.now();
        let mut offset = self.debt_ms;
        let mut busy_slices = 0;
        for _ in 0..1000 {
            let st = m.run(&mut Offset {
                inner: &mut *host,
                offset,
            });
            self.log.append(&mut m.log);
            match st {
                ShellState::Exited(c) => {
                    self.debt_ms = offset;
                    return Some(c);
                }
                ShellState::Sleeping { until } if offset < 86_400_000 && busy_slices < 20 => {
                    busy_slices += u32::from(m.busy);
                    offset += until.millis_since(start.plus_millis(offset)).max(1);
                }
                _ => return None,
            }
        }
        None
    }

    fn cmdsub(&mut self, host: &mut dyn Host, cmd: &Arc<Cmd>) -> Result<String, Flow> {
        let Some(mut m) = self.fork(cmd.clone()) else {
            return Err(Flow::Fatal("sh: can't fork".into(), 2));
        };
        m.io.out = Sink::Capture;
        let code = self.run_sync(host, &mut m).ok_or(Flow::Blocked)?;
        self.sub_status = Some(code);
        let mut s = std::mem::take(&mut m.captured);
        while s.ends_with('\n') {
            s.pop();
        }
        Ok(s)
    }

    // ---- commands

    fn start(&mut self, host: &mut dyn Host, cmd: Arc<Cmd>) {
        match &*cmd {
            Cmd::Empty => {}
            Cmd::Simple(s) => self.simple(host, s),
            Cmd::Seq(items) => self.frames.push(Frame::Seq(items.clone(), 0)),
            Cmd::AndOr(l, and, r) => {
                self.frames.push(Frame::AndOr {
                    and: *and,
                    right: r.clone(),
                });
                self.frames.push(Frame::Run(l.clone()));
            }
            Cmd::Not(c) => {
                self.frames.push(Frame::Not);
                self.frames.push(Frame::Run(c.clone()));
            }
            Cmd::Pipe(stages) => self.pipeline(host, stages),
            Cmd::Subshell(c) => match self.fork(c.clone()) {
                Some(m) => self.frames.push(Frame::Child(m)),
                None => self.flow(host, Flow::Fail("sh: can't fork".into())),
            },
            Cmd::If(arms, els) => {
                if let Some((cond, _)) = arms.first() {
                    self.frames.push(Frame::If {
                        arms: arms.clone(),
                        els: els.clone(),
                        at: 0,
                    });
                    self.frames.push(Frame::Run(cond.clone()));
                }
            }
            Cmd::Loop(until, cond, body) => {
                self.frames.push(Frame::Loop {
                    until: *until,
                    cond: cond.clone(),
                    body: body.clone(),
                    in_cond: true,
                    last: 0,
                });
                self.frames.push(Frame::Run(cond.clone()));
            }
            Cmd::For(var, words, body) => {
                let items = match words {
                    Some(ws) => match self.expand_words(host, ws) {
                        Ok(v) => v,
                        Err(f) => return self.flow(host, f),
                    },
                    None => self.positional.clone(),
                };
                self.status = 0;
                self.frames.push(Frame::For {
                    var: var.clone(),
                    items,
                    at: 0,
                    body: body.clone(),
                });
            }
            Cmd::Case(word, arms) => {
                let subject = match self.expand_str(host, word) {
                    Ok(s) => s,
                    Err(f) => return self.flow(host, f),
                };
                self.status = 0;
                for (pats, body) in arms {
                    for p in pats {
                        let pat = match self.expand_pattern(host, p) {
                            Ok(p) => p,
                            Err(f) => return self.flow(host, f),
                        };
                        if glob(&pat, &subject) {
                            if let Some(b) = body {
                                self.frames.push(Frame::Run(b.clone()));
                            }
                            return;
                        }
                    }
                }
            }
            Cmd::Func(name, body) => {
                self.funcs.insert(name.clone(), body.clone());
                self.status = 0;
            }
            Cmd::Redirected(c, redirs) => {
                let (saved, n) = (self.io.clone(), self.inputs.len());
                match self.redirect(host, redirs) {
                    Ok(()) => {
                        self.frames.push(Frame::Restore(saved, n));
                        self.frames.push(Frame::Run(c.clone()));
                    }
                    Err(f) => {
                        self.io = saved;
                        self.inputs.truncate(n);
                        self.flow(host, f);
                    }
                }
            }
            Cmd::Script(path) => match host.read_file(&self.resolve(path)) {
                Ok(text) => match Parser::new(&text, 0).parse_program() {
                    Ok(cmd) => self.frames.push(Frame::Run(cmd)),
                    Err(e) => self.flow(host, Flow::Fatal(e.0, 2)),
                },
                Err(e) => self.flow(
                    host,
                    Flow::Fatal(format!("sh: can't open '{path}': {e}"), 2),
                ),
            },
        }
    }

    fn pipeline(&mut self, host: &mut dyn Host, stages: &[Arc<Cmd>]) {
        let mut input: Option<String> = None;
        let last = stages.len().saturating_sub(1);
        for (i, stage) in stages.iter().enumerate() {
            let Some(mut m) = self.fork(stage.clone()) else {
                return self.flow(host, Flow::Fail("sh: can't fork".into()));
            };
            if let Some(data) = input.take() {
                m.inputs.push(Input { data, pos: 0 });
                m.io.input = Some(m.inputs.len() - 1);
            }
            if i == last {
                self.frames.push(Frame::Child(m));
                return;
            }
            m.io.out = Sink::Capture;
            if self.run_sync(host, &mut m).is_none() {
                self.frames.push(Frame::Blocked {
                    interruptible: false,
                });
                return;
            }
            input = Some(std::mem::take(&mut m.captured));
        }
    }

    fn redirect(&mut self, host: &mut dyn Host, redirs: &[Redir]) -> Result<(), Flow> {
        for r in redirs {
            let target = self.expand_str(host, &r.target)?;
            let sink = match r.kind {
                RKind::Out | RKind::Append => match target.as_str() {
                    "/dev/null" => Sink::Null,
                    "/dev/stdout" => self.io.out.clone(),
                    "/dev/stderr" => self.io.err.clone(),
                    "/proc/1/fd/1" => Sink::Log(Stream::Stdout),
                    "/proc/1/fd/2" => Sink::Log(Stream::Stderr),
                    _ => {
                        let path = self.resolve(&target);
                        host.write_file(&path, "", r.kind == RKind::Append)
                            .map_err(|e| {
                                Flow::Fail(format!("sh: can't create {target}: {}", create_msg(e)))
                            })?;
                        Sink::File(path)
                    }
                },
                RKind::DupOut => match target.as_str() {
                    "1" => self.io.out.clone(),
                    "2" => self.io.err.clone(),
                    "-" => Sink::Null,
                    _ => return Err(Flow::Fail(format!("sh: {target}: bad file descriptor"))),
                },
                RKind::In | RKind::Here => {
                    if r.fd == 0 {
                        let data = if r.kind == RKind::Here || target == "/dev/null" {
                            if r.kind == RKind::Here {
                                target
                            } else {
                                String::new()
                            }
                        } else {
                            host.read_file(&self.resolve(&target)).map_err(|e| {
                                Flow::Fail(format!("sh: can't open {target}: {}", open_msg(e)))
                            })?
                        };
                        self.inputs.push(Input { data, pos: 0 });
                        self.io.input = Some(self.inputs.len() - 1);
                    }
                    continue;
                }
                RKind::DupIn => continue,
            };
            match r.fd {
                1 => self.io.out = sink,
                2 => self.io.err = sink,
                _ => {}
            }
        }
        Ok(())
    }

    fn simple(&mut self, host: &mut dyn Host, s: &Simple) {
        self.line = s.line;
        self.sub_status = None;
        let argv = match self.expand_words(host, &s.words) {
            Ok(a) => a,
            Err(f) => return self.flow(host, f),
        };
        let mut assigns = Vec::new();
        for (name, w) in &s.assigns {
            match self.expand_str(host, w) {
                Ok(v) => assigns.push((name.clone(), v)),
                Err(f) => return self.flow(host, f),
            }
        }
        if self.xtrace {
            let words: Vec<String> = assigns
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .chain(argv.iter().cloned())
                .collect();
            self.errln(host, &format!("+ {}", words.join(" ")));
        }
        let (saved, n) = (self.io.clone(), self.inputs.len());
        if let Err(f) = self.redirect(host, &s.redirs) {
            self.io = saved;
            self.inputs.truncate(n);
            return self.flow(host, f);
        }
        let Some(name) = argv.first().cloned() else {
            self.io = saved;
            self.inputs.truncate(n);
            for (k, v) in assigns {
                if let Err(msg) = self.set(&k, v) {
                    return self.flow(host, Flow::Fatal(msg, 2));
                }
            }
            return self.after_command(self.sub_status.unwrap_or(0));
        };
        const SPECIAL: &[&str] = &[
            ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return",
            "set", "shift", "trap", "unset", "local",
        ];
        let keep = SPECIAL.contains(&name.as_str()) || self.funcs.contains_key(&name);
        let mut restore = Vec::new();
        for (k, v) in assigns {
            if !keep {
                restore.push((k.clone(), self.vars.get(&k).cloned()));
            }
            if let Err(msg) = self.set(&k, v) {
                self.io = saved;
                return self.flow(host, Flow::Fatal(msg, 2));
            }
            if !keep && let Some(var) = self.vars.get_mut(&k) {
                var.exported = true;
            }
        }
        let act = self.dispatch(host, &argv);
        for (k, old) in restore.into_iter().rev() {
            match old {
                Some(v) => self.vars.insert(k, v),
                None => self.vars.remove(&k),
            };
        }
        self.act(host, act, saved, n);
    }

    fn act(&mut self, host: &mut dyn Host, act: Act, saved: Io, n: usize) {
        let frame_io = matches!(
            act,
            Act::Call(..) | Act::Push(_) | Act::Spawn(_) | Act::Exec(_) | Act::Keep
        );
        if !frame_io {
            self.io = saved.clone();
            self.inputs.truncate(n);
        }
        match act {
            Act::Done(st) => self.after_command(st),
            Act::Sleep(ms) => self.frames.push(Frame::Sleep {
                until: host.now().plus_millis(ms),
                then: 0,
            }),
            Act::Block(interruptible) => self.frames.push(Frame::Blocked { interruptible }),
            Act::Exit(c) => self.finish(c),
            Act::Return(c) => self.do_return(c),
            Act::Break(k, cont) => self.do_break(k, cont),
            Act::Wait(t) => self.frames.push(Frame::Wait(t)),
            Act::Call(body, args) => {
                if self
                    .frames
                    .iter()
                    .filter(|f| matches!(f, Frame::Func { .. }))
                    .count()
                    >= MAX_CALLS
                {
                    self.io = saved;
                    return self.flow(host, Flow::Fatal("sh: function nesting too deep".into(), 2));
                }
                self.frames.push(Frame::Restore(saved, n));
                let positional = std::mem::replace(&mut self.positional, args);
                self.frames.push(Frame::Func {
                    positional,
                    locals: vec![],
                });
                self.frames.push(Frame::Run(body));
            }
            Act::Push(cmd) => {
                self.frames.push(Frame::Restore(saved, n));
                self.frames.push(Frame::Run(cmd));
            }
            Act::Spawn(m) => {
                self.frames.push(Frame::Restore(saved, n));
                self.frames.push(Frame::Child(m));
            }
            Act::Exec(inner) => {
                self.frames.push(Frame::ExitAfter(None));
                self.act(host, *inner, saved, n);
            }
            Act::Keep => self.status = 0,
        }
    }

    // ---- expansion

    fn pieces(
        &mut self,
        host: &mut dyn Host,
        word: &[Part],
        out: &mut Vec<Piece>,
    ) -> Result<(), Flow> {
        for (i, part) in word.iter().enumerate() {
            match part {
                Part::Lit(s) => {
                    let s = match s.strip_prefix('~') {
                        Some(rest) if i == 0 && (rest.is_empty() || rest.starts_with('/')) => {
                            format!(
                                "{}{rest}",
                                self.get("HOME").unwrap_or_else(|| "/root".into())
                            )
                        }
                        _ => s.clone(),
                    };
                    out.push(Piece::Text(s, false, false));
                }
                Part::Quoted(s) => out.push(Piece::Text(s.clone(), true, false)),
                Part::Param(p) => self.param(host, p, out)?,
                Part::Sub(cmd, q) => {
                    let v = self.cmdsub(host, cmd)?;
                    out.push(Piece::Text(v, *q, !*q));
                }
                Part::Arith(w, q) => {
                    let expr = self.expand_str(host, w)?;
                    let v = self.arith(&expr)?;
                    out.push(Piece::Text(v.to_string(), *q, !*q));
                }
            }
        }
        Ok(())
    }

    fn arith(&mut self, expr: &str) -> Result<i64, Flow> {
        let fatal = |m: String| Flow::Fatal(format!("sh: {m}"), 2);
        let toks = arith_tokens(expr).map_err(fatal)?;
        if toks.is_empty() {
            return Ok(0);
        }
        let mut a = Arith {
            toks,
            pos: 0,
            m: self,
        };
        let v = a.assign().map_err(fatal)?;
        if a.pos != a.toks.len() {
            return Err(fatal("arithmetic syntax error".into()));
        }
        Ok(v)
    }

    fn param(&mut self, host: &mut dyn Host, p: &Param, out: &mut Vec<Piece>) -> Result<(), Flow> {
        let q = p.quoted;
        if p.op == POp::Plain && (p.name == "@" || p.name == "*") {
            if q && p.name == "*" {
                let sep = self
                    .ifs()
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default();
                out.push(Piece::Text(self.positional.join(&sep), true, false));
                return Ok(());
            }
            for (i, a) in self.positional.iter().enumerate() {
                if i > 0 {
                    out.push(Piece::Break);
                }
                out.push(Piece::Text(a.clone(), q, !q));
            }
            return Ok(());
        }
        let val = self.get(&p.name);
        let usable = |colon: bool| val.as_deref().is_some_and(|v| !colon || !v.is_empty());
        let value = match p.op {
            POp::Default(c) | POp::Alt(c) if usable(c) == matches!(p.op, POp::Alt(_)) => {
                let start = out.len();
                self.pieces(host, &p.arg, out)?;
                if !q {
                    for piece in out.iter_mut().skip(start) {
                        if let Piece::Text(_, false, split) = piece {
                            *split = true;
                        }
                    }
                }
                return Ok(());
            }
            POp::Alt(_) => String::new(),
            POp::Default(_) => val.unwrap_or_default(),
            POp::Assign(c) if !usable(c) => {
                let v = self.expand_str(host, &p.arg)?;
                self.set(&p.name, v.clone())
                    .map_err(|m| Flow::Fatal(m, 2))?;
                v
            }
            POp::Error(c) if !usable(c) => {
                let msg = self.expand_str(host, &p.arg)?;
                let msg = if msg.is_empty() {
                    "parameter not set".to_owned()
                } else {
                    msg
                };
                return Err(Flow::Fatal(format!("sh: {}: {msg}", p.name), 2));
            }
            POp::Assign(_) | POp::Error(_) => val.unwrap_or_default(),
            POp::Plain | POp::Len | POp::TrimFront(_) | POp::TrimBack(_) => {
                if val.is_none() && self.nounset && is_name(&p.name) {
                    return Err(Flow::Fatal(format!("sh: {}: parameter not set", p.name), 2));
                }
                let v = val.unwrap_or_default();
                match p.op {
                    POp::Len => v.chars().count().to_string(),
                    POp::TrimFront(longest) | POp::TrimBack(longest) => {
                        let pat = self.expand_pattern(host, &p.arg)?;
                        let cs: Vec<char> = v.chars().collect();
                        let n = cs.len();
                        let front = matches!(p.op, POp::TrimFront(_));
                        let mut cuts: Vec<usize> = (0..=n).collect();
                        if front == longest {
                            cuts.reverse();
                        }
                        let piece = |a: usize, b: usize| {
                            cs.get(a..b).unwrap_or_default().iter().collect::<String>()
                        };
                        cuts.into_iter()
                            .find_map(|i| {
                                let (head, tail) = (piece(0, i), piece(i, n));
                                if front {
                                    glob(&pat, &head).then_some(tail)
                                } else {
                                    glob(&pat, &tail).then_some(head)
                                }
                            })
                            .unwrap_or(v)
                    }
                    _ => v,
                }
            }
        };
        out.push(Piece::Text(value, q, !q));
        Ok(())
    }

    fn expand_fields(&mut self, host: &mut dyn Host, word: &[Part]) -> Result<Vec<String>, Flow> {
        let mut pieces = Vec::new();
        self.pieces(host, word, &mut pieces)?;
        let ifs = self.ifs();
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut started = false;
        for piece in pieces {
            match piece {
                Piece::Break => {
                    if started {
                        fields.push(std::mem::take(&mut cur));
                    }
                    started = false;
                }
                Piece::Text(s, quoted, split) => {
                    if !split || ifs.is_empty() {
                        started |= quoted || !s.is_empty();
                        cur.push_str(&s);
                        continue;
                    }
                    for c in s.chars() {
                        if !ifs.contains(c) {
                            cur.push(c);
                            started = true;
                        } else if started || !c.is_whitespace() {
                            fields.push(std::mem::take(&mut cur));
                            started = false;
                        }
                    }
                }
            }
        }
        if started {
            fields.push(cur);
        }
        Ok(fields)
    }

    fn expand_words(&mut self, host: &mut dyn Host, words: &[Word]) -> Result<Vec<String>, Flow> {
        let mut out = Vec::new();
        for w in words {
            out.extend(self.expand_fields(host, w)?);
        }
        Ok(out)
    }

    fn expand_str(&mut self, host: &mut dyn Host, word: &[Part]) -> Result<String, Flow> {
        let mut pieces = Vec::new();
        self.pieces(host, word, &mut pieces)?;
        Ok(pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(s, _, _) => s,
                Piece::Break => " ".into(),
            })
            .collect())
    }

    fn expand_pattern(&mut self, host: &mut dyn Host, word: &[Part]) -> Result<String, Flow> {
        let mut pieces = Vec::new();
        self.pieces(host, word, &mut pieces)?;
        Ok(pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(s, true, _) => glob_escape(&s),
                Piece::Text(s, false, _) => s,
                Piece::Break => " ".into(),
            })
            .collect())
    }
}

/// A view of the host whose clock runs `offset` ms ahead: how instant work (and `exec`)
/// sees the time pass while it "sleeps".
struct Offset<'a> {
    inner: &'a mut dyn Host,
    offset: u64,
}

impl Host for Offset<'_> {
    fn now(&self) -> SimTime {
        self.inner.now().plus_millis(self.offset)
    }
    fn read_file(&self, path: &str) -> Result<String, FsError> {
        self.inner.read_file(path)
    }
    fn write_file(&mut self, path: &str, data: &str, append: bool) -> Result<(), FsError> {
        self.inner.write_file(path, data, append)
    }
    fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        self.inner.remove(path, recursive)
    }
    fn is_file(&self, path: &str) -> bool {
        self.inner.is_file(path)
    }
    fn is_dir(&self, path: &str) -> bool {
        self.inner.is_dir(path)
    }
    fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        self.inner.mkdir(path, parents)
    }
    fn list_dir(&self, path: &str) -> Result<Vec<String>, FsError> {
        self.inner.list_dir(path)
    }
    fn env(&self) -> BTreeMap<String, String> {
        self.inner.env()
    }
    fn hostname(&self) -> String {
        self.inner.hostname()
    }
    fn lookup(&self, name: &str) -> DnsAnswer {
        self.inner.lookup(name)
    }
    fn http_get(&mut self, url: &str, timeout_ms: u64) -> HttpOutcome {
        self.inner.http_get(url, timeout_ms)
    }
    fn run_program(&mut self, argv: &[String], now: SimTime) -> Option<(i32, String, String)> {
        self.inner.run_program(argv, now)
    }
    fn process_names(&self, now: SimTime) -> Vec<String> {
        self.inner.process_names(now)
    }
    fn signal_process(&mut self, name: &str, signal: Signal, now: SimTime) -> bool {
        self.inner.signal_process(name, signal, now)
    }
}

// ---------------------------------------------------------------------------------------
// Builtins and applets

/// Busybox applets that may also be called by path (`/bin/sleep`).
const APPLETS: &[&str] = &[
    "echo", "printf", "true", "false", "sleep", "touch", "rm", "mkdir", "cat", "ls", "test", "[",
    "date", "hostname", "env", "printenv", "kill", "killall", "pidof", "seq", "wc", "head", "tail",
    "grep", "expr", "yes", "nslookup", "wget", "sh", "ash", "pwd",
];

/// Backslash escapes of `echo -e` / `printf`; the flag is set when `\c` stopped the output.
fn unescape(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut cs = s.chars().peekable();
    while let Some(c) = cs.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = match cs.next() {
            Some('n') => '\n',
            Some('t') => '\t',
            Some('r') => '\r',
            Some('a') => '\x07',
            Some('b') => '\x08',
            Some('f') => '\x0c',
            Some('v') => '\x0b',
            Some('e') => '\x1b',
            Some('\\') => '\\',
            Some('c') => return (out, true),
            Some(d @ '0'..='7') => {
                let mut v = d.to_digit(8).unwrap_or(0);
                let max = if d == '0' { 3 } else { 2 };
                for _ in 0..max {
                    match cs.peek().and_then(|c| c.to_digit(8)) {
                        Some(n) => {
                            v = v * 8 + n;
                            cs.next();
                        }
                        None => break,
                    }
                }
                char::from_u32(v).unwrap_or('?')
            }
            Some(o) => {
                out.push('\\');
                o
            }
            None => '\\',
        };
        out.push(e);
    }
    (out, false)
}

/// One pass of a `printf` format over `args` from `*idx`; true when `\c` stopped output.
fn format_once(
    fmt: &str,
    args: &[String],
    idx: &mut usize,
    out: &mut String,
    errs: &mut Vec<String>,
) -> bool {
    let cs: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while let Some(&c) = cs.get(i) {
        i += 1;
        if c == '\\' {
            let mut esc = String::from('\\');
            if let Some(&n) = cs.get(i) {
                esc.push(n);
                i += 1;
                while n.is_digit(8) && esc.len() < 5 && cs.get(i).is_some_and(|c| c.is_digit(8)) {
                    esc.extend(cs.get(i));
                    i += 1;
                }
            }
            let (text, stop) = unescape(&esc);
            out.push_str(&text);
            if stop {
                return true;
            }
            continue;
        }
        if c != '%' {
            out.push(c);
            continue;
        }
        if cs.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let start = i;
        while cs.get(i).is_some_and(|c| "-+ #0".contains(*c)) {
            i += 1;
        }
        let flags: String = cs.get(start..i).unwrap_or_default().iter().collect();
        let mut width = 0usize;
        while let Some(d) = cs.get(i).and_then(|c| c.to_digit(10)) {
            width = width
                .saturating_mul(10)
                .saturating_add(d as usize)
                .min(4096);
            i += 1;
        }
        let mut prec = None;
        if cs.get(i) == Some(&'.') {
            i += 1;
            let mut p = 0usize;
            while let Some(d) = cs.get(i).and_then(|c| c.to_digit(10)) {
                p = p.saturating_mul(10).saturating_add(d as usize).min(4096);
                i += 1;
            }
            prec = Some(p);
        }
        let Some(&conv) = cs.get(i) else {
            out.push('%');
            out.push_str(&flags);
            break;
        };
        i += 1;
        let arg = args.get(*idx).cloned().unwrap_or_default();
        *idx += 1;
        let mut num = |a: &str| -> i64 {
            let mut cs = a.chars();
            match cs.next() {
                None => 0,
                Some('\'' | '"') => cs.next().map_or(0, |c| i64::from(u32::from(c))),
                _ => parse_int(a).unwrap_or_else(|| {
                    errs.push(format!("printf: invalid number '{a}'"));
                    0
                }),
            }
        };
        let body = match conv {
            's' => match prec {
                Some(p) => arg.chars().take(p).collect(),
                None => arg,
            },
            'b' => unescape(&arg).0,
            'c' => arg.chars().next().map(String::from).unwrap_or_default(),
            'd' | 'i' => num(&arg).to_string(),
            'u' => (num(&arg) as u64).to_string(),
            'x' => format!("{:x}", num(&arg)),
            'X' => format!("{:X}", num(&arg)),
            'o' => format!("{:o}", num(&arg)),
            'f' | 'e' | 'g' => format!(
                "{:.*}",
                prec.unwrap_or(6),
                arg.trim().parse::<f64>().unwrap_or(0.0)
            ),
            other => {
                *idx -= 1;
                out.push('%');
                out.push_str(&flags);
                out.push(other);
                continue;
            }
        };
        let len = body.chars().count();
        if len >= width {
            out.push_str(&body);
        } else if flags.contains('-') {
            out.push_str(&body);
            out.push_str(&" ".repeat(width - len));
        } else if flags.contains('0') && "diuxXof".contains(conv) {
            let (sign, digits) = match body.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("", body.as_str()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(width - len));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(width - len));
            out.push_str(&body);
        }
    }
    false
}

/// `strftime` for the `date` applet, at simulated time `ms` (UTC).
fn strftime(fmt: &str, ms: u64) -> String {
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let secs = EPOCH_UNIX_SECONDS.saturating_add((ms / 1000) as i64);
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(secs) else {
        return String::new();
    };
    let wd = usize::from(dt.weekday().number_days_from_sunday());
    let mo = usize::from(u8::from(dt.month()));
    let day = DAYS.get(wd).copied().unwrap_or("");
    let month = MONTHS.get(mo.saturating_sub(1)).copied().unwrap_or("");
    let mut out = String::new();
    let mut cs = fmt.chars();
    while let Some(c) = cs.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let s = match cs.next() {
            Some('Y') => dt.year().to_string(),
            Some('y') => format!("{:02}", dt.year() % 100),
            Some('m') => format!("{mo:02}"),
            Some('d') => format!("{:02}", dt.day()),
            Some('e') => format!("{:>2}", dt.day()),
            Some('H') => format!("{:02}", dt.hour()),
            Some('M') => format!("{:02}", dt.minute()),
            Some('S') => format!("{:02}", dt.second()),
            Some('N') => format!("{:09}", (ms % 1000) * 1_000_000),
            Some('s') => secs.to_string(),
            Some('j') => format!("{:03}", dt.ordinal()),
            Some('a') => day.chars().take(3).collect(),
            Some('A') => day.to_owned(),
            Some('b' | 'h') => month.chars().take(3).collect(),
            Some('B') => month.to_owned(),
            Some('u') => (if wd == 0 { 7 } else { wd }).to_string(),
            Some('w') => wd.to_string(),
            Some('Z') => "UTC".into(),
            Some('z') => "+0000".into(),
            Some('T') => strftime("%H:%M:%S", ms),
            Some('F') => strftime("%Y-%m-%d", ms),
            Some('D') => strftime("%m/%d/%y", ms),
            Some('R') => strftime("%H:%M", ms),
            Some('c') => strftime("%a %b %e %H:%M:%S %Y", ms),
            Some('n') => "\n".into(),
            Some('t') => "\t".into(),
            Some('%') => "%".into(),
            Some(o) => format!("%{o}"),
            None => "%".into(),
        };
        out.push_str(&s);
    }
    out
}

/// Parses a `sleep` operand: seconds, fractional, with an `s`/`m`/`h`/`d` suffix.
fn sleep_ms(a: &str) -> Option<u64> {
    let (num, factor) = [('s', 1e3), ('m', 6e4), ('h', 3.6e6), ('d', 8.64e7)]
        .iter()
        .find_map(|(suf, f)| a.strip_suffix(*suf).map(|n| (n, *f)))
        .unwrap_or((a, 1e3));
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let ms = num.parse::<f64>().ok()? * factor;
    (ms.is_finite() && (0.0..1e15).contains(&ms)).then(|| ms.round() as u64)
}

/// Parses `sh [-opts] -c SCRIPT [arg0 args…]` or `sh FILE [args…]`: command, `$0`,
/// positional parameters, option letters.
fn shell_invocation(
    args: &[String],
) -> Result<(Arc<Cmd>, String, Vec<String>, String), ParseError> {
    let mut flags = String::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "--" {
            i += 1;
            break;
        }
        match a.strip_prefix('-') {
            Some(f) if !f.is_empty() => {
                flags.push_str(f);
                i += 1;
            }
            _ => break,
        }
    }
    let rest = args.get(i..).unwrap_or_default();
    let tail = rest.get(1..).unwrap_or_default();
    if flags.contains('c') {
        let Some(script) = rest.first() else {
            return Err(ParseError("sh: -c requires an argument".into()));
        };
        let cmd = Parser::new(script, 0).parse_program()?;
        let arg0 = tail.first().cloned().unwrap_or_else(|| "sh".into());
        Ok((cmd, arg0, tail.get(1..).unwrap_or_default().to_vec(), flags))
    } else if let Some(file) = rest.first() {
        Ok((
            Arc::new(Cmd::Script(file.clone())),
            file.clone(),
            tail.to_vec(),
            flags,
        ))
    } else {
        Ok((Arc::new(Cmd::Empty), "sh".into(), vec![], flags))
    }
}

/// `test` / `[`: a recursive-descent evaluator over the operands.
struct TestCtx<'a> {
    a: &'a [String],
    i: usize,
    host: &'a dyn Host,
    cwd: String,
}

impl TestCtx<'_> {
    fn arg(&self, k: usize) -> Option<&str> {
        self.a.get(self.i + k).map(String::as_str)
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut v = self.and()?;
        while self.arg(0) == Some("-o") {
            self.i += 1;
            v |= self.and()?;
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut v = self.not()?;
        while self.arg(0) == Some("-a") {
            self.i += 1;
            v &= self.not()?;
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<bool, String> {
        if self.arg(0) == Some("!") && self.arg(1).is_some() {
            self.i += 1;
            return Ok(!self.not()?);
        }
        self.primary()
    }

    fn int(s: &str) -> Result<i64, String> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("{s}: bad number"))
    }

    fn primary(&mut self) -> Result<bool, String> {
        let Some(x) = self.arg(0).map(str::to_owned) else {
            return Err("argument expected".into());
        };
        const BIN: &[&str] = &[
            "=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot",
            "-ef",
        ];
        if let (Some(op), Some(y)) = (self.arg(1), self.arg(2))
            && BIN.contains(&op)
        {
            let (op, y) = (op.to_owned(), y.to_owned());
            self.i += 3;
            let num = |f: fn(&i64, &i64) -> bool| Ok(f(&Self::int(&x)?, &Self::int(&y)?));
            return match op.as_str() {
                "=" | "==" => Ok(x == y),
                "!=" => Ok(x != y),
                "<" => Ok(x < y),
                ">" => Ok(x > y),
                "-eq" => num(i64::eq),
                "-ne" => num(i64::ne),
                "-lt" => num(i64::lt),
                "-le" => num(i64::le),
                "-gt" => num(i64::gt),
                "-ge" => num(i64::ge),
                _ => Ok(false),
            };
        }
        if x == "(" && self.arg(1).is_some() {
            self.i += 1;
            let v = self.or()?;
            if self.arg(0) != Some(")") {
                return Err("closing paren expected".into());
            }
            self.i += 1;
            return Ok(v);
        }
        const UN: &[&str] = &[
            "-e", "-f", "-d", "-s", "-z", "-n", "-r", "-w", "-x", "-L", "-h", "-p", "-S", "-b",
            "-c", "-t", "-g", "-u", "-k",
        ];
        if let Some(y) = self.arg(1).map(str::to_owned)
            && UN.contains(&x.as_str())
        {
            self.i += 2;
            let p = normalize(&self.cwd, &y);
            let (file, dir) = (self.host.is_file(&p), self.host.is_dir(&p));
            return Ok(match x.as_str() {
                "-z" => y.is_empty(),
                "-n" => !y.is_empty(),
                "-f" => file,
                "-d" => dir,
                "-s" => dir || self.host.read_file(&p).is_ok_and(|d| !d.is_empty()),
                "-e" | "-r" | "-w" | "-x" => file || dir,
                _ => false,
            });
        }
        self.i += 1;
        Ok(!x.is_empty())
    }
}

impl Machine {
    fn dispatch(&mut self, host: &mut dyn Host, argv: &[String]) -> Act {
        let Some(first) = argv.first() else {
            return Act::Done(0);
        };
        let args = argv.get(1..).unwrap_or_default();
        if let Some(body) = self.funcs.get(first).cloned() {
            return Act::Call(body, args.to_vec());
        }
        let base = first.rsplit('/').next().unwrap_or(first);
        let by_path = ["/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/"]
            .iter()
            .any(|d| first.starts_with(d));
        let name = if by_path && APPLETS.contains(&base) {
            base
        } else {
            first.as_str()
        };
        match name {
            ":" | "true" => Act::Done(0),
            "false" => Act::Done(1),
            "busybox" if !args.is_empty() => self.redispatch(host, args),
            "echo" => {
                let mut newline = true;
                let mut escapes = false;
                let mut i = 0;
                while let Some(f) = args.get(i).and_then(|a| a.strip_prefix('-')) {
                    if f.is_empty() || !f.chars().all(|c| "neE".contains(c)) {
                        break;
                    }
                    for c in f.chars() {
                        match c {
                            'n' => newline = false,
                            'e' => escapes = true,
                            _ => escapes = false,
                        }
                    }
                    i += 1;
                }
                let mut text = args.get(i..).unwrap_or_default().join(" ");
                if escapes {
                    let (t, stop) = unescape(&text);
                    text = t;
                    newline &= !stop;
                }
                if newline {
                    text.push('\n');
                }
                self.out(host, &text);
                Act::Done(0)
            }
            "printf" => {
                let Some(fmt) = args.first() else {
                    self.errln(host, "printf: usage: printf FORMAT [ARG]...");
                    return Act::Done(2);
                };
                let (mut idx, mut out, mut errs) = (1, String::new(), Vec::new());
                loop {
                    let before = idx;
                    if format_once(fmt, args, &mut idx, &mut out, &mut errs)
                        || idx >= args.len()
                        || idx == before
                    {
                        break;
                    }
                }
                self.out(host, &out);
                for e in &errs {
                    self.errln(host, e);
                }
                Act::Done(i32::from(!errs.is_empty()))
            }
            "test" | "[" => {
                let args = if name == "[" {
                    match args.split_last() {
                        Some((last, rest)) if last == "]" => rest,
                        _ => {
                            self.errln(host, "sh: missing ]");
                            return Act::Done(2);
                        }
                    }
                } else {
                    args
                };
                let mut t = TestCtx {
                    a: args,
                    i: 0,
                    host: &*host,
                    cwd: self.cwd(),
                };
                let r = if args.is_empty() {
                    Ok(false)
                } else {
                    t.or().and_then(|v| match t.arg(0) {
                        Some(extra) => Err(format!("{extra}: unknown operand")),
                        None => Ok(v),
                    })
                };
                match r {
                    Ok(v) => Act::Done(i32::from(!v)),
                    Err(msg) => {
                        self.errln(host, &format!("sh: {msg}"));
                        Act::Done(2)
                    }
                }
            }
            "exit" | "return" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => (n & 255) as i32,
                        Err(_) => {
                            self.ash_err(host, name, &format!("Illegal number: {a}"));
                            2
                        }
                    },
                };
                if name == "exit" {
                    Act::Exit(code)
                } else {
                    Act::Return(code)
                }
            }
            "break" | "continue" => Act::Break(
                args.first().and_then(|a| a.parse().ok()).unwrap_or(1),
                name == "continue",
            ),
            "sleep" => {
                if args.is_empty() {
                    self.errln(host, "sleep: missing operand");
                    return Act::Done(1);
                }
                let mut total = 0u64;
                for a in args {
                    if a.to_ascii_lowercase().starts_with("inf") {
                        return Act::Block(false);
                    }
                    match sleep_ms(a) {
                        Some(ms) => total = total.saturating_add(ms),
                        None => {
                            self.errln(host, &format!("sleep: invalid number '{a}'"));
                            return Act::Done(1);
                        }
                    }
                }
                if total == 0 {
                    Act::Done(0)
                } else {
                    Act::Sleep(total)
                }
            }
            "touch" => {
                let mut status = 0;
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    let p = self.resolve(f);
                    if host.is_file(&p) || host.is_dir(&p) {
                        continue;
                    }
                    if let Err(e) = host.write_file(&p, "", true) {
                        self.errln(host, &format!("touch: {f}: {e}"));
                        status = 1;
                    }
                }
                Act::Done(status)
            }
            "rm" => {
                let flags: String = args.iter().filter_map(|a| a.strip_prefix('-')).collect();
                let (force, recursive) = (
                    flags.contains('f'),
                    flags.contains('r') || flags.contains('R'),
                );
                let mut status = 0;
                let files: Vec<&String> = args
                    .iter()
                    .filter(|a| !a.starts_with('-') || a.len() == 1)
                    .collect();
                if files.is_empty() && !force {
                    self.errln(host, "rm: missing operand");
                    return Act::Done(1);
                }
                for f in files {
                    let p = self.resolve(f);
                    let r = if host.is_dir(&p) {
                        if recursive {
                            host.remove(&p, true)
                        } else {
                            Err(FsError::IsDir)
                        }
                    } else if host.is_file(&p) {
                        host.remove(&p, false)
                    } else if force {
                        Ok(())
                    } else {
                        Err(FsError::NotFound)
                    };
                    if let Err(e) = r {
                        self.errln(host, &format!("rm: can't remove '{f}': {e}"));
                        status = 1;
                    }
                }
                Act::Done(status)
            }
            "mkdir" => {
                let parents = args.iter().any(|a| a.starts_with('-') && a.contains('p'));
                let mut status = 0;
                let mut skip = false;
                for d in args {
                    if std::mem::take(&mut skip) {
                        continue;
                    }
                    if d.starts_with('-') {
                        skip = d.ends_with('m');
                        continue;
                    }
                    let p = self.resolve(d);
                    if parents && host.is_dir(&p) {
                        continue;
                    }
                    if let Err(e) = host.mkdir(&p, parents) {
                        self.errln(host, &format!("mkdir: can't create directory '{d}': {e}"));
                        status = 1;
                    }
                }
                Act::Done(status)
            }
            "cat" => {
                let mut files: Vec<String> = args
                    .iter()
                    .filter(|a| !a.starts_with('-') || a.len() == 1)
                    .cloned()
                    .collect();
                if files.is_empty() {
                    files.push("-".into());
                }
                let mut status = 0;
                for f in &files {
                    if f == "-" {
                        match self.stdin_all() {
                            Some(d) => self.out(host, &d),
                            None if self.stdin_attached => return Act::Block(false),
                            None => {}
                        }
                        continue;
                    }
                    match self.read_path(host, f) {
                        Ok(d) => self.out(host, &d),
                        Err(FsError::IsDir) => {
                            self.errln(host, "cat: read error: Is a directory");
                            status = 1;
                        }
                        Err(e) => {
                            self.errln(host, &format!("cat: can't open '{f}': {e}"));
                            status = 1;
                        }
                    }
                }
                Act::Done(status)
            }
            "ls" => self.ls(host, args),
            "date" => {
                let mut fmt = "%a %b %e %H:%M:%S %Z %Y".to_owned();
                for a in args {
                    match a.as_str() {
                        "-u" | "--utc" => {}
                        a if a.starts_with('+') => fmt = a.get(1..).unwrap_or_default().to_owned(),
                        a => {
                            self.errln(host, &format!("date: invalid date '{a}'"));
                            return Act::Done(1);
                        }
                    }
                }
                let text = strftime(&fmt, host.now().as_millis()) + "\n";
                self.out(host, &text);
                Act::Done(0)
            }
            "hostname" => {
                let h = host.hostname() + "\n";
                self.out(host, &h);
                Act::Done(0)
            }
            "pwd" => {
                let d = self.cwd() + "\n";
                self.out(host, &d);
                Act::Done(0)
            }
            "cd" => {
                let dir = match args.first().map(String::as_str) {
                    None => self.get("HOME").unwrap_or_else(|| "/".into()),
                    Some("-") => self.get("OLDPWD").unwrap_or_else(|| self.cwd()),
                    Some(d) => d.to_owned(),
                };
                let p = self.resolve(&dir);
                if !host.is_dir(&p) {
                    let e = if host.is_file(&p) {
                        FsError::NotDir
                    } else {
                        FsError::NotFound
                    };
                    self.ash_err(host, "cd", &format!("can't cd to {dir}: {e}"));
                    return Act::Done(2);
                }
                let old = self.cwd();
                self.set_quiet("OLDPWD", old);
                self.set_quiet("PWD", p);
                Act::Done(0)
            }
            "env" | "printenv" => self.env(host, name, args),
            "export" | "readonly" => {
                let ro = name == "readonly";
                if args.iter().all(|a| a == "-p") {
                    let lines: String = self
                        .vars
                        .iter()
                        .filter(|(_, v)| if ro { v.readonly } else { v.exported })
                        .map(|(k, v)| format!("{name} {k}={}\n", shell_quote(&v.value)))
                        .collect();
                    self.out(host, &lines);
                    return Act::Done(0);
                }
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k, Some(v.to_owned())),
                        None => (a.as_str(), None),
                    };
                    if !is_name(k) {
                        self.ash_err(host, name, &format!("{k}: bad variable name"));
                        return Act::Done(2);
                    }
                    if let Some(v) = v
                        && let Err(msg) = self.set(k, v)
                    {
                        self.errln(host, &msg);
                        return Act::Done(2);
                    }
                    let var = self.vars.entry(k.to_owned()).or_insert(Var {
                        value: String::new(),
                        exported: false,
                        readonly: false,
                    });
                    if ro {
                        var.readonly = true
                    } else {
                        var.exported = true
                    }
                }
                Act::Done(0)
            }
            "unset" => {
                let funcs = args.iter().any(|a| a == "-f");
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    if funcs {
                        self.funcs.remove(a);
                    } else if self.vars.get(a).is_some_and(|v| v.readonly) {
                        self.ash_err(host, "unset", &format!("{a}: is read only"));
                        return Act::Done(2);
                    } else {
                        self.vars.remove(a);
                    }
                }
                Act::Done(0)
            }
            "local" => {
                let Some(Frame::Func { locals, .. }) = self
                    .frames
                    .iter_mut()
                    .rev()
                    .find(|f| matches!(f, Frame::Func { .. }))
                else {
                    self.ash_err(host, "local", "not in a function");
                    return Act::Done(2);
                };
                let mut sets = Vec::new();
                for a in args {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                        None => (a.clone(), None),
                    };
                    if !locals.iter().any(|(n, _)| *n == k) {
                        locals.push((k.clone(), self.vars.get(&k).cloned()));
                    }
                    sets.push((k, v));
                }
                for (k, v) in sets {
                    if let Some(v) = v {
                        self.set_quiet(&k, v);
                    }
                }
                Act::Done(0)
            }
            "set" => self.set_builtin(host, args),
            "shift" => {
                let n = args
                    .first()
                    .and_then(|a| a.parse::<usize>().ok())
                    .unwrap_or(1);
                if n > self.positional.len() {
                    self.ash_err(host, "shift", "can't shift that many");
                    return Act::Done(2);
                }
                self.positional.drain(..n);
                Act::Done(0)
            }
            "trap" => self.trap(host, args),
            "kill" => self.kill(host, args),
            "killall" => {
                let mut sig = Some(Signal::Term);
                let mut probe = false;
                let mut quiet = false;
                let mut status = 0;
                for a in args {
                    match a.strip_prefix('-') {
                        Some("q") => quiet = true,
                        Some("0") => probe = true,
                        Some(s) if !s.is_empty() => sig = Signal::parse(s),
                        _ => {
                            let exists = host.process_names(host.now()).iter().any(|p| p == a);
                            let hit = match sig {
                                Some(s) if !probe => host.signal_process(a, s, host.now()),
                                _ => exists,
                            };
                            if !hit {
                                if !quiet {
                                    self.errln(host, &format!("killall: {a}: no process killed"));
                                }
                                status = 1;
                            }
                        }
                    }
                }
                Act::Done(status)
            }
            "pidof" => {
                let procs = host.process_names(host.now());
                let pids: Vec<String> = procs
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| args.contains(p))
                    .map(|(i, _)| (i + 1).to_string())
                    .collect();
                if pids.is_empty() {
                    return Act::Done(1);
                }
                self.out(host, &(pids.join(" ") + "\n"));
                Act::Done(0)
            }
            "wait" => {
                let target = args.first().map(|a| match a.strip_prefix('%') {
                    Some(j) => j
                        .parse::<usize>()
                        .ok()
                        .and_then(|k| self.jobs.get(k.checked_sub(1)?))
                        .map_or(0, |j| j.pid),
                    None => a.parse().unwrap_or(0),
                });
                Act::Wait(target)
            }
            "read" => self.read(host, args),
            "seq" => {
                let nums: Vec<Option<i64>> = args.iter().map(|a| a.parse().ok()).collect();
                let (first, inc, last) = match nums.as_slice() {
                    [Some(l)] => (1, 1, *l),
                    [Some(f), Some(l)] => (*f, 1, *l),
                    [Some(f), Some(i), Some(l)] => (*f, *i, *l),
                    _ => {
                        let bad = args
                            .iter()
                            .find(|a| a.parse::<i64>().is_err())
                            .cloned()
                            .unwrap_or_default();
                        self.errln(host, &format!("seq: invalid number '{bad}'"));
                        return Act::Done(1);
                    }
                };
                let mut out = String::new();
                let mut v = first;
                let mut n = 0;
                while inc != 0
                    && (if inc > 0 { v <= last } else { v >= last })
                    && n < MAX_LINES * 10
                {
                    out.push_str(&format!("{v}\n"));
                    v = v.saturating_add(inc);
                    n += 1;
                }
                self.out(host, &out);
                Act::Done(0)
            }
            "wc" | "head" | "tail" | "grep" => self.text_applet(host, name, args),
            "expr" => self.expr(host, args),
            "yes" => {
                if self.io.out != Sink::Capture {
                    return Act::Block(false);
                }
                let word = if args.is_empty() {
                    "y".to_owned()
                } else {
                    args.join(" ")
                };
                self.out(host, &format!("{word}\n").repeat(MAX_LINES));
                Act::Done(0)
            }
            "nslookup" => self.nslookup(host, args),
            "wget" => self.wget(host, args),
            "eval" => match Parser::new(&args.join(" "), 0).parse_program() {
                Ok(cmd) => Act::Push(cmd),
                Err(e) => {
                    self.errln(host, &e.0);
                    Act::Done(2)
                }
            },
            "." | "source" => {
                let Some(f) = args.first() else {
                    return Act::Done(0);
                };
                match self.read_path(host, f) {
                    Ok(text) => match Parser::new(&text, 0).parse_program() {
                        Ok(cmd) => Act::Push(cmd),
                        Err(e) => {
                            self.errln(host, &e.0);
                            Act::Exit(2)
                        }
                    },
                    Err(e) => {
                        self.ash_err(host, ".", &format!("can't open '{f}': {e}"));
                        Act::Exit(2)
                    }
                }
            }
            "exec" => match args.first() {
                None => Act::Keep,
                Some(_) => Act::Exec(Box::new(self.redispatch(host, args))),
            },
            "sh" | "ash" => match shell_invocation(args) {
                Ok(_) if self.depth >= MAX_DEPTH => {
                    self.errln(host, "sh: can't fork");
                    Act::Done(2)
                }
                Ok((cmd, arg0, positional, flags)) => {
                    let mut m = Machine::new(cmd, arg0, positional);
                    m.vars = self
                        .vars
                        .iter()
                        .filter(|(_, v)| v.exported)
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    (m.io, m.inputs, m.depth) =
                        (self.io.clone(), self.inputs.clone(), self.depth + 1);
                    (m.env_loaded, m.stdin_attached) = (true, self.stdin_attached);
                    m.apply_flags(&flags);
                    Act::Spawn(Box::new(m))
                }
                Err(e) => {
                    self.errln(host, &e.0);
                    Act::Done(2)
                }
            },
            _ => match host.run_program(argv, host.now()) {
                Some((code, out, err)) => {
                    self.out(host, &out);
                    self.write_to(host, self.io.err.clone(), &err);
                    Act::Done(code)
                }
                None => {
                    self.errln(host, &format!("sh: {first}: not found"));
                    Act::Done(127)
                }
            },
        }
    }

    /// `dispatch` for a command run by another (`busybox X`, `env X`, `exec X`), with a
    /// bound on how deeply they nest.
    fn redispatch(&mut self, host: &mut dyn Host, argv: &[String]) -> Act {
        if self.nest >= 16 {
            self.errln(host, "sh: too many nested commands");
            return Act::Done(2);
        }
        self.nest += 1;
        let act = self.dispatch(host, argv);
        self.nest -= 1;
        act
    }

    fn apply_flags(&mut self, flags: &str) {
        self.errexit |= flags.contains('e');
        self.nounset |= flags.contains('u');
        self.xtrace |= flags.contains('x');
    }

    fn read_path(&self, host: &dyn Host, path: &str) -> Result<String, FsError> {
        if path == "/dev/null" {
            Ok(String::new())
        } else {
            host.read_file(&self.resolve(path))
        }
    }

    fn ls(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        let mut paths: Vec<String> = args
            .iter()
            .filter(|a| !a.starts_with('-') || a.len() == 1)
            .cloned()
            .collect();
        if paths.is_empty() {
            paths.push(".".into());
        }
        let (mut status, mut files, mut dirs) = (0, Vec::new(), Vec::new());
        for p in &paths {
            let r = self.resolve(p);
            if host.is_dir(&r) {
                dirs.push((p.clone(), r));
            } else if host.is_file(&r) {
                files.push(p.clone());
            } else {
                self.errln(host, &format!("ls: {p}: No such file or directory"));
                status = 1;
            }
        }
        let mut out: String = files.iter().map(|f| format!("{f}\n")).collect();
        for (i, (p, r)) in dirs.iter().enumerate() {
            if paths.len() > 1 {
                if i > 0 || !files.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{p}:\n"));
            }
            match host.list_dir(r) {
                Ok(names) => out.extend(names.iter().map(|n| format!("{n}\n"))),
                Err(e) => {
                    self.errln(host, &format!("ls: can't open '{p}': {e}"));
                    status = 1;
                }
            }
        }
        self.out(host, &out);
        Act::Done(status)
    }

    fn env(&mut self, host: &mut dyn Host, name: &str, args: &[String]) -> Act {
        let mut i = 0;
        let mut temp = Vec::new();
        while let Some(a) = args.get(i) {
            match a.split_once('=') {
                Some((k, v)) if name == "env" && is_name(k) => {
                    temp.push((k.to_owned(), v.to_owned()))
                }
                _ if name == "env" && a == "-i" => {}
                _ => break,
            }
            i += 1;
        }
        let rest = args.get(i..).unwrap_or_default();
        if name == "env" && !rest.is_empty() {
            let saved: Vec<(String, Option<Var>)> = temp
                .iter()
                .map(|(k, _)| (k.clone(), self.vars.get(k).cloned()))
                .collect();
            for (k, v) in temp {
                self.vars.insert(
                    k,
                    Var {
                        value: v,
                        exported: true,
                        readonly: false,
                    },
                );
            }
            let act = self.redispatch(host, rest);
            self.leave_func(self.positional.clone(), saved);
            return act;
        }
        if name == "printenv" && !rest.is_empty() {
            let mut status = 0;
            for k in rest {
                match self
                    .vars
                    .get(k)
                    .filter(|v| v.exported)
                    .map(|v| v.value.clone())
                {
                    Some(v) => self.out(host, &format!("{v}\n")),
                    None => status = 1,
                }
            }
            return Act::Done(status);
        }
        let mut vars: BTreeMap<String, String> = self
            .vars
            .iter()
            .filter(|(_, v)| v.exported)
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        vars.extend(temp);
        let text: String = vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        self.out(host, &text);
        Act::Done(0)
    }

    fn set_builtin(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        if args.is_empty() {
            let text: String = self
                .vars
                .iter()
                .map(|(k, v)| format!("{k}={}\n", shell_quote(&v.value)))
                .collect();
            self.out(host, &text);
            return Act::Done(0);
        }
        let mut i = 0;
        let mut positional = None;
        while let Some(a) = args.get(i) {
            i += 1;
            if a == "--" || a == "-" {
                positional = Some(args.get(i..).unwrap_or_default().to_vec());
                break;
            }
            let on = a.starts_with('-');
            match a.get(1..) {
                Some(f) if (on || a.starts_with('+')) && !f.is_empty() => {
                    for c in f.chars() {
                        let opt = if c == 'o' {
                            i += 1;
                            match args.get(i - 1).map(String::as_str) {
                                Some("errexit") => 'e',
                                Some("nounset") => 'u',
                                Some("xtrace") => 'x',
                                _ => continue,
                            }
                        } else {
                            c
                        };
                        match opt {
                            'e' => self.errexit = on,
                            'u' => self.nounset = on,
                            'x' => self.xtrace = on,
                            _ => {}
                        }
                    }
                }
                _ => {
                    positional = Some(args.get(i - 1..).unwrap_or_default().to_vec());
                    break;
                }
            }
        }
        if let Some(p) = positional {
            self.positional = p;
        }
        Act::Done(0)
    }

    fn trap(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
        let Some(first) = args.first() else {
            let text: String = self
                .traps
                .iter()
                .map(|(k, v)| format!("trap -- {} {k}\n", shell_quote(v)))
                .collect();
            self.out(host, &text);
            return Act::Done(0);
        };
        // `trap SIG…` (first operand a number) and `trap - SIG…` reset; otherwise set.
        let (action, sigs) = if first.parse::<u32>().is_ok() {
            (None, args)
        } else if first == "-" {
            (None, args.get(1..).unwrap_or_default())
        } else {
            (Some(first.clone()), args.get(1..).unwrap_or_default())
        };
        for s in sigs {
            let Some((name, _)) = sig_spec(s) else {
                self.ash_err(host, "trap", &format!("{s}: bad trap"));
                return Act::Done(1);
            };
            match &action {
                Some(a) => self.traps.insert(name, a.clone()),
                None => self.traps.remove(&name),
            };
        }
        Act::Done(0)
    }

    fn kill(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        let mut sig = ("TERM".to_owned(), 15);
        let mut i = 0;
        if let Some(a) = args.first() {
            let spec = match a.as_str() {
                "-s" | "-n" => {
                    i = 2;
                    args.get(1).cloned()
                }
                s if s.len() > 1 && s.starts_with('-') => {
                    i = 1;
                    s.get(1..).map(str::to_owned)
                }
                _ => None,
            };
            if i > 0 {
                match spec.as_deref().and_then(sig_spec) {
                    Some(s) => sig = s,
                    None => {
                        self.errln(
                            host,
                            &format!("sh: bad signal name '{}'", spec.unwrap_or_default()),
                        );
                        return Act::Done(1);
                    }
                }
            }
        }
        let mut status = 0;
        for p in args.get(i..).unwrap_or_default() {
            let pid: Option<i64> = match p.strip_prefix('%') {
                Some(j) => j
                    .parse::<usize>()
                    .ok()
                    .and_then(|k| self.jobs.get(k.checked_sub(1)?))
                    .map(|j| i64::from(j.pid)),
                None => p.parse().ok(),
            };
            if matches!(pid, Some(-1..=1)) {
                // PID 1 ignores signals it has no handler for, even its own.
                if sig.1 != 0 && self.traps.get(&sig.0).is_some_and(|h| !h.is_empty()) {
                    self.pending.push(sig.clone());
                }
                continue;
            }
            match self
                .jobs
                .iter_mut()
                .find(|j| Some(i64::from(j.pid)) == pid && j.done.is_none())
            {
                Some(job) => {
                    if sig.1 != 0 {
                        job.done = Some(128 + sig.1);
                        job.m = None;
                    }
                }
                None => {
                    self.errln(host, &format!("sh: can't kill pid {p}: No such process"));
                    status = 1;
                }
            }
        }
        Act::Done(status)
    }

    fn read(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        let mut raw = false;
        let mut names = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            match a.as_str() {
                "-r" => raw = true,
                "-p" | "-t" | "-n" | "-u" | "-d" => i += 1,
                a if a.starts_with('-') => {}
                a => names.push(a.to_owned()),
            }
        }
        if names.is_empty() {
            names.push("REPLY".into());
        }
        let Some((mut line, complete)) = self.stdin_line() else {
            if self.no_stdin() && self.stdin_attached {
                return Act::Block(true);
            }
            for n in &names {
                self.set_quiet(n, String::new());
            }
            return Act::Done(1);
        };
        if !raw {
            let mut out = String::new();
            let mut cs = line.chars();
            while let Some(c) = cs.next() {
                if c == '\\' {
                    out.extend(cs.next());
                } else {
                    out.push(c);
                }
            }
            line = out;
        }
        let ifs = self.ifs();
        let is_ws = |c: char| ifs.contains(c) && c.is_whitespace();
        let mut rest = line.trim_start_matches(is_ws);
        let count = names.len();
        for (k, n) in names.iter().enumerate() {
            let value = if k + 1 == count {
                let v = rest.trim_end_matches(is_ws).to_owned();
                rest = "";
                v
            } else {
                let end = rest.find(|c| ifs.contains(c)).unwrap_or(rest.len());
                let v = rest.get(..end).unwrap_or_default().to_owned();
                rest = rest.get(end..).unwrap_or_default();
                rest = rest
                    .strip_prefix(|c: char| ifs.contains(c) && !c.is_whitespace())
                    .unwrap_or(rest);
                rest = rest.trim_start_matches(is_ws);
                v
            };
            if let Err(msg) = self.set(n, value) {
                self.errln(host, &msg);
                return Act::Done(2);
            }
        }
        Act::Done(i32::from(!complete))
    }

    /// `wc`, `head`, `tail` and `grep`: line-oriented applets over files or stdin.
    fn text_applet(&mut self, host: &mut dyn Host, name: &str, args: &[String]) -> Act {
        let mut flags = String::new();
        let mut count: Option<String> = None;
        let mut pattern: Option<String> = None;
        let mut files = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            match a.strip_prefix('-') {
                Some("") | None => files.push(a.clone()),
                Some(f) if f.starts_with('-') => {}
                Some(f) if f.chars().all(|c| c.is_ascii_digit()) && name != "grep" => {
                    count = Some(f.to_owned())
                }
                Some(f) => {
                    for (k, c) in f.char_indices() {
                        let takes = match name {
                            "grep" => c == 'e',
                            "wc" => false,
                            _ => c == 'n' || c == 'c',
                        };
                        if takes {
                            let inline = f.get(k + c.len_utf8()..).unwrap_or_default();
                            let v = if inline.is_empty() {
                                i += 1;
                                args.get(i - 1).cloned().unwrap_or_default()
                            } else {
                                inline.to_owned()
                            };
                            if c == 'e' {
                                pattern = Some(v)
                            } else {
                                count = Some(v)
                            }
                            break;
                        }
                        flags.push(c);
                    }
                }
            }
        }
        if name == "grep" && pattern.is_none() {
            if files.is_empty() {
                self.errln(host, "grep: no pattern");
                return Act::Done(2);
            }
            pattern = Some(files.remove(0));
        }
        let mut status = 0;
        let mut sources = Vec::new();
        if files.is_empty() {
            files.push("-".into());
        }
        let follow = name == "tail" && (flags.contains('f') || flags.contains('F'));
        for f in &files {
            if f == "-" {
                sources.push((f.clone(), self.stdin_all().unwrap_or_default()));
                continue;
            }
            match self.read_path(host, f) {
                Ok(d) => sources.push((f.clone(), d)),
                Err(e) if name == "grep" => {
                    if !flags.contains('s') {
                        self.errln(host, &format!("grep: {f}: {e}"));
                    }
                    status = 2;
                }
                Err(e) => {
                    self.errln(host, &format!("{name}: can't open '{f}': {e}"));
                    status = 1;
                }
            }
        }
        let mut out = String::new();
        let multi = sources.len() > 1;
        match name {
            "wc" => {
                let sel: Vec<char> = if flags.is_empty() {
                    vec!['l', 'w', 'c']
                } else {
                    "lwmc".chars().filter(|c| flags.contains(*c)).collect()
                };
                let single = sources.len() <= 1 && sel.len() == 1;
                let mut totals = [0usize; 4];
                let mut rows = Vec::new();
                for (f, d) in &sources {
                    let c = [
                        d.matches('\n').count(),
                        d.split_whitespace().count(),
                        d.chars().count(),
                        d.len(),
                    ];
                    for (t, v) in totals.iter_mut().zip(c) {
                        *t += v;
                    }
                    rows.push((c, if f == "-" { String::new() } else { f.clone() }));
                }
                if multi {
                    rows.push((totals, "total".into()));
                }
                for (c, f) in rows {
                    let cols: Vec<String> = sel
                        .iter()
                        .filter_map(|s| "lwmc".find(*s).and_then(|k| c.get(k)))
                        .map(|v| {
                            if single {
                                v.to_string()
                            } else {
                                format!("{v:>9}")
                            }
                        })
                        .collect();
                    let sep = if f.is_empty() {
                        String::new()
                    } else {
                        format!(" {f}")
                    };
                    out.push_str(&format!("{}{sep}\n", cols.join(" ")));
                }
            }
            "head" | "tail" => {
                let spec = count.unwrap_or_else(|| "10".into());
                let from_start = spec.starts_with('+');
                let n: usize = spec.trim_start_matches(['+', '-']).parse().unwrap_or(10);
                for (k, (f, d)) in sources.iter().enumerate() {
                    if multi {
                        out.push_str(&format!("{}==> {f} <==\n", if k > 0 { "\n" } else { "" }));
                    }
                    let lines: Vec<&str> = d.split_inclusive('\n').collect();
                    let pick: &[&str] = if name == "head" {
                        lines.get(..n.min(lines.len())).unwrap_or_default()
                    } else if from_start {
                        lines
                            .get(n.saturating_sub(1).min(lines.len())..)
                            .unwrap_or_default()
                    } else {
                        lines
                            .get(lines.len().saturating_sub(n)..)
                            .unwrap_or_default()
                    };
                    out.extend(pick.iter().copied());
                }
                self.out(host, &out);
                if follow && !sources.is_empty() {
                    return Act::Block(false);
                }
                return Act::Done(status);
            }
            _ => {
                let icase = flags.contains('i');
                let pat = pattern.unwrap_or_default();
                let pat = if icase { pat.to_lowercase() } else { pat };
                let fixed = flags.contains('F') || pat.chars().count() > 256;
                let mut res = regex_compile(&pat, flags.contains('E'));
                if flags.contains('x') {
                    for r in &mut res {
                        (r.start, r.end) = (true, true);
                    }
                }
                let mut any = false;
                for (f, d) in &sources {
                    let mut hits = 0;
                    for (ln, line) in d.lines().enumerate() {
                        let subject = if icase {
                            line.to_lowercase()
                        } else {
                            line.to_owned()
                        };
                        let hit = match (fixed, flags.contains('x')) {
                            (true, true) => subject == pat,
                            (true, false) => subject.contains(&pat),
                            _ => regex_match(&res, &subject),
                        };
                        if hit == flags.contains('v') {
                            continue;
                        }
                        any = true;
                        hits += 1;
                        if flags.contains('q') {
                            return Act::Done(0);
                        }
                        if flags.contains('c') {
                            continue;
                        }
                        let prefix = if multi {
                            format!("{f}:")
                        } else {
                            String::new()
                        };
                        let num = if flags.contains('n') {
                            format!("{}:", ln + 1)
                        } else {
                            String::new()
                        };
                        out.push_str(&format!("{prefix}{num}{line}\n"));
                    }
                    if flags.contains('c') {
                        out.push_str(&if multi {
                            format!("{f}:{hits}\n")
                        } else {
                            format!("{hits}\n")
                        });
                    }
                }
                self.out(host, &out);
                return Act::Done(if status == 2 && !(any && flags.contains('s')) {
                    2
                } else {
                    i32::from(!any)
                });
            }
        }
        self.out(host, &out);
        Act::Done(status)
    }

    fn expr(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        fn null(v: &str) -> bool {
            v.is_empty() || v == "0"
        }
        fn level(a: &[String], i: &mut usize, lvl: usize) -> Result<String, String> {
            const OPS: &[&[&str]] = &[
                &["|"],
                &["&"],
                &["=", "!=", "<", "<=", ">", ">="],
                &["+", "-"],
                &["*", "/", "%"],
            ];
            let Some(ops) = OPS.get(lvl) else {
                let tok = a.get(*i).cloned().ok_or("syntax error")?;
                *i += 1;
                return match tok.as_str() {
                    "(" => {
                        let v = level(a, i, 0)?;
                        if a.get(*i).map(String::as_str) != Some(")") {
                            return Err("syntax error".into());
                        }
                        *i += 1;
                        Ok(v)
                    }
                    "length" => {
                        let v = level(a, i, OPS.len())?;
                        Ok(v.chars().count().to_string())
                    }
                    _ => Ok(tok),
                };
            };
            let mut left = level(a, i, lvl + 1)?;
            while let Some(op) = a.get(*i).filter(|t| ops.contains(&t.as_str())).cloned() {
                *i += 1;
                let right = level(a, i, lvl + 1)?;
                let nums = || match (parse_int(&left), parse_int(&right)) {
                    (Some(x), Some(y)) => Ok((x, y)),
                    _ => Err("non-numeric argument".to_owned()),
                };
                left = match op.as_str() {
                    "|" => {
                        if null(&left) {
                            if null(&right) { "0".into() } else { right }
                        } else {
                            left
                        }
                    }
                    "&" => {
                        if null(&left) || null(&right) {
                            "0".into()
                        } else {
                            left
                        }
                    }
                    "+" | "-" | "*" | "/" | "%" => {
                        let (x, y) = nums()?;
                        if y == 0 && (op == "/" || op == "%") {
                            return Err("division by zero".into());
                        }
                        binop(&op, x, y)
                            .map_err(|_| "division by zero".to_owned())?
                            .to_string()
                    }
                    cmp => {
                        let ord = match (parse_int(&left), parse_int(&right)) {
                            (Some(x), Some(y)) => x.cmp(&y),
                            _ => left.cmp(&right),
                        };
                        let r = match cmp {
                            "=" => ord.is_eq(),
                            "!=" => ord.is_ne(),
                            "<" => ord.is_lt(),
                            "<=" => ord.is_le(),
                            ">" => ord.is_gt(),
                            _ => ord.is_ge(),
                        };
                        i32::from(r).to_string()
                    }
                };
            }
            Ok(left)
        }
        let mut i = 0;
        match level(args, &mut i, 0) {
            Ok(v) if i == args.len() => {
                self.out(host, &format!("{v}\n"));
                Act::Done(i32::from(null(&v)))
            }
            Ok(_) => {
                self.errln(host, "expr: syntax error");
                Act::Done(2)
            }
            Err(e) => {
                self.errln(host, &format!("expr: {e}"));
                Act::Done(2)
            }
        }
    }

    fn nslookup(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let Some(name) = names.first() else {
            self.errln(host, "Usage: nslookup [HOST] [SERVER]");
            return Act::Done(1);
        };
        let ans = host.lookup(name);
        let server = names
            .get(1)
            .map_or_else(|| ans.server.clone(), |s| (*s).clone());
        let modern = self.get("BUSYBOX_VERSION").is_some_and(|v| {
            let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            (it.next().unwrap_or(0), it.next().unwrap_or(0)) >= (1, 30)
        });
        if modern {
            self.out(
                host,
                &format!("Server:\t\t{server}\nAddress:\t{server}:53\n\n"),
            );
            if ans.addresses.is_empty() {
                self.out(host, &format!("** server can't find {name}: NXDOMAIN\n\n"));
                return Act::Done(1);
            }
            let text: String = ans
                .addresses
                .iter()
                .map(|a| format!("Name:\t{}\nAddress: {a}\n", ans.name))
                .collect();
            self.out(host, &(text + "\n"));
            return Act::Done(0);
        }
        let rev = if server == ans.server {
            " kube-dns.kube-system.svc.cluster.local"
        } else {
            ""
        };
        self.out(
            host,
            &format!("Server:    {server}\nAddress 1: {server}{rev}\n\n"),
        );
        if ans.addresses.is_empty() {
            self.errln(host, &format!("nslookup: can't resolve '{name}'"));
            return Act::Done(1);
        }
        let mut text = format!("Name:      {name}\n");
        for (i, a) in ans.addresses.iter().enumerate() {
            text.push_str(&format!("Address {}: {a} {}\n", i + 1, ans.name));
        }
        self.out(host, &text);
        Act::Done(0)
    }

    fn wget(&mut self, host: &mut dyn Host, args: &[String]) -> Act {
        let (mut quiet, mut spider, mut timeout_ms) = (false, false, WGET_TIMEOUT_MS);
        let mut out_file: Option<String> = None;
        let mut url = None;
        let secs = |v: &str| v.parse::<u64>().ok().map(|s| s.saturating_mul(1000));
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            if let Some(v) = a.strip_prefix("--output-document=") {
                out_file = Some(v.to_owned());
            } else if let Some(v) = a.strip_prefix("--timeout=") {
                timeout_ms = secs(v).unwrap_or(timeout_ms);
            } else if a == "--quiet" {
                quiet = true;
            } else if a == "--spider" {
                spider = true;
            } else if a.starts_with("--") {
                i += usize::from(matches!(
                    a.as_str(),
                    "--header" | "--post-data" | "--user-agent" | "--tries"
                ));
            } else if let Some(f) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
                for (k, c) in f.char_indices() {
                    match c {
                        'q' => quiet = true,
                        'O' | 'T' | 'U' | 'Y' | 'P' | 't' => {
                            let inline = f.get(k + 1..).unwrap_or_default();
                            let v = if inline.is_empty() {
                                i += 1;
                                args.get(i - 1).cloned().unwrap_or_default()
                            } else {
                                inline.to_owned()
                            };
                            match c {
                                'O' => out_file = Some(v),
                                'T' => timeout_ms = secs(&v).unwrap_or(timeout_ms),
                                _ => {}
                            }
                            break;
                        }
                        _ => {}
                    }
                }
            } else {
                url = Some(a.clone());
            }
        }
        let Some(url) = url else {
            self.errln(host, "wget: missing URL");
            return Act::Done(1);
        };
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let connecting = |remote: &str| format!("Connecting to {authority} ({remote})");
        match host.http_get(&url, timeout_ms) {
            HttpOutcome::BadAddress => {
                self.errln(host, &format!("wget: bad address '{authority}'"));
                Act::Done(1)
            }
            HttpOutcome::Refused { remote } => {
                if !quiet {
                    self.errln(host, &connecting(&remote));
                }
                let ip = remote
                    .rsplit_once(':')
                    .map_or(remote.as_str(), |(ip, _)| ip);
                self.errln(
                    host,
                    &format!("wget: can't connect to remote host ({ip}): Connection refused"),
                );
                Act::Done(1)
            }
            HttpOutcome::Timeout { remote } => {
                if !quiet {
                    self.errln(host, &connecting(&remote));
                }
                self.debt_ms = self.debt_ms.saturating_add(timeout_ms);
                self.errln(host, "wget: download timed out");
                Act::Done(1)
            }
            HttpOutcome::Response {
                remote,
                status,
                reason,
                body,
                elapsed_ms,
            } => {
                self.debt_ms = self.debt_ms.saturating_add(elapsed_ms);
                if !quiet {
                    self.errln(host, &connecting(&remote));
                }
                if !(200..400).contains(&status) {
                    self.errln(
                        host,
                        &format!("wget: server returned error: HTTP/1.1 {status} {reason}"),
                    );
                    return Act::Done(1);
                }
                if spider {
                    return Act::Done(0);
                }
                let file = out_file.unwrap_or_else(|| {
                    let last = path
                        .split(['?', '#'])
                        .next()
                        .unwrap_or("")
                        .rsplit('/')
                        .next()
                        .unwrap_or("");
                    if last.is_empty() {
                        "index.html".into()
                    } else {
                        last.to_owned()
                    }
                });
                if file == "-" {
                    if !quiet {
                        self.errln(host, "writing to stdout");
                    }
                    self.out(host, &body);
                    if !quiet {
                        self.errln(host, "written to stdout");
                    }
                    return Act::Done(0);
                }
                if !quiet {
                    self.errln(host, &format!("saving to '{file}'"));
                }
                if let Err(e) = host.write_file(&self.resolve(&file), &body, false) {
                    self.errln(host, &format!("wget: can't open '{file}': {e}"));
                    return Act::Done(1);
                }
                if !quiet {
                    self.errln(host, &format!("'{file}' saved"));
                }
                Act::Done(0)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The public face

/// A parsed script plus its execution state. `Clone` so that a cloned world can rewind.
#[derive(Clone, Debug)]
pub struct Shell {
    m: Box<Machine>,
    /// A syntax error reported (stderr, exit 2) by the first `run`.
    error: Option<String>,
    /// Unterminated output lines: stdout, stderr.
    partial: [String; 2],
}

impl Shell {
    fn with(m: Machine) -> Shell {
        Shell {
            m: Box::new(m),
            error: None,
            partial: Default::default(),
        }
    }

    /// `sh -c SCRIPT`: `args` become `$0`, `$1`, … (`$0` defaults to `sh`).
    pub fn parse(script: &str, args: &[String]) -> Result<Shell, ParseError> {
        let cmd = Parser::new(script, 0).parse_program()?;
        let arg0 = args.first().cloned().unwrap_or_else(|| "sh".into());
        Ok(Shell::with(Machine::new(
            cmd,
            arg0,
            args.get(1..).unwrap_or_default().to_vec(),
        )))
    }

    /// One command line run without a shell (a container command, an exec probe, `kubectl
    /// exec`): `sh`/`/bin/sh`/`ash`/`bash` with `[-opts] -c SCRIPT [arg0 args…]` (or a script
    /// file) runs a script, anything else runs as a single applet or program. A syntax error
    /// in the script is not an `Err`: like busybox, the returned shell prints it and exits 2
    /// when run. `Err` only for an empty `argv`.
    pub fn from_argv(argv: &[String]) -> Result<Shell, ParseError> {
        let Some(first) = argv.first() else {
            return Err(ParseError("sh: empty command".into()));
        };
        let base = first.rsplit('/').next().unwrap_or(first);
        if matches!(base, "sh" | "ash" | "bash") {
            return Ok(match shell_invocation(argv.get(1..).unwrap_or_default()) {
                Ok((cmd, arg0, positional, flags)) => {
                    let mut m = Machine::new(cmd, arg0, positional);
                    m.apply_flags(&flags);
                    Shell::with(m)
                }
                Err(e) => Shell::from_parse_error(e),
            });
        }
        let words = argv.iter().map(|a| vec![Part::Quoted(a.clone())]).collect();
        let cmd = Cmd::Simple(Simple {
            assigns: vec![],
            words,
            redirs: vec![],
            line: 1,
        });
        Ok(Shell::with(Machine::new(
            Arc::new(cmd),
            "sh".into(),
            vec![],
        )))
    }

    /// A shell that reports `error` on stderr and exits 2, as `sh -c` does for a script with
    /// a syntax error.
    pub fn from_parse_error(error: ParseError) -> Shell {
        let mut sh = Shell::with(Machine::new(Arc::new(Cmd::Empty), "sh".into(), vec![]));
        sh.error = Some(error.0);
        sh
    }

    /// Whether stdin is attached (`stdin: true` in the pod spec): then `read` and `cat`
    /// without input block instead of seeing end of file.
    pub fn set_stdin_attached(&mut self, attached: bool) {
        self.m.stdin_attached = attached;
    }

    /// The exit status once the script has finished.
    pub fn exit_status(&self) -> Option<i32> {
        self.m.exited
    }

    /// Executes until the script blocks or exits, at `host.now()`. Re-entrant: after
    /// `Sleeping { until }` call `run` again when `host.now() >= until` (an earlier call just
    /// reports the same state); after a [`Shell::signal`] that returned true, call it again
    /// right away so a trap handler can run.
    pub fn run(&mut self, host: &mut dyn Host) -> ShellState {
        if let Some(e) = self.error.take() {
            self.m.log.push((Stream::Stderr, format!("{e}\n")));
            self.m.unwind(0);
            self.m.exited = Some(2);
        }
        self.m.run(host)
    }

    /// Delivers a signal to the shell process. As PID 1 of a container, TERM/INT/QUIT without
    /// a `trap` are ignored (false); with a trap the handler is queued and runs when the shell
    /// next has control: after a foreground `sleep` ends, but at once during `wait` (which
    /// then returns 128+n). KILL always ends it (exit 137). Not PID 1: untrapped signals end
    /// the shell with 128+n. Returns whether the signal had any effect.
    pub fn signal(&mut self, sig: Signal, is_pid1: bool) -> bool {
        let m = &mut self.m;
        if m.exited.is_some() {
            return false;
        }
        let die = |m: &mut Machine, code: i32| {
            m.unwind(0);
            m.jobs.clear();
            m.exited = Some(code);
            true
        };
        if sig == Signal::Kill {
            return die(m, 128 + sig.number());
        }
        match m.traps.get(sig.name()) {
            Some(h) if h.is_empty() => false,
            Some(_) => {
                m.pending.push((sig.name().to_owned(), sig.number()));
                true
            }
            None if is_pid1 => false,
            None => die(m, 128 + sig.number()),
        }
    }

    /// Output produced since the last call: stdout/stderr lines without their newline. A last
    /// line without a newline is held back until it is completed or the script exits.
    pub fn take_output(&mut self) -> Vec<(Stream, String)> {
        let mut lines = Vec::new();
        for (s, text) in std::mem::take(&mut self.m.log) {
            let Some(buf) = self.partial.get_mut(usize::from(s == Stream::Stderr)) else {
                continue;
            };
            for c in text.chars() {
                if c == '\n' {
                    lines.push((s, std::mem::take(buf)));
                } else {
                    buf.push(c);
                }
            }
        }
        if self.m.exited.is_some() {
            for (buf, s) in self
                .partial
                .iter_mut()
                .zip([Stream::Stdout, Stream::Stderr])
            {
                if !buf.is_empty() {
                    lines.push((s, std::mem::take(buf)));
                }
            }
        }
        lines
    }

    /// Runs a command line that must finish within `budget_ms` of simulated time from
    /// `host.now()` (an exec probe or hook), moving a private clock through its sleeps.
    /// When it would still be running at the budget, `timed_out` is set, `exit_code` is -1
    /// and `elapsed_ms` is the budget.
    pub fn exec(argv: &[String], host: &mut dyn Host, budget_ms: u64) -> ExecResult {
        let mut sh = Shell::from_argv(argv).unwrap_or_else(Shell::from_parse_error);
        let (mut stdout, mut stderr) = (String::new(), String::new());
        let start = host.now();
        let mut offset = 0u64;
        loop {
            let st = sh.run(&mut Offset {
                inner: &mut *host,
                offset,
            });
            for (s, t) in std::mem::take(&mut sh.m.log) {
                match s {
                    Stream::Stdout => stdout.push_str(&t),
                    Stream::Stderr => stderr.push_str(&t),
                }
            }
            match st {
                ShellState::Exited(exit_code) => {
                    return ExecResult {
                        exit_code,
                        stdout,
                        stderr,
                        elapsed_ms: offset,
                        timed_out: false,
                    };
                }
                ShellState::Sleeping { until } if until.millis_since(start) <= budget_ms => {
                    offset = until.millis_since(start).max(offset + 1);
                }
                _ => {
                    return ExecResult {
                        exit_code: -1,
                        stdout,
                        stderr,
                        elapsed_ms: budget_ms,
                        timed_out: true,
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    /// An in-memory container: files, a clock, DNS and HTTP tables, processes.
    #[derive(Default)]
    struct TestHost {
        now: u64,
        files: BTreeMap<String, String>,
        dirs: BTreeSet<String>,
        env: BTreeMap<String, String>,
        dns: BTreeMap<String, Vec<String>>,
        http: BTreeMap<String, HttpOutcome>,
        procs: Vec<String>,
        signals: Vec<(String, Signal)>,
    }

    fn parent(path: &str) -> String {
        match path.rfind('/') {
            Some(0) | None => "/".into(),
            Some(i) => path.get(..i).unwrap_or("/").to_owned(),
        }
    }

    impl TestHost {
        fn new() -> TestHost {
            let mut h = TestHost::default();
            for d in [
                "/",
                "/tmp",
                "/etc",
                "/var",
                "/var/run",
                "/var/run/secrets",
                "/var/run/secrets/kubernetes.io",
            ] {
                h.dirs.insert(d.into());
            }
            h.dirs
                .insert("/var/run/secrets/kubernetes.io/serviceaccount".into());
            h.files.insert(
                "/var/run/secrets/kubernetes.io/serviceaccount/namespace".into(),
                "default".into(),
            );
            h.env.insert("HOSTNAME".into(), "pod-1".into());
            h.env
                .insert("PATH".into(), "/usr/sbin:/usr/bin:/sbin:/bin".into());
            h
        }
    }

    impl Host for TestHost {
        fn now(&self) -> SimTime {
            SimTime::from_millis(self.now)
        }
        fn read_file(&self, path: &str) -> Result<String, FsError> {
            if self.dirs.contains(path) {
                return Err(FsError::IsDir);
            }
            self.files.get(path).cloned().ok_or(FsError::NotFound)
        }
        fn write_file(&mut self, path: &str, data: &str, append: bool) -> Result<(), FsError> {
            if self.dirs.contains(path) {
                return Err(FsError::IsDir);
            }
            if !self.dirs.contains(&parent(path)) {
                return Err(FsError::NotFound);
            }
            let f = self.files.entry(path.into()).or_default();
            if !append {
                f.clear();
            }
            f.push_str(data);
            Ok(())
        }
        fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
            if self.files.remove(path).is_some() {
                return Ok(());
            }
            if !self.dirs.contains(path) {
                return Err(FsError::NotFound);
            }
            let prefix = format!("{path}/");
            let has_children = self
                .files
                .keys()
                .chain(self.dirs.iter())
                .any(|k| k.starts_with(&prefix));
            if has_children && !recursive {
                return Err(FsError::NotEmpty);
            }
            self.files.retain(|k, _| !k.starts_with(&prefix));
            self.dirs.retain(|k| !k.starts_with(&prefix) && k != path);
            Ok(())
        }
        fn is_file(&self, path: &str) -> bool {
            self.files.contains_key(path)
        }
        fn is_dir(&self, path: &str) -> bool {
            self.dirs.contains(path)
        }
        fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
            if self.dirs.contains(path) || self.files.contains_key(path) {
                return if parents && self.dirs.contains(path) {
                    Ok(())
                } else {
                    Err(FsError::Exists)
                };
            }
            if !self.dirs.contains(&parent(path)) {
                if !parents {
                    return Err(FsError::NotFound);
                }
                self.mkdir(&parent(path), true)?;
            }
            self.dirs.insert(path.into());
            Ok(())
        }
        fn list_dir(&self, path: &str) -> Result<Vec<String>, FsError> {
            if !self.dirs.contains(path) {
                return Err(FsError::NotFound);
            }
            let names: BTreeSet<String> = self
                .files
                .keys()
                .chain(self.dirs.iter())
                .filter(|k| k.as_str() != path && parent(k) == path)
                .filter_map(|k| k.rsplit('/').next().map(str::to_owned))
                .collect();
            Ok(names.into_iter().collect())
        }
        fn env(&self) -> BTreeMap<String, String> {
            self.env.clone()
        }
        fn hostname(&self) -> String {
            "pod-1".into()
        }
        fn lookup(&self, name: &str) -> DnsAnswer {
            DnsAnswer {
                server: "10.96.0.10".into(),
                name: name.into(),
                addresses: self.dns.get(name).cloned().unwrap_or_default(),
            }
        }
        fn http_get(&mut self, url: &str, _timeout_ms: u64) -> HttpOutcome {
            self.http
                .get(url)
                .cloned()
                .unwrap_or(HttpOutcome::BadAddress)
        }
        fn run_program(&mut self, argv: &[String], _now: SimTime) -> Option<(i32, String, String)> {
            (argv.first()? == "redis-cli").then(|| (0, "PONG\n".into(), String::new()))
        }
        fn process_names(&self, _now: SimTime) -> Vec<String> {
            self.procs.clone()
        }
        fn signal_process(&mut self, name: &str, signal: Signal, _now: SimTime) -> bool {
            let hit = self.procs.iter().any(|p| p == name);
            if hit {
                self.signals.push((name.into(), signal));
            }
            hit
        }
    }

    fn sv(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn shell(script: &str) -> Shell {
        Shell::from_argv(&sv(&["sh", "-c", script])).unwrap_or_else(Shell::from_parse_error)
    }

    fn sleeping(ms: u64) -> ShellState {
        ShellState::Sleeping {
            until: SimTime::from_millis(ms),
        }
    }

    fn stdout(lines: &[(Stream, String)]) -> Vec<String> {
        lines
            .iter()
            .filter(|(s, _)| *s == Stream::Stdout)
            .map(|(_, l)| l.clone())
            .collect()
    }

    fn stderr(lines: &[(Stream, String)]) -> Vec<String> {
        lines
            .iter()
            .filter(|(s, _)| *s == Stream::Stderr)
            .map(|(_, l)| l.clone())
            .collect()
    }

    /// Runs a script that must finish without sleeping: exit status, stdout, stderr lines.
    fn run(host: &mut TestHost, script: &str) -> (i32, Vec<String>, Vec<String>) {
        let mut sh = shell(script);
        let mut st = sh.run(host);
        while let ShellState::Sleeping { until } = st {
            host.now = until.as_millis();
            st = sh.run(host);
        }
        let lines = sh.take_output();
        let code = match st {
            ShellState::Exited(c) => c,
            _ => -1,
        };
        (code, stdout(&lines), stderr(&lines))
    }

    fn out(script: &str) -> Vec<String> {
        run(&mut TestHost::new(), script).1
    }

    #[test]
    fn liveness_example_creates_then_removes_the_file() {
        let mut host = TestHost::new();
        let mut sh = shell("touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600");
        assert_eq!(sh.run(&mut host), sleeping(30_000));
        assert!(host.is_file("/tmp/healthy"));
        let probe = Shell::exec(&sv(&["cat", "/tmp/healthy"]), &mut host, 1000);
        assert_eq!(
            (probe.exit_code, probe.stderr.as_str(), probe.timed_out),
            (0, "", false)
        );
        host.now = 10_000;
        assert_eq!(
            sh.run(&mut host),
            sleeping(30_000),
            "an early call changes nothing"
        );
        host.now = 30_000;
        assert_eq!(sh.run(&mut host), sleeping(630_000));
        assert!(!host.is_file("/tmp/healthy"));
        let probe = Shell::exec(&sv(&["cat", "/tmp/healthy"]), &mut host, 1000);
        assert_eq!(probe.exit_code, 1);
        assert_eq!(
            probe.stderr,
            "cat: can't open '/tmp/healthy': No such file or directory\n"
        );
        host.now = 630_000;
        assert_eq!(sh.run(&mut host), ShellState::Exited(0));
    }

    #[test]
    fn init_container_waits_for_the_service_name() {
        let mut host = TestHost::new();
        let name = "myservice.default.svc.cluster.local";
        let mut sh = shell(
            "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; \
             do echo waiting for myservice; sleep 2; done",
        );
        assert_eq!(sh.run(&mut host), sleeping(2000));
        let lines = sh.take_output();
        assert_eq!(
            stdout(&lines),
            [
                "Server:    10.96.0.10",
                "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local",
                "",
                "waiting for myservice"
            ]
        );
        assert_eq!(
            stderr(&lines),
            [format!("nslookup: can't resolve '{name}'")]
        );
        host.now = 2000;
        assert_eq!(sh.run(&mut host), sleeping(4000));
        assert_eq!(
            stdout(&sh.take_output()).last().map(String::as_str),
            Some("waiting for myservice")
        );
        host.dns.insert(name.into(), vec!["10.96.5.6".into()]);
        host.now = 4000;
        assert_eq!(sh.run(&mut host), ShellState::Exited(0));
        let lines = sh.take_output();
        assert_eq!(
            stdout(&lines),
            [
                "Server:    10.96.0.10",
                "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local",
                "",
                &format!("Name:      {name}"),
                &format!("Address 1: 10.96.5.6 {name}"),
            ]
        );
        assert!(stderr(&lines).is_empty());
    }

    #[test]
    fn echo_then_sleep() {
        let mut host = TestHost::new();
        let mut sh = shell("echo The app is running! && sleep 3600");
        assert_eq!(sh.run(&mut host), sleeping(3_600_000));
        assert_eq!(
            sh.take_output(),
            [(Stream::Stdout, "The app is running!".to_owned())]
        );
    }

    #[test]
    fn pid1_ignores_untrapped_term_but_not_kill() {
        let mut host = TestHost::new();
        let mut sh = shell("sleep 3600");
        assert_eq!(sh.run(&mut host), sleeping(3_600_000));
        assert!(!sh.signal(Signal::Term, true));
        assert_eq!(sh.run(&mut host), sleeping(3_600_000));
        assert!(sh.signal(Signal::Kill, true));
        assert_eq!(sh.run(&mut host), ShellState::Exited(137));
        let mut sh = shell("sleep 3600");
        sh.run(&mut host);
        assert!(sh.signal(Signal::Term, false), "not PID 1: default action");
        assert_eq!(sh.run(&mut host), ShellState::Exited(143));
    }

    #[test]
    fn trap_interrupts_wait_at_once() {
        let mut host = TestHost::new();
        let mut sh = shell("trap 'echo bye; exit 0' TERM; sleep 1000 & wait");
        assert_eq!(sh.run(&mut host), sleeping(1_000_000));
        host.now = 5000;
        assert!(sh.signal(Signal::Term, true));
        assert_eq!(sh.run(&mut host), ShellState::Exited(0));
        assert_eq!(stdout(&sh.take_output()), ["bye"]);
        // Without exit in the handler, wait returns 128+15 and the script goes on.
        let mut sh = shell("trap 'echo got TERM' SIGTERM 15; sleep 100 & wait; echo \"wait=$?\"");
        assert_eq!(sh.run(&mut host), sleeping(5000 + 100_000));
        assert!(sh.signal(Signal::Term, true));
        assert_eq!(sh.run(&mut host), ShellState::Exited(0));
        assert_eq!(stdout(&sh.take_output()), ["got TERM", "wait=143"]);
    }

    #[test]
    fn trap_waits_for_the_foreground_sleep() {
        let mut host = TestHost::new();
        let mut sh = shell("trap 'echo stopping; exit 3' TERM; echo up; sleep 30; echo never");
        assert_eq!(sh.run(&mut host), sleeping(30_000));
        host.now = 1000;
        assert!(sh.signal(Signal::Term, true));
        assert_eq!(sh.run(&mut host), sleeping(30_000));
        host.now = 30_000;
        assert_eq!(sh.run(&mut host), ShellState::Exited(3));
        assert_eq!(stdout(&sh.take_output()), ["up", "stopping"]);
    }

    #[test]
    fn exec_runs_on_a_private_clock_with_a_budget() {
        let mut host = TestHost::new();
        let r = Shell::exec(&sv(&["sh", "-c", "sleep 5"]), &mut host, 1000);
        assert!(r.timed_out);
        assert_eq!((r.exit_code, r.elapsed_ms), (-1, 1000));
        let r = Shell::exec(
            &sv(&["/bin/sh", "-c", "sleep 0.5; echo hi; exit 4"]),
            &mut host,
            1000,
        );
        assert_eq!(
            (r.exit_code, r.stdout.as_str(), r.elapsed_ms, r.timed_out),
            (4, "hi\n", 500, false)
        );
        assert_eq!(host.now, 0, "the host clock did not move");
        let r = Shell::exec(&sv(&["redis-cli", "ping"]), &mut host, 1000);
        assert_eq!((r.exit_code, r.stdout.as_str()), (0, "PONG\n"));
        let r = Shell::exec(&sv(&["pg_isready"]), &mut host, 1000);
        assert_eq!(
            (r.exit_code, r.stderr.as_str()),
            (127, "sh: pg_isready: not found\n")
        );
        let r = Shell::exec(&sv(&["tail", "-f", "/dev/null"]), &mut host, 1000);
        assert!(r.timed_out);
    }

    #[test]
    fn syntax_errors_use_busybox_wording() {
        let cases = [
            (
                "if true; then echo x",
                "unexpected end of file (expecting \"fi\")",
            ),
            ("fi", "unexpected \"fi\""),
            ("echo 'abc", "unterminated quoted string"),
            ("echo \"abc", "unterminated quoted string"),
            ("echo a )", "unexpected \")\""),
            ("while true; do done", "unexpected \"done\""),
            (
                "while true; echo",
                "unexpected end of file (expecting \"do\")",
            ),
            ("for 1 in a; do :; done", "bad for loop variable"),
            (
                "case x in a) echo;;",
                "unexpected end of file (expecting \")\")",
            ),
            ("echo a;;", "unexpected \";;\""),
            ("{ echo a", "unexpected end of file (expecting \"}\")"),
            ("echo $(echo", "unexpected end of file (expecting \")\")"),
            ("echo ${x", "missing '}'"),
            ("ls >", "unexpected end of file"),
            ("| grep x", "unexpected \"|\""),
        ];
        for (script, msg) in cases {
            let want = format!("sh: syntax error: {msg}");
            assert_eq!(
                Shell::parse(script, &[]).err(),
                Some(ParseError(want.clone())),
                "{script}"
            );
            let (code, _, err) = run(&mut TestHost::new(), script);
            assert_eq!((code, err), (2, vec![want]), "{script}");
        }
    }

    #[test]
    fn wget_messages() {
        let mut host = TestHost::new();
        let ok = |body: &str| HttpOutcome::Response {
            remote: "10.96.5.6:80".into(),
            status: 200,
            reason: "OK".into(),
            body: body.into(),
            elapsed_ms: 20,
        };
        host.http.insert("http://web/".into(), ok("<h1>hi</h1>\n"));
        host.http.insert("http://web/status.json".into(), ok("{}"));
        host.http.insert(
            "http://web/missing".into(),
            HttpOutcome::Response {
                remote: "10.96.5.6:80".into(),
                status: 404,
                reason: "Not Found".into(),
                body: String::new(),
                elapsed_ms: 5,
            },
        );
        host.http.insert(
            "http://db:5432/".into(),
            HttpOutcome::Refused {
                remote: "10.96.7.7:5432".into(),
            },
        );
        host.http.insert(
            "http://slow/".into(),
            HttpOutcome::Timeout {
                remote: "10.96.8.8:80".into(),
            },
        );

        let (code, o, e) = run(&mut host, "wget -O /tmp/page http://web/");
        assert_eq!((code, o.len()), (0, 0));
        assert_eq!(
            e,
            [
                "Connecting to web (10.96.5.6:80)",
                "saving to '/tmp/page'",
                "'/tmp/page' saved"
            ]
        );
        assert_eq!(
            host.files.get("/tmp/page").map(String::as_str),
            Some("<h1>hi</h1>\n")
        );
        assert_eq!(
            run(&mut host, "wget -qO- http://web/"),
            (0, vec!["<h1>hi</h1>".to_owned()], vec![])
        );
        assert_eq!(
            run(
                &mut host,
                "cd /tmp && wget -q http://web/status.json && cat status.json"
            )
            .1,
            ["{}"]
        );
        let (code, _, e) = run(&mut host, "wget -q -O - http://web/missing");
        assert_eq!(
            (code, e),
            (
                1,
                vec!["wget: server returned error: HTTP/1.1 404 Not Found".to_owned()]
            )
        );
        assert_eq!(
            run(&mut host, "wget http://nowhere/").2,
            ["wget: bad address 'nowhere'"]
        );
        assert_eq!(
            run(&mut host, "wget -T 2 http://db:5432/").2,
            [
                "Connecting to db:5432 (10.96.7.7:5432)",
                "wget: can't connect to remote host (10.96.7.7): Connection refused"
            ]
        );
        let mut host2 = TestHost::new();
        host2.http = host.http.clone();
        let mut sh = shell("wget -q -T 5 http://slow/; echo $?");
        assert_eq!(
            sh.run(&mut host2),
            sleeping(5000),
            "the timeout takes simulated time"
        );
        host2.now = 5000;
        assert_eq!(sh.run(&mut host2), ShellState::Exited(0));
        let lines = sh.take_output();
        assert_eq!(
            (stdout(&lines), stderr(&lines)),
            (
                vec!["1".to_owned()],
                vec!["wget: download timed out".to_owned()]
            )
        );
    }

    #[test]
    fn nslookup_formats() {
        let mut host = TestHost::new();
        host.dns
            .insert("kubernetes.default".into(), vec!["10.96.0.1".into()]);
        let (code, o, _) = run(&mut host, "nslookup kubernetes.default");
        assert_eq!(code, 0);
        assert_eq!(
            o.get(3..).unwrap_or_default(),
            [
                "Name:      kubernetes.default",
                "Address 1: 10.96.0.1 kubernetes.default"
            ]
        );
        host.env.insert("BUSYBOX_VERSION".into(), "1.36.1".into());
        let (code, o, _) = run(&mut host, "nslookup kubernetes.default");
        assert_eq!(code, 0);
        assert_eq!(
            o,
            [
                "Server:\t\t10.96.0.10",
                "Address:\t10.96.0.10:53",
                "",
                "Name:\tkubernetes.default",
                "Address: 10.96.0.1",
                ""
            ]
        );
        let (code, o, _) = run(&mut host, "nslookup nope");
        assert_eq!(
            (code, o.get(3).map(String::as_str)),
            (1, Some("** server can't find nope: NXDOMAIN"))
        );
    }

    #[test]
    fn control_flow_variables_and_expansions() {
        assert_eq!(
            out("for i in 1 2 3; do echo \"n=$i\"; done"),
            ["n=1", "n=2", "n=3"]
        );
        assert_eq!(
            out("x=5; y=$((x * 2 + 1)); echo $y $((y % 4)) $((y > 10)) $((7 / 2))"),
            ["11 3 1 3"]
        );
        assert_eq!(
            out("i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i"),
            ["3"]
        );
        assert_eq!(
            out(
                "for f in a.txt b.log c; do case $f in *.txt|*.md) echo text;; *.log) echo log;; *) echo other;; esac; done"
            ),
            ["text", "log", "other"]
        );
        assert_eq!(
            out("false; echo $?; true; echo $?; ! true; echo $?"),
            ["1", "0", "1"]
        );
        assert_eq!(
            out("echo ${U:-def} ${#HOSTNAME} ${V:=set} $V; X=; echo \"[${X:-e}][${X-u}]\""),
            ["def 5 set set", "[e][]"]
        );
        assert_eq!(
            out("f=archive.tar.gz; echo ${f%.*} ${f%%.*} ${f#*.} ${f##*.}"),
            ["archive.tar archive tar.gz gz"]
        );
        assert_eq!(
            out(
                "ns=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace); echo \"ns=$ns\" `echo hi`"
            ),
            ["ns=default hi"]
        );
        assert_eq!(
            out("A=\"a  b\"; set -- $A \"$A\"; echo $#; for x in \"$@\"; do echo \"<$x>\"; done"),
            ["3", "<a>", "<b>", "<a  b>"]
        );
        assert_eq!(
            out("f() { local v=in; echo \"$1-$v\"; return 3; }; v=out; f x; echo $? $v"),
            ["x-in", "3 out"]
        );
        assert_eq!(
            out("if [ -f /nope ]; then echo a; elif [ -d /tmp ]; then echo b; else echo c; fi"),
            ["b"]
        );
        assert_eq!(
            out("for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done"),
            ["1", "3"]
        );
        assert_eq!(
            out("echo 'single $x' \"dq \\$x \\\"q\\\"\" back\\ slash"),
            ["single $x dq $x \"q\" back slash"]
        );
        assert_eq!(
            out("printf '%s=%d%%\\n' a 5 b 7; printf '%5s|%-3s|%03d\\n' x y 7"),
            ["a=5%", "b=7%", "    x|y  |007"]
        );
        assert_eq!(out("echo -n a; echo -e 'b\\tc'"), ["ab\tc"]);
        assert_eq!(
            out("expr 3 + 4; expr 10 / 3; test 3 -gt 2 -a ! -z x && echo yes"),
            ["7", "3", "yes"]
        );
        assert_eq!(
            out("cat <<EOF\nhello $HOSTNAME\nEOF\ncat <<'E'\n$x\nE"),
            ["hello pod-1", "$x"]
        );
        assert_eq!(out("echo $0 $1; sh -c 'echo $0 $1' a b"), ["sh", "a b"]);
        assert_eq!(
            out("date; date +%s; date +%Y-%m-%dT%H:%M:%SZ"),
            [
                "Thu Jan  1 00:00:00 UTC 2026",
                "1767225600",
                "2026-01-01T00:00:00Z"
            ]
        );
    }

    #[test]
    fn redirections_and_pipelines() {
        let mut host = TestHost::new();
        let (code, o, e) = run(
            &mut host,
            "echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f | wc -l; wc -l < /tmp/f; \
             cat /nope 2>/dev/null || echo failed; ls /nope 2>&1 | grep -q 'No such' && echo matched; \
             echo err >&2; seq 1 10 | head -n 2; seq 5 | tail -n 1; echo a b c | grep -v x; \
             while read line; do echo \"got $line\"; done < /tmp/f",
        );
        assert_eq!(code, 0);
        assert_eq!(
            o,
            [
                "2", "2", "failed", "matched", "1", "2", "5", "a b c", "got one", "got two"
            ]
        );
        assert_eq!(e, ["err"]);
        assert_eq!(
            host.files.get("/tmp/f").map(String::as_str),
            Some("one\ntwo\n")
        );
        let (code, _, e) = run(&mut host, "echo x > /missing/dir/f");
        assert_eq!(
            (code, e),
            (
                1,
                vec!["sh: can't create /missing/dir/f: nonexistent directory".to_owned()]
            )
        );
        let (code, _, e) = run(&mut host, "cat < /nope");
        assert_eq!(
            (code, e),
            (1, vec!["sh: can't open /nope: no such file".to_owned()])
        );
        assert_eq!(
            run(
                &mut host,
                "{ echo a; echo b; } > /tmp/g; (cd /tmp; cat g) | grep b"
            )
            .1,
            ["b"]
        );
        assert_eq!(
            run(&mut host, "echo hi | read v; echo \"[$v]\"").1,
            ["[]"],
            "pipeline stages are subshells"
        );
    }

    #[test]
    fn files_and_errors() {
        let mut host = TestHost::new();
        assert_eq!(
            run(&mut host, "rm /tmp/x"),
            (
                1,
                vec![],
                vec!["rm: can't remove '/tmp/x': No such file or directory".into()]
            )
        );
        assert_eq!(
            run(
                &mut host,
                "rm -f /tmp/x; mkdir -p /tmp/a/b && touch /tmp/a/b/c && ls /tmp/a/b"
            )
            .1,
            ["c"]
        );
        assert_eq!(
            run(&mut host, "mkdir /tmp/a").2,
            ["mkdir: can't create directory '/tmp/a': File exists"]
        );
        assert_eq!(
            run(&mut host, "ls /x"),
            (1, vec![], vec!["ls: /x: No such file or directory".into()])
        );
        assert_eq!(
            run(&mut host, "rm -rf /tmp/a; [ -e /tmp/a ] || echo gone").1,
            ["gone"]
        );
        assert_eq!(
            run(&mut host, "nosuch --flag"),
            (127, vec![], vec!["sh: nosuch: not found".into()])
        );
        assert_eq!(
            run(&mut host, "cd /nowhere").2,
            ["sh: cd: line 1: can't cd to /nowhere: No such file or directory"]
        );
    }

    #[test]
    fn set_e_exits_on_the_first_failure_outside_conditions() {
        let (code, o, e) = run(
            &mut TestHost::new(),
            "set -e; if false; then :; fi; false || echo ok; false && echo no; echo before; cat /nope; echo after",
        );
        assert_eq!((code, o), (1, vec!["ok".to_owned(), "before".to_owned()]));
        assert_eq!(e, ["cat: can't open '/nope': No such file or directory"]);
        assert_eq!(
            run(
                &mut TestHost::new(),
                "sh -ec 'false; echo no'; echo \"rc=$?\""
            )
            .1,
            ["rc=1"]
        );
    }

    #[test]
    fn processes_and_jobs() {
        let mut host = TestHost::new();
        host.procs = sv(&["nginx", "sh"]);
        assert_eq!(run(&mut host, "killall -0 nginx && echo up").1, ["up"]);
        assert_eq!(
            run(&mut host, "killall -0 redis"),
            (1, vec![], vec!["killall: redis: no process killed".into()])
        );
        assert_eq!(run(&mut host, "killall -QUIT nginx; pidof nginx").1, ["1"]);
        assert_eq!(host.signals, [("nginx".to_owned(), Signal::Quit)]);
        assert_eq!(
            run(
                &mut host,
                "kill -0 1 && echo alive; kill -TERM 1; echo still"
            )
            .1,
            ["alive", "still"]
        );
        assert_eq!(
            run(
                &mut host,
                "trap 'echo trapped' TERM; kill -TERM $$; echo after"
            )
            .1,
            ["trapped", "after"]
        );
        assert_eq!(
            run(&mut host, "trap -- 'echo t' INT; trap").1,
            ["trap -- 'echo t' INT"]
        );
        assert_eq!(
            run(&mut host, "trap 'echo cleanup' EXIT; echo work; exit 5"),
            (5, vec!["work".into(), "cleanup".into()], vec![])
        );

        // Background loop and foreground sleep interleave on the simulated clock.
        let mut sh = shell(
            "(for i in 1 2 3; do sleep 1; echo tick $i; done) & sleep 2; echo main; wait; echo done $!",
        );
        assert_eq!(sh.run(&mut host), sleeping(1000));
        for t in [1000, 2000, 3000] {
            host.now = t;
            sh.run(&mut host);
        }
        assert_eq!(sh.run(&mut host), ShellState::Exited(0));
        assert_eq!(
            stdout(&sh.take_output()),
            ["tick 1", "tick 2", "main", "tick 3", "done 7"]
        );
    }

    #[test]
    fn resumes_inside_nested_loops_and_functions() {
        let mut host = TestHost::new();
        let mut sh = shell(
            "f() { for j in a b; do echo \"$1$j\"; sleep 1; done; }; for i in 1 2; do f $i; done; echo end",
        );
        let mut seen = Vec::new();
        loop {
            match sh.run(&mut host) {
                ShellState::Sleeping { until } => host.now = until.as_millis(),
                st => {
                    assert_eq!(st, ShellState::Exited(0));
                    break;
                }
            }
            seen.extend(stdout(&sh.take_output()));
        }
        seen.extend(stdout(&sh.take_output()));
        assert_eq!(seen, ["1a", "1b", "2a", "2b", "end"]);
        assert_eq!(host.now, 4000);
    }

    #[test]
    fn busy_loops_and_blocking_commands() {
        let mut host = TestHost::new();
        let mut sh = shell("while true; do :; done");
        assert_eq!(sh.run(&mut host), sleeping(BUSY_SLICE_MS));
        for script in [
            "sleep infinity",
            "tail -f /dev/null",
            "yes > /dev/null",
            "sleep 1000 & wait; sleep infinity",
        ] {
            let mut sh = shell(script);
            let st = sh.run(&mut host);
            assert!(
                matches!(st, ShellState::Blocked | ShellState::Sleeping { .. }),
                "{script}: {st:?}"
            );
        }
        assert_eq!(shell("sleep inf").run(&mut host), ShellState::Blocked);
        assert_eq!(
            shell("read x").run(&mut host),
            ShellState::Exited(1),
            "stdin is /dev/null"
        );
        let mut sh = shell("read x");
        sh.set_stdin_attached(true);
        assert_eq!(sh.run(&mut host), ShellState::Blocked);
        assert_eq!(shell("sleep 1m").run(&mut host), sleeping(60_000));
        assert_eq!(
            run(&mut host, "sleep abc").2,
            ["sleep: invalid number 'abc'"]
        );
    }

    const FRAGMENTS: &[&str] = &[
        "echo",
        " ",
        "x",
        "$x",
        "${x:-y}",
        "$(",
        ")",
        "`",
        "'",
        "\"",
        "|",
        "||",
        "&&",
        ";",
        ";;",
        "&",
        "\n",
        "if",
        "then",
        "else",
        "fi",
        "while",
        "do",
        "done",
        "for",
        "in",
        "case",
        "esac",
        "(",
        "{",
        "}",
        "<",
        ">",
        ">>",
        "2>&1",
        "<<E",
        "E",
        "$((",
        "))",
        "1+",
        "sleep 1",
        "false",
        "true",
        "break",
        "continue",
        "exit",
        "f()",
        "read v",
        "wait",
        "trap",
        "seq 3",
        "cat",
        "#",
        "\\",
        "$@",
        "*",
        "=",
        "a=",
        "set -e",
        "kill -TERM 1",
        "yes",
        "sleep infinity",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn arbitrary_input_never_panics(text in ".{0,80}") {
            exercise(&text);
        }

        #[test]
        fn arbitrary_token_soup_never_panics(idx in proptest::collection::vec(0..FRAGMENTS.len(), 0..30)) {
            let text: String = idx.iter().filter_map(|i| FRAGMENTS.get(*i)).copied().collect::<Vec<_>>().join(" ");
            exercise(&text);
        }
    }

    /// Parses and runs a script for a few steps of simulated time; must not panic and must
    /// return from every call.
    fn exercise(text: &str) {
        let _ = Shell::parse(text, &[]);
        let mut host = TestHost::new();
        let mut sh = shell(text);
        for _ in 0..4 {
            match sh.run(&mut host) {
                ShellState::Sleeping { until } => host.now = until.as_millis(),
                ShellState::Blocked => {
                    sh.signal(Signal::Term, true);
                }
                ShellState::Exited(_) => break,
            }
            let _ = sh.take_output();
        }
        let _ = Shell::exec(&sv(&["sh", "-c", text]), &mut host, 50);
    }
}
