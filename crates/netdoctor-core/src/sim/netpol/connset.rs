//! Sets of connections: per protocol, a sorted list of disjoint, non-adjacent port ranges.

use crate::model::Protocol;
use std::fmt;

/// The highest port. Port 0 is never a connection.
pub const MAX_PORT: u16 = 65535;

/// A set of (protocol, port) pairs, kept as merged inclusive ranges per protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConnSet {
    /// Indexed by `proto_index`: TCP, UDP, SCTP.
    ranges: [Vec<(u16, u16)>; 3],
}

pub(crate) fn proto_index(p: Protocol) -> usize {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Sctp => 2,
    }
}

impl ConnSet {
    /// No connection.
    pub fn empty() -> ConnSet {
        ConnSet::default()
    }

    /// Every protocol and port.
    pub fn all() -> ConnSet {
        ConnSet {
            ranges: [
                vec![(1, MAX_PORT)],
                vec![(1, MAX_PORT)],
                vec![(1, MAX_PORT)],
            ],
        }
    }

    /// Every port of one protocol.
    pub fn protocol(p: Protocol) -> ConnSet {
        ConnSet::range(p, 1, MAX_PORT)
    }

    pub fn single(p: Protocol, port: u16) -> ConnSet {
        ConnSet::range(p, port, port)
    }

    pub fn range(p: Protocol, lo: u16, hi: u16) -> ConnSet {
        let mut c = ConnSet::default();
        c.add(p, lo, hi);
        c
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.ranges.iter().all(|r| r.as_slice() == [(1, MAX_PORT)])
    }

    /// The ranges of one protocol.
    pub fn ranges(&self, p: Protocol) -> &[(u16, u16)] {
        &self.ranges[proto_index(p)]
    }

    pub fn contains(&self, p: Protocol, port: u16) -> bool {
        self.ranges[proto_index(p)]
            .iter()
            .any(|&(lo, hi)| lo <= port && port <= hi)
    }

    /// Adds `lo..=hi` of protocol `p` (port 0 is ignored).
    pub fn add(&mut self, p: Protocol, lo: u16, hi: u16) {
        let lo = lo.max(1);
        if hi < lo {
            return;
        }
        let v = &mut self.ranges[proto_index(p)];
        v.push((lo, hi));
        normalize(v);
    }

    pub fn union_with(&mut self, other: &ConnSet) {
        if other.is_empty() {
            return;
        }
        for (mine, theirs) in self.ranges.iter_mut().zip(other.ranges.iter()) {
            if theirs.is_empty() {
                continue;
            }
            mine.extend_from_slice(theirs);
            normalize(mine);
        }
    }

    pub fn intersect(&self, other: &ConnSet) -> ConnSet {
        let mut out = ConnSet::default();
        for i in 0..3 {
            let (a, b) = (&self.ranges[i], &other.ranges[i]);
            let (mut x, mut y) = (0, 0);
            while x < a.len() && y < b.len() {
                let lo = a[x].0.max(b[y].0);
                let hi = a[x].1.min(b[y].1);
                if lo <= hi {
                    out.ranges[i].push((lo, hi));
                }
                if a[x].1 < b[y].1 {
                    x += 1;
                } else {
                    y += 1;
                }
            }
        }
        out
    }
}

impl ConnSet {
    /// The connections of `self` that are not in `other`.
    pub fn subtract(&self, other: &ConnSet) -> ConnSet {
        let mut out = ConnSet::default();
        for i in 0..3 {
            for &(lo, hi) in &self.ranges[i] {
                let mut cur = u32::from(lo);
                let hi = u32::from(hi);
                for &(olo, ohi) in &other.ranges[i] {
                    let (olo, ohi) = (u32::from(olo), u32::from(ohi));
                    if ohi < cur || olo > hi {
                        continue;
                    }
                    if olo > cur {
                        out.ranges[i].push((cur as u16, (olo - 1) as u16));
                    }
                    cur = ohi + 1;
                }
                if cur <= hi {
                    out.ranges[i].push((cur as u16, hi as u16));
                }
            }
        }
        out
    }
}

fn normalize(v: &mut Vec<(u16, u16)>) {
    if v.len() < 2 {
        return;
    }
    v.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(v.len());
    for &(lo, hi) in v.iter() {
        match out.last_mut() {
            Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    *v = out;
}

impl fmt::Display for ConnSet {
    /// The connlist spelling: `All Connections`, `No Connections`, or `SCTP 1-9,TCP 80,UDP 53`
    /// (entries sorted, contiguous ports merged).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        // Sorted as strings: SCTP < TCP < UDP.
        let mut first = true;
        for p in [Protocol::Sctp, Protocol::Tcp, Protocol::Udp] {
            let r = &self.ranges[proto_index(p)];
            if r.is_empty() {
                continue;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            write!(f, "{} ", p.as_str())?;
            for (i, (lo, hi)) in r.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                if lo == hi {
                    write!(f, "{lo}")?;
                } else {
                    write!(f, "{lo}-{hi}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_formats() {
        let mut c = ConnSet::single(Protocol::Tcp, 8080);
        c.add(Protocol::Udp, 53, 53);
        c.add(Protocol::Tcp, 8081, 8090);
        c.add(Protocol::Tcp, 80, 80);
        assert_eq!(c.to_string(), "TCP 80,8080-8090,UDP 53");
        assert_eq!(ConnSet::all().to_string(), "All Connections");
        let mut s = ConnSet::protocol(Protocol::Sctp);
        s.union_with(&ConnSet::single(Protocol::Tcp, 1));
        assert_eq!(s.to_string(), "SCTP 1-65535,TCP 1");
    }

    #[test]
    fn subtracts() {
        let mut a = ConnSet::range(Protocol::Tcp, 1, 100);
        a.add(Protocol::Udp, 53, 53);
        let mut b = ConnSet::range(Protocol::Tcp, 50, 60);
        b.add(Protocol::Tcp, 90, 200);
        b.add(Protocol::Udp, 53, 53);
        assert_eq!(a.subtract(&b).to_string(), "TCP 1-49,61-89");
        assert_eq!(ConnSet::all().subtract(&ConnSet::all()), ConnSet::empty());
        assert_eq!(a.subtract(&ConnSet::empty()), a);
    }

    #[test]
    fn intersects() {
        let a = ConnSet::range(Protocol::Tcp, 1, 100);
        let mut b = ConnSet::range(Protocol::Tcp, 50, 60);
        b.add(Protocol::Tcp, 90, 200);
        b.add(Protocol::Udp, 1, 5);
        assert_eq!(a.intersect(&b).to_string(), "TCP 50-60,90-100");
        assert!(a.intersect(&ConnSet::empty()).is_empty());
        assert_eq!(ConnSet::all().intersect(&b), b);
    }
}
