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
//! cannot exhaust the stack of the runtime or the TA. What a document costs in memory is known
//! before any of it is allocated: one pass over the bytes counts its values, containers and
//! nesting ([`Limits::check`]) and refuses a document over the caller's [`Limits`]; the same
//! count gives every array, object and string its exact capacity, so parsing never grows (and
//! copies) a buffer. Canonical forms are written into a buffer of their exact length, or
//! straight into a hash through a [`Sink`], never copied.

use alloc::{string::String, vec, vec::Vec};
use core::cmp::Ordering;

/// The deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 64;

/// What a document may hold, checked by one pass over its bytes before anything is allocated
/// ([`Value::parse_with`]). A parsed document costs at most about 64 bytes of memory per value
/// (the slot in its array or object, and the allocation of a non-empty string or container)
/// plus its string bytes, so `max_values` and `max_bytes` bound what parsing it can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
	/// The longest input, in bytes.
	pub max_bytes: usize,
	/// The most values: every `null`, boolean, number, string, array and object at any depth,
	/// and every member name (a string the parser allocates like any other).
	pub max_values: usize,
	/// The deepest nesting of arrays and objects; at most [`MAX_DEPTH`] applies whatever it is.
	pub max_depth: usize,
}

impl Limits {
	/// Only [`MAX_DEPTH`]: what [`Value::parse`] applies.
	pub const NONE: Limits =
		Limits { max_bytes: usize::MAX, max_values: usize::MAX, max_depth: MAX_DEPTH };

	/// Checks `input` against these limits without parsing or allocating, and returns what it
	/// holds. The grammar is not checked (parsing does that): the counts are exact for valid
	/// JSON, and bounded by the input's tokens for anything else.
	pub fn check(&self, input: &[u8]) -> Result<Shape, JsonError> {
		if input.len() > self.max_bytes {
			return Err(JsonError { kind: JsonErrorKind::TooLong, offset: self.max_bytes });
		}
		scan(input, self, None)
	}
}

/// What a document holds, as [`Limits::check`] counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
	/// Its values, member names included.
	pub values: usize,
	/// Its arrays and objects.
	pub containers: usize,
	/// Its deepest nesting of arrays and objects (0 for a scalar).
	pub depth: usize,
}

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
	/// Arrays and objects nest deeper than [`MAX_DEPTH`] (or the [`Limits`]' `max_depth`).
	TooDeep,
	/// The input is longer than the [`Limits`]' `max_bytes`.
	TooLong,
	/// The input holds more values than the [`Limits`]' `max_values`.
	TooManyValues,
}

impl JsonErrorKind {
	/// Whether the document exceeds limits (rather than not being JSON): [`Self::TooDeep`],
	/// [`Self::TooLong`] or [`Self::TooManyValues`]. Limits are checked before the grammar, so a
	/// document that does both is refused for its size.
	pub fn is_limit(self) -> bool {
		matches!(self, Self::TooDeep | Self::TooLong | Self::TooManyValues)
	}
}

