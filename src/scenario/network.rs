//! Building `[space]`, `[[external]]` and a traffic class's network keys, and the space's rules.
//!
//! Every address and range is parsed with `ipnet`; one that does not parse is a schema error
//! naming the key, the text and an example. A range that parses but breaks a platform rule (a
//! /17 dyno VPC, 21 trusted ranges) is a [`Finding`]: the file is valid, the space is not, and
//! `spacesim lint` says so with the platform's words.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::ops::Range;

use ipnet::IpNet;
use toml::Spanned;

use super::error::ScenarioError;
use super::load::Checker;
use super::raw::{RawDomain, RawExternal, RawLimits, RawRuntime, RawSpace, RawTraffic};
use super::space::*;
use super::spec::{DEFAULT_REGION, REGIONS, Runtime, SpaceConfig};
use crate::lint::rules;

/// The private ranges of RFC 1918, which both space networks must lie in (facts §5).
pub const RFC1918: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// True when `net` lies inside one of the [`RFC1918`] ranges.
pub fn is_rfc1918(net: &IpNet) -> bool {
    RFC1918.iter().any(|r| {
        let block: IpNet = r.parse().expect("a valid range");
        block.contains(net)
    })
}

/// True when `a` and `b` share an address.
pub fn overlap(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// A range in CIDR notation (`203.0.113.0/24`); with `bare`, a single address is read as a
/// range of one (`/32`, or `/128` for IPv6). Host bits must be zero.
fn parse_range(
    ctx: &Checker,
    text: &Spanned<String>,
    key: &str,
    bare: bool,
) -> Result<IpNet, ScenarioError> {
    let s = text.get_ref().trim();
    let net = if s.contains('/') {
        s.parse::<IpNet>().ok()
    } else if bare {
        s.parse::<IpAddr>().ok().map(IpNet::from)
    } else {
        None
    };
    let Some(net) = net else {
        let what = if bare {
            "an IP range or address"
        } else {
            "an IP range"
        };
        return Err(ctx.err(
            text.span(),
            key,
            format!(
                "cannot read \"{}\" as {what}: write CIDR notation, such as \"10.0.0.0/16\" or \
                 \"203.0.113.0/24\"",
                text.get_ref()
            ),
        ));
    };
    if net.trunc() != net {
        return Err(ctx.err(
            text.span(),
            key,
            format!(
                "\"{}\" has host bits set: the range is \"{}\"; write that",
                text.get_ref(),
                net.trunc()
            ),
        ));
    }
    Ok(net)
}

/// A list of ranges; `key` is the list's key (`space.trusted_ips`), each entry `key[i]`.
fn parse_ranges(
    ctx: &Checker,
    list: &[Spanned<String>],
    key: &str,
    bare: bool,
) -> Result<Vec<IpNet>, ScenarioError> {
    list.iter()
        .enumerate()
        .map(|(i, s)| parse_range(ctx, s, &format!("{key}[{i}]"), bare))
        .collect()
}

/// Keys of `[space]` that describe a Private Space and mean nothing in the Common Runtime.
fn private_only_keys(s: &RawSpace) -> Vec<(&'static str, Range<usize>)> {
    fn at<T>(key: &'static str, v: &Option<Spanned<T>>) -> Option<(&'static str, Range<usize>)> {
        v.as_ref().map(|v| (key, v.span()))
    }
    [
        at("shield", &s.shield),
        at("cidr", &s.cidr),
        at("data_cidr", &s.data_cidr),
        at("trusted_ips", &s.trusted_ips),
        at("data_trusted_ips", &s.data_trusted_ips),
        at("outbound_ips", &s.outbound_ips),
        at("create", &s.create),
        at("allocation", &s.allocation),
        at("trusted_ips_propagation", &s.trusted_ips_propagation),
        at("limits", &s.limits),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `[space]`, with the space's rules pushed into `findings`.
pub(super) fn build_space(
    ctx: &Checker,
    s: Option<&RawSpace>,
    findings: &mut Vec<Finding>,
) -> Result<SpaceConfig, ScenarioError> {
    let region = match s.and_then(|s| s.region.as_ref()) {
        Some(r) => {
            if !REGIONS.contains(&r.get_ref().as_str()) {
                findings.push(rules::SPACE_REGION.at(
                    ctx.line(r.span()),
                    "space.region",
                    format!(
                        "unknown region \"{}\": Private Spaces can be created in the following \
                         regions: {} (the region cannot be changed after the space is created)",
                        r.get_ref(),
                        REGIONS.join(", ")
                    ),
                ));
            }
            r.get_ref().clone()
        }
        None => DEFAULT_REGION.to_string(),
    };
    let runtime = match s.and_then(|s| s.runtime.as_ref()).map(|r| *r.get_ref()) {
        None | Some(RawRuntime::Private) => Runtime::Private,
        Some(RawRuntime::Common) => Runtime::Common,
    };
    let network = match s {
        Some(s) => {
            if runtime == Runtime::Common
                && let Some((key, span)) = private_only_keys(s).into_iter().next()
            {
                return Err(ctx.err(
                    span,
                    format!("space.{key}"),
                    format!(
                        "`space.{key}` describes a Private Space, and this scenario runs in \
                         the Common Runtime (space.runtime = \"common\"): remove it, or set \
                         space.runtime = \"private\""
                    ),
                ));
            }
            build_network(ctx, s, findings)?
        }
        None => default_network(),
    };
    Ok(SpaceConfig {
        name: s.and_then(|s| s.name.clone()),
        region,
        runtime,
        network,
    })
}

/// The network of a scenario without `[space]`: every default.
pub fn default_network() -> Network {
    Network {
        team: None,
        shield: false,
        cidr: DEFAULT_CIDR.parse().expect("a valid range"),
        data_cidr: None,
        trusted_ips: vec![DEFAULT_TRUSTED_IPS.parse().expect("a valid range")],
        data_trusted_ips: Vec::new(),
        outbound_ips: DEFAULT_OUTBOUND_IPS
            .iter()
            .map(|a| a.parse().expect("a valid address"))
            .collect(),
        allocation: None,
        trusted_ips_propagation: DEFAULT_TRUSTED_IPS_PROPAGATION,
        one_off_provisioning: DEFAULT_ONE_OFF_PROVISIONING,
        limits: Limits::default(),
        members: Vec::new(),
    }
}

fn build_network(
    ctx: &Checker,
    s: &RawSpace,
    findings: &mut Vec<Finding>,
) -> Result<Network, ScenarioError> {
    let mut net = default_network();
    net.team = s.team.clone();
    net.shield = s.shield.as_ref().is_some_and(|b| *b.get_ref());
    net.limits = build_limits(ctx, s.limits.as_ref())?;

    if let Some(c) = &s.cidr {
        let cidr = parse_range(ctx, c, "space.cidr", false)?;
        let line = ctx.line(c.span());
        if !is_rfc1918(&cidr) {
            findings.push(rules::SPACE_CIDR.at(
                line,
                "space.cidr",
                format!(
                    "\"{cidr}\" is not a private (RFC 1918) range: the dyno VPC must be a /16 \
                     in {}; the default is {DEFAULT_CIDR}",
                    RFC1918.join(", ")
                ),
            ));
        } else if cidr.prefix_len() != 16 {
            findings.push(rules::SPACE_CIDR.at(
                line,
                "space.cidr",
                format!(
                    "\"{cidr}\" is a /{}: A `/16` CIDR range is required for the dyno VPC \
                     (`--cidr`)",
                    cidr.prefix_len()
                ),
            ));
        }
        net.cidr = cidr;
    }
    if let Some(c) = &s.data_cidr {
        let data = parse_range(ctx, c, "space.data_cidr", false)?;
        let line = ctx.line(c.span());
        let key = "space.data_cidr";
        if !is_rfc1918(&data) {
            findings.push(rules::SPACE_DATA_CIDR.at(
                line,
                key,
                format!(
                    "\"{data}\" is not a private (RFC 1918) range: the data VPC must lie in {}",
                    RFC1918.join(", ")
                ),
            ));
        } else if !(16..=20).contains(&data.prefix_len()) {
            findings.push(rules::SPACE_DATA_CIDR.at(
                line,
                key,
                format!(
                    "\"{data}\" is a /{}: a `/20` is the minimum CIDR range size for the data \
                     VPC (`--data-cidr`), and a /16 the largest: use /16 to /20",
                    data.prefix_len()
                ),
            ));
        }
        if overlap(&data, &net.cidr) {
            findings.push(rules::SPACE_DATA_CIDR.at(
                line,
                key,
                format!(
                    "\"{data}\" overlaps the dyno VPC \"{}\" (space.cidr): the two networks \
                     must not share addresses",
                    net.cidr
                ),
            ));
        }
        net.data_cidr = Some(data);
    }

    if let Some(list) = &s.trusted_ips {
        let list = list.get_ref();
        net.trusted_ips = parse_ranges(ctx, list, "space.trusted_ips", false)?;
        let limit = net.limits.trusted_ips as usize;
        if list.len() > limit {
            findings.push(rules::TRUSTED_IPS_LIMIT.at(
                ctx.line(list[limit].span()),
                format!("space.trusted_ips[{limit}]"),
                format!(
                    "{} trusted IP ranges: a space allows {limit} (\"20 Trusted IP ranges\" by \
                     default); raise space.limits.trusted_ips as a support ticket would",
                    list.len()
                ),
            ));
        }
    }
    if let Some(list) = &s.data_trusted_ips {
        let ranges = parse_ranges(ctx, list.get_ref(), "space.data_trusted_ips", false)?;
        if net.shield && !ranges.is_empty() {
            findings.push(rules::DATA_TRUSTED_IPS_SHIELD.at(
                ctx.line(list.span()),
                "space.data_trusted_ips",
                "Trusted IP ranges for data services are not available in Shield Private \
                 Spaces: remove space.data_trusted_ips, or set space.shield = false",
            ));
        }
        for (i, (r, text)) in ranges.iter().zip(list.get_ref()).enumerate() {
            if r.prefix_len() == 0 {
                findings.push(rules::DATA_TRUSTED_IPS_IGNORED.at(
                    ctx.line(text.span()),
                    format!("space.data_trusted_ips[{i}]"),
                    format!(
                        "\"{r}\" will be ignored as a Trusted IP for data products because this \
                         CIDR block would expose the database to the wider Internet"
                    ),
                ));
            }
        }
        net.data_trusted_ips = ranges;
    }
    if let Some(list) = &s.outbound_ips {
        net.outbound_ips = build_outbound(ctx, list)?;
    }

    let create = s.create.as_ref().is_some_and(|c| *c.get_ref());
    net.allocation = match &s.allocation {
        Some(a) if !create => {
            return Err(ctx.err(
                a.span(),
                "space.allocation",
                "`space.allocation` is how long a new space stays `allocating`: it applies \
                 only when the scenario starts with the space's creation; add \
                 space.create = true, or remove it",
            ));
        }
        Some(a) => Some(a.get_ref().0),
        None => create.then_some(DEFAULT_ALLOCATION),
    };
    if let Some(d) = &s.trusted_ips_propagation {
        net.trusted_ips_propagation = d.get_ref().0;
    }
    if let Some(d) = &s.one_off_provisioning {
        net.one_off_provisioning = d.get_ref().0;
    }
    net.members = build_members(ctx, &s.members)?;
    Ok(net)
}

/// `space.outbound_ips`: at least one address, none twice.
fn build_outbound(
    ctx: &Checker,
    list: &Spanned<Vec<Spanned<String>>>,
) -> Result<Vec<IpAddr>, ScenarioError> {
    if list.get_ref().is_empty() {
        return Err(ctx.err(
            list.span(),
            "space.outbound_ips",
            "`space.outbound_ips` is empty: outbound traffic from a space originates from a \
             small, stable list of IP addresses; list them, such as [\"192.0.2.2\", \
             \"192.0.2.3\"], or leave the key out for the default four",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(list.get_ref().len());
    for (i, a) in list.get_ref().iter().enumerate() {
        let key = format!("space.outbound_ips[{i}]");
        let addr: IpAddr = a.get_ref().trim().parse().map_err(|_| {
            ctx.err(
                a.span(),
                key.as_str(),
                format!(
                    "cannot read \"{}\" as an IP address: write one address, such as \
                     \"192.0.2.2\" (no range)",
                    a.get_ref()
                ),
            )
        })?;
        if !seen.insert(addr) {
            return Err(ctx.err(a.span(), key, format!("outbound IP {addr} is listed twice")));
        }
        out.push(addr);
    }
    Ok(out)
}

/// `[space.limits]`: each given value replaces a default; 0 would forbid what the key counts.
fn build_limits(ctx: &Checker, raw: Option<&Spanned<RawLimits>>) -> Result<Limits, ScenarioError> {
    let mut limits = Limits::default();
    let Some(raw) = raw else {
        return Ok(limits);
    };
    let raw = raw.get_ref();
    let fields: [(&str, &Option<Spanned<u32>>, &mut u32); 7] = [
        ("apps", &raw.apps, &mut limits.apps),
        (
            "process_types",
            &raw.process_types,
            &mut limits.process_types,
        ),
        (
            "dynos_per_process_type",
            &raw.dynos_per_process_type,
            &mut limits.dynos_per_process_type,
        ),
        (
            "dynos_per_space",
            &raw.dynos_per_space,
            &mut limits.dynos_per_space,
        ),
        (
            "dynos_per_app",
            &raw.dynos_per_app,
            &mut limits.dynos_per_app,
        ),
        ("trusted_ips", &raw.trusted_ips, &mut limits.trusted_ips),
        (
            "one_off_dynos",
            &raw.one_off_dynos,
            &mut limits.one_off_dynos,
        ),
    ];
    for (key, value, slot) in fields {
        if let Some(v) = value {
            if *v.get_ref() == 0 {
                return Err(ctx.err(
                    v.span(),
                    format!("space.limits.{key}"),
                    format!(
                        "`space.limits.{key}` must be at least 1: it replaces the default of \
                         {}, as a support ticket would",
                        *slot
                    ),
                ));
            }
            *slot = *v.get_ref();
        }
    }
    Ok(limits)
}

/// `[[space.members]]`: a known role, names unique.
fn build_members(
    ctx: &Checker,
    raw: &[Spanned<super::raw::RawMember>],
) -> Result<Vec<Member>, ScenarioError> {
    let mut members: Vec<Member> = Vec::with_capacity(raw.len());
    for (i, m) in raw.iter().enumerate() {
        let m = m.get_ref();
        let key = format!("space.members[{i}]");
        let name = m.name.get_ref().trim();
        if name.is_empty() {
            return Err(ctx.err(
                m.name.span(),
                format!("{key}.name"),
                "a member needs a name: what a timeline operation's `actor` names",
            ));
        }
        if members.iter().any(|x| x.name == name) {
            return Err(ctx.err(
                m.name.span(),
                format!("{key}.name"),
                format!("member \"{name}\" is listed twice in [[space.members]]"),
            ));
        }
        let role = match m.role.get_ref().as_str() {
            "admin" => Role::Admin,
            "member" => Role::Member,
            "viewer" => Role::Viewer,
            other => {
                return Err(ctx.err(
                    m.role.span(),
                    format!("{key}.role"),
                    format!(
                        "unknown role \"{other}\": a team member is an `admin`, a `member` \
                         (add create_apps = true for the app-creation permission) or a \
                         `viewer`"
                    ),
                ));
            }
        };
        members.push(Member {
            name: name.to_string(),
            role,
            create_apps: m.create_apps.unwrap_or(false),
        });
    }
    Ok(members)
}

/// `[[external]]`, and the allow-list rule against the space's outbound IPs.
pub(super) fn build_externals(
    ctx: &Checker,
    raw: &[Spanned<RawExternal>],
    network: &Network,
    findings: &mut Vec<Finding>,
) -> Result<Vec<External>, ScenarioError> {
    let mut externals: Vec<External> = Vec::with_capacity(raw.len());
    for (i, e) in raw.iter().enumerate() {
        let e = e.get_ref();
        let key = format!("external[{i}]");
        let name = super::load::check_name(ctx, &e.name, &format!("{key}.name"))?;
        if externals.iter().any(|x| x.name == name) {
            return Err(ctx.err(
                e.name.span(),
                format!("{key}.name"),
                format!("external service \"{name}\" is defined twice"),
            ));
        }
        let allow = match &e.allow {
            Some(list) => {
                let allow = parse_ranges(ctx, list.get_ref(), &format!("{key}.allow"), true)?;
                let refused: Vec<String> = network
                    .outbound_ips
                    .iter()
                    .filter(|ip| !allow.iter().any(|r| r.contains(*ip)))
                    .map(|ip| ip.to_string())
                    .collect();
                if !refused.is_empty() {
                    findings.push(rules::EXTERNAL_ALLOW_LIST.at(
                        ctx.line(list.span()),
                        format!("{key}.allow"),
                        format!(
                            "external service \"{name}\" does not allow the space's outbound \
                             IP{} {}: all outbound traffic from apps in the space originates \
                             from its stable outbound IPs ({}), so calls from {} would be \
                             refused; add {} to its allow-list",
                            if refused.len() == 1 { "" } else { "s" },
                            refused.join(", "),
                            network
                                .outbound_ips
                                .iter()
                                .map(|ip| ip.to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                            if refused.len() == 1 { "it" } else { "them" },
                            if refused.len() == 1 { "it" } else { "them" },
                        ),
                    ));
                }
                allow
            }
            None => vec![
                "0.0.0.0/0".parse().expect("a valid range"),
                "::/0".parse().expect("a valid range"),
            ],
        };
        externals.push(External {
            name,
            allow,
            latency: e
                .latency
                .as_ref()
                .map_or(DEFAULT_EXTERNAL_LATENCY, |l| l.get_ref().0),
        });
    }
    Ok(externals)
}

/// A traffic class's `clients`, `https`, `sni`, `domain` and `calls`.
pub(super) fn build_client_network(
    ctx: &Checker,
    t: &RawTraffic,
    tkey: &str,
    externals: &[External],
) -> Result<ClientNetwork, ScenarioError> {
    let mut net = ClientNetwork::default();
    if let Some(list) = &t.clients {
        if list.get_ref().is_empty() {
            return Err(ctx.err(
                list.span(),
                format!("{tkey}.clients"),
                "`clients` is empty: list the source ranges the class's requests come from, \
                 such as [\"203.0.113.0/24\"], or leave it out for the whole internet \
                 (\"0.0.0.0/0\")",
            ));
        }
        net.clients = parse_ranges(ctx, list.get_ref(), &format!("{tkey}.clients"), true)?;
    }
    net.https = t.https.unwrap_or(true);
    net.sni = t.sni.unwrap_or(true);
    net.domain = match t.domain {
        None | Some(RawDomain::Custom) => Domain::Custom,
        Some(RawDomain::Default) => Domain::Default,
    };
    for (i, call) in t.calls.iter().flatten().enumerate() {
        let key = format!("{tkey}.calls[{i}]");
        let Some(index) = externals.iter().position(|e| &e.name == call.get_ref()) else {
            return Err(ctx.err(
                call.span(),
                key,
                format!(
                    "no external service \"{}\"; {}",
                    call.get_ref(),
                    super::addons::one_of(
                        "services ([[external]])",
                        externals.iter().map(|e| e.name.as_str())
                    )
                ),
            ));
        };
        if net.calls.contains(&index) {
            return Err(ctx.err(
                call.span(),
                key,
                format!("\"{}\" is called twice", call.get_ref()),
            ));
        }
        net.calls.push(index);
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn rfc1918_holds_the_three_private_blocks_and_nothing_wider() {
        assert!(is_rfc1918(&net("10.0.0.0/16")));
        assert!(is_rfc1918(&net("172.31.0.0/16")));
        assert!(is_rfc1918(&net("192.168.0.0/16")));
        assert!(!is_rfc1918(&net("172.32.0.0/16")));
        assert!(!is_rfc1918(&net("8.0.0.0/16")));
        assert!(!is_rfc1918(&net("10.0.0.0/7")));
        assert!(!is_rfc1918(&net("fd00::/16")));
    }

    #[test]
    fn overlap_is_symmetric() {
        assert!(overlap(&net("10.0.0.0/16"), &net("10.0.16.0/20")));
        assert!(overlap(&net("10.0.16.0/20"), &net("10.0.0.0/16")));
        assert!(!overlap(&net("10.0.0.0/16"), &net("10.1.0.0/20")));
    }
}
