package dev.pgwarden.sidecar.upstream;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Picks the client-socket class that matches the event loop a channel runs on. */
public final class Transport {
  private Transport() {
  }

  public static Class<? extends Channel> socketChannel(Channel sibling) {
    return sibling.getClass().getSimpleName().startsWith("Epoll") ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
