//! `wasmux inspect` and `wasmux disasm` end to end: a hand-written module with every kind of
//! import and export, a Rust-built guest, and bad input.

use super::guests::guest_path;
use super::{stderr, stdout, temp_file, wasmux};
use serde_json::Value;

/// Relative to the repository root, where `wasmux` runs.
const KINDS: &str = "tests/inspect/kinds.wat";

fn inspect_json(module: &str, extra: &[&str]) -> Value {
    let mut args = vec!["inspect", "--json", module];
    args.extend(extra);
    let out = wasmux(&args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

fn strings(v: &Value, f: impl Fn(&Value) -> String) -> Vec<String> {
    v.as_array().unwrap().iter().map(f).collect()
}

#[test]
fn inspect_reports_every_kind_of_import_and_export_and_the_proposals_used() {
    let r = inspect_json(KINDS, &[]);
    assert_eq!(
        strings(&r["features"], |f| f["name"].as_str().unwrap().into()),
        [
            "bulk-memory",
            "exceptions",
            "multi-memory",
            "multi-value",
            "mutable-global",
            "reference-types",
            "saturating-float-to-int",
            "sign-extension",
            "simd",
            "threads",
        ]
    );
    let simd = &r["features"][8];
    assert_eq!(simd["what"], "v128 in type 4");
    let imports = &r["imports"];
    assert_eq!(
        strings(imports, |i| format!(
            "{}::{} {}",
            i["module"], i["name"], i["kind"]
        )),
        [
            r#""env"::"log" "func""#,
            r#""env"::"mem" "memory""#,
            r#""env"::"tab" "table""#,
            r#""env"::"counter" "global""#,
            r#""env"::"oops" "tag""#,
        ]
    );
    assert_eq!(
        imports[0]["type"],
        serde_json::json!({"type_index": 1, "signature": {"params": ["i32"], "results": []}})
    );
    assert_eq!(
        imports[1]["type"],
        serde_json::json!({"initial": 1, "maximum": 2, "shared": true, "memory64": false, "page_size": 65536})
    );
    assert_eq!(imports[2]["type"]["element_type"], "funcref");
    assert_eq!(imports[2]["type"]["maximum"], 10);
    assert_eq!(
        imports[3]["type"],
        serde_json::json!({"value_type": "i32", "mutable": true, "shared": false})
    );
    assert_eq!(
        imports[4]["type"]["signature"]["params"],
        serde_json::json!(["i32"])
    );
    assert_eq!(
        strings(&r["exports"], |e| format!(
            "{} {}",
            e["name"].as_str().unwrap(),
            e["kind"].as_str().unwrap()
        )),
        [
            "memory memory",
            "refs table",
            "limit global",
            "fail tag",
            "counter global",
            "log func",
            "swap func",
            "fill func",
        ]
    );
    assert_eq!(
        r["exports"][6]["type"]["signature"],
        serde_json::json!({"params": ["i32", "i64"], "results": ["i32", "i64"]})
    );
    assert_eq!(r["tables"][0]["element_type"], "externref");
    assert_eq!(r["globals"][0]["init"], "i64.const 42");
    assert_eq!(
        r["tags"][0]["signature"]["params"],
        serde_json::json!(["i64"])
    );
    assert_eq!(
        r["custom"]["names"],
        serde_json::json!({"module": "kinds", "functions": 7, "locals": 5})
    );
    let custom: Vec<&str> = r["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["custom_name"].as_str())
        .collect();
    assert_eq!(custom, ["wasmux-note", "name"]);
    assert_eq!(r["functions"]["largest"][0]["name"], "fill");
    assert_eq!(r["functions"]["largest"].as_array().unwrap().len(), 6);
}

#[test]
fn inspect_prints_readable_tables() {
    let out = wasmux(&["inspect", "--top", "2", KINDS]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Rows compared word by word: the column widths are the table's business.
    let rows: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for want in [
        "tests/inspect/kinds.wat: 479 bytes, 7 functions (1 imported, 6 defined), code 45 bytes",
        "MODULE NAME KIND INDEX TYPE",
        "env mem memory 0 1..2 pages, shared",
        "env counter global 0 mut i32",
        "swap func 1 (i32, i64) -> (i32, i64)",
        "0 custom \"wasmux-note\" 0x11a 17 3.5%",
        "2 mut v128 v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        "names: module `kinds`, 7 function names, 5 local names",
        "simd 0x1f v128 in type 4",
        "Largest functions (2 of 6)",
        "2 fill 11 24.44%",
    ] {
        assert!(rows.iter().any(|r| r == want), "no `{want}` in:\n{text}");
    }
    assert!(!rows.iter().any(|r| r.starts_with("5 saturate")), "{text}");
}

#[test]
fn inspect_a_rust_guest_shows_its_producers_and_largest_functions() {
    let path = guest_path("hello");
    let module = path.to_str().unwrap();
    let r = inspect_json(module, &["--top", "5"]);
    let producers = &r["custom"]["producers"];
    assert!(
        producers["language"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "Rust"),
        "{producers}"
    );
    let rustc = producers["processed-by"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "rustc")
        .unwrap_or_else(|| panic!("no rustc in {producers}"));
    assert!(
        rustc["version"].as_str().unwrap().starts_with("1."),
        "{rustc}"
    );
    let allowed = r["custom"]["target_features"].as_array().unwrap();
    assert!(
        !allowed.is_empty()
            && allowed
                .iter()
                .all(|f| f.as_str().unwrap().starts_with(['+', '-', '='])),
        "{allowed:?}"
    );
    let largest = r["functions"]["largest"].as_array().unwrap();
    assert_eq!(largest.len(), 5);
    let sizes: Vec<u64> = largest
        .iter()
        .map(|f| f["size"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let code = r["functions"]["code_size"].as_u64().unwrap();
    let share = largest[0]["share"].as_f64().unwrap();
    assert!((share - sizes[0] as f64 * 100.0 / code as f64).abs() < 0.01);
    assert!(largest.iter().all(|f| f["name"].is_string()), "{largest:?}");
    let fd_write = r["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "fd_write")
        .unwrap();
    assert_eq!(fd_write["module"], "wasi_snapshot_preview1");
    assert_eq!(
        fd_write["type"]["signature"],
        serde_json::json!({"params": ["i32", "i32", "i32", "i32"], "results": ["i32"]})
    );
    // The largest function by the name inspect gave, disassembled.
    let name = largest[0]["name"].as_str().unwrap();
    let out = wasmux(&["disasm", module, "--function", name]);
    assert!(out.status.success(), "{}", stderr(&out));
    let index = largest[0]["index"].as_u64().unwrap();
    let one = stdout(&out);
    assert!(
        one.starts_with(&format!("(func ${name} (;{index};)")),
        "{one}"
    );
    // The same lines as in the whole module's text, where they are indented once more.
    let whole = wasmux(&["disasm", module]);
    assert!(whole.status.success(), "{}", stderr(&whole));
    let indented: String = one.lines().map(|l| format!("  {l}\n")).collect();
    assert!(stdout(&whole).contains(&indented));
    assert!(one.lines().count() > 100, "{one}");
}

#[test]
fn bad_modules_get_a_clear_error_with_the_byte_offset_and_a_nonzero_exit() {
    let whole = wat::parse_file(super::root().join(KINDS)).unwrap();
    let (_a, truncated) = temp_file("truncated.wasm", &whole[..300]);
    let (_b, garbage) = temp_file("garbage.wasm", b"\x7fELF\x02\x01\x01\0\0\0\0\0");
    let (_c, empty) = temp_file("empty.wasm", b"");
    let (_d, bad_text) = temp_file("bad.wat", b"(module (func (i32.add)");
    let cases: [(&str, &[&str]); 5] = [
        (
            &truncated,
            &["byte offset 300 (0x12c)", "unexpected end-of-file"],
        ),
        (
            &garbage,
            &[
                "byte offset 0",
                "not a WebAssembly module: it starts with 7f 45 4c 46",
            ],
        ),
        (&empty, &["byte offset 0", "unexpected end-of-file"]),
        (&bad_text, &["bad.wat:1:"]),
        ("no/such/module.wasm", &["cannot read no/such/module.wasm"]),
    ];
    for (module, wants) in cases {
        for command in [
            vec!["inspect", module],
            vec!["disasm", module],
            vec!["disasm", module, "--function", "0"],
        ] {
            let out = wasmux(&command);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{command:?}: {err}");
            assert!(
                err.starts_with(&format!("error: {module}")) || err.contains(module),
                "{command:?}: {err}"
            );
            for want in wants {
                assert!(err.contains(want), "{command:?}: no `{want}` in {err}");
            }
            assert!(!err.contains("panicked"), "{command:?}: {err}");
            assert_eq!(stdout(&out), "", "{command:?}");
        }
    }
}

#[test]
fn disasm_prints_one_function_by_name_or_index() {
    let want = "(func $fill (;2;) (type 3) (param $dst i32) (param $len i32)\n  \
                local.get $dst\n  i32.const 0\n  local.get $len\n  memory.fill $mem\n)\n";
    for function in ["fill", "$fill", "2"] {
        let out = wasmux(&["disasm", KINDS, "--function", function]);
        assert!(out.status.success(), "{function}: {}", stderr(&out));
        assert_eq!(stdout(&out), want, "{function}");
    }
    let out = wasmux(&["disasm", KINDS, "--function", "swap", "--offsets"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("(;@ed    ;)  (func $swap (;1;)"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
}

#[test]
fn disasm_refuses_an_imported_or_unknown_function_and_says_why() {
    let out = wasmux(&["disasm", KINDS, "--function", "log"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: tests/inspect/kinds.wat: function 0 (`log`) is imported from `env` `log` \
         (func (i32)): an imported function has no body in this module\n"
    );
    let out = wasmux(&["disasm", KINDS, "--function", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("no function named `nope` (the module has 7 functions, by index 0 to 6)"),
        "{err}"
    );
    assert!(
        err.contains("`wasmux inspect tests/inspect/kinds.wat` lists the functions"),
        "{err}"
    );
    let out = wasmux(&["disasm", KINDS, "--function", "7"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("function index 7 is out of range: the module has 7 functions"));
}

#[test]
fn disasm_prints_the_whole_module_as_text_that_assembles_to_the_same_binary() {
    let out = wasmux(&["disasm", KINDS]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = wat::parse_str(stdout(&out)).unwrap();
    assert_eq!(again, wat::parse_file(super::root().join(KINDS)).unwrap());
}
