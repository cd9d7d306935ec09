package dev.pgwarden.sidecar.upstream;

import dev.pgwarden.api.v1alpha1.SslMode;
import dev.pgwarden.sidecar.protocol.FrameLimits;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgFrameDecoder;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens authenticated upstream connections on the caller's event loop, so client and upstream of
 * a session never hand work across threads.
 */
public final class UpstreamConnector {
    public static final String DECODER = "pg-decoder";
    /**
     * Server messages the proxy reads; DataRow and CopyData stream through unread. A
     * NotificationResponse (at most about 8 KB) is held whole: its process id is rewritten.
     */
    private static final FrameLimits BACKEND_LIMITS = type -> switch (type) {
        case ProtocolCodes.DATA_ROW, ProtocolCodes.COPY_DATA, ProtocolCodes.FUNCTION_CALL_RESPONSE -> -1;
        default -> 64 * 1024 * 1024;
    };

    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** How long a cancel request's connection may stay open waiting for the server to take it. */
    static final long CANCEL_WAIT_MILLIS = 2_000;

    private static final long STARTUP_TIMEOUT_SECONDS = 20;

    private final Supplier<UpstreamConfig> current;
    private final String database;
    private final SslContext tls;

    public UpstreamConnector(UpstreamConfig config) {
        this(config, () -> config);
    }

    /**
     * @param initial where the database is and how to reach it (TLS); it does not change while the
     *     sidecar runs
     * @param current read at every connect: the role and password, which rotate while the sidecar runs
     */
    public UpstreamConnector(UpstreamConfig initial, Supplier<UpstreamConfig> current) {
        this.database = initial.database();
        this.current = current;
        this.tls = initial.sslMode() == SslMode.DISABLE ? null : UpstreamTls.context(initial);
    }

    /** The database name sessions use (fixed for the sidecar's lifetime). */
    public String database() {
        return database;
    }

    /** The current configuration (credentials included); may throw when there are no valid credentials. */
    public UpstreamConfig config() {
        return current.get();
    }

    public Future<UpstreamConnection> connect(Channel client, Map<String, String> startupParameters) {
        EventLoop loop = client.eventLoop();
        UpstreamConfig config;
        try {
            config = current.get();
        } catch (RuntimeException e) {
            return loop.newFailedFuture(new UpstreamException(e.getMessage()));
        }
        // The role and the password must come from the same version of the credentials.
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        parameters.put("user", config.user());
        parameters.put("database", config.database());
        startupParameters.forEach(parameters::putIfAbsent);
        Promise<UpstreamConnection> promise = loop.newPromise();
        UpstreamHandshake handshake = new UpstreamHandshake(config, parameters, promise);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(Transport.socketChannel(client))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The decoder joins the pipeline only after any SSL answer byte has been read.
                    }
                });
        b.connect(config.host(), config.port()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new UpstreamException("cannot reach the database at " + config.host() + ":"
                        + config.port() + ": " + UpstreamHandshake.rootMessage(f.cause())));
                return;
            }
            Channel ch = f.channel();
            var timeout = loop.schedule(
                    () -> {
                        if (promise.tryFailure(new UpstreamException(
                                "the database did not complete startup within " + STARTUP_TIMEOUT_SECONDS + "s"))) {
                            ch.close();
                        }
                    },
                    STARTUP_TIMEOUT_SECONDS,
                    TimeUnit.SECONDS);
            promise.addListener(p -> timeout.cancel(false));
            if (tls == null) {
                startProtocol(ch, handshake);
                return;
            }
            ch.pipeline()
                    .addLast(new SslNegotiation(
                            accepted -> {
                                if (!accepted) {
                                    fail(
                                            promise,
                                            ch,
                                            "the database does not accept TLS but the policy's sslMode is "
                                                    + config.sslMode()
                                                    + ": enable ssl on the server or set sslMode: disable");
                                    return;
                                }
                                SslHandler ssl = tls.newHandler(ch.alloc(), config.host(), config.port());
                                ch.pipeline().addFirst(ssl);
                                ssl.handshakeFuture().addListener(h -> {
                                    if (h.isSuccess()) {
                                        startProtocol(ch, handshake);
                                    } else {
                                        fail(
                                                promise,
                                                ch,
                                                "TLS handshake with the database failed: "
                                                        + UpstreamHandshake.rootMessage(h.cause()));
                                    }
                                });
                            },
                            reason -> fail(promise, ch, reason)));
            ch.writeAndFlush(Messages.sslRequest(ch.alloc()));
        });
        return promise;
    }

    private static void fail(Promise<UpstreamConnection> promise, Channel ch, String message) {
        promise.tryFailure(new UpstreamException(message));
        ch.close();
    }

    private static void startProtocol(Channel ch, UpstreamHandshake handshake) {
        ch.pipeline().addLast(DECODER, PgFrameDecoder.backend(BACKEND_LIMITS));
        ch.pipeline().addLast("handshake", handshake);
        ChannelHandlerContext ctx = ch.pipeline().context(handshake);
        handshake.start(ctx);
    }

    /**
     * Forwards a CancelRequest with the upstream's own key; fire and forget, as PostgreSQL does.
     * When the policy asks for TLS the request goes inside TLS too, so the backend's cancel key
     * never crosses the network in clear; a server that refuses TLS then gets no request at all.
     *
     * @return completes when the server has taken the request: it closes the connection once it has
     *     signalled the backend (or after {@link #CANCEL_WAIT_MILLIS}, or at once when it cannot be sent)
     */
    public Future<Void> cancel(EventLoop loop, Class<? extends Channel> channelClass, int processId, int secretKey) {
        Promise<Void> taken = loop.newPromise();
        UpstreamConfig config;
        try {
            config = current.get();
        } catch (RuntimeException e) {
            // No credentials now; a cancel request carries none anyway, but nor do we know the host.
            return taken.setSuccess(null);
        }
        new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {}
                })
                .connect(config.host(), config.port())
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        taken.trySuccess(null);
                        return;
                    }
                    Channel ch = f.channel();
                    ch.closeFuture().addListener(c -> taken.trySuccess(null));
                    loop.schedule(() -> ch.close(), CANCEL_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                    // The server closes the connection after signalling the backend: left open until then.
                    Runnable send = () -> ch.writeAndFlush(Messages.cancelRequest(ch.alloc(), processId, secretKey));
                    if (tls == null) {
                        send.run();
                        return;
                    }
                    ch.pipeline()
                            .addLast(new SslNegotiation(
                                    accepted -> {
                                        if (!accepted) {
                                            ch.close();
                                            return;
                                        }
                                        SslHandler ssl = tls.newHandler(ch.alloc(), config.host(), config.port());
                                        ch.pipeline().addFirst(ssl);
                                        ssl.handshakeFuture().addListener(h -> {
                                            if (h.isSuccess()) {
                                                send.run();
                                            } else {
                                                ch.close();
                                            }
                                        });
                                    },
                                    reason -> ch.close()));
                    ch.writeAndFlush(Messages.sslRequest(ch.alloc()));
                });
        return taken;
    }
}
