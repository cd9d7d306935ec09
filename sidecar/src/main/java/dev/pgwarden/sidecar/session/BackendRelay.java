package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** The upstream half of a session: hands every server message to its {@link ClientSession}. */
final class BackendRelay extends ChannelInboundHandlerAdapter {
  private final ClientSession session;

  BackendRelay(ClientSession session) {
    this.session = session;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof PgBatch batch) {
      session.fromServer(batch);
    } else {
      session.fromServer((RelayChunk) msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    session.serverReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    session.serverWritabilityChanged(ctx.channel().isWritable());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.serverClosed(null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    session.serverClosed(cause);
  }
}
