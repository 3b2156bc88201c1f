//! Dyno selection: the router policies.
//!
//! The platform's router picks a random up web dyno (facts §1.1); the other policies are
//! what-if studies. Each app has its own router with its own random stream.

use rand::RngExt;

use crate::engine::Stream;
use crate::scenario::RoutingPolicy;

/// One app's router state.
pub struct Router {
    policy: RoutingPolicy,
    rng: Stream,
    next: usize,
}

impl Router {
    /// A router using `policy`, drawing from `rng`.
    pub fn new(policy: RoutingPolicy, rng: Stream) -> Self {
        Router {
            policy,
            rng,
            next: 0,
        }
    }

    /// Picks one of `candidates` (indices of up dynos); `open(d)` is the number of requests the
    /// router has open on dyno `d`. Returns `None` when there is no candidate.
    pub fn pick(&mut self, candidates: &[u32], open: impl Fn(u32) -> u32) -> Option<u32> {
        let n = candidates.len();
        if n == 0 {
            return None;
        }
        let i = match self.policy {
            RoutingPolicy::Random => self.rng.random_range(0..n),
            RoutingPolicy::RoundRobin => {
                let i = self.next % n;
                self.next = (i + 1) % n;
                i
            }
            RoutingPolicy::LeastConnections => {
                // Scan from a random offset so ties do not always favour the first dyno.
                let offset = self.rng.random_range(0..n);
                (0..n)
                    .map(|k| (offset + k) % n)
                    .min_by_key(|&i| open(candidates[i]))
                    .expect("n > 0")
            }
            RoutingPolicy::PowerOfTwo => {
                let a = self.rng.random_range(0..n);
                if n == 1 {
                    a
                } else {
                    let b = (a + 1 + self.rng.random_range(0..n - 1)) % n;
                    if open(candidates[b]) < open(candidates[a]) {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        Some(candidates[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn counts(policy: RoutingPolicy, open: &[u32], draws: usize) -> Vec<usize> {
        let mut r = Router::new(policy, stream(1, "router-test"));
        let cands: Vec<u32> = (0..open.len() as u32).collect();
        let mut c = vec![0; open.len()];
        for _ in 0..draws {
            c[r.pick(&cands, |d| open[d as usize]).unwrap() as usize] += 1;
        }
        c
    }

    #[test]
    fn round_robin_cycles() {
        assert_eq!(
            counts(RoutingPolicy::RoundRobin, &[0, 0, 0], 9),
            vec![3, 3, 3]
        );
    }

    #[test]
    fn random_is_roughly_uniform() {
        // 30,000 draws over 3 dynos: each share within 1.5 percentage points (over 5 sigma).
        let c = counts(RoutingPolicy::Random, &[0, 0, 0], 30_000);
        for n in c {
            assert!((n as f64 / 30_000.0 - 1.0 / 3.0).abs() < 0.015, "{n}");
        }
    }

    #[test]
    fn least_connections_picks_the_idlest() {
        assert_eq!(
            counts(RoutingPolicy::LeastConnections, &[3, 1, 2], 10),
            vec![0, 10, 0]
        );
    }

    #[test]
    fn power_of_two_never_picks_the_busiest_of_two() {
        // With two dynos both are always compared, so the busier one is never chosen.
        assert_eq!(
            counts(RoutingPolicy::PowerOfTwo, &[5, 1], 100),
            vec![0, 100]
        );
    }

    #[test]
    fn no_candidates_means_no_dyno() {
        let mut r = Router::new(RoutingPolicy::Random, stream(1, "x"));
        assert_eq!(r.pick(&[], |_| 0), None);
    }
}
