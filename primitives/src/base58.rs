//! Base58 (the Bitcoin alphabet), for multibase `z…` values: proof values, multikeys and
//! digests, written several times into every credential a TA issues.
//!
//! The `bs58` crate converts one input byte at a time, which is quadratic in the length and a
//! tenth of the cost of issuing a credential (profiled). This encoder divides the number by
//! 58^5 at a time over 32-bit limbs, five digits per pass, with the same output.
//!
//! Decoding is left to `bs58` (verifiers decode a few values per document), but only through
//! [`decode_exact`] and [`decode_multibase`], which know how many bytes the value must hold and
//! refuse text longer than any encoding of that many bytes ([`max_encoded_len`]) before decoding:
//! decoding is quadratic in the length too, so an unchecked 2 MiB `proofValue` costs minutes of
//! CPU.

use alloc::{string::String, vec::Vec};

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// 58^5, the largest power of 58 that fits a 32-bit limb.
const BASE: u64 = 58 * 58 * 58 * 58 * 58;

/// log(256) / log(58), the base58 digits per byte, times 10^18 and rounded up.
const DIGITS_PER_BYTE_E18: u128 = 1_365_658_237_309_761_037;

/// The most characters a base58 encoding of `bytes` bytes has: the digits of 256^bytes - 1,
/// ceil(bytes × log 256 / log 58) (no power of 256 is a power of 58). A leading zero byte
/// encodes as one `1`, which never makes an encoding longer than that. Exact for every length
/// below 2 MiB (the ratio's rounding was checked against the exact digit counts that far; the
/// tests compare lengths up to 300 bytes with the encoder); beyond, the rounded-up ratio can
/// only make it larger, never smaller, so no valid encoding is ever refused.
pub const fn max_encoded_len(bytes: usize) -> usize {
	let digits = (bytes as u128 * DIGITS_PER_BYTE_E18).div_ceil(1_000_000_000_000_000_000);
	if digits > usize::MAX as u128 {
		usize::MAX
	} else {
		digits as usize
	}
}

/// The most characters a multibase base58-btc value (`z` and base58) of `bytes` bytes has.
pub const fn max_multibase_len(bytes: usize) -> usize {
	max_encoded_len(bytes).saturating_add(1)
}

/// Why a base58 value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
	/// Longer than any encoding of the bytes it must hold: refused before decoding.
	TooLong {
		/// The most characters such an encoding has.
		max: usize,
	},
	/// A multibase value that is not base58-btc (does not start with `z`).
	NotBase58Btc,
	/// A character outside the Bitcoin alphabet.
	InvalidCharacter,
	/// It decodes to another number of bytes than it must hold.
	WrongLength,
}

/// Decodes base58 `text` that must hold exactly `N` bytes. Text longer than
/// [`max_encoded_len`]`(N)` is refused before any decoding.
pub fn decode_exact<const N: usize>(text: &str) -> Result<[u8; N], DecodeError> {
	let max = max_encoded_len(N);
	if text.len() > max {
		return Err(DecodeError::TooLong { max });
	}
	let mut out = [0u8; N];
	match bs58::decode(text).onto(&mut out) {
		Ok(written) if written == N => Ok(out),
		Ok(_) | Err(bs58::decode::Error::BufferTooSmall) => Err(DecodeError::WrongLength),
		Err(_) => Err(DecodeError::InvalidCharacter),
	}
}

/// Decodes a multibase base58-btc value (`z` and base58) that must hold exactly `N` bytes. A
/// value longer than [`max_multibase_len`]`(N)` is refused before anything else.
pub fn decode_multibase<const N: usize>(value: &str) -> Result<[u8; N], DecodeError> {
	let max = max_multibase_len(N);
	if value.len() > max {
		return Err(DecodeError::TooLong { max });
	}
	decode_exact(value.strip_prefix('z').ok_or(DecodeError::NotBase58Btc)?)
}

