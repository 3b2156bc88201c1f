//! The HdrHistogram "percentile distribution" text format (`.hgrm` files).
//!
//! This is the text that Java HdrHistogram's
//! `AbstractHistogram.outputPercentileDistribution(PrintStream, percentileTicksPerHalfDistance,
//! outputValueUnitScalingRatio)` prints, and that the HdrHistogram plotter
//! (`hdrhistogram.github.io/HdrHistogram/plotFiles.html`), `wrk2`-style tooling and most
//! HdrHistogram ports read. [`write_percentile_distribution`] reproduces that method byte for
//! byte with `percentileTicksPerHalfDistance = 5`; [`parse_percentile_distribution`] reads the
//! rows back.
//!
//! # The format
//!
//! ```text
//!        Value     Percentile TotalCount 1/(1-Percentile)
//!
//!        0.001 0.000000000000          1           1.00
//!        1.000 0.100000000000       1000           1.11
//!        2.000 0.200000000000       2000           1.25
//! ...
//!        9.911 0.990625000000       9911         106.67
//! ...
//!       10.007 0.999902343750      10000       10240.00
//!       10.007 1.000000000000      10000
//! #[Mean    =        5.001, StdDeviation   =        2.887]
//! #[Max     =       10.007, Total count    =        10000]
//! #[Buckets =           27, SubBuckets     =         2048]
//! ```
//!
//! (1..=10000 µs recorded in spacesim's histogram, written with a scale of 1000.)
//!
//! * The header is Java's `"%12s %14s %10s %14s\n\n"` of `Value`, `Percentile`, `TotalCount`,
//!   `1/(1-Percentile)`, followed by an empty line.
//! * One row per step of Java's `PercentileIterator`, formatted `"%12.Nf %2.12f %10d %14.2f\n"`
//!   where `N` is the histogram's number of significant value digits (so `%12.3f` for the usual
//!   three digits, which is what spacesim uses). The columns are
//!   `getValueIteratedTo() / scale` (the *highest* value equivalent to the bucket reached, not the
//!   percentile's nominal value), the percentile level iterated to as a fraction, the cumulative
//!   count up to and including that bucket, and `1/(1-percentile)`.
//! * The iteration starts at 0 %, takes 5 equal ticks per half of the remaining distance to
//!   100 % (10 % steps up to 50 %, 5 % steps up to 75 %, 2.5 % up to 87.5 %, ...), may emit
//!   several rows for one bucket, and, once the bucket holding the maximum is reached, emits one
//!   row at the current tick and one final row at exactly 100 %. That last row is printed with
//!   `"%12.Nf %2.12f %10d\n"`: without the `1/(1-Percentile)` column, which would be infinite.
//! * The footer, with mean, standard deviation and max divided by the scale:
//!   `"#[Mean    = %12.Nf, StdDeviation   = %12.Nf]\n"`,
//!   `"#[Max     = %12.Nf, Total count    = %12d]\n"` and
//!   `"#[Buckets = %12d, SubBuckets     = %12d]\n"`. Mean and standard deviation use the median
//!   equivalent value of each bucket, max is the highest equivalent value of the largest value
//!   recorded; `Buckets` and `SubBuckets` are the histogram's `bucketCount` and `subBucketCount`.
//!
//! # Source and verification
//!
//! Ported from `AbstractHistogram.outputPercentileDistribution`, `getMean`, `getStdDeviation`,
//! `getMaxValue`, `PercentileIterator` and `AbstractHistogramIterator` in the Java HdrHistogram
//! repository (`HdrHistogram/HdrHistogram`, `src/main/java/org/HdrHistogram/`). The tests compare
//! against output produced by the real Java library (HdrHistogram 2.1.11 on OpenJDK 17).
//!
//! Some parts are reimplemented rather than taken from the `hdrhistogram` crate, because the
//! crate's versions print different lines:
//!
//! * The percentile steps. `Histogram::iter_quantiles` accumulates its ticks as fractions
//!   (0.1 + 0.1 + 0.1 = 0.30000000000000004) where Java accumulates percents (10 + 10 + 10 = 30
//!   exactly), so at an exact tick it can stop one bucket later than Java (for the values 1..=10
//!   the 30 % row would show value 4 instead of 3, and the 91.25 % row would be missing).
//!   `Histogram::mean` also divides term by term instead of once, so it can differ from Java's
//!   `getMean` in the last bits; `getMean`/`getStdDeviation` are reimplemented too.
//! * Number formatting. Java's `Formatter` rounds `%.Nf` half-up on the shortest decimal
//!   representation of the double (`1.0005` prints as `1.001`), while Rust rounds the exact
//!   binary value (`1.000`); `java_fixed` reproduces Java's rounding.

use std::io::{self, Write};

use hdrhistogram::Histogram;

/// Java's `percentileTicksPerHalfDistance`: reporting ticks per halving of the distance to 100 %.
const PERCENTILE_TICKS_PER_HALF_DISTANCE: u32 = 5;

