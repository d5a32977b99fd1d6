//! Strict JSON and its canonical form.
//!
//! teeid hashes and signs JSON documents (credential schemas on chain, credentials in the TA),
//! so every side must turn the same document into the same bytes. This module parses JSON
//! strictly (RFC 8259, restricted to I-JSON, RFC 7493: valid Unicode, no duplicate member
//! names, numbers that are finite IEEE 754 doubles) and writes the JSON Canonicalization Scheme
//! (JCS, RFC 8785): members sorted by the UTF-16 code units of their names, no whitespace,
//! minimal string escapes, numbers as ECMAScript prints them.
//!
//! It is `no_std` and bounded: nesting deeper than [`MAX_DEPTH`] is an error, so hostile input
//! cannot exhaust the stack of the runtime or the TA.

use alloc::{string::String, vec::Vec};
use core::cmp::Ordering;

/// The deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 64;

/// A parsed JSON value. Parsed objects hold their members in canonical order; objects built in
/// code may hold them in any order (they are sorted when written).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
	/// `null`.
	Null,
	/// `true` or `false`.
	Bool(bool),
	/// A number, as the double it denotes.
	Number(f64),
	/// A string.
	String(String),
	/// An array.
	Array(Vec<Value>),
	/// An object: its members, with unique names.
	Object(Vec<(String, Value)>),
}

/// What is wrong with a document, and the byte offset where it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
	/// What is wrong.
	pub kind: JsonErrorKind,
	/// The offset in the input, in bytes.
	pub offset: usize,
}

/// The kinds of [`JsonError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonErrorKind {
	/// The input is not UTF-8.
	InvalidUtf8,
	/// The input ends inside a value.
	UnexpectedEnd,
	/// A character that cannot start or continue the value here.
	UnexpectedCharacter,
	/// Something follows the top-level value.
	TrailingCharacters,
	/// A number that does not follow the JSON grammar.
	InvalidNumber,
	/// A number too large to be a finite double.
	NumberOutOfRange,
	/// An unknown escape, or `\u` without four hex digits.
	InvalidEscape,
	/// A `\u` escape of half a surrogate pair (not valid Unicode).
	LoneSurrogate,
	/// An unescaped control character inside a string.
	ControlCharacter,
	/// An object names the same member twice.
	DuplicateMember,
	/// Arrays and objects nest deeper than [`MAX_DEPTH`].
	TooDeep,
}

