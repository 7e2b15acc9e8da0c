//! Reading a TOML document with the span of every key and value kept (toml's `DeTable`), so
//! that every error, syntactic or semantic, names the file, line and column it is about.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use super::{Location, ScenarioError};

/// A source text and the name it is reported under.
#[derive(Debug, Clone)]
pub(crate) struct Source<'t> {
    pub file: Arc<str>,
    pub text: &'t str,
}

impl<'t> Source<'t> {
    /// The location of byte `offset`.
    pub fn location(&self, offset: usize) -> Location {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        Location {
            file: self.file.clone(),
            line,
            column,
        }
    }

    /// An error at `span`.
    pub fn error(&self, span: &Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            location: self.location(span.start),
            message: message.into(),
        }
    }

    /// Parses the document, or the parser's error on one line.
    pub fn parse(&self) -> Result<Spanned<DeTable<'t>>, ScenarioError> {
        DeTable::parse(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', "; ");
            self.error(&span, format!("not valid TOML: {message}"))
        })
    }
}

/// A TOML table being read: remembers which keys were read, so that [`Table::finish`] can name
/// the first key nobody asked for.
pub(crate) struct Table<'a, 't> {
    pub src: &'a Source<'t>,
    pub map: &'a DeTable<'t>,
    pub span: Range<usize>,
    /// How the table is named in messages: `[session]`, `a step`.
    pub what: String,
    read: RefCell<Vec<String>>,
}

/// A value with its span.
pub(crate) type Val<'a, 't> = &'a Spanned<DeValue<'t>>;

impl<'a, 't> Table<'a, 't> {
    pub fn new(
        src: &'a Source<'t>,
        map: &'a DeTable<'t>,
        span: Range<usize>,
        what: impl Into<String>,
    ) -> Self {
        Table {
            src,
            map,
            span,
            what: what.into(),
            read: RefCell::new(Vec::new()),
        }
    }

    /// The table of value `v`, or an error naming what was expected.
    pub fn of(
        src: &'a Source<'t>,
        v: Val<'a, 't>,
        what: impl Into<String>,
    ) -> Result<Self, ScenarioError> {
        let what = what.into();
        match v.get_ref() {
            DeValue::Table(map) => Ok(Table::new(src, map, v.span(), what)),
            other => Err(src.error(
                &v.span(),
                format!("{what}: expected a table, found {}", kind(other)),
            )),
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<Val<'a, 't>> {
        self.read.borrow_mut().push(key.to_owned());
        self.map.get(key)
    }

    /// Whether `key` is present (without reading it).
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some()
    }

    /// The keys in the order written, with their spans.
    pub fn entries(
        &self,
    ) -> impl Iterator<Item = (&'a Spanned<toml::de::DeString<'t>>, Val<'a, 't>)> {
        self.map.iter()
    }

    /// A string value of `key`.
    pub fn str(&self, key: &str) -> Result<Option<(&'a str, Range<usize>)>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Ok(Some((s.as_ref(), v.span()))),
                other => Err(self.src.error(
                    &v.span(),
                    format!(
                        "{} `{key}`: expected a string, found {}",
                        self.what,
                        kind(other)
                    ),
                )),
            },
        }
    }

    /// A required string value of `key`.
    pub fn req_str(
        &self,
        key: &str,
        example: &str,
    ) -> Result<(&'a str, Range<usize>), ScenarioError> {
        self.str(key)?.ok_or_else(|| {
            self.src.error(
                &self.span,
                format!("{} needs `{key}` (e.g. {key} = {example})", self.what),
            )
        })
    }

    /// A boolean value of `key`.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => Ok(Some(*b)),
                other => Err(self.src.error(
                    &v.span(),
                    format!(
                        "{} `{key}`: expected true or false, found {}",
                        self.what,
                        kind(other)
                    ),
                )),
            },
        }
    }

    /// An array value of `key`.
    pub fn array(
        &self,
        key: &str,
    ) -> Result<Option<(&'a DeArray<'t>, Range<usize>)>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::Array(a) => Ok(Some((a, v.span()))),
                other => Err(self.src.error(
                    &v.span(),
                    format!(
                        "{} `{key}`: expected an array, found {}",
                        self.what,
                        kind(other)
                    ),
                )),
            },
        }
    }

    /// A sub-table of `key`.
    pub fn table(
        &self,
        key: &str,
        what: impl Into<String>,
    ) -> Result<Option<Table<'a, 't>>, ScenarioError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Table::of(self.src, v, what).map(Some),
        }
    }

    /// Fails on the first key that was never read, naming the keys this table takes.
    pub fn finish(&self, allowed: &[&str]) -> Result<(), ScenarioError> {
        let read = self.read.borrow();
        for (key, _) in self.map.iter() {
            if !read.iter().any(|r| r == key.get_ref().as_ref()) {
                return Err(self.src.error(
                    &key.span(),
                    format!(
                        "unknown key `{}` in {}: expected {}",
                        key.get_ref(),
                        self.what,
                        one_of(allowed)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// "`a`, `b` or `c`".
pub(crate) fn one_of(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => "nothing".into(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// What kind of TOML value this is, for messages.
pub(crate) fn kind(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The text of a scalar written as a string, an integer or a boolean (`100`, `"100"`,
/// `"0.5 ether"`, `true`); integers in another radix keep their prefix.
pub(crate) fn scalar_text(v: &DeValue<'_>) -> Option<String> {
    match v {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            Some(match i.radix() {
                16 => format!("0x{}", digits.trim_start_matches("0x")),
                8 => format!("0o{}", digits.trim_start_matches("0o")),
                2 => format!("0b{}", digits.trim_start_matches("0b")),
                _ => digits,
            })
        }
        DeValue::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}
