package dev.pgwarden.sidecar;

import java.net.InetSocketAddress;

/** Parses HOST:PORT (IPv6 as [::1]:PORT). */
public final class Addresses {
    private Addresses() {}

    public static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + hostPort);
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        try {
            return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + hostPort);
        }
    }
}
