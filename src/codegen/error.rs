//! The generator's one error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Where an ABI came from, for error messages and generated docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, as the caller named it.
    File(PathBuf),
    /// A `JsonAbi` given in memory for a module.
    Memory {
        /// The module the ABI was given for.
        module: String,
    },
    /// sessionkit's own account, the artifact this crate ships
    /// ([`contracts::session_account::ARTIFACT`](crate::contracts::session_account::ARTIFACT)).
    Bundled,
}

impl Source {
    /// How generated docs name the input: a file by its name alone, so the output does not
    /// depend on where the checkout is.
    pub(crate) fn doc_label(&self) -> String {
        match self {
            Source::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            Source::Memory { .. } => "an in-memory ABI".to_owned(),
            Source::Bundled => "sessionkit's bundled account".to_owned(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Memory { module } => write!(f, "in-memory ABI of module `{module}`"),
            Source::Bundled => write!(
                f,
                "sessionkit {}'s bundled account (artifacts/SessionAccount.json)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

/// Everything that can go wrong while generating. Every message is one line and names the
/// input file (and the module or ABI item) it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An ABI file could not be read (missing, unreadable).
    #[error("{path}: cannot read the ABI file: {message}", path = path.display(), message = one_line(source))]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// An ABI file is not JSON.
    #[error("{input}: not JSON: {message}; give a JSON ABI array or a Foundry artifact")]
    NotJson {
        /// The input.
        input: Source,
        /// What the JSON parser said.
        message: String,
    },

    /// An ABI file is JSON but not an ABI (neither an array of ABI items nor an object with an
    /// `abi` key holding one).
    #[error("{input}: not an ABI: {message}")]
    NotAbi {
        /// The input.
        input: Source,
        /// Why.
        message: String,
    },

    /// A JSON object that looks like a compiler artifact but has no `abi` key.
    #[error("{input}: artifact without an \"abi\" key; give the ABI array or a Foundry artifact that has one")]
    ArtifactWithoutAbi {
        /// The input.
        input: Source,
    },

    /// Two inputs use the same module name.
    #[error(
        "{second}: module `{module}` is already used by {first}; give each ABI its own module name"
    )]
    DuplicateModule {
        /// The module name.
        module: String,
        /// The input that took the name first.
        first: Source,
        /// The input that asked for it again.
        second: Source,
    },

    /// A module name is not a valid Rust identifier (or is a keyword).
    #[error("{input}: module name `{module}` is not a valid Rust identifier; use snake_case letters, digits and `_`, not a keyword")]
    InvalidModuleName {
        /// The input.
        input: Source,
        /// The rejected name.
        module: String,
    },

    /// A contract name (the `sol!` interface name) is not a valid identifier.
    #[error("{input}: contract name `{name}` is not a valid identifier; set one with `contract_name(module, name)`")]
    InvalidContractName {
        /// The input.
        input: Source,
        /// The rejected name.
        name: String,
    },

    /// A target ABI has no functions, so no call policy can be built for it.
    #[error("{input}: target `{module}` has no functions, so no call policy can name it; check the file is the contract's ABI")]
    NoFunctions {
        /// The input.
        input: Source,
        /// The module.
        module: String,
    },

    /// An ABI item the generator cannot represent.
    #[error("{input}: module `{module}`: {item}: {reason}")]
    UnsupportedAbi {
        /// The input.
        input: Source,
        /// The module.
        module: String,
        /// The ABI item (`function transfer`, `struct SessionLib.CallSpec`).
        item: String,
        /// Why it cannot be represented.
        reason: String,
    },

    /// The account ABI lacks items of the session-key interface.
    #[error("{input}: not a session-key account: the ABI lacks {missing} of the interface (docs/interface.md); give the account's ABI, or generate its bindings as a target")]
    NotAnAccount {
        /// The account input.
        input: Source,
        /// What is missing.
        missing: String,
    },

    /// `contract_name` was given for a module that has no ABI.
    #[error("contract name given for module `{module}`, which has no ABI; check the module name")]
    UnknownModule {
        /// The module.
        module: String,
    },

    /// `OUT_DIR` is not set and no output directory was given.
    #[error(
        "no output directory: OUT_DIR is not set (not in a build script); call `out_dir(dir)`"
    )]
    NoOutDir,

    /// An output file could not be written.
    #[error("{path}: cannot write generated code: {message}", path = path.display(), message = one_line(source))]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// A template produced invalid Rust or failed to render: a bug in the generator.
    #[error("generator bug in template `{template}` (module `{module}`): {message}; please report it with the ABI that caused it")]
    GeneratorBug {
        /// The template.
        template: String,
        /// The module being rendered.
        module: String,
        /// The parser's or renderer's message.
        message: String,
    },
}

/// Joins a multi-line message into one line.
pub(crate) fn one_line(message: impl fmt::Display) -> String {
    message
        .to_string()
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The generator's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
