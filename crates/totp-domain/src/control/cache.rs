//! A cache of bounded age for control-plane reads (API keys, directory entries), kept per
//! isolate by the Worker. An entry older than the cache's age is never answered, so a change
//! in D1 (a revoked key) is seen everywhere within that age.

use std::collections::HashMap;

/// The longest a cached control-plane read is trusted, in seconds: the longest a revoked key's
/// tokens keep working on an isolate that did not revoke it.
pub const MAX_AGE: u64 = 60;

/// The cache age a configuration value asks for, in seconds: [`MAX_AGE`] when absent or not a
/// number, and never more (no configuration can stretch the revocation delay).
pub fn configured_age(value: Option<&str>) -> u64 {
    value
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map_or(MAX_AGE, |age| age.min(MAX_AGE))
}

/// Entries answered until `max_age` seconds after they were read.
#[derive(Debug)]
pub struct TtlCache<V> {
    max_age: u64,
    capacity: usize,
    entries: HashMap<String, (V, u64)>,
}

impl<V: Clone> TtlCache<V> {
    /// An empty cache of at most `capacity` entries, each answered for `max_age` seconds.
    pub fn new(max_age: u64, capacity: usize) -> Self {
        Self {
            max_age,
            capacity,
            entries: HashMap::new(),
        }
    }

    /// The entry for `key` if it was read less than the cache's age before `now`.
    pub fn get(&self, key: &str, now: u64) -> Option<V> {
        let (value, read_at) = self.entries.get(key)?;
        (now < read_at.saturating_add(self.max_age) && now >= *read_at).then(|| value.clone())
    }

    /// Remembers `value`, read from the database at `now`. A full cache is emptied first: a
    /// burst of distinct keys costs reads, never memory.
    pub fn insert(&mut self, key: String, value: V, now: u64) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.clear();
        }
        self.entries.insert(key, (value, now));
    }

    /// Forgets `key` (after a change made by this isolate).
    pub fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Sets how long entries are answered; existing entries follow the new age.
    pub fn set_max_age(&mut self, max_age: u64) {
        self.max_age = max_age;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_age_is_bounded_by_a_minute() {
        assert_eq!(configured_age(None), 60);
        assert_eq!(configured_age(Some("2")), 2);
        assert_eq!(configured_age(Some(" 0 ")), 0);
        assert_eq!(configured_age(Some("61")), 60);
        assert_eq!(configured_age(Some("-1")), 60);
        assert_eq!(configured_age(Some("soon")), 60);
    }

    #[test]
    fn entries_are_answered_until_their_age_and_never_after() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        assert_eq!(cache.get("k", 1000), Some(1));
        assert_eq!(cache.get("k", 1059), Some(1));
        assert_eq!(cache.get("k", 1060), None);
        assert_eq!(cache.get("other", 1000), None);
    }

    #[test]
    fn an_entry_from_the_future_is_not_trusted() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        assert_eq!(cache.get("k", 999), None);
    }

    #[test]
    fn removal_and_age_zero_disable_answers() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        cache.remove("k");
        assert_eq!(cache.get("k", 1000), None);
        cache.insert("k".into(), 2, 1000);
        cache.set_max_age(0);
        assert_eq!(cache.get("k", 1000), None);
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let mut cache = TtlCache::new(60, 2);
        cache.insert("a".into(), 1, 0);
        cache.insert("b".into(), 2, 0);
        cache.insert("b".into(), 3, 0);
        assert_eq!(cache.get("a", 0), Some(1), "replacing a key does not evict");
        cache.insert("c".into(), 4, 0);
        assert_eq!(cache.get("a", 0), None);
        assert_eq!(cache.get("c", 0), Some(4));
        assert_eq!(cache.entries.len(), 1);
    }
}
