//! A runtime's instance pool as every engine sees it: at most `slots` instances alive at once,
//! each starting from the module's initial state. On wasmtime the slots are its pooling
//! allocator's; on the other engines each instance is made fresh, which is exact by
//! construction, and only the slot count is kept here. Both refuse the instance past the last
//! slot with the same error.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wasmux_core::Error;

#[derive(Debug)]
pub(crate) struct Slots {
    total: u32,
    in_use: Arc<AtomicU32>,
}

/// One slot, given back when the instance holding it is dropped.
#[derive(Debug)]
pub(crate) struct Slot(Arc<AtomicU32>);

impl Slots {
    pub(crate) fn new(total: u32) -> Slots {
        Slots {
            total,
            in_use: Arc::default(),
        }
    }

    pub(crate) fn take(&self) -> Result<Slot, Error> {
        let taken = self
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.total).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(Slot(self.in_use.clone())),
            Err(_) => Err(Error::Limit(format!(
                "all {} instance slots of the pool are in use; drop an instance or build the runtime with a larger pool",
                self.total
            ))),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
