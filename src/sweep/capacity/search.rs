//! The order of probes: bracketing, then bisection, then refinement of the confident bounds.
//!
//! The search sees the parameter through an [`Axis`] (which side is good, how to step) and
//! each probe only through its [`Verdict`], so it is the same for rates and dyno counts and
//! can be tested without simulating anything. Every step depends only on earlier verdicts,
//! never on timing, so the sequence of probes is the same however many threads run them.
//!
//! 1. **Bracket**: probe the start. If it meets the SLOs, step towards the bad side (double a
//!    rate, halve a count) until a probe does not; otherwise step towards the good side (halve a
//!    rate, double a count) until one does. A rate moves at most [`RATE_OCTAVES`] octaves
//!    from the start; a count stays from 1 to its maximum.
//! 2. **Bisect** between the good and bad values on the *point* verdict (the means) until the
//!    axis says they are close enough (relative width `precision` for a rate, adjacent integers
//!    for a count). The answer is the good end.
//! 3. **Refine**: the confident bounds are the closest probes to the boundary that pass every
//!    SLO with confidence (on the good side) and that fail one with confidence (on the bad
//!    side). When a side has none as close as the bisection's last step, probe beyond that end
//!    at distances 1, 2, 4, ... times the final bracket width (a count: 1, 2, 4, ...), the
//!    two sides in turn, until each is found or the axis or the probe budget ends.
//!
//! Refinement probes only narrow the interval: the answer stays the bisection's, even if a
//! refinement probe's mean disagrees with it (noise, or SLOs that are not monotone).
//!
//! A value already probed is never probed again (its verdict is reused, and not counted
//! against the budget).
//!
//! [`RATE_OCTAVES`]: super::axis::RATE_OCTAVES

use super::axis::Axis;
use super::slo::Confident;

/// Which part of the search a probe belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Looking for a value that meets and one that does not.
    Bracket,
    /// Halving the interval between them.
    Bisect,
    /// Looking for confident verdicts beyond its ends.
    Refine,
}

impl Stage {
    /// `bracket`, `bisect` or `refine`, as in `capacity.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Bracket => "bracket",
            Stage::Bisect => "bisect",
            Stage::Refine => "refine",
        }
    }
}

/// What the search needs to know of a probe.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The mean of every SLO's metric meets its bound.
    pub meets: bool,
    /// Every SLO passes with confidence, or some SLO fails with confidence, or neither.
    pub confident: Confident,
}

/// How a search ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The boundary is found.
    Found(Found),
    /// No value meets the SLOs, down to `best` (the lowest rate, or the largest count, probed).
    NoneMeets {
        /// The value closest to the good end that was probed.
        best: f64,
    },
    /// Every rate probed meets the SLOs, up to `worst`: the SLOs do not bind in this range.
    AlwaysMeets {
        /// The largest rate probed.
        worst: f64,
    },
    /// The probe budget ran out before the bracketing did.
    OutOfProbes {
        /// The value closest to the boundary that meets, if any.
        good: Option<f64>,
        /// The value closest to the boundary that does not, if any.
        bad: Option<f64>,
    },
}

/// The boundary, as found.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The answer: the largest rate (smallest count) probed whose means meet every SLO.
    pub answer: f64,
    /// The closest value beyond it whose means miss some SLO; None when an integer search
    /// meets at 1.
    pub miss: Option<f64>,
    /// The closest value at or before the answer that passes every SLO with confidence.
    pub confident_pass: Option<f64>,
    /// The closest value at or beyond `miss` that fails some SLO with confidence.
    pub confident_fail: Option<f64>,
    /// Whether the bisection reached the axis's precision (false: the budget ran out first).
    pub converged: bool,
}

