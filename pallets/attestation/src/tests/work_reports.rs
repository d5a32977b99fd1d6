//! Work reports, inactivity, reactivation and unregistration.

use crate::{mock::*, Deadlines, Error, Event, ExpiryCursor, WorkerStatus, Workers};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_core::H256;
use teeid_primitives::signing::{Anchor, SigningDomain};

/// Worker 1 bootstrapped for ALICE in slot 0 (deadline slot 3).
fn with_worker(test: impl FnOnce(Tee)) {
	ExtBuilder::build_and_execute(|| {
		let tee = Tee::new(1);
		bootstrap(&tee, ALICE);
		test(tee);
	});
}

fn submit(
	report: (crate::WorkReportOf<Test>, sp_core::ed25519::Signature),
) -> sp_runtime::DispatchResult {
	Attestation::submit_work_report(RuntimeOrigin::signed(STRANGER), report.0, report.1)
}

#[test]
fn worker_reports_each_slot_and_stays_active_works() {
	with_worker(|tee| {
		let credentials = [H256::repeat_byte(1), H256::repeat_byte(2)];
		assert_ok!(submit(tee.work_report(0, &credentials, 2)));
		for slot in 1..6u32 {
			run_to(slot as u64 * SLOT + 1);
			assert_ok!(submit(tee.work_report(slot, &[], 2)));
		}
		let worker = Workers::<Test>::get(tee.key()).unwrap();
		assert_eq!(worker.last_report, Some(5));
		assert_eq!(worker.deadline, 8);
		assert!(worker.is_active(Attestation::current_slot()));
		assert!(attestation_events().contains(&Event::WorkReported {
			worker: tee.key(),
			slot: 0,
			credentials_root: teeid_primitives::merkle::batch_root(&credentials).unwrap(),
			credentials_count: 2,
			issued_total: 2,
		}));
	});
}

#[test]
fn a_slot_is_reported_once_and_in_time_fails() {
	with_worker(|tee| {
		run_to(SLOT + 1);
		assert_ok!(submit(tee.work_report(1, &[], 0)));
		assert_noop!(submit(tee.work_report(1, &[], 0)), Error::<Test>::AlreadyReported);
		// Slot 0 is before the last report.
		assert_noop!(submit(tee.work_report(0, &[], 0)), Error::<Test>::AlreadyReported);
		run_to(3 * SLOT + 1);
		// Slot 0's window (slots 0 and 1) has closed; slot 2's (slots 2 and 3) is open.
		assert_noop!(submit(tee.work_report(0, &[], 0)), Error::<Test>::ReportTooLate);
		assert_ok!(submit(tee.work_report(2, &[], 0)));
		assert_noop!(submit(tee.work_report(6, &[], 0)), Error::<Test>::UnknownAnchor);
	});
}

#[test]
fn malformed_work_reports_are_refused_fails() {
	with_worker(|tee| {
		run_to(SLOT + 1);
		let (mut report, _) = tee.work_report(1, &[], 0);
		report.anchor = Anchor::Block { number: SLOT + 1, hash: System::block_hash(SLOT + 1) };
		let signature = tee.pair_sign(&report);
		assert_noop!(submit((report, signature)), Error::<Test>::WrongSlotBlock);

		let (mut report, _) = tee.work_report(1, &[], 0);
		report.anchor = Anchor::Block { number: SLOT, hash: H256::repeat_byte(9) };
		let signature = tee.pair_sign(&report);
		assert_noop!(submit((report, signature)), Error::<Test>::UnknownAnchor);

		let (mut report, _) = tee.work_report(1, &[], 0);
		report.genesis_hash = H256::repeat_byte(9);
		let signature = tee.pair_sign(&report);
		assert_noop!(submit((report, signature)), Error::<Test>::WrongChain);

		let (mut report, _) = tee.work_report(1, &[], 0);
		report.domain = SigningDomain::WorkerReport;
		let signature = tee.pair_sign(&report);
		assert_noop!(submit((report, signature)), Error::<Test>::WrongDomain);

		let (mut report, _) = tee.work_report(1, &[H256::repeat_byte(1)], 1);
		report.body.credentials_count = 0;
		let signature = tee.pair_sign(&report);
		assert_noop!(submit((report, signature)), Error::<Test>::InconsistentBatch);

		// Two credentials, but the total says one.
		assert_noop!(
			submit(tee.work_report(1, &[H256::repeat_byte(1), H256::repeat_byte(2)], 1)),
			Error::<Test>::InconsistentTotal
		);

		let (report, _) = tee.work_report(1, &[], 0);
		let forged = Tee::new(9).pair_sign(&report);
		assert_noop!(submit((report, forged)), Error::<Test>::BadWorkReportSignature);

		assert_noop!(submit(Tee::new(9).work_report(1, &[], 0)), Error::<Test>::UnknownWorker);
	});
}

