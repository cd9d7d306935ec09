package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.Messages;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;

/** What both phases of a session say to the client when they end it, and how they name it. */
final class ClientReplies {
    private ClientReplies() {}

    /** Sends a FATAL ErrorResponse and closes the connection once it is written. */
    static void fatal(ChannelHandlerContext ctx, String sqlState, String message) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ctx.writeAndFlush(Messages.errorResponse(ctx.alloc(), "FATAL", sqlState, message, null))
                .addListener(ChannelFutureListener.CLOSE);
        if (!ctx.channel().isWritable()) {
            // A client that stopped reading will never take the error: do not wait for it.
            ctx.close();
        }
    }

    static String address(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() + ":" + a.getPort()
                : String.valueOf(channel.remoteAddress());
    }
}
