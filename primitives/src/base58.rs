//! Base58 (the Bitcoin alphabet), for multibase `z…` values: proof values, multikeys and
//! digests, written several times into every credential a TA issues.
//!
//! The `bs58` crate converts one input byte at a time, which is quadratic in the length and a
//! tenth of the cost of issuing a credential (profiled). This encoder divides the number by
//! 58^5 at a time over 32-bit limbs, five digits per pass, with the same output. Decoding is
//! left to `bs58` (verifiers decode a few values per document).

use alloc::{string::String, vec::Vec};

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// 58^5, the largest power of 58 that fits a 32-bit limb.
const BASE: u64 = 58 * 58 * 58 * 58 * 58;

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
}
