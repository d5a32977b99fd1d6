//! Status lists: documents that publish one bit per credential, set once the credential is
//! revoked, in the two standard forms.
//!
//! - [`StatusListFormat::Bitstring`]: a W3C Bitstring Status List 1.0 credential
//!   (`BitstringStatusListCredential`), the list MSB-first, gzip-compressed, in
//!   `credentialSubject.encodedList` as multibase base64url (`u…`), secured with
//!   `eddsa-jcs-2022` like every teeid credential. W3C credentials point into it with a
//!   `BitstringStatusListEntry`.
//! - [`StatusListFormat::Token`]: an IETF Token Status List (`statuslist+jwt`), one bit per
//!   entry, LSB-first, zlib-compressed, in `status_list.lst` as base64url. SD-JWT VCs point
//!   into it with `status.status_list`.
//!
//! The chain stays the source of truth: a credential's status is its evidence record's log
//! (pallet-evidence, [`crate::credential::status_evidence`]), and the worker builds each list
//! from those logs and has its TA sign every version ([`StatusListRequest`], answered with the
//! document and its hash, which the worker anchors like a credential's). The TA signs a list
//! for any issuer, as it signs credentials for any issuer: whether its key counts for the DID
//! is the chain's binding to decide.
//!
//! The helpers here are pure and `no_std`, for the TA and the worker alike: bit order
//! ([`bit`], [`set_bit`], [`to_token_order`]), compression ([`gzip`], [`zlib`]) and base64url
//! ([`base64url`], [`base64url_decode`]).

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use teeid_primitives::{BlockNumber, Hash};

use crate::credential::check_identifier;
pub use crate::credential::StatusListEntry;

/// The fewest entries a list has: 16 KiB of bits, the W3C specification's minimum, so that a
/// list fetched to check one credential hides which one among at least 131,072.
pub const MIN_STATUS_LIST_BITS: usize = 131_072;
/// The most entries a list has: 128 KiB of bits, which with the request's identifiers stays
/// under [`crate::limits::MAX_REQUEST_BYTES`].
pub const MAX_STATUS_LIST_BITS: usize = 1_048_576;
/// The `type` (beside `VerifiableCredential`) of a Bitstring Status List credential.
pub const BITSTRING_CREDENTIAL_TYPE: &str = "BitstringStatusListCredential";
/// The `credentialSubject.type` of a Bitstring Status List credential.
pub const BITSTRING_LIST_TYPE: &str = "BitstringStatusList";
/// The `type` of a credential's `credentialStatus` entry that points into a Bitstring Status
/// List.
pub const BITSTRING_ENTRY_TYPE: &str = "BitstringStatusListEntry";
/// The JOSE `typ` of a Token Status List.
pub const STATUS_LIST_JWT_TYP: &str = "statuslist+jwt";
/// The fragment of a Bitstring Status List credential's `credentialSubject.id`
/// (`<list URI>#list`).
pub const BITSTRING_SUBJECT_FRAGMENT: &str = "list";

/// Which standard a status list document follows.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Encode, Decode)]
pub enum StatusListFormat {
	/// W3C Bitstring Status List 1.0: a `BitstringStatusListCredential` (JSON), for W3C
	/// credentials.
	#[codec(index = 0)]
	Bitstring,
	/// IETF Token Status List: a `statuslist+jwt` (compact JWS), for SD-JWT VCs.
	#[codec(index = 1)]
	Token,
}

