//! A memory budget for parsing, counted in source bytes.
//!
//! A tree-sitter tree takes 40–60 bytes of memory per byte of minified source: one 2.6 MB bundle needs about
//! 115 MB. Analysis threads that each parse such a bundle at once would multiply the peak, so large files take
//! their size from a shared budget first, and a thread that finds the budget spent moves on to other files.
use std::sync::{Condvar, Mutex, MutexGuard};

/// Bytes of large files that may be analysed at the same time.
pub const PARSE_BUDGET: u64 = 3 * 1024 * 1024;
/// Files up to this size need no share of the budget: a handful of them at once costs little.
pub const SMALL_FILE: u64 = 256 * 1024;

#[derive(Debug)]
pub struct Budget {
    left: Mutex<u64>,
    freed: Condvar,
}

/// A share of the budget, given back when dropped.
#[derive(Debug)]
pub struct Share<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    pub fn new(total: u64) -> Self {
        Self { left: Mutex::new(total), freed: Condvar::new() }
    }

    /// A share for a file of `size` bytes, if the budget has room now. A file larger than the whole budget
    /// needs all of it. Small files always get an empty share.
    pub fn try_take(&self, size: u64) -> Option<Share<'_>> {
        let bytes = self.need(size);
        let mut left = self.lock();
        (*left >= bytes).then(|| {
            *left -= bytes;
            Share { budget: self, bytes }
        })
    }

    /// A share for a file of `size` bytes, waiting until other shares are given back.
    pub fn take(&self, size: u64) -> Share<'_> {
        let bytes = self.need(size);
        let mut left = self.freed.wait_while(self.lock(), |left| *left < bytes).unwrap_or_else(|e| e.into_inner());
        *left -= bytes;
        Share { budget: self, bytes }
    }

    fn need(&self, size: u64) -> u64 {
        if size <= SMALL_FILE { 0 } else { size.min(PARSE_BUDGET) }
    }

    /// A worker that panicked while holding the lock left the count consistent: every change is one statement.
    fn lock(&self) -> MutexGuard<'_, u64> {
        self.left.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        if self.bytes > 0 {
            *self.budget.lock() += self.bytes;
            self.budget.freed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_files_share_the_budget_and_small_ones_do_not_count() {
        let b = Budget::new(PARSE_BUDGET);
        let big = b.try_take(PARSE_BUDGET - SMALL_FILE).unwrap();
        assert!(b.try_take(SMALL_FILE + 1).is_none());
        let small = b.try_take(SMALL_FILE).unwrap();
        drop(big);
        let fits = b.try_take(PARSE_BUDGET - SMALL_FILE).unwrap();
        assert!(b.try_take(SMALL_FILE + 1).is_none());
        drop((small, fits));
        assert!(b.try_take(PARSE_BUDGET).is_some());
    }

    #[test]
    fn a_file_over_the_whole_budget_waits_for_all_of_it() {
        let b = Budget::new(PARSE_BUDGET);
        let first = b.try_take(SMALL_FILE + 1).unwrap();
        assert!(b.try_take(10 * PARSE_BUDGET).is_none());
        std::thread::scope(|s| {
            let waiter = s.spawn(|| drop(b.take(10 * PARSE_BUDGET)));
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert!(!waiter.is_finished());
            drop(first);
            waiter.join().unwrap();
        });
        assert!(b.try_take(PARSE_BUDGET).is_some());
    }
}