impl Value {
	/// Parses one JSON document (surrounding whitespace allowed).
	pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
		let text = core::str::from_utf8(input)
			.map_err(|e| JsonError { kind: JsonErrorKind::InvalidUtf8, offset: e.valid_up_to() })?;
		let mut parser = Parser { text, bytes: input, pos: 0 };
		parser.skip_whitespace();
		let value = parser.value(0)?;
		parser.skip_whitespace();
		if parser.pos != input.len() {
			return Err(parser.error(JsonErrorKind::TrailingCharacters));
		}
		Ok(value)
	}

	/// The member `name` of an object.
	pub fn get(&self, name: &str) -> Option<&Value> {
		match self {
			Value::Object(members) => members.iter().find(|(n, _)| n == name).map(|(_, v)| v),
			_ => None,
		}
	}

	/// The string, if this is one.
	pub fn as_str(&self) -> Option<&str> {
		match self {
			Value::String(s) => Some(s),
			_ => None,
		}
	}

	/// The canonical (RFC 8785) form of this value.
	pub fn to_canonical(&self) -> Vec<u8> {
		// Documents canonicalized in the hot paths (credentials) are a few KiB: start with
		// room for one, so that the buffer is not grown and copied several times.
		let mut out = Vec::with_capacity(CANONICAL_CAPACITY);
		self.write_canonical(&mut out);
		out
	}

	/// The canonical form of this object without its member `name`, and where that member goes
	/// in it: [`CanonicalObject::with_member`] adds it back without writing the rest again.
	/// `None` if this is not an object.
	pub fn to_canonical_object(&self, name: &str) -> Option<CanonicalObject> {
		let Value::Object(members) = self else { return None };
		let mut sorted: Vec<&(String, Value)> = members.iter().filter(|(n, _)| n != name).collect();
		sorted.sort_unstable_by(|a, b| utf16_order(&a.0, &b.0));
		let mut bytes = Vec::with_capacity(CANONICAL_CAPACITY);
		bytes.push(b'{');
		let mut slot = None;
		for (i, (member, value)) in sorted.iter().enumerate() {
			if i > 0 {
				bytes.push(b',');
			}
			if slot.is_none() && utf16_order(name, member) == Ordering::Less {
				slot = Some(Slot::Before(bytes.len()));
			}
			write_string(member, &mut bytes);
			bytes.push(b':');
			value.write_canonical(&mut bytes);
		}
		let slot = slot.unwrap_or(if sorted.is_empty() { Slot::Only } else { Slot::Last });
		bytes.push(b'}');
		Some(CanonicalObject { bytes, name: name.into(), slot })
	}

	/// Appends the canonical (RFC 8785) form of this value to `out`.
	pub fn write_canonical(&self, out: &mut Vec<u8>) {
		match self {
			Value::Null => out.extend_from_slice(b"null"),
			Value::Bool(true) => out.extend_from_slice(b"true"),
			Value::Bool(false) => out.extend_from_slice(b"false"),
			Value::Number(n) => write_number(*n, out),
			Value::String(s) => write_string(s, out),
			Value::Array(items) => {
				out.push(b'[');
				for (i, item) in items.iter().enumerate() {
					if i > 0 {
						out.push(b',');
					}
					item.write_canonical(out);
				}
				out.push(b']');
			},
			Value::Object(members) => {
				let mut sorted: Vec<&(String, Value)> = members.iter().collect();
				sorted.sort_unstable_by(|a, b| utf16_order(&a.0, &b.0));
				out.push(b'{');
				for (i, (name, value)) in sorted.into_iter().enumerate() {
					if i > 0 {
						out.push(b',');
					}
					write_string(name, out);
					out.push(b':');
					value.write_canonical(out);
				}
				out.push(b'}');
			},
		}
	}
}

/// The capacity [`Value::to_canonical`] starts with.
const CANONICAL_CAPACITY: usize = 4096;

/// The canonical form of an object, kept with the place of one member it lacks: see
/// [`Value::to_canonical_object`].
#[derive(Clone, Debug)]
pub struct CanonicalObject {
	bytes: Vec<u8>,
	name: String,
	slot: Slot,
}

/// Where the missing member goes in a [`CanonicalObject`].
#[derive(Clone, Copy, Debug)]
enum Slot {
	/// At this offset, that of the next member's name; the member is written with a comma
	/// after it.
	Before(usize),
	/// After every member, before the closing brace.
	Last,
	/// Alone: the object has no other member.
	Only,
}

impl CanonicalObject {
	/// The canonical form of the object without the member.
	pub fn bytes(&self) -> &[u8] {
		&self.bytes
	}

	/// The canonical form of the object with the member set to `value`.
	pub fn with_member(self, value: &Value) -> Vec<u8> {
		let mut member = Vec::with_capacity(self.name.len() + 256);
		write_string(&self.name, &mut member);
		member.push(b':');
		value.write_canonical(&mut member);
		let mut out = Vec::with_capacity(self.bytes.len() + member.len() + 1);
		match self.slot {
			Slot::Before(at) => {
				out.extend_from_slice(&self.bytes[..at]);
				out.extend_from_slice(&member);
				out.push(b',');
				out.extend_from_slice(&self.bytes[at..]);
			},
			Slot::Last | Slot::Only => {
				let close = self.bytes.len() - 1;
				out.extend_from_slice(&self.bytes[..close]);
				if matches!(self.slot, Slot::Last) {
					out.push(b',');
				}
				out.extend_from_slice(&member);
				out.push(b'}');
			},
		}
		out
	}
}

/// Parses `input` strictly and returns its canonical (RFC 8785) form.
pub fn canonicalize(input: &[u8]) -> Result<Vec<u8>, JsonError> {
	Value::parse(input).map(|value| value.to_canonical())
}

