//! Conversions between the Batch wire types and batchform's canonical configuration, in one
//! place, so that a field renamed in the API touches one file.

pub mod iso8601;
