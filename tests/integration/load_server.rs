//! A small HTTP server for the load tests, started by each test on 127.0.0.1 port 0 in its own
//! thread and runtime, stopped when dropped. Each request waits for one of `concurrency` slots
//! (first come, first served, like a dyno's backlog), holds it for a delay drawn from `delay`,
//! and answers 200 with a short body. An optional stall holds every request that arrives
//! within a window until the window ends, as a server pausing (a GC, a lock) would.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::time::Instant;

/// How long the server takes per request, once it has a slot.
#[derive(Clone, Copy, Debug)]
pub enum Delay {
    /// Always this long.
    Constant(Duration),
    /// Exponentially distributed with this mean.
    Exponential(Duration),
}

/// What the server does.
#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    /// Service delay.
    pub delay: Delay,
    /// Requests served at once; others wait in line.
    pub concurrency: usize,
    /// `(from, length)` after the server starts: requests arriving then wait until it ends.
    pub stall: Option<(Duration, Duration)>,
}

/// A running server; stops when dropped.
pub struct Server {
    /// Its address (loopback).
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts a server with `behaviour`.
    pub fn start(behaviour: Behaviour) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a test runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let slots = Arc::new(Semaphore::new(behaviour.concurrency));
                let rng = Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(7)));
                let started = Instant::now();
                loop {
                    let stream = tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => match accepted {
                            Ok((s, _)) => s,
                            Err(_) => continue,
                        },
                    };
                    let (slots, rng) = (slots.clone(), rng.clone());
                    let service = service_fn(move |_req: Request<hyper::body::Incoming>| {
                        let (slots, rng) = (slots.clone(), rng.clone());
                        async move {
                            if let Some((from, len)) = behaviour.stall {
                                let (a, b) = (started + from, started + from + len);
                                let now = Instant::now();
                                if now >= a && now < b {
                                    tokio::time::sleep_until(b).await;
                                }
                            }
                            let _slot = slots.acquire().await.expect("never closed");
                            let d = match behaviour.delay {
                                Delay::Constant(d) => d,
                                Delay::Exponential(mean) => {
                                    let u: f64 = rng.lock().unwrap().random();
                                    mean.mul_f64(-(1.0 - u).ln())
                                }
                            };
                            tokio::time::sleep(d).await;
                            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                                b"ok\n",
                            ))))
                        }
                    });
                    tokio::spawn(async move {
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
            // Connections still open end with the runtime.
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        let addr = addr_rx.recv().expect("the server starts");
        Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