/// Writes `hist` as an HdrHistogram percentile distribution (`.hgrm` text), exactly as Java's
/// `outputPercentileDistribution(out, 5, value_scale)` prints it.
///
/// Every value (row values, mean, standard deviation and max) is divided by `value_scale` on
/// output; spacesim records microseconds and passes `1000.0` so that the file is in
/// milliseconds. Values are printed with as many decimals as the histogram has significant
/// digits (three for spacesim's histograms), as Java does.
///
/// An empty histogram produces the header and a footer of zeros with no rows, which is also what
/// Java prints (its mean and standard deviation are defined as 0 for an empty histogram). No
/// field is ever `NaN` or `Infinity`: the only infinite value, `1/(1-Percentile)` at 100 %, is
/// left out of the last row by the format itself.
///
/// # Errors
///
/// Returns [`io::ErrorKind::InvalidInput`] if `value_scale` is not a finite number greater than
/// zero (Java would print `Infinity` or `NaN` values), and any error from writing to `out`.
pub fn write_percentile_distribution<W: Write>(
    hist: &Histogram<u64>,
    value_scale: f64,
    out: &mut W,
) -> io::Result<()> {
    if !(value_scale.is_finite() && value_scale > 0.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("value scale must be a finite number greater than 0, got {value_scale}"),
        ));
    }
    let digits = usize::from(hist.sigfig());
    let scaled = |value: u64| java_fixed(value as f64 / value_scale, digits);

    let mut text = String::new();
    text.push_str(&format!(
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    ));
    for row in percentile_rows(hist, PERCENTILE_TICKS_PER_HALF_DISTANCE) {
        let fraction = row.percentile / 100.0;
        // Java compares the percentile level, not the fraction, with 100.0.
        #[allow(clippy::float_cmp)]
        let last = row.percentile == 100.0;
        text.push_str(&format!(
            "{:>12} {:>2} {:>10}",
            scaled(row.value),
            java_fixed(fraction, 12),
            row.total_count
        ));
        if !last {
            text.push_str(&format!(" {:>14}", java_fixed(1.0 / (1.0 - fraction), 2)));
        }
        text.push('\n');
    }

    let (mean, std_deviation) = java_mean_and_std_deviation(hist);
    text.push_str(&format!(
        "#[Mean    = {:>12}, StdDeviation   = {:>12}]\n",
        java_fixed(mean / value_scale, digits),
        java_fixed(std_deviation / value_scale, digits)
    ));
    text.push_str(&format!(
        "#[Max     = {:>12}, Total count    = {:>12}]\n",
        scaled(hist.max()),
        hist.len()
    ));
    text.push_str(&format!(
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]\n",
        hist.buckets(),
        sub_bucket_count(hist.sigfig())
    ));
    out.write_all(text.as_bytes())
}

