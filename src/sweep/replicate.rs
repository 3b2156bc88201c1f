//! Running one scenario several times, each replication on its own seed.

use rand::Rng;
use rayon::prelude::*;
use serde_json::Value;

use crate::engine::stream;
use crate::metrics::NullSink;
use crate::model::results::RunError;
use crate::model::sim;
use crate::report::summarize;
use crate::scenario::Scenario;

/// The seed of replication `r` of a scenario with root `seed`: the seed itself for the first,
/// then values derived from (seed, replication number), independent of thread order.
pub fn replication_seed(seed: u64, r: u32) -> u64 {
    if r == 0 {
        seed
    } else {
        stream(seed, &format!("replication/{r}")).next_u64()
    }
}

/// Runs `scenario` once, without a time series, and returns its summary as JSON.
pub fn summary_of(scenario: &Scenario) -> Result<Value, RunError> {
    let out = sim::run(scenario, &mut NullSink)?;
    Ok(serde_json::to_value(summarize(scenario, &out)).expect("summaries serialize"))
}

/// Runs `replications` of `scenario` in parallel on the current rayon pool; replication `r`
/// uses [`replication_seed`]`(scenario.seed, r)`. Summaries come back in replication order.
pub fn replicate(scenario: &Scenario, replications: u32) -> Result<Vec<Value>, RunError> {
    (0..replications.max(1))
        .into_par_iter()
        .map(|r| {
            let mut s = scenario.clone();
            s.seed = replication_seed(scenario.seed, r);
            summary_of(&s)
        })
        .collect()
}
