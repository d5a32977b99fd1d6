//! Any bytes, as a JSON document: teeid's strict parser and RFC 8785 canonical form
//! (`teeid_primitives::json`) against another implementation, `serde_json` (with
//! `float_roundtrip`, without `arbitrary_precision`) and the JCS crate `serde_json_canonicalizer`:
//!
//! - what the strict parser accepts, `serde_json` accepts too, and both canonical forms are the
//!   same bytes;
//! - what it refuses while `serde_json` accepts breaks one of the two strictness rules that
//!   `serde_json` does not apply, checked here independently of both parsers: an object names a
//!   member twice (I-JSON, RFC 7493 section 2.3; `serde_json` keeps the last), or arrays and
//!   objects nest deeper than `MAX_DEPTH` (`serde_json` allows 128). Its other I-JSON refusals
//!   (half a surrogate pair, a number beyond the doubles, text that is not UTF-8) are refusals of
//!   `serde_json` as well, so a document refused for one of those that `serde_json` accepts is a
//!   bug too;
//! - every number prints as ECMAScript's `Number::toString` prints it: both canonicalizers print
//!   numbers with `ryu-js`, so this compares with that rule applied to the shortest round-trip
//!   digits of the standard library's own formatting;
//! - the canonical form is a fixed point, `canonical_len` is its length, an object rebuilt from
//!   [`Value::to_canonical_object`] is the same bytes, and [`Limits::check`] counts exactly what
//!   [`Value::parse_with`] then accepts (one value, one level or one byte less is refused).
//!
//! `scripts/fuzz.sh json_differential` runs it from the seeds in `corpus/json_differential`; with
//! a nightly toolchain, `cargo fuzz run json_differential` (from `ta/`) does too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::{borrow::Cow, collections::BTreeSet, fmt};
use teeid_primitives::json::{JsonErrorKind, Limits, Value, MAX_DEPTH};

fuzz_target!(|data: &[u8]| {
	match (Value::parse(data), serde_json::from_slice::<serde_json::Value>(data)) {
		(Ok(value), Ok(other)) => {
			let canonical = value.to_canonical();
			let expected = serde_json_canonicalizer::to_vec(&other)
				.expect("serde_json_canonicalizer writes whatever serde_json parsed");
			assert!(
				canonical == expected,
				"canonical forms differ for {:?}:\n ours:   {}\n theirs: {}",
				lossy(data),
				lossy(&canonical),
				lossy(&expected)
			);
			check_numbers(&value);
			check_canonical_form(data, &value, &canonical);
		},
		(Ok(_), Err(refusal)) => {
			panic!("accepted what serde_json refuses ({refusal}): {:?}", lossy(data))
		},
		(Err(refusal), Ok(_)) => {
			let nesting = serde_json::from_slice::<Nesting>(data)
				.expect("what serde_json parses as a Value it parses as a Nesting");
			let rule = if nesting.depth > MAX_DEPTH {
				JsonErrorKind::TooDeep
			} else if nesting.duplicate {
				JsonErrorKind::DuplicateMember
			} else {
				panic!("refused ({refusal:?}) valid I-JSON: {:?}", lossy(data))
			};
			assert_eq!(refusal.kind, rule, "wrong refusal of {:?}", lossy(data));
		},
		(Err(refusal), Err(_)) => {
			assert!(
				refusal.offset <= data.len(),
				"{refusal:?} is past the end of {:?}",
				lossy(data)
			);
		},
	}
});

fn lossy(bytes: &[u8]) -> Cow<'_, str> {
	String::from_utf8_lossy(bytes)
}

/// Every number of `value` is written as ECMAScript prints it.
fn check_numbers(value: &Value) {
	match value {
		Value::Number(n) => {
			let written = Value::Number(*n).to_canonical();
			let expected = ecmascript_number(*n);
			assert!(
				written == expected.as_bytes() || is_even_tie(*n, &lossy(&written), &expected),
				"{n:?} written as {}, ECMAScript prints {expected}",
				lossy(&written)
			);
		},
		Value::Array(items) => items.iter().for_each(check_numbers),
		Value::Object(members) => members.iter().for_each(|(_, member)| check_numbers(member)),
		Value::Null | Value::Bool(_) | Value::String(_) => {},
	}
}

/// Whether `written` and `expected` are the two shortest decimals that both read back as `n`,
/// one unit apart in their last digit, and `written` ends in the even digit. ECMA-262 breaks
/// such a tie towards the even digit ("if there are two such possible values of s, choose the
/// one that is even"); the standard library's shortest digits round half up (found by this
/// target: -1844674407333333.25 is `-1844674407333333.2` in ECMAScript and in Node.js, `.3`
/// from `{:e}`).
fn is_even_tie(n: f64, written: &str, expected: &str) -> bool {
	let split = |text: &str| match text.find('e') {
		Some(at) => (text[..at].to_string(), text[at..].to_string()),
		None => (text.to_string(), String::new()),
	};
	let ((w, w_exponent), (e, e_exponent)) = (split(written), split(expected));
	let (Some(w_last), Some(e_last)) = (w.chars().last(), e.chars().last()) else {
		return false;
	};
	let (Some(w_digit), Some(e_digit)) = (w_last.to_digit(10), e_last.to_digit(10)) else {
		return false;
	};
	written.parse::<f64>().ok() == Some(n)
		&& w_exponent == e_exponent
		&& w.len() == e.len()
		&& w[..w.len() - 1] == e[..e.len() - 1]
		&& w_digit.abs_diff(e_digit) == 1
		&& w_digit % 2 == 0
}

