//! The HTTP server: accepts connections, and runs every API request through the same
//! pipeline — count it, add latency, check `api-version` and authentication, draw a fault,
//! bring the lifecycle up to now and run the operation under the state lock, persist, and
//! answer with the service's headers (`request-id`, `client-request-id`, `DataServiceVersion`).
//!
//! Connections are served with hyper directly (rather than through a framework's server) so
//! that a fault can close a connection without any response, which is what a dropped
//! connection or a lost response looks like to a client. Each connection is bounded (see
//! [`Connections`]): its request heads must arrive in time, it is closed once silent for too
//! long, and only so many are served at once.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::Context;
use axum::body::Body;
use http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;

use super::app::{App, Runtime, lock};
use super::config::{Config, Connections};
use super::errors::ApiError;
use super::exchange::{Call, Reply};
use super::faults::{Fault, Injector};
use super::inspect;
use super::persist::Store;
use super::routes::Op;
use super::state::State;
use super::stats::Stats;
use batchform_batch::auth::{SharedKey, decoded_query};
use batchform_batch::wire::Timestamp;

/// API versions served: the 2025 version in both spellings, and the last hand-written one.
pub const API_VERSIONS: [&str; 3] = ["2025-06-01", "2025-06-01.21.0", "2024-07-01.20.0"];

/// Query parameters any operation may carry; others are refused.
const KNOWN_QUERY: [&str; 7] = [
    "api-version",
    "timeout",
    "maxresults",
    "$filter",
    "$select",
    "$expand",
    "$skiptoken",
];

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The connection is closed without a response (an injected fault).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Inferred: an unknown `api-version` is 400 `UnsupportedRequestVersion`; a query parameter
/// no operation takes is 400 `UnsupportedQueryParameter`; `timeout` must be whole seconds.
fn check_query(call: &Call) -> Result<(), ApiError> {
    match call.query("api-version") {
        None => return Err(ApiError::missing_query_parameter("api-version")),
        Some(v) if !API_VERSIONS.contains(&v) => return Err(ApiError::unsupported_version(v)),
        Some(_) => {}
    }
    for (name, value) in &call.query {
        if !KNOWN_QUERY.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnsupportedQueryParameter",
                "One of the query parameters specified in the request URI is not supported.",
            )
            .with("QueryParameterName", name.as_str())
            .with("QueryParameterValue", value.as_str()));
        }
    }
    if let Some(timeout) = call.query("timeout")
        && timeout.trim().parse::<u32>().is_err()
    {
        return Err(ApiError::invalid_query_value(
            "timeout",
            timeout,
            "The value must be a whole number of seconds.",
        ));
    }
    Ok(())
}

/// Builds the call from the request head and body.
async fn read_call(app: &App, req: Request<Incoming>) -> Result<Call, (Call, ApiError)> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let segments = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let endpoint = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| app.endpoint.clone(), |host| format!("http://{host}"));
    let mut call = Call {
        method: parts.method,
        query: decoded_query(raw_query.as_deref()),
        raw_path,
        raw_query,
        segments,
        headers: parts.headers,
        body: Default::default(),
        request_id: uuid::Uuid::new_v4().to_string(),
        endpoint,
    };
    match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(bytes) => {
            call.body = bytes;
            Ok(call)
        }
        Err(_) => Err((call, ApiError::request_body_too_large(MAX_BODY))),
    }
}

