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

/// Entries answered until `max_age` seconds after they were read. In the last sixth of that
/// age one caller is asked to read the entry again while the others keep using it, so a busy
/// isolate renews an entry with one read instead of letting every request miss at once.
#[derive(Debug)]
pub struct TtlCache<V> {
    max_age: u64,
    capacity: usize,
    entries: HashMap<String, Entry<V>>,
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    read_at: u64,
    renewing: bool,
}

/// What the cache has for a key at an instant.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<V> {
    /// Young enough: use it.
    Fresh(V),
    /// Valid, but due to be read again: this caller reads it (others get `Fresh` meanwhile)
    /// and may use this value if the read fails.
    Renew(V),
    /// Absent, or as old as the cache's age: read it.
    Missing,
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

    /// The entry for `key` at `now`: never one read `max_age` or more seconds before `now`.
    pub fn lookup(&mut self, key: &str, now: u64) -> Lookup<V> {
        let Some(entry) = self.entries.get_mut(key) else {
            return Lookup::Missing;
        };
        let expires = entry.read_at.saturating_add(self.max_age);
        if now < entry.read_at || now >= expires {
            return Lookup::Missing;
        }
        if now >= expires - self.max_age / 6 && !entry.renewing {
            entry.renewing = true;
            return Lookup::Renew(entry.value.clone());
        }
        Lookup::Fresh(entry.value.clone())
    }

    /// Remembers `value`, read from the database at `now`. A full cache is emptied first: a
    /// burst of distinct keys costs reads, never memory.
    pub fn insert(&mut self, key: String, value: V, now: u64) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.entries.clear();
        }
        let entry = Entry {
            value,
            read_at: now,
            renewing: false,
        };
        self.entries.insert(key, entry);
    }

    /// A renewal's read failed: the next lookup may try again.
    pub fn renewal_failed(&mut self, key: &str) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.renewing = false;
        }
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

    use Lookup::{Fresh, Missing, Renew};

    #[test]
    fn entries_are_answered_until_their_age_and_never_after() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        assert_eq!(cache.lookup("k", 1000), Fresh(1));
        assert_eq!(cache.lookup("k", 1049), Fresh(1));
        assert_eq!(cache.lookup("k", 1060), Missing);
        assert_eq!(cache.lookup("other", 1000), Missing);
    }

    #[test]
    fn one_caller_renews_in_the_last_sixth_while_the_others_use_the_entry() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        assert_eq!(cache.lookup("k", 1050), Renew(1));
        assert_eq!(cache.lookup("k", 1051), Fresh(1));
        assert_eq!(cache.lookup("k", 1059), Fresh(1));
        assert_eq!(
            cache.lookup("k", 1060),
            Missing,
            "renewing never stretches the age"
        );
        cache.insert("k".into(), 2, 1055);
        assert_eq!(cache.lookup("k", 1060), Fresh(2));
        assert_eq!(cache.lookup("k", 1105), Renew(2));
    }

    #[test]
    fn a_failed_renewal_lets_the_next_caller_try() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        assert_eq!(cache.lookup("k", 1055), Renew(1));
        cache.renewal_failed("k");
        assert_eq!(cache.lookup("k", 1056), Renew(1));
        cache.renewal_failed("gone");
    }

    #[test]
    fn an_entry_from_the_future_is_not_trusted() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        assert_eq!(cache.lookup("k", 999), Missing);
    }

    #[test]
    fn removal_and_age_zero_disable_answers() {
        let mut cache = TtlCache::new(60, 10);
        cache.insert("k".into(), 1, 1000);
        cache.remove("k");
        assert_eq!(cache.lookup("k", 1000), Missing);
        cache.insert("k".into(), 2, 1000);
        cache.set_max_age(0);
        assert_eq!(cache.lookup("k", 1000), Missing);
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let mut cache = TtlCache::new(60, 2);
        cache.insert("a".into(), 1, 0);
        cache.insert("b".into(), 2, 0);
        cache.insert("b".into(), 3, 0);
        assert_eq!(
            cache.lookup("a", 0),
            Fresh(1),
            "replacing a key does not evict"
        );
        cache.insert("c".into(), 4, 0);
        assert_eq!(cache.lookup("a", 0), Missing);
        assert_eq!(cache.lookup("c", 0), Fresh(4));
        assert_eq!(cache.entries.len(), 1);
    }
}
