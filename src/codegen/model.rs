//! The typed intermediate model the templates render: built from `alloy::json_abi::JsonAbi`,
//! with every Rust name resolved (case, keywords, clashes, overloads) before rendering.

use std::collections::{BTreeMap, BTreeSet};

use alloy::json_abi::{EventParam, JsonAbi, Param, StateMutability};
use alloy::primitives::keccak256;
use serde::Serialize;

use crate::codegen::error::{Error, Result, Source};
use crate::codegen::input::LoadedAbi;
use crate::codegen::names::{self, Namespace};
use crate::codegen::types::{is_sol_identifier, map_dollar, StructRef, TupleTy, Ty, WordKind};

/// The structs the policy builders are generated for, found by name in the account ABI.
pub(crate) const POLICY_STRUCTS: [&str; 5] = [
    "SessionSpec",
    "CallSpec",
    "TransferSpec",
    "UsageLimit",
    "Constraint",
];

/// Type-namespace names the account module defines besides its `sol!` items.
const ACCOUNT_TYPE_NAMES: &[&str] = &[
    "Amount",
    "AddressValue",
    "UintValue",
    "IntValue",
    "BoolValue",
    "BytesValue",
    "Any",
    "ParamConstraint",
    "MissingField",
    "limit_type",
    "condition",
];

/// Methods every generated builder has (or derives); parameters and fields named like them get
/// a trailing `_`.
const BUILDER_METHODS: &[&str] = &[
    "build",
    "new",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "fmt",
    "default",
];

/// Methods of a call-policy builder besides its parameter methods.
const CALL_POLICY_METHODS: &[&str] = &["max_value_per_use", "value_limit"];

// ------------------------------------------------------------------------------------------
// Serialized model
// ------------------------------------------------------------------------------------------

/// The index file (`mod.rs`): declares every module (docs, lint allowances) and includes its
/// file.
#[derive(Debug, Serialize)]
pub(crate) struct IndexModel<'a> {
    pub modules: Vec<IndexModule<'a>>,
}

/// One module of the index: exactly one of `account` and `target` is set.
#[derive(Debug, Serialize)]
pub(crate) struct IndexModule<'a> {
    pub module: String,
    pub file: String,
    pub account: Option<&'a AccountModel>,
    pub target: Option<&'a TargetModel>,
}

/// The `sol!` block of a module.
#[derive(Debug, Serialize)]
pub(crate) struct SolModel {
    pub rpc: bool,
    pub libraries: Vec<SolScope>,
    pub interface: SolInterface,
}

/// A `library` of the `sol!` block (holds the structs an ABI qualifies with its name).
#[derive(Debug, Serialize)]
pub(crate) struct SolScope {
    pub name: String,
    pub structs: Vec<SolStruct>,
}

/// A struct declaration: `fields` are `type name` declarations.
#[derive(Debug, Serialize)]
pub(crate) struct SolStruct {
    pub name: String,
    pub fields: Vec<String>,
}

/// The `interface` of the `sol!` block.
#[derive(Debug, Serialize)]
pub(crate) struct SolInterface {
    pub name: String,
    pub structs: Vec<SolStruct>,
    pub errors: Vec<SolEvent>,
    pub events: Vec<SolEvent>,
    pub functions: Vec<SolFunction>,
}

/// An error or event declaration.
#[derive(Debug, Serialize)]
pub(crate) struct SolEvent {
    pub name: String,
    pub params: Vec<String>,
    pub anonymous: bool,
}

/// A function declaration.
#[derive(Debug, Serialize)]
pub(crate) struct SolFunction {
    pub name: String,
    pub params: Vec<String>,
    /// ` view`, ` pure`, ` payable` or empty.
    pub mutability: String,
    pub returns: Vec<String>,
}

/// The account module.
#[derive(Debug, Serialize)]
pub(crate) struct AccountModel {
    pub module: String,
    pub source: String,
    pub contract: String,
    pub sol: SolModel,
    /// Where the bindings' structs live, for the module docs.
    pub struct_paths: Vec<StructPath>,
    /// `pub use` of the policy structs found.
    pub reexports: Vec<StructPath>,
    /// Policy structs the ABI lacks (empty when all are there).
    pub missing: Vec<String>,
    /// Whether any policy builder is generated (then the value traits are too).
    pub has_builders: bool,
    pub builders: Vec<StructBuilder>,
    /// Why the condition helpers are absent, or empty when they are generated.
    pub no_helpers_reason: String,
    pub helpers: bool,
}

/// A struct's Rust path in its module.
#[derive(Debug, Serialize)]
pub(crate) struct StructPath {
    /// `SessionLib.CallSpec`.
    pub solidity: String,
    /// `SessionLib::CallSpec`.
    pub path: String,
    /// `CallSpec`.
    pub name: String,
}

