//! The running worker: its TA, the chain, its database, and what it knows about itself.

use std::{
	sync::{Arc, RwLock},
	time::Duration,
};
use teeid_did_resolver::{did::Did, source::RpcSource};
use teeid_primitives::AccountId;
use teeid_ta_protocol::{command::TeeIdentity, Command, Reply};
use tokio::sync::Semaphore;

use crate::{
	admission::Admission,
	chain::{Chain, ChainView},
	error::WorkerError,
	expect_reply,
	metrics::Metrics,
	status_list::FreshEntries,
	store::Store,
	tee::{Tee, TeeError},
	tokens::TokenRecord,
	verify::VerifyLimit,
};

/// How much work of each kind the worker takes on at once.
pub struct Limits {
	/// Verifications.
	pub verify: VerifyLimit,
	/// Issuances.
	pub issuance: Admission,
}

/// Everything the API handlers and the background tasks share.
pub struct Worker {
	/// The TA.
	pub tee: Tee,
	/// The chain.
	pub chain: Chain,
	/// DID resolution (current and historical documents) from the same node.
	pub resolver: RpcSource,
	/// The database.
	pub store: Store,
	/// Metrics.
	pub metrics: Metrics,
	/// The cap on CPU work over untrusted input (verification).
	pub verify_limit: VerifyLimit,
	/// The bound on issuances in progress.
	pub issuance: Admission,
	/// Status list entries allocated ahead for credentials under ids the worker draws.
	pub fresh_entries: FreshEntries,
	/// The URL wallets and verifiers reach the API at, without a trailing slash: the
	/// OpenID4VCI credential issuer identifier and the base of the URLs the worker hands out.
	pub public_url: String,
	/// The chain as a light client proves it, for the verifier (`--verify-light`).
	light: Option<LightReads>,
	identity: RwLock<TeeIdentity>,
}

/// The chain and DID resolution through one light client (smoldot), which checks every
/// storage value and runtime call the node serves against GRANDPA-finalized headers: what the
/// verifier judges by when it must not trust the node (`--verify-light`).
pub struct LightReads {
	/// The chain client over the light client, at its finalized blocks.
	chain: Chain,
	/// DID resolution over the same light client.
	resolver: RpcSource,
	/// The verifications waiting for the light client to catch up ([`CATCH_UP_WAITERS`]).
	waiting: Semaphore,
}

/// How long a verification through the light client waits for it to prove final a block the
/// node names final: the light client learns of finality from GRANDPA's commits a moment after
/// the node (a credential verified right after its issuance names the node's finalized block).
const CATCH_UP: Duration = Duration::from_secs(20);

/// How often a verification waiting for the light client looks again.
const CATCH_UP_POLL: Duration = Duration::from_millis(500);

/// At most this many verifications wait for the light client at once; more are 503 `busy`.
const CATCH_UP_WAITERS: usize = 64;

/// How long the node may take to say whether it finalized a block a verification names.
const NODE_HINT_TIMEOUT: Duration = Duration::from_secs(1);

/// How old (by its proven timestamp) the light client's finalized block may be for
/// verifications to judge by it: peers that withheld finality from it would otherwise have it
/// judge revocations and registrations by old state, unnoticed.
const MAX_LIGHT_HEAD_AGE: Duration = Duration::from_secs(120);

impl LightReads {
	/// Starts a light client of the chain `chain_spec` describes (a raw chain specification
	/// with `bootNodes`), waits until it has synced, and checks that it follows `node`'s chain.
	#[cfg(feature = "light")]
	pub async fn start(node: &Chain, chain_spec: &str) -> Result<Self, WorkerError> {
		let resolver = RpcSource::light(chain_spec)
			.await
			.map_err(|e| WorkerError::Unavailable(format!("the verifier's light client: {e}")))?;
		let chain = node.through_light_client(resolver.client()).await?;
		if chain.genesis_hash() != node.genesis_hash() {
			return Err(WorkerError::BadRequest(format!(
				"the light client's chain specification is of the chain with genesis {:?}, the \
				 node's is {:?}",
				chain.genesis_hash(),
				node.genesis_hash()
			)));
		}
		Ok(Self { chain, resolver, waiting: Semaphore::new(CATCH_UP_WAITERS) })
	}

