//! The space's network at run time: trusted IP ranges at the router, TLS, calls from the
//! space's stable outbound IPs to external services, and the latency of add-ons outside the
//! space.
//!
//! # What happens to a request, in order
//! 1. Its app does not exist (never created, or destroyed): it fails, `no_such_app`.
//! 2. **Trusted IPs** (Private Space, web traffic only: every traffic class goes to `web`): the
//!    client's address is drawn uniformly from the class's `clients` ranges (each range weighted
//!    by its size); an address outside every trusted range is refused by the router and counted
//!    as `blocked`, not as a failure. An empty trusted list blocks everything.
//! 3. **TLS** (Private Space): an HTTPS request without SNI fails (`tls_handshake`), and so
//!    does an HTTPS request to the default app domain of an app with custom-domain SSL.
//! 4. At the dyno, each **external call** of the class leaves from one of the space's outbound
//!    IPs, drawn uniformly per call; a service whose allow-list does not cover it refuses the
//!    call and the request fails (`external_refused`). Accepted calls add their latency to the
//!    request's time on the dyno, and so does each use of an add-on outside the space.
//!
//! # Determinism
//! Draws come from `network/<app>/<class>/client` and `network/<app>/<class>/outbound`, and
//! only when the outcome is uncertain: with the default `0.0.0.0/0` trusted range (or trusted
//! ranges covering every client range, or none touching them) no address is drawn, and a call
//! whose service allows all (or none) of the outbound IPs draws nothing. Scenarios that do not
//! use these features draw exactly what they drew before.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use rand::RngExt;

use crate::engine::{SimDuration, Stream};
use crate::scenario::space::{Domain, External, Placement};
use crate::scenario::{AppSpec, Runtime, Scenario, TrafficSpec};

/// Whether a class's clients get through the trusted IP ranges.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every client range is inside a trusted range: nothing to draw.
    All,
    /// No client range touches a trusted range (or the list is empty): all blocked.
    None,
    /// Some are trusted, some not: each request draws its address.
    Draw,
}

/// How the trusted ranges `trusted` treat clients from `clients`.
pub fn reach(clients: &[IpNet], trusted: &[IpNet]) -> Reach {
    if clients.is_empty() || trusted.is_empty() {
        return Reach::None;
    }
    let covered = |c: &IpNet| trusted.iter().any(|t| t.contains(c));
    let touches = |c: &IpNet| trusted.iter().any(|t| t.contains(c) || c.contains(t));
    if clients.iter().all(covered) {
        Reach::All
    } else if !clients.iter().any(touches) {
        Reach::None
    } else {
        Reach::Draw
    }
}

/// Host bits used to weight a range: its real size for IPv4; for IPv6 capped at 64 bits so
/// that sums fit (a /64 and anything larger weigh the same: an **assumption** that matters
/// only for IPv6 client ranges of different sizes above /64).
fn weight_bits(net: &IpNet) -> u32 {
    match net {
        IpNet::V4(n) => 32 - u32::from(n.prefix_len()),
        IpNet::V6(n) => (128 - u32::from(n.prefix_len())).min(64),
    }
}

/// A client address drawn uniformly from `clients`, each range weighted by its size.
pub fn draw_address(clients: &[IpNet], rng: &mut Stream) -> IpAddr {
    debug_assert!(!clients.is_empty());
    let total: u128 = clients.iter().map(|c| 1u128 << weight_bits(c)).sum();
    let mut r = rng.random_range(0..total);
    for c in clients {
        let size = 1u128 << weight_bits(c);
        if r < size {
            return match c {
                IpNet::V4(n) => IpAddr::V4(Ipv4Addr::from(
                    u32::from(n.network()).wrapping_add(r as u32),
                )),
                IpNet::V6(n) => {
                    let host_bits = 128 - u32::from(n.prefix_len());
                    let mask = if host_bits == 128 {
                        u128::MAX
                    } else {
                        (1u128 << host_bits) - 1
                    };
                    let offset = rng.random::<u128>() & mask;
                    IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) | offset))
                }
            };
        }
        r -= size;
    }
    unreachable!("the draw is below the total weight")
}

/// True when `addr` is inside one of `ranges`.
pub fn allowed(addr: &IpAddr, ranges: &[IpNet]) -> bool {
    ranges.iter().any(|r| r.contains(addr))
}

/// One external call of a traffic class, ready to run.
#[derive(Clone, Debug)]
pub struct CallPlan {
    /// Round trip of the call.
    pub latency: SimDuration,
    /// Per outbound IP of the space: the service accepts calls from it.
    pub allowed: Vec<bool>,
}

impl CallPlan {
    /// `external` called from `outbound`.
    pub fn new(external: &External, outbound: &[IpAddr]) -> CallPlan {
        CallPlan {
            latency: external.latency,
            allowed: outbound
                .iter()
                .map(|ip| allowed(ip, &external.allow))
                .collect(),
        }
    }

