//! Shared Key request signing and verification.
