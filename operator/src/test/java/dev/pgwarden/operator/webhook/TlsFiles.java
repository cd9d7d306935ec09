package dev.pgwarden.operator.webhook;

import dev.pgwarden.operator.webhook.tls.CertificateAuthority;
import dev.pgwarden.operator.webhook.tls.TlsMaterial;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Test certificates: a CA, serving pairs written as a cert-manager Secret would be, a trusting client. */
public final class TlsFiles {
    private TlsFiles() {}

    public static CertificateAuthority ca() {
        return CertificateAuthority.generate("pgwarden test CA", Instant.now(), Duration.ofDays(2));
    }

    public static TlsMaterial localhost(CertificateAuthority ca) {
        return ca.issueServing(List.of("localhost"), Instant.now(), Duration.ofDays(1));
    }

    public static void write(Path dir, TlsMaterial material) throws IOException {
        Files.writeString(dir.resolve("tls.crt"), material.certificatePem());
        Files.writeString(dir.resolve("tls.key"), material.keyPem());
    }

    public static HttpClient clientTrusting(X509Certificate ca) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder()
                .sslContext(context)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }
}
