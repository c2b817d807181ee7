//! Plan-file checks.
