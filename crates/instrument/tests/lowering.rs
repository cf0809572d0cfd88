//! Lowered modules against the originals, both run on wasmi.

mod common;

use common::{assert_valid, instantiate, wat, Running};
use wasmi::TrapCode;
use wasmi::Val;
use wasmux_instrument::{instrument, InstrumentError, Options};

const LOWER: Options = Options {
    fuel: false,
    interrupt: false,
    max_memory_pages: None,
    lower_post_mvp: true,
};

/// The original and the lowered module, the lowered one checked to be plain MVP.
fn pair(src: &str, opts: &Options) -> (Running, Running) {
    let original = wat(src);
    let lowered = instrument(&original, opts).unwrap();
    assert_valid(&lowered);
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM1)
        .validate_all(&lowered)
        .expect("lowered module is MVP");
    (
        instantiate(&original).unwrap(),
        instantiate(&lowered).unwrap(),
    )
}

/// Same results, or the same trap.
fn same(a: &mut Running, b: &mut Running, name: &str, args: &[Val]) {
    let ra = a.call(name, args);
    let rb = b.call(name, args);
    match (ra, rb) {
        (Ok(x), Ok(y)) => assert_eq!(
            format!("{x:?}"),
            format!("{y:?}"),
            "{name}{args:?}: original vs lowered"
        ),
        (Err(x), Err(y)) => assert_eq!(
            x.as_trap_code(),
            y.as_trap_code(),
            "{name}{args:?}: traps differ ({x} vs {y})"
        ),
        (x, y) => panic!("{name}{args:?}: original {x:?}, lowered {y:?}"),
    }
}

/// A deterministic spread of bit patterns.
fn pseudo_random(count: usize) -> Vec<u64> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

#[test]
fn sign_extension() {
    let src = r#"(module
      (func (export "i32_8") (param i32) (result i32) (i32.extend8_s (local.get 0)))
      (func (export "i32_16") (param i32) (result i32) (i32.extend16_s (local.get 0)))
      (func (export "i64_8") (param i64) (result i64) (i64.extend8_s (local.get 0)))
      (func (export "i64_16") (param i64) (result i64) (i64.extend16_s (local.get 0)))
      (func (export "i64_32") (param i64) (result i64) (i64.extend32_s (local.get 0))))"#;
    let (mut a, mut b) = pair(src, &LOWER);
    let mut inputs: Vec<u64> = vec![
        0,
        1,
        0x7f,
        0x80,
        0xff,
        0x100,
        0x7fff,
        0x8000,
        0xffff,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1_0000_0000,
        u64::MAX,
        i64::MIN as u64,
        i64::MAX as u64,
    ];
    inputs.extend(pseudo_random(500));
    for x in inputs {
        for name in ["i32_8", "i32_16"] {
            same(&mut a, &mut b, name, &[Val::I32(x as i32)]);
        }
        for name in ["i64_8", "i64_16", "i64_32"] {
            same(&mut a, &mut b, name, &[Val::I64(x as i64)]);
        }
    }
}

fn f64_inputs() -> Vec<f64> {
    let p = |e: i32| 2f64.powi(e);
    let mut base = vec![
        0.0,
        0.5,
        0.9999,
        1.0,
        1.5,
        p(31),
        p(31) - 1.0,
        p(31) - 0.5,
        p(31) + 1.0,
        p(31) + 0.5,
        p(32),
        p(32) - 1.0,
        p(32) - 0.5,
        p(32) + 1.0,
        p(63),
        p(64),
        p(80),
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NAN,
    ];
    base.extend(base.clone().into_iter().map(|v| -v));
    base.extend([-p(31) - 0.5, -p(31) - 0.9999, -p(31) - 1.0, -1.0 + 1e-9]);
    let mut all = Vec::new();
    for v in base {
        // The value and its two neighbours in the bit pattern order.
        let bits = v.to_bits();
        all.extend([
            v,
            f64::from_bits(bits.wrapping_add(1)),
            f64::from_bits(bits.wrapping_sub(1)),
        ]);
    }
    all.extend(pseudo_random(300).into_iter().map(f64::from_bits));
    // Values with moderate exponents, where the interesting boundaries are.
    all.extend(
        pseudo_random(300)
            .into_iter()
            .map(|r| (r as i64 as f64) / 2f64.powi((r % 40) as i32)),
    );
    all
}

