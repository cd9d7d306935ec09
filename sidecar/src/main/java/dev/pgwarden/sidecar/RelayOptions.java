package dev.pgwarden.sidecar;

import dev.pgwarden.sidecar.upstream.Transport;
import picocli.CommandLine.Option;

/** How the relay runs: the same options for the sidecar process and for {@code pgwarden local}. */
public final class RelayOptions {
    @Option(
            names = "--transport",
            defaultValue = "auto",
            description =
                    "Socket I/O: auto (io_uring, else epoll, else nio), io_uring, epoll or nio. Default ${DEFAULT-VALUE}.")
    String transport;

    @Option(names = "--event-loops", defaultValue = "1", description = "Relay threads. Default ${DEFAULT-VALUE}.")
    int eventLoops;

    public Transport transport() {
        return Transport.select(transport);
    }

    public int eventLoops() {
        return eventLoops;
    }
}
