package dev.pgwarden.sidecar.upstream;

import dev.pgwarden.api.v1alpha1.SslMode;
import java.nio.file.Path;

/**
 * Where and as whom the proxy connects. The password is the database role's, never the agent's.
 *
 * @param caFile trust anchors for {@code verify-full}; null uses the JVM's default trust store
 */
public record UpstreamConfig(
        String host, int port, String database, String user, String password, SslMode sslMode, Path caFile) {

    @Override
    public String toString() {
        return "UpstreamConfig[" + user + "@" + host + ":" + port + "/" + database + ", sslmode=" + sslMode + "]";
    }
}
