package dev.pgwarden.sidecar.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.List;

/**
 * An authenticated upstream session, ready for queries.
 *
 * @param startupMessages the ParameterStatus and NoticeResponse frames the server sent during
 *     startup, in order, for the proxy to relay to its client (the caller releases them)
 * @param readyForQuery the server's first ReadyForQuery frame
 * @param user the database role it logged in as (roles rotate: each connection keeps its own)
 */
public record UpstreamConnection(
        Channel channel,
        int processId,
        int secretKey,
        List<ByteBuf> startupMessages,
        ByteBuf readyForQuery,
        String user) {}
