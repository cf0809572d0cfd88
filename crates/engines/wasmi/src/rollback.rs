//! Undoing what a failed instantiation wrote into imported tables.
//!
//! wasmi 2.0 writes a module's element segments into the tables it imports before it finishes
//! setting up the instance (`Module::instantiate`: `initialize_table_elements`, then
//! `initialize_instance`). When a later segment does not fit, the instance stays unfinished
//! while its functions stay in those tables, and calling one that reads its globals or memory
//! panics inside wasmi with no unwinding: the process aborts. The spec keeps such writes (a
//! failed instance's functions stay callable); wasmi cannot honour that safely, so the
//! adapter puts every imported table back as it was. A trapping start function is different:
//! the instance is finished by then, so its writes stay, as the spec says.

use wasmi::{AsContext, AsContextMut, Extern, Ref, Table};
use wasmux_core::prelude::*;

/// The entries of every table a module imports, as they were before instantiation.
pub(crate) struct TableSnapshot(Vec<(Table, Vec<Ref>)>);

impl TableSnapshot {
    /// Copies the imported tables' entries: linear in their size, paid only by modules that
    /// import tables.
    pub(crate) fn take(store: impl AsContext, imports: &[Extern]) -> Self {
        let ctx = store.as_context();
        let tables = imports
            .iter()
            .filter_map(|e| match e {
                Extern::Table(t) => Some(*t),
                _ => None,
            })
            .map(|t| {
                let entries = (0..t.size(ctx)).filter_map(|i| t.get(ctx, i)).collect();
                (t, entries)
            })
            .collect();
        TableSnapshot(tables)
    }

    pub(crate) fn restore(self, mut store: impl AsContextMut) {
        for (table, entries) in self.0 {
            for (i, entry) in entries.into_iter().enumerate() {
                // The entries came from this table, so they have its type and fit.
                let _ = table.set(store.as_context_mut(), i as u64, entry);
            }
        }
    }
}
