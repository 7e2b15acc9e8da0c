//! The models the templates render: a target module's call-policy builders, the account
//! module, the index, and the `sol!` block alloy prints for each ABI. Every Rust name is
//! decided here, before rendering.

use alloy::json_abi::{StateMutability, ToSolConfig};
use alloy::primitives::Bytes;
use serde::Serialize;

use crate::codegen::analysis::Analyzed;
use crate::codegen::error::{Error, Result};
use crate::codegen::input::LoadedAbi;
use crate::params::{self, Namespace, WordType};

/// What the generated code is configured with.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The path of the runtime crate in generated code (`::sessionkit`).
    pub runtime: String,
    /// `#[sol(rpc)]` on the bindings.
    pub rpc: bool,
    /// Builders for `view` and `pure` functions too.
    pub views: bool,
}

/// The name of the builder type each target module declares.
const BUILDER: &str = "CallPolicyBuilder";

/// The `sol!` block of an ABI, as alloy prints it (`JsonAbi::to_sol` for the macro), with
/// derives on every item and `#[sol(rpc)]` and the bytecode (when known) on the interface.
pub(crate) fn sol_block(
    loaded: &LoadedAbi,
    analyzed: &Analyzed,
    rpc: bool,
    bytecode: Option<(&Bytes, Option<&Bytes>)>,
) -> Result<String> {
    let config = ToSolConfig::new()
        .print_constructors(true)
        .for_sol_macro(true);
    let sol = analyzed.abi.to_sol(&loaded.contract, Some(config));
    // What `sol!` will parse, with the parser `sol!` uses: an ABI it cannot read is named here,
    // with the line of Solidity it fails on, rather than by the user's compiler.
    let unreadable = |message: String, line: usize| Error::UnsupportedAbi {
        input: loaded.source.clone(),
        module: loaded.module.clone(),
        item: sol
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::trim)
            .unwrap_or_default()
            .to_owned(),
        reason: format!("alloy's sol! cannot read it as Solidity ({message})"),
    };
    let tokens: proc_macro2::TokenStream = sol
        .parse()
        .map_err(|e: proc_macro2::LexError| unreadable(e.to_string(), e.span().start().line))?;
    syn_solidity::parse2(tokens).map_err(|e| unreadable(e.to_string(), e.span().start().line))?;
    let split = if sol.starts_with("interface ") {
        Some(0)
    } else {
        sol.find("\ninterface ").map(|i| i + 1)
    };
    let Some(split) = split else {
        return Err(Error::GeneratorBug {
            template: "sol".into(),
            module: loaded.module.clone(),
            message: "alloy printed no interface".into(),
        });
    };
    let (libraries, interface) = sol.split_at(split);
    let mut attrs = Vec::new();
    if rpc {
        attrs.push("rpc".to_owned());
    }
    if let Some((creation, deployed)) = bytecode {
        attrs.push(format!("bytecode = \"{creation}\""));
        if let Some(deployed) = deployed {
            attrs.push(format!("deployed_bytecode = \"{deployed}\""));
        }
    }
    let mut out =
        String::from("::alloy::sol! {\n    #![sol(extra_derives(Debug, PartialEq, Eq))]\n");
    for line in libraries.lines().filter(|l| !l.is_empty()) {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    if !attrs.is_empty() {
        out.push_str(&format!("    #[sol({})]\n", attrs.join(", ")));
    }
    for line in interface.lines().filter(|l| !l.is_empty()) {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("}\n");
    Ok(out)
}

/// A target module: bindings and one call-policy builder per callable function.
#[derive(Debug, Serialize)]
pub(crate) struct TargetModel {
    pub module: String,
    pub source: String,
    pub contract: String,
    pub runtime: String,
    /// The runtime's minor version the code is made for.
    pub version: String,
    pub builder: String,
    /// `(constructor, signature)` of each builder, for the module docs.
    pub summary: Vec<Summary>,
    /// How many view and pure functions got no builder.
    pub skipped_views: usize,
    /// Rendered on its own (not formatted).
    #[serde(skip)]
    pub sol: String,
    /// Rendered one by one.
    #[serde(skip)]
    pub functions: Vec<PolicyFn>,
}

/// One line of a module's docs.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    pub func: String,
    pub signature: String,
}

/// The call-policy builder of one function.
#[derive(Debug, Serialize)]
pub(crate) struct PolicyFn {
    /// The constructor, `transfer`.
    pub func: String,
    /// The call type's path, `ERC20::transferCall`.
    pub call: String,
    pub signature: String,
    /// `0xa9059cbb`.
    pub selector: String,
    pub mutability: String,
    /// The overload note, or empty.
    pub overload: String,
    pub params: Vec<ParamDoc>,
    pub methods: Vec<Method>,
    pub builder: String,
    pub runtime: String,
}

/// A parameter in the docs.
#[derive(Debug, Serialize)]
pub(crate) struct ParamDoc {
    pub name: String,
    pub sol_ty: String,
    /// How to constrain it: the methods, or why there are none.
    pub how: String,
}

/// A parameter method: one constrainable word.
#[derive(Debug, Serialize)]
pub(crate) struct Method {
    /// The Rust identifier (`to`, `r#type`).
    pub ident: String,
    pub sol_path: String,
    pub sol_ty: String,
    pub index: u64,
    /// The word's kind as `call_policy_params!` takes it: `address`, `uint<24>`.
    pub kind: String,
}