/// RFC 8785 orders member names by their UTF-16 code units, not by UTF-8 bytes (the two
/// differ for characters above U+FFFF against U+E000..U+FFFF).
fn utf16_order(a: &str, b: &str) -> Ordering {
	// For ASCII (nearly every member name) the orders agree, and bytes compare faster.
	if a.is_ascii() && b.is_ascii() {
		return a.as_bytes().cmp(b.as_bytes());
	}
	a.encode_utf16().cmp(b.encode_utf16())
}

/// Numbers are printed as ECMAScript's `Number.prototype.toString` prints them (RFC 8785
/// section 3.2.2.3), which prints negative zero as `0`.
fn write_number(n: f64, out: &mut Vec<u8>) {
	if n == 0.0 {
		out.push(b'0');
	} else {
		out.extend_from_slice(ryu_js::Buffer::new().format_finite(n).as_bytes());
	}
}

/// Strings escape only `"`, `\` and control characters, the latter with the short escapes
/// where JSON has them and `\u00xx` (lower-case hex) otherwise (RFC 8785 section 3.2.2.2).
fn write_string(s: &str, out: &mut Vec<u8>) {
	const HEX: &[u8; 16] = b"0123456789abcdef";
	out.push(b'"');
	let bytes = s.as_bytes();
	// Most strings need no escape: one scan, one copy.
	if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
		out.extend_from_slice(bytes);
		out.push(b'"');
		return;
	}
	let mut plain_from = 0;
	for (i, &b) in bytes.iter().enumerate() {
		let escape: &[u8] = match b {
			b'"' => b"\\\"",
			b'\\' => b"\\\\",
			0x08 => b"\\b",
			b'\t' => b"\\t",
			b'\n' => b"\\n",
			0x0c => b"\\f",
			b'\r' => b"\\r",
			0x00..=0x1f => {
				&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]
			},
			_ => continue,
		};
		out.extend_from_slice(&bytes[plain_from..i]);
		out.extend_from_slice(escape);
		plain_from = i + 1;
	}
	out.extend_from_slice(&bytes[plain_from..]);
	out.push(b'"');
}

/// A recursive-descent parser over input already checked to be UTF-8.
struct Parser<'a> {
	text: &'a str,
	bytes: &'a [u8],
	pos: usize,
}