/// The TA counts a credential when it signs it; the worker's batch takes it when its record is
/// stored, a moment later. A credential signed while a slot's batch is sealed is counted in
/// that slot's total but reported in the next slot's batch, so a total may grow by less than a
/// slot's count: what must hold is that the totals cover every credential reported, all slots
/// together (the TA's own rule).
#[test]
fn a_credential_counted_before_its_batch_is_reported_next_slot_works() {
	with_worker(|tee| {
		// Slot 0: three credentials in the batch, a fourth signed but not yet recorded.
		let first = [H256::repeat_byte(1), H256::repeat_byte(2), H256::repeat_byte(3)];
		assert_ok!(submit(tee.work_report(0, &first, 4)));
		run_to(SLOT + 1);
		// Slot 1: the fourth is reported; the TA signed nothing new.
		assert_ok!(submit(tee.work_report(1, &[H256::repeat_byte(4)], 4)));
		run_to(2 * SLOT + 1);
		// Slot 2: a fifth in the batch is more than the total covers (5 reported, 4 issued).
		assert_noop!(
			submit(tee.work_report(2, &[H256::repeat_byte(5)], 4)),
			Error::<Test>::InconsistentTotal
		);
		assert_ok!(submit(tee.work_report(2, &[H256::repeat_byte(5)], 5)));
	});
}

#[test]
fn issued_total_never_goes_back_fails() {
	with_worker(|tee| {
		assert_ok!(submit(tee.work_report(0, &[H256::repeat_byte(1)], 5)));
		run_to(SLOT + 1);
		assert_noop!(submit(tee.work_report(1, &[], 4)), Error::<Test>::InconsistentTotal);
		assert_ok!(submit(tee.work_report(1, &[], 5)));
	});
}

#[test]
fn reports_before_registration_are_refused_fails() {
	ExtBuilder::build_and_execute(|| {
		run_to(SLOT + 5);
		let tee = Tee::new(1);
		bootstrap(&tee, ALICE);
		assert_noop!(submit(tee.work_report(0, &[], 0)), Error::<Test>::SlotBeforeRegistration);
		assert_ok!(submit(tee.work_report(1, &[], 0)));
	});
}

#[test]
fn missing_slots_makes_a_worker_inactive_works() {
	with_worker(|tee| {
		// Deadline slot 3: active through slot 2.
		run_to(3 * SLOT - 1);
		assert!(Workers::<Test>::get(tee.key()).unwrap().status == WorkerStatus::Active);
		run_to(3 * SLOT);
		let worker = Workers::<Test>::get(tee.key()).unwrap();
		assert_eq!(worker.status, WorkerStatus::Inactive { since: 3 });
		assert!(!Deadlines::<Test>::contains_key(3, tee.key()));
		assert!(
			attestation_events().contains(&Event::WorkerInactive { worker: tee.key(), since: 3 })
		);
		assert!(!Attestation::counts(&worker));
		assert!(!Attestation::worker_view(tee.key()).unwrap().active);
	});
}