/// Runs at most `max_probes` probes along `axis` and returns where the boundary is.
/// `probe(value, stage)` runs one probe; its errors stop the search.
pub fn search<E>(
    axis: &Axis,
    max_probes: u32,
    probe: impl FnMut(f64, Stage) -> Result<Verdict, E>,
) -> Result<Outcome, E> {
    let mut p = Prober {
        probe,
        done: Vec::new(),
        max: max_probes,
    };

    // 1. Bracket.
    let mut good = None;
    let mut bad = None;
    let Some(first) = p.at(axis.start, Stage::Bracket)? else {
        return Ok(Outcome::OutOfProbes { good, bad });
    };
    let mut v = axis.start;
    let outward = first.meets;
    if outward {
        good = Some(v);
    } else {
        bad = Some(v);
    }
    for _ in 0..axis.max_bracket_steps() {
        let next = if outward {
            axis.toward_bad(v)
        } else {
            axis.toward_good(v)
        };
        let Some(next) = next else { break };
        let Some(r) = p.at(next, Stage::Bracket)? else {
            return Ok(Outcome::OutOfProbes { good, bad });
        };
        v = next;
        if r.meets {
            good = Some(v);
        } else {
            bad = Some(v);
        }
        if r.meets != outward {
            break;
        }
    }
    let Some(mut g) = good else {
        return Ok(Outcome::NoneMeets { best: v });
    };
    if bad.is_none() && axis.is_rate() {
        return Ok(Outcome::AlwaysMeets { worst: g });
    }

    // 2. Bisect.
    let mut converged = true;
    if let Some(mut b) = bad {
        while !axis.converged(g, b) {
            let Some(mid) = axis.midpoint(g, b) else {
                break;
            };
            let Some(r) = p.at(mid, Stage::Bisect)? else {
                converged = false;
                break;
            };
            if r.meets {
                g = mid;
            } else {
                b = mid;
            }
        }
        bad = Some(b);
    }

    // 3. Refine.
    let closest_pass = |done: &[(f64, Verdict)]| {
        closest(
            axis,
            done,
            Confident::Pass,
            |v| v == g || axis.better(v, g),
            true,
        )
    };
    let closest_fail = |done: &[(f64, Verdict)], b: f64| {
        closest(
            axis,
            done,
            Confident::Fail,
            |v| v == b || axis.better(b, v),
            false,
        )
    };
    let step = match (bad, axis.is_rate()) {
        (Some(b), true) => (b - g).abs(),
        _ => 1.0,
    };
    let mut pass = closest_pass(&p.done);
    let mut fail = bad.and_then(|b| closest_fail(&p.done, b));
    let mut pass_open = true;
    let mut fail_open = bad.is_some();
    let mut k = 0;
    while (pass_open || fail_open) && !p.exhausted() {
        if pass_open {
            match axis.beyond(g, step, k, true) {
                // Going farther than a known confident pass cannot find a closer one.
                Some(c) if pass.is_some_and(|known| !axis.better(known, c)) => pass_open = false,
                None => pass_open = false,
                Some(c) => match p.at(c, Stage::Refine)? {
                    None => break,
                    Some(r) if r.confident == Confident::Pass => {
                        pass = Some(c);
                        pass_open = false;
                    }
                    Some(_) => {}
                },
            }
        }
        if let (true, Some(b)) = (fail_open, bad) {
            match axis.beyond(b, step, k, false) {
                Some(c) if fail.is_some_and(|known| !axis.better(c, known)) => fail_open = false,
                None => fail_open = false,
                Some(c) => match p.at(c, Stage::Refine)? {
                    None => break,
                    Some(r) if r.confident == Confident::Fail => {
                        fail = Some(c);
                        fail_open = false;
                    }
                    Some(_) => {}
                },
            }
        }
        k += 1;
    }
    // A refinement probe may also have landed closer than the one it was looking for.
    let pass = closest_pass(&p.done).or(pass);
    let fail = bad.and_then(|b| closest_fail(&p.done, b)).or(fail);
    Ok(Outcome::Found(Found {
        answer: g,
        miss: bad,
        confident_pass: pass,
        confident_fail: fail,
        converged,
    }))
}

/// Of the probes with confident verdict `want` whose value satisfies `side`, the one closest to
/// the boundary: the worst of the good ones (`good_side`), the best of the bad ones.
fn closest(
    axis: &Axis,
    done: &[(f64, Verdict)],
    want: Confident,
    side: impl Fn(f64) -> bool,
    good_side: bool,
) -> Option<f64> {
    done.iter()
        .filter(|(v, r)| r.confident == want && side(*v))
        .map(|(v, _)| *v)
        .reduce(|a, b| {
            let a_closer = if good_side {
                axis.better(b, a)
            } else {
                axis.better(a, b)
            };
            if a_closer { a } else { b }
        })
}

/// Runs probes, remembering their verdicts and counting them against the budget.
struct Prober<F> {
    probe: F,
    done: Vec<(f64, Verdict)>,
    max: u32,
}

impl<F> Prober<F> {
    fn exhausted(&self) -> bool {
        self.done.len() as u32 >= self.max
    }