	/// The light client's finalized view for a verification reading the chain at blocks up to
	/// `newest`: its view now, or, if `newest` is past it and the node (asked for at most
	/// [`NODE_HINT_TIMEOUT`]) names it final, its view once it has proven `newest` final (up to
	/// [`CATCH_UP`], then 503). A block the node does not name final is not waited for: the
	/// checks at it fail at once. A view older than [`MAX_LIGHT_HEAD_AGE`] is 503.
	async fn view_reaching(
		&self,
		node: &Chain,
		newest: Option<u32>,
	) -> Result<Arc<ChainView>, WorkerError> {
		let now = self.chain.latest_view().await?;
		let view = match newest.filter(|newest| *newest > now.block().0) {
			Some(newest) => self.catch_up(node, newest, now).await?,
			None => now,
		};
		let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
		let age = Duration::from_millis(now_ms.saturating_sub(view.timestamp().await?));
		if age > MAX_LIGHT_HEAD_AGE {
			return Err(WorkerError::Unavailable(format!(
				"the light client's finalized block {} is {} s old: until it learns of newer \
				 finality, verifications do not judge by it",
				view.block().0,
				age.as_secs()
			)));
		}
		Ok(view)
	}

	/// The light client's view once it has proven block `newest` final, if the node names it
	/// final; `behind` (the view now) if the node does not.
	async fn catch_up(
		&self,
		node: &Chain,
		newest: u32,
		behind: Arc<ChainView>,
	) -> Result<Arc<ChainView>, WorkerError> {
		let behind_number = behind.block().0;
		match tokio::time::timeout(NODE_HINT_TIMEOUT, node.latest_view()).await {
			Ok(Ok(view)) if view.block().0 >= newest => {},
			Ok(Ok(_)) => return Ok(behind),
			Ok(Err(_)) | Err(_) => {
				return Err(WorkerError::Unavailable(format!(
					"the light client has not proven block {newest} final (its finalized block is \
					 {behind_number}), and the node does not say whether it is"
				)))
			},
		}
		let Ok(_waiting) = self.waiting.try_acquire() else {
			return Err(WorkerError::Busy(format!(
				"{CATCH_UP_WAITERS} verifications already wait for the light client to catch up"
			)));
		};
		let caught_up = tokio::time::timeout(CATCH_UP, async {
			loop {
				tokio::time::sleep(CATCH_UP_POLL).await;
				let view = self.chain.view().await?;
				if view.block().0 >= newest {
					return Ok::<_, WorkerError>(view);
				}
			}
		});
		caught_up.await.unwrap_or_else(|_| {
			Err(WorkerError::Unavailable(format!(
				"the light client has not proven block {newest} final within {} s (the node \
				 has): try again in a few seconds",
				CATCH_UP.as_secs()
			)))
		})
	}

	/// Refuses: this build has no light client.
	#[cfg(not(feature = "light"))]
	pub async fn start(_node: &Chain, _chain_spec: &str) -> Result<Self, WorkerError> {
		Err(WorkerError::BadRequest(
			"this build has no light client: build teeid-worker with --features light".into(),
		))
	}
}

impl Worker {
	/// Assembles a worker; reads the TA's identity.
	pub async fn new(
		tee: Tee,
		chain: Chain,
		store: Store,
		limits: Limits,
		public_url: String,
		light: Option<LightReads>,
	) -> Result<Self, WorkerError> {
		let identity = identity(&tee).await?;
		// A connection of its own: public resolutions (many reads, large answers) neither queue
		// behind nor break the connection the worker's own chain reads and transactions use.
		let resolver = RpcSource::connect(chain.url())
			.await
			.map_err(|e| WorkerError::Unavailable(format!("DID resolution: {e}")))?;
		let metrics = Metrics::new(store.group_commits_counter());
		Ok(Self {
			tee,
			chain,
			resolver,
			store,
			metrics,
			verify_limit: limits.verify,
			issuance: limits.issuance,
			fresh_entries: FreshEntries::default(),
			public_url,
			light,
			identity: RwLock::new(identity),
		})
	}

	/// The chain the verifier judges by: the light client's with `--verify-light`, else the
	/// node's.
	pub fn verifier_chain(&self) -> &Chain {
		self.light.as_ref().map_or(&self.chain, |light| &light.chain)
	}

	/// The DID resolution the verifier judges by: through the light client with
	/// `--verify-light`, else through the node.
	pub fn verifier_resolver(&self) -> &RpcSource {
		self.light.as_ref().map_or(&self.resolver, |light| &light.resolver)
	}

	/// Whether the verifier reads through a light client.
	pub fn verifies_through_light_client(&self) -> bool {
		self.light.is_some()
	}

	/// The chain at the finalized block a verification judges by, for one that reads the chain
	/// at blocks up to `newest`: the node's finalized head now, or the light client's
	/// ([`LightReads::view_reaching`]: it may wait for the light client to catch up).
	pub async fn verifier_view(&self, newest: Option<u32>) -> Result<Arc<ChainView>, WorkerError> {
		match &self.light {
			Some(light) => light.view_reaching(&self.chain, newest).await,
			None => Ok(self.chain.latest_view().await?),
		}
	}

