//! The TA's heap, simulated: OP-TEE gives a TA a fixed arena
//! ([`TA_HEAP_BYTES`](teeid_ta_protocol::limits::TA_HEAP_BYTES)), its `malloc` returns `NULL`
//! once the arena is spent, and Rust answers a failed allocation by aborting: the TA panics,
//! its instance dies and every session on it ends (`TEE_ERROR_TARGET_DEAD`). [`TaHeap`] is a
//! global allocator that does the same to the simulation process, counting only the TA's
//! allocations.
//!
//! What counts is what the TA core allocates while it runs ([`metered`]): `Ta::start`, each
//! invocation (with the TA's own copy of the request, as OP-TEE's entry point copies it out of
//! shared memory) and the drop of its response once copied out. The server's sockets, frames
//! and threads do not count, as they are not in the TA's heap under OP-TEE. Each allocation is
//! charged what OP-TEE's allocator (bget) takes for it on a 64-bit TA: the size rounded up to
//! 16 bytes, at least 16, plus a 16-byte header. Fragmentation is not modelled: that is what
//! the margin between the budget of a request
//! ([`TA_REQUEST_BUDGET_BYTES`](teeid_ta_protocol::limits::TA_REQUEST_BUDGET_BYTES), half the
//! heap) and the heap is for.
//!
//! An allocation past the cap returns null; Rust's allocation-error handler then prints
//! `memory allocation of N bytes failed` and aborts: the process dies of `SIGABRT` (a shell
//! reports status 134), every session reads the end of its stream, and the worker restarts
//! the simulation as it reopens a session after OP-TEE's `TEE_ERROR_TARGET_DEAD`.

use std::{
	alloc::{GlobalAlloc, Layout, System},
	cell::Cell,
	sync::atomic::{AtomicUsize, Ordering},
};
use teeid_ta_core::{Platform, Ta};

