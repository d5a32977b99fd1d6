//! Linked-event history (WeIdentity, ERC-1056).
//!
//! A record that changes over time (a DID, an evidence) keeps only the block of its latest
//! change in storage; every change is emitted as an event carrying `previous`, the block in
//! which the record changed before the current block. Starting at the stored block and
//! following `previous` visits every block in which the record changed, newest first, without
//! storing the history twice.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// The head of a record's linked events.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct ChangeLink<BlockNumber> {
	/// The block of the latest change.
	pub changed: BlockNumber,
	/// The block of the change before `changed` (`None` if `changed` is the first).
	pub previous: Option<BlockNumber>,
}

impl<BlockNumber: Copy + PartialEq> ChangeLink<BlockNumber> {
	/// The link of a record created in block `now`.
	pub fn new(now: BlockNumber) -> Self {
		Self { changed: now, previous: None }
	}

	/// Records a change in block `now`; returns the `previous` its event carries. Every event
	/// of one block carries the same `previous`, the block of the change before that block.
	pub fn record(&mut self, now: BlockNumber) -> Option<BlockNumber> {
		if self.changed != now {
			self.previous = Some(self.changed);
			self.changed = now;
		}
		self.previous
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn changes_link_back_block_by_block_works() {
		let mut link = ChangeLink::new(3u32);
		assert_eq!(link.record(3), None);
		assert_eq!(link.record(5), Some(3));
		assert_eq!(link.record(5), Some(3));
		assert_eq!(link.record(9), Some(5));
		assert_eq!(link, ChangeLink { changed: 9, previous: Some(5) });
	}
}
