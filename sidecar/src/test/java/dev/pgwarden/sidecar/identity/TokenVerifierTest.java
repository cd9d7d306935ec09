package dev.pgwarden.sidecar.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Subject matching against a real issuer endpoint (keys fetched over loopback HTTP). */
class TokenVerifierTest {
  private static LocalIssuer cluster;
  private static LocalIssuer idp;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalIssuer.start(null, 0);
    idp = LocalIssuer.start(null, 0);
  }

  @AfterAll
  static void stop() {
    cluster.close();
    idp.close();
  }

  private static TokenVerifier verifier() {
    return new TokenVerifier(List.of(
        new AcceptedSubject(cluster.issuer(), "pgwarden", "agents/claude", List.of(), null),
        new AcceptedSubject(idp.issuer(), "pgwarden", null, List.of("ai-agents"), idp.issuer() + "/jwks")),
        new SigningKeys(), Clock.systemUTC(), Duration.ofSeconds(30));
  }

  private static JWTClaimsSet.Builder base(LocalIssuer issuer, String sub) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder().issuer(issuer.issuer()).subject(sub).audience("pgwarden")
        .expirationTime(Date.from(now.plusSeconds(600)));
  }

  @Test
  void kubernetesServiceAccountTokenWithPodBinding() throws Exception {
    String token = cluster.sign(base(cluster, "system:serviceaccount:agents:claude")
        .claim("kubernetes.io", Map.of("namespace", "agents", "serviceaccount", Map.of("name", "claude"),
            "pod", Map.of("name", "claude-7d9f", "uid", "u1")))
        .build());
    VerifiedIdentity id = verifier().verify(token);
    assertThat(id.serviceAccount()).isEqualTo("agents/claude");
    assertThat(id.pod()).isEqualTo("claude-7d9f");
    assertThat(id.issuer()).isEqualTo(cluster.issuer());
  }

  @Test
  void anotherServiceAccountIsRefused() {
    String token = cluster.sign(base(cluster, "system:serviceaccount:agents:intruder").build());
    assertThatThrownBy(() -> verifier().verify(token))
        .isInstanceOfSatisfying(AuthenticationException.class, e -> {
          assertThat(e.sqlState()).isEqualTo("28000");
          assertThat(e.getMessage()).contains("subject system:serviceaccount:agents:intruder is not service account agents/claude");
        });
  }

  @Test
  void oidcGroupsMustOverlap() throws Exception {
    String member = idp.sign(base(idp, "alice").claim("groups", List.of("staff", "ai-agents")).build());
    assertThat(verifier().verify(member).groups()).contains("ai-agents");
    String outsider = idp.sign(base(idp, "bob").claim("groups", List.of("staff")).build());
    assertThatThrownBy(() -> verifier().verify(outsider))
        .hasMessageContaining("token groups [staff] include none of [ai-agents]");
  }

  @Test
  void aTokenFromOneIssuerSignedWithAnothersKeyFails() {
    String crossSigned = idp.sign(base(cluster, "system:serviceaccount:agents:claude").build());
    assertThatThrownBy(() -> verifier().verify(crossSigned))
        .isInstanceOfSatisfying(AuthenticationException.class, e -> assertThat(e.reason()).isEqualTo("signature"));
  }

  @Test
  void unreachableKeysFailClosed() throws Exception {
    LocalIssuer gone = LocalIssuer.start(null, 0);
    String token = gone.sign(base(gone, "x").build());
    TokenVerifier v = new TokenVerifier(List.of(AcceptedSubject.anyFrom(gone.issuer(), "pgwarden")),
        new SigningKeys(), Clock.systemUTC(), Duration.ofSeconds(30));
    gone.close();
    assertThatThrownBy(() -> v.verify(token))
        .isInstanceOfSatisfying(AuthenticationException.class, e -> {
          assertThat(e.reason()).isEqualTo("keys-unavailable");
          assertThat(e.getMessage()).contains("cannot fetch the signing keys of issuer " + gone.issuer());
        });
  }
}