/// The response for a reply or an error, with the headers every response carries.
/// `now` is the emulator's time: the `Date` header and error bodies say it, as the service's own
/// clock does, so clients that take the service's time follow an advanced clock.
fn respond(call: &Call, now: Timestamp, result: Result<Reply, ApiError>) -> Response<Body> {
    let reply = match result {
        Ok(reply) => reply,
        Err(err) if err.status == StatusCode::NOT_MODIFIED => {
            Reply::empty(StatusCode::NOT_MODIFIED)
        }
        Err(err) => {
            let body = err.body(&call.endpoint, &call.request_id, now);
            let mut reply = Reply::json(err.status, &body);
            if let Some(secs) = err.retry_after {
                reply = reply.header("retry-after", &secs.to_string());
            }
            reply
        }
    };
    let mut response = Response::new(reply.body.map_or_else(Body::empty, Body::from));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.extend(reply.headers);
    if let Ok(id) = HeaderValue::from_str(&call.request_id) {
        headers.insert("request-id", id);
    }
    headers.insert("dataserviceversion", HeaderValue::from_static("3.0"));
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(now.into())) {
        headers.insert(http::header::DATE, date);
    }
    let echo = call
        .header("return-client-request-id")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if let (true, Some(id)) = (echo, call.headers.get("client-request-id")) {
        headers.insert("client-request-id", id.clone());
    }
    response
}

async fn handle(
    app: Arc<App>,
    activity: Arc<Activity>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let call = match read_call(&app, req).await {
        Ok(call) => call,
        Err((call, err)) => return Ok(respond(&call, app.now(), Err(err))),
    };
    // No byte moves while the request is processed (latency, the state lock): that is not
    // the client being idle.
    let _busy = activity.busy();
    // A bug must cost one request a 500, never the connection or the server.
    let task = tokio::spawn(process(app.clone(), call.clone()));
    match task.await {
        Ok(outcome) => outcome,
        Err(_) => Ok(respond(&call, app.now(), Err(ApiError::internal_error()))),
    }
}

async fn process(app: Arc<App>, call: Call) -> Result<Response<Body>, Dropped> {
    let segments: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    if let Some((&"_emulator", rest)) = segments.split_first() {
        // These routes read and change everything (the whole state, the clock, faults), so
        // they take the account's credentials exactly as the API does.
        let result = app
            .authenticate(&call)
            .and_then(|()| inspect::handle(&app, &call, rest));
        return Ok(respond(&call, app.now(), result));
    }

    let op = Op::route(&call.method, &call.segments, &call.raw_path);
    lock(&app.stats).request(op.as_ref().map_or("Unknown", Op::name));
    let latency = lock(&app.runtime).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let prepared = check_query(&call)
        .and_then(|()| app.authenticate(&call))
        .and(op);
    let (op, fault) = match prepared {
        Ok(op) => {
            let method = call.method.as_str();
            let fault = lock(&app.runtime).injector.draw_for(method, &call.raw_path);
            (op, fault)
        }
        Err(err) => {
            lock(&app.stats).status(err.status.as_u16());
            return Ok(respond(&call, app.now(), Err(err)));
        }
    };
    if let Some(fault) = fault {
        lock(&app.stats).fault(fault.name());
    }
    let retry_after = app.faults().retry_after_secs;
    let result = match fault {
        Some(Fault::Throttled) => Err(ApiError::too_many_requests(retry_after)),
        Some(Fault::Busy) => Err(ApiError::server_busy(retry_after)),
        Some(Fault::Internal) => Err(ApiError::internal_error()),
        Some(Fault::Dropped) => return Err(Dropped),
        Some(Fault::ResponseLost) | None => {
            let result = app.with_state(op.writes(), |st, now| op.run(app.env(), &call, st, now));
            if fault == Some(Fault::ResponseLost) {
                return Err(Dropped);
            }
            result
        }
    };
    let response = respond(&call, app.now(), result);
    lock(&app.stats).status(response.status().as_u16());
    Ok(response)
}

