//! Which ranges of the external partition an ipBlock covers, as merged intervals: the
//! partition is cut at every ipBlock boundary, so each range lies wholly inside or outside a
//! block, and the covered ranges are found by binary search per interval instead of testing
//! every range against every `except` entry.

use super::map::{block_intervals, Range};

/// Indexes (ascending) of the ranges of `ranges` (a sorted partition of the IPv4 space that
/// includes the block's boundaries) that lie inside `cidr` minus `except`.
pub(super) fn covered_ranges(
    ranges: &[Range],
    cidr: &ipnet::IpNet,
    except: &[ipnet::IpNet],
) -> Vec<usize> {
    let ipnet::IpNet::V4(v4) = cidr else {
        return Vec::new();
    };
    let top = u64::from(u32::from(v4.broadcast()));
    let mut out = Vec::new();
    for (lo, hi) in block_intervals(cidr, except) {
        // An `except` outside the CIDR (invalid, but read) must not extend the block.
        let hi = hi.min(top);
        let start = ranges.partition_point(|r| u64::from(r.hi) < lo);
        for (i, r) in ranges.iter().enumerate().skip(start) {
            if u64::from(r.lo) > hi {
                break;
            }
            out.push(i);
        }
    }
    out
}
