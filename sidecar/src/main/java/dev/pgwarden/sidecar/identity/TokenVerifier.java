package dev.pgwarden.sidecar.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.pgwarden.sidecar.protocol.SqlState;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies the JWT an agent presents as its password. Signature first (asymmetric algorithms
 * only, keys from the issuer), then time, audience and the policy's subjects. Every refusal says
 * what was wrong so the agent can recover, and none repeats the token. Blocking: run it off the
 * event loop.
 */
public final class TokenVerifier {
    /** Never "none", never HMAC: an HMAC check with a public key would let anyone sign. */
    static final Set<JWSAlgorithm> ALLOWED = Set.of(
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512,
            JWSAlgorithm.PS256,
            JWSAlgorithm.PS384,
            JWSAlgorithm.PS512,
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.ES512);

    private static final String SA_PREFIX = "system:serviceaccount:";
    /** How far the issuer's clock and ours may disagree on exp and nbf (README: 60 s). */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private final List<AcceptedSubject> subjects;
    private final SigningKeys keys;
    private final Clock clock;
    private final Duration skew;

    public TokenVerifier(List<AcceptedSubject> subjects, SigningKeys keys, Clock clock, Duration skew) {
        this.subjects = List.copyOf(subjects);
        this.keys = keys;
        this.clock = clock;
        this.skew = skew;
    }

    public VerifiedIdentity verify(String token) throws AuthenticationException {
        if (token == null || token.isBlank()) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "missing",
                    "no token: connect with your pgwarden token (a JWT) as the password");
        }
        SignedJWT jwt = parse(token.trim());
        JWTClaimsSet unverified;
        try {
            unverified = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw malformed();
        }
        String issuer = unverified.getIssuer();
        List<AcceptedSubject> candidates =
                subjects.stream().filter(s -> s.issuer().equals(issuer)).toList();
        if (candidates.isEmpty()) {
            Set<String> known =
                    subjects.stream().map(AcceptedSubject::issuer).collect(Collectors.toCollection(LinkedHashSet::new));
            throw new AuthenticationException(
                    SqlState.INVALID_AUTHORIZATION,
                    "issuer",
                    "token issuer " + (issuer == null ? "(none)" : issuer)
                            + " is not accepted by this policy; accepted issuers: " + known);
        }
        JWTClaimsSet claims = verifySignature(jwt, candidates.get(0));
        checkTimes(claims);
        List<String> refusals = new ArrayList<>();
        for (AcceptedSubject s : candidates) {
            String refusal = refusal(s, claims);
            if (refusal == null) {
                return identity(claims);
            }
            refusals.add(refusal);
        }
        throw new AuthenticationException(
                SqlState.INVALID_AUTHORIZATION,
                "subject",
                "token is valid but matches no subject of this policy: " + String.join("; ", refusals));
    }

    private static SignedJWT parse(String token) throws AuthenticationException {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw malformed();
        }
        if (jwt instanceof PlainJWT) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "unsigned",
                    "unsigned tokens (alg none) are not accepted: use a token signed by your identity provider");
        }
        if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT signed)) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD, "encrypted", "encrypted tokens are not accepted: use a signed JWT");
        }
        JWSAlgorithm alg = signed.getHeader().getAlgorithm();
        if (!ALLOWED.contains(alg)) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "algorithm",
                    "tokens signed with " + alg
                            + " are not accepted; accepted algorithms: RS*, PS*, ES* (asymmetric only)");
        }
        return signed;
    }

    private static AuthenticationException malformed() {
        return new AuthenticationException(
                SqlState.INVALID_PASSWORD,
                "malformed",
                "the password is not a valid JWT: connect with a token from your identity provider, or `pgwarden token` in local mode");
    }

    private JWTClaimsSet verifySignature(SignedJWT jwt, AcceptedSubject subject) throws AuthenticationException {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(
                new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALLOWED, keys.forSubject(subject)));
        processor.setJWTClaimsSetVerifier((claims, context) -> {});
        try {
            return processor.process(jwt, null);
        } catch (RateLimitReachedException e) {
            // The key set was fetched moments ago and names no such key: the token is not the issuer's.
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "signature",
                    "no key of issuer " + subject.issuer() + " matches the token's key id "
                            + jwt.getHeader().getKeyID() + ": the token is forged or from another issuer");
        } catch (KeySourceException e) {
            throw new AuthenticationException(
                    SqlState.INVALID_AUTHORIZATION,
                    "keys-unavailable",
                    "cannot fetch the signing keys of issuer " + subject.issuer() + "; try again shortly");
        } catch (BadJOSEException e) {
            String kid = jwt.getHeader().getKeyID();
            String why = e.getMessage() != null && e.getMessage().contains("no matching key")
                    ? "no key of issuer " + subject.issuer() + " matches the token's key id " + kid
                    : "the token's signature does not verify against the keys of issuer " + subject.issuer();
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD, "signature", why + ": the token is forged or from another issuer");
        } catch (JOSEException e) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "signature",
                    "the token's signature could not be checked: " + e.getMessage());
        }
    }

    private void checkTimes(JWTClaimsSet claims) throws AuthenticationException {
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "no-expiry",
                    "the token has no expiry (exp claim): pgwarden accepts only tokens that expire");
        }
        if (now.isAfter(exp.toInstant().plus(skew))) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "expired",
                    "the token expired at " + exp.toInstant() + " ("
                            + Duration.between(exp.toInstant(), now).toSeconds()
                            + "s ago): get a fresh token and reconnect");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
            throw new AuthenticationException(
                    SqlState.INVALID_PASSWORD,
                    "not-yet-valid",
                    "the token is not valid before " + nbf.toInstant()
                            + ": check the clocks of this host and the issuer");
        }
    }

    /** Why this subject does not match the claims, or null when it does. */
    private static String refusal(AcceptedSubject s, JWTClaimsSet claims) {
        List<String> audience = claims.getAudience();
        if (audience == null || !audience.contains(s.audience())) {
            return "audience " + audience + " does not include '" + s.audience() + "' (" + s.describe() + ")";
        }
        if (s.serviceAccount() != null) {
            String expected = SA_PREFIX + s.serviceAccount().replace('/', ':');
            if (!expected.equals(claims.getSubject())) {
                return "subject " + claims.getSubject() + " is not " + s.describe();
            }
        }
        if (!s.groups().isEmpty()) {
            List<String> groups = groups(claims);
            if (groups.stream().noneMatch(s.groups()::contains)) {
                return "token groups " + groups + " include none of " + s.groups();
            }
        }
        return null;
    }

    private static List<String> groups(JWTClaimsSet claims) {
        Object g = claims.getClaim("groups");
        if (g instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return g instanceof String s ? List.of(s) : List.of();
    }

    @SuppressWarnings("unchecked")
    private static VerifiedIdentity identity(JWTClaimsSet claims) {
        String sub = claims.getSubject();
        String serviceAccount = null;
        String pod = null;
        if (sub != null && sub.startsWith(SA_PREFIX)) {
            serviceAccount = sub.substring(SA_PREFIX.length()).replace(':', '/');
            Object k8s = claims.getClaim("kubernetes.io");
            if (k8s instanceof Map<?, ?> m && m.get("pod") instanceof Map<?, ?> p) {
                pod = String.valueOf(((Map<String, Object>) p).get("name"));
            }
        }
        return new VerifiedIdentity(
                claims.getIssuer(),
                sub,
                serviceAccount,
                pod,
                groups(claims),
                claims.getExpirationTime().toInstant());
    }
}