/// A builder mirroring one of the account's structs.
#[derive(Debug, Serialize)]
pub(crate) struct StructBuilder {
    /// `SessionSpec` (the re-exported name).
    pub name: String,
    /// `SessionSpecBuilder`.
    pub builder: String,
    /// `SessionLib.SessionSpec`.
    pub solidity: String,
    /// The tuple signature, `(address,bool,…)`.
    pub signature: String,
    pub fields: Vec<BuilderField>,
}

/// One field of a struct builder.
#[derive(Debug, Serialize)]
pub(crate) struct BuilderField {
    /// The Solidity name, `isWildcard`.
    pub sol_name: String,
    /// The Solidity type, `bool`.
    pub sol_ty: String,
    /// The struct field as `sol!` names it, `isWildcard`.
    pub rust_field: String,
    /// The setter (and storage) name, `is_wildcard`.
    pub setter: String,
    /// The storage type.
    pub store_ty: String,
    /// The storage's initial value.
    pub init: String,
    /// The setter's argument type.
    pub arg_ty: String,
    /// The expression storing `value`.
    pub assign: String,
    /// Whether `build()` fails when the field is unset.
    pub required: bool,
    /// For array fields: a method pushing one element.
    pub push: Option<PushMethod>,
}

/// The push method of an array field.
#[derive(Debug, Serialize)]
pub(crate) struct PushMethod {
    pub name: String,
    pub elem_ty: String,
}

/// A target module.
#[derive(Debug, Serialize)]
pub(crate) struct TargetModel {
    pub module: String,
    /// The account module's path from the target module: `super::account`.
    pub account: String,
    /// The account module's name: `account`.
    pub account_module: String,
    pub source: String,
    pub contract: String,
    /// Rendered on its own (`sol_bindings`).
    #[serde(skip)]
    pub sol: SolModel,
    /// Rendered one by one (`call_policy`), not through the module's docs.
    #[serde(skip)]
    pub policies: Vec<CallPolicy>,
}

/// The call-policy builder of one function.
#[derive(Debug, Serialize)]
pub(crate) struct CallPolicy {
    /// The constructor function, `transfer`.
    pub func: String,
    /// The builder type, `TransferPolicy`.
    pub ty: String,
    /// The binding's call type, `transferCall` (or `safeTransferFrom_1Call`).
    pub call: String,
    pub signature: String,
    /// `0xa9059cbb`.
    pub selector: String,
    /// `0xa9, 0x05, 0x9c, 0xbb`.
    pub selector_bytes: String,
    pub mutability: String,
    /// Notes for overloads, empty otherwise.
    pub overload_note: String,
    pub params: Vec<ParamDoc>,
    pub methods: Vec<ParamMethod>,
    pub account: String,
}

/// A parameter as the builder's docs describe it.
#[derive(Debug, Serialize)]
pub(crate) struct ParamDoc {
    pub name: String,
    pub sol_ty: String,
    /// `word 1`, `words 2–4`.
    pub words: String,
    /// The methods constraining it, or why there are none.
    pub how: String,
}

/// One constraint method: one head word of a static parameter.
#[derive(Debug, Serialize)]
pub(crate) struct ParamMethod {
    pub name: String,
    pub sol_path: String,
    pub sol_ty: String,
    pub word: u64,
    /// `UintValue`, `BytesValue<4>`.
    pub value_trait: String,
    pub value_doc: String,
    pub signature: String,
    pub selector: String,
    pub account: String,
}

// ------------------------------------------------------------------------------------------
// Analysis of one ABI
// ------------------------------------------------------------------------------------------

/// A function, parsed.
#[derive(Debug)]
struct FnInfo {
    name: String,
    inputs: Vec<(String, Ty)>,
    outputs: Vec<(String, Ty)>,
    mutability: StateMutability,
    /// `Some(i)` when the name is overloaded: the `sol!` binding is `name_i`.
    overload: Option<usize>,
}

/// An event: name, parameters (name, type, indexed), anonymous.
type EventInfo = (String, Vec<(String, Ty, bool)>, bool);

/// An ABI, parsed: its structs and items.
struct Analysis<'a> {
    loaded: &'a LoadedAbi,
    structs: BTreeMap<StructRef, TupleTy>,
    functions: Vec<FnInfo>,
    /// Name, parameters (name, type, indexed), anonymous.
    events: Vec<EventInfo>,
    errors: Vec<(String, Vec<(String, Ty)>)>,
}

