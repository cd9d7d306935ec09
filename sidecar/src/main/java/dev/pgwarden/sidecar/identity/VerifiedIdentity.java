package dev.pgwarden.sidecar.identity;

import java.time.Instant;
import java.util.List;

/**
 * Who is on the other end of a session, as proven by a verified token.
 *
 * @param serviceAccount {@code namespace/name} for Kubernetes tokens, else null
 * @param pod the pod name bound into a Kubernetes token, else null
 */
public record VerifiedIdentity(
        String issuer, String subject, String serviceAccount, String pod, List<String> groups, Instant expiresAt) {}
