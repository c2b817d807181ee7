//! Connection limits over real sockets: a request head must arrive in time, silent
//! connections are closed, and connections beyond the cap wait without costing the server
//! descriptors or starving a later request.

use std::time::Duration;

use crate::common::{Emu, config};
use batchform_emulator::{Config, Connections};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far beyond every timeout these tests configure: a connection still open this long after the
/// timeout was not going to be closed.
const GENEROUS: Duration = Duration::from_secs(20);
/// A timeout that never fires during a test.
const NEVER: Duration = Duration::from_secs(600);

fn limited(header_read_timeout: Duration, idle_timeout: Duration, max: usize) -> Config {
    Config {
        connections: Connections {
            header_read_timeout,
            idle_timeout,
            max,
        },
        ..config()
    }
}

async fn connect(emu: &Emu) -> TcpStream {
    let addr = emu.base.trim_start_matches("http://");
    TcpStream::connect(addr)
        .await
        .expect("the emulator listens")
}

/// What the server sent before closing the connection, or `None` if it kept it open.
async fn read_until_closed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    match tokio::time::timeout(GENEROUS, stream.read_to_end(&mut received)).await {
        // End of stream or a reset: either way the server closed it.
        Ok(_) => Some(received),
        Err(_) => None,
    }
}

#[tokio::test]
async fn a_partial_request_line_is_cut_off_by_the_header_timeout() {
    let emu = Emu::start(limited(Duration::from_millis(300), NEVER, 16)).await;
    let mut stream = connect(&emu).await;
    stream.write_all(b"GET /pools?api-ver").await.unwrap();
    assert!(
        read_until_closed(&mut stream).await.is_some(),
        "a connection that never finishes its request line stays open"
    );
    // The emulator still serves everyone else.
    assert_eq!(emu.get("/pools").await.status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_head_trickled_a_byte_at_a_time_is_cut_off() {
    let emu = Emu::start(limited(Duration::from_millis(500), NEVER, 16)).await;
    let (mut reader, mut writer) = connect(&emu).await.into_split();
    writer
        .write_all(b"GET /pools?api-version=2025-06-01 HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    // Bytes keep arriving, so only the header timeout can end this.
    let trickle = tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + GENEROUS;
        while tokio::time::Instant::now() < deadline {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut received = Vec::new();
    let closed = tokio::time::timeout(GENEROUS, reader.read_to_end(&mut received)).await;
    trickle.abort();
    assert!(
        closed.is_ok(),
        "a trickled request head keeps its connection"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn silent_connections_are_closed_by_the_idle_timeout() {
    let emu = Emu::start(limited(NEVER, Duration::from_millis(300), 16)).await;

    // Kept alive after an answer, then never used again.
    let mut kept = connect(&emu).await;
    kept.write_all(b"GET /pools?api-version=2025-06-01 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut kept)
        .await
        .expect("an idle kept-alive connection stays open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");

    // Opened and never written to.
    let mut silent = connect(&emu).await;
    assert!(
        read_until_closed(&mut silent).await.is_some(),
        "a connection that never sends anything stays open"
    );

    // A body that stops arriving (the header timeout does not cover bodies).
    let mut stalled = connect(&emu).await;
    stalled
        .write_all(
            b"POST /pools?api-version=2025-06-01 HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\": ",
        )
        .await
        .unwrap();
    assert!(
        read_until_closed(&mut stalled).await.is_some(),
        "a connection whose body stalls stays open"
    );

    // Requests slower than the idle timeout are still answered: time spent processing a
    // request is not idle.
    let emu_slow = Emu::start(Config {
        latency: Duration::from_millis(800),
        ..limited(NEVER, Duration::from_millis(300), 16)
    })
    .await;
    assert_eq!(emu_slow.get("/pools").await.status, 200);
    emu_slow.shutdown().await;
    emu.shutdown().await;
}

/// The descriptors this process has open, where the OS lists them.
fn open_descriptors() -> Option<usize> {
    std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count())
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_and_a_request_is_served_once_others_close() {
    const CAP: usize = 4;
    // Within the OS's default listen queue (128), so the test does not depend on the server's.
    const HOLDERS: usize = 100;
    let emu = Emu::start(limited(NEVER, NEVER, CAP)).await;
    let before = open_descriptors();
    let mut holders = Vec::new();
    for _ in 0..HOLDERS {
        holders.push(connect(&emu).await);
    }
    // Room for the other tests of this binary, which run alongside and open a few sockets.
    let slack = 64;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let (Some(before), Some(now)) = (before, open_descriptors()) {
            assert!(
                now <= before + HOLDERS + CAP + slack,
                "{HOLDERS} client sockets and at most {CAP} accepted ones, yet {} more descriptors are open",
                now - before
            );
        }
    }

    {
        let request = emu.get("/pools");
        tokio::pin!(request);
        tokio::select! {
            r = &mut request => panic!("served past the cap of {CAP} connections: {}", r.status),
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        drop(holders);
        let r = tokio::time::timeout(GENEROUS, request)
            .await
            .expect("the waiting request is served once the other connections close");
        assert_eq!(r.status, 200, "{:?}", r.body);
    }

    // And the server keeps serving as connections come and go.
    for _ in 0..3 * CAP {
        assert_eq!(emu.get("/pools").await.status, 200);
    }
    emu.shutdown().await;
}
