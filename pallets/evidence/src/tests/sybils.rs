//! No shared, first-come limit decides who may sign or revoke an evidence.

use super::*;
use frame_support::traits::fungible::Mutate;

/// Sixteen throwaway DIDs sign a credential's status record before its issuer does: the issuer
/// still signs it, revokes it, and the runtime API shows the issuer's revocation.
#[test]
fn sixteen_sybil_signers_do_not_lock_out_the_issuer_works() {
	ExtBuilder::build_and_execute(|| {
		let issuer = DAVE;
		did(issuer);
		let sybils: Vec<u64> = (100..116).collect();
		for &sybil in &sybils {
			<Balances as Mutate<u64>>::set_balance(&sybil, 1_000_000);
			did(sybil);
		}
		let record = content(7);
		assert_ok!(create(record, sybils[0]));
		for &sybil in &sybils[1..] {
			assert_ok!(sign(record, sybil));
		}
		assert_ok!(sign(record, issuer));
		assert_ok!(Evidence::set_revoked(RuntimeOrigin::signed(issuer), record, true));
		// The issuer's own status, in one read; the sybils' records are their own.
		let info = Evidence::signer_info(record, issuer).expect("the issuer signed");
		assert!(info.revoked);
		assert!(!Evidence::signer_info(record, sybils[0]).expect("a sybil signed").revoked);
		assert_eq!(Evidence::evidence_info(record).map(|e| e.signers), Some(17));
	});
}

/// The signers of an evidence are listed a page at a time, every signer exactly once.
#[test]
fn signers_are_paged_works() {
	ExtBuilder::build_and_execute(|| {
		let signers: Vec<u64> = (100..120).collect();
		for &signer in &signers {
			<Balances as Mutate<u64>>::set_balance(&signer, 1_000_000);
			did(signer);
		}
		assert_ok!(create(content(1), signers[0]));
		for &signer in &signers[1..] {
			assert_ok!(sign(content(1), signer));
		}
		let mut seen = Vec::new();
		let mut start_after = None;
		loop {
			let page = Evidence::signers_page(content(1), start_after, 7);
			seen.extend(page.iter().map(|s| s.did));
			if page.len() < 7 {
				break;
			}
			start_after = page.last().map(|s| s.did);
		}
		seen.sort();
		assert_eq!(seen, signers);
		// A page is never longer than the API's limit.
		assert_eq!(Evidence::signers_page(content(1), None, u32::MAX).len(), 20);
		assert!(Evidence::signers_page(content(2), None, 10).is_empty());
	});
}