impl<'a> Analysis<'a> {
    fn new(loaded: &'a LoadedAbi) -> Result<Self> {
        let mut abi: JsonAbi = loaded.abi.clone();
        // `sol!` rejects two items with one signature, as alloy's own JSON path does.
        abi.dedup();
        let mut this = Analysis {
            loaded,
            structs: BTreeMap::new(),
            functions: Vec::new(),
            events: Vec::new(),
            errors: Vec::new(),
        };
        for (name, overloads) in &abi.functions {
            let item = format!("function {name}");
            this.check_item_name(&item, name)?;
            let overloaded = overloads.len() > 1;
            for (i, f) in overloads.iter().enumerate() {
                let inputs = this.params(&item, &f.inputs)?;
                let outputs = this.params(&item, &f.outputs)?;
                this.functions.push(FnInfo {
                    name: name.clone(),
                    inputs,
                    outputs,
                    mutability: f.state_mutability,
                    overload: overloaded.then_some(i),
                });
            }
        }
        for (name, overloads) in &abi.events {
            let item = format!("event {name}");
            this.check_item_name(&item, name)?;
            for e in overloads {
                let params = this.event_params(&item, &e.inputs)?;
                this.events.push((name.clone(), params, e.anonymous));
            }
        }
        for (name, overloads) in &abi.errors {
            let item = format!("error {name}");
            this.check_item_name(&item, name)?;
            for e in overloads {
                let params = this.params(&item, &e.inputs)?;
                this.errors.push((name.clone(), params));
            }
        }
        this.check_overload_names()?;
        Ok(this)
    }

    fn unsupported(&self, item: &str, reason: impl Into<String>) -> Error {
        Error::UnsupportedAbi {
            input: self.loaded.source.clone(),
            module: self.loaded.module.clone(),
            item: item.to_string(),
            reason: reason.into(),
        }
    }

    fn check_item_name(&self, item: &str, name: &str) -> Result<()> {
        if !is_sol_identifier(name) {
            return Err(self.unsupported(item, "the name is not a Solidity identifier"));
        }
        if name.contains('$') {
            // `sol!` would rename it and compute the selector of the new name.
            return Err(self.unsupported(item, "names with `$` are not supported by alloy's sol!"));
        }
        Ok(())
    }

    fn param_ty(&mut self, item: &str, ty: Result<Ty, String>) -> Result<Ty> {
        let ty = ty.map_err(|reason| self.unsupported(item, reason))?;
        let mut found = Vec::new();
        ty.structs(&mut found);
        for tuple in found {
            let Some(sref) = &tuple.struct_ref else {
                continue;
            };
            let what = format!("struct {}", sref.qualified());
            for name in sref.lib.iter().chain([&sref.name]) {
                if names::unrepresentable_in_sol(name) {
                    return Err(
                        self.unsupported(&what, format!("`{name}` cannot be a Rust identifier"))
                    );
                }
            }
            let mut seen = BTreeSet::new();
            for field in &tuple.fields {
                if field.name.is_empty() {
                    return Err(self.unsupported(&what, "a field has no name"));
                }
                if names::unrepresentable_in_sol(&field.name) {
                    return Err(self.unsupported(
                        &what,
                        format!("field `{}` cannot be a Rust field name", field.name),
                    ));
                }
                if !seen.insert(field.name.as_str()) {
                    return Err(
                        self.unsupported(&what, format!("field `{}` appears twice", field.name))
                    );
                }
            }
            match self.structs.get(sref) {
                Some(existing) if existing != tuple => {
                    return Err(
                        self.unsupported(&what, "the ABI declares it twice with different fields")
                    );
                }
                Some(_) => {}
                None => {
                    self.structs.insert(sref.clone(), tuple.clone());
                }
            }
        }
        Ok(ty)
    }

