package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.audit.AuthenticationFailed;
import dev.pgwarden.sidecar.audit.Timestamps;
import dev.pgwarden.sidecar.identity.AuthenticationException;
import dev.pgwarden.sidecar.identity.VerifiedIdentity;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.StartupPacket;
import dev.pgwarden.sidecar.upstream.UpstreamConnection;
import dev.pgwarden.sidecar.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first phase of an agent connection: answers encryption requests, vets the startup packet,
 * takes the token as the password and verifies it off the event loop, then opens the upstream
 * connection. Nothing reaches the database before the token passes. Once the upstream is ready it
 * hands the channel to a {@link ClientSession} and leaves the pipeline.
 */
public final class SessionStartup extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SessionStartup.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum State {
        STARTUP,
        AWAITING_TOKEN,
        VERIFYING,
        CONNECTING,
        DONE
    }

    private final ProxyContext proxy;
    private final String sessionId;
    private final long startNanos = System.nanoTime();
    /** Client messages that arrive while the token is checked or the upstream opens, in order. */
    private final Queue<Object> held = new ArrayDeque<>();

    private State state = State.STARTUP;
    private ChannelHandlerContext ctx;
    private StartupParameters startup;
    private VerifiedIdentity identity;
    private ScheduledFuture<?> timeout;

    public SessionStartup(ProxyContext proxy) {
        this.proxy = proxy;
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        this.sessionId = HexFormat.of().formatHex(id);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        timeout = ctx.executor()
                .schedule(
                        () -> refuse(
                                SqlState.PROTOCOL_VIOLATION,
                                "authentication did not complete within "
                                        + proxy.authenticationTimeout().toSeconds() + "s"),
                        proxy.authenticationTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case STARTUP -> startupPacket((PgMessage) msg);
            case AWAITING_TOKEN -> token(msg);
            case VERIFYING, CONNECTING -> held.add(msg);
            default -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof ProtocolException p) {
            refuse(p.sqlState(), p.getMessage());
        } else if (t instanceof IOException) {
            finish();
            ctx.close();
        } else {
            LOG.error("session {}: internal error during startup", sessionId, t);
            refuse(
                    SqlState.INTERNAL_ERROR,
                    "internal error in pgwarden (session " + sessionId + "); the connection is closed");
        }
    }

    // ---------------------------------------------------------------- startup packet

    private void startupPacket(PgMessage m) {
        StartupPacket packet;
        try {
            packet = StartupPacket.parse(m);
        } finally {
            m.release();
        }
        switch (packet.code()) {
            case ProtocolCodes.SSL_REQUEST -> answerSslRequest();
            case ProtocolCodes.GSSENC_REQUEST -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            case ProtocolCodes.CANCEL_REQUEST -> cancelRequest(packet);
            default -> startupMessage(packet);
        }
    }

    private void answerSslRequest() {
        if (proxy.clientTls() == null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            return;
        }
        // 'S' must leave in clear before the handshake starts, so add the handler once it is written.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'})).addListener(f -> {
            if (f.isSuccess()) {
                SslHandler tls = proxy.clientTls().newHandler(ctx.alloc());
                ctx.pipeline().addFirst("tls", tls);
            }
        });
    }

    /** As PostgreSQL does: no answer either way, and an unknown key cancels nothing. */
    private void cancelRequest(StartupPacket packet) {
        finish();
        proxy.cancels().lookup(packet.cancelProcessId(), packet.cancelSecret()).ifPresent(ClientSession::cancelServer);
        ctx.close();
    }

    private void startupMessage(StartupPacket packet) {
        if (packet.majorVersion() != 3) {
            refuse(
                    SqlState.FEATURE_NOT_SUPPORTED,
                    "unsupported frontend protocol " + packet.majorVersion() + "." + packet.minorVersion()
                            + ": pgwarden speaks protocol 3.0");
            return;
        }
        try {
            startup =
                    StartupParameters.vet(packet.parameters(), proxy.upstream().database());
        } catch (StartupRefused e) {
            refuse(e.sqlState(), e.getMessage());
            return;
        }
        if (packet.minorVersion() > 0 || !startup.protocolOptions().isEmpty()) {
            ctx.write(Messages.negotiateProtocolVersion(
                    ctx.alloc(), ProtocolCodes.PROTOCOL_3_0, startup.protocolOptions()));
        }
        state = State.AWAITING_TOKEN;
        ctx.writeAndFlush(Messages.authenticationCleartextPassword(ctx.alloc()));
    }

    // ---------------------------------------------------------------- token

    private void token(Object msg) {
        if (!(msg instanceof PgBatch batch)
                || batch.messages().size() != 1
                || batch.messages().get(0).type() != ProtocolCodes.PASSWORD) {
            ReferenceCountUtil.release(msg);
            refuse(SqlState.PROTOCOL_VIOLATION, "expected a password message carrying the token");
            return;
        }
        String token;
        try {
            ByteBuf body = batch.messages().get(0).body();
            int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
            token = body.toString(
                    body.readerIndex(),
                    (end < 0 ? body.writerIndex() : end) - body.readerIndex(),
                    StandardCharsets.UTF_8);
        } finally {
            batch.release();
        }
        String broken = proxy.policy().refusal();
        if (broken != null) {
            // Whom to let in is part of the policy too: with no valid policy, nobody.
            refuse(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "pgwarden: " + broken);
            return;
        }
        state = State.VERIFYING;
        ctx.channel().config().setAutoRead(false);
        try {
            CompletableFuture.supplyAsync(() -> verify(token), proxy.blockingWork())
                    .whenComplete((result, error) -> ctx.executor().execute(() -> verified(result, error)));
        } catch (RejectedExecutionException e) {
            proxy.metrics().authFailure("overloaded");
            refuse(
                    SqlState.TOO_MANY_CONNECTIONS,
                    "pgwarden: too many connections are authenticating at once; retry shortly");
        }
    }

    private Object verify(String token) {
        try {
            return proxy.policy().version().verifier().verify(token);
        } catch (AuthenticationException e) {
            return e;
        }
    }

    private void verified(Object result, Throwable error) {
        if (state != State.VERIFYING) {
            return;
        }
        if (error != null || result instanceof AuthenticationException) {
            AuthenticationException e = result instanceof AuthenticationException a
                    ? a
                    : new AuthenticationException(
                            SqlState.INVALID_AUTHORIZATION, "internal", "the token could not be checked; try again");
            if (error != null) {
                LOG.error("session {}: token verification failed unexpectedly", sessionId, error);
            }
            proxy.metrics().authFailure(e.reason());
            proxy.audit()
                    .emit(new AuthenticationFailed(
                            Timestamps.now(),
                            sessionId,
                            ClientReplies.address(ctx.channel()),
                            startup.clientUser(),
                            e.reason(),
                            e.sqlState(),
                            e.getMessage()));
            refuse(e.sqlState(), "pgwarden: " + e.getMessage());
            return;
        }
        identity = (VerifiedIdentity) result;
        state = State.CONNECTING;
        connectUpstream();
    }

    // ---------------------------------------------------------------- upstream

    private void connectUpstream() {
        UpstreamConnector connector = proxy.upstream();
        Map<String, String> params = new LinkedHashMap<>();
        // The connector adds the current role and the database.
        params.put("application_name", startup.upstreamApplicationName(sessionId));
        try {
            params.putAll(UpstreamTimeouts.apply(proxy.policy().version().limits(), startup.forwarded()));
        } catch (StartupRefused e) {
            refuse(e.sqlState(), e.getMessage());
            return;
        }
        long began = System.nanoTime();
        connector.connect(ctx.channel(), params).addListener((Future<UpstreamConnection> f) -> {
            proxy.metrics().upstreamConnected(Duration.ofNanos(System.nanoTime() - began));
            if (f.isSuccess()) {
                upstreamReady(f.getNow());
            } else {
                refuse(SqlState.UNABLE_TO_CONNECT, "pgwarden: " + f.cause().getMessage());
            }
        });
    }

    private void upstreamReady(UpstreamConnection up) {
        if (state != State.CONNECTING) {
            up.startupMessages().forEach(ReferenceCountUtil::safeRelease);
            up.readyForQuery().release();
            up.channel().close();
            return;
        }
        state = State.DONE;
        timeout.cancel(false);
        ClientSession session = new ClientSession(proxy, sessionId, startNanos, identity, startup, up);
        ctx.pipeline().replace(this, ProxyChannelInitializer.SESSION, session);
        session.start(held);
    }

    // ---------------------------------------------------------------- endings

    private void refuse(String sqlState, String message) {
        if (state == State.DONE) {
            return;
        }
        finish();
        ClientReplies.fatal(ctx, sqlState, message);
    }

    private void finish() {
        state = State.DONE;
        if (timeout != null) {
            timeout.cancel(false);
        }
        held.forEach(ReferenceCountUtil::safeRelease);
        held.clear();
    }
}