/// What a worker asks its TA to sign: one version of a status list
/// ([`crate::Command::SignStatusList`]).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct StatusListRequest {
	/// The issuer whose credentials the list covers: a `did:teeid` DID.
	pub issuer: String,
	/// The list's URL ([`is_status_list_uri`]): the Bitstring credential's `id`, the Token
	/// list's `sub`.
	pub uri: String,
	/// The document to build.
	pub format: StatusListFormat,
	/// The list, one bit per entry, MSB-first as in W3C Bitstring Status List (index 0 is
	/// `0x80` of byte 0; [`bit`]); `bits.len() * 8` in [`MIN_STATUS_LIST_BITS`] ..=
	/// [`MAX_STATUS_LIST_BITS`] ([`is_list_size`]). The TA reorders it for a Token list.
	pub bits: Vec<u8>,
	/// The time of this version: the Bitstring credential's `validFrom` and proof `created`,
	/// the Token list's `iat`. `YYYY-MM-DDThh:mm:ssZ`.
	pub created: String,
	/// The Token list's `ttl`, in seconds: how long a relying party may cache it. Ignored for a
	/// Bitstring list, whose format the design gives no such member.
	pub ttl: Option<u32>,
	/// The latest finalized block the worker signs the list against, as for an issuance: the TA
	/// refuses one older than the newest it has seen and names it in the document.
	pub block_number: BlockNumber,
	/// That block's hash.
	pub block_hash: Hash,
}

/// Whether `uri` can name a status list: an `https://` or `http://` URI with something after
/// the scheme, no fragment (W3C entries append `#<index>` to it), no whitespace or control
/// characters, at most [`MAX_IDENTIFIER_BYTES`](crate::credential::MAX_IDENTIFIER_BYTES).
pub fn is_status_list_uri(uri: &str) -> bool {
	let rest = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://"));
	rest.is_some_and(|rest| !rest.is_empty()) && check_identifier(uri, "the status list").is_ok()
}

/// Whether a list of `bytes` bytes has an acceptable number of entries.
pub fn is_list_size(bytes: usize) -> bool {
	bytes
		.checked_mul(8)
		.is_some_and(|bits| (MIN_STATUS_LIST_BITS..=MAX_STATUS_LIST_BITS).contains(&bits))
}

/// Whether entry `index` of an MSB-first list is set (index 0 is `0x80` of byte 0). An index
/// past the list is not set.
pub fn bit(bits: &[u8], index: u32) -> bool {
	let index = index as usize;
	bits.get(index / 8).is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0)
}

/// Sets (`set`) or clears entry `index` of an MSB-first list; `false` if the index is past
/// the list (which is left as it was).
pub fn set_bit(bits: &mut [u8], index: u32, set: bool) -> bool {
	let index = index as usize;
	let Some(byte) = bits.get_mut(index / 8) else { return false };
	let mask = 0x80 >> (index % 8);
	if set {
		*byte |= mask;
	} else {
		*byte &= !mask;
	}
	true
}

/// An MSB-first list in the order of IETF Token Status List: LSB-first, entry 0 is `0x01` of
/// byte 0. Entries keep their bytes; only the bits within each byte turn around.
pub fn to_token_order(bits: &[u8]) -> Vec<u8> {
	into_token_order(bits.to_vec())
}

/// [`to_token_order`] in place, for a list the caller no longer needs in W3C order.
pub fn into_token_order(mut bits: Vec<u8>) -> Vec<u8> {
	for byte in bits.iter_mut() {
		*byte = byte.reverse_bits();
	}
	bits
}

/// The gzip (RFC 1952) member of `data`: a 10-byte header (no name, no time, unknown OS), the
/// raw DEFLATE stream, then CRC-32 and the length modulo 2^32, little-endian. What W3C
/// Bitstring Status List's `encodedList` compresses with.
pub fn gzip(data: &[u8]) -> Vec<u8> {
	const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
	let mut out = Vec::with_capacity(HEADER.len() + deflated_capacity(data) + 8);
	out.extend_from_slice(&HEADER);
	deflate_runs(data, &mut out);
	out.extend_from_slice(&crc32(data).to_le_bytes());
	out.extend_from_slice(&(data.len() as u32).to_le_bytes());
	out
}

