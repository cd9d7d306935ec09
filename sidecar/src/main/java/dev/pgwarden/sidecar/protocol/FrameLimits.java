package dev.pgwarden.sidecar.protocol;

/**
 * Which message types a decoder must hold whole (because the proxy reads them) and how large
 * each may be. Every other type streams through in chunks and is never size-capped here.
 */
public interface FrameLimits {
    /** @return the largest accepted total size for a type the proxy decodes, or -1 to stream it */
    int maxDecodedLength(byte type);
}
