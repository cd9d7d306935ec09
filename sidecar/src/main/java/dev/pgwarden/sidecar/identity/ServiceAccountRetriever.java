package dev.pgwarden.sidecar.identity;

import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Fetches from the Kubernetes API server as the pod's service account: the API server publishes
 * its service-account issuer's keys at {@code /openid/v1/jwks}, but only to authenticated callers
 * (by default), over TLS signed by the cluster CA. The token is read from its file at every fetch,
 * since kubelet rotates it, and it is only ever sent over HTTPS.
 */
public final class ServiceAccountRetriever extends DefaultResourceRetriever {
    /** Where Kubernetes mounts a pod's API credentials. */
    public static final Path DEFAULT_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    /** The cluster's JWKS as the API server serves it to pods. */
    public static final String IN_CLUSTER_JWKS_URI = "https://kubernetes.default.svc/openid/v1/jwks";

    private final Path tokenFile;

    private ServiceAccountRetriever(Path tokenFile, SSLSocketFactory tls) {
        super(2_000, 3_000, 512 * 1024, true, tls);
        this.tokenFile = tokenFile;
    }

    /** Whether {@code dir} holds a token and a CA, as in a pod with its API credentials mounted. */
    public static boolean available(Path dir) {
        return dir != null && Files.isReadable(dir.resolve("token")) && Files.isReadable(dir.resolve("ca.crt"));
    }

    /** A retriever authenticating with {@code dir/token} and trusting only {@code dir/ca.crt}. */
    public static ServiceAccountRetriever fromDir(Path dir) throws IOException {
        return new ServiceAccountRetriever(dir.resolve("token"), trusting(dir.resolve("ca.crt")));
    }

    @Override
    protected HttpURLConnection openConnection(URL url) throws IOException {
        if (!"https".equals(url.getProtocol())) {
            throw new IOException("refusing to send the service-account token to " + url + ": not HTTPS");
        }
        HttpURLConnection connection = super.openConnection(url);
        connection.setRequestProperty(
                "Authorization", "Bearer " + Files.readString(tokenFile).strip());
        return connection;
    }

    private static SSLSocketFactory trusting(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                anchors.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new IOException(caFile + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the cluster CA " + caFile + ": " + e.getMessage(), e);
        }
    }
}