    fn check_param_names<'n>(
        &self,
        item: &str,
        names: impl Iterator<Item = &'n str>,
    ) -> Result<()> {
        let mut seen = BTreeSet::new();
        for name in names.filter(|n| !n.is_empty()) {
            if !is_sol_identifier(name) {
                return Err(self.unsupported(
                    item,
                    format!("parameter `{name}` is not a Solidity identifier"),
                ));
            }
            if !seen.insert(map_dollar(name)) {
                return Err(self.unsupported(item, format!("parameter `{name}` appears twice")));
            }
        }
        Ok(())
    }

    fn params(&mut self, item: &str, params: &[Param]) -> Result<Vec<(String, Ty)>> {
        self.check_param_names(item, params.iter().map(|p| p.name.as_str()))?;
        params
            .iter()
            .map(|p| Ok((map_dollar(&p.name), self.param_ty(item, Ty::from_param(p))?)))
            .collect()
    }

    fn event_params(
        &mut self,
        item: &str,
        params: &[EventParam],
    ) -> Result<Vec<(String, Ty, bool)>> {
        self.check_param_names(item, params.iter().map(|p| p.name.as_str()))?;
        params
            .iter()
            .map(|p| {
                // An event parameter is a parameter plus `indexed`.
                let as_param = Param {
                    ty: p.ty.clone(),
                    name: p.name.clone(),
                    components: p.components.clone(),
                    internal_type: p.internal_type.clone(),
                };
                Ok((
                    map_dollar(&p.name),
                    self.param_ty(item, Ty::from_param(&as_param))?,
                    p.indexed,
                ))
            })
            .collect()
    }

    /// alloy names overloads `name_0`, `name_1`, …; it fails if such a name is taken.
    fn check_overload_names(&self) -> Result<()> {
        let all: BTreeSet<&str> = self
            .functions
            .iter()
            .map(|f| f.name.as_str())
            .chain(self.events.iter().map(|e| e.0.as_str()))
            .chain(self.errors.iter().map(|e| e.0.as_str()))
            .collect();
        for f in &self.functions {
            if let Some(i) = f.overload {
                let generated = format!("{}_{i}", f.name);
                if all.contains(generated.as_str()) {
                    return Err(self.unsupported(
                        &format!("function {}", f.name),
                        format!("it is overloaded and alloy's name for overload {i}, `{generated}`, is taken by another item"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The library a struct is declared in (`None`: the interface itself).
    fn placement<'s>(&self, sref: &'s StructRef) -> Option<&'s str> {
        match &sref.lib {
            Some(lib) if *lib != self.loaded.contract => Some(lib),
            _ => None,
        }
    }

    /// The Rust module path of a struct, relative to the generated module.
    fn struct_rust_path(&self, sref: &StructRef) -> String {
        let module = self.placement(sref).unwrap_or(&self.loaded.contract);
        format!(
            "{}::{}",
            names::sol_rust_ident(module),
            names::sol_rust_ident(&sref.name)
        )
    }

    /// The `sol!` type of `ty` as written inside `scope` (`None`: the interface).
    fn sol_type(&self, ty: &Ty, scope: Option<&str>) -> String {
        match ty {
            Ty::Array(inner, size) => {
                let suffix = size.map_or_else(|| "[]".to_string(), |n| format!("[{n}]"));
                format!("{}{suffix}", self.sol_type(inner, scope))
            }
            Ty::Tuple(tuple) => match &tuple.struct_ref {
                Some(sref) => {
                    let place = self.placement(sref);
                    if place == scope {
                        sref.name.clone()
                    } else {
                        format!("{}.{}", place.unwrap_or(&self.loaded.contract), sref.name)
                    }
                }
                None => {
                    let inner: Vec<String> = tuple
                        .fields
                        .iter()
                        .map(|f| self.sol_type(&f.ty, scope))
                        .collect();
                    if inner.len() == 1 {
                        format!("({},)", inner[0])
                    } else {
                        format!("({})", inner.join(", "))
                    }
                }
            },
            other => other.canonical(),
        }
    }

    fn sol_decl(
        &self,
        name: &str,
        ty: &Ty,
        scope: Option<&str>,
        memory: bool,
        indexed: bool,
    ) -> String {
        let mut out = self.sol_type(ty, scope);
        let needs_location = matches!(ty, Ty::Bytes | Ty::String | Ty::Array(..) | Ty::Tuple(_));
        if memory && needs_location {
            out.push_str(" memory");
        }
        if indexed {
            out.push_str(" indexed");
        }
        if !name.is_empty() {
            out.push(' ');
            out.push_str(name);
        }
        out
    }

    fn sol_model(&self, rpc: bool) -> SolModel {
        let mut libraries: BTreeMap<&str, Vec<SolStruct>> = BTreeMap::new();
        let mut interface_structs = Vec::new();
        for (sref, tuple) in &self.structs {
            let scope = self.placement(sref);
            let decl = SolStruct {
                name: sref.name.clone(),
                fields: tuple
                    .fields
                    .iter()
                    .map(|f| self.sol_decl(&f.name, &f.ty, scope, false, false))
                    .collect(),
            };
            match scope {
                Some(lib) => libraries.entry(lib).or_default().push(decl),
                None => interface_structs.push(decl),
            }
        }
        let decls = |params: &[(String, Ty)], memory: bool| -> Vec<String> {
            params
                .iter()
                .map(|(n, t)| self.sol_decl(n, t, None, memory, false))
                .collect()
        };
        SolModel {
            rpc,
            libraries: libraries
                .into_iter()
                .map(|(name, structs)| SolScope {
                    name: name.to_string(),
                    structs,
                })
                .collect(),
            interface: SolInterface {
                name: self.loaded.contract.clone(),
                structs: interface_structs,
                errors: self
                    .errors
                    .iter()
                    .map(|(name, params)| SolEvent {
                        name: name.clone(),
                        params: decls(params, false),
                        anonymous: false,
                    })
                    .collect(),
                events: self
                    .events
                    .iter()
                    .map(|(name, params, anonymous)| SolEvent {
                        name: name.clone(),
                        params: params
                            .iter()
                            .map(|(n, t, indexed)| self.sol_decl(n, t, None, false, *indexed))
                            .collect(),
                        anonymous: *anonymous,
                    })
                    .collect(),
                functions: self
                    .functions
                    .iter()
                    .map(|f| SolFunction {
                        name: f.name.clone(),
                        params: decls(&f.inputs, true),
                        mutability: match f.mutability {
                            StateMutability::Pure => " pure",
                            StateMutability::View => " view",
                            StateMutability::Payable => " payable",
                            StateMutability::NonPayable => "",
                        }
                        .to_string(),
                        returns: decls(&f.outputs, true),
                    })
                    .collect(),
            },
        }
    }

    /// The Rust type `sol!` gives `ty`, as seen from the generated module.
    fn rust_ty(&self, ty: &Ty) -> String {
        match ty {
            Ty::Address => "::alloy::primitives::Address".into(),
            Ty::Bool => "bool".into(),
            Ty::Uint(bits @ (8 | 16 | 32 | 64 | 128)) => format!("u{bits}"),
            Ty::Int(bits @ (8 | 16 | 32 | 64 | 128)) => format!("i{bits}"),
            Ty::Uint(256) => "::alloy::primitives::U256".into(),
            Ty::Int(256) => "::alloy::primitives::I256".into(),
            Ty::Uint(bits) => format!("::alloy::primitives::aliases::U{bits}"),
            Ty::Int(bits) => format!("::alloy::primitives::aliases::I{bits}"),
            Ty::FixedBytes(n) => format!("::alloy::primitives::FixedBytes<{n}>"),
            Ty::Bytes => "::alloy::primitives::Bytes".into(),
            Ty::String => "::std::string::String".into(),
            Ty::Function => "::alloy::primitives::Function".into(),
            Ty::Array(inner, None) => format!("::std::vec::Vec<{}>", self.rust_ty(inner)),
            Ty::Array(inner, Some(n)) => format!("[{}; {n}]", self.rust_ty(inner)),
            Ty::Tuple(tuple) => match &tuple.struct_ref {
                Some(sref) => self.struct_rust_path(sref),
                None => {
                    let inner: Vec<String> =
                        tuple.fields.iter().map(|f| self.rust_ty(&f.ty)).collect();
                    format!("({},)", inner.join(", "))
                }
            },
        }
    }

    /// An expression of the zero value of `ty` (structs are not `Default` in `sol!`).
    fn zero(&self, ty: &Ty) -> String {
        match ty {
            Ty::Array(inner, Some(_)) => {
                format!("::core::array::from_fn(|_| {})", self.zero(inner))
            }
            Ty::Tuple(tuple) => match &tuple.struct_ref {
                Some(sref) => {
                    let fields: Vec<String> = tuple
                        .fields
                        .iter()
                        .map(|f| {
                            format!("{}: {}", names::sol_rust_ident(&f.name), self.zero(&f.ty))
                        })
                        .collect();
                    format!(
                        "{} {{ {} }}",
                        self.struct_rust_path(sref),
                        fields.join(", ")
                    )
                }
                None => {
                    let inner: Vec<String> =
                        tuple.fields.iter().map(|f| self.zero(&f.ty)).collect();
                    format!("({},)", inner.join(", "))
                }
            },
            _ => "::core::default::Default::default()".into(),
        }
    }

    /// The first struct named `name` (structs of the interface before libraries).
    fn find_struct(&self, name: &str) -> Option<(&StructRef, &TupleTy)> {
        self.structs.iter().find(|(sref, _)| sref.name == name)
    }

    fn source_doc(&self) -> String {
        doc_safe(&match &self.loaded.source {
            Source::File(path) => path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            Source::Memory { module } => format!("in-memory ABI of module {module}"),
        })
    }

    /// Type-namespace names `sol!` defines in the generated module.
    fn sol_module_names(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self
            .structs
            .keys()
            .filter_map(|s| self.placement(s).map(str::to_string))
            .collect();
        out.insert(self.loaded.contract.clone());
        out
    }
}

/// Text safe inside a `///` doc line and a code span.
pub(crate) fn doc_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || c == '`' { '_' } else { c })
        .collect()
}

fn signature(name: &str, inputs: &[(String, Ty)]) -> String {
    let types: Vec<String> = inputs.iter().map(|(_, t)| t.canonical()).collect();
    format!("{name}({})", types.join(","))
}

// ------------------------------------------------------------------------------------------
// The account module
// ------------------------------------------------------------------------------------------

/// What target modules need from the account module.
#[derive(Debug, Clone)]
pub(crate) struct AccountInfo {
    pub module: String,
    pub source: Source,
    /// `Err(what is missing)` when the account cannot back call-policy builders.
    pub helpers: std::result::Result<(), String>,
}

pub(crate) fn account_model(loaded: &LoadedAbi, rpc: bool) -> Result<(AccountModel, AccountInfo)> {
    let a = Analysis::new(loaded)?;
    let sol = a.sol_model(rpc);
    let sol_names = a.sol_module_names();
    let clash = |name: &str, what: &str| Error::NameClash {
        input: loaded.source.clone(),
        module: loaded.module.clone(),
        name: name.to_string(),
        what: what.to_string(),
    };

    let mut found: Vec<(&StructRef, &TupleTy)> = Vec::new();
    let mut missing = Vec::new();
    for name in POLICY_STRUCTS {
        match a.find_struct(name) {
            Some(s) => found.push(s),
            None => missing.push(name.to_string()),
        }
    }

    // The generated type names must not be taken by a `sol!` module (a library or the
    // interface).
    if !found.is_empty() {
        for name in ACCOUNT_TYPE_NAMES {
            if sol_names.contains(*name) {
                return Err(clash(
                    name,
                    "a `sol!` module of the ABI (a library or the contract) and a generated helper",
                ));
            }
        }
    }
    let mut reexports = Vec::new();
    let mut builders = Vec::new();
    for (sref, tuple) in &found {
        for generated in [sref.name.clone(), format!("{}Builder", sref.name)] {
            if sol_names.contains(&generated) {
                return Err(clash(
                    &generated,
                    "a `sol!` module of the ABI (a library or the contract) and a generated policy item",
                ));
            }
        }
        reexports.push(StructPath {
            solidity: sref.qualified(),
            path: a.struct_rust_path(sref),
            name: names::sol_rust_ident(&sref.name),
        });
        builders.push(struct_builder(&a, sref, tuple));
    }

    let helpers = check_policy_shape(&a);
    let no_helpers_reason = match &helpers {
        Ok(()) => String::new(),
        Err(what) => doc_safe(what),
    };
    let struct_paths = a
        .structs
        .keys()
        .map(|sref| StructPath {
            solidity: sref.qualified(),
            path: a.struct_rust_path(sref),
            name: sref.name.clone(),
        })
        .collect();
    let model = AccountModel {
        module: loaded.module.clone(),
        source: a.source_doc(),
        contract: loaded.contract.clone(),
        sol,
        struct_paths,
        reexports,
        missing,
        has_builders: !builders.is_empty(),
        builders,
        helpers: helpers.is_ok(),
        no_helpers_reason,
    };
    let info = AccountInfo {
        module: loaded.module.clone(),
        source: loaded.source.clone(),
        helpers,
    };
    Ok((model, info))
}

fn struct_builder(a: &Analysis<'_>, sref: &StructRef, tuple: &TupleTy) -> StructBuilder {
    let mut ns = Namespace::with_reserved(BUILDER_METHODS.iter().copied());
    let mut fields = Vec::new();
    // Setters first, so a push method never takes a field's name.
    let setters: Vec<String> = tuple
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let base = names::snake(&f.name);
            ns.alloc(
                if base.is_empty() {
                    format!("field{i}")
                } else {
                    base
                }
                .as_str(),
            )
        })
        .collect();
    for (field, setter) in tuple.fields.iter().zip(setters) {
        let rust_ty = a.rust_ty(&field.ty);
        let sol_ty = match &field.enum_name {
            Some(e) => format!("{} (enum {e})", field.ty.canonical()),
            None => a.sol_type(&field.ty, None),
        };
        let mut push = None;
        let (store_ty, init, arg_ty, assign, required) = match &field.ty {
            Ty::Address => (
                format!("::core::option::Option<{rust_ty}>"),
                "::core::option::Option::None".to_string(),
                format!("impl ::core::convert::Into<{rust_ty}>"),
                "::core::option::Option::Some(value.into())".to_string(),
                true,
            ),
            Ty::Uint(256) => (
                rust_ty.clone(),
                a.zero(&field.ty),
                "impl Amount".to_string(),
                "Amount::to_u256(value)".to_string(),
                false,
            ),
            Ty::FixedBytes(_) | Ty::Bytes | Ty::String => (
                rust_ty.clone(),
                a.zero(&field.ty),
                format!("impl ::core::convert::Into<{rust_ty}>"),
                "value.into()".to_string(),
                false,
            ),
            Ty::Array(elem, None) => {
                let elem_ty = a.rust_ty(elem);
                let unescaped = setter.trim_start_matches("r#");
                if let Some(single) = names::singular(unescaped) {
                    if !ns.contains(&single) {
                        push = Some(PushMethod {
                            name: ns.alloc(&single),
                            elem_ty: elem_ty.clone(),
                        });
                    }
                }
                if push.is_none() {
                    push = Some(PushMethod {
                        name: ns.alloc(&format!("push_{unescaped}")),
                        elem_ty: elem_ty.clone(),
                    });
                }
                (
                    rust_ty.clone(),
                    a.zero(&field.ty),
                    format!("impl ::core::iter::IntoIterator<Item = {elem_ty}>"),
                    "value.into_iter().collect()".to_string(),
                    false,
                )
            }
            _ => (
                rust_ty.clone(),
                a.zero(&field.ty),
                rust_ty.clone(),
                "value".to_string(),
                false,
            ),
        };
        fields.push(BuilderField {
            sol_name: field.name.clone(),
            sol_ty,
            rust_field: names::sol_rust_ident(&field.name),
            setter,
            store_ty,
            init,
            arg_ty,
            assign,
            required,
            push,
        });
    }
    StructBuilder {
        name: names::sol_rust_ident(&sref.name),
        builder: format!("{}Builder", sref.name),
        solidity: sref.qualified(),
        signature: Ty::Tuple(Box::new(tuple.clone())).canonical(),
        fields,
    }
}

