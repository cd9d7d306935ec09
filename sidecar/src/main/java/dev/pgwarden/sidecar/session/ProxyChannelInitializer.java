package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.PgFrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/** The pipeline of an accepted agent connection: frame decoder, then its startup phase (later its session). */
public final class ProxyChannelInitializer extends ChannelInitializer<Channel> {
    static final String DECODER = "pg-decoder";
    static final String SESSION = "session";
    private final ProxyContext proxy;

    public ProxyChannelInitializer(ProxyContext proxy) {
        this.proxy = proxy;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast(DECODER, PgFrameDecoder.frontend(ClientLimits.beforeAuthentication()));
        ch.pipeline().addLast(SESSION, new SessionStartup(proxy));
    }
}
