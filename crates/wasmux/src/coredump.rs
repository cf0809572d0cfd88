//! Core dumps of a trapped group, in the tool-conventions format
//! (<https://github.com/WebAssembly/tool-conventions/blob/main/Coredump.md>): a wasm module
//! whose memory and data sections hold the guest's memory at the trap, and whose custom
//! sections `core`, `coremodules`, `coreinstances` and `corestack` say what ran and where.
//!
//! Limits: frames carry no locals and no operand stack (no engine wasmux drives reports
//! them), globals are not recorded, and of the memories only the one host functions see (the
//! export `memory`, else the first exported) of the instance called is dumped.

use crate::group::Group;
use std::collections::HashMap;
use wasm_encoder::{
    ConstExpr, CoreDumpInstancesSection, CoreDumpModulesSection, CoreDumpSection,
    CoreDumpStackSection, DataSection, MemorySection, MemoryType, Module,
};
use wasmparser::{Parser, Payload};
use wasmux_core::{Backtrace, InstanceId};

const PAGE: usize = 65536;
/// Memory is dumped in chunks of this size with their zero bytes at both ends trimmed, as
/// wasmtime does: small for mostly empty memories, and few enough segments for any reader.
const CHUNK: usize = 4096;

impl Group {
    /// The core dump of a trap out of a call to `called` whose frames are `backtrace`
    /// (already named in the users' modules, as [`Group::call`] leaves them).
    pub(crate) fn core_dump(&mut self, called: InstanceId, backtrace: &Backtrace) -> Vec<u8> {
        let mut dump = Module::new();
        let process = self
            .modules
            .iter()
            .find(|(id, _)| *id == called)
            .map_or("<module>", |(_, p)| p.code.name.as_str());
        dump.section(&CoreDumpSection::new(process));

        let memory = self.store.memory_data(called);
        let mut memories = MemorySection::new();
        let mut data = DataSection::new();
        if let Some(memory) = &memory {
            memories.memory(MemoryType {
                minimum: memory.len().div_ceil(PAGE) as u64,
                maximum: None,
                memory64: false,
                shared: false,
                page_size_log2: None,
            });
            for (i, chunk) in memory.chunks(CHUNK).enumerate() {
                let Some(start) = chunk.iter().position(|&b| b != 0) else {
                    continue;
                };
                let end = chunk.iter().rposition(|&b| b != 0).map_or(start, |e| e + 1);
                let offset = ConstExpr::i32_const((i * CHUNK + start) as u32 as i32);
                data.active(0, &offset, chunk[start..end].iter().copied());
            }
        }
        dump.section(&memories);
        dump.section(&data);

        // One module per prepared module, one instance per instance of the group.
        let mut modules = CoreDumpModulesSection::new();
        let mut module_index: Vec<u32> = Vec::new();
        let mut seen: Vec<*const crate::prepared::Prepared> = Vec::new();
        for (_, prepared) in &self.modules {
            let ptr = std::sync::Arc::as_ptr(prepared);
            let index = match seen.iter().position(|p| *p == ptr) {
                Some(i) => i as u32,
                None => {
                    seen.push(ptr);
                    modules.module(&prepared.code.name);
                    seen.len() as u32 - 1
                }
            };
            module_index.push(index);
        }
        dump.section(&modules);
        let mut instances = CoreDumpInstancesSection::new();
        for ((id, _), &module) in self.modules.iter().zip(&module_index) {
            let dumped: Vec<u32> = match (*id == called, &memory) {
                (true, Some(_)) => vec![0],
                _ => Vec::new(),
            };
            instances.instance(module, dumped, Vec::<u32>::new());
        }
        dump.section(&instances);

        let instance_index = |id: InstanceId| {
            self.modules
                .iter()
                .position(|(m, _)| *m == id)
                .map(|i| i as u32)
        };
        let mut body_starts: HashMap<u32, HashMap<u32, usize>> = HashMap::new();
        let mut stack = CoreDumpStackSection::new("main");
        for frame in &backtrace.frames {
            // A function wasmux added has no index in the user's module.
            let Some(func) = frame.func else { continue };
            let instance = frame
                .instance
                .or(Some(called))
                .and_then(instance_index)
                .unwrap_or(0);
            let starts = body_starts.entry(instance).or_insert_with(|| {
                self.modules
                    .get(instance as usize)
                    .and_then(|(_, p)| p.code.source.as_deref())
                    .map(body_starts_of)
                    .unwrap_or_default()
            });
            let code_offset = frame
                .offset
                .zip(starts.get(&func))
                .and_then(|(at, start)| at.checked_sub(*start))
                .map_or(0, |o| o as u32);
            stack.frame(instance, func, code_offset, [], []);
        }
        dump.section(&stack);
        dump.finish()
    }
}

/// Where each defined function's body starts (its locals), by function index.
fn body_starts_of(wasm: &[u8]) -> HashMap<u32, usize> {
    let mut starts = HashMap::new();
    let mut next = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(imports)) => {
                for import in imports.into_imports().flatten() {
                    if matches!(
                        import.ty,
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)
                    ) {
                        next += 1;
                    }
                }
            }
            Ok(Payload::CodeSectionEntry(body)) => {
                starts.insert(next, body.range().start);
                next += 1;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    starts
}
