//! The worker's errors, each with the HTTP status the API answers it with and a one-line
//! message for people.

use axum::{
	http::StatusCode,
	response::{IntoResponse, Response},
	Json,
};
use serde::Serialize;
use teeid_ta_protocol::TaError;

use crate::{chain::ChainError, store::StoreError, tee::TeeError};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
	/// The request is malformed.
	#[error("{0}")]
	BadRequest(String),
	/// No valid token was presented.
	#[error("{0}")]
	Unauthorized(String),
	/// The token does not allow this.
	#[error("{0}")]
	Forbidden(String),
	/// Something the request names does not exist.
	#[error("{0}")]
	NotFound(String),
	/// The request conflicts with the state (an id taken, an unbound issuer).
	#[error("{0}")]
	Conflict(String),
	/// The content is well-formed but refused (claims violating the schema).
	#[error("{0}")]
	Unprocessable(String),
	/// The chain or the TEE cannot be reached.
	#[error("{0}")]
	Unavailable(String),
	/// The worker has as much of this work running as it takes on at once
	/// ([`crate::admission::Admission`]): try again shortly.
	#[error("{0}")]
	Busy(String),
	/// Something broke inside the worker.
	#[error("{0}")]
	Internal(String),
}

impl WorkerError {
	/// Whether this refuses a request for what the chain holds or lacks (a DID, a binding, a
	/// CPT, a DID's controller), so that a newer block may answer otherwise.
	pub fn is_refusal(&self) -> bool {
		matches!(
			self,
			WorkerError::Forbidden(_)
				| WorkerError::NotFound(_)
				| WorkerError::Conflict(_)
				| WorkerError::Unprocessable(_)
		)
	}

	/// The HTTP status.
	pub fn status(&self) -> StatusCode {
		match self {
			WorkerError::BadRequest(_) => StatusCode::BAD_REQUEST,
			WorkerError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
			WorkerError::Forbidden(_) => StatusCode::FORBIDDEN,
			WorkerError::NotFound(_) => StatusCode::NOT_FOUND,
			WorkerError::Conflict(_) => StatusCode::CONFLICT,
			WorkerError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
			WorkerError::Unavailable(_) | WorkerError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
			WorkerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
		}
	}

	/// A short machine-readable code.
	pub fn code(&self) -> &'static str {
		match self {
			WorkerError::BadRequest(_) => "badRequest",
			WorkerError::Unauthorized(_) => "unauthorized",
			WorkerError::Forbidden(_) => "forbidden",
			WorkerError::NotFound(_) => "notFound",
			WorkerError::Conflict(_) => "conflict",
			WorkerError::Unprocessable(_) => "unprocessable",
			WorkerError::Unavailable(_) => "unavailable",
			WorkerError::Busy(_) => "busy",
			WorkerError::Internal(_) => "internalError",
		}
	}
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
	/// A short machine-readable code (`badRequest`, `notFound`, `unavailable`, ...).
	pub error: &'static str,
	/// What went wrong, for people.
	pub message: String,
}

impl IntoResponse for WorkerError {
	fn into_response(self) -> Response {
		if matches!(self, WorkerError::Internal(_)) {
			tracing::error!("{self}");
		}
		let body = ErrorBody { error: self.code(), message: self.to_string() };
		(self.status(), Json(body)).into_response()
	}
}

impl From<ChainError> for WorkerError {
	fn from(e: ChainError) -> Self {
		match e {
			ChainError::Unreachable(_) | ChainError::NotIncluded(_) => {
				WorkerError::Unavailable(e.to_string())
			},
			ChainError::Dispatch(_) => WorkerError::Conflict(e.to_string()),
			ChainError::Decode(_) => WorkerError::Internal(e.to_string()),
			ChainError::BadOperator(_) => WorkerError::BadRequest(e.to_string()),
		}
	}
}

impl From<TaError> for WorkerError {
	/// A refusal of the TA. Those about devices and chain time get their own status and words:
	/// they are about the worker's standing, not the request's content.
	fn from(refusal: TaError) -> Self {
		match refusal {
			TaError::Uncertified => WorkerError::Unavailable(
				"the TA holds no device certificate for this chain: provision it with \
				 `teeid-worker device` (docs/operations.md, section 5.1)"
					.into(),
			),
			TaError::UncertifiedDevice => WorkerError::Forbidden(
				"the other TEE's device has no valid certificate by a device certifier this TA \
				 accepts: no network key goes to it, or comes from it"
					.into(),
			),
			TaError::BadCertificate => WorkerError::Unprocessable(
				"the TA refused the device certificate: it is not for this device, platform or \
				 chain, its certifier is not one the TA accepts, or its signature fails"
					.into(),
			),
			TaError::StaleBlock { newest } => WorkerError::Unavailable(format!(
				"the TA has seen block {newest}, newer than the block it was asked to issue \
				 against: the chain's finality lags behind; try again shortly"
			)),
			other => WorkerError::Unprocessable(format!("the TA refused: {other}")),
		}
	}
}

impl From<TeeError> for WorkerError {
	fn from(e: TeeError) -> Self {
		match e {
			TeeError::Refused(refusal) => refusal.into(),
			TeeError::Unavailable(_) => WorkerError::Unavailable(e.to_string()),
			TeeError::Lost(_) => {
				// The details (socket, OP-TEE error code) are for the operator's log.
				tracing::warn!("{e}");
				WorkerError::Unavailable(
					"the TEE stopped during this request and is being restarted; the request was \
					 not repeated and nothing was stored: send it again"
						.into(),
				)
			},
			TeeError::BadResponse | TeeError::UnexpectedReply(_) => {
				WorkerError::Internal(e.to_string())
			},
		}
	}
}

impl From<StoreError> for WorkerError {
	fn from(e: StoreError) -> Self {
		match e {
			StoreError::DuplicateId(_) => WorkerError::Conflict(e.to_string()),
			_ => WorkerError::Internal(e.to_string()),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn device_and_chain_time_refusals_get_their_own_status_works() {
		let status = |refusal| WorkerError::from(TeeError::Refused(refusal)).status();
		assert_eq!(status(TaError::Uncertified), StatusCode::SERVICE_UNAVAILABLE);
		assert_eq!(status(TaError::UncertifiedDevice), StatusCode::FORBIDDEN);
		assert_eq!(status(TaError::BadCertificate), StatusCode::UNPROCESSABLE_ENTITY);
		assert_eq!(status(TaError::StaleBlock { newest: 7 }), StatusCode::SERVICE_UNAVAILABLE);
		assert_eq!(status(TaError::BadClaims), StatusCode::UNPROCESSABLE_ENTITY);
		let stale = WorkerError::from(TaError::StaleBlock { newest: 7 }).to_string();
		assert!(stale.contains("block 7"), "{stale}");
		let uncertified = WorkerError::from(TaError::Uncertified).to_string();
		assert!(uncertified.contains("teeid-worker device"), "{uncertified}");
	}

	#[test]
	fn a_lost_ta_call_answers_503_without_its_details_works() {
		let error = WorkerError::from(TeeError::Lost("TEEC_InvokeCommand: 0xffff3024".into()));
		assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
		assert_eq!(error.code(), "unavailable");
		let message = error.to_string();
		assert!(!message.contains("0xffff3024"), "{message}");
		assert!(message.contains("send it again"), "{message}");
	}
}
