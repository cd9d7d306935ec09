package dev.pgwarden.sidecar.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * Reads the single-byte answer to an SSLRequest. Any byte after it is refused: a server (or a man
 * in the middle) that sends data before the TLS handshake is not to be trusted.
 */
final class SslNegotiation extends ChannelInboundHandlerAdapter {
    private final Consumer<Boolean> onAnswer;
    private final Consumer<String> onFailure;

    SslNegotiation(Consumer<Boolean> onAnswer, Consumer<String> onFailure) {
        this.onAnswer = onAnswer;
        this.onFailure = onFailure;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
            if (b.readableBytes() != 1) {
                onFailure.accept("the database sent unexpected data in answer to the SSL request");
                return;
            }
            byte answer = b.readByte();
            ctx.pipeline().remove(this);
            if (answer == 'S') {
                onAnswer.accept(true);
            } else if (answer == 'N') {
                onAnswer.accept(false);
            } else {
                onFailure.accept("the database answered the SSL request with '" + (char) answer + "'");
            }
        } finally {
            ReferenceCountUtil.release(b);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        onFailure.accept("the database closed the connection during SSL negotiation");
    }
}
