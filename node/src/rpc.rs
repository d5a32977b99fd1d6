//! The node's RPC methods beyond the standard substrate set.

use std::sync::Arc;

use futures::channel::mpsc;
use jsonrpsee::{core::async_trait, proc_macros::rpc, Extensions, RpcModule};
use sc_consensus_manual_seal::{
	rpc::{CreatedBlock, ManualSeal, ManualSealApiServer},
	EngineCommand,
};
use sc_rpc_api::check_if_safe;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_runtime::EncodedJustification;
use teeid_runtime::{opaque::Block, AccountId, Balance, Hash, Nonce};

/// What the RPC methods need from the node.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The channel to the manual-seal task, when blocks are sealed on demand: enables
	/// `engine_createBlock` and `engine_finalizeBlock`.
	pub manual_seal: Option<mpsc::Sender<EngineCommand<Hash>>>,
}

/// All RPC extensions of a full node.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, manual_seal } = deps;
	let mut module = RpcModule::new(());

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client).into_rpc())?;
	if let Some(sink) = manual_seal {
		module.merge(UnsafeManualSeal::new(sink).into_rpc())?;
	}

	Ok(module)
}

/// The manual-seal methods, as unsafe RPC methods: whoever may call them writes the chain.
///
/// `sc_consensus_manual_seal` serves them to every caller; these are the same methods, with the
/// same parameters and results, refused (as "method not found") wherever the RPC server denies
/// unsafe methods: under `--rpc-methods safe`, and under the default `--rpc-methods auto` on an
/// interface other than loopback.
#[rpc(server)]
pub trait UnsafeManualSealApi {
	/// Seals a new block on `parent_hash` (default: the best block), with the pool's
	/// transactions or, if `create_empty`, none; finalizes it at once if `finalize`.
	#[method(name = "engine_createBlock", with_extensions)]
	async fn create_block(
		&self,
		create_empty: bool,
		finalize: bool,
		parent_hash: Option<Hash>,
	) -> jsonrpsee::core::RpcResult<CreatedBlock<Hash>>;

	/// Finalizes the block `hash`, with `justification` if given.
	#[method(name = "engine_finalizeBlock", with_extensions)]
	async fn finalize_block(
		&self,
		hash: Hash,
		justification: Option<EncodedJustification>,
	) -> jsonrpsee::core::RpcResult<bool>;
}

/// [`UnsafeManualSealApiServer`] over the manual-seal task's command channel.
pub struct UnsafeManualSeal(ManualSeal<Hash>);

impl UnsafeManualSeal {
	/// The methods, sending their commands to the manual-seal task through `sink`.
	pub fn new(sink: mpsc::Sender<EngineCommand<Hash>>) -> Self {
		Self(ManualSeal::new(sink))
	}
}

#[async_trait]
impl UnsafeManualSealApiServer for UnsafeManualSeal {
	async fn create_block(
		&self,
		ext: &Extensions,
		create_empty: bool,
		finalize: bool,
		parent_hash: Option<Hash>,
	) -> jsonrpsee::core::RpcResult<CreatedBlock<Hash>> {
		check_if_safe(ext)?;
		Ok(self.0.create_block(create_empty, finalize, parent_hash).await?)
	}

	async fn finalize_block(
		&self,
		ext: &Extensions,
		hash: Hash,
		justification: Option<EncodedJustification>,
	) -> jsonrpsee::core::RpcResult<bool> {
		check_if_safe(ext)?;
		Ok(self.0.finalize_block(hash, justification).await?)
	}
}

#[cfg(test)]
mod tests {
	use futures::{executor::block_on, StreamExt};
	use jsonrpsee::MethodsError;
	use sc_rpc_api::DenyUnsafe;

	use super::*;

	/// The engine methods as the RPC server serves them to a connection with `deny_unsafe`, and
	/// the manual-seal task's end of their channel.
	fn engine_rpc(
		deny_unsafe: DenyUnsafe,
	) -> (RpcModule<UnsafeManualSeal>, mpsc::Receiver<EngineCommand<Hash>>) {
		let (sink, commands) = mpsc::channel(8);
		let mut module = UnsafeManualSeal::new(sink).into_rpc();
		module.extensions_mut().insert(deny_unsafe);
		(module, commands)
	}

	fn assert_refused_as_unsafe<T: std::fmt::Debug>(result: Result<T, MethodsError>) {
		match result {
			Err(MethodsError::JsonRpc(error)) => {
				assert_eq!(error.code(), jsonrpsee::types::ErrorCode::MethodNotFound.code());
				assert!(error.message().contains("unsafe"), "{error:?}");
			},
			other => panic!("expected the unsafe-method error, got {other:?}"),
		}
	}

	#[test]
	fn engine_calls_where_unsafe_methods_are_denied_fails() {
		let (module, commands) = engine_rpc(DenyUnsafe::Yes);
		// A manual-seal task that counts the commands it gets and drops them unanswered, so that
		// a call that got through fails at once instead of waiting for its block.
		let task = std::thread::spawn(move || block_on(commands.count()));

		assert_refused_as_unsafe(block_on(
			module.call::<_, CreatedBlock<Hash>>("engine_createBlock", (true, true)),
		));
		assert_refused_as_unsafe(block_on(
			module.call::<_, bool>("engine_finalizeBlock", (Hash::repeat_byte(1),)),
		));

		// Dropping the methods closes the channel, which ends the task.
		drop(module);
		assert_eq!(task.join().expect("the task ends"), 0, "a command reached the task");
	}

	#[test]
	fn engine_calls_where_unsafe_methods_are_allowed_works() {
		let (module, mut commands) = engine_rpc(DenyUnsafe::No);
		let sealed = Hash::repeat_byte(7);
		// The manual-seal task: seals one block, then finalizes it.
		let task = std::thread::spawn(move || {
			block_on(async {
				match commands.next().await {
					Some(EngineCommand::SealNewBlock {
						create_empty: true,
						finalize: false,
						parent_hash: None,
						sender: Some(sender),
					}) => {
						let created =
							CreatedBlock { hash: sealed, aux: Default::default(), proof_size: 0 };
						sender.send(Ok(created)).expect("the RPC call waits for the answer");
					},
					_ => panic!("expected engine_createBlock's command"),
				}
				match commands.next().await {
					Some(EngineCommand::FinalizeBlock { hash, sender: Some(sender), .. }) => {
						assert_eq!(hash, sealed);
						sender.send(Ok(())).expect("the RPC call waits for the answer");
					},
					_ => panic!("expected engine_finalizeBlock's command"),
				}
			})
		});

		let created = block_on(
			module.call::<_, CreatedBlock<Hash>>("engine_createBlock", (true, false, None::<Hash>)),
		)
		.expect("unsafe methods are allowed");
		assert_eq!(created.hash, sealed);
		let finalized = block_on(module.call::<_, bool>("engine_finalizeBlock", (sealed,)))
			.expect("unsafe methods are allowed");
		assert!(finalized);
		task.join().expect("the manual-seal task answered both calls");
	}
}