impl Parser<'_> {
	fn error(&self, kind: JsonErrorKind) -> JsonError {
		JsonError { kind, offset: self.pos }
	}

	fn peek(&self) -> Option<u8> {
		self.bytes.get(self.pos).copied()
	}

	fn skip_whitespace(&mut self) {
		while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
			self.pos += 1;
		}
	}

	/// Consumes `literal` (whose first byte was already seen).
	fn literal(&mut self, literal: &[u8], value: Value) -> Result<Value, JsonError> {
		match self.bytes.get(self.pos..self.pos + literal.len()) {
			Some(found) if found == literal => {
				self.pos += literal.len();
				Ok(value)
			},
			Some(_) => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
			None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
		}
	}

	fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
		match self.peek() {
			None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
			Some(b'n') => self.literal(b"null", Value::Null),
			Some(b't') => self.literal(b"true", Value::Bool(true)),
			Some(b'f') => self.literal(b"false", Value::Bool(false)),
			Some(b'"') => self.string().map(Value::String),
			Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
			Some(b'[') => self.array(depth + 1),
			Some(b'{') => self.object(depth + 1),
			Some(_) => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
		}
	}

	/// Consumes `byte` after optional whitespace, or fails.
	fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
		self.skip_whitespace();
		match self.peek() {
			Some(b) if b == byte => {
				self.pos += 1;
				Ok(())
			},
			Some(_) => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
			None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
		}
	}

	/// After an opening bracket: whether the container is empty (the closing bracket is then
	/// consumed).
	fn closes_at_once(&mut self, close: u8, depth: usize) -> Result<bool, JsonError> {
		if depth > MAX_DEPTH {
			return Err(self.error(JsonErrorKind::TooDeep));
		}
		self.pos += 1;
		self.skip_whitespace();
		if self.peek() == Some(close) {
			self.pos += 1;
			return Ok(true);
		}
		Ok(false)
	}

	/// After a member or element: whether another follows (`,`) or the container ends.
	fn more(&mut self, close: u8) -> Result<bool, JsonError> {
		self.skip_whitespace();
		match self.peek() {
			Some(b',') => {
				self.pos += 1;
				self.skip_whitespace();
				Ok(true)
			},
			Some(b) if b == close => {
				self.pos += 1;
				Ok(false)
			},
			Some(_) => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
			None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
		}
	}

	fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
		let mut items = Vec::new();
		if self.closes_at_once(b']', depth)? {
			return Ok(Value::Array(items));
		}
		loop {
			items.push(self.value(depth)?);
			if !self.more(b']')? {
				return Ok(Value::Array(items));
			}
		}
	}

	fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
		let at = self.pos;
		let mut members: Vec<(String, Value)> = Vec::new();
		if self.closes_at_once(b'}', depth)? {
			return Ok(Value::Object(members));
		}
		loop {
			if self.peek() != Some(b'"') {
				return Err(self.error(if self.peek().is_none() {
					JsonErrorKind::UnexpectedEnd
				} else {
					JsonErrorKind::UnexpectedCharacter
				}));
			}
			let name = self.string()?;
			self.expect(b':')?;
			self.skip_whitespace();
			let value = self.value(depth)?;
			members.push((name, value));
			if !self.more(b'}')? {
				return Self::unique(members, at);
			}
		}
	}

	/// Orders an object's members canonically and rejects a repeated name (sorting first
	/// keeps the check at O(n log n) for objects with thousands of members).
	fn unique(mut members: Vec<(String, Value)>, at: usize) -> Result<Value, JsonError> {
		members.sort_by(|a, b| utf16_order(&a.0, &b.0));
		if members.windows(2).any(|pair| pair[0].0 == pair[1].0) {
			return Err(JsonError { kind: JsonErrorKind::DuplicateMember, offset: at });
		}
		Ok(Value::Object(members))
	}

	/// A string, starting at its opening quote.
	fn string(&mut self) -> Result<String, JsonError> {
		self.pos += 1;
		let mut out = String::new();
		let mut plain_from = self.pos;
		loop {
			let Some(b) = self.peek() else {
				return Err(self.error(JsonErrorKind::UnexpectedEnd));
			};
			match b {
				b'"' => {
					out.push_str(&self.text[plain_from..self.pos]);
					self.pos += 1;
					return Ok(out);
				},
				b'\\' => {
					out.push_str(&self.text[plain_from..self.pos]);
					out.push(self.escape()?);
					plain_from = self.pos;
				},
				0x00..=0x1f => return Err(self.error(JsonErrorKind::ControlCharacter)),
				_ => self.pos += 1,
			}
		}
	}

	/// An escape sequence, starting at its backslash.
	fn escape(&mut self) -> Result<char, JsonError> {
		self.pos += 1;
		let Some(b) = self.peek() else {
			return Err(self.error(JsonErrorKind::UnexpectedEnd));
		};
		self.pos += 1;
		Ok(match b {
			b'"' => '"',
			b'\\' => '\\',
			b'/' => '/',
			b'b' => '\u{8}',
			b'f' => '\u{c}',
			b'n' => '\n',
			b'r' => '\r',
			b't' => '\t',
			b'u' => return self.unicode_escape(),
			_ => {
				self.pos -= 1;
				return Err(self.error(JsonErrorKind::InvalidEscape));
			},
		})
	}

	/// The code point of `\uXXXX` (after the `u`), joining a surrogate pair.
	fn unicode_escape(&mut self) -> Result<char, JsonError> {
		let start = self.pos;
		let first = self.hex4()?;
		let code = match first {
			0xd800..=0xdbff => {
				if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
					return Err(JsonError { kind: JsonErrorKind::LoneSurrogate, offset: start });
				}
				self.pos += 2;
				let second = self.hex4()?;
				if !(0xdc00..=0xdfff).contains(&second) {
					return Err(JsonError { kind: JsonErrorKind::LoneSurrogate, offset: start });
				}
				0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
			},
			0xdc00..=0xdfff => {
				return Err(JsonError { kind: JsonErrorKind::LoneSurrogate, offset: start })
			},
			_ => first,
		};
		char::from_u32(code).ok_or(JsonError { kind: JsonErrorKind::InvalidEscape, offset: start })
	}

	fn hex4(&mut self) -> Result<u32, JsonError> {
		let Some(digits) = self.bytes.get(self.pos..self.pos + 4) else {
			return Err(self.error(JsonErrorKind::UnexpectedEnd));
		};
		let mut code = 0;
		for &d in digits {
			let v = (d as char).to_digit(16).ok_or(self.error(JsonErrorKind::InvalidEscape))?;
			code = code * 16 + v;
		}
		self.pos += 4;
		Ok(code)
	}

	/// A number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
	fn number(&mut self) -> Result<f64, JsonError> {
		let start = self.pos;
		let invalid = |pos| JsonError { kind: JsonErrorKind::InvalidNumber, offset: pos };
		if self.peek() == Some(b'-') {
			self.pos += 1;
		}
		match self.peek() {
			Some(b'0') => self.pos += 1,
			Some(b'1'..=b'9') => self.digits(),
			_ => return Err(invalid(self.pos)),
		}
		if self.peek() == Some(b'.') {
			self.pos += 1;
			if !matches!(self.peek(), Some(b'0'..=b'9')) {
				return Err(invalid(self.pos));
			}
			self.digits();
		}
		if let Some(b'e' | b'E') = self.peek() {
			self.pos += 1;
			if let Some(b'+' | b'-') = self.peek() {
				self.pos += 1;
			}
			if !matches!(self.peek(), Some(b'0'..=b'9')) {
				return Err(invalid(self.pos));
			}
			self.digits();
		}
		let n: f64 = self.text[start..self.pos].parse().map_err(|_| invalid(start))?;
		if !n.is_finite() {
			return Err(JsonError { kind: JsonErrorKind::NumberOutOfRange, offset: start });
		}
		Ok(n)
	}

	fn digits(&mut self) {
		while let Some(b'0'..=b'9') = self.peek() {
			self.pos += 1;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn canonical(input: &str) -> String {
		String::from_utf8(canonicalize(input.as_bytes()).expect("valid JSON")).unwrap()
	}

	fn error(input: &str) -> JsonErrorKind {
		canonicalize(input.as_bytes()).expect_err("invalid JSON").kind
	}

	#[test]
	fn canonical_form_sorts_members_and_drops_whitespace_works() {
		assert_eq!(
			canonical(" { \"b\" : [1, 2 , {\"z\":null,\"a\":true}], \"a\": \"x\" } "),
			r#"{"a":"x","b":[1,2,{"a":true,"z":null}]}"#
		);
	}

	/// The example of RFC 8785 section 3.2.2 (with its numbers and escapes).
	#[test]
	fn rfc8785_example_works() {
		let input = r#"{
			"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
			"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
			"literals": [null, true, false]
		}"#;
		assert_eq!(
			canonical(input),
			"{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
			 \"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
		);
	}

	/// RFC 8785 section 3.2.3: names are sorted by UTF-16 code units.
	#[test]
	fn member_order_is_by_utf16_code_units_works() {
		let input = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
		let out = canonical(input);
		let names: Vec<&str> =
			["\\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1f600}", "\u{fb33}"]
				.into_iter()
				.collect();
		let mut last = 0;
		for name in names {
			let at = out.find(&alloc::format!("\"{name}\"")).expect("name present");
			assert!(at >= last, "{name} out of order in {out}");
			last = at;
		}
	}

	#[test]
	fn numbers_print_as_ecmascript_works() {
		for (input, expected) in [
			("0", "0"),
			("-0", "0"),
			("-0.0e5", "0"),
			("1", "1"),
			("-12.50", "-12.5"),
			("100", "100"),
			("1e21", "1e+21"),
			("1e20", "100000000000000000000"),
			("0.000001", "0.000001"),
			("0.0000001", "1e-7"),
			("9007199254740993", "9007199254740992"),
			("1.7976931348623157e308", "1.7976931348623157e+308"),
			("5e-324", "5e-324"),
		] {
			assert_eq!(canonical(input), expected, "{input}");
		}
	}

	#[test]
	fn strings_escape_minimally_works() {
		assert_eq!(canonical(r#""\u0000\u001f\t\/é\ud83d\ude00""#), "\"\\u0000\\u001f\\t/é😀\"");
		assert_eq!(canonical("\"é😀\""), "\"é😀\"");
	}

	#[test]
	fn malformed_documents_fail() {
		use JsonErrorKind::*;
		for (input, kind) in [
			("", UnexpectedEnd),
			("{", UnexpectedEnd),
			("{\"a\":1,}", UnexpectedCharacter),
			("[1,]", UnexpectedCharacter),
			("[1 2]", UnexpectedCharacter),
			("{\"a\" 1}", UnexpectedCharacter),
			("{a:1}", UnexpectedCharacter),
			("nul", UnexpectedEnd),
			("nulL", UnexpectedCharacter),
			("{} {}", TrailingCharacters),
			("01", TrailingCharacters),
			("1.", InvalidNumber),
			(".5", UnexpectedCharacter),
			("-", InvalidNumber),
			("1e", InvalidNumber),
			("+1", UnexpectedCharacter),
			("1e400", NumberOutOfRange),
			("\"\\x\"", InvalidEscape),
			("\"\\u12g4\"", InvalidEscape),
			("\"\\ud800\"", LoneSurrogate),
			("\"\\udc00\"", LoneSurrogate),
			("\"\\ud800\\u0041\"", LoneSurrogate),
			("\"a\nb\"", ControlCharacter),
			("\"abc", UnexpectedEnd),
			("{\"a\":1,\"a\":2}", DuplicateMember),
			("// comment\n{}", UnexpectedCharacter),
			("NaN", UnexpectedCharacter),
		] {
			assert_eq!(error(input), kind, "{input:?}");
		}
		assert_eq!(
			Value::parse(&[b'"', 0xff, b'"']).unwrap_err(),
			JsonError { kind: InvalidUtf8, offset: 1 }
		);
	}

	#[test]
	fn nesting_is_bounded_works() {
		let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
		assert!(canonicalize(ok.as_bytes()).is_ok());
		let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
		assert_eq!(error(&deep), JsonErrorKind::TooDeep);
		// Far deeper than the stack would allow without the bound.
		let hostile = "{\"a\":".repeat(100_000);
		assert_eq!(error(&hostile), JsonErrorKind::TooDeep);
	}

	#[test]
	fn canonical_form_is_a_fixed_point_works() {
		let once = canonical(r#"{"b":{"d":[1.0,"\u00e9"],"c":-0},"a":1e-7}"#);
		assert_eq!(canonical(&once), once);
	}

	#[test]
	fn adding_a_member_to_a_canonical_object_works() {
		let document = Value::parse(br#"{"b":1,"d":[2,{"y":1,"x":0}],"proof":"old"}"#).unwrap();
		let member = Value::parse(br#"{"z":"\u0001","a":null}"#).unwrap();
		for name in ["a", "c", "e", "\u{e000}", "\u{10000}", "proof"] {
			let split = document.to_canonical_object(name).unwrap();
			let Value::Object(mut members) = document.clone() else { unreachable!() };
			members.retain(|(n, _)| n != name);
			assert_eq!(split.bytes(), Value::Object(members.clone()).to_canonical(), "{name}");
			members.push((name.into(), member.clone()));
			assert_eq!(split.with_member(&member), Value::Object(members).to_canonical(), "{name}");
		}
		let only = Value::Object(Vec::new()).to_canonical_object("a").unwrap();
		assert_eq!(only.bytes(), b"{}");
		assert_eq!(only.with_member(&Value::Null), br#"{"a":null}"#);
		assert!(Value::Null.to_canonical_object("a").is_none());
	}

	#[test]
	fn accessors_work() {
		let v = Value::parse(br#"{"type":"object","n":1}"#).unwrap();
		assert_eq!(v.get("type").and_then(Value::as_str), Some("object"));
		assert_eq!(v.get("n").and_then(Value::as_str), None);
		assert_eq!(v.get("missing"), None);
		assert_eq!(Value::Null.get("type"), None);
	}
}
