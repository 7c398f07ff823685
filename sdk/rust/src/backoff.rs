//! Retry delays: exponential backoff with full jitter.

use std::time::Duration;

/// Upper bound of the first retry delay.
const INITIAL: Duration = Duration::from_millis(100);

/// How long to wait before the next attempt after `failures` consecutive failures.
///
/// Full jitter: a uniform pick below `min(cap, 0.1 s * 2^(failures - 1))`, so many clients
/// that lost the same server do not all come back at the same instant. No failure yet
/// means no wait.
pub(crate) fn backoff_delay(failures: u32, cap: Duration) -> Duration {
    ceiling(failures, cap).mul_f64(rand::random::<f64>())
}

fn ceiling(failures: u32, cap: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    // Clamp the exponent so a long outage cannot overflow.
    INITIAL.saturating_mul(1 << (failures - 1).min(20)).min(cap)
}

#[cfg(test)]
mod tests {
    use super::{backoff_delay, ceiling};
    use std::time::Duration;

    const CAP: Duration = Duration::from_secs(5);

    #[test]
    fn doubles_from_a_tenth_of_a_second_up_to_the_cap() {
        let ceilings: Vec<_> = (0..9).map(|failures| ceiling(failures, CAP).as_millis()).collect();
        assert_eq!(ceilings, [0, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(ceiling(u32::MAX, CAP), CAP);
    }

    #[test]
    fn picks_below_the_ceiling() {
        assert_eq!(backoff_delay(0, CAP), Duration::ZERO);
        for failures in 1..12 {
            assert!(backoff_delay(failures, CAP) <= ceiling(failures, CAP));
        }
    }
}
