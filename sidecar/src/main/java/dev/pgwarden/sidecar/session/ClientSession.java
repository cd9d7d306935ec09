package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.Timestamps;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.SessionAudit;
import dev.pgwarden.sidecar.gate.GateOutput;
import dev.pgwarden.sidecar.gate.StatementGate;
import dev.pgwarden.sidecar.identity.VerifiedIdentity;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgFrameDecoder;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.message.ErrorFields;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of an authenticated session, the handler on the agent's channel: it reads the
 * agent's messages into the {@link StatementGate}, stops reading while the gate holds a statement
 * or the database cannot keep up, counts bytes, and ends the session. The server side is
 * {@link ServerRelay}; both channels share one event loop. {@link SessionStartup} builds it once
 * the token is verified and the upstream is ready.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);

    private final ProxyContext proxy;
    private final String sessionId;
    private final long startNanos;
    private final VerifiedIdentity identity;
    private final StartupParameters startup;
    private final UpstreamConnection upstream;
    private final SessionAudit audit;
    private final Exchange exchange;
    private final StatementGate gate;
    private final ServerRelay relay;
    private ChannelHandlerContext ctx;
    /** The gate holds a statement: read nothing more from the client until it decides. */
    private boolean gatePaused;
    /** The upstream cannot take more: read nothing more from the client until it drains. */
    private boolean serverBusy;
    /** pgwarden cancels the running statement: read nothing more from the client until the server took it. */
    private boolean cancelling;
    /** Null once the session has let go of its upstream connection. */
    private Channel server;

    private CancelRegistry.CancelKey cancelKey;
    private boolean closed;
    private long bytesFromClient;
    private long bytesToClient;
    private long unreportedFromClient;
    private long unreportedToClient;
    private String endReason = "client disconnected";

    ClientSession(
            ProxyContext proxy,
            String sessionId,
            long startNanos,
            VerifiedIdentity identity,
            StartupParameters startup,
            UpstreamConnection upstream) {
        this.proxy = proxy;
        this.sessionId = sessionId;
        this.startNanos = startNanos;
        this.identity = identity;
        this.startup = startup;
        this.upstream = upstream;
        this.server = upstream.channel();
        SessionWiring parts = SessionWiring.of(proxy, sessionId, identity, server.alloc(), new Output());
        this.audit = parts.audit();
        this.exchange = parts.exchange();
        this.gate = parts.gate();
        ResultLimit limit = new ResultLimit(parts.limits(), audit, exchange, server.alloc());
        this.relay = new ServerRelay(
                this, exchange, parts.sample(), limit, new StatementWatch(parts.limits(), exchange, this));
    }

    /** How the gate reaches the two connections; everything runs on this session's event loop. */
    private final class Output implements GateOutput {
        @Override
        public void toServer(ByteBuf bytes) {
            if (server == null) {
                bytes.release();
                return;
            }
            server.write(bytes, server.voidPromise());
        }

        @Override
        public void terminate(ByteBuf lastBytes) {
            ClientSession.this.terminate(lastBytes);
        }

        @Override
        public void toClient(ByteBuf bytes) {
            relay.toClient(bytes);
            ctx.flush();
        }

        @Override
        public void notice(ByteBuf notice) {
            // pgwarden's own notices (an approval request and how to approve it) are part of the session too.
            ErrorFields n = ErrorFields.ofFrame(notice);
            audit.notice(n.severity(), n.sqlState(), n.message());
            relay.notice(notice);
        }

        @Override
        public void pauseReading(boolean paused) {
            gatePaused = paused;
            updateClientReading();
        }

        @Override
        public void onLoop(Runnable task) {
            // Runs even after the session closed: the gate and the approval flow ignore late decisions
            // themselves, and a request created after the client left must still be withdrawn.
            ctx.executor().execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    exceptionCaught(ctx, e);
                }
                if (server != null) {
                    server.flush();
                }
            });
        }

        @Override
        public ByteBufAllocator alloc() {
            return ctx.alloc();
        }

        @Override
        public void failed(Throwable t) {
            exceptionCaught(ctx, t);
        }
    }

    private void updateClientReading() {
        ctx.channel().config().setAutoRead(!gatePaused && !serverBusy && !cancelling);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Completes the client's startup (AuthenticationOk up to ReadyForQuery), then relays what was held. */
    void start(Queue<Object> held) {
        server.pipeline().addLast("relay", relay);
        cancelKey = proxy.cancels().register(this);
        proxy.metrics().sessionOpened();
        proxy.audit().emit(SessionEvents.started(proxy, sessionId, identity, startup, upstream, ctx.channel()));

        ctx.write(Messages.authenticationOk(ctx.alloc()));
        upstream.startupMessages().forEach(ctx::write);
        ctx.write(Messages.backendKeyData(ctx.alloc(), cancelKey.processId(), cancelKey.secret()));
        ctx.writeAndFlush(upstream.readyForQuery());
        ((PgFrameDecoder) ctx.pipeline().get(ProxyChannelInitializer.DECODER))
                .limits(ClientLimits.authenticated(proxy.maxMessageSize()));
        try {
            while (!held.isEmpty()) {
                toServer(held.poll());
            }
        } catch (RuntimeException e) {
            // start() runs in a connect listener, where a thrown exception would only be logged.
            held.forEach(ReferenceCountUtil::safeRelease);
            held.clear();
            exceptionCaught(ctx, e);
            return;
        }
        if (server != null) {
            server.flush();
            updateClientReading();
        }
    }

    // ---------------------------------------------------------------- client to server

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        toServer(msg);
    }

    private void toServer(Object msg) {
        if (server == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        int n = msg instanceof PgBatch batch
                ? batch.length()
                : ((RelayChunk) msg).bytes().readableBytes();
        bytesFromClient += n;
        unreportedFromClient += n;
        gate.offer(msg);
    }

    /** The client said goodbye: pass it on, and treat the server's close as the expected end. */
    private void terminate(ByteBuf lastBytes) {
        endReason = "client terminated";
        Channel s = server;
        server = null;
        s.pipeline().remove(relay);
        s.writeAndFlush(lastBytes).addListener(ChannelFutureListener.CLOSE);
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (server != null) {
            server.flush();
        }
        reportBytes();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The agent reads slower than the database writes: stop reading the database until it catches up.
        if (server != null) {
            server.config().setAutoRead(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof ProtocolException p) {
            fatal("protocol violation: " + p.getMessage(), p.sqlState(), p.getMessage());
        } else if (t instanceof IOException) {
            endReason = "client connection lost: " + t.getMessage();
            close();
            ctx.close();
        } else {
            LOG.error("session {}: internal error", sessionId, t);
            fatal(
                    "internal error",
                    SqlState.INTERNAL_ERROR,
                    "internal error in pgwarden (session " + sessionId + "); the session is closed");
        }
    }

    /** Asks the database to cancel what this session runs. Safe from any thread. */
    void cancelServer() {
        Channel s = server;
        if (s != null) {
            proxy.upstream()
                    .cancel(s.eventLoop(), Transport.socketChannel(s), upstream.processId(), upstream.secretKey());
        }
    }

    /**
     * Cancels for pgwarden's own reasons (a limit), reading nothing more from the client until the
     * server has taken the request: a statement the client sent meanwhile could be the one cancelled.
     */
    void cancelServerForLimit() {
        Channel s = server;
        if (s != null) {
            cancelling = true;
            updateClientReading();
            proxy.upstream()
                    .cancel(s.eventLoop(), Transport.socketChannel(s), upstream.processId(), upstream.secretKey())
                    .addListener(f -> {
                        cancelling = false;
                        updateClientReading();
                    });
        }
    }

    // ---------------------------------------------------------------- for the server side

    ChannelHandlerContext client() {
        return ctx;
    }

    boolean closed() {
        return closed;
    }

    /** The process id the client was given in BackendKeyData. */
    int clientProcessId() {
        return cancelKey.processId();
    }

    /** The database backend's own process id. */
    int upstreamProcessId() {
        return upstream.processId();
    }

    void countToClient(int n) {
        bytesToClient += n;
        unreportedToClient += n;
    }

    void serverWritabilityChanged(boolean writable) {
        serverBusy = !writable;
        updateClientReading();
    }

    void serverClosed(Throwable cause) {
        if (closed) {
            return;
        }
        if (cause instanceof IOException) {
            LOG.warn("session {}: upstream connection failed: {}", sessionId, cause.toString());
        } else if (cause != null) {
            LOG.error("session {}: internal error relaying the database's answers", sessionId, cause);
        }
        // What the server sent before closing (often its own FATAL error) goes out first.
        ctx.flush();
        fatal(
                "database closed the connection",
                SqlState.CONNECTION_FAILURE,
                "pgwarden: the database connection was closed");
    }

    // ---------------------------------------------------------------- endings

    /**
     * Ends the session from any thread because pgwarden is stopping (the client may reconnect to the
     * next one).
     *
     * @return completes when the client's connection is closed, its FATAL error written
     */
    io.netty.util.concurrent.Future<Void> shutDown() {
        ctx.executor()
                .execute(() -> fatal(
                        "pgwarden shut down",
                        SqlState.ADMIN_SHUTDOWN,
                        "pgwarden is shutting down; reconnect in a moment"));
        return ctx.channel().closeFuture();
    }

    /** Ends the session with a FATAL error the client sees; {@code reason} is what the recording keeps. */
    void fatal(String reason, String sqlState, String message) {
        if (closed) {
            return;
        }
        endReason = reason;
        ClientReplies.fatal(ctx, sqlState, message);
        close();
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            server.close();
            server = null;
        }
        proxy.cancels().unregister(cancelKey);
        gate.close();
        relay.release();
        exchange.interrupted();
        reportBytes();
        proxy.metrics().sessionClosed();
        proxy.audit()
                .emit(new SessionEnded(
                        Timestamps.now(),
                        sessionId,
                        identity.subject(),
                        Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
                        audit.statements(),
                        bytesFromClient,
                        bytesToClient,
                        endReason));
    }

    private void reportBytes() {
        if (unreportedFromClient > 0 || unreportedToClient > 0) {
            proxy.metrics().bytes(unreportedFromClient, unreportedToClient);
            unreportedFromClient = 0;
            unreportedToClient = 0;
        }
    }
}
