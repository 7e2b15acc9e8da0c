//! The `sessionkit` command line: `check` runs the conformance suite (and a Foundry project's
//! own scenarios), `init` sets a project up for it, `demo` walks through the
//! guide's example on a local chain, `gas` measures gas per operation, `simulate` predicts the
//! account's decision offline, `gen` generates bindings, `bench` prints the harness figures,
//! `cache` manages the toolchain cache, `lint` reviews session specs, the owner's commands
//! grant, revoke and rotate keys.

mod bench;
mod cache;
mod check;
mod demo;
mod gas;
mod gen;
mod keys;
mod lint;
mod owner;
mod sessions;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use alloy::primitives::Address;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "sessionkit",
    version,
    about = "Session keys for ERC-7702 smart EOAs: conformance, simulation and tooling"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the conformance suite on a local anvil, and in a Foundry project the project's own
    /// scenario files, against the project's account, an artifact or the bundled account.
    #[command(
        after_help = "In a Foundry project (the current directory or --project DIR has foundry.toml), check\n\
        builds it with forge, tests the account named in sessionkit.toml (else the one contract\n\
        that implements the session-key interface, else the bundled account), and also runs the\n\
        scenario files of sessions/ (see docs/scenarios.md). Exit code: 0 all passed, 1 a run\n\
        failed, 2 bad input or configuration.\n\n\
        Examples:\n  sessionkit check\n  sessionkit check --project examples/vault --junit report.xml\n  sessionkit check --list\n  sessionkit check --jobs 2 --junit report.xml\n  sessionkit check --artifact out/MyAccount.sol/MyAccount.json --filter allowance"
    )]
    Check {
        /// The Foundry project to check (default: the current directory, when it is one).
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// A Foundry artifact JSON (abi and bytecode) of the account to test instead of the
        /// project's or the bundled one.
        #[arg(long, value_name = "PATH")]
        artifact: Option<PathBuf>,
        /// Only scenarios whose name (or scenario file) contains this text (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Parallel jobs, each with its own anvil.
        #[arg(long, value_name = "N", default_value_t = 2)]
        jobs: usize,
        /// Also writes the results as JUnit XML.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Lists what would run (after building the project) without starting anvil.
        #[arg(long)]
        list: bool,
        /// A disagreement between sessionkit's simulator and the chain fails the run for any
        /// account (for the bundled account it always does; for others it is a note).
        #[arg(long)]
        strict_simulator: bool,
        /// Runs only the project's scenario files, not the built-in suite.
        #[arg(long)]
        no_suite: bool,
    },
    /// Writes sessionkit.toml and a first scenario file (sessions/first.toml) into a Foundry
    /// project, keeping any that exist.
    #[command(after_help = "Examples:
  sessionkit init
  sessionkit init --project my-protocol")]
    Init {
        /// The Foundry project (default: the current directory).
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
    },
    /// The guide's complete example, live on a local anvil: upgrade, grant, use, denials, expiry,
    /// revocation, a sponsored call.
    #[command(after_help = "Examples:\n  sessionkit demo\n  sessionkit demo --json")]
    Demo {
        /// Prints JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Gas per operation, measured live on anvil, for the bundled account and optionally another.
    #[command(
        after_help = "Examples:\n  sessionkit gas\n  sessionkit gas --artifact out/MyAccount.sol/MyAccount.json --json"
    )]
    Gas {
        /// A Foundry artifact JSON of another account to measure side by side.
        #[arg(long, value_name = "PATH")]
        artifact: Option<PathBuf>,
        /// Prints JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Generates typed bindings and policy builders from an account ABI and target ABIs.
    #[command(
        after_help = "Example:\n  sessionkit gen --account out/SessionAccount.sol/SessionAccount.json \\\n      --target erc20=abi/ERC20.json --out src/bindings\n\n\
        Writes one file per module and mod.rs; include them with `mod bindings;` (or\n\
        include!(\"…/mod.rs\")). Files are only rewritten when their content changes."
    )]
    Gen {
        /// The account's ABI (a JSON ABI or a Foundry artifact): bindings, after checking it has
        /// the session-key interface.
        #[arg(long, value_name = "PATH")]
        account: Option<PathBuf>,
        /// A target contract's ABI (or artifact, whose bytecode the bindings then carry) and the
        /// module to generate for it.
        #[arg(long = "target", value_name = "NAME=PATH")]
        targets: Vec<String>,
        /// The directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also builders for `view` and `pure` functions.
        #[arg(long)]
        views: bool,
        /// Bindings without `#[sol(rpc)]` (the code then needs only alloy's sol-types).
        #[arg(long)]
        no_rpc: bool,
        /// The path of the runtime crate in the generated code.
        #[arg(long, value_name = "PATH", default_value = "::sessionkit")]
        runtime_path: String,
    },
    /// Measures the harness: anvil ready time, scenario time p50/p95, suite wall time with 1 and 2 jobs.
    #[command(after_help = "Example:\n  sessionkit bench --spawns 10")]
    Bench {
        /// How many anvils to start for the ready-time figure.
        #[arg(long, value_name = "N", default_value_t = 10)]
        spawns: usize,
        /// Only the anvil-ready figure.
        #[arg(long)]
        anvil_only: bool,
    },
    /// Predicts offline whether the account lets a session run calls, and why not.
    #[command(
        after_help = "Example:\n  sessionkit simulate --spec spec.json --calls calls.json --at 1900000000\n\n\
        spec.json is a session spec in the runtime's JSON form; calls.json a list of\n\
        {\"target\": \"0x…\", \"value\": \"0.1 ether\", \"data\": \"0x…\"}; usage.json maps limits such as\n\
        \"transfer_policies[0].value_limit\" to {\"used\": \"10\", \"window\": 19000}."
    )]
    Simulate {
        /// The session spec (JSON).
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// The calls (JSON list), run as one batch unless --each.
        #[arg(long, value_name = "FILE")]
        calls: PathBuf,
        /// The usage so far (JSON); none when absent.
        #[arg(long, value_name = "FILE")]
        usage: Option<PathBuf>,
        /// The block time to decide at (unix seconds or an RFC 3339 date; default: now).
        #[arg(long, value_name = "TIMESTAMP", value_parser = parse_timestamp)]
        at: Option<u64>,
        /// The account's address (a session may never call it).
        #[arg(
            long,
            value_name = "ADDRESS",
            default_value = "0x0000000000000000000000000000000000000001"
        )]
        account: Address,
        /// Decides each call as its own batch, carrying usage forward.
        #[arg(long)]
        each: bool,
        /// Prints JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Reviews session specs before they are signed: what the guide's policy design warns
    /// about, each finding with its rule id, severity, reason and safer form. Exit code 0 when
    /// nothing failed, 1 when an error (or with --deny-warnings a warning) was found, 2 for bad
    /// input.
    #[command(
        after_help = "Examples:\n  sessionkit lint examples/simulate/spec.json\n  sessionkit lint spec.json --allow long-expiry --json\n  sessionkit lint spec.json --rpc http://127.0.0.1:8545 --account 0x… --deny-warnings\n  sessionkit lint --rules\n\n\
        Silence rules with --allow RULE, a --config file {\"allow\": [\"RULE\", …]}, or the spec file's\n\
        own member \"lint\": {\"allow\": [\"RULE\", …]} (which the other commands ignore)."
    )]
    Lint {
        /// The session specs (JSON).
        #[arg(value_name = "SPEC", required_unless_present_any = ["rules", "project"])]
        specs: Vec<PathBuf>,
        /// Also reviews the sessions of a Foundry project's scenario files (built with forge
        /// first), each silencing what it breaks on purpose with `[lint] allow`.
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// A config file {"allow": [RULE, …]} of silenced rules.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Silences a rule (repeatable).
        #[arg(long, value_name = "RULE")]
        allow: Vec<String>,
        /// The time expiries are measured from (unix seconds or an RFC 3339 date; default: the
        /// chain's latest block with --rpc, else now).
        #[arg(long, value_name = "TIMESTAMP", value_parser = parse_timestamp)]
        at: Option<u64>,
        /// The account the specs are for (flags policies on the account itself).
        #[arg(long, value_name = "ADDRESS")]
        account: Option<Address>,
        /// A chain to read transfer targets' code from (flags transfers to contracts).
        #[arg(long, value_name = "URL")]
        rpc: Option<String>,
        /// Prints JSON (see the README for the schema).
        #[arg(long)]
        json: bool,
        /// Exit code 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Lists the rules, their ids and severities.
        #[arg(long)]
        rules: bool,
    },
    /// Lists an account's sessions from its SessionCreated and SessionRevoked events (paged
    /// eth_getLogs): signer, status, policies, expiry, what is left of each limit and when each
    /// allowance resets, and the calls each key made (attributed by decoding their transactions:
    /// the sender of execute, the signature of executeWithSig, the user operation of handleOps).
    #[command(
        after_help = "Examples:\n  sessionkit sessions --rpc http://127.0.0.1:8545 --account 0x…\n  sessionkit sessions --rpc https://rpc.example --account 0x… --from-block 19000000 --page-size 2000 --json"
    )]
    Sessions {
        /// The chain's RPC URL (http or https).
        #[arg(long, value_name = "URL")]
        rpc: String,
        /// The account.
        #[arg(long, value_name = "ADDRESS")]
        account: Address,
        /// The first block to read (the account's deployment or upgrade, say).
        #[arg(long, value_name = "N", default_value_t = 0)]
        from_block: u64,
        /// The last block to read (default: the latest).
        #[arg(long, value_name = "N")]
        to_block: Option<u64>,
        /// Blocks per eth_getLogs request (nodes cap the range of one request).
        #[arg(long, value_name = "N", default_value_t = sessionkit::monitor::DEFAULT_PAGE, value_parser = clap::value_parser!(u64).range(1..))]
        page_size: u64,
        /// How many of each key's latest calls to show.
        #[arg(long, value_name = "N", default_value_t = 5)]
        calls: usize,
        /// Prints JSON (see the README for the schema).
        #[arg(long, conflicts_with = "watch")]
        json: bool,
        /// After the listing, follows new blocks: each session call, grant and revocation, user
        /// operations refused in execution, reverted transactions to the account, and warnings
        /// when a limit runs low or a session nears its expiry.
        #[arg(long)]
        watch: bool,
        /// How long --watch waits between polls.
        #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
        interval: std::time::Duration,
        /// --watch warns when a limit's remaining falls below this percentage.
        #[arg(long, value_name = "PERCENT", default_value_t = 10, value_parser = clap::value_parser!(u8).range(0..=100))]
        warn_below: u8,
        /// --watch warns when a live session expires within this duration.
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
        warn_expiry: std::time::Duration,
        /// --watch stops after this many new blocks (default: runs until interrupted).
        #[arg(long, value_name = "N", requires = "watch")]
        blocks: Option<u64>,
    },
    /// Writes a new key to an encrypted keystore and prints its address (the key itself is never
    /// printed).
    #[command(
        after_help = "Example:\n  sessionkit keygen --dir keys --name server-key --password-file secret.txt"
    )]
    Keygen {
        /// The directory to write the keystore into (created if missing).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The keystore's file name (default: a random UUID).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// A file whose first line is the password (else it is asked for twice).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Grants a session (a spec in the runtime's JSON form) on an account, signed and sent by
    /// the owner's key.
    #[command(
        after_help = "Example:\n  sessionkit grant --rpc https://rpc.example --account 0x… --spec spec.json \\\n      --key-file owner.json --password-file secret.txt\n  OWNER_KEY=0x… sessionkit grant --rpc http://127.0.0.1:8545 --account 0x… --spec spec.json --key-env OWNER_KEY"
    )]
    Grant {
        /// The chain's RPC URL (http or https).
        #[arg(long, value_name = "URL")]
        rpc: String,
        /// The account (the smart EOA, or a factory-deployed account).
        #[arg(long, value_name = "ADDRESS")]
        account: Address,
        /// The session spec (JSON; see `simulate --help` for the form).
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// The owner's key.
        #[command(flatten)]
        owner: keys::KeyArgs,
    },
    /// Revokes session keys on an account with the owner's key. A revoked key is burned on
    /// that account: no grant, signed before or after, revives it (grant a new key instead).
    #[command(
        after_help = "Examples:\n  sessionkit revoke --rpc http://127.0.0.1:8545 --account 0x… --signer 0x… --key-file owner.json\n  sessionkit revoke --rpc http://127.0.0.1:8545 --account 0x… --signer 0x… --signer 0x… --key-file owner.json\n  sessionkit revoke --rpc http://127.0.0.1:8545 --account 0x… --all --key-file owner.json"
    )]
    Revoke {
        /// The chain's RPC URL (http or https).
        #[arg(long, value_name = "URL")]
        rpc: String,
        /// The account.
        #[arg(long, value_name = "ADDRESS")]
        account: Address,
        /// A session key to revoke; several are revoked in one transaction, also keys with a
        /// signed grant that was never submitted.
        #[arg(
            long,
            value_name = "ADDRESS",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        signer: Vec<Address>,
        /// Every live session of the account (found from its SessionCreated and
        /// SessionRevoked events), in one transaction.
        #[arg(long)]
        all: bool,
        /// The owner's key.
        #[command(flatten)]
        owner: keys::KeyArgs,
    },
    /// Replaces a session key with a new one in one owner transaction: grants the new key and
    /// revokes (burns) the old one, so there is never a moment with both or with neither. By
    /// default the new key gets the old session's policies, expiry and paymasters, with every
    /// limit lowered to what the old key had left: rotating never increases what can be spent.
    #[command(
        after_help = "Examples:\n  sessionkit rotate --rpc http://127.0.0.1:8545 --account 0x… --old 0x… --new 0x… --key-file owner.json\n  sessionkit rotate --rpc http://127.0.0.1:8545 --account 0x… --old 0x… --new 0x… --dry-run\n  sessionkit rotate --rpc http://127.0.0.1:8545 --account 0x… --old 0x… --spec new-spec.json --key-file owner.json\n\n\
        A Lifetime limit becomes what the old key had left. An allowance becomes what the old key\n\
        had left in the current window (for later windows too: the account cannot carry a window's\n\
        usage over to a new session); --allowances full-limit keeps the whole allowance instead, so\n\
        the new key may spend the old key's usage of this window once more."
    )]
    Rotate {
        /// The chain's RPC URL (http or https).
        #[arg(long, value_name = "URL")]
        rpc: String,
        /// The account.
        #[arg(long, value_name = "ADDRESS")]
        account: Address,
        /// The session key to replace (revoked and burned).
        #[arg(long, value_name = "ADDRESS")]
        old: Address,
        /// The new session key (a key never granted or revoked on this account).
        #[arg(long, value_name = "ADDRESS", required_unless_present = "spec")]
        new: Option<Address>,
        /// A fresh spec for the new key (its signer), instead of the old session's carried over.
        #[arg(long, value_name = "FILE", conflicts_with = "allowances")]
        spec: Option<PathBuf>,
        /// How allowances are carried over.
        #[arg(long, value_enum, default_value = "window-remaining")]
        allowances: Allowances,
        /// Prints the plan and the new key's spec, and sends nothing (no key needed).
        #[arg(long)]
        dry_run: bool,
        /// The owner's key.
        #[command(flatten)]
        owner: keys::KeyArgs,
    },
    /// Cancels a grant the owner signed and never submitted: its uid can no longer be used.
    #[command(
        after_help = "Examples:\n  sessionkit cancel-grant --rpc http://127.0.0.1:8545 --account 0x… --spec spec.json --key-file owner.json\n  sessionkit cancel-grant --rpc http://127.0.0.1:8545 --account 0x… --uid 0x… --key-file owner.json"
    )]
    CancelGrant {
        /// The chain's RPC URL (http or https).
        #[arg(long, value_name = "URL")]
        rpc: String,
        /// The account.
        #[arg(long, value_name = "ADDRESS")]
        account: Address,
        /// The signed grant's uid.
        #[arg(
            long,
            value_name = "HEX",
            required_unless_present = "spec",
            conflicts_with = "spec"
        )]
        uid: Option<alloy::primitives::B256>,
        /// The signed grant's spec (JSON), whose uid is cancelled.
        #[arg(long, value_name = "FILE")]
        spec: Option<PathBuf>,
        /// The owner's key.
        #[command(flatten)]
        owner: keys::KeyArgs,
    },
    /// The paymasters a scoped session's user operations may use (the account never pays gas
    /// for a scoped session key, and a paymaster may charge the account).
    Paymaster {
        #[command(subcommand)]
        action: PaymasterCommand,
    },
    /// Shows, installs or cleans the per-user cache of the pinned toolchain (anvil, forge, cast,
    /// solc-js, EntryPoint v0.8), which is `SESSIONKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/sessionkit`,
    /// else `~/.cache/sessionkit`.
    #[command(
        after_help = "Examples:\n  sessionkit cache\n  sessionkit cache install\n  sessionkit cache clean        # old versions\n  sessionkit cache clean --all"
    )]
    Cache {
        #[command(subcommand)]
        action: Option<CacheCommand>,
    },
}