/// The call-policy builders produce `CallSpec`s with `Constraint`s and `UsageLimit`s of the
/// shape `SessionLib` declares; any other shape gets bindings and struct builders only.
fn check_policy_shape(a: &Analysis<'_>) -> std::result::Result<(), String> {
    let expect = |name: &str, fields: &[(&str, &str)]| -> std::result::Result<(), String> {
        let Some((sref, tuple)) = a.find_struct(name) else {
            return Err(format!("`{name}` struct, which the ABI does not have"));
        };
        let actual: BTreeMap<&str, String> = tuple
            .fields
            .iter()
            .map(|f| {
                let ty = match &f.ty {
                    Ty::Tuple(t) => t
                        .struct_ref
                        .as_ref()
                        .map_or_else(|| f.ty.canonical(), |s| s.name.clone()),
                    Ty::Array(inner, None) => match inner.as_ref() {
                        Ty::Tuple(t) => t
                            .struct_ref
                            .as_ref()
                            .map_or_else(|| f.ty.canonical(), |s| format!("{}[]", s.name)),
                        _ => f.ty.canonical(),
                    },
                    other => other.canonical(),
                };
                (f.name.as_str(), ty)
            })
            .collect();
        let wanted: BTreeMap<&str, String> =
            fields.iter().map(|(n, t)| (*n, t.to_string())).collect();
        if actual != wanted {
            let want: Vec<String> = fields.iter().map(|(n, t)| format!("{t} {n}")).collect();
            return Err(format!(
                "`{}` struct with exactly the fields {{ {} }}",
                sref.qualified(),
                want.join("; ")
            ));
        }
        Ok(())
    };
    expect(
        "UsageLimit",
        &[
            ("limitType", "uint8"),
            ("limit", "uint256"),
            ("period", "uint256"),
        ],
    )?;
    expect(
        "Constraint",
        &[
            ("condition", "uint8"),
            ("index", "uint64"),
            ("refValue", "bytes32"),
            ("limit", "UsageLimit"),
        ],
    )?;
    expect(
        "CallSpec",
        &[
            ("target", "address"),
            ("selector", "bytes4"),
            ("maxValuePerUse", "uint256"),
            ("valueLimit", "UsageLimit"),
            ("constraints", "Constraint[]"),
        ],
    )?;
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Target modules
// ------------------------------------------------------------------------------------------

pub(crate) fn target_model(
    loaded: &LoadedAbi,
    account: &AccountInfo,
    rpc: bool,
) -> Result<TargetModel> {
    let a = Analysis::new(loaded)?;
    if let Err(what) = &account.helpers {
        return Err(Error::AccountShape {
            input: account.source.clone(),
            what: what.clone(),
        });
    }
    if a.functions.is_empty() {
        return Err(Error::NoFunctions {
            input: loaded.source.clone(),
            module: loaded.module.clone(),
        });
    }
    let account_path = format!("super::{}", account.module);
    let mut fn_ns = Namespace::default();
    let mut type_ns = Namespace::with_reserved(a.sol_module_names().iter().map(String::as_str));
    let mut policies = Vec::new();
    for f in &a.functions {
        let base = match f.overload {
            Some(i) => format!("{}_{i}", names::snake(&f.name)),
            None => names::snake(&f.name),
        };
        let base = if base.is_empty() {
            "function".to_string()
        } else {
            base
        };
        let func = fn_ns.alloc(&base);
        let ty = type_ns.alloc(&format!(
            "{}Policy",
            names::camel(func.trim_start_matches("r#"))
        ));
        let call = match f.overload {
            Some(i) => format!("{}_{i}Call", f.name),
            None => format!("{}Call", f.name),
        };
        let sig = signature(&f.name, &f.inputs);
        let selector = &keccak256(sig.as_bytes())[..4];
        let selector_hex = format!(
            "0x{}",
            selector
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let selector_bytes = selector
            .iter()
            .map(|b| format!("0x{b:02x}"))
            .collect::<Vec<_>>()
            .join(", ");

        let mut method_ns =
            Namespace::with_reserved(BUILDER_METHODS.iter().chain(CALL_POLICY_METHODS).copied());
        let mut methods = Vec::new();
        let mut params = Vec::new();
        let mut word = 0u64;
        for (i, (name, ty)) in f.inputs.iter().enumerate() {
            let display = if name.is_empty() {
                format!("arg{i}")
            } else {
                name.clone()
            };
            let first = match names::snake(&display) {
                s if s.is_empty() => format!("arg{i}"),
                s => s,
            };
            let head = ty.head_words();
            let words = if head == 1 {
                format!("word {word}")
            } else {
                format!(
                    "words {word}–{}",
                    word.saturating_add(head.saturating_sub(1))
                )
            };
            let how = if ty.is_dynamic() {
                "dynamic (its head word is an offset): cannot be constrained".to_string()
            } else if let Some(flat) = ty.words(&display) {
                let mut made = Vec::new();
                for w in flat {
                    let mut parts = vec![first.clone()];
                    parts.extend(
                        w.parts[1..]
                            .iter()
                            .map(|p| names::snake(p))
                            .filter(|p| !p.is_empty()),
                    );
                    let method = method_ns.alloc(&parts.join("_"));
                    made.push(format!("`{method}`"));
                    let (value_trait, value_doc) = value_kind(w.kind);
                    methods.push(ParamMethod {
                        name: method,
                        sol_path: doc_safe(&w.sol_path),
                        sol_ty: w.sol_ty.clone(),
                        word: word.saturating_add(w.offset),
                        value_trait,
                        value_doc,
                        signature: sig.clone(),
                        selector: selector_hex.clone(),
                        account: account_path.clone(),
                    });
                }
                format!("constrained with {}", made.join(", "))
            } else {
                format!(
                    "more than {} words: no constraint methods",
                    crate::codegen::types::MAX_WORDS_PER_PARAM
                )
            };
            params.push(ParamDoc {
                name: display,
                sol_ty: ty.canonical(),
                words,
                how,
            });
            word = word.saturating_add(head);
        }
        policies.push(CallPolicy {
            func,
            ty,
            call,
            signature: sig,
            selector: selector_hex,
            selector_bytes,
            mutability: match f.mutability {
                StateMutability::Pure => "pure",
                StateMutability::View => "view",
                StateMutability::Payable => "payable",
                StateMutability::NonPayable => "nonpayable",
            }
            .to_string(),
            overload_note: match f.overload {
                Some(i) => format!("overload {i} of `{}` (alloy's `{}_{i}`)", f.name, f.name),
                None => String::new(),
            },
            params,
            methods,
            account: account_path.clone(),
        });
    }
    Ok(TargetModel {
        module: loaded.module.clone(),
        account: account_path,
        account_module: account.module.clone(),
        source: a.source_doc(),
        contract: loaded.contract.clone(),
        sol: a.sol_model(rpc),
        policies,
    })
}

fn value_kind(kind: WordKind) -> (String, String) {
    match kind {
        WordKind::Address => ("AddressValue".into(), "an `Address`".into()),
        WordKind::Bool => ("BoolValue".into(), "a `bool`".into()),
        WordKind::Uint => (
            "UintValue".into(),
            "an unsigned integer (`U256`, `u64`, …; write literals as `100u64`)".into(),
        ),
        WordKind::Int => (
            "IntValue".into(),
            "a signed integer (`I256`, `i64`, …), sign-extended; the contract compares words as unsigned numbers, so order conditions on negative values do not compare as signed".into(),
        ),
        WordKind::Bytes(n) => (
            format!("BytesValue<{n}>"),
            format!("`FixedBytes<{n}>` or `[u8; {n}]`, right-padded into the word"),
        ),
    }
}
