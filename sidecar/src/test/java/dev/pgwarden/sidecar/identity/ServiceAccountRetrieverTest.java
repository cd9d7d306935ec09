package dev.pgwarden.sidecar.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pgwarden.testkit.ServerCertificate;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's JWKS as a pod sees it: on an HTTPS server signed by the cluster CA that answers
 * only callers presenting a service-account bearer token.
 */
class ServiceAccountRetrieverTest {
    private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    @TempDir
    Path dir;

    private HttpsServer server;
    private RSAKey signingKey;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private String jwksUri;

    @BeforeEach
    void startApiServer() throws Exception {
        ServerCertificate certificate = ServerCertificate.selfSigned("localhost");

        signingKey = new RSAKeyGenerator(2048).keyID("cluster-key").generate();
        byte[] jwks = new JWKSet(signingKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
        server.createContext("/openid/v1/jwks", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            if (auth == null || !auth.startsWith("Bearer sa-token-")) {
                ex.sendResponseHeaders(401, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, jwks.length);
            ex.getResponseBody().write(jwks);
            ex.close();
        });
        server.start();
        jwksUri = "https://localhost:" + server.getAddress().getPort() + "/openid/v1/jwks";

        Files.writeString(dir.resolve("token"), "sa-token-1\n");
        Files.writeString(dir.resolve("ca.crt"), certificate.certificatePem());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String token(String subject) throws Exception {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID("cluster-key")
                        .type(JOSEObjectType.JWT)
                        .build(),
                new JWTClaimsSet.Builder()
                        .issuer(ISSUER)
                        .subject(subject)
                        .audience("pgwarden")
                        .issueTime(Date.from(now))
                        .expirationTime(Date.from(now.plusSeconds(600)))
                        .build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }

    @Test
    void verifiesAServiceAccountTokenWithKeysFetchedAsThePod() throws Exception {
        assertThat(ServiceAccountRetriever.available(dir)).isTrue();
        SigningKeys keys = new SigningKeys(jwksUri, ServiceAccountRetriever.fromDir(dir));
        TokenVerifier verifier = new TokenVerifier(
                List.of(new AcceptedSubject(ISSUER, "pgwarden", "agents/claude", List.of(), jwksUri)),
                keys,
                Clock.systemUTC(),
                Duration.ofSeconds(60));

        VerifiedIdentity identity = verifier.verify(token("system:serviceaccount:agents:claude"));

        assertThat(identity.serviceAccount()).isEqualTo("agents/claude");
        assertThat(authorizations).contains("Bearer sa-token-1");
    }

    @Test
    void readsTheRotatedTokenAtEachFetch() throws Exception {
        ServiceAccountRetriever retriever = ServiceAccountRetriever.fromDir(dir);
        retriever.retrieveResource(new URL(jwksUri));
        Files.writeString(dir.resolve("token"), "sa-token-2\n");
        String body = retriever.retrieveResource(new URL(jwksUri)).getContent();

        assertThat(body).contains("cluster-key");
        assertThat(authorizations).containsExactly("Bearer sa-token-1", "Bearer sa-token-2");
    }

    @Test
    void withoutTheTokenTheApiServerRefuses() throws Exception {
        // The anonymous retriever every other issuer gets: the cluster's keys stay out of reach.
        SigningKeys anonymous = new SigningKeys();
        TokenVerifier verifier = new TokenVerifier(
                List.of(new AcceptedSubject(ISSUER, "pgwarden", "agents/claude", List.of(), jwksUri)),
                anonymous,
                Clock.systemUTC(),
                Duration.ofSeconds(60));
        assertThatThrownBy(() -> verifier.verify(token("system:serviceaccount:agents:claude")))
                .isInstanceOf(AuthenticationException.class);
        assertThat(authorizations).doesNotContain("Bearer sa-token-1");
    }

    @Test
    void neverSendsTheTokenOverPlainHttp() throws Exception {
        ServiceAccountRetriever retriever = ServiceAccountRetriever.fromDir(dir);
        assertThatThrownBy(() -> retriever.retrieveResource(new URL("http://127.0.0.1:1/openid/v1/jwks")))
                .hasMessageContaining("not HTTPS");
    }

    @Test
    void trustsOnlyTheClusterCa() throws Exception {
        // The same host name, from a CA the pod does not trust.
        Files.writeString(
                dir.resolve("ca.crt"), ServerCertificate.selfSigned("localhost").certificatePem());
        ServiceAccountRetriever retriever = ServiceAccountRetriever.fromDir(dir);
        assertThatThrownBy(() -> retriever.retrieveResource(new URL(jwksUri)))
                .isInstanceOf(javax.net.ssl.SSLException.class);
    }
}
