//! Benchmarks of the CPT pallet. Names, titles and descriptions are as long as the limits
//! allow, and schemas are built to be the costliest JSON per byte the chain accepts (arrays of
//! one-digit numbers, each parsed and reprinted), so the weights are worst cases.

use super::*;
use alloc::{format, vec};
use frame_benchmarking::v2::*;

/// A DID that can act and pay deposits.
fn did<T: Config>(name: &'static str, index: u32) -> (T::AccountId, OriginFor<T>) {
	let who: T::AccountId = account(name, index, 0);
	let origin = T::Dids::benchmark_did(&who);
	(who, origin)
}

/// A DID that holds `role` (the pallet's own roles; `AnyDid` and `Owner` need nothing).
fn holder<T: Config>(role: Role) -> (T::AccountId, OriginFor<T>) {
	let (who, origin) = did::<T>("holder", 0);
	match role {
		Role::Administrator => Administrators::<T>::insert(&who, ()),
		Role::CommitteeMember => CommitteeMembers::<T>::insert(&who, ()),
		Role::AuthorityIssuer => {
			let name = name::<T>(b'h');
			Pallet::<T>::apply_authority_issuer(origin.clone(), name)
				.expect("a funded DID may apply");
			AuthorityIssuers::<T>::mutate(&who, |issuer| {
				if let Some(issuer) = issuer {
					issuer.status = IssuerStatus::Recognized;
				}
			});
		},
		Role::Owner | Role::AnyDid => {},
	}
	(who, origin)
}

/// A name as long as allowed.
fn name<T: Config>(fill: u8) -> NameOf<T> {
	vec![fill; T::MaxNameLength::get() as usize].try_into().expect("exactly the limit")
}

/// A title as long as allowed.
fn title<T: Config>() -> TitleOf<T> {
	vec![b't'; T::MaxTitleLength::get() as usize].try_into().expect("exactly the limit")
}

/// A description as long as allowed.
fn description<T: Config>() -> DescriptionOf<T> {
	vec![b'd'; T::MaxDescriptionLength::get() as usize].try_into().expect("exactly the limit")
}

/// [`schema_of_length`] as a call parameter (`length` at most the limit).
fn schema<T: Config>(length: u32) -> SchemaOf<T> {
	schema_of_length(length).try_into().expect("at most the limit")
}

/// An object schema of exactly `length` bytes (at least 32) holding an array of as many
/// one-digit numbers as fit, padded with whitespace: the costliest JSON per byte to parse and
/// reprint (`cargo bench -p teeid-primitives --bench canonical_json` compares the shapes; a
/// 16 KiB document of this one takes about twice as long as one of short members with
/// fractions, 1.4 times as long as arrays nested as deep as allowed).
fn schema_of_length(length: u32) -> Vec<u8> {
	let length = length as usize;
	let mut body = b"{\"type\":\"object\",\"enum\":[".to_vec();
	let closing = b"]}";
	let mut i = 0u32;
	loop {
		let item = format!("{}{}", if i == 0 { "" } else { "," }, i % 10);
		if body.len() + item.len() + closing.len() > length {
			break;
		}
		body.extend_from_slice(item.as_bytes());
		i += 1;
	}
	body.resize(length - closing.len(), b' ');
	body.extend_from_slice(closing);
	body
}