    /// Whether one call gets through: draws the outbound IP only when some are allowed and
    /// some not.
    pub fn accepted(&self, rng: &mut Stream) -> bool {
        let n = self.allowed.len();
        let ok = self.allowed.iter().filter(|&&a| a).count();
        if ok == n {
            n > 0
        } else if ok == 0 {
            false
        } else {
            self.allowed[rng.random_range(0..n)]
        }
    }
}

/// The calls each request of `class` makes.
pub fn call_plans(scenario: &Scenario, class: &TrafficSpec) -> Vec<CallPlan> {
    let outbound = &scenario.space.network.outbound_ips;
    class
        .network
        .calls
        .iter()
        .map(|&e| CallPlan::new(&scenario.externals[e], outbound))
        .collect()
}

/// Network time one request of `class` spends on the dyno besides its service: each use of an
/// add-on outside the space and each external call.
pub fn network_time(app: &AppSpec, class: &TrafficSpec, calls: &[CallPlan]) -> SimDuration {
    let addons = class
        .addons
        .iter()
        .map(|u| outside_latency(app, u.addon))
        .fold(SimDuration::ZERO, |a, b| a + b);
    calls.iter().fold(addons, |a, c| a + c.latency)
}

/// Extra round trip of one use of add-on `addon` of `app`: its latency when it runs outside
/// the space, else zero.
pub fn outside_latency(app: &AppSpec, addon: usize) -> SimDuration {
    match app.addons[addon].placement {
        Placement::InSpace => SimDuration::ZERO,
        Placement::Outside(latency) => latency,
    }
}

/// True when every HTTPS request of `class` to `app` fails its TLS handshake in a Private Space:
/// no SNI, or the default app domain of an app with custom-domain SSL (private-spaces.txt,
/// "Adding custom domains and SSL").
pub fn tls_fails(runtime: Runtime, app: &AppSpec, class: &TrafficSpec) -> bool {
    let n = &class.network;
    runtime == Runtime::Private
        && n.https
        && (!n.sni || (n.domain == Domain::Default && app.custom_domain_ssl))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn reach_is_certain_unless_ranges_overlap_partly() {
        let all = nets(&["0.0.0.0/0"]);
        assert_eq!(reach(&nets(&["203.0.113.0/24"]), &all), Reach::All);
        assert_eq!(reach(&all, &all), Reach::All);
        let office = nets(&["198.51.100.0/24"]);
        assert_eq!(reach(&nets(&["203.0.113.0/24"]), &office), Reach::None);
        assert_eq!(reach(&nets(&["203.0.113.0/24"]), &[]), Reach::None);
        assert_eq!(
            reach(&nets(&["198.51.100.0/24", "203.0.113.0/24"]), &office),
            Reach::Draw
        );
        // A trusted range inside the client range: some clients get through.
        assert_eq!(reach(&nets(&["198.51.0.0/16"]), &office), Reach::Draw);
        // IPv6 clients are not in an IPv4 range.
        assert_eq!(reach(&nets(&["2001:db8::/32"]), &all), Reach::None);
    }

    #[test]
    fn addresses_are_drawn_by_range_size() {
        // A /24 and a /25: two thirds of the draws land in the /24.
        let clients = nets(&["198.51.100.0/24", "203.0.113.0/25"]);
        let big = nets(&["198.51.100.0/24"]);
        let mut rng = stream(1, "t");
        let n = 30_000;
        let mut inside = 0;
        for _ in 0..n {
            let a = draw_address(&clients, &mut rng);
            assert!(allowed(&a, &clients));
            inside += usize::from(allowed(&a, &big));
        }
        let share = inside as f64 / n as f64;
        assert!((share - 2.0 / 3.0).abs() < 0.01, "{share}");
        let v6 = nets(&["2001:db8::/126"]);
        for _ in 0..100 {
            assert!(allowed(&draw_address(&v6, &mut rng), &v6));
        }
    }

    #[test]
    fn calls_draw_only_when_uncertain() {
        let outbound: Vec<IpAddr> = ["192.0.2.2", "192.0.2.3"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let ext = |allow: &[&str]| External {
            name: "x".into(),
            allow: nets(allow),
            latency: SimDuration::from_millis(1),
        };
        let mut rng = stream(1, "t");
        let before = rng.clone();
        assert!(CallPlan::new(&ext(&["192.0.2.0/24"]), &outbound).accepted(&mut rng));
        assert!(!CallPlan::new(&ext(&["10.0.0.0/8"]), &outbound).accepted(&mut rng));
        assert_eq!(rng, before, "certain outcomes draw nothing");
        let half = CallPlan::new(&ext(&["192.0.2.2/32"]), &outbound);
        let ok = (0..10_000).filter(|_| half.accepted(&mut rng)).count();
        assert!((4_700..5_300).contains(&ok), "{ok}");
    }
}
