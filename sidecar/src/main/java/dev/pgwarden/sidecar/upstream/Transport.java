package dev.pgwarden.sidecar.upstream;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.function.Supplier;

/** The socket I/O mechanism: Linux native (io_uring or epoll) where available, else Java NIO. */
public enum Transport {
    IO_URING(IoUringIoHandler::newFactory, IoUringServerSocketChannel.class, IoUringSocketChannel.class),
    EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class),
    NIO(NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    private final Supplier<IoHandlerFactory> factory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends Channel> socketChannel;

    Transport(
            Supplier<IoHandlerFactory> factory,
            Class<? extends ServerChannel> serverChannel,
            Class<? extends Channel> socketChannel) {
        this.factory = factory;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    public IoHandlerFactory ioHandlerFactory() {
        return factory.get();
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public boolean isAvailable() {
        return switch (this) {
            case IO_URING -> IoUring.isAvailable();
            case EPOLL -> Epoll.isAvailable();
            case NIO -> true;
        };
    }

    /**
     * @param preference auto, io_uring, epoll or nio. Auto takes the first available in that order:
     *     io_uring batches socket calls and cost the least CPU per transaction in bench/gateway.sh;
     *     where a container runtime forbids it, Netty's probe fails and epoll is used.
     */
    public static Transport select(String preference) {
        String p = preference == null ? "auto" : preference.toLowerCase(Locale.ROOT);
        if (p.equals("auto")) {
            return IO_URING.isAvailable() ? IO_URING : EPOLL.isAvailable() ? EPOLL : NIO;
        }
        Transport t =
                switch (p) {
                    case "io_uring", "io-uring" -> IO_URING;
                    case "epoll" -> EPOLL;
                    case "nio" -> NIO;
                    default ->
                        throw new IllegalArgumentException(
                                "unknown transport " + preference + ": use auto, io_uring, epoll or nio");
                };
        if (!t.isAvailable()) {
            throw new IllegalArgumentException("transport " + p + " is not available on this machine: use auto");
        }
        return t;
    }

    /** The client-socket class matching the event loop a channel runs on. */
    public static Class<? extends Channel> socketChannel(Channel sibling) {
        for (Transport t : values()) {
            if (t.socketChannel.isInstance(sibling) || t.serverChannel.isInstance(sibling)) {
                return t.socketChannel;
            }
        }
        return NioSocketChannel.class;
    }
}