/// Reads the rows of a percentile distribution written by [`write_percentile_distribution`],
/// Java's `outputPercentileDistribution` or a compatible tool, as
/// `(value, percentile, total count)`: the value as printed (already divided by the writer's
/// scale), the percentile as a fraction in `[0, 1]` and the cumulative count.
///
/// The header, empty lines and `#` lines (the `#[Mean ...]`, `#[Max ...]` and `#[Buckets ...]`
/// footer, or `#[StartTime ...]` comments) are skipped; the `1/(1-Percentile)` column is
/// optional, as on the final row, and is not checked. Leading and trailing whitespace,
/// including `\r` from CRLF files, is ignored. A distribution of an empty histogram yields no
/// rows.
///
/// # Errors
///
/// Returns a message naming the line if a row does not have 3 or 4 columns, a column does not
/// parse, a value is not finite or a percentile lies outside `[0, 1]`, or if the text has
/// neither a header nor any row.
pub fn parse_percentile_distribution(text: &str) -> Result<Vec<(f64, f64, u64)>, String> {
    let mut rows = Vec::new();
    let mut saw_header = false;
    for (index, raw_line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("Value") {
            saw_header = true;
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if !(3..=4).contains(&fields.len()) {
            return Err(format!(
                "line {line_number}: expected 3 or 4 columns (Value Percentile TotalCount \
                 [1/(1-Percentile)]), found {}: {line:?}",
                fields.len()
            ));
        }
        let value: f64 = fields[0]
            .parse()
            .map_err(|e| format!("line {line_number}: bad value {:?}: {e}", fields[0]))?;
        let percentile: f64 = fields[1]
            .parse()
            .map_err(|e| format!("line {line_number}: bad percentile {:?}: {e}", fields[1]))?;
        let total_count: u64 = fields[2]
            .parse()
            .map_err(|e| format!("line {line_number}: bad total count {:?}: {e}", fields[2]))?;
        if !value.is_finite() {
            return Err(format!("line {line_number}: value {value} is not finite"));
        }
        if !(0.0..=1.0).contains(&percentile) {
            return Err(format!(
                "line {line_number}: percentile {percentile} is outside [0, 1]"
            ));
        }
        rows.push((value, percentile, total_count));
    }
    if !saw_header && rows.is_empty() {
        return Err("not a percentile distribution: no header line and no rows".to_string());
    }
    Ok(rows)
}

/// One step of Java's `PercentileIterator`.
#[derive(Clone, Debug, PartialEq)]
struct PercentileRow {
    /// `getValueIteratedTo()`: the highest value equivalent to the bucket reached, unscaled.
    value: u64,
    /// `getPercentileLevelIteratedTo()`, in percent (0 to 100).
    percentile: f64,
    /// `getTotalCountToThisValue()`.
    total_count: u64,
}

/// The steps Java's `PercentileIterator` takes over `hist`, with the same floating-point
/// arithmetic (percent levels, `Math.log` ratio, truncation).
fn percentile_rows(hist: &Histogram<u64>, ticks_per_half_distance: u32) -> Vec<PercentileRow> {
    let total = hist.len();
    let mut rows = Vec::new();
    if total == 0 {
        return rows;
    }
    let mut level = 0.0_f64;
    let mut total_to_here = 0_u64;
    let mut last_value = None;
    // Only buckets with a non-zero count can reach an iteration level, so visiting the recorded
    // buckets is the same as Java's walk over every index.
    for bucket in hist.iter_recorded() {
        total_to_here = total_to_here.saturating_add(bucket.count_at_value());
        let value = bucket.value_iterated_to();
        last_value = Some(value);
        let current = (100.0 * total_to_here as f64) / total as f64;
        let is_last = total_to_here >= total;
        while current >= level {
            rows.push(PercentileRow {
                value,
                percentile: level,
                total_count: total_to_here,
            });
            level = next_percentile_level(level, ticks_per_half_distance);
            // Java's hasNext() turns false once the whole count has been passed, so the bucket
            // holding the maximum gets one row at the current level, then the 100 % row below.
            if is_last {
                break;
            }
        }
        if is_last {
            break;
        }
    }
    if let Some(value) = last_value {
        // "We want one additional last step to 100%".
        rows.push(PercentileRow {
            value,
            percentile: 100.0,
            total_count: total_to_here,
        });
    }
    rows
}

/// Java's `PercentileIterator.incrementIterationLevel`: the tick size is fixed within each
/// half of the remaining distance to 100 % and halves when that half is crossed.
fn next_percentile_level(level: f64, ticks_per_half_distance: u32) -> f64 {
    let halvings = ((100.0 / (100.0 - level)).ln() / 2.0_f64.ln()) as i64;
    let reporting_ticks =
        f64::from(ticks_per_half_distance) * 2.0_f64.powi((halvings + 1).clamp(0, 1023) as i32);
    let next = level + 100.0 / reporting_ticks;
    if next > level {
        next
    } else {
        // The tick no longer changes the level (only with around 10^15 values): Java would loop
        // forever here, so jump to 100 %, which only the last bucket reaches.
        100.0
    }
}

/// Java's `getMean()` and `getStdDeviation()`: sums of the median equivalent value of each
/// bucket, in the same order and precision. Both are 0 for an empty histogram, as in Java.
fn java_mean_and_std_deviation(hist: &Histogram<u64>) -> (f64, f64) {
    let total = hist.len();
    if total == 0 {
        return (0.0, 0.0);
    }
    let mut total_value = 0.0_f64;
    for bucket in hist.iter_recorded() {
        let median = hist.median_equivalent(bucket.value_iterated_to());
        // Java multiplies two longs, then adds the product to a double.
        total_value += (u128::from(median) * u128::from(bucket.count_at_value())) as f64;
    }
    let mean = total_value / total as f64;
    let mut deviation_total = 0.0_f64;
    for bucket in hist.iter_recorded() {
        let deviation = hist.median_equivalent(bucket.value_iterated_to()) as f64 - mean;
        deviation_total += (deviation * deviation) * bucket.count_at_value() as f64;
    }
    (mean, (deviation_total / total as f64).sqrt())
}

/// Java's `subBucketCount`: the smallest power of two (at least 2) that is at least
/// `2 * 10^sigfig`, so 2048 for three significant digits. The `hdrhistogram` crate keeps it
/// private.
fn sub_bucket_count(sigfig: u8) -> u64 {
    (2 * 10_u64.pow(u32::from(sigfig)))
        .next_power_of_two()
        .max(2)
}

/// Formats `x` like Java's `String.format(Locale.US, "%.<precision>f", x)`: Java rounds half-up
/// on the shortest decimal representation of the double, so `0.125` gives `0.13` and `1.0005`
/// gives `1.001`, where Rust's `{:.2}` / `{:.3}` give `0.12` and `1.000`. `NaN` and infinities
/// print as Java prints them. (Java 17's digit generator occasionally emits one digit more than
/// the shortest representation, e.g. for 1e23; that could only change a result that then lies
/// exactly halfway, which none of the values compared with Java did.)
fn java_fixed(x: f64, precision: usize) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    // Shortest round-trip digits d0.d1d2... and exponent e: x = d0.d1d2... * 10^e.
    let scientific = format!("{:e}", x.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("{:e} always has an exponent");
    let exponent: i64 = exponent.parse().expect("{:e} exponent is an integer");
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // Digit i has weight 10^(exponent - i); keep those with weight >= 10^-precision.
    let keep = exponent + precision as i64 + 1;
    // The rounded magnitude times 10^precision, as decimal digits.
    let mut scaled: Vec<u8> = Vec::new();
    if keep > 0 {
        let keep = keep as usize;
        scaled.extend(digits.iter().take(keep));
        scaled.resize(keep, 0);
    }
    let round_up = usize::try_from(keep)
        .ok()
        .and_then(|k| digits.get(k))
        .is_some_and(|&d| d >= 5);
    if round_up {
        let mut i = scaled.len();
        loop {
            if i == 0 {
                scaled.insert(0, 1);
                break;
            }
            i -= 1;
            if scaled[i] == 9 {
                scaled[i] = 0;
            } else {
                scaled[i] += 1;
                break;
            }
        }
    }
    // At least one integer digit.
    while scaled.len() < precision + 1 {
        scaled.insert(0, 0);
    }
    let first_nonzero = scaled.iter().position(|&d| d != 0).unwrap_or(scaled.len());
    let strip = first_nonzero.min(scaled.len() - precision - 1);
    let scaled = &scaled[strip..];
    let split = scaled.len() - precision;
    let mut text = String::with_capacity(scaled.len() + 2);
    if x.is_sign_negative() {
        text.push('-');
    }
    text.extend(scaled[..split].iter().map(|&d| char::from(b'0' + d)));
    if precision > 0 {
        text.push('.');
        text.extend(scaled[split..].iter().map(|&d| char::from(b'0' + d)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// spacesim's latency histogram: microseconds, 1 µs to one day, three significant digits,
    /// auto-resizing.
    fn spacesim_histogram() -> Histogram<u64> {
        let mut hist = Histogram::new_with_bounds(1, 86_400_000_000, 3).unwrap();
        hist.auto(true);
        hist
    }

    fn histogram_1_to(n: u64) -> Histogram<u64> {
        let mut hist = spacesim_histogram();
        for value in 1..=n {
            hist.record(value).unwrap();
        }
        hist
    }

    fn render(hist: &Histogram<u64>, scale: f64) -> String {
        let mut out = Vec::new();
        write_percentile_distribution(hist, scale, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Compares line by line so that a failure names the first differing line.
    fn assert_same_lines(actual: &str, expected: &str) {
        for (number, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
            assert_eq!(a, e, "line {}", number + 1);
        }
        assert_eq!(
            actual.lines().count(),
            expected.lines().count(),
            "number of lines"
        );
        assert_eq!(actual, expected);
    }

    /// Java HdrHistogram 2.1.11 (OpenJDK 17): spacesim's histogram with 1..=10000 µs recorded,
    /// `outputPercentileDistribution(ps, 5, 1000.0)`.
    const JAVA_SEQ_10K: &str = r#"       Value     Percentile TotalCount 1/(1-Percentile)

       0.001 0.000000000000          1           1.00
       1.000 0.100000000000       1000           1.11
       2.000 0.200000000000       2000           1.25
       3.001 0.300000000000       3001           1.43
       4.001 0.400000000000       4001           1.67
       5.003 0.500000000000       5003           2.00
       5.503 0.550000000000       5503           2.22
       6.003 0.600000000000       6003           2.50
       6.503 0.650000000000       6503           2.86
       7.003 0.700000000000       7003           3.33
       7.503 0.750000000000       7503           4.00
       7.751 0.775000000000       7751           4.44
       8.003 0.800000000000       8003           5.00
       8.255 0.825000000000       8255           5.71
       8.503 0.850000000000       8503           6.67
       8.751 0.875000000000       8751           8.00
       8.879 0.887500000000       8879           8.89
       9.007 0.900000000000       9007          10.00
       9.127 0.912500000000       9127          11.43
       9.255 0.925000000000       9255          13.33
       9.375 0.937500000000       9375          16.00
       9.439 0.943750000000       9439          17.78
       9.503 0.950000000000       9503          20.00
       9.567 0.956250000000       9567          22.86
       9.631 0.962500000000       9631          26.67
       9.695 0.968750000000       9695          32.00
       9.719 0.971875000000       9719          35.56
       9.751 0.975000000000       9751          40.00
       9.783 0.978125000000       9783          45.71
       9.815 0.981250000000       9815          53.33
       9.847 0.984375000000       9847          64.00
       9.863 0.985937500000       9863          71.11
       9.879 0.987500000000       9879          80.00
       9.895 0.989062500000       9895          91.43
       9.911 0.990625000000       9911         106.67
       9.927 0.992187500000       9927         128.00
       9.935 0.992968750000       9935         142.22
       9.943 0.993750000000       9943         160.00
       9.951 0.994531250000       9951         182.86
       9.959 0.995312500000       9959         213.33
       9.967 0.996093750000       9967         256.00
       9.967 0.996484375000       9967         284.44
       9.975 0.996875000000       9975         320.00
       9.975 0.997265625000       9975         365.71
       9.983 0.997656250000       9983         426.67
       9.983 0.998046875000       9983         512.00
       9.983 0.998242187500       9983         568.89
       9.991 0.998437500000       9991         640.00
       9.991 0.998632812500       9991         731.43
       9.991 0.998828125000       9991         853.33
       9.991 0.999023437500       9991        1024.00
       9.999 0.999121093750       9999        1137.78
       9.999 0.999218750000       9999        1280.00
       9.999 0.999316406250       9999        1462.86
       9.999 0.999414062500       9999        1706.67
       9.999 0.999511718750       9999        2048.00
       9.999 0.999560546875       9999        2275.56
       9.999 0.999609375000       9999        2560.00
       9.999 0.999658203125       9999        2925.71
       9.999 0.999707031250       9999        3413.33
       9.999 0.999755859375       9999        4096.00
       9.999 0.999780273438       9999        4551.11
       9.999 0.999804687500       9999        5120.00
       9.999 0.999829101563       9999        5851.43
       9.999 0.999853515625       9999        6826.67
       9.999 0.999877929688       9999        8192.00
       9.999 0.999890136719       9999        9102.22
      10.007 0.999902343750      10000       10240.00
      10.007 1.000000000000      10000
#[Mean    =        5.001, StdDeviation   =        2.887]
#[Max     =       10.007, Total count    =        10000]
#[Buckets =           27, SubBuckets     =         2048]
"#;
    /// Java HdrHistogram 2.1.11: spacesim's histogram with 1..=10 recorded,
    /// `outputPercentileDistribution(ps, 5, 1.0)`.
    const JAVA_SEQ_10: &str = r#"       Value     Percentile TotalCount 1/(1-Percentile)

       1.000 0.000000000000          1           1.00
       1.000 0.100000000000          1           1.11
       2.000 0.200000000000          2           1.25
       3.000 0.300000000000          3           1.43
       4.000 0.400000000000          4           1.67
       5.000 0.500000000000          5           2.00
       6.000 0.550000000000          6           2.22
       6.000 0.600000000000          6           2.50
       7.000 0.650000000000          7           2.86
       7.000 0.700000000000          7           3.33
       8.000 0.750000000000          8           4.00
       8.000 0.775000000000          8           4.44
       8.000 0.800000000000          8           5.00
       9.000 0.825000000000          9           5.71
       9.000 0.850000000000          9           6.67
       9.000 0.875000000000          9           8.00
       9.000 0.887500000000          9           8.89
       9.000 0.900000000000          9          10.00
      10.000 0.912500000000         10          11.43
      10.000 1.000000000000         10
#[Mean    =        5.500, StdDeviation   =        2.872]
#[Max     =       10.000, Total count    =           10]
#[Buckets =           27, SubBuckets     =         2048]
"#;
    /// Java HdrHistogram 2.1.11: `new Histogram(1, 3_600_000_000L, 2)` with 37, 74, ..., 37000
    /// recorded, `outputPercentileDistribution(ps, 5, 10.0)`.
    const JAVA_SIGFIG_2: &str = r#"       Value     Percentile TotalCount 1/(1-Percentile)

        3.70 0.000000000000          1           1.00
      371.10 0.100000000000        100           1.11
      742.30 0.200000000000        200           1.25
     1113.50 0.300000000000        300           1.43
     1484.70 0.400000000000        401           1.67
     1855.90 0.500000000000        501           2.00
     2035.10 0.550000000000        550           2.22
     2227.10 0.600000000000        601           2.50
     2406.30 0.650000000000        650           2.86
     2598.30 0.700000000000        702           3.33
     2777.50 0.750000000000        750           4.00
     2879.90 0.775000000000        778           4.44
     2969.50 0.800000000000        802           5.00
     3059.10 0.825000000000        826           5.71
     3148.70 0.850000000000        851           6.67
     3238.30 0.875000000000        875           8.00
     3302.30 0.887500000000        892           8.89
     3353.50 0.900000000000        906          10.00
     3379.10 0.912500000000        913          11.43
     3430.30 0.925000000000        927          13.33
     3481.50 0.937500000000        940          16.00
     3507.10 0.943750000000        947          17.78
     3532.70 0.950000000000        954          20.00
     3558.30 0.956250000000        961          22.86
     3583.90 0.962500000000        968          26.67
     3609.50 0.968750000000        975          32.00
     3609.50 0.971875000000        975          35.56
     3609.50 0.975000000000        975          40.00
     3635.10 0.978125000000        982          45.71
     3635.10 0.981250000000        982          53.33
     3660.70 0.984375000000        989          64.00
     3660.70 0.985937500000        989          71.11
     3660.70 0.987500000000        989          80.00
     3686.30 0.989062500000        996          91.43
     3686.30 0.990625000000        996         106.67
     3686.30 0.992187500000        996         128.00
     3686.30 0.992968750000        996         142.22
     3686.30 0.993750000000        996         160.00
     3686.30 0.994531250000        996         182.86
     3686.30 0.995312500000        996         213.33
     3711.90 0.996093750000       1000         256.00
     3711.90 1.000000000000       1000
#[Mean    =      1851.90, StdDeviation   =      1068.12]
#[Max     =      3711.90, Total count    =         1000]
#[Buckets =           25, SubBuckets     =          256]
"#;
    /// Java HdrHistogram 2.1.11: `new Histogram(1, 3_600_000_000L, 0)` with 1, 4, 9, ..., 400
    /// recorded, `outputPercentileDistribution(ps, 5, 1.0)`.
    const JAVA_SIGFIG_0: &str = r#"       Value     Percentile TotalCount 1/(1-Percentile)

           1 0.000000000000          1           1.00
           7 0.100000000000          2           1.11
          31 0.200000000000          5           1.25
          63 0.300000000000          7           1.43
         127 0.400000000000         11           1.67
         127 0.500000000000         11           2.00
         127 0.550000000000         11           2.22
         255 0.600000000000         15           2.50
         255 0.650000000000         15           2.86
         255 0.700000000000         15           3.33
         255 0.750000000000         15           4.00
         511 0.775000000000         20           4.44
         511 1.000000000000         20
#[Mean    =          162, StdDeviation   =          142]
#[Max     =          511, Total count    =           20]
#[Buckets =           32, SubBuckets     =            2]
"#;

    #[test]
    fn matches_java_for_1_to_10000_us_in_ms() {
        let text = render(&histogram_1_to(10_000), 1000.0);
        let lines: Vec<&str> = text.lines().collect();
        // Header: "%12s %14s %10s %14s\n\n".
        assert_eq!(
            lines[0],
            "       Value     Percentile TotalCount 1/(1-Percentile)"
        );
        assert_eq!(lines[1], "");
        // 0 %: the first bucket with a count (1 µs, unit-wide below 2048) reaches level 0.
        assert_eq!(
            lines[2],
            "       0.001 0.000000000000          1           1.00"
        );
        // 10 %: 1000 of 10000 values reach exactly 10.0 %, at 1000 µs.
        assert_eq!(
            lines[3],
            "       1.000 0.100000000000       1000           1.11"
        );
        assert_eq!(
            lines[4],
            "       2.000 0.200000000000       2000           1.25"
        );
        // 30 %: between 2048 and 4095 buckets are 2 µs wide; the one holding 3000 is
        // [3000, 3001], whose highest equivalent value (getValueIteratedTo) is printed.
        assert_eq!(
            lines[5],
            "       3.001 0.300000000000       3001           1.43"
        );
        // Near p99: past 98.4375 % (= 100 - 100/64) the ticks are 100/640 % wide, and
        // 99.0625 = 98.4375 + 4 * 0.15625.
        assert!(text.contains("\n       9.911 0.990625000000       9911         106.67\n"));
        // The maximum (10000, in the 8 µs-wide bucket [10000, 10007]) is reached at 99.990234375 %,
        // which gets one row; then the final 100 % row without the 1/(1-Percentile) column.
        let n = lines.len();
        assert_eq!(
            lines[n - 5],
            "      10.007 0.999902343750      10000       10240.00"
        );
        assert_eq!(lines[n - 4], "      10.007 1.000000000000      10000");
        // Footer: mean and deviation of the buckets' median equivalent values, max as highest
        // equivalent value, bucketCount and subBucketCount.
        assert_eq!(
            lines[n - 3],
            "#[Mean    =        5.001, StdDeviation   =        2.887]"
        );
        assert_eq!(
            lines[n - 2],
            "#[Max     =       10.007, Total count    =        10000]"
        );
        assert_eq!(
            lines[n - 1],
            "#[Buckets =           27, SubBuckets     =         2048]"
        );
        assert_same_lines(&text, JAVA_SEQ_10K);
    }

    #[test]
    fn matches_java_where_iter_quantiles_would_not() {
        // With `iter_quantiles` the 30 % row would show 4 (0.1 + 0.1 + 0.1 > 0.3) and the
        // 91.25 % row would be missing.
        let text = render(&histogram_1_to(10), 1.0);
        assert!(text.contains("\n       3.000 0.300000000000          3           1.43\n"));
        assert_same_lines(&text, JAVA_SEQ_10);
    }

    #[test]
    fn decimals_follow_significant_digits_like_java() {
        let mut hist = Histogram::new_with_bounds(1, 3_600_000_000, 2).unwrap();
        for value in 1..=1000 {
            hist.record(value * 37).unwrap();
        }
        assert_same_lines(&render(&hist, 10.0), JAVA_SIGFIG_2);

        let mut hist = Histogram::new_with_bounds(1, 3_600_000_000, 0).unwrap();
        for value in 1..=20_u64 {
            hist.record(value * value).unwrap();
        }
        assert_same_lines(&render(&hist, 1.0), JAVA_SIGFIG_0);
    }

    #[test]
    fn empty_histogram_has_header_and_zero_footer() {
        // Exactly Java's output: getMean() and getStdDeviation() return 0 when empty.
        let text = render(&spacesim_histogram(), 1000.0);
        assert_eq!(
            text,
            "       Value     Percentile TotalCount 1/(1-Percentile)\n\n\
             #[Mean    =        0.000, StdDeviation   =        0.000]\n\
             #[Max     =        0.000, Total count    =            0]\n\
             #[Buckets =           27, SubBuckets     =         2048]\n"
        );
        assert_eq!(parse_percentile_distribution(&text), Ok(vec![]));
    }

    #[test]
    fn mean_is_rounded_half_up_like_java() {
        // Mean 1000.5 µs = 1.0005 ms: Java prints 1.001, Rust's `{:.3}` would print 1.000.
        let mut hist = spacesim_histogram();
        hist.record(1000).unwrap();
        hist.record(1001).unwrap();
        let text = render(&hist, 1000.0);
        assert!(text.contains("#[Mean    =        1.001, StdDeviation   =        0.001]\n"));
        assert!(text.ends_with(
            "       1.001 0.550000000000          2           2.22\n\
             \x20      1.001 1.000000000000          2\n\
             #[Mean    =        1.001, StdDeviation   =        0.001]\n\
             #[Max     =        1.001, Total count    =            2]\n\
             #[Buckets =           27, SubBuckets     =         2048]\n"
        ));
    }

    #[test]
    fn values_are_divided_by_the_scale() {
        let hist = histogram_1_to(10_000);
        let in_us = render(&hist, 1.0);
        let lines: Vec<&str> = in_us.lines().collect();
        // Java's output for the same histogram with scale 1.0.
        assert_eq!(
            lines[2],
            "       1.000 0.000000000000          1           1.00"
        );
        assert_eq!(
            lines[3],
            "    1000.000 0.100000000000       1000           1.11"
        );
        let n = lines.len();
        assert_eq!(lines[n - 4], "   10007.000 1.000000000000      10000");
        assert_eq!(
            lines[n - 3],
            "#[Mean    =     5000.898, StdDeviation   =     2886.893]"
        );
        assert_eq!(
            lines[n - 2],
            "#[Max     =    10007.000, Total count    =        10000]"
        );

        let us = parse_percentile_distribution(&in_us).unwrap();
        let ms = parse_percentile_distribution(&render(&hist, 1000.0)).unwrap();
        assert_eq!(us.len(), ms.len());
        for (u, m) in us.iter().zip(&ms) {
            assert!(
                (u.0 / 1000.0 - m.0).abs() < 0.0005 + 1e-12,
                "{u:?} vs {m:?}"
            );
            assert_eq!((u.1, u.2), (m.1, m.2));
        }
    }

    #[test]
    fn rejects_a_scale_that_is_not_positive_and_finite() {
        let hist = histogram_1_to(10);
        for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = write_percentile_distribution(&hist, scale, &mut Vec::new()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn round_trips_through_the_parser() {
        let mut hist = spacesim_histogram();
        // A skewed distribution with a far tail and a repeated value.
        for value in 1..=5_000_u64 {
            hist.record(value * value % 7_919 + 1).unwrap();
        }
        hist.record_n(2_500_000, 3).unwrap();
        let text = render(&hist, 1000.0);
        let parsed = parse_percentile_distribution(&text).unwrap();
        let rows = percentile_rows(&hist, PERCENTILE_TICKS_PER_HALF_DISTANCE);
        assert_eq!(parsed.len(), rows.len());
        for (p, r) in parsed.iter().zip(&rows) {
            assert!(
                (p.0 - r.value as f64 / 1000.0).abs() <= 0.0005 + 1e-12,
                "{p:?} vs {r:?}"
            );
            assert!(
                (p.1 - r.percentile / 100.0).abs() <= 5e-13,
                "{p:?} vs {r:?}"
            );
            assert_eq!(p.2, r.total_count);
        }
        let last = parsed.last().unwrap();
        assert_eq!((last.0, last.1, last.2), (2500.607, 1.0, hist.len()));
        // The smallest value is 2 (1 * 1 % 7919 + 1), recorded once.
        assert_eq!(parsed[0], (0.002, 0.0, 1));
        assert!(
            parsed
                .windows(2)
                .all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1 && w[0].2 <= w[1].2)
        );
    }

    #[test]
    fn parser_tolerates_comments_crlf_and_other_writers() {
        // Indented header, a start-time comment, CRLF, C-style "inf" in the last row.
        let text = "#[StartTime: 1523565997 (seconds since epoch)]\r\n\
                    \x20  Value   Percentile   TotalCount 1/(1-Percentile)\r\n\r\n\
                    \x20     0.016     0.000000            1         1.00\r\n\
                    \x20     0.980     0.100000        47530         1.11\r\n\
                    \x20  9428.991     1.000000       475109          inf\r\n\
                    #[Mean    =       25.048, StdDeviation   =      120.097]\r\n\
                    #[Max     =     9420.800, Total count    =       475109]\r\n";
        assert_eq!(
            parse_percentile_distribution(text),
            Ok(vec![
                (0.016, 0.0, 1),
                (0.98, 0.1, 47_530),
                (9428.991, 1.0, 475_109)
            ])
        );
        // Rows alone, without a header.
        assert_eq!(
            parse_percentile_distribution("  1.000 0.500000000000   3   2.00\n"),
            Ok(vec![(1.0, 0.5, 3)])
        );
    }

    #[test]
    fn parser_rejects_malformed_rows() {
        let header = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
        for (row, message) in [
            ("1.000 0.5", "expected 3 or 4 columns"),
            ("1.000 0.5 3 2.00 extra", "expected 3 or 4 columns"),
            ("abc 0.5 3", "bad value"),
            ("1.000 half 3", "bad percentile"),
            ("1.000 0.5 -3", "bad total count"),
            ("1.000 0.5 3.5", "bad total count"),
            ("1.000 1.5 3", "outside [0, 1]"),
            ("NaN 0.5 3", "not finite"),
        ] {
            let err = parse_percentile_distribution(&format!("{header}{row}\n")).unwrap_err();
            assert!(err.contains(message), "{row:?}: {err}");
            assert!(err.starts_with("line 3:"), "{row:?}: {err}");
        }
        assert!(parse_percentile_distribution("").is_err());
        assert!(parse_percentile_distribution("# nothing here\n").is_err());
    }

    #[test]
    fn java_fixed_formats_like_java_string_format() {
        // Expected strings printed by Java 17's String.format(Locale.US, "%.<p>f", x).
        for (x, precision, expected) in [
            (0.125, 2, "0.13"),
            (2.5, 0, "3"),
            (0.15, 1, "0.2"),
            (1.0005, 3, "1.001"),
            (0.0, 3, "0.000"),
            (4.0E-4, 3, "0.000"),
            (5.0E-4, 3, "0.001"),
            (9.9996, 3, "10.000"),
            (99.5, 0, "100"),
            (1234.5678, 2, "1234.57"),
            (0.9997802734375, 12, "0.999780273438"),
            (1.0E-7, 3, "0.000"),
            (1.23456789012E11, 3, "123456789012.000"),
            (0.05, 1, "0.1"),
            (0.95, 0, "1"),
            (0.5, 0, "1"),
            (0.49, 0, "0"),
            (999.9995, 3, "1000.000"),
            (5.0E-4, 2, "0.00"),
            (1.0 / 3.0, 12, "0.333333333333"),
            (f64::NAN, 3, "NaN"),
            (f64::INFINITY, 2, "Infinity"),
        ] {
            assert_eq!(
                java_fixed(x, precision),
                expected,
                "{x:e} with {precision} decimals"
            );
        }
    }

    #[test]
    fn sub_bucket_count_matches_java() {
        let expected = [2, 32, 256, 2048, 32_768, 262_144];
        for (sigfig, expected) in (0_u8..=5).zip(expected) {
            assert_eq!(sub_bucket_count(sigfig), expected, "sigfig {sigfig}");
        }
    }

    #[test]
    fn huge_counts_terminate_like_java() {
        // Java's last lines for this histogram: iteration goes 197 rows deep without looping.
        let mut hist = spacesim_histogram();
        hist.record_n(5, 1_000_000_000_000).unwrap();
        hist.record_n(1_000_000, 3).unwrap();
        hist.record(77).unwrap();
        let text = render(&hist, 1.0);
        assert_eq!(text.lines().count(), 199);
        assert!(text.ends_with(
            " 1000447.000 0.999999999997 1000000000004 343602626640.00\n \
             1000447.000 1.000000000000 1000000000004\n\
             #[Mean    =        5.000, StdDeviation   =        1.732]\n\
             #[Max     =  1000447.000, Total count    = 1000000000004]\n\
             #[Buckets =           27, SubBuckets     =         2048]\n"
        ));
    }
}
