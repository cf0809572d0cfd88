//! The CPU features that matter to the engines, detected at run time by the standard library.

use serde::Serialize;

/// One CPU feature and whether this CPU has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CpuFeature {
    /// The name the standard library's detection macros use: `sse4.1`, `avx2`, `neon`.
    pub name: &'static str,
    pub present: bool,
    /// What depends on it, for people.
    pub used_for: &'static str,
}

/// The features of this CPU that engines look at; none on architectures without any listed.
pub fn detect() -> Vec<CpuFeature> {
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let mut add = |name, present, used_for| {
            out.push(CpuFeature {
                name,
                present,
                used_for,
            })
        };
        add(
            "sse4.1",
            has!("sse4.1"),
            "Cranelift: float rounding in one instruction (a host call without it)",
        );
        add(
            "sse4.2",
            has!("sse4.2"),
            "wasmer's Singlepass: its x86_64 code needs SSE4.2 or AVX",
        );
        add("popcnt", has!("popcnt"), "popcnt in one instruction");
        add("lzcnt", has!("lzcnt"), "clz in one instruction");
        add("bmi1", has!("bmi1"), "ctz in one instruction");
        add(
            "avx",
            has!("avx"),
            "Singlepass's encoding of choice; Winch's SIMD",
        );
        add("avx2", has!("avx2"), "Winch's SIMD (some of it needs AVX2)");
        add(
            "fma",
            has!("fma"),
            "relaxed SIMD's fused multiply-add in Cranelift",
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as has;
        let mut add = |name, present, used_for| {
            out.push(CpuFeature {
                name,
                present,
                used_for,
            })
        };
        add("neon", has!("neon"), "SIMD (every ARMv8-A CPU has it)");
        add(
            "lse",
            has!("lse"),
            "atomics in one instruction (threads proposal)",
        );
    }
    out
}
