package dev.pgwarden.sidecar.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The token issuer of {@code pgwarden local}: an EC key and a loopback HTTP endpoint serving
 * OIDC discovery and the public key set, so local tokens are verified exactly like a real
 * identity provider's. Tokens minted here are only good against this instance.
 */
public final class LocalIssuer implements AutoCloseable {
    public static final String AUDIENCE = "pgwarden";
    private final ECKey key;
    private final HttpServer server;
    private final String issuer;

    private LocalIssuer(ECKey key, HttpServer server) {
        this.key = key;
        this.server = server;
        this.issuer = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Starts on the given loopback port (0 for any) with the key, or a fresh one when null. */
    public static LocalIssuer start(ECKey existing, int port) throws IOException {
        ECKey key = existing != null ? existing : newKey();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        LocalIssuer issuer = new LocalIssuer(key, server);
        server.createContext("/.well-known/openid-configuration", ex -> issuer.respond(ex, issuer.discoveryDocument()));
        server.createContext("/jwks", ex -> issuer.respond(ex, new JWKSet(key.toPublicJWK()).toString()));
        server.start();
        return issuer;
    }

    public static ECKey newKey() {
        try {
            return new ECKeyGenerator(Curve.P_256)
                    .keyID(UUID.randomUUID().toString())
                    .generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an EC key", e);
        }
    }

    public static ECKey parseKey(String json) throws ParseException {
        return ECKey.parse(json);
    }

    public String issuer() {
        return issuer;
    }

    public ECKey key() {
        return key;
    }

    /** A token for a local user, audience pgwarden, valid for the given time. */
    public String mint(String user, Duration ttl) {
        return mint(key, issuer, user, ttl);
    }

    /** Mints with a stored key, without a running endpoint: {@code pgwarden token} uses this. */
    public static String mint(ECKey key, String issuer, String user, Duration ttl) {
        Instant now = Instant.now();
        return sign(
                key,
                new JWTClaimsSet.Builder()
                        .issuer(issuer)
                        .subject("local:" + user)
                        .audience(AUDIENCE)
                        .issueTime(Date.from(now))
                        .notBeforeTime(Date.from(now))
                        .expirationTime(Date.from(now.plus(ttl)))
                        .jwtID(UUID.randomUUID().toString())
                        .claim("groups", List.of("local"))
                        .build());
    }

    /** Signs arbitrary claims with this issuer's key, for tests of claim checks. */
    public String sign(JWTClaimsSet claims) {
        return sign(key, claims);
    }

    private static String sign(ECKey key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.ES256)
                            .keyID(key.getKeyID())
                            .type(JOSEObjectType.JWT)
                            .build(),
                    claims);
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    private String discoveryDocument() {
        return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(Map.of(
                "issuer",
                issuer,
                "jwks_uri",
                issuer + "/jwks",
                "id_token_signing_alg_values_supported",
                List.of("ES256")));
    }

    private void respond(HttpExchange ex, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