#[test]
fn an_inactive_worker_reporting_again_counts_again_and_expires_again_works() {
	with_worker(|tee| {
		run_to(3 * SLOT + 1);
		assert_eq!(
			Workers::<Test>::get(tee.key()).unwrap().status,
			WorkerStatus::Inactive { since: 3 }
		);
		assert_ok!(submit(tee.work_report(3, &[H256::repeat_byte(1)], 1)));
		System::assert_last_event(Event::WorkerReactivated { worker: tee.key(), slot: 3 }.into());
		let worker = Workers::<Test>::get(tee.key()).unwrap();
		assert_eq!(worker.status, WorkerStatus::Active);
		assert_eq!(worker.last_report, Some(3));
		assert_eq!(worker.issued_total, 1);
		// Queued again, under its new deadline (slot 3 + 2 missed + 1).
		assert_eq!(worker.deadline, 6);
		assert!(Deadlines::<Test>::contains_key(6, tee.key()));
		assert!(Attestation::counts(&worker));
		assert!(Attestation::worker_view(tee.key()).unwrap().active);
		// A report of an active worker reactivates nothing.
		run_to(4 * SLOT + 1);
		assert_ok!(submit(tee.work_report(4, &[], 1)));
		assert!(!matches!(attestation_events().last(), Some(Event::WorkerReactivated { .. })));
		// It stops again: the hook expires it at its new deadline (slot 4 + 2 + 1).
		run_to(7 * SLOT - 1);
		assert_eq!(Workers::<Test>::get(tee.key()).unwrap().status, WorkerStatus::Active);
		run_to(7 * SLOT);
		assert_eq!(
			Workers::<Test>::get(tee.key()).unwrap().status,
			WorkerStatus::Inactive { since: 7 }
		);
		assert!(
			attestation_events().contains(&Event::WorkerInactive { worker: tee.key(), since: 7 })
		);
	});
}

#[test]
fn a_late_report_reactivates_but_not_a_report_too_late_fails() {
	with_worker(|tee| {
		// Inactive from slot 3; in slot 4, slot 3's report is late but in time.
		run_to(4 * SLOT + 1);
		assert_noop!(submit(tee.work_report(2, &[], 0)), Error::<Test>::ReportTooLate);
		assert!(!Workers::<Test>::get(tee.key()).unwrap().is_active(4));
		assert_ok!(submit(tee.work_report(3, &[], 0)));
		let worker = Workers::<Test>::get(tee.key()).unwrap();
		assert_eq!(worker.deadline, 6);
		assert!(worker.is_active(4));
		assert!(
			attestation_events().contains(&Event::WorkerReactivated { worker: tee.key(), slot: 3 })
		);
		// The slot it came back with is reported; so is the current one.
		assert_noop!(submit(tee.work_report(3, &[], 0)), Error::<Test>::AlreadyReported);
		assert_ok!(submit(tee.work_report(4, &[], 0)));
	});
}

#[test]
fn a_report_ahead_of_the_hook_keeps_the_worker_from_being_expired_works() {
	ExtBuilder::build_and_execute(|| {
		// Six workers due in slot 3; the hook marks four in slot 3's first block.
		let tees: Vec<_> = (1..=6).map(Tee::new).collect();
		for (i, tee) in tees.iter().enumerate() {
			bootstrap(tee, 100 + i as u64);
		}
		run_to(3 * SLOT);
		let waiting: Vec<&Tee> = tees
			.iter()
			.filter(|t| Workers::<Test>::get(t.key()).unwrap().status == WorkerStatus::Active)
			.collect();
		assert_eq!(waiting.len(), 2);
		// One of the two the hook has not reached reports slot 2, late: it no longer counted
		// (its deadline passed), so it is reactivated, and its old queue entry goes.
		let reporter = waiting[0];
		assert!(Deadlines::<Test>::contains_key(3, reporter.key()));
		assert_ok!(submit(reporter.work_report(2, &[], 0)));
		assert!(!Deadlines::<Test>::contains_key(3, reporter.key()));
		assert!(Deadlines::<Test>::contains_key(5, reporter.key()));
		// The hook finishes slot 3 without touching it.
		run_to(3 * SLOT + 1);
		assert_eq!(ExpiryCursor::<Test>::get(), 4);
		let worker = Workers::<Test>::get(reporter.key()).unwrap();
		assert_eq!(worker.status, WorkerStatus::Active);
		assert!(worker.is_active(3));
		assert_eq!(
			Workers::<Test>::get(waiting[1].key()).unwrap().status,
			WorkerStatus::Inactive { since: 3 }
		);
		assert!(!attestation_events()
			.contains(&Event::WorkerInactive { worker: reporter.key(), since: 3 }));
		// Until its new deadline.
		run_to(5 * SLOT);
		assert_eq!(
			Workers::<Test>::get(reporter.key()).unwrap().status,
			WorkerStatus::Inactive { since: 5 }
		);
	});
}