/// `bytes` in base58 (leading zero bytes become leading `1`s).
pub fn encode(bytes: &[u8]) -> String {
	let zeros = bytes.iter().take_while(|b| **b == 0).count();
	let rest = &bytes[zeros..];
	// Big-endian 32-bit limbs, the first one partial.
	let mut limbs: Vec<u32> = Vec::with_capacity(rest.len().div_ceil(4));
	let head = rest.len() % 4;
	if head > 0 {
		limbs.push(rest[..head].iter().fold(0, |acc, b| (acc << 8) | u32::from(*b)));
	}
	limbs
		.extend(rest[head..].chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])));

	// Little-endian digits: divide by 58^5 until nothing is left, five digits per remainder.
	let mut digits: Vec<u8> = Vec::with_capacity(rest.len() * 138 / 100 + 5);
	let mut start = 0;
	while start < limbs.len() {
		let mut remainder = 0u64;
		for limb in &mut limbs[start..] {
			let value = (remainder << 32) | u64::from(*limb);
			*limb = (value / BASE) as u32;
			remainder = value % BASE;
		}
		while start < limbs.len() && limbs[start] == 0 {
			start += 1;
		}
		for _ in 0..5 {
			digits.push((remainder % 58) as u8);
			remainder /= 58;
		}
	}
	// The last pass may leave leading zero digits that are not leading zero bytes.
	while digits.last() == Some(&0) {
		digits.pop();
	}
	let mut out = String::with_capacity(zeros + digits.len());
	out.extend(core::iter::repeat_n('1', zeros));
	out.extend(digits.iter().rev().map(|d| ALPHABET[*d as usize] as char));
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn matches_bs58_for_every_length_and_leading_zeros_works() {
		let mut state = 0x9e37_79b9_7f4a_7c15u64;
		let mut next = || {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state as u8
		};
		for length in 0..100 {
			for zeros in [0, 1, 3] {
				for _ in 0..20 {
					let mut bytes: Vec<u8> = (0..length).map(|_| next()).collect();
					for b in bytes.iter_mut().take(zeros) {
						*b = 0;
					}
					assert_eq!(encode(&bytes), bs58::encode(&bytes).into_string(), "{bytes:?}");
				}
			}
		}
		assert_eq!(encode(&[0xff; 64]), bs58::encode([0xff; 64]).into_string());
		assert_eq!(encode(&[]), "");
	}

	#[test]
	fn known_vectors_works() {
		assert_eq!(encode(b"Hello World!"), "2NEpo7TZRRrLZSi2U");
		assert_eq!(encode(&[0, 0, 0x28, 0x7f, 0xb4, 0xcd]), "11233QC4");
	}

	#[test]
	fn max_encoded_len_is_the_longest_encoding_works() {
		for length in 0..=300 {
			// The largest number of `length` bytes has the most digits...
			assert_eq!(
				encode(&alloc::vec![0xff; length]).len(),
				max_encoded_len(length),
				"{length}"
			);
			// ...and leading zero bytes never make an encoding longer.
			for zeros in [1, length / 2, length] {
				let mut bytes = alloc::vec![0xff; length];
				for b in bytes.iter_mut().take(zeros) {
					*b = 0;
				}
				assert!(encode(&bytes).len() <= max_encoded_len(length), "{length}, {zeros}");
			}
		}
		// An Ed25519 signature, an Ed25519 multikey (2-byte multicodec prefix), an SS58
		// address of a 32-byte account with a 2-byte prefix and a 2-byte checksum.
		assert_eq!(max_encoded_len(64), 88);
		assert_eq!(max_multibase_len(64), 89);
		assert_eq!(max_encoded_len(34), 47);
		assert_eq!(max_encoded_len(36), 50);
		assert_eq!(max_encoded_len(usize::MAX), usize::MAX);
	}

	#[test]
	fn decode_round_trips_exact_lengths_works() {
		for bytes in [[0u8; 64], [0xff; 64], [7; 64]] {
			assert_eq!(decode_exact::<64>(&encode(&bytes)), Ok(bytes));
			assert_eq!(decode_multibase::<64>(&alloc::format!("z{}", encode(&bytes))), Ok(bytes));
		}
		let mut leading_zero = [0xab; 32];
		leading_zero[0] = 0;
		assert_eq!(decode_exact::<32>(&encode(&leading_zero)), Ok(leading_zero));
	}

	#[test]
	fn decode_refuses_by_length_before_decoding_fails() {
		let longest = encode(&[0xff; 64]);
		assert_eq!(longest.len(), 88);
		assert!(decode_exact::<64>(&longest).is_ok());
		// One character more is refused by its length alone: even characters outside the
		// alphabet are not looked at.
		assert_eq!(decode_exact::<64>(&"0".repeat(89)), Err(DecodeError::TooLong { max: 88 }));
		assert_eq!(decode_exact::<64>(&"0".repeat(88)), Err(DecodeError::InvalidCharacter));
		assert_eq!(
			decode_multibase::<64>(&alloc::format!("z1{longest}")),
			Err(DecodeError::TooLong { max: 89 })
		);
		// A 2 MiB value answers at once.
		let huge = alloc::format!("z{}", "2".repeat(2 << 20));
		assert_eq!(decode_multibase::<64>(&huge), Err(DecodeError::TooLong { max: 89 }));
	}

	#[test]
	fn decode_names_what_is_wrong_fails() {
		// 88 `1`s are 88 zero bytes: within the length bound, but too many bytes.
		assert_eq!(decode_exact::<64>(&"1".repeat(88)), Err(DecodeError::WrongLength));
		assert_eq!(decode_exact::<64>(&encode(&[1; 63])), Err(DecodeError::WrongLength));
		assert_eq!(decode_exact::<64>("3mJr7AoUXx2Wqd"), Err(DecodeError::WrongLength));
		assert_eq!(decode_exact::<4>("abcé"), Err(DecodeError::InvalidCharacter));
		assert_eq!(decode_exact::<4>("Il0O"), Err(DecodeError::InvalidCharacter));
		assert_eq!(decode_multibase::<64>(&encode(&[7; 64])), Err(DecodeError::NotBase58Btc));
		assert_eq!(decode_multibase::<64>(""), Err(DecodeError::NotBase58Btc));
	}
}
