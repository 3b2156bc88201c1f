//! A 4-ary min-heap of `(key, value)` pairs: the event queue's heap.
//!
//! With four children per node the tree is half as deep as a binary heap's, so a pop moves an
//! entry through half as many levels; the extra comparisons per level are on neighbouring keys.
//! Keys and values live in separate arrays, so a node's four children's keys are 64 contiguous
//! bytes, and the smallest of them is found by a tournament whose comparisons select instead of
//! branching (which child is smallest is as random as the keys: a branch on it is mispredicted
//! about half the time). The keys end in four padding keys larger than any key, so every
//! node with children has four to compare. That layout took the reference model from
//! 0.70-0.71× to 0.76-0.77× the yardstick (`cargo bench --bench engine`). Measured and dropped:
//! eight children per node (no faster), a bottom-up pop (slower: 0.72-0.73×) and a radix heap
//! (no faster, and more instructions).
//! Keys are unique in the event queue (they end in a sequence number), so the order is total.

/// Children per node.
const D: usize = 4;

/// The key of no entry: the padding after the last key.
const PAD: u128 = u128::MAX;

/// A min-heap on `u128` keys (below `u128::MAX`).
///
/// Keys and values are kept apart, so a node's four children's keys are 64 contiguous bytes,
/// and the smallest of four is picked by comparisons whose results select rather than branch.
/// The keys end in four padding keys, larger than any key, so every node with a child has four
/// to compare: no count of children to look at.
pub struct QuadHeap<V> {
    /// The entries' keys in heap order, then `D` × [`PAD`].
    keys: Vec<u128>,
    values: Vec<V>,
}

impl<V> Default for QuadHeap<V> {
    fn default() -> Self {
        QuadHeap {
            keys: vec![PAD; D],
            values: Vec::new(),
        }
    }
}

impl<V> QuadHeap<V> {
    /// Entries held.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The smallest key, if any.
    #[inline]
    pub fn peek_key(&self) -> Option<u128> {
        (!self.values.is_empty()).then(|| self.keys[0])
    }

    /// Adds `value` under `key`.
    pub fn push(&mut self, key: u128, value: V) {
        assert!(key != PAD, "the largest key is the heap's padding");
        let mut i = self.values.len();
        self.values.push(value);
        self.keys.push(PAD);
        // Parents larger than `key` move down into the hole; `key` lands where one is not.
        while i > 0 {
            let parent = (i - 1) / D;
            if self.keys[parent] <= key {
                break;
            }
            self.keys[i] = self.keys[parent];
            self.values.swap(i, parent);
            i = parent;
        }
        self.keys[i] = key;
    }

    /// Removes the entry with the smallest key.
    pub fn pop(&mut self) -> Option<(u128, V)> {
        let value = self.values.pop()?;
        let n = self.values.len();
        // The last entry's key becomes padding, and one padding key goes.
        let key = std::mem::replace(&mut self.keys[n], PAD);
        self.keys.pop();
        if n == 0 {
            return Some((key, value));
        }
        let top = (self.keys[0], std::mem::replace(&mut self.values[0], value));
        // The last entry sinks from the root: the smallest child moves up into the hole. A
        // node's children past the last entry are padding, never smaller than `key`.
        let mut i = 0;
        loop {
            let first = D * i + 1;
            if first >= n {
                break;
            }
            let four: &[u128; D] = self.keys[first..first + D].try_into().expect("four keys");
            let child = first + smallest_of_four(four);
            if self.keys[child] >= key {
                break;
            }
            self.keys[i] = self.keys[child];
            self.values.swap(i, child);
            i = child;
        }
        self.keys[i] = key;
        Some(top)
    }
}

/// The index of the smallest of four keys (the first of equals), by a tournament whose
/// comparisons select rather than branch: which child is smallest is as random as the keys, so
/// a branch on it would be mispredicted about half the time.
#[inline(always)]
fn smallest_of_four(k: &[u128; D]) -> usize {
    let a = usize::from(k[1] < k[0]);
    let b = 2 + usize::from(k[3] < k[2]);
    if k[b] < k[a] { b } else { a }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::*;

    #[test]
    fn pops_in_key_order_whatever_the_pushes() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut heap = QuadHeap::default();
        let mut reference = std::collections::BTreeSet::new();
        for round in 0..20_000u128 {
            if rng.random_range(0..3) > 0 || heap.is_empty() {
                let key = (u128::from(rng.random_range(0..1_000u32)) << 64) | round;
                heap.push(key, round);
                reference.insert(key);
            } else {
                let (key, value) = heap.pop().expect("not empty");
                assert_eq!(Some(key), reference.pop_first());
                assert_eq!(value, key & 0xffff_ffff_ffff_ffff);
            }
            assert_eq!(heap.len(), reference.len());
            assert_eq!(heap.peek_key(), reference.first().copied());
        }
    }

    #[test]
    fn the_tournament_finds_the_smallest_of_four_in_every_order() {
        let base = [10u128, 20, 30, 40];
        for a in 0..4 {
            for b in 0..4 {
                for c in 0..4 {
                    for d in 0..4 {
                        let order = [a, b, c, d];
                        if (0..4).any(|i| !order.contains(&i)) {
                            continue;
                        }
                        let keys = order.map(|i| base[i]);
                        let smallest = smallest_of_four(&keys);
                        assert_eq!(keys[smallest], 10, "{keys:?}");
                    }
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "the heap's padding")]
    fn the_largest_key_is_refused() {
        QuadHeap::default().push(u128::MAX, ());
    }

    #[test]
    fn emptied_and_refilled_it_keeps_its_order() {
        let mut heap = QuadHeap::default();
        for round in 0..3u128 {
            for key in (0..37u128).rev() {
                heap.push(key * 10 + round, key);
            }
            let popped: Vec<u128> = std::iter::from_fn(|| heap.pop().map(|(_, v)| v)).collect();
            assert_eq!(popped, (0..37).collect::<Vec<_>>());
            assert!(heap.is_empty());
            assert_eq!(heap.peek_key(), None);
        }
    }
}
