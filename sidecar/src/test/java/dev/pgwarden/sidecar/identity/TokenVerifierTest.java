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
        return new TokenVerifier(
                List.of(
                        new AcceptedSubject(cluster.issuer(), "pgwarden", "agents/claude", List.of(), null),
                        new AcceptedSubject(
                                idp.issuer(), "pgwarden", null, List.of("ai-agents"), idp.issuer() + "/jwks")),
                new SigningKeys(),
                Clock.systemUTC(),
                TokenVerifier.CLOCK_SKEW);
    }

    private static JWTClaimsSet.Builder base(LocalIssuer issuer, String sub) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(issuer.issuer())
                .subject(sub)
                .audience("pgwarden")
                .expirationTime(Date.from(now.plusSeconds(600)));
    }

    @Test
    void kubernetesServiceAccountTokenWithPodBinding() throws Exception {
        String token = cluster.sign(base(cluster, "system:serviceaccount:agents:claude")
                .claim(
                        "kubernetes.io",
                        Map.of(
                                "namespace",
                                "agents",
                                "serviceaccount",
                                Map.of("name", "claude"),
                                "pod",
                                Map.of("name", "claude-7d9f", "uid", "u1")))
                .build());
        VerifiedIdentity id = verifier().verify(token);
        assertThat(id.serviceAccount()).isEqualTo("agents/claude");
        assertThat(id.pod()).isEqualTo("claude-7d9f");
        assertThat(id.issuer()).isEqualTo(cluster.issuer());
    }

    @Test
    void anotherServiceAccountIsRefused() {
        String token = cluster.sign(
                base(cluster, "system:serviceaccount:agents:intruder").build());
        assertThatThrownBy(() -> verifier().verify(token)).isInstanceOfSatisfying(AuthenticationException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("28000");
            assertThat(e.getMessage())
                    .contains("subject system:serviceaccount:agents:intruder is not service account agents/claude");
        });
    }

    @Test
    void oidcGroupsMustOverlap() throws Exception {
        String member = idp.sign(base(idp, "alice")
                .claim("groups", List.of("staff", "ai-agents"))
                .build());
        assertThat(verifier().verify(member).groups()).contains("ai-agents");
        String outsider =
                idp.sign(base(idp, "bob").claim("groups", List.of("staff")).build());
        assertThatThrownBy(() -> verifier().verify(outsider))
                .hasMessageContaining("token groups [staff] include none of [ai-agents]");
    }

    @Test
    void aTokenFromOneIssuerSignedWithAnothersKeyFails() {
        String crossSigned =
                idp.sign(base(cluster, "system:serviceaccount:agents:claude").build());
        assertThatThrownBy(() -> verifier().verify(crossSigned))
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.reason()).isEqualTo("signature"));
    }

    @Test
    void unreachableKeysFailClosed() throws Exception {
        LocalIssuer gone = LocalIssuer.start(null, 0);
        String token = gone.sign(base(gone, "x").build());
        TokenVerifier v = new TokenVerifier(
                List.of(AcceptedSubject.anyFrom(gone.issuer(), "pgwarden")),
                new SigningKeys(),
                Clock.systemUTC(),
                TokenVerifier.CLOCK_SKEW);
        gone.close();
        assertThatThrownBy(() -> v.verify(token)).isInstanceOfSatisfying(AuthenticationException.class, e -> {
            assertThat(e.reason()).isEqualTo("keys-unavailable");
            assertThat(e.getMessage()).contains("cannot fetch the signing keys of issuer " + gone.issuer());
        });
    }

    @Test
    void aTokenSignedByARotatedInKeyIsAcceptedAfterTheKeysAreFetchedAgain() throws Exception {
        try (RotatingIssuer rotating = new RotatingIssuer()) {
            com.nimbusds.jose.jwk.ECKey first = LocalIssuer.newKey();
            com.nimbusds.jose.jwk.ECKey second = LocalIssuer.newKey();
            rotating.publish(first);
            TokenVerifier v = new TokenVerifier(
                    List.of(new AcceptedSubject(rotating.issuer(), "pgwarden", null, List.of(), rotating.jwksUri())),
                    new SigningKeys(),
                    Clock.systemUTC(),
                    TokenVerifier.CLOCK_SKEW);
            JWTClaimsSet claims = new JWTClaimsSet.Builder()
                    .issuer(rotating.issuer())
                    .subject("rotated")
                    .audience("pgwarden")
                    .expirationTime(Date.from(Instant.now().plusSeconds(600)))
                    .build();

            assertThat(v.verify(RotatingIssuer.sign(first, claims)).subject()).isEqualTo("rotated");
            int fetchesBefore = rotating.fetches();
            rotating.publish(first, second);
            assertThat(v.verify(RotatingIssuer.sign(second, claims)).subject()).isEqualTo("rotated");
            assertThat(rotating.fetches())
                    .as("the unknown key id made the verifier fetch the keys again")
                    .isGreaterThan(fetchesBefore);
            rotating.publish(second);
            assertThat(v.verify(RotatingIssuer.sign(second, claims)).subject()).isEqualTo("rotated");
            com.nimbusds.jose.jwk.ECKey neverPublished = LocalIssuer.newKey();
            assertThatThrownBy(() -> v.verify(RotatingIssuer.sign(neverPublished, claims)))
                    .isInstanceOfSatisfying(
                            AuthenticationException.class,
                            e -> assertThat(e.reason()).isEqualTo("signature"));
        }
    }

    /** A verifier whose clock stands still at {@code now}, with the production skew. */
    private static TokenVerifier at(Instant now) {
        return new TokenVerifier(
                List.of(AcceptedSubject.anyFrom(idp.issuer(), "pgwarden")),
                new SigningKeys(),
                Clock.fixed(now, java.time.ZoneOffset.UTC),
                TokenVerifier.CLOCK_SKEW);
    }

    @Test
    void theDocumentedSixtySecondsOfClockSkewAndNoMore() throws Exception {
        assertThat(TokenVerifier.CLOCK_SKEW).as("README promises 60 s").isEqualTo(Duration.ofSeconds(60));
        Instant now = Instant.parse("2030-01-01T00:00:00Z").plusSeconds(new java.util.Random().nextInt(1_000_000));
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(idp.issuer())
                .subject("skewed")
                .audience("pgwarden");

        String expired59 =
                idp.sign(claims.expirationTime(Date.from(now.minusSeconds(59))).build());
        assertThat(at(now).verify(expired59).subject()).isEqualTo("skewed");
        String expired61 =
                idp.sign(claims.expirationTime(Date.from(now.minusSeconds(61))).build());
        assertThatThrownBy(() -> at(now).verify(expired61))
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.reason()).isEqualTo("expired"));

        claims.expirationTime(Date.from(now.plusSeconds(600)));
        String early59 =
                idp.sign(claims.notBeforeTime(Date.from(now.plusSeconds(59))).build());
        assertThat(at(now).verify(early59).subject()).isEqualTo("skewed");
        String early61 =
                idp.sign(claims.notBeforeTime(Date.from(now.plusSeconds(61))).build());
        assertThatThrownBy(() -> at(now).verify(early61))
                .isInstanceOfSatisfying(
                        AuthenticationException.class,
                        e -> assertThat(e.reason()).isEqualTo("not-yet-valid"));
    }
}
