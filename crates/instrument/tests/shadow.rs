//! The shadow stack on wasmi: after a trap, the frames the guest recorded are exactly the calls
//! that were running, at the byte offsets of the input.

mod common;

use common::{assert_valid, host_trap, instantiate, wat, HostTrap, Running};
use wasmi::{TrapCode, Val};
use wasmparser::{Operator, Parser, Payload};
use wasmux_instrument::{
    decode_shadow_stack, instrument_reported, origin, shadow_stack, Added, InstrumentError,
    Options, Origin, ShadowFrame, ShadowStack, SHADOW_DEPTH_EXPORT, SHADOW_FRAME_EXPORT,
    SHADOW_RESET_EXPORT, SHADOW_SITE_EXPORT, SHADOW_SLOTS,
};

/// `main` calls `a` calls `b`, which fails in the way its argument picks (or returns 42).
const TRAPS: &str = r#"(module
  (import "env" "fail" (func $fail))
  (type $v (func))
  (memory 1)
  (table 2 funcref)
  (func $main (export "main") (param $how i32) (result i32)
    (call $a (local.get $how)))
  (func $a (param $how i32) (result i32)
    (i32.add (i32.const 1) (call $b (local.get $how))))
  (func $b (param $how i32) (result i32)
    (block $normal
      (block $host
        (block $null
          (block $div
            (block $oob
              (block $unreachable
                (br_table $unreachable $oob $div $null $host $normal (local.get $how)))
              unreachable)
            (return (i32.load (i32.const 65536))))
          (return (i32.div_s (i32.const 1) (i32.sub (local.get $how) (i32.const 2)))))
        (call_indirect (type $v) (i32.const 1)))
      (call $fail))
    (i32.const 42))
  (func $rec (export "rec") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then unreachable)
      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get $n) (i32.const 1)))))))
  (func $sum (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (local.get $n) (call $sum (i32.sub (local.get $n) (i32.const 1)))))))
  (func $deep_then_trap (export "deep_then_trap") (result i32)
    (drop (call $sum (i32.const 200)))
    (call $b (i32.const 0)))
  (func $tail_a (param $how i32) (result i32)
    (return_call $b (local.get $how)))
  (func $tail_main (export "tail_main") (param $how i32) (result i32)
    (call $tail_a (local.get $how)))
  (func $pair (export "pair") (param $x i32) (result i32 i32)
    (local.get $x) (i32.const 10)
    (br_if 0 (i32.eqz (local.get $x)))
    (drop) (drop)
    (block $b (result i32 i32)
      (i32.const 7) (i32.const 8)
      (br_table $b 1 (i32.sub (local.get $x) (i32.const 1))))
    (i32.add) (i32.const 100))
  (func $pair_then_trap (export "pair_then_trap") (result i32)
    (drop (call $pair (i32.const 2)))
    (drop)
    (call $b (i32.const 0)))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $leaf (export "leaf") (param $x i32) (result i32)
    (i32.mul (local.get $x) (i32.const 3))))"#;

const MAIN: u32 = 1;
const A: u32 = 2;
const B: u32 = 3;
const REC: u32 = 4;
const DEEP_THEN_TRAP: u32 = 6;
const TAIL_A: u32 = 7;
const TAIL_MAIN: u32 = 8;
const PAIR_THEN_TRAP: u32 = 10;
const LEAF: u32 = 12;

/// Byte offset of the `nth` instruction of function `func` (imports counted) that `pick`
/// accepts.
fn offset_of(wasm: &[u8], func: u32, nth: usize, pick: impl Fn(&Operator) -> bool) -> u32 {
    let mut imported = 0;
    let mut body = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ImportSection(s) => {
                imported = s
                    .into_imports()
                    .filter(|i| matches!(i.as_ref().unwrap().ty, wasmparser::TypeRef::Func(_)))
                    .count() as u32
            }
            Payload::CodeSectionEntry(f) => {
                if imported + body == func {
                    let mut ops = f.get_operators_reader().unwrap();
                    let mut seen = 0;
                    while !ops.eof() {
                        let (op, offset) = ops.read_with_offset().unwrap();
                        if pick(&op) {
                            if seen == nth {
                                return offset as u32;
                            }
                            seen += 1;
                        }
                    }
                }
                body += 1;
            }
            _ => {}
        }
    }
    panic!("no such instruction in function {func}");
}

