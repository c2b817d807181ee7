//! Every safety claim under attack, end to end against the emulator: revoked users leave every
//! node, a plan file cannot be turned against the account, a plan goes to one account only, no
//! redirect carries a request away, no error quotes a secret. What is checked is the account
//! (pools, and the users on each node), not only exit codes.

mod accounts;
mod interruptions;
mod node_users;
mod redirects;
mod secrets;
mod support;
mod tamper;
