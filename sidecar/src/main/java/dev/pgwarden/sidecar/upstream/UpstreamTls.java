package dev.pgwarden.sidecar.upstream;

import dev.pgwarden.api.v1alpha1.SslMode;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import javax.net.ssl.SSLException;

/** Client TLS contexts per sslMode, with libpq's meaning: require encrypts, verify-full also authenticates. */
final class UpstreamTls {
    private UpstreamTls() {}

    static SslContext context(UpstreamConfig config) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient();
            if (config.sslMode() == SslMode.REQUIRE) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (config.caFile() != null) {
                try (InputStream in = Files.newInputStream(config.caFile())) {
                    builder.trustManager(in);
                }
            }
            if (config.sslMode() == SslMode.VERIFY_FULL) {
                builder.endpointIdentificationAlgorithm("HTTPS");
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the upstream TLS context: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the upstream CA file " + config.caFile(), e);
        }
    }
}