/// The model of target module `loaded`.
pub(crate) fn target_model(
    loaded: &LoadedAbi,
    analyzed: &Analyzed,
    bytecode: Option<(&Bytes, Option<&Bytes>)>,
    options: &Options,
) -> Result<TargetModel> {
    if analyzed.functions.is_empty() {
        return Err(Error::NoFunctions {
            input: loaded.source.clone(),
            module: loaded.module.clone(),
        });
    }
    let callable: Vec<_> = analyzed.callable(options.views).collect();
    // Constructors: names already in snake_case claim theirs first (`mint_for` before
    // `mintFor`), then the rest in ABI order.
    let mut ns = Namespace::with_reserved([BUILDER, loaded.contract.as_str()]);
    let bases: Vec<String> = callable
        .iter()
        .map(|f| {
            let snake = match params::snake(&f.function.name) {
                s if s.is_empty() => "function".to_owned(),
                s => s,
            };
            match f.overload {
                Some(i) => format!("{snake}_{i}"),
                None => snake,
            }
        })
        .collect();
    let mut funcs: Vec<Option<String>> = vec![None; callable.len()];
    for snake_first in [true, false] {
        for (k, f) in callable.iter().enumerate() {
            let is_snake = params::snake(&f.function.name) == f.function.name;
            if funcs[k].is_none() && is_snake == snake_first {
                funcs[k] = Some(ns.alloc(&bases[k]));
            }
        }
    }
    let mut functions = Vec::with_capacity(callable.len());
    for (f, func) in callable.iter().zip(funcs) {
        let func = func.unwrap_or_default();
        let function = &f.function;
        let signature = function.signature();
        let layout = params::layout(function, params::BUILDER_METHODS).map_err(|reason| {
            Error::UnsupportedAbi {
                input: loaded.source.clone(),
                module: loaded.module.clone(),
                item: format!("function {}", function.name),
                reason,
            }
        })?;
        let methods: Vec<Method> = layout
            .words
            .iter()
            .map(|w| Method {
                ident: w.ident.clone(),
                sol_path: doc_safe(&w.sol_path),
                sol_ty: w.ty.sol_name(),
                index: w.index,
                kind: match w.ty {
                    WordType::Address => "address".into(),
                    WordType::Bool => "bool".into(),
                    WordType::Uint(n) => format!("uint<{n}>"),
                    WordType::Int(n) => format!("int<{n}>"),
                    WordType::FixedBytes(n) => format!("bytes<{n}>"),
                },
            })
            .collect();
        let params = layout
            .params
            .iter()
            .map(|p| ParamDoc {
                name: doc_safe(&p.name),
                sol_ty: p.sol_ty.clone(),
                how: if p.dynamic {
                    format!("word {}, dynamic (an offset): no method", p.first_word)
                } else if p.words.is_empty() {
                    format!(
                        "words {}–{}, over {} words: no method",
                        p.first_word,
                        p.first_word.saturating_add(p.head_words.saturating_sub(1)),
                        params::MAX_WORDS_PER_PARAM
                    )
                } else {
                    let idents: Vec<String> = layout
                        .words
                        .iter()
                        .filter(|w| p.words.contains(&w.name))
                        .map(|w| format!("`{}`", w.ident))
                        .collect();
                    if p.head_words == 1 {
                        format!("word {}: {}", p.first_word, idents.join(", "))
                    } else {
                        format!(
                            "words {}–{}: {}",
                            p.first_word,
                            p.first_word.saturating_add(p.head_words.saturating_sub(1)),
                            idents.join(", ")
                        )
                    }
                },
            })
            .collect();
        functions.push(PolicyFn {
            func,
            call: format!("{}::{}", loaded.contract, f.call_type),
            signature,
            selector: alloy::hex::encode_prefixed(function.selector()),
            mutability: match function.state_mutability {
                StateMutability::Pure => "pure",
                StateMutability::View => "view",
                StateMutability::Payable => "payable",
                StateMutability::NonPayable => "nonpayable",
            }
            .into(),
            overload: match f.overload {
                Some(i) => format!(
                    "; alloy numbers the items named `{}`, and this is `{}_{i}`",
                    function.name, function.name
                ),
                None => String::new(),
            },
            params,
            methods,
            builder: BUILDER.into(),
            runtime: options.runtime.clone(),
        });
    }
    Ok(TargetModel {
        module: loaded.module.clone(),
        source: doc_safe(&loaded.source.doc_label()),
        contract: loaded.contract.clone(),
        runtime: options.runtime.clone(),
        version: crate::typed::SUPPORT_VERSION.to_owned(),
        builder: BUILDER.into(),
        summary: functions
            .iter()
            .map(|f| Summary {
                func: f.func.clone(),
                signature: f.signature.clone(),
            })
            .collect(),
        skipped_views: analyzed.functions.len() - callable.len(),
        sol: sol_block(loaded, analyzed, options.rpc, bytecode)?,
        functions,
    })
}

/// The account module: bindings only (the session model is the runtime's).
#[derive(Debug, Serialize)]
pub(crate) struct AccountModel {
    pub module: String,
    pub source: String,
    pub contract: String,
    #[serde(skip)]
    pub sol: String,
}

/// The index file: every module, with its docs, and the file it includes.
#[derive(Debug, Serialize)]
pub(crate) struct IndexModel {
    pub modules: Vec<IndexModule>,
}

/// One module of the index.
#[derive(Debug, Serialize)]
pub(crate) struct IndexModule {
    pub module: String,
    pub file: String,
    /// The module's doc lines.
    pub docs: Vec<String>,
}

/// Text for a doc comment: no backticks unbalanced, no line breaks.
pub(crate) fn doc_safe(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('`', "'")
}