    /// The verdict at `v`: remembered, or from a new probe; None when the budget is spent.
    fn at<E>(&mut self, v: f64, stage: Stage) -> Result<Option<Verdict>, E>
    where
        F: FnMut(f64, Stage) -> Result<Verdict, E>,
    {
        if let Some((_, r)) = self.done.iter().find(|(x, _)| *x == v) {
            return Ok(Some(*r));
        }
        if self.exhausted() {
            return Ok(None);
        }
        let r = (self.probe)(v, stage)?;
        self.done.push((v, r));
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// A system whose means meet below `edge`, confidently below `pass` and confidently
    /// failing above `fail` (for a count, the other way round).
    fn system(
        axis: &Axis,
        max: u32,
        verdict: impl Fn(f64) -> Verdict,
    ) -> (Outcome, Vec<(f64, Stage)>) {
        let mut log = Vec::new();
        let out = search::<Infallible>(axis, max, |v, s| {
            log.push((v, s));
            Ok(verdict(v))
        })
        .unwrap();
        (out, log)
    }

    fn rate_verdict(edge: f64, pass: f64, fail: f64) -> impl Fn(f64) -> Verdict {
        move |v| Verdict {
            meets: v < edge,
            confident: if v < pass {
                Confident::Pass
            } else if v > fail {
                Confident::Fail
            } else {
                Confident::Unclear
            },
        }
    }

    #[test]
    fn a_rate_is_bracketed_then_bisected_to_its_precision() {
        let axis = Axis::rate("r", "6/s", 0.01).unwrap();
        let (out, log) = system(&axis, 40, rate_verdict(8.0, 7.8, 8.3));
        let Outcome::Found(f) = out else {
            panic!("{out:?}")
        };
        assert!(f.converged);
        assert!(f.answer < 8.0 && f.answer > 8.0 * 0.99, "{f:?}");
        let miss = f.miss.unwrap();
        assert!(miss >= 8.0 && (miss - f.answer) / miss <= 0.01, "{f:?}");
        let (pass, fail) = (f.confident_pass.unwrap(), f.confident_fail.unwrap());
        assert!(pass < 7.8 && pass > 7.6, "{f:?}");
        assert!(fail > 8.3 && fail < 8.6, "{f:?}");
        assert_eq!(&log[..2], &[(6.0, Stage::Bracket), (12.0, Stage::Bracket)]);
        assert_eq!(log[2], (9.0, Stage::Bisect));
        assert!(log.iter().any(|(_, s)| *s == Stage::Refine));
        // No value is probed twice.
        let mut values: Vec<f64> = log.iter().map(|(v, _)| *v).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        assert_eq!(values.len(), log.len());
    }

    #[test]
    fn a_failing_start_halves_until_a_rate_meets() {
        let axis = Axis::rate("r", "100/s", 0.01).unwrap();
        let (out, log) = system(&axis, 40, rate_verdict(8.0, 7.8, 8.3));
        let Outcome::Found(f) = out else {
            panic!("{out:?}")
        };
        assert!(f.answer < 8.0 && f.answer > 7.92, "{f:?}");
        let brackets: Vec<f64> = log
            .iter()
            .filter(|(_, s)| *s == Stage::Bracket)
            .map(|(v, _)| *v)
            .collect();
        assert_eq!(brackets, [100.0, 50.0, 25.0, 12.5, 6.25]);
    }

    #[test]
    fn no_rate_meets_and_every_rate_meets() {
        let axis = Axis::rate("r", "8/s", 0.01).unwrap();
        let (out, log) = system(&axis, 40, rate_verdict(0.0, 0.0, 0.0));
        assert_eq!(out, Outcome::NoneMeets { best: 0.00781 });
        assert_eq!(log.len(), 11);
        let (out, log) = system(&axis, 40, rate_verdict(f64::INFINITY, 0.0, 1e9));
        assert_eq!(out, Outcome::AlwaysMeets { worst: 8192.0 });
        assert_eq!(log.len(), 11);
    }

    #[test]
    fn the_budget_is_respected() {
        let axis = Axis::rate("r", "1/s", 0.01).unwrap();
        let (out, log) = system(&axis, 3, rate_verdict(8.0, 7.8, 8.3));
        assert_eq!(
            out,
            Outcome::OutOfProbes {
                good: Some(4.0),
                bad: None
            }
        );
        assert_eq!(log.len(), 3);
        let (out, log) = system(&axis, 6, rate_verdict(8.0, 7.8, 8.3));
        let Outcome::Found(f) = out else {
            panic!("{out:?}")
        };
        assert!(!f.converged);
        assert_eq!(log.len(), 6);
    }

    #[test]
    fn a_count_is_the_smallest_that_meets() {
        // Meets from 4 on; confidently from 5; fails confidently at 3 and below.
        let verdict = |c: f64| Verdict {
            meets: c >= 4.0,
            confident: if c >= 5.0 {
                Confident::Pass
            } else if c <= 3.0 {
                Confident::Fail
            } else {
                Confident::Unclear
            },
        };
        for start in [1, 2, 4, 7, 40] {
            let axis = Axis::count("c", start, 1000).unwrap();
            let (out, _) = system(&axis, 40, verdict);
            let Outcome::Found(f) = out else {
                panic!("{out:?}")
            };
            assert_eq!(
                (f.answer, f.miss, f.confident_pass, f.confident_fail),
                (4.0, Some(3.0), Some(5.0), Some(3.0)),
                "start {start}"
            );
        }
        // Meeting at 1 needs no bisection; failing at the maximum is "none meets".
        let axis = Axis::count("c", 3, 10).unwrap();
        let (out, _) = system(&axis, 40, |_| Verdict {
            meets: true,
            confident: Confident::Pass,
        });
        let Outcome::Found(f) = out else {
            panic!("{out:?}")
        };
        assert_eq!((f.answer, f.miss, f.confident_pass), (1.0, None, Some(1.0)));
        let (out, log) = system(&axis, 40, |_| Verdict {
            meets: false,
            confident: Confident::Fail,
        });
        assert_eq!(out, Outcome::NoneMeets { best: 10.0 });
        assert_eq!(log.len(), 3);
    }
}