fn call_to(callee: u32) -> impl Fn(&Operator) -> bool {
    move |op| matches!(op, Operator::Call { function_index } | Operator::ReturnCall { function_index } if *function_index == callee)
}

fn frame(func: u32, offset: u32) -> ShadowFrame {
    ShadowFrame { func, offset }
}

fn read_stack(vm: &mut Running) -> ShadowStack {
    let depth = vm.call_i32(SHADOW_DEPTH_EXPORT, &[]).unwrap();
    let site = vm.call_i32(SHADOW_SITE_EXPORT, &[]).unwrap();
    let stack = decode_shadow_stack(depth, site, |k| {
        vm.call(SHADOW_FRAME_EXPORT, &[Val::I32(k as i32)])
            .map(|r| r[0].i64().unwrap())
    })
    .unwrap();
    vm.call(SHADOW_RESET_EXPORT, &[]).unwrap();
    stack
}

fn depth(vm: &mut Running) -> i32 {
    vm.call_i32(SHADOW_DEPTH_EXPORT, &[]).unwrap()
}

/// The bodies of the defined functions, as bytes.
fn bodies(wasm: &[u8]) -> Vec<&[u8]> {
    Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p.unwrap() {
            Payload::CodeSectionEntry(f) => Some(&wasm[f.range()]),
            _ => None,
        })
        .collect()
}

fn shadowed(input: &[u8]) -> Vec<u8> {
    let out = shadow_stack(input, &Added::default()).unwrap();
    assert_valid(&out.wasm);
    out.wasm
}

#[test]
fn every_kind_of_trap_shows_the_three_frames() {
    let input = wat(TRAPS);
    let mut vm = instantiate(&shadowed(&input)).unwrap();
    let main_calls_a = offset_of(&input, MAIN, 0, call_to(A));
    let a_calls_b = offset_of(&input, A, 0, call_to(B));
    let unreachable = offset_of(&input, B, 0, |op| matches!(op, Operator::Unreachable));
    let load = offset_of(&input, B, 0, |op| matches!(op, Operator::I32Load { .. }));
    let div = offset_of(&input, B, 0, |op| matches!(op, Operator::I32DivS));
    let null = offset_of(&input, B, 0, |op| {
        matches!(op, Operator::CallIndirect { .. })
    });
    let host = offset_of(&input, B, 0, call_to(0));
    let cases = [
        (0, unreachable, Some(TrapCode::UnreachableCodeReached)),
        (1, load, Some(TrapCode::MemoryOutOfBounds)),
        (2, div, Some(TrapCode::IntegerDivisionByZero)),
        (3, null, Some(TrapCode::IndirectCallToNull)),
        (4, host, None),
    ];
    for (how, at, code) in cases {
        let err = vm.call_i32("main", &[Val::I32(how)]).unwrap_err();
        match code {
            Some(code) => assert_eq!(err.as_trap_code(), Some(code), "how = {how}: {err}"),
            None => assert_eq!(host_trap(&err), Some(HostTrap::Failed)),
        }
        assert_eq!(
            read_stack(&mut vm),
            ShadowStack {
                frames: vec![frame(B, at), frame(A, a_calls_b), frame(MAIN, main_calls_a)],
                omitted: 0
            },
            "how = {how}"
        );
        assert_eq!(depth(&mut vm), 0, "reset");
    }
    // A normal return leaves nothing behind, and the results are those of the input.
    assert_eq!(vm.call_i32("main", &[Val::I32(5)]).unwrap(), 43);
    assert_eq!(depth(&mut vm), 0);
    // Without a reset, the next call's frames stack on the ones a trap left.
    vm.call_i32("main", &[Val::I32(0)]).unwrap_err();
    vm.call_i32("main", &[Val::I32(0)]).unwrap_err();
    assert_eq!(depth(&mut vm), 6);
    vm.call(SHADOW_RESET_EXPORT, &[]).unwrap();
}

