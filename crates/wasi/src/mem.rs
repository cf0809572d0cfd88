//! Bounds-checked access to guest memory. Every pointer a guest hands over goes through here,
//! so a bad one becomes `EFAULT` and never a host panic.

use crate::errno::Errno;

/// Upper bound on iovec and subscription counts, as POSIX's `IOV_MAX`: a guest asking for more
/// gets `EINVAL` before the host allocates anything for them.
pub const MAX_VECTORS: u32 = 1024;

/// The bytes the `(buf, len)` pairs of an iovec array cover together.
pub fn iovecs_len(iovs: &[(u32, u32)]) -> u64 {
    iovs.iter().map(|&(_, len)| len as u64).sum()
}

pub struct Mem<'a> {
    bytes: Option<&'a mut [u8]>,
    /// Set when the call needed memory the guest does not lend (it exports none as
    /// `memory`): the call then fails as a whole, the same on every engine.
    missing: std::cell::Cell<bool>,
}

impl<'a> Mem<'a> {
    pub fn new(bytes: Option<&'a mut [u8]>) -> Self {
        Mem {
            bytes,
            missing: std::cell::Cell::new(false),
        }
    }

    /// Whether the call tried to use memory the guest does not export.
    pub fn missing(&self) -> bool {
        self.missing.get()
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, Errno> {
        if self.bytes.is_none() {
            self.missing.set(true);
            return Err(Errno::FAULT);
        }
        let size = self.bytes.as_ref().map_or(0, |b| b.len()) as u64;
        let end = ptr as u64 + len as u64;
        if end > size {
            return Err(Errno::FAULT);
        }
        Ok(ptr as usize..end as usize)
    }

    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let range = self.range(ptr, len)?;
        let bytes = self.bytes.as_deref().ok_or(Errno::FAULT)?;
        Ok(&bytes[range])
    }

    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let range = self.range(ptr, len)?;
        let bytes = self.bytes.as_deref_mut().ok_or(Errno::FAULT)?;
        Ok(&mut bytes[range])
    }

    /// Checks that `count` records of `size` bytes fit at `ptr`, without overflow.
    pub fn check_array(&self, ptr: u32, count: u32, size: u32) -> Result<(), Errno> {
        let total = count as u64 * size as u64;
        let total = u32::try_from(total).map_err(|_| Errno::FAULT)?;
        self.range(ptr, total).map(|_| ())
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        let b = self.slice(ptr, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        let b = self.slice(ptr, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        let b = self.slice(ptr, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::FAULT)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A guest string (WASI paths are UTF-8; anything else is `EILSEQ`).
    pub fn str(&self, ptr: u32, len: u32) -> Result<String, Errno> {
        let bytes = self.slice(ptr, len)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| Errno::ILSEQ)
    }

    /// The `(buf, len)` pairs of an iovec array, each checked against memory; a total that
    /// a `size` cannot count is `EINVAL`, as an overflowing `writev` is in POSIX.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        if count > MAX_VECTORS {
            return Err(Errno::INVAL);
        }
        self.check_array(ptr, count, 8)?;
        let iovs = (0..count)
            .map(|i| {
                let at = ptr + i * 8;
                let (buf, len) = (self.read_u32(at)?, self.read_u32(at + 4)?);
                self.range(buf, len)?;
                Ok((buf, len))
            })
            .collect::<Result<Vec<_>, Errno>>()?;
        if iovecs_len(&iovs) > u32::MAX as u64 {
            return Err(Errno::INVAL);
        }
        Ok(iovs)
    }
}