/// A running emulator. Dropping it stops accepting connections; [`Handle::shutdown`] also
/// waits until every connection is closed and the state file is released.
pub struct Handle {
    endpoint: Url,
    account: String,
    key: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Handle {
    /// `http://127.0.0.1:PORT/`, with the port actually bound.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// The base64 account key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Connections the OS queues for the server beyond those it serves. Once every connection slot
/// is taken new connections wait here, so the queue is deeper than the 128 the standard
/// library asks for, to hold a burst: a connection a full queue turns away is only retried by
/// the client's OS a second or more later.
const LISTEN_BACKLOG: u32 = 1024;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As the standard library does, so a restarted emulator can take its port back at once.
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Starts an emulator on `config.listen` and returns once it accepts connections.
pub async fn start(config: Config) -> anyhow::Result<Handle> {
    let key = SharedKey::new(config.account.clone(), &config.key)
        .context("the emulator's --account and --key")?;
    let (store, state) = match &config.state_file {
        Some(path) => {
            let (store, state) = Store::open(path)?;
            (Some(store), state)
        }
        None => (None, State::default()),
    };
    let listener =
        listen(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let endpoint = Url::parse(&format!("http://{addr}")).context("cannot form the endpoint URL")?;
    let app = Arc::new(App {
        key,
        token: config.token.clone(),
        timings: config.timings,
        quota: config.quota,
        endpoint: endpoint.as_str().trim_end_matches('/').to_string(),
        state: Mutex::new(state),
        store,
        runtime: Mutex::new(Runtime {
            injector: Injector::new(config.faults),
            latency: config.latency,
        }),
        stats: Mutex::new(Stats::default()),
    });
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(serve(listener, app, config.connections, stopped));
    Ok(Handle {
        endpoint,
        account: config.account,
        key: config.key,
        stop: Some(stop),
        task: Some(task),
    })
}

async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    limits: Connections,
    mut stopped: oneshot::Receiver<()>,
) {
    // Deadlines are instants, and an instant a huge timeout away cannot be represented: a
    // year is as good as never.
    let year = Duration::from_secs(365 * 24 * 3600);
    let limits = Connections {
        header_read_timeout: limits.header_read_timeout.min(year),
        idle_timeout: limits.idle_timeout.min(year),
        ..limits
    };
    // One permit per connection served; at least one, or nothing would ever be served.
    let slots = Arc::new(Semaphore::new(limits.max.clamp(1, Semaphore::MAX_PERMITS)));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = accept(&listener, &slots) => {
                let Ok((stream, permit)) = accepted else {
                    // Out of descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                connections.spawn(serve_connection(app.clone(), stream, limits, permit));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Waits for a free connection slot, then for a connection. While every slot is taken nothing
/// is accepted: new connections wait in the listen queue, where they hold no descriptor of
/// this process, and are served in turn as others close.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> std::io::Result<(TcpStream, OwnedSemaphorePermit)> {
    // The semaphore is never closed, so this only ever waits.
    let permit = slots
        .clone()
        .acquire_owned()
        .await
        .map_err(std::io::Error::other)?;
    let (stream, _) = listener.accept().await?;
    Ok((stream, permit))
}

/// Serves one connection until it closes, is silent past the idle timeout, or fails to send a
/// request head in time; `_permit` frees its slot when it ends.
async fn serve_connection(
    app: Arc<App>,
    stream: TcpStream,
    limits: Connections,
    _permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |req| handle(app.clone(), activity.clone(), req))
    };
    let io = Watched {
        stream,
        activity: activity.clone(),
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    loop {
        let deadline = if activity.is_busy() {
            Instant::now() + limits.idle_timeout
        } else {
            activity.quiet_since() + limits.idle_timeout
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            () = tokio::time::sleep_until(deadline) => {
                if !activity.is_busy() && activity.quiet_since() + limits.idle_timeout <= Instant::now() {
                    // Dropping the connection closes its socket.
                    return;
                }
            }
        }
    }
}

/// When a connection last moved a byte, and how many of its requests are being processed.
struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to the last byte read or written (or the last request
    /// finished processing).
    last: AtomicU64,
    busy: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            last: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let elapsed = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.fetch_max(elapsed, Ordering::Relaxed);
    }

    fn quiet_since(&self) -> Instant {
        self.opened + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }

    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed) > 0
    }

    /// Marks a request as being processed until the guard is dropped.
    fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::Relaxed);
        Busy(self.clone())
    }
}

struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        // The quiet time starts when processing ends, not when the request arrived.
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A connection's socket, recording every byte that moves on it in its [`Activity`].
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