	/// The TA's identity as last read.
	pub fn identity(&self) -> TeeIdentity {
		self.identity.read().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// The TA's signing key: the worker's key on chain.
	pub fn key(&self) -> [u8; 32] {
		self.identity().signing_key.0
	}

	/// Reads the TA's identity again (after it created or imported the network key).
	pub async fn refresh_identity(&self) -> Result<TeeIdentity, WorkerError> {
		let fresh = identity(&self.tee).await?;
		*self.identity.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
		Ok(fresh)
	}

	/// Checks that `token`'s account controls `did` (an active DID); returns the DID's account.
	pub async fn check_controls(
		&self,
		view: &ChainView,
		token: &TokenRecord,
		did: &str,
	) -> Result<AccountId, WorkerError> {
		let account = parse_did(did)?;
		let state = view
			.did(&account)
			.await?
			.ok_or_else(|| WorkerError::NotFound(format!("unknown DID {did}")))?;
		if state.deactivated {
			return Err(WorkerError::Conflict(format!("{did} is deactivated")));
		}
		let controls = token
			.account
			.as_deref()
			.and_then(account_of)
			.is_some_and(|holder| holder == state.controller);
		if !controls {
			return Err(WorkerError::Forbidden(format!(
				"the token's account does not control {did}"
			)));
		}
		Ok(account)
	}

	/// Checks that `token`'s account controls `did` and that the chain shows this worker as a
	/// signer of it that counts; returns the DID's account.
	pub async fn check_signer_for(
		&self,
		view: &ChainView,
		token: &TokenRecord,
		did: &str,
	) -> Result<AccountId, WorkerError> {
		let account = self.check_controls(view, token, did).await?;
		if !view.signers(&account).await?.contains(&self.key()) {
			return Err(WorkerError::Conflict(format!(
				"this worker is not a bound signer of {did} (or does not count now): the DID's \
				 controller binds it with attestation.bindSigner"
			)));
		}
		Ok(account)
	}
}

/// The TA's identity.
pub async fn identity(tee: &Tee) -> Result<TeeIdentity, TeeError> {
	expect_reply!(tee.call(Command::Identity).await?, Reply::Identity(identity) => identity, "Identity")
}

/// The account of a `did:teeid` DID.
pub fn parse_did(did: &str) -> Result<AccountId, WorkerError> {
	did.parse::<Did>().map(|did| did.0).map_err(|e| WorkerError::BadRequest(format!("{did}: {e}")))
}

/// The account a `did:teeid` DID or an SS58 address names.
pub fn account_of(text: &str) -> Option<AccountId> {
	// Both parsers refuse over-long text before decoding its base58 (quadratic in the length).
	text.parse::<Did>()
		.map(|did| did.0)
		.ok()
		.or_else(|| teeid_did_resolver::did::account_from_ss58(text))
}

/// The `did:teeid` DID of `account`.
pub fn did_of(account: &AccountId) -> String {
	Did(account.clone()).to_string()
}

/// Decides a request on the chain: evaluates `$decision`, an expression of type
/// `Result<T, WorkerError>` that reads the chain through `$view: &ChainView`, on the finalized
/// view ([`Chain::view`](crate::chain::Chain::view), which may lag the node by
/// [`VIEW_MAX_AGE`](crate::chain::VIEW_MAX_AGE)) and, if it refuses for what the chain holds
/// ([`WorkerError::is_refusal`]), once more on the node's finalized head when that is a newer
/// block. A refusal is never given on a lagging view (a DID, a binding or a CPT made a moment
/// ago counts); what is granted may lag the node by at most `VIEW_MAX_AGE`, as if the request had
/// come that much earlier. A macro rather than a function taking an async closure: the
/// decision borrows the request, and a closure's future could not be proven `Send` for every
/// view it is given.
#[macro_export]
macro_rules! decide {
	($worker:expr, |$view:ident| $decision:expr) => {{
		let kept = $worker.chain.view().await?;
		let outcome = {
			let $view: &$crate::chain::ChainView = &kept;
			$decision
		};
		match outcome {
			Err(refusal) if $crate::error::WorkerError::is_refusal(&refusal) => {
				match $worker.chain.newer_view(&kept).await? {
					Some(newer) => {
						let $view: &$crate::chain::ChainView = &newer;
						$decision
					},
					None => Err(refusal),
				}
			},
			outcome => outcome,
		}
	}};
}