impl Value {
	/// Parses one JSON document (surrounding whitespace allowed), nested at most [`MAX_DEPTH`]
	/// deep.
	pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
		Self::parse_with(input, &Limits::NONE)
	}

	/// Parses one JSON document within `limits`: its bytes, values and nesting are checked
	/// ([`Limits::check`]) before anything is allocated.
	pub fn parse_with(input: &[u8], limits: &Limits) -> Result<Value, JsonError> {
		if input.len() > limits.max_bytes {
			return Err(JsonError { kind: JsonErrorKind::TooLong, offset: limits.max_bytes });
		}
		let text = core::str::from_utf8(input)
			.map_err(|e| JsonError { kind: JsonErrorKind::InvalidUtf8, offset: e.valid_up_to() })?;
		let shape = scan(input, limits, None)?;
		// A second pass records how many elements each container holds, so that each is
		// allocated once at its final size.
		let mut sizes = vec![0u32; shape.containers];
		scan(input, limits, Some(sizes.as_mut_slice()))?;
		let mut parser =
			Parser { text, bytes: input, pos: 0, sizes: &sizes, opened: 0, values: shape.values };
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
		// Allocated at its final length: a large document is not grown (and copied) as it is
		// written, which in a TA's heap would cost up to three times its size at once.
		let mut out = Vec::with_capacity(self.canonical_len());
		self.write_canonical_to(&mut out);
		out
	}

	/// The length of [`Self::to_canonical`], without writing it.
	pub fn canonical_len(&self) -> usize {
		let mut length = Length(0);
		self.write_canonical_to(&mut length);
		length.0
	}

	/// The canonical form of this object without its member `name`, and where that member goes
	/// in it: [`CanonicalObject::with_member`] adds it back without writing the rest again.
	/// `None` if this is not an object.
	pub fn to_canonical_object(&self, name: &str) -> Option<CanonicalObject> {
		let Value::Object(members) = self else { return None };
		let mut sorted: Vec<&(String, Value)> = members.iter().filter(|(n, _)| n != name).collect();
		sorted.sort_unstable_by(|a, b| utf16_order(&a.0, &b.0));
		let mut length = Length(0);
		write_members(sorted.iter().copied(), &mut length);
		// Room for the member to come, so that it is inserted in place.
		let mut bytes = Vec::with_capacity(2 + length.0 + MEMBER_ROOM);
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
			value.write_canonical_to(&mut bytes);
		}
		let slot = slot.unwrap_or(if sorted.is_empty() { Slot::Only } else { Slot::Last });
		bytes.push(b'}');
		Some(CanonicalObject { bytes, name: name.into(), slot })
	}

	/// Appends the canonical (RFC 8785) form of this value to `out`.
	pub fn write_canonical(&self, out: &mut Vec<u8>) {
		self.write_canonical_to(out);
	}

	/// Writes the canonical (RFC 8785) form of this value to `out`: a buffer, or a hash that so
	/// never holds the document.
	pub fn write_canonical_to<S: Sink + ?Sized>(&self, out: &mut S) {
		match self {
			Value::Null => out.write(b"null"),
			Value::Bool(true) => out.write(b"true"),
			Value::Bool(false) => out.write(b"false"),
			Value::Number(n) => write_number(*n, out),
			Value::String(s) => write_string(s, out),
			Value::Array(items) => {
				out.write(b"[");
				for (i, item) in items.iter().enumerate() {
					if i > 0 {
						out.write(b",");
					}
					item.write_canonical_to(out);
				}
				out.write(b"]");
			},
			Value::Object(members) => {
				out.write(b"{");
				// Parsed objects are already in canonical order: written as they are, without a
				// sorted list of them.
				if in_canonical_order(members) {
					write_members(members.iter(), out);
				} else {
					let mut sorted: Vec<&(String, Value)> = members.iter().collect();
					sorted.sort_unstable_by(|a, b| utf16_order(&a.0, &b.0));
					write_members(sorted.into_iter(), out);
				}
				out.write(b"}");
			},
		}
	}
}

/// Where a canonical form is written ([`Value::write_canonical_to`]).
pub trait Sink {
	/// Appends `bytes`.
	fn write(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
	fn write(&mut self, bytes: &[u8]) {
		self.extend_from_slice(bytes);
	}
}

/// A [`Sink`] that only counts.
struct Length(usize);

impl Sink for Length {
	fn write(&mut self, bytes: &[u8]) {
		self.0 += bytes.len();
	}
}

/// `name:value` pairs, comma-separated, in the order given.
fn write_members<'a, S: Sink + ?Sized>(
	members: impl Iterator<Item = &'a (String, Value)>,
	out: &mut S,
) {
	for (i, (name, value)) in members.enumerate() {
		if i > 0 {
			out.write(b",");
		}
		write_string(name, out);
		out.write(b":");
		value.write_canonical_to(out);
	}
}

/// Whether `members` are strictly in canonical order (so also unique).
fn in_canonical_order(members: &[(String, Value)]) -> bool {
	members.windows(2).all(|pair| utf16_order(&pair[0].0, &pair[1].0) == Ordering::Less)
}

/// The room [`Value::to_canonical_object`] leaves for the member [`CanonicalObject::with_member`]
/// adds: a credential's Data Integrity proof is under 1 KiB.
const MEMBER_ROOM: usize = 1024;

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

	/// The canonical form of the object with the member set to `value`, inserted into the
	/// object's own buffer (which has room for it unless the member is over 1 KiB).
	pub fn with_member(self, value: &Value) -> Vec<u8> {
		let CanonicalObject { mut bytes, name, slot } = self;
		let mut member = Vec::with_capacity(name.len() + value.canonical_len() + 8);
		if matches!(slot, Slot::Last) {
			member.push(b',');
		}
		write_string(&name, &mut member);
		member.push(b':');
		value.write_canonical_to(&mut member);
		let at = match slot {
			Slot::Before(at) => {
				member.push(b',');
				at
			},
			Slot::Last | Slot::Only => bytes.len() - 1,
		};
		bytes.splice(at..at, member).for_each(drop);
		bytes
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
fn write_number<S: Sink + ?Sized>(n: f64, out: &mut S) {
	if n == 0.0 {
		out.write(b"0");
	} else {
		out.write(ryu_js::Buffer::new().format_finite(n).as_bytes());
	}
}

/// Strings escape only `"`, `\` and control characters, the latter with the short escapes
/// where JSON has them and `\u00xx` (lower-case hex) otherwise (RFC 8785 section 3.2.2.2).
fn write_string<S: Sink + ?Sized>(s: &str, out: &mut S) {
	const HEX: &[u8; 16] = b"0123456789abcdef";
	out.write(b"\"");
	let bytes = s.as_bytes();
	// Most strings need no escape: one scan, one copy.
	if !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\') {
		out.write(bytes);
		out.write(b"\"");
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
		out.write(&bytes[plain_from..i]);
		out.write(escape);
		plain_from = i + 1;
	}
	out.write(&bytes[plain_from..]);
	out.write(b"\"");
}

