//! The disk quota: how many bytes a guest may add to the host's filesystem, across all its
//! mounts. Growing a file (writing past its end, `fd_allocate`, a larger size) uses it up;
//! shrinking, truncating or unlinking one gives the bytes back. Past the quota, `ENOSPC`.

use crate::errno::Errno;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskQuota {
    limit: u64,
    used: u64,
}

impl DiskQuota {
    pub fn new(limit: u64) -> Self {
        DiskQuota { limit, used: 0 }
    }

    /// Whether a file of `len` bytes may grow to `end`; `ENOSPC` when that passes the quota.
    pub fn check(&self, len: u64, end: u64) -> Result<(), Errno> {
        let growth = end.saturating_sub(len);
        if self.used.saturating_add(growth) > self.limit {
            return Err(Errno::NOSPC);
        }
        Ok(())
    }

    /// A file grew from `len` to `end` (or shrank, when `end` is smaller).
    pub fn resized(&mut self, len: u64, end: u64) {
        if end >= len {
            self.used = self.used.saturating_add(end - len);
        } else {
            self.used = self.used.saturating_sub(len - end);
        }
    }

    /// Checks that `file`, `len` bytes long, may have `add` bytes written at `pos`; on
    /// success, what [`DiskQuota::written`] needs afterwards.
    pub fn before_write(
        quota: &Option<DiskQuota>,
        file: &std::fs::File,
        pos: u64,
        add: u64,
    ) -> Result<Option<u64>, Errno> {
        let Some(q) = quota else {
            return Ok(None);
        };
        let len = file.metadata()?.len();
        q.check(len, pos.saturating_add(add))?;
        Ok(Some(len))
    }

    /// Charges a write of `moved` bytes at `pos` to a file that was `len` bytes long.
    pub fn written(quota: &mut Option<DiskQuota>, len: Option<u64>, pos: u64, moved: usize) {
        if let (Some(q), Some(len)) = (quota, len) {
            q.resized(len, len.max(pos + moved as u64));
        }
    }

    /// The rule refusing a growth, for the audit.
    pub fn rule(&self) -> String {
        format!("limits disk: {} bytes", self.limit)
    }
}
