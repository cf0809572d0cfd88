//! wasmtime's pooling allocator: instances, memories and tables taken from slots reserved
//! once, and memories initialised copy-on-write from the module's image, so instantiating
//! maps pages instead of copying them.

use wasmtime::{Config, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmux_core::PoolConfig;

/// A module may use up to this many memories and tables per instance in a pooled runtime; a
/// slot is reserved for each, so the pool's address space grows with them.
pub(crate) const MEMORIES_PER_MODULE: u32 = 4;
pub(crate) const TABLES_PER_MODULE: u32 = 8;
/// Elements per table slot: enough for large programs (CPython's table has ~10,000).
pub(crate) const TABLE_ELEMENTS: usize = 100_000;
/// Instance metadata per slot (wasmtime's `VMContext`, which grows with functions and
/// globals); the default of 1 MiB is too small for large programs.
const CORE_INSTANCE_SIZE: usize = 16 << 20;

pub(crate) fn configure(config: &mut Config, pool: &PoolConfig) {
    let mut pooling = PoolingAllocationConfig::default();
    let slots = pool.slots.max(1);
    pooling
        .total_core_instances(slots)
        .total_memories(slots.saturating_mul(MEMORIES_PER_MODULE))
        .total_tables(slots.saturating_mul(TABLES_PER_MODULE))
        .total_gc_heaps(slots)
        .max_memories_per_module(MEMORIES_PER_MODULE)
        .max_tables_per_module(TABLES_PER_MODULE)
        .table_elements(TABLE_ELEMENTS)
        .max_core_instance_size(CORE_INSTANCE_SIZE);
    if let Some(bytes) = pool.max_memory_bytes {
        // Rounded up to whole pages, as memories grow by pages.
        let bytes = bytes.div_ceil(65536).saturating_mul(65536);
        pooling.max_memory_size(usize::try_from(bytes).unwrap_or(usize::MAX));
    }
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    // The default, said here because the pool's speed depends on it.
    config.memory_init_cow(true);
}
