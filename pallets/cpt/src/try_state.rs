//! Invariants of the CPT pallet, checked by try-runtime and after every test.

use crate::{
	AuthorityIssuerNames, AuthorityIssuers, Config, CptRange, CptVersions, Cpts, Cursors,
	IssuerTypes, IssuersOfType, RangeCursor,
};
use frame_support::ensure;
use sp_runtime::TryRuntimeError;

/// Every CPT lies in a range below that range's cursor and has a record for each of its
/// versions, the current one matching it; its deposit is what it requires (genesis system
/// CPTs hold none). Authority issuer names and records point at each other. Each issuer
/// type's count is the number of its issuers, and no issuer belongs to an unknown type.
pub fn do_try_state<T: Config>() -> Result<(), TryRuntimeError> {
	for (id, cpt) in Cpts::<T>::iter() {
		let range = CptRange::of(id).ok_or("a CPT with id 0")?;
		let cursor = Cursors::<T>::get(range).unwrap_or(RangeCursor::new(range));
		ensure!(cursor.next.is_none_or(|next| id < next), "a CPT at or above its range's cursor");
		ensure!(cpt.version >= 1 && cpt.updated >= cpt.created, "a CPT's version or blocks");
		for version in 1..=cpt.version {
			ensure!(CptVersions::<T>::contains_key(id, version), "a CPT version without record");
		}
		ensure!(
			CptVersions::<T>::get(id, cpt.version) == Some(cpt.current_version()),
			"the current version's record differs from the CPT"
		);
		ensure!(
			cpt.deposit.amount == cpt.required_deposit() || cpt.deposit.amount == 0u32.into(),
			"a CPT's deposit out of date"
		);
	}
	for (id, version, _) in CptVersions::<T>::iter() {
		ensure!(
			Cpts::<T>::get(id).is_some_and(|cpt| version >= 1 && version <= cpt.version),
			"a version record of no CPT version"
		);
	}
	for (did, issuer) in AuthorityIssuers::<T>::iter() {
		ensure!(
			AuthorityIssuerNames::<T>::get(&issuer.name) == Some(did),
			"an authority issuer whose name points elsewhere"
		);
	}
	for (name, did) in AuthorityIssuerNames::<T>::iter() {
		ensure!(
			AuthorityIssuers::<T>::get(&did).is_some_and(|issuer| issuer.name == name),
			"a name of no authority issuer"
		);
	}
	for (name, record) in IssuerTypes::<T>::iter() {
		ensure!(
			IssuersOfType::<T>::iter_prefix(&name).count() as u32 == record.issuers,
			"an issuer type's count differs from its issuers"
		);
	}
	for (name, _, _) in IssuersOfType::<T>::iter() {
		ensure!(IssuerTypes::<T>::contains_key(&name), "an issuer of an unknown type");
	}
	Ok(())
}