#[test]
fn saturating_truncation() {
    let src = r#"(module
      (func (export "i32_f32_s") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
      (func (export "i32_f32_u") (param f32) (result i32) (i32.trunc_sat_f32_u (local.get 0)))
      (func (export "i32_f64_s") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
      (func (export "i32_f64_u") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
      (func (export "i64_f32_s") (param f32) (result i64) (i64.trunc_sat_f32_s (local.get 0)))
      (func (export "i64_f32_u") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
      (func (export "i64_f64_s") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
      (func (export "i64_f64_u") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0))))"#;
    let (mut a, mut b) = pair(src, &LOWER);
    let mut f32s: Vec<f32> = f64_inputs().into_iter().map(|v| v as f32).collect();
    let neighbours: Vec<f32> = f32s
        .iter()
        .flat_map(|v| {
            let bits = v.to_bits();
            [
                f32::from_bits(bits.wrapping_add(1)),
                f32::from_bits(bits.wrapping_sub(1)),
            ]
        })
        .collect();
    f32s.extend(neighbours);
    f32s.extend(
        pseudo_random(300)
            .into_iter()
            .map(|r| f32::from_bits(r as u32)),
    );
    for x in f32s {
        for name in ["i32_f32_s", "i32_f32_u", "i64_f32_s", "i64_f32_u"] {
            same(&mut a, &mut b, name, &[Val::F32(x.into())]);
        }
    }
    for x in f64_inputs() {
        for name in ["i32_f64_s", "i32_f64_u", "i64_f64_s", "i64_f64_u"] {
            same(&mut a, &mut b, name, &[Val::F64(x.into())]);
        }
    }
}

const BULK: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "init") (local $i i32)
    (loop $l
      (i32.store8 (local.get $i)
        (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.shr_u (local.get $i) (i32.const 8))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 65536)))))
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2))))"#;

const END: u32 = 65536;

/// Runs `name(args)` on fresh memory in both modules; compares outcome and memory.
fn same_bulk(a: &mut Running, b: &mut Running, name: &str, args: [u32; 3]) {
    a.call("init", &[]).unwrap();
    b.call("init", &[]).unwrap();
    let args: Vec<Val> = args.iter().map(|&x| Val::I32(x as i32)).collect();
    same(a, b, name, &args);
    assert!(a.memory() == b.memory(), "{name}{args:?}: memory differs");
}

fn lengths() -> Vec<u32> {
    vec![0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 64, 100, 1000]
}

#[test]
fn memory_copy() {
    let (mut a, mut b) = pair(BULK, &LOWER);
    for len in lengths() {
        let cases = [
            (0, 0),
            (0, 1),
            (1, 0),
            (3, 10),
            (10, 3),
            (100, 104),
            (104, 100),
            (8, 0),
            (0, 8),
            (0, 9),
            (9, 0),
            (END - len, 0),
            (0, END - len),
            (END - len + 1, 0),
            (0, END - len + 1),
            (END, END - len),
            (END + 1, 0),
            (0, END + 1),
            (u32::MAX - 16, 0),
            (0, u32::MAX - 16),
            (u32::MAX, u32::MAX),
        ];
        for (dst, src) in cases {
            same_bulk(&mut a, &mut b, "copy", [dst, src, len]);
        }
    }
    same_bulk(&mut a, &mut b, "copy", [0, END / 2, END / 2]);
    same_bulk(&mut a, &mut b, "copy", [END / 2, 0, END / 2]);
    same_bulk(&mut a, &mut b, "copy", [1, 0, END - 1]);
    same_bulk(&mut a, &mut b, "copy", [0, 1, END - 1]);
    same_bulk(&mut a, &mut b, "copy", [10, 20, u32::MAX]);
}

#[test]
fn memory_fill() {
    let (mut a, mut b) = pair(BULK, &LOWER);
    for len in lengths() {
        for dst in [
            0,
            1,
            5,
            8,
            100,
            END - len,
            END - len + 1,
            END,
            END + 1,
            u32::MAX - 3,
        ] {
            for value in [0, 0xab, 0x1ff, -1i32 as u32] {
                same_bulk(&mut a, &mut b, "fill", [dst, value, len]);
            }
        }
    }
    same_bulk(&mut a, &mut b, "fill", [0, 0x5a, END]);
    same_bulk(&mut a, &mut b, "fill", [1, 0x5a, u32::MAX]);
}

#[test]
fn out_of_bounds_is_a_memory_access_trap_and_writes_nothing() {
    let (_, mut b) = pair(BULK, &LOWER);
    b.call("init", &[]).unwrap();
    let before = b.memory();
    for (name, args) in [
        ("copy", [END - 4, 0, 8]),
        ("copy", [0, END - 4, 8]),
        ("fill", [END - 4, 1, 8]),
    ] {
        let args: Vec<Val> = args.iter().map(|&x| Val::I32(x as i32)).collect();
        let err = b.call(name, &args).unwrap_err();
        assert_eq!(err.as_trap_code(), Some(TrapCode::MemoryOutOfBounds));
        assert!(b.memory() == before);
    }
}

