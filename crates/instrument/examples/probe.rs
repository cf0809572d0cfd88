//! Writes a module with the tracing probes added, to look at what the pass does:
//! `cargo run -p wasmux-instrument --example probe -- IN.wat|IN.wasm OUT.wasm`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: probe IN.wat|IN.wasm OUT.wasm");
        std::process::exit(2);
    };
    let wasm = wat::parse_file(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let opts = wasmux_instrument::probe::ProbeOptions {
        values: true,
        host_calls: true,
    };
    let out = wasmux_instrument::probe::probe(&wasm, &opts, &Default::default())
        .unwrap_or_else(|e| panic!("{input}: {e}"));
    std::fs::write(output, out.wasm).unwrap_or_else(|e| panic!("{output}: {e}"));
}
