package dev.pgwarden.sidecar.upstream;

import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.message.ErrorFields;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the startup of one upstream connection: StartupMessage, authentication, ParameterStatus
 * and BackendKeyData, up to the first ReadyForQuery; then completes the promise and steps aside.
 */
final class UpstreamHandshake extends ChannelInboundHandlerAdapter {
    private final UpstreamConfig config;
    private final Map<String, String> startupParameters;
    private final Promise<UpstreamConnection> promise;
    private final UpstreamAuthenticator authenticator;
    private final List<ByteBuf> startupMessages = new ArrayList<>();
    private int processId;
    private int secretKey;

    UpstreamHandshake(
            UpstreamConfig config, Map<String, String> startupParameters, Promise<UpstreamConnection> promise) {
        this.config = config;
        this.startupParameters = startupParameters;
        this.promise = promise;
        this.authenticator = new UpstreamAuthenticator(config);
    }

    /** Called once the transport (and TLS, if any) is up. */
    void start(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Messages.startupMessage(ctx.alloc(), startupParameters));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof PgBatch batch)) {
            ReferenceCountUtil.release(msg);
            fail(ctx, "the database sent an unexpectedly large message during startup");
            return;
        }
        try {
            List<PgMessage> messages = batch.messages();
            for (int i = 0; i < messages.size() && !promise.isDone(); i++) {
                if (handle(ctx, messages.get(i)) && i != messages.size() - 1) {
                    fail(ctx, "the database sent messages after ReadyForQuery before any query");
                }
            }
        } catch (UpstreamException e) {
            fail(ctx, e.getMessage());
        } finally {
            batch.release();
        }
    }

    /** @return true when this was the ReadyForQuery that ends startup */
    private boolean handle(ChannelHandlerContext ctx, PgMessage m) throws UpstreamException {
        switch (m.type()) {
            case ProtocolCodes.AUTHENTICATION -> {
                ByteBuf reply = authenticator.answer(ctx.alloc(), m.body());
                if (reply != null) {
                    ctx.writeAndFlush(reply);
                }
            }
            // Frames are views into the batch: retaining one keeps its memory past the batch's release.
            case ProtocolCodes.PARAMETER_STATUS, ProtocolCodes.NOTICE_RESPONSE ->
                startupMessages.add(m.frame().retain());
            case ProtocolCodes.BACKEND_KEY_DATA -> {
                ByteBuf b = m.body();
                processId = b.readInt();
                secretKey = b.readInt();
            }
            case ProtocolCodes.ERROR_RESPONSE -> {
                ErrorFields e = ErrorFields.read(m.body());
                fail(ctx, "the database refused the connection: " + e.message() + " (SQLSTATE " + e.sqlState() + ")");
            }
            case ProtocolCodes.NEGOTIATE_PROTOCOL_VERSION -> {}
            case ProtocolCodes.READY_FOR_QUERY -> {
                ctx.pipeline().remove(this);
                if (!promise.trySuccess(new UpstreamConnection(
                        ctx.channel(),
                        processId,
                        secretKey,
                        List.copyOf(startupMessages),
                        m.frame().retain(),
                        config.user()))) {
                    release();
                }
                return true;
            }
            default -> fail(ctx, "the database sent an unexpected message '" + (char) m.type() + "' during startup");
        }
        return false;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, "the database closed the connection during startup");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, "connection to the database failed during startup: " + rootMessage(cause));
    }

    private void fail(ChannelHandlerContext ctx, String message) {
        if (promise.tryFailure(new UpstreamException(message))) {
            release();
        }
        ctx.close();
    }

    private void release() {
        startupMessages.forEach(ReferenceCountUtil::safeRelease);
        startupMessages.clear();
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public String toString() {
        return "UpstreamHandshake[" + config + "]";
    }
}
