//! DNS over the wire: one query over UDP from a fresh, connected socket (so that an ICMP
//! port unreachable surfaces as ECONNREFUSED), or over TCP with its length prefix.

use hickory_proto::op::{Message, MessageType};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

fn decode_response(buf: &[u8], id: u16) -> Option<std::io::Result<Message>> {
    match Message::from_vec(buf) {
        // Not ours (a late answer to an earlier query): keep waiting.
        Ok(m) if m.metadata.id != id || m.metadata.message_type != MessageType::Response => None,
        Ok(m) => Some(Ok(m)),
        Err(e) => Some(Err(invalid(format!("malformed DNS response: {e}")))),
    }
}

pub(super) async fn udp_exchange(
    server: SocketAddr,
    query: &[u8],
    id: u16,
) -> std::io::Result<Message> {
    let bind: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(bind).await?;
    // Connected, so that an ICMP port unreachable surfaces as ECONNREFUSED.
    socket.connect(server).await?;
    socket.send(query).await?;
    let mut buf = vec![0u8; 65_535];
    loop {
        let n = socket.recv(&mut buf).await?;
        if let Some(r) = decode_response(&buf[..n], id) {
            return r;
        }
    }
}

pub(super) async fn tcp_exchange(
    server: SocketAddr,
    query: &[u8],
    id: u16,
) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(server).await?;
    let len = u16::try_from(query.len()).map_err(|_| invalid("query too long".into()))?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    loop {
        let len = stream.read_u16().await?;
        let mut buf = vec![0u8; usize::from(len)];
        stream.read_exact(&mut buf).await?;
        if let Some(r) = decode_response(&buf, id) {
            return r;
        }
    }
}