#[test]
fn deep_recursion_keeps_the_innermost_frames() {
    let input = wat(TRAPS);
    let mut vm = instantiate(&shadowed(&input)).unwrap();
    let unreachable = offset_of(&input, REC, 0, |op| matches!(op, Operator::Unreachable));
    let recurse = offset_of(&input, REC, 0, call_to(REC));
    vm.call_i32("rec", &[Val::I32(100)]).unwrap_err();
    let stack = read_stack(&mut vm);
    // 101 frames of `rec`: the one that trapped and the 100 that called.
    assert_eq!(stack.omitted, 101 - u64::from(SHADOW_SLOTS));
    let mut expected = vec![frame(REC, unreachable)];
    expected.resize(SHADOW_SLOTS as usize, frame(REC, recurse));
    assert_eq!(stack.frames, expected);

    // Exactly as deep as the ring: nothing omitted.
    vm.call_i32("rec", &[Val::I32(SHADOW_SLOTS as i32 - 1)])
        .unwrap_err();
    let stack = read_stack(&mut vm);
    assert_eq!(
        (stack.frames.len(), stack.omitted),
        (SHADOW_SLOTS as usize, 0)
    );
}

#[test]
fn a_stack_overflow_shows_the_recursion() {
    let input = wat(r#"(module (func $inf (export "inf") (call $inf)))"#);
    let mut vm = instantiate(&shadowed(&input)).unwrap();
    let err = vm.call("inf", &[]).unwrap_err();
    assert_eq!(err.as_trap_code(), Some(TrapCode::StackOverflow));
    let stack = read_stack(&mut vm);
    let recurse = offset_of(&input, 0, 0, call_to(0));
    assert_eq!(stack.frames, vec![frame(0, recurse); SHADOW_SLOTS as usize]);
    assert!(stack.omitted > 0);
}

#[test]
fn invalid_input_is_an_error() {
    let mut wasm = wat(TRAPS);
    wasm.truncate(wasm.len() / 2);
    let err = shadow_stack(&wasm, &Added::default()).unwrap_err();
    assert!(matches!(err, InstrumentError::Parse { .. }), "{err}");
}

#[test]
fn a_deep_call_that_returned_leaves_the_outer_slots_intact() {
    // `sum` recurses 200 deep and returns, overwriting every slot on the way down, then `b`
    // traps two levels down.
    let input = wat(TRAPS);
    let mut vm = instantiate(&shadowed(&input)).unwrap();
    vm.call_i32("deep_then_trap", &[]).unwrap_err();
    assert_eq!(
        read_stack(&mut vm).frames,
        [
            frame(
                B,
                offset_of(&input, B, 0, |op| matches!(op, Operator::Unreachable))
            ),
            frame(
                DEEP_THEN_TRAP,
                offset_of(&input, DEEP_THEN_TRAP, 0, call_to(B))
            ),
        ]
    );
}

#[test]
fn a_tail_call_takes_the_place_of_its_caller() {
    let input = wat(TRAPS);
    let mut vm = instantiate(&shadowed(&input)).unwrap();
    vm.call_i32("tail_main", &[Val::I32(0)]).unwrap_err();
    assert_eq!(
        read_stack(&mut vm).frames,
        [
            frame(
                B,
                offset_of(&input, B, 0, |op| matches!(op, Operator::Unreachable))
            ),
            frame(TAIL_MAIN, offset_of(&input, TAIL_MAIN, 0, call_to(TAIL_A))),
        ]
    );
    assert_eq!(vm.call_i32("tail_main", &[Val::I32(5)]).unwrap(), 42);
    assert_eq!(depth(&mut vm), 0);
}

#[test]
fn branches_to_the_function_label_are_exits() {
    let input = wat(TRAPS);
    let mut plain = instantiate(&input).unwrap();
    let mut vm = instantiate(&shadowed(&input)).unwrap();
    for x in 0..4 {
        let want = plain.call("pair", &[Val::I32(x)]).unwrap();
        let got = vm.call("pair", &[Val::I32(x)]).unwrap();
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "pair({x})");
        assert_eq!(depth(&mut vm), 0, "pair({x})");
    }
    vm.call_i32("pair_then_trap", &[]).unwrap_err();
    assert_eq!(
        read_stack(&mut vm).frames,
        [
            frame(
                B,
                offset_of(&input, B, 0, |op| matches!(op, Operator::Unreachable))
            ),
            frame(
                PAIR_THEN_TRAP,
                offset_of(&input, PAIR_THEN_TRAP, 0, call_to(B))
            ),
        ]
    );
}