#[test]
fn bulk_helpers_honour_interrupts() {
    let src = BULK.replace(
        "(memory (export \"memory\") 1)",
        "(memory (export \"memory\") 4)",
    );
    let opts = Options {
        interrupt: true,
        ..LOWER
    };
    let (_, mut b) = pair(&src, &opts);
    let before = b.store.data().checks;
    b.call("fill", &[Val::I32(0), Val::I32(1), Val::I32(4 * 65536)])
        .unwrap();
    // 32768 eight-byte stores: at least three checks, whatever the countdown started at.
    assert!(b.store.data().checks - before >= 3);
}

fn offset_of(wasm: &[u8], pred: impl Fn(&wasmparser::Operator) -> bool) -> usize {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            for op in body
                .get_operators_reader()
                .unwrap()
                .into_iter_with_offsets()
            {
                let (op, offset) = op.unwrap();
                if pred(&op) {
                    return offset;
                }
            }
        }
    }
    panic!("operator not found")
}

#[test]
fn what_cannot_be_lowered_is_reported_with_its_offset() {
    let src = r#"(module (memory 1) (data "abc")
      (func (param i32) (memory.init 0 (local.get 0) (i32.const 0) (i32.const 3))))"#;
    let wasm = wat(src);
    let err = instrument(&wasm, &LOWER).unwrap_err();
    let at = offset_of(&wasm, |op| {
        matches!(op, wasmparser::Operator::MemoryInit { .. })
    });
    match err {
        InstrumentError::Unsupported { offset, what } => {
            assert_eq!(offset, at);
            assert!(what.contains("memory_init"), "{what}");
        }
        other => panic!("{other:?}"),
    }

    let src = r#"(module (table 1 funcref)
      (func (result i32) (ref.is_null (table.get (i32.const 0)))))"#;
    let wasm = wat(src);
    let at = offset_of(&wasm, |op| {
        matches!(op, wasmparser::Operator::TableGet { .. })
    });
    assert!(matches!(
        instrument(&wasm, &LOWER).unwrap_err(),
        InstrumentError::Unsupported { offset, .. } if offset == at
    ));
    // Without lowering the same module is fine.
    assert_valid(
        &instrument(
            &wasm,
            &Options {
                fuel: true,
                ..Options::default()
            },
        )
        .unwrap(),
    );

    for src in [
        "(module (func (param v128)))",
        "(module (memory 1) (memory 1))",
        "(module (memory i64 1))",
        "(module (memory 1) (data \"x\"))",
        "(module (func $f) (func (drop (ref.func $f))) (export \"f\" (func $f)))",
        "(module (func (drop (select (result externref) (ref.null extern) (ref.null extern) (i32.const 0)))))",
    ] {
        let Ok(wasm) = wat::parse_str(src) else { continue };
        let result = instrument(&wasm, &LOWER);
        assert!(
            matches!(result, Err(InstrumentError::Unsupported { .. })),
            "{src}: {result:?}"
        );
    }
}

#[test]
fn typed_select_and_multi_value_are_kept_or_lowered() {
    let src = r#"(module
      (func (export "pick") (param i32 i32 i32) (result i32)
        (select (result i32) (local.get 0) (local.get 1) (local.get 2)))
      (func (export "swap") (param i32 i32) (result i32 i32)
        (block (result i32 i32) (local.get 1) (local.get 0))))"#;
    let original = wat(src);
    let lowered = instrument(&original, &LOWER).unwrap();
    assert_valid(&lowered);
    let mut a = instantiate(&original).unwrap();
    let mut b = instantiate(&lowered).unwrap();
    for c in [0, 1] {
        same(
            &mut a,
            &mut b,
            "pick",
            &[Val::I32(5), Val::I32(6), Val::I32(c)],
        );
    }
    same(&mut a, &mut b, "swap", &[Val::I32(1), Val::I32(2)]);
}

