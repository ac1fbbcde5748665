//! The listener and connection wrapper that let a handler cut its own connection: the `drop`
//! fault marks the connection killed, after which it reads EOF and refuses every write, so not
//! one response byte reaches the client and the socket is closed.
//!
//! Must never affect a connection that was not explicitly killed.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections can be killed from inside a handler.
pub(crate) struct SimListener(pub TcpListener);

impl Listener for SimListener {
    type Io = SimStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    return (
                        SimStream {
                            inner: stream,
                            killed: Arc::new(AtomicBool::new(false)),
                        },
                        addr,
                    );
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A TCP stream with a kill switch.
pub(crate) struct SimStream {
    inner: TcpStream,
    killed: Arc<AtomicBool>,
}

impl SimStream {
    fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }
}

fn killed_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::BrokenPipe,
        "connection dropped by injected fault",
    )
}

impl AsyncRead for SimStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Per-connection info handed to handlers: the peer and the kill switch.
#[derive(Clone, Debug)]
pub(crate) struct Conn {
    pub peer: SocketAddr,
    killed: Arc<AtomicBool>,
}

impl Conn {
    /// From now on the connection reads EOF and fails every write; hyper then drops it.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
    }
}

impl Connected<IncomingStream<'_, SimListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        Conn {
            peer: *stream.remote_addr(),
            killed: stream.io().killed.clone(),
        }
    }
}
