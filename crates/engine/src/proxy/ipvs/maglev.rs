//! The `mh` scheduler's Maglev lookup table, as Linux builds it (`net/netfilter/ipvs/
//! ip_vs_mh.c`): a 4093-slot table (`CONFIG_IP_VS_MH_TAB_INDEX` 12 ⇒ `primes[4]`) filled
//! from each destination's permutation, keyed with the kernel's fixed `hsiphash` secrets.
//!
//! On 64-bit kernels `hsiphash` is SipHash-1-3 with a 128-bit key truncated to 32 bits
//! (`lib/siphash.c`, `BITS_PER_LONG == 64`).

use std::net::Ipv4Addr;

/// Lookup-table size (`IP_VS_MH_TAB_SIZE`).
pub const TABLE_SIZE: usize = 4093;

/// `IP_VS_MH_TAB_BITS` (`CONFIG_IP_VS_MH_TAB_INDEX / 2`).
const TAB_BITS: u32 = 6;

/// `generate_hash_secret`: `hash1` keys the offsets and lookups, `hash2` the skips.
const HASH1: (u64, u64) = (2_654_435_761, 2_654_435_761);
const HASH2: (u64, u64) = (2_654_446_892, 2_654_446_892);

/// SipHash-c-d of `msg` with key `(k0, k1)` (`lib/siphash.c` on 64-bit).
pub fn siphash(c_rounds: usize, d_rounds: usize, key: (u64, u64), msg: &[u8]) -> u64 {
    let mut v0 = 0x736f_6d65_7073_6575u64 ^ key.0;
    let mut v1 = 0x646f_7261_6e64_6f6du64 ^ key.1;
    let mut v2 = 0x6c79_6765_6e65_7261u64 ^ key.0;
    let mut v3 = 0x7465_6462_7974_6573u64 ^ key.1;
    let round = |v0: &mut u64, v1: &mut u64, v2: &mut u64, v3: &mut u64| {
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    };
    let mut chunks = msg.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let m = u64::from_le_bytes(word);
        v3 ^= m;
        for _ in 0..c_rounds {
            round(&mut v0, &mut v1, &mut v2, &mut v3);
        }
        v0 ^= m;
    }
    let mut b = (msg.len() as u64) << 56;
    for (i, byte) in chunks.remainder().iter().enumerate() {
        b |= u64::from(*byte) << (8 * i);
    }
    v3 ^= b;
    for _ in 0..c_rounds {
        round(&mut v0, &mut v1, &mut v2, &mut v3);
    }
    v0 ^= b;
    v2 ^= 0xff;
    for _ in 0..d_rounds {
        round(&mut v0, &mut v1, &mut v2, &mut v3);
    }
    (v0 ^ v1) ^ (v2 ^ v3)
}

/// `ip_vs_mh_hashkey`: `hsiphash(offset + port + addr)` over the 4-byte value.
fn hashkey(addr: Ipv4Addr, port: u16, key: (u64, u64), offset: u32) -> u32 {
    let v = offset
        .wrapping_add(u32::from(port))
        .wrapping_add(u32::from(addr));
    siphash(1, 3, key, &v.to_le_bytes()) as u32
}