/// How `rotate` carries allowances over.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Allowances {
    /// What the old key had left in the current window, for every later window too.
    WindowRemaining,
    /// The whole allowance: the current window starts over for the new key.
    FullLimit,
}

/// `sessionkit paymaster …`.
#[derive(Subcommand, Debug)]
enum PaymasterCommand {
    /// Allows a paymaster for a scoped session's user operations, optionally with a cap on each
    /// operation's maximum cost.
    #[command(
        after_help = "Example:\n  sessionkit paymaster allow --rpc http://127.0.0.1:8545 --account 0x… --signer 0x… --paymaster 0x… --max-cost 0.01ether --key-file owner.json"
    )]
    Allow {
        #[command(flatten)]
        target: PaymasterTarget,
        /// The paymaster.
        #[arg(long, value_name = "ADDRESS")]
        paymaster: Address,
        /// The most one operation may cost (its prefund: gas limits times maxFeePerGas), e.g.
        /// `0.01ether` or a number of wei; no cap when absent.
        #[arg(long, value_name = "AMOUNT")]
        max_cost: Option<String>,
        /// The owner's key.
        #[command(flatten)]
        owner: keys::KeyArgs,
    },
    /// No longer allows a paymaster for a session.
    Disallow {
        #[command(flatten)]
        target: PaymasterTarget,
        /// The paymaster.
        #[arg(long, value_name = "ADDRESS")]
        paymaster: Address,
        /// The owner's key.
        #[command(flatten)]
        owner: keys::KeyArgs,
    },
    /// Lists the paymasters allowed for a session and their caps.
    List {
        #[command(flatten)]
        target: PaymasterTarget,
    },
}

