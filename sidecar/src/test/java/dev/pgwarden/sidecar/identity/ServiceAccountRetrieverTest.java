package dev.pgwarden.sidecar.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
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
    Path crt = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    Path p12 = dir.resolve("server.p12");
    assumeTrue(run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        "-keyout", key.toString(), "-out", crt.toString())
        && run("openssl", "pkcs12", "-export", "-in", crt.toString(), "-inkey", key.toString(),
        "-out", p12.toString(), "-passout", "pass:test"), "openssl is needed to make a test certificate");
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      store.load(in, "test".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "test".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);

    signingKey = new RSAKeyGenerator(2048).keyID("cluster-key").generate();
    byte[] jwks = new JWKSet(signingKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
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
    Files.copy(crt, dir.resolve("ca.crt"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static boolean run(String... command) throws Exception {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private String token(String subject) throws Exception {
    Instant now = Instant.now();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("cluster-key")
        .type(JOSEObjectType.JWT).build(), new JWTClaimsSet.Builder().issuer(ISSUER).subject(subject)
        .audience("pgwarden").issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build());
    jwt.sign(new RSASSASigner(signingKey));
    return jwt.serialize();
  }

  @Test
  void verifiesAServiceAccountTokenWithKeysFetchedAsThePod() throws Exception {
    assertThat(ServiceAccountRetriever.available(dir)).isTrue();
    SigningKeys keys = new SigningKeys(jwksUri, ServiceAccountRetriever.fromDir(dir));
    TokenVerifier verifier = new TokenVerifier(
        List.of(new AcceptedSubject(ISSUER, "pgwarden", "agents/claude", List.of(), jwksUri)), keys,
        Clock.systemUTC(), Duration.ofSeconds(60));

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
        List.of(new AcceptedSubject(ISSUER, "pgwarden", "agents/claude", List.of(), jwksUri)), anonymous,
        Clock.systemUTC(), Duration.ofSeconds(60));
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
    Files.writeString(dir.resolve("ca.crt"), otherCertificate());
    ServiceAccountRetriever retriever = ServiceAccountRetriever.fromDir(dir);
    assertThatThrownBy(() -> retriever.retrieveResource(new URL(jwksUri)))
        .isInstanceOf(javax.net.ssl.SSLException.class);
  }

  private String otherCertificate() throws Exception {
    Path crt = dir.resolve("other.crt");
    assumeTrue(run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        "-keyout", dir.resolve("other.key").toString(), "-out", crt.toString()));
    return Files.readString(crt);
  }
}
