//! Tunables that change only the guest stack size and otherwise behave as wasmer's defaults.

use std::ptr::NonNull;
use wasmer::sys::vm::{
    MemoryError, MemoryStyle, TableStyle, VMConfig, VMMemory, VMMemoryDefinition, VMTable,
    VMTableDefinition,
};
use wasmer::sys::{BaseTunables, Tunables};
use wasmer::{MemoryType, TableType};

/// wasmer runs guest code on a stack of its own whose size comes from `Tunables::vmconfig`;
/// everything else is delegated so compiled code and instances agree on memory layout.
pub struct StackTunables {
    base: BaseTunables,
    config: VMConfig,
}

impl StackTunables {
    pub fn new(stack_bytes: usize) -> Self {
        StackTunables {
            base: BaseTunables::default(),
            config: VMConfig {
                wasm_stack_size: Some(stack_bytes),
            },
        }
    }
}

impl Tunables for StackTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(memory)
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> Result<VMMemory, MemoryError> {
        self.base.create_host_memory(ty, style)
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        // SAFETY: the caller's guarantees are passed on unchanged.
        unsafe {
            self.base
                .create_vm_memory(ty, style, vm_definition_location)
        }
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        // SAFETY: the caller's guarantees are passed on unchanged.
        unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
    }

    fn vmconfig(&self) -> &VMConfig {
        &self.config
    }
}