/// The session a `paymaster` command is about.
#[derive(clap::Args, Debug)]
struct PaymasterTarget {
    /// The chain's RPC URL (http or https).
    #[arg(long, value_name = "URL")]
    rpc: String,
    /// The account.
    #[arg(long, value_name = "ADDRESS")]
    account: Address,
    /// The session key.
    #[arg(long, value_name = "ADDRESS")]
    signer: Address,
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Lists the cached toolchain versions and their sizes (the default).
    Show,
    /// Installs the pinned toolchain now (it installs on first use otherwise).
    Install,
    /// Removes old toolchain versions, or all of them.
    Clean {
        /// Also the version this sessionkit uses.
        #[arg(long)]
        all: bool,
    },
}

fn main() -> ExitCode {
    // Output piped into `head` ends quietly, as with other command-line tools, instead of a
    // panic on the closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A bad value (`--at soon`) is one line naming the flag and what it expects; clap's
        // other errors (a missing or unknown flag) keep its usage lines.
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::ValueValidation | clap::error::ErrorKind::InvalidValue
            ) =>
        {
            let text = e.to_string();
            eprintln!("{}", text.lines().next().unwrap_or_default());
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Check {
            project,
            artifact,
            filter,
            jobs,
            junit,
            list,
            strict_simulator,
            no_suite,
        } => check::run(check::Args {
            project: project.as_deref(),
            artifact: artifact.as_deref(),
            filter,
            jobs,
            junit: junit.as_deref(),
            list,
            strict_simulator,
            no_suite,
        }),
        Command::Init { project } => check::init(project.as_deref()),
        Command::Bench { spawns, anvil_only } => bench::run(spawns, anvil_only),
        Command::Gen {
            account,
            targets,
            out,
            views,
            no_rpc,
            runtime_path,
        } => gen::run(gen::Args {
            account: account.as_deref(),
            targets: &targets,
            out: &out,
            views,
            rpc: !no_rpc,
            runtime_path: &runtime_path,
        }),
        Command::Demo { json } => runtime()
            .and_then(|rt| rt.block_on(demo::run(json)))
            .map(|()| ExitCode::SUCCESS),
        Command::Gas { artifact, json } => gas::run(artifact.as_deref(), json),
        Command::Simulate {
            spec,
            calls,
            usage,
            at,
            account,
            each,
            json,
        } => simulate::run(simulate::Args {
            spec: &spec,
            calls: &calls,
            usage: usage.as_deref(),
            at,
            account,
            each,
            json,
        }),
        Command::Lint {
            specs,
            project,
            config,
            allow,
            at,
            account,
            rpc,
            json,
            deny_warnings,
            rules,
        } => {
            if rules {
                lint::list_rules(json)
            } else {
                lint::run(lint::Args {
                    specs: &specs,
                    project: project.as_deref(),
                    config: config.as_deref(),
                    allow: &allow,
                    at,
                    account,
                    rpc: rpc.as_deref(),
                    json,
                    deny_warnings,
                })
            }
        }
        Command::Sessions {
            rpc,
            account,
            from_block,
            to_block,
            page_size,
            calls,
            json,
            watch,
            interval,
            warn_below,
            warn_expiry,
            blocks,
        } => sessions::run(sessions::Args {
            rpc: &rpc,
            account,
            from_block,
            to_block,
            page_size,
            calls,
            json,
            watch: watch.then_some(sessions::Watch {
                interval,
                warn_below,
                warn_expiry: warn_expiry.as_secs(),
                blocks,
            }),
        }),
        Command::Keygen {
            dir,
            name,
            password_file,
        } => owner::keygen(&dir, name.as_deref(), password_file.as_deref()),
        Command::Grant {
            rpc,
            account,
            spec,
            owner,
        } => owner::grant(&rpc, account, &spec, &owner),
        Command::Revoke {
            rpc,
            account,
            signer,
            all,
            owner,
        } => owner::revoke(&rpc, account, &signer, all, &owner),
        Command::Rotate {
            rpc,
            account,
            old,
            new,
            spec,
            allowances,
            dry_run,
            owner,
        } => owner::rotate(owner::RotateArgs {
            rpc: &rpc,
            account,
            old,
            new,
            spec: spec.as_deref(),
            allowances: match allowances {
                Allowances::WindowRemaining => {
                    sessionkit::rotation::AllowanceCarry::WindowRemaining
                }
                Allowances::FullLimit => sessionkit::rotation::AllowanceCarry::FullLimit,
            },
            dry_run,
            owner: &owner,
        }),
        Command::CancelGrant {
            rpc,
            account,
            uid,
            spec,
            owner,
        } => owner::cancel_grant(&rpc, account, uid, spec.as_deref(), &owner),
        Command::Paymaster { action } => match action {
            PaymasterCommand::Allow {
                target,
                paymaster,
                max_cost,
                owner,
            } => owner::paymaster_allow(
                &target.rpc,
                target.account,
                target.signer,
                paymaster,
                max_cost.as_deref(),
                &owner,
            ),
            PaymasterCommand::Disallow {
                target,
                paymaster,
                owner,
            } => owner::paymaster_disallow(
                &target.rpc,
                target.account,
                target.signer,
                paymaster,
                &owner,
            ),
            PaymasterCommand::List { target } => {
                owner::paymaster_list(&target.rpc, target.account, target.signer)
            }
        },
        Command::Cache { action } => cache::run(match action {
            None | Some(CacheCommand::Show) => cache::Action::Show,
            Some(CacheCommand::Install) => cache::Action::Install,
            Some(CacheCommand::Clean { all }) => cache::Action::Clean { all },
        }),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// A duration (`2s`, `10m`, `1h30m`; whole seconds).
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    sessionkit::units::parse_duration(s)
        .map(std::time::Duration::from_secs)
        .map_err(|e| e.to_string())
}

/// `--at`: unix seconds or an RFC 3339 date.
fn parse_timestamp(s: &str) -> Result<u64, String> {
    sessionkit::units::parse_timestamp(s).map_err(|e| e.to_string())
}

/// The async runtime of the commands that talk to a chain.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}