#[test]
fn results_are_unchanged() {
    let input = wat(TRAPS);
    let mut plain = instantiate(&input).unwrap();
    let mut vm = instantiate(&shadowed(&input)).unwrap();
    for n in [0, 1, 2, 10, 20] {
        assert_eq!(
            vm.call_i32("fib", &[Val::I32(n)]).unwrap(),
            plain.call_i32("fib", &[Val::I32(n)]).unwrap()
        );
    }
    assert_eq!(vm.call_i32("fib", &[Val::I32(20)]).unwrap(), 6765);
    assert_eq!(depth(&mut vm), 0);
}

/// A user module through the limits rewrite (fuel, interrupts, lowering), then the shadow
/// stack: its frames map back to the user's functions and offsets.
const USER: &str = r#"(module
  (import "env" "fail" (func $fail))
  (memory 1)
  (func $main (export "main") (param $how i32) (result i32)
    (i32.extend8_s (call $a (local.get $how))))
  (func $a (param $how i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (i32.add (local.get $i) (call $b (local.get $how))))
  (func $b (param $how i32) (result i32)
    (if (i32.eq (local.get $how) (i32.const 1))
      (then (memory.fill (i32.const 65530) (i32.const 0) (i32.const 100))))
    (if (i32.eq (local.get $how) (i32.const 2))
      (then (call $fail)))
    (if (i32.eq (local.get $how) (i32.const 3))
      (then (drop (i32.trunc_sat_f32_s (f32.const 1))) unreachable))
    (i32.const 200)))"#;

const LIMITS: Options = Options {
    fuel: true,
    interrupt: true,
    max_memory_pages: Some(16),
    lower_post_mvp: true,
};

#[test]
fn composed_with_the_limits_rewrite_frames_map_back_to_the_user_module() {
    let user = wat(USER);
    let limits = instrument_reported(&user, &LIMITS).unwrap();
    let out = shadow_stack(&limits.wasm, &limits.added).unwrap();
    assert_valid(&out.wasm);
    // The lowered input stays MVP.
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM1)
        .validate_all(&out.wasm)
        .expect("shadowed lowered module is MVP");
    let both = limits.added.funcs.then(&out.added.funcs);

    let (main, a, b) = (1, 2, 3);
    let main_calls_a = offset_of(&user, main, 0, call_to(a));
    let a_calls_b = offset_of(&user, a, 0, call_to(b));
    let cases = [
        (
            1,
            offset_of(&user, b, 0, |op| matches!(op, Operator::MemoryFill { .. })),
        ),
        (2, offset_of(&user, b, 0, call_to(0))),
        (
            3,
            offset_of(&user, b, 0, |op| matches!(op, Operator::Unreachable)),
        ),
    ];
    let mut vm = instantiate(&out.wasm).unwrap();
    vm.set_fuel(1_000_000);
    for (how, at) in cases {
        vm.call_i32("main", &[Val::I32(how)]).unwrap_err();
        let stack = read_stack(&mut vm);
        let user_frames: Vec<(u32, Origin)> = stack
            .frames
            .iter()
            .map(|f| {
                assert_eq!(both.get(f.func), limits.added.funcs.get(f.func));
                let func = limits.added.funcs.get(f.func).expect("a user function");
                let from = origin(&user, &LIMITS, &limits.wasm, f.offset as usize);
                (func, from.expect("inside a body"))
            })
            .collect();
        let input = |func: u32, offset: u32| {
            let offset = offset as usize;
            (func, Origin::Input { func, offset })
        };
        assert_eq!(
            user_frames,
            [input(b, at), input(a, a_calls_b), input(main, main_calls_a)],
            "how = {how}"
        );
    }
    // The shadow stack costs no fuel and changes no result.
    let mut plain = instantiate(&limits.wasm).unwrap();
    plain.set_fuel(1_000_000);
    vm.set_fuel(1_000_000);
    assert_eq!(
        vm.call_i32("main", &[Val::I32(0)]).unwrap(),
        plain.call_i32("main", &[Val::I32(0)]).unwrap()
    );
    assert_eq!(vm.fuel(), plain.fuel());
    assert_eq!(depth(&mut vm), 0);
}

