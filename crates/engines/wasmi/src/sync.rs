//! The adapter's one kind of lock, from the standard library where there is one.

use core::ops::DerefMut;

#[cfg(feature = "std")]
pub struct Mutex<T>(std::sync::Mutex<T>);

/// Without an operating system to park a thread on, a spin lock; the adapter holds its locks
/// only while it looks up or prepares a module.
#[cfg(not(feature = "std"))]
pub struct Mutex<T>(spin::Mutex<T>);

impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        #[cfg(feature = "std")]
        return Mutex(std::sync::Mutex::new(value));
        #[cfg(not(feature = "std"))]
        return Mutex(spin::Mutex::new(value));
    }

    /// The value, also after a panic while another caller held it: what the adapter keeps
    /// under a lock is a cache, complete after every push.
    pub fn lock(&self) -> impl DerefMut<Target = T> + '_ {
        #[cfg(feature = "std")]
        return self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        #[cfg(not(feature = "std"))]
        return self.0.lock();
    }
}