thread_local! {
	/// Whether this thread is running the TA (a const, destructor-free thread local: reading it
	/// from the allocator allocates nothing).
	static METERED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` as the TA: what it allocates (and frees) counts against the TA's heap.
pub fn metered<R>(work: impl FnOnce() -> R) -> R {
	/// Restores the thread's previous state, even if `work` unwinds.
	struct Restore(bool);
	impl Drop for Restore {
		fn drop(&mut self) {
			let _ = METERED.try_with(|metered| metered.set(self.0));
		}
	}
	let _restore = Restore(METERED.with(|metered| metered.replace(true)));
	work()
}

/// One invocation of `ta`, metered as OP-TEE's entry point makes it: the request copied into
/// the TA's heap, the response copied out of it (here into memory the TA does not own, as into
/// the caller's shared buffer), then freed.
pub fn invoke<P: Platform>(ta: &mut Ta<P>, request: &[u8]) -> Vec<u8> {
	let response = metered(|| {
		let request = request.to_vec();
		ta.invoke(&request)
	});
	let output = response.clone();
	metered(move || drop(response));
	output
}

fn is_metered() -> bool {
	METERED.try_with(Cell::get).unwrap_or(false)
}

/// What OP-TEE's allocator takes from the TA's arena for `size` bytes: bget's block, the size
/// rounded up to its 16-byte quantum (at least 16, room for the free-list links) and a 16-byte
/// header.
pub const fn charge(size: usize) -> usize {
	let quantum = 16;
	let rounded = size.saturating_add(quantum - 1) / quantum * quantum;
	let block = if rounded < quantum { quantum } else { rounded };
	block.saturating_add(16)
}

/// A global allocator that counts the TA's allocations against a cap and fails past it.
pub struct TaHeap {
	cap: AtomicUsize,
	used: AtomicUsize,
	peak: AtomicUsize,
}

impl TaHeap {
	/// A heap of `cap` bytes.
	pub const fn new(cap: usize) -> Self {
		Self { cap: AtomicUsize::new(cap), used: AtomicUsize::new(0), peak: AtomicUsize::new(0) }
	}

	/// The cap, in bytes.
	pub fn cap(&self) -> usize {
		self.cap.load(Ordering::Relaxed)
	}

	/// Sets the cap (tests run the TA in a smaller heap to watch it die).
	pub fn set_cap(&self, cap: usize) {
		self.cap.store(cap, Ordering::Relaxed);
	}

	/// What the TA holds now, as charged.
	pub fn used(&self) -> usize {
		self.used.load(Ordering::Relaxed)
	}

	/// The most the TA held since the last [`Self::reset_peak`].
	pub fn peak(&self) -> usize {
		self.peak.load(Ordering::Relaxed)
	}

	/// Starts a new peak from what the TA holds now.
	pub fn reset_peak(&self) {
		self.peak.store(self.used(), Ordering::Relaxed);
	}

	/// Takes `charge` bytes from the heap, or none if they do not fit under the cap.
	fn reserve(&self, charge: usize) -> bool {
		let cap = self.cap();
		let reserved = self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
			used.checked_add(charge).filter(|after| *after <= cap)
		});
		match reserved {
			Ok(before) => {
				self.peak.fetch_max(before + charge, Ordering::Relaxed);
				true
			},
			Err(_) => false,
		}
	}

	/// Gives `charge` bytes back.
	fn release(&self, charge: usize) {
		// Saturating: memory the TA frees but did not allocate under metering (none is expected)
		// cannot make the count wrap.
		let _ = self.used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
			Some(used.saturating_sub(charge))
		});
	}
}

// SAFETY: every block comes from `System` with the caller's layout and goes back to it with the
// same layout; the counting around it touches only atomics and a const thread local, and never
// allocates.
unsafe impl GlobalAlloc for TaHeap {
	unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
		if !is_metered() {
			return System.alloc(layout);
		}
		let charge = charge(layout.size());
		if !self.reserve(charge) {
			// OP-TEE's malloc returning NULL: the caller's allocation-error handler aborts.
			return std::ptr::null_mut();
		}
		let block = System.alloc(layout);
		if block.is_null() {
			self.release(charge);
		}
		block
	}

	unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
		if !is_metered() {
			return System.alloc_zeroed(layout);
		}
		let charge = charge(layout.size());
		if !self.reserve(charge) {
			return std::ptr::null_mut();
		}
		let block = System.alloc_zeroed(layout);
		if block.is_null() {
			self.release(charge);
		}
		block
	}

	unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
		System.dealloc(block, layout);
		if is_metered() {
			self.release(charge(layout.size()));
		}
	}

	unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
		if !is_metered() {
			return System.realloc(block, layout, new_size);
		}
		// As OP-TEE's Rust allocator (libc_alloc over libutee's malloc) does: a new block, a
		// copy, the old block freed. Both blocks exist at once, and both are counted.
		let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
			return std::ptr::null_mut();
		};
		let new_block = self.alloc(new_layout);
		if !new_block.is_null() {
			std::ptr::copy_nonoverlapping(block, new_block, layout.size().min(new_size));
			self.dealloc(block, layout);
		}
		new_block
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn charges_follow_optee_allocator_blocks_works() {
		assert_eq!(charge(1), 32);
		assert_eq!(charge(16), 32);
		assert_eq!(charge(17), 48);
		assert_eq!(charge(4096), 4112);
	}

	#[test]
	fn an_allocation_past_the_cap_fails_and_only_the_ta_counts_works() {
		let heap = TaHeap::new(1024);
		let small = Layout::from_size_align(100, 8).unwrap();
		let large = Layout::from_size_align(1000, 8).unwrap();
		// SAFETY: every block is freed with the layout it was allocated with.
		unsafe {
			// Outside the TA nothing counts, whatever the size.
			let outside = heap.alloc(large);
			assert!(!outside.is_null());
			assert_eq!(heap.used(), 0);
			metered(|| {
				let first = heap.alloc(small);
				assert!(!first.is_null());
				assert_eq!(heap.used(), charge(100));
				// 1000 more bytes do not fit in what is left of 1024: null, as OP-TEE's malloc.
				assert!(heap.alloc(large).is_null());
				assert_eq!(heap.used(), charge(100));
				// Growing copies: old and new block are both held for a moment.
				let grown = heap.realloc(first, small, 400);
				assert!(!grown.is_null());
				assert_eq!(heap.used(), charge(400));
				assert_eq!(heap.peak(), charge(100) + charge(400));
				let grown_layout = Layout::from_size_align(400, 8).unwrap();
				// A failed growth leaves the block as it was.
				assert!(heap.realloc(grown, grown_layout, 900).is_null());
				heap.dealloc(grown, grown_layout);
				assert_eq!(heap.used(), 0);
				let zeroed = heap.alloc_zeroed(small);
				assert!(std::slice::from_raw_parts(zeroed, 100).iter().all(|b| *b == 0));
				heap.dealloc(zeroed, small);
			});
			heap.dealloc(outside, large);
			assert_eq!(heap.used(), 0);
		}
		// The thread is back to not metering once the TA's work is done.
		assert!(!is_metered());
	}
}