/// A destination as the table sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MhDest {
    /// Address.
    pub addr: Ipv4Addr,
    /// Port.
    pub port: u16,
    /// The last non-zero weight (`last_weight`): a destination drained to weight 0 keeps
    /// its slots, and a lookup that lands on them finds it unavailable.
    pub last_weight: u32,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Builds the lookup table (`ip_vs_mh_reassign`): slot → index into `dests` (in the
/// service's destination-list order). Empty when no destination has a weight.
pub fn build(dests: &[MhDest]) -> Vec<Option<usize>> {
    let mut lookup = vec![None; TABLE_SIZE];
    // ip_vs_mh_gcd_weight / ip_vs_mh_shift_weight
    let g = dests
        .iter()
        .map(|d| d.last_weight)
        .filter(|w| *w > 0)
        .fold(0, |g, w| if g > 0 { gcd(w, g) } else { w });
    if g < 1 {
        return lookup;
    }
    let max_weight = dests.iter().map(|d| d.last_weight).max().unwrap_or(0);
    let mw = max_weight / g;
    let fls = u32::BITS - mw.leading_zeros();
    let rshift = fls.saturating_sub(TAB_BITS);
    // ip_vs_mh_permutate
    struct Setup {
        skip: usize,
        perm: usize,
        turns: u32,
    }
    let mut setup: Vec<Setup> = dests
        .iter()
        .map(|d| {
            let offset = hashkey(d.addr, d.port, HASH1, 0) as usize % TABLE_SIZE;
            let skip = hashkey(d.addr, d.port, HASH2, 0) as usize % (TABLE_SIZE - 1) + 1;
            let scaled = (d.last_weight / g) >> rshift;
            let turns = if scaled != 0 {
                scaled
            } else {
                u32::from(d.last_weight != 0)
            };
            Setup {
                skip,
                perm: offset,
                turns,
            }
        })
        .collect();
    // ip_vs_mh_populate
    let mut taken = vec![false; TABLE_SIZE];
    let mut n = 0;
    let mut dt_count = 0;
    while n < TABLE_SIZE {
        let mut i = 0;
        while i < setup.len() {
            let ds = &mut setup[i];
            if ds.turns < 1 {
                i += 1;
                continue;
            }
            while taken[ds.perm] {
                ds.perm += ds.skip;
                if ds.perm >= TABLE_SIZE {
                    ds.perm -= TABLE_SIZE;
                }
            }
            taken[ds.perm] = true;
            lookup[ds.perm] = Some(i);
            n += 1;
            if n == TABLE_SIZE {
                return lookup;
            }
            dt_count += 1;
            if dt_count >= ds.turns {
                dt_count = 0;
                i += 1;
            }
        }
    }
    lookup
}

/// `ip_vs_mh_get`: the slot a client (`addr`, and `port` when the service has `mh-port`)
/// hashes to.
pub fn slot(addr: Ipv4Addr, port: u16) -> usize {
    hashkey(addr, port, HASH1, 0) as usize % TABLE_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SipHash-2-4 reference vector (Aumasson & Bernstein, appendix A): key 00..0f,
    /// message 00..0e ⇒ a129ca6149be45e5. The same rounds and finalization give
    /// SipHash-1-3 with (1, 3).
    #[test]
    fn siphash_matches_the_reference_vector() {
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let msg: Vec<u8> = (0u8..15).collect();
        assert_eq!(siphash(2, 4, (k0, k1), &msg), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn table_is_full_and_balanced_for_equal_weights() {
        let dests: Vec<MhDest> = (1..=3)
            .map(|i| MhDest {
                addr: Ipv4Addr::new(10, 244, 0, i),
                port: 80,
                last_weight: 1,
            })
            .collect();
        let table = build(&dests);
        let mut counts = [0usize; 3];
        for slot in &table {
            counts[slot.expect("every slot filled")] += 1;
        }
        // Maglev gives each of n equal-weight backends ⌊M/n⌋ or ⌈M/n⌉ slots.
        assert_eq!(counts.iter().sum::<usize>(), TABLE_SIZE);
        assert!(
            counts.iter().all(|c| *c == 1364 || *c == 1365),
            "{counts:?}"
        );
    }

    /// The first slots for 10.244.0.2-4:80, from an independent Python transcription of
    /// `ip_vs_mh.c` and the 64-bit `hsiphash`.
    #[test]
    fn table_matches_an_independent_transcription() {
        let dests: Vec<MhDest> = (2..=4)
            .map(|i| MhDest {
                addr: Ipv4Addr::new(10, 244, 0, i),
                port: 80,
                last_weight: 1,
            })
            .collect();
        let table = build(&dests);
        let first: Vec<usize> = table[..12].iter().map(|s| s.unwrap_or(99)).collect();
        assert_eq!(first, [0, 0, 1, 2, 0, 2, 2, 2, 0, 0, 0, 2]);
        assert_eq!(table[slot(Ipv4Addr::new(10, 244, 1, 5), 40000)], Some(1));
        assert_eq!(table[slot(Ipv4Addr::new(10, 244, 1, 5), 40001)], Some(0));
    }

    #[test]
    fn removing_a_backend_moves_only_its_slots() {
        let mk = |i: u8| MhDest {
            addr: Ipv4Addr::new(10, 244, 0, i),
            port: 80,
            last_weight: 1,
        };
        let before = build(&[mk(1), mk(2), mk(3), mk(4)]);
        let after = build(&[mk(1), mk(2), mk(4)]);
        let index_after = |i: usize| match i {
            0 => 0,
            1 => 1,
            _ => 2,
        };
        let moved = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b.is_some_and(|b| b != 2 && Some(index_after(b)) != **a))
            .count();
        // Consistent hashing: slots of surviving backends mostly stay put.
        assert!(moved < TABLE_SIZE / 10, "{moved} slots moved");
    }
}
