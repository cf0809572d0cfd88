use crate::table;
use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmux_devtools::inspect::{self, Report};

/// Show what a module holds and uses: sections, types, proposals, largest functions.
///
/// Sections with offsets and sizes; imports and exports with their full types; the memories,
/// tables and globals the module defines; custom sections (producers, names, DWARF); the
/// proposals beyond WebAssembly 1.0 it uses, each with its first use; its largest functions.
#[derive(Args)]
#[command(after_help = "Examples:\n  \
    wasmux inspect app.wasm\n  \
    wasmux inspect --top 25 app.wasm\n  \
    wasmux inspect --json app.wasm | jq '.features[].name'\n  \
    wasmux inspect examples/fib.wat")]
pub struct InspectArgs {
    /// The module: .wasm or .wat.
    #[arg(value_name = "MODULE")]
    module: PathBuf,
    /// Machine-readable output: one JSON document.
    #[arg(long)]
    json: bool,
    /// How many of the largest functions to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
}

pub fn run(args: InspectArgs) -> Result<ExitCode> {
    let path = &args.module;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut report = inspect::binary_of_file(&bytes, path)
        .and_then(|binary| inspect::inspect(&binary))
        .with_context(|| path.display().to_string())?;
    report.functions.largest.truncate(args.top);
    if args.json {
        let mut json = serde_json::to_string_pretty(&report)?;
        json.push('\n');
        // A closed pipe (`| head`) ends the output, not the program with a panic.
        match std::io::stdout().lock().write_all(json.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
            _ => {}
        }
    } else {
        print(&path.display().to_string(), &report);
    }
    Ok(ExitCode::SUCCESS)
}

fn hex(offset: usize) -> String {
    format!("0x{offset:x}")
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// A heading, then the table or `none`.
fn block(title: &str, header: &[&str], rows: Vec<Vec<String>>) {
    outln!("\n{title}");
    if rows.is_empty() {
        outln!("  none");
    } else {
        table::print(header, &rows);
    }
}

fn print(name: &str, r: &Report) {
    let f = &r.functions;
    outln!(
        "{name}: {} bytes, {} functions ({} imported, {} defined), code {} bytes",
        r.size,
        f.imported + f.defined,
        f.imported,
        f.defined,
        f.code_size
    );
    block(
        "Sections",
        &["ID", "NAME", "OFFSET", "SIZE", "SHARE"],
        r.sections
            .iter()
            .map(|s| {
                let name = match &s.custom_name {
                    Some(custom) => format!("custom {custom:?}"),
                    None => s.name.to_string(),
                };
                vec![
                    s.id.to_string(),
                    name,
                    hex(s.offset),
                    s.size.to_string(),
                    percent(s.size, r.size),
                ]
            })
            .collect(),
    );
    block(
        "Imports",
        &["MODULE", "NAME", "KIND", "INDEX", "TYPE"],
        r.imports
            .iter()
            .map(|i| {
                vec![
                    i.module.clone(),
                    i.name.clone(),
                    i.kind.to_string(),
                    i.index.to_string(),
                    i.ty.to_string(),
                ]
            })
            .collect(),
    );
    block(
        "Exports",
        &["NAME", "KIND", "INDEX", "TYPE"],
        r.exports
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    e.kind.to_string(),
                    e.index.to_string(),
                    e.ty.as_ref()
                        .map_or("(index out of range)".into(), ToString::to_string),
                ]
            })
            .collect(),
    );
    print_definitions(r);
    print_custom(r);
    block(
        "Features (proposals beyond WebAssembly 1.0 that the module uses)",
        &["FEATURE", "OFFSET", "FIRST USE"],
        r.features
            .iter()
            .map(|f| vec![f.name.to_string(), hex(f.offset), f.what.clone()])
            .collect(),
    );
    block(
        &format!("Largest functions ({} of {})", f.largest.len(), f.defined),
        &["INDEX", "NAME", "SIZE", "SHARE OF CODE"],
        f.largest
            .iter()
            .map(|s| {
                vec![
                    s.index.to_string(),
                    s.demangled
                        .clone()
                        .or_else(|| s.name.clone())
                        .unwrap_or_else(|| "-".into()),
                    s.size.to_string(),
                    format!("{:.2}%", s.share),
                ]
            })
            .collect(),
    );
    for warning in &r.warnings {
        eprintln!("warning: {name}: {warning}");
    }
}

/// What the module defines itself; imported ones are listed with the imports.
fn print_definitions(r: &Report) {
    block(
        "Memories",
        &["INDEX", "TYPE"],
        r.memories
            .iter()
            .map(|m| vec![m.index.to_string(), m.ty.to_string()])
            .collect(),
    );
    block(
        "Tables",
        &["INDEX", "TYPE"],
        r.tables
            .iter()
            .map(|t| vec![t.index.to_string(), t.ty.to_string()])
            .collect(),
    );
    block(
        "Globals",
        &["INDEX", "TYPE", "INIT"],
        r.globals
            .iter()
            .map(|g| {
                vec![
                    g.index.to_string(),
                    g.ty.to_string(),
                    g.init.clone().unwrap_or_else(|| "(expression)".into()),
                ]
            })
            .collect(),
    );
    if !r.tags.is_empty() {
        block(
            "Tags",
            &["INDEX", "TYPE"],
            r.tags
                .iter()
                .map(|t| vec![t.index.to_string(), t.ty.to_string()])
                .collect(),
        );
    }
    let d = &r.data;
    outln!(
        "\nData: {} segments ({} passive), {} bytes{}",
        d.segments,
        d.passive,
        d.bytes,
        r.start
            .map(|s| format!("; start function {s}"))
            .unwrap_or_default()
    );
}

fn print_custom(r: &Report) {
    outln!("\nCustom sections");
    let c = &r.custom;
    match &c.producers {
        Some(fields) => {
            outln!("  producers:");
            for (field, tools) in fields {
                let tools: Vec<String> = tools
                    .iter()
                    .map(|t| format!("{} {}", t.name, t.version).trim_end().to_string())
                    .collect();
                outln!("    {field}: {}", tools.join(", "));
            }
        }
        None => outln!("  producers: none"),
    }
    match &c.names {
        Some(n) => outln!(
            "  names: module {}, {} function names, {} local names",
            n.module
                .as_ref()
                .map_or("unnamed".into(), |m| format!("`{m}`")),
            n.functions,
            n.locals
        ),
        None => outln!("  names: none"),
    }
    if let Some(features) = &c.target_features {
        outln!(
            "  target_features (what the compiler could use): {}",
            features.join(", ")
        );
    }
    if c.dwarf.is_empty() {
        outln!("  DWARF: none");
    } else {
        outln!("  DWARF: {}", c.dwarf.join(", "));
    }
}
