package dev.pgwarden.sidecar.identity;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import dev.pgwarden.sidecar.protocol.SqlState;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds and caches each issuer's signing keys: the JWKS URL from OIDC discovery (or configured),
 * then a Nimbus JWK source that caches the key set and refetches it when a token names a key it
 * has not seen, which is how key rotation reaches us. Blocking: never call on an event loop.
 */
public final class SigningKeys {
    private final ResourceRetriever http = new DefaultResourceRetriever(2_000, 3_000, 512 * 1024);
    private final Map<String, JWKSource<SecurityContext>> byJwksUri = new ConcurrentHashMap<>();
    private final Map<String, String> discovered = new ConcurrentHashMap<>();
    private final String clusterJwksUri;
    private final ResourceRetriever cluster;

    public SigningKeys() {
        this(null, null);
    }

    /**
     * @param clusterJwksUri the cluster's JWKS on the API server, fetched with {@code cluster}
     *     (the pod's service-account token); every other URL is fetched anonymously, so the token
     *     never goes to an outside issuer
     */
    public SigningKeys(String clusterJwksUri, ResourceRetriever cluster) {
        this.clusterJwksUri = clusterJwksUri;
        this.cluster = cluster;
    }

    public JWKSource<SecurityContext> forSubject(AcceptedSubject subject) throws AuthenticationException {
        String jwksUri = subject.jwksUri() != null ? subject.jwksUri() : discover(subject.issuer());
        return byJwksUri.computeIfAbsent(jwksUri, uri -> {
            ResourceRetriever retriever = cluster != null && uri.equals(clusterJwksUri) ? cluster : http;
            try {
                return JWKSourceBuilder.<SecurityContext>create(new URL(uri), retriever)
                        .cache(15 * 60_000L, 5_000L)
                        .rateLimited(10_000L)
                        .retrying(true)
                        .build();
            } catch (IOException e) {
                throw new IllegalArgumentException("bad JWKS URL " + uri, e);
            }
        });
    }

    private String discover(String issuer) throws AuthenticationException {
        String cached = discovered.get(issuer);
        if (cached != null) {
            return cached;
        }
        String url = issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration";
        try {
            Resource doc = http.retrieveResource(URI.create(url).toURL());
            Map<String, Object> json = JSONObjectUtils.parse(doc.getContent());
            Object iss = json.get("issuer");
            Object jwks = json.get("jwks_uri");
            if (!issuer.equals(iss) || !(jwks instanceof String)) {
                throw new AuthenticationException(
                        SqlState.INVALID_AUTHORIZATION,
                        "discovery",
                        "the discovery document of issuer " + issuer + " names issuer " + iss
                                + " or has no jwks_uri: check the policy's issuer URL");
            }
            discovered.put(issuer, (String) jwks);
            return (String) jwks;
        } catch (IOException | ParseException e) {
            throw new AuthenticationException(
                    SqlState.INVALID_AUTHORIZATION,
                    "keys-unavailable",
                    "cannot fetch the signing keys of issuer " + issuer + " (" + e.getMessage()
                            + "); try again shortly");
        }
    }
}
