//! DID-signed operations: what a DID key signs for `submit_did_call`, and in which envelope.

use alloc::{boxed::Box, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;
use teeid_primitives::signing::{Anchor, SigningDomain, SigningPayload};

/// An operation signed by a DID key and relayed by `submitter` through `submit_did_call`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct DidOperation<AccountId, Call, BlockNumber, Hash> {
	/// The DID whose key signs.
	pub did: AccountId,
	/// The DID's operation nonce plus one.
	pub nonce: u64,
	/// The call to dispatch as the DID.
	pub call: Box<Call>,
	/// The last block in which the operation may be submitted.
	pub expires: BlockNumber,
	/// The only account that may submit it (and pay its fees).
	pub submitter: AccountId,
	/// The genesis hash of the chain the operation is meant for.
	pub genesis_hash: Hash,
	/// The runtime's `transaction_version` the call is encoded for. A runtime upgrade that
	/// changes how calls are encoded (renumbers pallets or calls, reorders arguments) bumps it,
	/// so an operation signed before such an upgrade is refused instead of decoding as another
	/// call.
	pub transaction_version: u32,
}

/// What a DID key vouches for about an operation, inside the [`SigningPayload`] envelope (which
/// adds the domain, the genesis hash and the nonce): the DID, the call and the transaction
/// version it is encoded for, the expiry and the only submitter.
///
/// The chain signs it borrowed ([`DidOperation::payload`]); the `SigningApi` runtime API takes
/// it owned, which names the type in the metadata for clients. Both encode alike.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct DidOperationBody<AccountId, Call, BlockNumber> {
	/// The DID whose key signs.
	pub did: AccountId,
	/// The call to dispatch as the DID.
	pub call: Call,
	/// The last block in which the operation may be submitted.
	pub expires: BlockNumber,
	/// The only account that may submit it.
	pub submitter: AccountId,
	/// The runtime's `transaction_version` the call is encoded for.
	pub transaction_version: u32,
}

/// The envelope a DID key signs for an operation. Block number and hash default to the teeid
/// chain's.
pub type DidOperationPayload<
	AccountId,
	Call,
	BlockNumber = teeid_primitives::BlockNumber,
	Hash = teeid_primitives::Hash,
> = SigningPayload<DidOperationBody<AccountId, Call, BlockNumber>, BlockNumber, Hash>;

impl<AccountId, Call, BlockNumber, Hash: Clone> DidOperation<AccountId, Call, BlockNumber, Hash> {
	/// The payload the DID key signs: the `DidOperation` domain, the genesis hash, the nonce as
	/// anchor, and the body, borrowed from the operation.
	pub fn payload(
		&self,
	) -> SigningPayload<DidOperationBody<&AccountId, &Call, &BlockNumber>, BlockNumber, Hash> {
		SigningPayload {
			domain: SigningDomain::DidOperation,
			genesis_hash: self.genesis_hash.clone(),
			anchor: Anchor::Nonce(self.nonce),
			body: DidOperationBody {
				did: &self.did,
				call: &*self.call,
				expires: &self.expires,
				submitter: &self.submitter,
				transaction_version: self.transaction_version,
			},
		}
	}
}

impl<AccountId: Encode, Call: Encode, BlockNumber: Encode, Hash: Encode + Clone>
	DidOperation<AccountId, Call, BlockNumber, Hash>
{
	/// The bytes the DID key signs: the `DidOperation` domain tag, then the SCALE encoding of
	/// [`DidOperation::payload`].
	pub fn signing_bytes(&self) -> Vec<u8> {
		self.payload().signing_bytes()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn borrowed_and_owned_payloads_sign_alike_works() {
		let operation = DidOperation {
			did: 1u64,
			nonce: 7,
			call: Box::new(b"call".to_vec()),
			expires: 9u32,
			submitter: 2u64,
			genesis_hash: teeid_primitives::Hash::repeat_byte(3),
			transaction_version: 4,
		};
		let owned: DidOperationPayload<u64, Vec<u8>> = SigningPayload {
			domain: SigningDomain::DidOperation,
			genesis_hash: operation.genesis_hash,
			anchor: Anchor::Nonce(7),
			body: DidOperationBody {
				did: 1,
				call: b"call".to_vec(),
				expires: 9,
				submitter: 2,
				transaction_version: 4,
			},
		};
		assert_eq!(operation.signing_bytes(), owned.signing_bytes());
	}
}