#[test]
fn an_inactive_worker_comes_back_only_in_standing_fails() {
	with_worker(|tee| {
		run_to(3 * SLOT + 1);
		assert_ok!(Attestation::disallow_code(RuntimeOrigin::root(), CODE));
		assert_noop!(submit(tee.work_report(3, &[], 0)), Error::<Test>::WorkerCodeNotAllowed);
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), CODE, 1000));
		let certifier = Workers::<Test>::get(tee.key()).unwrap().certifier;
		assert_ok!(Attestation::remove_device_certifier(RuntimeOrigin::root(), certifier));
		assert_noop!(submit(tee.work_report(3, &[], 0)), Error::<Test>::WorkerUncertified);
		assert_ok!(Attestation::set_simulation(RuntimeOrigin::root(), false));
		assert_noop!(submit(tee.work_report(3, &[], 0)), Error::<Test>::WorkerSimulated);
		// An unregistered worker does not come back at all.
		assert_ok!(Attestation::unregister_worker(RuntimeOrigin::signed(ALICE), tee.key()));
		assert_noop!(submit(tee.work_report(3, &[], 0)), Error::<Test>::UnknownWorker);
	});
}

#[test]
fn a_stale_worker_reporting_again_is_no_longer_stale_works() {
	with_worker(|tee| {
		// Inactive from slot 3, stale from slot 6.
		run_to(6 * SLOT + 1);
		assert!(Workers::<Test>::get(tee.key()).unwrap().is_stale(6, 3));
		assert_ok!(submit(tee.work_report(6, &[], 0)));
		assert_noop!(
			Attestation::unregister_worker(RuntimeOrigin::signed(STRANGER), tee.key()),
			Error::<Test>::NotStale
		);
	});
}

#[test]
fn a_worker_with_expired_or_withdrawn_code_cannot_report_fails() {
	with_worker(|tee| {
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), CODE, 5));
		run_to(5);
		assert_noop!(submit(tee.work_report(0, &[], 0)), Error::<Test>::WorkerCodeNotAllowed);
		assert_ok!(Attestation::allow_code(RuntimeOrigin::root(), CODE, 100));
		assert_ok!(submit(tee.work_report(0, &[], 0)));
		assert_ok!(Attestation::disallow_code(RuntimeOrigin::root(), CODE));
		run_to(SLOT + 1);
		assert_noop!(submit(tee.work_report(1, &[], 0)), Error::<Test>::WorkerCodeNotAllowed);
	});
}

#[test]
fn a_simulated_worker_cannot_report_while_the_flag_is_off_fails() {
	with_worker(|tee| {
		assert_ok!(Attestation::set_simulation(RuntimeOrigin::root(), false));
		assert_noop!(submit(tee.work_report(0, &[], 0)), Error::<Test>::WorkerSimulated);
	});
}

#[test]
fn a_report_cannot_anchor_at_the_current_block_fails() {
	with_worker(|tee| {
		// Block 10 starts slot 1; its hash is not known while it is being built, so a report
		// naming it (with the zero hash it reads as) could have been signed in advance.
		run_to(SLOT);
		assert_noop!(submit(tee.work_report(1, &[], 0)), Error::<Test>::UnknownAnchor);
		run_to(SLOT + 1);
		assert_ok!(submit(tee.work_report(1, &[], 0)));
	});
}

#[test]
fn the_hook_does_bounded_work_per_block_works() {
	ExtBuilder::build_and_execute(|| {
		// Six workers with deadline slot 3 (bootstrapped in slot 0).
		let tees: Vec<_> = (1..=6).map(Tee::new).collect();
		for (i, tee) in tees.iter().enumerate() {
			bootstrap(tee, 100 + i as u64);
		}
		run_to(3 * SLOT - 1);
		assert_eq!(ExpiryCursor::<Test>::get(), 3);
		// Four steps per block: four workers now, the other two and the slot next block.
		run_to(3 * SLOT);
		let inactive = |tees: &[Tee]| {
			tees.iter()
				.filter(|t| Workers::<Test>::get(t.key()).unwrap().status != WorkerStatus::Active)
				.count()
		};
		assert_eq!(inactive(&tees), 4);
		assert_eq!(ExpiryCursor::<Test>::get(), 3);
		run_to(3 * SLOT + 1);
		assert_eq!(inactive(&tees), 6);
		// Every worker already counts as inactive, whatever the hook's progress.
		assert!(tees.iter().all(|t| !Workers::<Test>::get(t.key())
			.unwrap()
			.is_active(Attestation::current_slot())));
	});
}