#[test]
fn an_explicit_table_zero_in_an_element_segment_becomes_the_mvp_encoding() {
    // `(table funcref (elem $f))` is encoded with flags 2 and table index 0.
    let wasm = ::wat::parse_str(
        r#"(module (func $f) (table $t funcref (elem $f)) (func (export "g") (call_indirect $t (i32.const 0))))"#,
    )
    .unwrap();
    let lowered = instrument(
        &wasm,
        &Options {
            lower_post_mvp: true,
            ..Options::default()
        },
    )
    .unwrap();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM1)
        .validate_all(&lowered)
        .expect("MVP-valid");
    for payload in wasmparser::Parser::new(0).parse_all(&lowered) {
        if let wasmparser::Payload::ElementSection(reader) = payload.unwrap() {
            for element in reader {
                match element.unwrap().kind {
                    wasmparser::ElementKind::Active { table_index, .. } => {
                        assert_eq!(table_index, None)
                    }
                    _ => panic!("the segment is no longer active"),
                }
            }
        }
    }
}

/// The active element segments of a module: (constant offset, item count).
fn element_segments(wasm: &[u8]) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::ElementSection(reader) = payload.unwrap() {
            for element in reader {
                let element = element.unwrap();
                let wasmparser::ElementKind::Active { offset_expr, .. } = element.kind else {
                    continue;
                };
                let offset = match offset_expr.get_operators_reader().read().unwrap() {
                    wasmparser::Operator::I32Const { value } => value,
                    other => panic!("offset {other:?}"),
                };
                let wasmparser::ElementItems::Functions(items) = element.items else {
                    panic!("expressions");
                };
                out.push((offset, items.count()));
            }
        }
    }
    out
}

#[test]
fn an_empty_element_segment_inside_the_table_is_dropped_and_one_outside_is_kept() {
    // AssemblyScript emits `(elem (i32.const 1))` with no items; wasm3 calls that a table
    // overflow, while the spec makes it a no-op as long as it is within the table.
    let lower = |src: &str| {
        let lowered = instrument(&::wat::parse_str(src).unwrap(), &LOWER).unwrap();
        assert_valid(&lowered);
        lowered
    };
    let inside = lower(
        r#"(module (func $f) (table 2 funcref) (elem (i32.const 1)) (elem (i32.const 0) $f))"#,
    );
    assert_eq!(element_segments(&inside), vec![(0, 1)]);
    assert!(instantiate(&inside).is_ok());
    // Past the end it must still fail to instantiate, as the original does.
    let src = r#"(module (table 1 funcref) (elem (i32.const 2)))"#;
    let outside = lower(src);
    assert_eq!(element_segments(&outside), vec![(2, 0)]);
    assert!(instantiate(&wat(src)).is_err());
    assert!(instantiate(&outside).is_err());
}

/// Every instruction of the rewritten module's code, with its byte offset, per defined function.
fn rewritten_ops(wasm: &[u8]) -> Vec<Vec<(String, usize)>> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut ops = body.get_operators_reader().unwrap();
            let mut list = Vec::new();
            while !ops.eof() {
                let (op, at) = ops.read_with_offset().unwrap();
                list.push((format!("{op:?}"), at));
            }
            out.push(list);
        }
    }
    out
}

#[test]
fn an_offset_in_rewritten_code_traces_back_to_the_input() {
    use wasmux_instrument::{origin, Origin};
    let src = r#"(module
      (import "env" "f" (func))
      (memory 1)
      (func (param i32) (result i32)
        local.get 0
        i32.extend8_s)
      (func (param i32 i32 i32)
        (memory.copy (local.get 0) (local.get 1) (local.get 2))))"#;
    let wasm = wat(src);
    let extend = offset_of(&wasm, |op| matches!(op, wasmparser::Operator::I32Extend8S));
    let opts = Options {
        fuel: true,
        interrupt: true,
        max_memory_pages: None,
        lower_post_mvp: true,
    };
    let rewritten = instrument(&wasm, &opts).unwrap();
    let bodies = rewritten_ops(&rewritten);
    // The first body: the lowered `i32.extend8_s` (a shift pair) comes from the original, the
    // injected fuel charge does not.
    let first = &bodies[0];
    let shl = first.iter().find(|(op, _)| op == "I32Shl").unwrap().1;
    assert_eq!(
        origin(&wasm, &opts, &rewritten, shl),
        Some(Origin::Input {
            func: 1,
            offset: extend
        })
    );
    let charge = first
        .iter()
        .find(|(op, _)| op.starts_with("GlobalGet"))
        .unwrap()
        .1;
    assert_eq!(
        origin(&wasm, &opts, &rewritten, charge),
        Some(Origin::AddedTo { func: 1 })
    );
    // Bodies past the input's two are helpers (memory.copy's).
    assert!(bodies.len() > 2);
    let helper = bodies[2][0].1;
    assert_eq!(
        origin(&wasm, &opts, &rewritten, helper),
        Some(Origin::AddedFunction)
    );
    // Outside any body.
    assert_eq!(origin(&wasm, &opts, &rewritten, 3), None);
}
