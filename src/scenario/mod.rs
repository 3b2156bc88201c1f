//! Scenario files: the TOML schema, units, and validation into typed values.
//!
//! Parsing happens in two stages (see [`mod@load`]): [`raw`] mirrors the file for serde, and the
//! builder in [`mod@load`] turns it into the typed [`Scenario`] with every default applied.

pub mod addons;
mod apps;
pub mod catalogue;
pub mod error;
pub mod expect;
pub mod formation;
pub mod http;
pub mod load;
pub mod network;
pub mod ops;
pub mod overrides;
pub mod platform;
pub mod raw;
pub mod space;
pub mod spec;
pub mod sweep;
pub mod timeline;
pub mod traffic;
pub mod units;

pub use error::{Location, ScenarioError};
pub use load::{load, load_with, parse, parse_with};
pub use overrides::Override;
pub use spec::*;