/// The zlib (RFC 1950) stream of `data`: what IETF Token Status List's `lst` compresses with.
pub fn zlib(data: &[u8]) -> Vec<u8> {
	let mut out = Vec::with_capacity(2 + deflated_capacity(data) + 4);
	// CM 8 (deflate), a 32 KiB window, no dictionary, the fastest level; a multiple of 31.
	out.extend_from_slice(&[0x78, 0x01]);
	deflate_runs(data, &mut out);
	out.extend_from_slice(&adler32(data).to_be_bytes());
	out
}

/// The most bytes [`deflate_runs`] writes for `data`: 9 bits a literal at worst, and the
/// block's header and end.
fn deflated_capacity(data: &[u8]) -> usize {
	data.len() + data.len() / 8 + 4
}

/// Appends `data` as one final DEFLATE block with the fixed Huffman codes (RFC 1951, 3.2.6),
/// each run of a repeated byte coded as the byte and matches at distance 1.
///
/// A status list is mostly zero bytes, which this codes in about 0.06 bits a byte, and its
/// set bits are random, which no search for longer matches would find. General compressors
/// keep tens of KiB of state (miniz holds a 64 KiB buffer inline, which a TA could not even
/// build on its 64 KiB stack); this keeps a few bytes, and its output, whatever the input,
/// is at most 9 bits a byte.
fn deflate_runs(data: &[u8], out: &mut Vec<u8>) {
	let mut bits = BitWriter { out, pending: 0, count: 0 };
	// BFINAL 1, BTYPE 01 (fixed codes).
	bits.write(0b011, 3);
	let mut at = 0;
	while let Some(&byte) = data.get(at) {
		bits.literal(u16::from(byte));
		let run = data[at + 1..].iter().take_while(|&&next| next == byte).count();
		at += 1 + run;
		let mut left = run;
		while left >= MIN_MATCH {
			// A match leaves no remainder of 1 or 2 behind while a shorter one would not.
			let mut length = left.min(MAX_MATCH);
			if (1..MIN_MATCH).contains(&(left - length)) {
				length -= MIN_MATCH;
			}
			bits.repeat(length);
			left -= length;
		}
		for _ in 0..left {
			bits.literal(u16::from(byte));
		}
	}
	bits.literal(END_OF_BLOCK);
	bits.flush();
}

/// The shortest and longest DEFLATE match.
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// The end-of-block symbol.
const END_OF_BLOCK: u16 = 256;
/// The first length of each length symbol from 257 (RFC 1951, 3.2.5), and its extra bits.
const LENGTH_BASES: [(u16, u8); 29] = [
	(3, 0),
	(4, 0),
	(5, 0),
	(6, 0),
	(7, 0),
	(8, 0),
	(9, 0),
	(10, 0),
	(11, 1),
	(13, 1),
	(15, 1),
	(17, 1),
	(19, 2),
	(23, 2),
	(27, 2),
	(31, 2),
	(35, 3),
	(43, 3),
	(51, 3),
	(59, 3),
	(67, 4),
	(83, 4),
	(99, 4),
	(115, 4),
	(131, 5),
	(163, 5),
	(195, 5),
	(227, 5),
	(258, 0),
];

/// DEFLATE's bit order: values least significant bit first, Huffman codes most significant
/// bit first.
struct BitWriter<'a> {
	out: &'a mut Vec<u8>,
	pending: u32,
	count: u32,
}

