//! Build-time generator of typed alloy bindings and session-policy builders from contract ABIs:
//! [`sessionkit::codegen`] under the name build scripts know, compiled without sessionkit's
//! runtime (no tokio, no alloy provider or transport stack).
//!
//! ```no_run
//! // build.rs (with `[build-dependencies] sessionkit-gen`), in `fn main()`:
//! if let Err(e) = sessionkit_gen::generate("abi/SessionAccount.json", &[("erc20", "abi/ERC20.json")]) {
//!     panic!("{e}");
//! }
//! ```
//!
//! See [`sessionkit::codegen`] for the generated API, the naming rules and every setting.
#![warn(missing_docs)]

pub use sessionkit::codegen::*;
