//! Applies the build passes to existing modules and prints their sizes: how much dead-function
//! removal (and re-encoding) saves on modules built elsewhere.
//!
//!     cargo run --example shrink -- IN.wasm [OUT_DIR]
//!
//! DWARF is stripped first: the pass refuses to move code that DWARF describes.

use wasmux_devtools::build::passes::{drop_unreachable, has_dwarf, strip, validate, StripOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let input = args.next().ok_or("usage: shrink IN.wasm [OUT_DIR]")?;
    let out_dir = args.next();
    let mut bytes = std::fs::read(&input)?;
    if has_dwarf(&bytes) {
        let debug = StripOptions {
            debug: true,
            ..Default::default()
        };
        let stripped = strip(&bytes, &debug)?.wasm;
        println!(
            "{input}: {} bytes, {} without DWARF",
            bytes.len(),
            stripped.len()
        );
        bytes = stripped;
    }
    let start = std::time::Instant::now();
    let dce = drop_unreachable(&bytes)?;
    let took = start.elapsed();
    validate(&dce.wasm)?;
    println!(
        "{input}: {} -> {} bytes ({:+.1}%), removed {} of {} functions, {took:.2?}",
        bytes.len(),
        dce.wasm.len(),
        (dce.wasm.len() as f64 - bytes.len() as f64) * 100.0 / bytes.len() as f64,
        dce.removed,
        dce.removed + dce.kept
    );
    if let Some(dir) = out_dir {
        let name = std::path::Path::new(&input)
            .file_name()
            .ok_or("no file name")?;
        std::fs::write(std::path::Path::new(&dir).join(name), &dce.wasm)?;
    }
    Ok(())
}
