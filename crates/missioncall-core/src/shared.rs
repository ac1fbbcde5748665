//! A setting shared by the session manager and every [`crate::calls::Calls`] it builds, so
//! that a change in Settings applies to the next confirmation at once (the caller identity,
//! the calling hours).

use std::sync::{Arc, RwLock};

/// A value many holders read and one replaces for all of them.
#[derive(Clone, Debug, Default)]
pub struct Shared<T>(Arc<RwLock<T>>);

impl<T: Clone> Shared<T> {
    /// A handle holding `value`.
    pub fn new(value: T) -> Self {
        Shared(Arc::new(RwLock::new(value)))
    }

    /// The value now.
    pub fn get(&self) -> T {
        self.0
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Replaces the value for every holder of this handle.
    pub fn set(&self, value: T) {
        match self.0.write() {
            Ok(mut v) => *v = value,
            Err(p) => *p.into_inner() = value,
        }
    }
}