/// One pass over `input` that counts its values (member names included), its containers and
/// the elements (or members) of each, without allocating and without checking the grammar:
/// exact for valid JSON, bounded by the input's tokens for anything else. Stops at the first
/// limit exceeded. With `sizes`, records the element count of the n-th container (in the order
/// of their opening brackets, the order the parser opens them) in `sizes[n]`.
fn scan(input: &[u8], limits: &Limits, mut sizes: Option<&mut [u32]>) -> Result<Shape, JsonError> {
	let max_depth = limits.max_depth.min(MAX_DEPTH);
	// The open containers: their index in `sizes`, their elements so far, whether an object.
	let mut open = [(0usize, 0u32, false); MAX_DEPTH];
	let mut depth = 0;
	let mut shape = Shape::default();
	// Whether a string here would be a member name (after `{` or a comma in an object).
	let mut name_next = false;
	let mut pos = 0;
	while let Some(&byte) = input.get(pos) {
		let start = pos;
		pos += 1;
		match byte {
			b' ' | b'\t' | b'\n' | b'\r' => continue,
			b':' => {
				name_next = false;
				continue;
			},
			b',' => {
				name_next = depth > 0 && open[depth - 1].2;
				continue;
			},
			b']' | b'}' => {
				if depth > 0 {
					depth -= 1;
					let (index, elements, _) = open[depth];
					if let Some(slot) = sizes.as_deref_mut().and_then(|s| s.get_mut(index)) {
						*slot = elements;
					}
				}
				name_next = false;
				continue;
			},
			b'"' => {
				while let Some(&b) = input.get(pos) {
					pos += 1;
					match b {
						b'"' => break,
						b'\\' => pos += 1,
						_ => {},
					}
				}
			},
			b'[' | b'{' => {},
			// A literal or a number: up to the next delimiter.
			_ => {
				while let Some(&b) = input.get(pos) {
					if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b':' | b',' | b'"')
						|| matches!(b, b'[' | b']' | b'{' | b'}')
					{
						break;
					}
					pos += 1;
				}
			},
		}
		// `byte` starts a value, or a member name.
		shape.values += 1;
		if shape.values > limits.max_values {
			return Err(JsonError { kind: JsonErrorKind::TooManyValues, offset: start });
		}
		let is_name = byte == b'"' && name_next;
		name_next = false;
		if depth > 0 {
			// An array counts its values; an object its members, at their names.
			let (_, elements, object) = &mut open[depth - 1];
			if is_name || !*object {
				*elements = elements.saturating_add(1);
			}
		}
		if byte == b'[' || byte == b'{' {
			if depth >= max_depth {
				return Err(JsonError { kind: JsonErrorKind::TooDeep, offset: start });
			}
			open[depth] = (shape.containers, 0, byte == b'{');
			depth += 1;
			shape.containers += 1;
			shape.depth = shape.depth.max(depth);
			name_next = byte == b'{';
		}
	}
	Ok(shape)
}

/// A recursive-descent parser over input already checked to be UTF-8 and counted by [`scan`].
struct Parser<'a> {
	text: &'a str,
	bytes: &'a [u8],
	pos: usize,
	/// The element count of each container, in the order they open.
	sizes: &'a [u32],
	/// How many containers were opened so far.
	opened: usize,
	/// The values the document holds.
	values: usize,
}

