//! Carrying out a plan: the plan's steps as ordered REST calls, independent pools concurrently,
//! waiting on the service's asynchronous states, and checking that the result is real.

pub mod progress;
pub mod wait;