impl BitWriter<'_> {
	/// Writes the low `count` bits of `value`, least significant first.
	fn write(&mut self, value: u32, count: u32) {
		self.pending |= value << self.count;
		self.count += count;
		while self.count >= 8 {
			self.out.push(self.pending as u8);
			self.pending >>= 8;
			self.count -= 8;
		}
	}

	/// Writes a Huffman code of `length` bits, most significant first.
	fn code(&mut self, code: u32, length: u32) {
		self.write(code.reverse_bits() >> (32 - length), length);
	}

	/// Writes literal/length symbol `symbol` in the fixed code.
	fn literal(&mut self, symbol: u16) {
		let symbol = u32::from(symbol);
		match symbol {
			0..=143 => self.code(0x30 + symbol, 8),
			144..=255 => self.code(0x190 + symbol - 144, 9),
			256..=279 => self.code(symbol - 256, 7),
			_ => self.code(0xc0 + symbol - 280, 8),
		}
	}

	/// Writes a match of `length` (3 to 258) at distance 1.
	fn repeat(&mut self, length: usize) {
		let length = length as u16;
		let index = LENGTH_BASES.iter().rposition(|&(base, _)| base <= length).unwrap_or(0);
		let (base, extra) = LENGTH_BASES[index];
		self.literal(257 + index as u16);
		self.write(u32::from(length - base), u32::from(extra));
		// Distance 1: distance code 0, five bits, no extra bits.
		self.code(0, 5);
	}

	/// Writes the last bits, padded to a byte.
	fn flush(&mut self) {
		if self.count > 0 {
			self.out.push(self.pending as u8);
		}
		self.pending = 0;
		self.count = 0;
	}
}

/// Adler-32 (RFC 1950), zlib's checksum.
fn adler32(data: &[u8]) -> u32 {
	const MODULUS: u32 = 65_521;
	// The most bytes summed before a sum could pass 2^32 (zlib's NMAX).
	const RUN: usize = 5_552;
	let (mut a, mut b) = (1u32, 0u32);
	for run in data.chunks(RUN) {
		for byte in run {
			a += u32::from(*byte);
			b += a;
		}
		a %= MODULUS;
		b %= MODULUS;
	}
	(b << 16) | a
}

/// The CRC-32 table of the reflected polynomial 0xEDB88320 (gzip's, PNG's).
const CRC32_TABLE: [u32; 256] = {
	let mut table = [0u32; 256];
	let mut i = 0;
	while i < 256 {
		let mut crc = i as u32;
		let mut k = 0;
		while k < 8 {
			crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
			k += 1;
		}
		table[i] = crc;
		i += 1;
	}
	table
};

/// CRC-32 (ISO 3309, gzip's trailer).
fn crc32(data: &[u8]) -> u32 {
	let mut crc = !0u32;
	for byte in data {
		crc = CRC32_TABLE[((crc ^ u32::from(*byte)) & 0xff) as usize] ^ (crc >> 8);
	}
	!crc
}

/// The base64url alphabet (RFC 4648, section 5).
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The length of [`base64url`] of `bytes` bytes.
pub const fn base64url_len(bytes: usize) -> usize {
	let tail = match bytes % 3 {
		0 => 0,
		1 => 2,
		_ => 3,
	};
	bytes / 3 * 4 + tail
}

/// `bytes` in base64url without padding (RFC 4648, section 5; what JOSE and multibase `u`
/// use).
pub fn base64url(bytes: &[u8]) -> String {
	let mut out = String::with_capacity(base64url_len(bytes.len()));
	push_base64url(&mut out, bytes);
	out
}

/// Appends [`base64url`] of `bytes` to `out`, so that a document made of several parts is
/// written into one buffer.
pub fn push_base64url(out: &mut String, bytes: &[u8]) {
	out.reserve(base64url_len(bytes.len()));
	for group in bytes.chunks(3) {
		let byte = |i: usize| group.get(i).copied().map_or(0, u32::from);
		let bits = (byte(0) << 16) | (byte(1) << 8) | byte(2);
		// One more character than bytes: 2 for 1 byte, 3 for 2, 4 for 3.
		for i in 0..=group.len() {
			let sextet = (bits >> (18 - 6 * i)) & 0x3f;
			out.push(char::from(BASE64URL[sextet as usize]));
		}
	}
}

