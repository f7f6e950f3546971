//! The agent's open HTTP connections, bounded so that idle or slow clients cannot keep the
//! kubelet's `/healthz` probe out (issue 17 item 5, slowloris).
//!
//! - A new connection is always accepted: nothing waits for a free slot, so a probe never
//!   sits in the kernel's accept queue behind idle sockets.
//! - At most [`PER_IP`] connections per client address and [`MAX_CONNECTIONS`] in all; over
//!   a bound, the oldest connection that has not sent its request yet (the same client's
//!   first, when the per-address bound is hit) is closed to make room, or else the oldest
//!   one. One address opening sockets in a loop only closes its own.
//! - Each connection is bounded in time by the server (header read timeout, whole-connection
//!   deadline), so an idle socket is held for seconds, not forever.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Connections open at once, all clients together.
pub const MAX_CONNECTIONS: usize = 512;
/// Connections open at once from one client address.
pub const PER_IP: usize = 64;

struct Entry {
    ip: IpAddr,
    /// Set once the connection's request head has arrived.
    requested: Arc<AtomicBool>,
    evict: oneshot::Sender<()>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// By id: ids grow, so the first entry is the oldest connection.
    open: BTreeMap<u64, Entry>,
    per_ip: HashMap<IpAddr, usize>,
}

impl Inner {
    fn remove(&mut self, id: u64) -> Option<Entry> {
        let e = self.open.remove(&id)?;
        if let Some(n) = self.per_ip.get_mut(&e.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_ip.remove(&e.ip);
            }
        }
        Some(e)
    }

    /// The oldest connection (of `ip` when given) that has not sent a request, or else the
    /// oldest one at all.
    fn victim(&self, ip: Option<IpAddr>) -> Option<u64> {
        let candidates = || {
            self.open
                .iter()
                .filter(move |(_, e)| ip.is_none_or(|ip| e.ip == ip))
        };
        candidates()
            .find(|(_, e)| !e.requested.load(Ordering::Acquire))
            .or_else(|| candidates().next())
            .map(|(id, _)| *id)
    }

    fn evict(&mut self, ip: Option<IpAddr>) -> bool {
        match self.victim(ip).and_then(|id| self.remove(id)) {
            Some(e) => {
                let _ = e.evict.send(());
                true
            }
            None => false,
        }
    }
}

/// The table of open connections (shared by the accept loop and the connection tasks).
#[derive(Clone)]
pub struct Connections {
    inner: Arc<Mutex<Inner>>,
    max: usize,
    per_ip: usize,
}

/// One registered connection: completes `evicted` when the table closes it to make room;
/// leaves the table when dropped.
pub struct Slot {
    id: u64,
    table: Connections,
    requested: Arc<AtomicBool>,
    pub evicted: oneshot::Receiver<()>,
}

impl Slot {
    /// Marks the connection as having sent a request (it is then closed only when no idle
    /// connection is left to close).
    pub fn requested(&self) -> Arc<AtomicBool> {
        self.requested.clone()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.table.inner).remove(self.id);
    }
}

impl Default for Connections {
    fn default() -> Self {
        Connections::new(MAX_CONNECTIONS, PER_IP)
    }
}

impl Connections {
    pub fn new(max: usize, per_ip: usize) -> Self {
        Connections {
            inner: Arc::default(),
            max: max.max(1),
            per_ip: per_ip.max(1),
        }
    }

    /// Registers a new connection from `ip`, closing older ones first when a bound is hit.
    /// Returns the slot and how many connections were closed to make room.
    pub fn admit(&self, ip: IpAddr) -> (Slot, usize) {
        let mut inner = lock(&self.inner);
        let mut evicted = 0;
        while inner.per_ip.get(&ip).copied().unwrap_or(0) >= self.per_ip && inner.evict(Some(ip)) {
            evicted += 1;
        }
        while inner.open.len() >= self.max && inner.evict(None) {
            evicted += 1;
        }
        let id = inner.next_id;
        inner.next_id += 1;
        let (tx, rx) = oneshot::channel();
        let requested = Arc::new(AtomicBool::new(false));
        inner.open.insert(
            id,
            Entry {
                ip,
                requested: requested.clone(),
                evict: tx,
            },
        );
        *inner.per_ip.entry(ip).or_default() += 1;
        drop(inner);
        let slot = Slot {
            id,
            table: self.clone(),
            requested,
            evicted: rx,
        };
        (slot, evicted)
    }

    /// Connections open now.
    pub fn len(&self) -> usize {
        lock(&self.inner).open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn per_address_bound_closes_that_clients_oldest_idle_connection() {
        let t = Connections::new(100, 3);
        let (mut a, _) = t.admit(ip(1));
        let (b, _) = t.admit(ip(1));
        b.requested().store(true, Ordering::Release);
        let (_c, _) = t.admit(ip(1));
        let (mut other, _) = t.admit(ip(2));
        // A fourth from 10.0.0.1: its oldest idle one (a) goes, not b (requested) nor 10.0.0.2.
        let (_d, evicted) = t.admit(ip(1));
        assert_eq!(evicted, 1);
        assert!(a.evicted.try_recv().is_ok());
        assert!(other.evicted.try_recv().is_err());
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn global_bound_closes_the_oldest_idle_then_the_oldest() {
        let t = Connections::new(2, 10);
        let (mut a, _) = t.admit(ip(1));
        a.requested().store(true, Ordering::Release);
        let (mut b, _) = t.admit(ip(2));
        let (c, _) = t.admit(ip(3));
        assert!(b.evicted.try_recv().is_ok(), "the idle one goes first");
        assert!(a.evicted.try_recv().is_err());
        c.requested().store(true, Ordering::Release);
        let (_d, n) = t.admit(ip(4));
        assert_eq!(n, 1);
        assert!(a.evicted.try_recv().is_ok(), "then the oldest");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_dropped_slot_leaves_the_table() {
        let t = Connections::new(2, 2);
        let (a, _) = t.admit(ip(1));
        assert_eq!(t.len(), 1);
        drop(a);
        assert!(t.is_empty());
        // Many admissions in a row never grow the table past its bound.
        let slots: Vec<_> = (0..50).map(|_| t.admit(ip(1)).0).collect();
        assert_eq!(t.len(), 2);
        drop(slots);
        assert!(t.is_empty());
    }
}