#[test]
fn the_hook_catches_up_after_a_long_gap_works() {
	ExtBuilder::build_and_execute(|| {
		let tee = Tee::new(1);
		bootstrap(&tee, ALICE);
		// Jump 100 slots without running the hook, as a chain without blocks would.
		System::set_block_number(100 * SLOT);
		assert_eq!(ExpiryCursor::<Test>::get(), 1);
		// Slots 1 and 2, the worker due in slot 3, slot 3.
		assert_eq!(Attestation::expire_workers(100, 4), 4);
		assert_eq!(ExpiryCursor::<Test>::get(), 4);
		assert_eq!(
			Workers::<Test>::get(tee.key()).unwrap().status,
			WorkerStatus::Inactive { since: 3 }
		);
		assert_eq!(Attestation::expire_workers(100, 1000), 97);
		assert_eq!(ExpiryCursor::<Test>::get(), 101);
	});
}

#[test]
fn operator_unregisters_its_worker_and_anyone_a_stale_one_works() {
	with_worker(|tee| {
		let other = Tee::new(2);
		assert_ok!(Quadruple::new(&other, &tee, BOB).submit(BOB));
		assert_ok!(Attestation::unregister_worker(RuntimeOrigin::signed(BOB), other.key()));
		assert!(Workers::<Test>::get(other.key()).is_none());
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::WorkerDeposit.into(), &BOB), 0);

		// Worker 1 is inactive from slot 3 and stale from slot 6.
		run_to(5 * SLOT);
		assert_noop!(
			Attestation::unregister_worker(RuntimeOrigin::signed(STRANGER), tee.key()),
			Error::<Test>::NotStale
		);
		run_to(6 * SLOT);
		assert_ok!(Attestation::unregister_worker(RuntimeOrigin::signed(STRANGER), tee.key()));
		assert!(Workers::<Test>::get(tee.key()).is_none());
		assert_eq!(Balances::balance_on_hold(&crate::HoldReason::WorkerDeposit.into(), &ALICE), 0);
		assert!(attestation_events()
			.contains(&Event::WorkerUnregistered { worker: tee.key(), by: Some(STRANGER) }));
		assert_noop!(
			Attestation::unregister_worker(RuntimeOrigin::signed(STRANGER), tee.key()),
			Error::<Test>::UnknownWorker
		);
	});
}

#[test]
fn root_removes_a_compromised_worker_at_once_works() {
	with_worker(|tee| {
		assert_ok!(Attestation::unregister_worker(RuntimeOrigin::root(), tee.key()));
		assert!(Workers::<Test>::get(tee.key()).is_none());
		assert!(attestation_events()
			.contains(&Event::WorkerUnregistered { worker: tee.key(), by: None }));
	});
}

/// Storage version 3 kept workers without `reported_total`: the migration gives each one
/// whose reports hold its whole total (what version 3's check allowed at most), so its next
/// report is checked as before; it runs once.
#[test]
fn migrating_to_v4_makes_every_worker_s_reports_hold_its_total_works() {
	use crate::migrations::v4::{MigrateV3ToV4, WorkerInfoV3};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

	with_worker(|tee| {
		let worker = Workers::<Test>::get(tee.key()).expect("bootstrapped");
		let old = WorkerInfoV3 {
			operator: worker.operator,
			agreement_key: worker.agreement_key,
			measurement: worker.measurement,
			platform: worker.platform,
			certifier: worker.certifier,
			endorser: worker.endorser,
			registration: worker.registration,
			registered: worker.registered,
			status: worker.status,
			last_report: worker.last_report,
			deadline: worker.deadline,
			issued_total: 7,
			deposit: worker.deposit.clone(),
		};
		frame_support::storage::unhashed::put(&Workers::<Test>::hashed_key_for(tee.key()), &old);
		StorageVersion::new(3).put::<Attestation>();

		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		let migrated = Workers::<Test>::get(tee.key()).expect("migrated");
		assert_eq!((migrated.issued_total, migrated.reported_total), (7, 7));
		assert_eq!(migrated.deposit, worker.deposit);
		assert_eq!(Attestation::on_chain_storage_version(), StorageVersion::new(4));

		// At version 4 it does nothing.
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert_eq!(Workers::<Test>::get(tee.key()), Some(migrated));

		// The first report after it: the total covers what was reported plus its count.
		assert_noop!(
			submit(tee.work_report(0, &[H256::repeat_byte(1)], 7)),
			Error::<Test>::InconsistentTotal
		);
		assert_ok!(submit(tee.work_report(0, &[H256::repeat_byte(1)], 8)));
	});
}