/// The bytes base64url `text` (without padding) holds, or `None` if it is not canonical
/// base64url: a character outside the alphabet, padding, a length of 1 modulo 4, or bits left
/// over in the last character.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
	let sextet = |c: u8| -> Option<u32> {
		let value = match c {
			b'A'..=b'Z' => c - b'A',
			b'a'..=b'z' => c - b'a' + 26,
			b'0'..=b'9' => c - b'0' + 52,
			b'-' => 62,
			b'_' => 63,
			_ => return None,
		};
		Some(u32::from(value))
	};
	let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
	for group in text.as_bytes().chunks(4) {
		let mut bits = 0u32;
		for (i, c) in group.iter().enumerate() {
			bits |= sextet(*c)? << (18 - 6 * i);
		}
		let [_, first, second, third] = bits.to_be_bytes();
		match group.len() {
			4 => out.extend_from_slice(&[first, second, third]),
			3 if third == 0 => out.extend_from_slice(&[first, second]),
			2 if second == 0 && third == 0 => out.push(first),
			_ => return None,
		}
	}
	Some(out)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::credential::MAX_IDENTIFIER_BYTES;
	use alloc::{format, vec};
	use miniz_oxide::inflate::{decompress_to_vec, decompress_to_vec_zlib};

	/// Indexes at the edges of bytes and of the smallest list.
	const INDEXES: [u32; 5] = [0, 1, 7, 8, 131_071];

	fn list(set: &[u32]) -> Vec<u8> {
		let mut bits = vec![0u8; MIN_STATUS_LIST_BITS / 8];
		for index in set {
			assert!(set_bit(&mut bits, *index, true));
		}
		bits
	}

	/// Bytes no compressor shrinks.
	fn noise(len: usize) -> Vec<u8> {
		let mut state = 0x9e37_79b9_7f4a_7c15_u64;
		(0..len)
			.map(|_| {
				state ^= state << 13;
				state ^= state >> 7;
				state ^= state << 17;
				(state >> 24) as u8
			})
			.collect()
	}

	/// The body of a gzip member `gzip` writes (a 10-byte header without optional fields),
	/// inflated by miniz and checked against the trailer.
	fn gunzip(member: &[u8]) -> Vec<u8> {
		assert_eq!(&member[..4], &[0x1f, 0x8b, 8, 0], "gzip, deflate, no flags");
		let (body, trailer) = member[10..].split_at(member.len() - 18);
		let data = decompress_to_vec(body).expect("raw deflate");
		assert_eq!(trailer[..4], crc32(&data).to_le_bytes());
		assert_eq!(trailer[4..], (data.len() as u32).to_le_bytes());
		data
	}

	#[test]
	fn bits_are_msb_first_and_token_order_lsb_first_works() {
		let bits = list(&INDEXES);
		assert_eq!(bits[0], 0b1100_0001);
		assert_eq!(bits[1], 0x80);
		assert_eq!(bits[16_383], 0x01);
		assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 5);
		let token = to_token_order(&bits);
		for index in INDEXES {
			assert!(bit(&bits, index), "{index}");
			let byte = token[index as usize / 8];
			assert_eq!(byte & (1 << (index % 8)), 1 << (index % 8), "{index}");
		}
		assert_eq!(token[0], 0b1000_0011);
		assert_eq!(token[16_383], 0x80);
		assert!(!bit(&bits, 2) && !bit(&bits, 131_070));
		// Past the list: not set, and not settable.
		assert!(!bit(&bits, 131_072));
		let mut cleared = bits.clone();
		assert!(!set_bit(&mut cleared, 131_072, true));
		assert!(set_bit(&mut cleared, 7, false));
		assert!(!bit(&cleared, 7) && bit(&cleared, 8));
		let reversed: Vec<u8> = bits.iter().map(|b| b.reverse_bits()).collect();
		assert!(token == reversed, "to_token_order reverses the bits of each byte");
		assert!(into_token_order(bits.clone()) == token, "in place as copied");
	}

	#[test]
	fn lists_are_whole_bytes_within_their_sizes_works() {
		assert!(is_list_size(MIN_STATUS_LIST_BITS / 8));
		assert!(is_list_size(MAX_STATUS_LIST_BITS / 8));
		assert!(!is_list_size(MIN_STATUS_LIST_BITS / 8 - 1));
		assert!(!is_list_size(MAX_STATUS_LIST_BITS / 8 + 1));
		assert!(!is_list_size(0));
		assert!(!is_list_size(usize::MAX));
	}

	#[test]
	fn gzip_and_zlib_round_trip_through_inflate_works() {
		let inputs =
			[Vec::new(), list(&INDEXES), noise(MAX_STATUS_LIST_BITS / 8), vec![0xff; 70_000]];
		for data in inputs {
			let member = gzip(&data);
			assert_eq!(gunzip(&member), data);
			let stream = zlib(&data);
			assert_eq!(stream[0], 0x78, "deflate with a 32 KiB window");
			assert_eq!(u16::from_be_bytes([stream[0], stream[1]]) % 31, 0);
			assert_eq!(decompress_to_vec_zlib(&stream).expect("zlib"), data);
			// Whatever the input, at most 9 bits a byte: the capacity reserved is never exceeded.
			assert!(member.len() <= 10 + deflated_capacity(&data) + 8, "{}", member.len());
		}
		// A list of zeros but for a few bits shrinks to almost nothing.
		assert!(gzip(&list(&INDEXES)).len() < 200);
		assert!(zlib(&list(&[])).len() < 150);
	}

	#[test]
	fn runs_of_every_length_code_their_matches_works() {
		// Runs around each length symbol's bounds and the 258 limit, between other bytes (a
		// remainder of one or two after a long match must not be lost or doubled).
		let mut data = Vec::new();
		for length in (1..=600).chain([774, 775, 776, 1_031, 1_032, 16_384]) {
			data.extend(core::iter::repeat_n((length % 251) as u8, length));
			data.push(0xa5);
		}
		assert_eq!(gunzip(&gzip(&data)), data);
		assert_eq!(decompress_to_vec_zlib(&zlib(&data)).expect("zlib"), data);
	}

	#[test]
	fn checksums_match_their_check_values_works() {
		assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
		assert_eq!(crc32(b""), 0);
		assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
		assert_eq!(adler32(b""), 1);
		// Long runs of 0xff, where the sums would overflow without the reductions.
		let ones = vec![0xff; 1_000_000];
		assert_eq!(decompress_to_vec_zlib(&zlib(&ones)).expect("Adler-32 checks"), ones);
	}

	#[test]
	fn base64url_matches_rfc_4648_works() {
		let vectors: [(&[u8], &str); 8] = [
			(b"", ""),
			(b"f", "Zg"),
			(b"fo", "Zm8"),
			(b"foo", "Zm9v"),
			(b"foob", "Zm9vYg"),
			(b"fooba", "Zm9vYmE"),
			(b"foobar", "Zm9vYmFy"),
			(&[0xfb, 0xff, 0xbf], "-_-_"),
		];
		for (bytes, text) in vectors {
			assert_eq!(base64url(bytes), text);
			assert_eq!(base64url_len(bytes.len()), text.len());
			assert_eq!(base64url_decode(text).as_deref(), Some(bytes));
		}
		let data = noise(1000);
		assert_eq!(base64url_decode(&base64url(&data)), Some(data));
		// Padding, the standard alphabet, a dangling character, leftover bits: refused.
		for bad in ["Zg==", "Zm9v+/", "Zm9vY", "Zh", "Zm9", "Zm8 ", "é"] {
			assert_eq!(base64url_decode(bad), None, "{bad}");
		}
	}

	#[test]
	fn status_list_uris_are_http_urls_without_fragments_works() {
		assert!(is_status_list_uri("https://issuer.example/v1/status-lists/3f"));
		assert!(is_status_list_uri("http://127.0.0.1:8600/v1/status-lists/3f"));
		let long = format!("https://issuer.example/{}", "a".repeat(MAX_IDENTIFIER_BYTES));
		for bad in [
			"https://",
			"ftp://issuer.example/list",
			"urn:uuid:1",
			"https://issuer.example/list#1",
			"https://issuer.example/a list",
			long.as_str(),
		] {
			assert!(!is_status_list_uri(bad), "{bad}");
		}
	}
}
