//! Mutable globals the host creates (`Store::new_global`), shared by wasm3 instances although
//! every wasm3 instance keeps its own globals: each importing instance's slot mirrors one value
//! of the store's, copied in when a call enters the instance and out when it leaves it. Only one
//! instance of a store runs at a time and every entry and exit passes through the adapter (a
//! call from the host, a call into another instance's runtime), so no write is ever lost. This
//! is how a store's one fuel tank reaches every instance on wasm3.

use std::cell::{Cell, RefCell};
use std::ptr;
use wasm3::wasm3_sys as ffi;

/// The store's side: the raw 8 bytes of each host-created mutable global.
#[derive(Default)]
pub(crate) struct Cells(RefCell<Vec<u64>>);

impl Cells {
    pub(crate) fn add(&self, bits: u64) -> usize {
        let mut cells = self.0.borrow_mut();
        cells.push(bits);
        cells.len() - 1
    }

    pub(crate) fn get(&self, cell: usize) -> u64 {
        self.0.borrow()[cell]
    }
}

/// An instance's side: which of its global slots mirror which cell.
pub(crate) struct Mirrors {
    module: Cell<ffi::IM3Module>,
    slots: RefCell<Vec<(usize, u32)>>,
}

impl Default for Mirrors {
    fn default() -> Self {
        Mirrors {
            module: Cell::new(ptr::null_mut()),
            slots: RefCell::default(),
        }
    }
}

impl Mirrors {
    /// Records that global `index` of `module` mirrors `cell`, and gives it the cell's value.
    ///
    /// # Safety
    /// `module` is parsed and outlives these mirrors; `index` is one of its globals.
    pub(crate) unsafe fn bind(
        &self,
        module: ffi::IM3Module,
        cell: usize,
        index: u32,
        cells: &Cells,
    ) {
        self.module.set(module);
        write(module, index, cells.get(cell));
        self.slots.borrow_mut().push((cell, index));
    }

    /// Before this instance's code runs: its slots take the store's values.
    ///
    /// # Safety
    /// The module given to [`Mirrors::bind`] is still loaded.
    pub(crate) unsafe fn enter(&self, cells: &Cells) {
        for &(cell, index) in self.slots.borrow().iter() {
            write(self.module.get(), index, cells.get(cell));
        }
    }

    /// After this instance's code ran (returned, trapped, or called out): the store takes the
    /// values of its slots.
    ///
    /// # Safety
    /// As [`Mirrors::enter`].
    pub(crate) unsafe fn leave(&self, cells: &Cells) {
        let mut values = cells.0.borrow_mut();
        for &(cell, index) in self.slots.borrow().iter() {
            values[cell] = read(self.module.get(), index);
        }
    }
}

/// # Safety
/// `module` is parsed and `index` is one of its globals (wasm3 keeps each in 8 bytes).
unsafe fn write(module: ffi::IM3Module, index: u32, bits: u64) {
    let slot = (*module).globals.add(index as usize);
    ptr::addr_of_mut!((*slot).__bindgen_anon_1)
        .cast::<u64>()
        .write_unaligned(bits);
}

/// # Safety
/// As [`write`].
unsafe fn read(module: ffi::IM3Module, index: u32) -> u64 {
    let slot = (*module).globals.add(index as usize);
    ptr::addr_of!((*slot).__bindgen_anon_1)
        .cast::<u64>()
        .read_unaligned()
}
