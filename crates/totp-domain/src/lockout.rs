//! Backoff after failed attempts (NIST SP 800-63B, 5.2.2).

/// How failures of one factor are throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Consecutive failures allowed before backoff starts.
    pub free_attempts: u32,
    /// The first delay, doubled with each further failure.
    pub base_delay: u64,
    /// The longest delay.
    pub max_delay: u64,
    /// After this many consecutive failures the factor is locked until a forced enrollment.
    pub hard_limit: u32,
}

impl LockoutPolicy {
    /// The policy for a connection allowing `free_attempts` failures before backoff.
    pub fn new(free_attempts: u32) -> Self {
        Self {
            free_attempts,
            base_delay: 30,
            max_delay: 3600,
            hard_limit: 100,
        }
    }

    /// Until when a factor is locked after its `failures`-th consecutive failure, if at all.
    pub fn locked_until(&self, failures: u32, now: u64) -> Option<u64> {
        let excess = failures.checked_sub(self.free_attempts)?;
        let delay = self
            .base_delay
            .saturating_mul(1 << excess.min(16))
            .min(self.max_delay);
        Some(now + delay)
    }

    /// Whether `failures` consecutive failures lock the factor for good.
    pub fn exhausted(&self, failures: u32) -> bool {
        failures >= self.hard_limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_at_the_limit_and_doubles_up_to_the_cap() {
        let policy = LockoutPolicy::new(5);
        assert_eq!(policy.locked_until(4, 1000), None);
        assert_eq!(policy.locked_until(5, 1000), Some(1030));
        assert_eq!(policy.locked_until(6, 1000), Some(1060));
        assert_eq!(policy.locked_until(8, 1000), Some(1240));
        assert_eq!(policy.locked_until(99, 1000), Some(4600));
        assert!(!policy.exhausted(99) && policy.exhausted(100));
    }
}