/// `n` as ECMA-262's `Number::toString` (section 6.1.6.1.20) writes it: from the shortest digits
/// that read back as `n`, here those of the standard library's `{:e}` (its own shortest-digit
/// algorithm, not `ryu-js`), placed by the rule's four cases. Negative zero is written `0`.
fn ecmascript_number(n: f64) -> String {
	if n == 0.0 {
		return "0".into();
	}
	let scientific = format!("{:e}", n.abs());
	let (mantissa, exponent) = scientific.split_once('e').expect("`{:e}` writes an exponent");
	let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
	let exponent: i32 = exponent.parse().expect("`{:e}` writes a decimal exponent");
	// ECMA-262's k and n: the value is 0.d1...dk times 10 to the n.
	let k = digits.len() as i32;
	let point = exponent + 1;
	let written = if (k..=21).contains(&point) {
		format!("{digits}{}", "0".repeat((point - k) as usize))
	} else if (1..=21).contains(&point) {
		let (whole, fraction) = digits.split_at(point as usize);
		format!("{whole}.{fraction}")
	} else if (-5..=0).contains(&point) {
		format!("0.{}{digits}", "0".repeat(-point as usize))
	} else {
		let (first, rest) = digits.split_at(1);
		let dot = if rest.is_empty() { "" } else { "." };
		let sign = if point - 1 > 0 { '+' } else { '-' };
		format!("{first}{dot}{rest}e{sign}{}", (point - 1).abs())
	};
	if n < 0.0 {
		format!("-{written}")
	} else {
		written
	}
}

/// The properties of a canonical form the other implementation does not check.
fn check_canonical_form(input: &[u8], value: &Value, canonical: &[u8]) {
	use JsonErrorKind::{TooDeep, TooLong, TooManyValues};
	assert_eq!(value.canonical_len(), canonical.len(), "canonical_len of {:?}", lossy(input));
	let again = Value::parse(canonical).expect("a canonical form parses");
	assert!(again.to_canonical() == canonical, "not a fixed point: {}", lossy(canonical));
	if let Value::Object(members) = value {
		if let Some((name, member)) = members.first() {
			let split = value.to_canonical_object(name).expect("an object splits");
			assert!(
				split.with_member(member) == canonical,
				"`{name}` put back differs from {}",
				lossy(canonical)
			);
		}
	}
	let shape = Limits::NONE.check(input).expect("a document parsed is within Limits::NONE");
	let exact = Limits { max_bytes: input.len(), max_values: shape.values, max_depth: shape.depth };
	if let Err(refusal) = Value::parse_with(input, &exact) {
		panic!("refused ({refusal:?}) at its own {shape:?}: {:?}", lossy(input));
	}
	// One byte, one value or one level less than the document needs is refused for that.
	let mut tighter = vec![(Limits { max_bytes: input.len() - 1, ..exact }, TooLong)];
	if shape.values > 0 {
		tighter.push((Limits { max_values: shape.values - 1, ..exact }, TooManyValues));
	}
	if shape.depth > 0 {
		tighter.push((Limits { max_depth: shape.depth - 1, ..exact }, TooDeep));
	}
	for (limits, kind) in tighter {
		let refused = Value::parse_with(input, &limits).map(drop).map_err(|e| e.kind);
		assert_eq!(refused, Err(kind), "{limits:?} against {shape:?} of {:?}", lossy(input));
	}
}

/// What matters about a document for the strictness rules, read by `serde_json` through a
/// visitor of its own rather than by either parser under test: its deepest nesting of arrays and
/// objects (0 for a scalar), and whether an object names a member twice (names compared after
/// their escapes are decoded, as I-JSON compares them).
struct Nesting {
	depth: usize,
	duplicate: bool,
}

impl Nesting {
	const SCALAR: Nesting = Nesting { depth: 0, duplicate: false };

	/// Folds in one element or member value of a container.
	fn add(&mut self, inner: Nesting) {
		self.depth = self.depth.max(inner.depth + 1);
		self.duplicate |= inner.duplicate;
	}
}

impl<'de> Deserialize<'de> for Nesting {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		deserializer.deserialize_any(NestingVisitor)
	}
}

struct NestingVisitor;

impl<'de> Visitor<'de> for NestingVisitor {
	type Value = Nesting;

	fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
		f.write_str("any JSON value")
	}

	fn visit_unit<E: de::Error>(self) -> Result<Nesting, E> {
		Ok(Nesting::SCALAR)
	}

	fn visit_bool<E: de::Error>(self, _: bool) -> Result<Nesting, E> {
		Ok(Nesting::SCALAR)
	}

	fn visit_i64<E: de::Error>(self, _: i64) -> Result<Nesting, E> {
		Ok(Nesting::SCALAR)
	}

	fn visit_u64<E: de::Error>(self, _: u64) -> Result<Nesting, E> {
		Ok(Nesting::SCALAR)
	}

	fn visit_f64<E: de::Error>(self, _: f64) -> Result<Nesting, E> {
		Ok(Nesting::SCALAR)
	}

	fn visit_str<E: de::Error>(self, _: &str) -> Result<Nesting, E> {
		Ok(Nesting::SCALAR)
	}

	fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Nesting, A::Error> {
		// An empty array is one level deep.
		let mut nesting = Nesting { depth: 1, duplicate: false };
		while let Some(item) = items.next_element::<Nesting>()? {
			nesting.add(item);
		}
		Ok(nesting)
	}

	fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Nesting, A::Error> {
		let mut nesting = Nesting { depth: 1, duplicate: false };
		let mut names = BTreeSet::new();
		while let Some(name) = members.next_key::<String>()? {
			nesting.duplicate |= !names.insert(name);
			nesting.add(members.next_value::<Nesting>()?);
		}
		Ok(nesting)
	}
}
