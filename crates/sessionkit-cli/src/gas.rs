//! `sessionkit gas`: gas per operation, measured live on anvil.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget};
use sessionkit_testkit::conformance::Artifact;

use crate::runtime;

/// Measures the bundled account (and `artifact`'s account side by side) and prints a table or
/// JSON.
pub fn run(artifact: Option<&Path>, json: bool) -> Result<ExitCode, String> {
    let other = artifact.map(Artifact::from_file).transpose()?;
    let rt = runtime()?;
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_message("measuring the bundled account");
    bar.enable_steady_tick(Duration::from_millis(100));
    let measure = |bytecode: Option<alloy::primitives::Bytes>| {
        rt.block_on(async {
            let mut builder = sessionkit_testkit::Harness::builder();
            if let Some(code) = bytecode {
                builder = builder.implementation(code);
            }
            let h = builder.try_spawn().await.map_err(|e| e.to_string())?;
            sessionkit_testkit::gas::measure(&h)
                .await
                .map_err(|e| e.to_string())
        })
    };
    let ours = measure(None)?;
    let theirs = match &other {
        Some(a) => {
            bar.set_message(format!("measuring {}", a.path.display()));
            Some(
                measure(Some(a.bytecode.clone()))
                    .map_err(|e| format!("{}: {e}", a.path.display()))?,
            )
        }
        None => None,
    };
    bar.finish_and_clear();
    if json {
        let rows: Vec<serde_json::Value> = ours
            .iter()
            .map(|r| {
                let mut v =
                    serde_json::json!({ "key": r.key, "operation": r.operation, "gas": r.gas });
                if let Some(t) = &theirs {
                    v["other"] = t.iter().find(|o| o.key == r.key).map(|o| o.gas).into();
                }

                v
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic);
    let mut header = vec!["operation".to_owned(), "sessionkit".to_owned()];
    if let Some(a) = &other {
        header.push(
            a.path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        header.push("difference".to_owned());
    }
    table.set_header(header);
    for r in &ours {
        let mut row = vec![
            Cell::new(r.operation),
            Cell::new(r.gas).set_alignment(CellAlignment::Right),
        ];
        if let Some(t) = &theirs {
            let (gas, diff) = match t.iter().find(|o| o.key == r.key) {
                Some(o) => (
                    o.gas.to_string(),
                    format!("{:+}", o.gas as i64 - r.gas as i64),
                ),
                None => ("-".to_owned(), "-".to_owned()),
            };
            row.push(Cell::new(gas).set_alignment(CellAlignment::Right));
            row.push(Cell::new(diff).set_alignment(CellAlignment::Right));
        }
        table.add_row(row);
    }
    println!("{table}");
    println!("transaction gas on anvil (Prague), 21,000 base and calldata included; each operation is its own transaction");
    Ok(ExitCode::SUCCESS)
}