#[test]
fn helpers_of_the_earlier_rewrite_are_left_alone() {
    let user = wat(USER);
    let limits = instrument_reported(&user, &LIMITS).unwrap();
    let out = shadow_stack(&limits.wasm, &limits.added).unwrap();
    // The rewrite appended functions and exports, and moved nothing.
    let count = |wasm: &[u8]| {
        let mut n = 0;
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::CodeSectionEntry(_) = payload.unwrap() {
                n += 1;
            }
        }
        n
    };
    let helpers = count(&out.wasm) - count(&limits.wasm);
    assert!(helpers > 0);
    let first_helper = 3 + count(&limits.wasm) as u32;
    for func in 0..first_helper {
        assert_eq!(out.added.funcs.get(func), Some(func));
    }
    assert_eq!(out.added.funcs.get(first_helper), None);
    assert!(out.added.imports.is_empty());
    assert_eq!(
        out.added.exports,
        [
            SHADOW_FRAME_EXPORT,
            SHADOW_DEPTH_EXPORT,
            SHADOW_SITE_EXPORT,
            SHADOW_RESET_EXPORT
        ]
    );
    // A function the earlier rewrite added (a lowering helper, the fuel accessors) has no
    // frame: its body is copied as it was.
    let (before, after) = (bodies(&limits.wasm), bodies(&out.wasm));
    let imported = 3;
    for (i, body) in before.iter().enumerate() {
        let untouched = limits.added.funcs.get(imported + i as u32).is_none();
        assert_eq!(after[i] == *body, untouched, "body {i}");
    }
}

#[test]
fn a_function_that_can_neither_trap_nor_call_is_left_alone() {
    let input = wat(TRAPS);
    let output = shadowed(&input);
    let (before, after) = (bodies(&input), bodies(&output));
    let leaf = (LEAF - 1) as usize;
    assert_eq!(after[leaf], before[leaf]);
    assert_ne!(after[leaf - 1], before[leaf - 1]);
    let mut vm = instantiate(&output).unwrap();
    assert_eq!(vm.call_i32("leaf", &[Val::I32(14)]).unwrap(), 42);
    assert_eq!(depth(&mut vm), 0);
}

/// What wasmi cannot run (exceptions, both encodings) still comes out valid, tail calls
/// through tables and references included.
#[test]
fn exceptions_and_indirect_tail_calls_stay_valid() {
    let input = wat(r#"(module
      (tag $e (param i32))
      (type $t (func (param i32) (result i32)))
      (table 1 funcref)
      (func $thrower (param i32) (result i32)
        (throw $e (local.get 0)))
      (func $catches_table (param i32) (result i32)
        (block $h (result i32)
          (try_table (result i32) (catch $e $h)
            (call $thrower (local.get 0))))
        (i32.div_u (i32.const 1)))
      (func $catches_legacy (param i32) (result i32)
        try (result i32)
          (call $thrower (local.get 0))
        catch $e
          (i32.load (i32.const 0))
          i32.add
        catch_all
          (i32.const 0)
        end)
      (func $tail (param i32) (result i32)
        (return_call_indirect (type $t) (local.get 0) (i32.const 0)))
      (func $tail_ref (param i32) (result i32)
        (return_call_ref $t (local.get 0) (ref.func $thrower)))
      (elem declare func $thrower)
      (memory 1))"#);
    let out = shadow_stack(&input, &Added::default()).unwrap();
    assert_valid(&out.wasm);
}
#[test]
fn a_module_already_shadowed_is_refused() {
    let once = shadowed(&wat(TRAPS));
    assert_eq!(
        shadow_stack(&once, &Added::default()).unwrap_err(),
        InstrumentError::NameClash {
            name: SHADOW_FRAME_EXPORT.to_string()
        }
    );
}

#[test]
fn a_module_without_functions_gets_the_exports() {
    let out = shadowed(&wat("(module)"));
    let mut vm = instantiate(&out).unwrap();
    assert_eq!(read_stack(&mut vm), ShadowStack::default());
}