/// Registers a normal CPT with a schema of the largest size, published by `publisher`.
fn largest_cpt<T: Config>(origin: OriginFor<T>) -> CptId {
	let id = Pallet::<T>::next_cpt_id(CptRange::Normal).expect("the normal range is open");
	Pallet::<T>::register_cpt(
		origin,
		CptRange::Normal,
		None,
		title::<T>(),
		description::<T>(),
		schema::<T>(T::MaxSchemaLength::get()),
	)
	.expect("a funded DID may register a normal CPT");
	id
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_administrator() {
		let (_, origin) = holder::<T>(Role::Administrator);
		let (target, _) = did::<T>("target", 0);

		#[extrinsic_call]
		_(origin as OriginFor<T>, target.clone());

		assert!(Administrators::<T>::contains_key(&target));
	}

	#[benchmark]
	fn remove_administrator() {
		let (_, origin) = holder::<T>(Role::Administrator);
		let (target, _) = did::<T>("target", 0);
		Administrators::<T>::insert(&target, ());

		#[extrinsic_call]
		_(origin as OriginFor<T>, target.clone());

		assert!(!Administrators::<T>::contains_key(&target));
	}

	#[benchmark]
	fn add_committee_member() {
		let (_, origin) = holder::<T>(Role::Administrator);
		let (target, _) = did::<T>("target", 0);

		#[extrinsic_call]
		_(origin as OriginFor<T>, target.clone());

		assert!(CommitteeMembers::<T>::contains_key(&target));
	}

	#[benchmark]
	fn remove_committee_member() {
		let (_, origin) = holder::<T>(Role::Administrator);
		let (target, _) = did::<T>("target", 0);
		CommitteeMembers::<T>::insert(&target, ());

		#[extrinsic_call]
		_(origin as OriginFor<T>, target.clone());

		assert!(!CommitteeMembers::<T>::contains_key(&target));
	}

	#[benchmark]
	fn apply_authority_issuer() {
		let (who, origin) = did::<T>("applicant", 0);

		#[extrinsic_call]
		_(origin as OriginFor<T>, name::<T>(b'a'));

		assert!(AuthorityIssuers::<T>::contains_key(&who));
	}

	#[benchmark]
	fn recognize_authority_issuer() {
		let (_, origin) = holder::<T>(Role::CommitteeMember);
		let (applicant, applicant_origin) = did::<T>("applicant", 0);
		Pallet::<T>::apply_authority_issuer(applicant_origin, name::<T>(b'a'))
			.expect("a funded DID may apply");

		#[extrinsic_call]
		_(origin as OriginFor<T>, applicant.clone());

		assert!(AuthorityIssuers::<T>::get(&applicant).is_some_and(|i| i.is_recognized()));
	}

	#[benchmark]
	fn derecognize_authority_issuer() {
		let (_, origin) = holder::<T>(Role::CommitteeMember);
		let (applicant, applicant_origin) = did::<T>("applicant", 0);
		Pallet::<T>::apply_authority_issuer(applicant_origin, name::<T>(b'a'))
			.expect("a funded DID may apply");
		Pallet::<T>::recognize_authority_issuer(origin.clone(), applicant.clone())
			.expect("the committee recognizes");

		#[extrinsic_call]
		_(origin as OriginFor<T>, applicant.clone());

		assert!(AuthorityIssuers::<T>::get(&applicant).is_some_and(|i| !i.is_recognized()));
	}

	#[benchmark]
	fn remove_authority_issuer() {
		let (_, origin) = holder::<T>(Role::CommitteeMember);
		let (applicant, applicant_origin) = did::<T>("applicant", 0);
		Pallet::<T>::apply_authority_issuer(applicant_origin, name::<T>(b'a'))
			.expect("a funded DID may apply");

		#[extrinsic_call]
		_(origin as OriginFor<T>, applicant.clone());

		assert!(!AuthorityIssuers::<T>::contains_key(&applicant));
	}

	#[benchmark]
	fn register_issuer_type() {
		let (_, origin) = did::<T>("owner", 0);

		#[extrinsic_call]
		_(origin as OriginFor<T>, name::<T>(b's'));

		assert!(IssuerTypes::<T>::contains_key(name::<T>(b's')));
	}

	#[benchmark]
	fn add_issuer_to_type() {
		let (_, owner) = did::<T>("owner", 0);
		Pallet::<T>::register_issuer_type(owner, name::<T>(b's'))
			.expect("a funded DID may register a type");
		let (_, origin) = holder::<T>(Role::AuthorityIssuer);
		let (issuer, _) = did::<T>("issuer", 0);

		#[extrinsic_call]
		_(origin as OriginFor<T>, name::<T>(b's'), issuer.clone());

		assert!(IssuersOfType::<T>::contains_key(name::<T>(b's'), &issuer));
	}

	#[benchmark]
	fn remove_issuer_from_type() {
		let (_, owner) = did::<T>("owner", 0);
		Pallet::<T>::register_issuer_type(owner, name::<T>(b's'))
			.expect("a funded DID may register a type");
		let (_, origin) = holder::<T>(Role::AuthorityIssuer);
		let (issuer, _) = did::<T>("issuer", 0);
		Pallet::<T>::add_issuer_to_type(origin.clone(), name::<T>(b's'), issuer.clone())
			.expect("an authority issuer may add an issuer");

		#[extrinsic_call]
		_(origin as OriginFor<T>, name::<T>(b's'), issuer.clone());

		assert!(!IssuersOfType::<T>::contains_key(name::<T>(b's'), &issuer));
	}

	#[benchmark]
	fn remove_issuer_type() {
		let (_, origin) = did::<T>("owner", 0);
		Pallet::<T>::register_issuer_type(origin.clone(), name::<T>(b's'))
			.expect("a funded DID may register a type");

		#[extrinsic_call]
		_(origin as OriginFor<T>, name::<T>(b's'));

		assert!(!IssuerTypes::<T>::contains_key(name::<T>(b's')));
	}

	/// Publishing in the authority range: the caller's roles are all read, and the range's
	/// cursor moves.
	#[benchmark]
	fn register_cpt(s: Linear<32, { T::MaxSchemaLength::get() }>) {
		let (publisher, origin) = holder::<T>(Role::AuthorityIssuer);
		let schema = schema::<T>(s);

		#[extrinsic_call]
		_(
			origin as OriginFor<T>,
			CptRange::Authority,
			None,
			title::<T>(),
			description::<T>(),
			schema,
		);

		let id = CptRange::Authority.first();
		assert!(Cpts::<T>::get(id).is_some_and(|cpt| cpt.publisher == publisher));
	}

	/// A new version of a CPT whose current schema is as large as allowed, paid for by an
	/// administrator (so the old deposit is released and a new one held).
	#[benchmark]
	fn update_cpt(s: Linear<32, { T::MaxSchemaLength::get() }>) {
		let (_, publisher) = did::<T>("publisher", 0);
		let id = largest_cpt::<T>(publisher);
		let (_, origin) = holder::<T>(Role::Administrator);
		let schema = schema::<T>(s);

		#[extrinsic_call]
		_(origin as OriginFor<T>, id, title::<T>(), description::<T>(), schema);

		assert!(Cpts::<T>::get(id).is_some_and(|cpt| cpt.version == 2));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn schemas_of_every_length_are_accepted_works() {
		for length in [32, 33, 100, 511, 512] {
			let body = schema_of_length(length);
			assert_eq!(body.len(), length as usize);
			let schema = CanonicalSchema::parse(&body, length).expect("a valid object schema");
			assert!(schema.json.len() <= body.len());
		}
	}
}
