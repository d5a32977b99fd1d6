//! The runtime APIs: what the node and clients call into the runtime for.

use alloc::vec::Vec;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata, H256};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;
use teeid_primitives::{attestation, signing::SigningPayload};

use super::{
	AccountId, Attestation, Aura, Balance, Block, BlockNumber, Cpt, Evidence, Executive, Grandpa,
	InherentDataExt, Nonce, Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys, System,
	TransactionPayment, VERSION,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			// `KeyOwnerProof` is the empty type `Void`: no proof can exist, so no report either.
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl pallet_did::runtime_api::DidApi<Block, AccountId, BlockNumber, Balance> for Runtime {
		fn resolve(
			did: AccountId,
		) -> Option<pallet_did::DidState<AccountId, BlockNumber, Balance>> {
			pallet_did::Pallet::<Runtime>::did_state(&did)
		}

		fn history_head(did: AccountId) -> Option<BlockNumber> {
			pallet_did::Pallet::<Runtime>::history_head(&did)
		}
	}

	impl pallet_did::runtime_api::SigningApi<Block, AccountId, RuntimeCall> for Runtime {
		fn did_operation(payload: pallet_did::DidOperationPayload<AccountId, RuntimeCall>) -> Vec<u8> {
			payload.signing_bytes()
		}

		fn evidence(
			payload: SigningPayload<teeid_primitives::signing::EvidenceStatement<AccountId>>,
		) -> Vec<u8> {
			payload.signing_bytes()
		}

		fn report_payload(payload: attestation::ReportPayload<AccountId>) -> Vec<u8> {
			payload.signing_bytes()
		}

		fn worker_report(report: attestation::WorkerReport<AccountId>) -> Vec<u8> {
			report.signing_bytes()
		}

		fn endorsement(payload: SigningPayload<attestation::EndorsementBody>) -> Vec<u8> {
			payload.signing_bytes()
		}

		fn countersignature(payload: SigningPayload<attestation::CountersignatureBody>) -> Vec<u8> {
			payload.signing_bytes()
		}

		fn work_report(payload: attestation::WorkReportPayload) -> Vec<u8> {
			payload.signing_bytes()
		}

		fn device_certificate(payload: attestation::DeviceCertificatePayload) -> Vec<u8> {
			payload.signing_bytes()
		}
	}

	impl pallet_cpt::runtime_api::CptApi<Block, AccountId, BlockNumber, Balance> for Runtime {
		fn cpt(id: pallet_cpt::CptId) -> Option<pallet_cpt::CptInfo<AccountId, BlockNumber, Balance>> {
			Cpt::cpt_info(id)
		}

		fn cpt_version(
			id: pallet_cpt::CptId,
			version: u32,
		) -> Option<pallet_cpt::CptVersion<BlockNumber>> {
			pallet_cpt::CptVersions::<Runtime>::get(id, version)
		}

		fn next_cpt_id(range: pallet_cpt::CptRange) -> Option<pallet_cpt::CptId> {
			Cpt::next_cpt_id(range)
		}

		fn role_status(did: AccountId) -> pallet_cpt::RoleStatus<BlockNumber> {
			Cpt::role_status(&did)
		}

		fn issuer_type(
			name: Vec<u8>,
		) -> Option<pallet_cpt::IssuerTypeInfo<AccountId, BlockNumber>> {
			Cpt::issuer_type_info(&name)
		}

		fn is_issuer_of_type(name: Vec<u8>, did: AccountId) -> bool {
			Cpt::is_issuer_of_type(&name, &did)
		}
	}

	impl pallet_evidence::runtime_api::EvidenceApi<Block, AccountId, BlockNumber> for Runtime {
		fn evidence(hash: H256) -> Option<pallet_evidence::EvidenceInfo<AccountId, BlockNumber>> {
			Evidence::evidence_info(hash)
		}

		fn signer(hash: H256, did: AccountId) -> Option<pallet_evidence::SignerInfo<AccountId, BlockNumber>> {
			Evidence::signer_info(hash, did)
		}

		fn signers(
			hash: H256,
			start_after: Option<AccountId>,
			limit: u32,
		) -> Vec<pallet_evidence::SignerInfo<AccountId, BlockNumber>> {
			Evidence::signers_page(hash, start_after, limit)
		}

		fn extra_key(did: AccountId, key: Vec<u8>) -> Option<H256> {
			Evidence::extra_key_hash(&did, &key)
		}

		fn batch(anchorer: AccountId, root: H256) -> Option<pallet_evidence::BatchInfo<BlockNumber>> {
			pallet_evidence::Batches::<Runtime>::get(anchorer, root).map(|batch| batch.to_info())
		}

		fn verify_batch_proof(
			anchorer: AccountId,
			root: H256,
			proof: teeid_primitives::merkle::BatchProof,
		) -> Result<(), pallet_evidence::BatchProofError> {
			Evidence::verify_batch_proof(&anchorer, root, &proof)
		}
	}

	impl pallet_attestation::runtime_api::AttestationApi<Block, AccountId, BlockNumber, Balance> for Runtime {
		fn worker(
			worker: pallet_attestation::WorkerKey,
		) -> Option<pallet_attestation::WorkerView<AccountId, BlockNumber, Balance>> {
			Attestation::worker_view(worker)
		}

		fn worker_of(operator: AccountId) -> Option<pallet_attestation::WorkerKey> {
			pallet_attestation::OperatorWorker::<Runtime>::get(operator)
		}

		fn allowed_code() -> Vec<pallet_attestation::AllowedCode<BlockNumber>> {
			pallet_attestation::CodeAllowlist::<Runtime>::get().into_inner()
		}

		fn device_certifiers() -> Vec<(pallet_attestation::CertifierKey, attestation::TeePlatform)> {
			Attestation::device_certifiers()
		}

		fn network_key() -> Option<pallet_attestation::NetworkKey> {
			pallet_attestation::NetworkPublicKey::<Runtime>::get()
		}

		fn simulation_enabled() -> bool {
			pallet_attestation::SimulationEnabled::<Runtime>::get()
		}

		fn current_slot() -> u32 {
			Attestation::current_slot()
		}

		fn signers(did: AccountId) -> Vec<pallet_attestation::SignerView<BlockNumber>> {
			Attestation::signers_of(&did)
		}

		fn requested_signers(did: AccountId) -> Vec<pallet_attestation::WorkerKey> {
			Attestation::requested_signers(&did)
		}

		fn signs_for(
			worker: pallet_attestation::WorkerKey,
			start_after: Option<AccountId>,
			limit: u32,
		) -> Vec<AccountId> {
			Attestation::signs_for_page(worker, start_after, limit)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::BenchmarkList;
			use frame_support::traits::StorageInfoTrait;
			use super::benchmarks::*;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);

			let storage_info = super::AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::BenchmarkBatch;
			use frame_support::traits::WhitelistedStorageKeys;
			use sp_storage::TrackedStorageKey;
			use super::benchmarks::*;

			let whitelist: Vec<TrackedStorageKey> =
				super::AllPalletsWithSystem::whitelisted_storage_keys();

			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);

			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			// A failing pre/post check must stop try-runtime right here with a backtrace;
			// there is no caller to hand an error to.
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, super::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.expect("execute-block failed")
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}