impl Parser<'_> {
	fn error(&self, kind: JsonErrorKind) -> JsonError {
		JsonError { kind, offset: self.pos }
	}

	/// The capacity of the container opening here: what [`scan`] counted for it, never more
	/// than the document's values (however the bytes after it turn out to be malformed).
	fn next_capacity(&mut self) -> usize {
		let elements = self.sizes.get(self.opened).copied().unwrap_or(0) as usize;
		self.opened += 1;
		elements.min(self.values)
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
		let mut items = Vec::with_capacity(self.next_capacity());
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
		let mut members: Vec<(String, Value)> = Vec::with_capacity(self.next_capacity());
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
	/// keeps the check at O(n log n) for objects with thousands of members). The sort is in
	/// place: a stable sort would take a buffer as large as the members.
	fn unique(mut members: Vec<(String, Value)>, at: usize) -> Result<Value, JsonError> {
		members.sort_unstable_by(|a, b| utf16_order(&a.0, &b.0));
		if members.windows(2).any(|pair| pair[0].0 == pair[1].0) {
			return Err(JsonError { kind: JsonErrorKind::DuplicateMember, offset: at });
		}
		Ok(Value::Object(members))
	}

	/// A string, starting at its opening quote.
	fn string(&mut self) -> Result<String, JsonError> {
		self.pos += 1;
		// Its bytes up to the closing quote, escapes included: at least what they decode to.
		let mut end = self.pos;
		while let Some(&b) = self.bytes.get(end) {
			match b {
				b'"' => break,
				b'\\' => end += 2,
				_ => end += 1,
			}
		}
		let mut out = String::with_capacity(end.min(self.bytes.len()) - self.pos);
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
	fn limits_are_checked_before_parsing_works() {
		use JsonErrorKind::*;
		let document = br#"{"a":[1,"x",{"b":null}],"c":true}"#;
		// The outer object, names `a`, `b` and `c`, the array, 1, "x", the inner object, null and
		// true.
		let shape = Limits::NONE.check(document).unwrap();
		assert_eq!(shape, Shape { values: 10, containers: 3, depth: 3 });
		let exact = Limits { max_bytes: document.len(), max_values: 10, max_depth: 3 };
		assert!(Value::parse_with(document, &exact).is_ok());
		for (limits, kind) in [
			(Limits { max_bytes: document.len() - 1, ..exact }, TooLong),
			(Limits { max_values: 9, ..exact }, TooManyValues),
			(Limits { max_depth: 2, ..exact }, TooDeep),
		] {
			assert_eq!(limits.check(document).unwrap_err().kind, kind);
			assert_eq!(Value::parse_with(document, &limits).unwrap_err().kind, kind);
			assert!(kind.is_limit());
		}
		// Limits come before the grammar: malformed and too large is refused as too large.
		let few = Limits { max_values: 3, ..Limits::NONE };
		assert_eq!(Value::parse_with(b"[1,2,3,4 5]", &few).unwrap_err().kind, TooManyValues);
		assert!(!UnexpectedCharacter.is_limit());
		// Separators are not values: a malformed array of commas counts as one value.
		assert_eq!(Limits::NONE.check(b"[,,,,,,]").unwrap().values, 1);
		// A depth of 1,000,000 costs one pass and no memory to refuse.
		let deep = "[".repeat(1_000_000);
		let refused = Limits::NONE.check(deep.as_bytes()).unwrap_err();
		assert_eq!(refused, JsonError { kind: TooDeep, offset: MAX_DEPTH });
	}

	#[test]
	fn parsed_containers_and_strings_have_their_exact_size_works() {
		let input = br#"[1, "a\nb", {"k": [], "j": [true, false, null]}, []]"#;
		let value = Value::parse(input).unwrap();
		let Value::Array(items) = &value else { panic!("{value:?}") };
		assert_eq!((items.len(), items.capacity()), (4, 4));
		let Value::String(text) = &items[1] else { panic!("{value:?}") };
		// Four bytes of input (`a\nb`) for the three they decode to: no string is grown.
		assert_eq!((text.as_str(), text.capacity()), ("a\nb", 4));
		let Value::Object(members) = &items[2] else { panic!("{value:?}") };
		assert_eq!(members.capacity(), 2);
		let Value::Array(flags) = &members[0].1 else { panic!("{value:?}") };
		assert_eq!((members[0].0.as_str(), flags.capacity()), ("j", 3));
		assert_eq!(items[3], Value::Array(Vec::new()));
	}

	#[test]
	fn canonical_forms_are_written_at_their_exact_length_works() {
		/// A sink that is not a buffer: it sees the pieces.
		struct Pieces(Vec<Vec<u8>>);
		impl Sink for Pieces {
			fn write(&mut self, bytes: &[u8]) {
				self.0.push(bytes.to_vec());
			}
		}
		let object = r#"{"b":[1e21,-0,"\u0001\u00e9"],"a":{"z":null,"y":true}}"#;
		for input in [object, r#""""#, "[]", "1e-7"] {
			let value = Value::parse(input.as_bytes()).unwrap();
			let bytes = value.to_canonical();
			assert_eq!(value.canonical_len(), bytes.len(), "{input}");
			assert_eq!(bytes.capacity(), bytes.len(), "{input}");
			let mut pieces = Pieces(Vec::new());
			value.write_canonical_to(&mut pieces);
			assert_eq!(pieces.0.concat(), bytes, "{input}");
		}
		// Objects built in any order are written sorted.
		let built = Value::Object(vec![("b".into(), Value::Null), ("a".into(), Value::Bool(true))]);
		assert_eq!(built.to_canonical(), br#"{"a":true,"b":null}"#);
		assert_eq!(built.canonical_len(), 19);
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
