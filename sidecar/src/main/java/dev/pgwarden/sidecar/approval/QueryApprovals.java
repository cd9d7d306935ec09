package dev.pgwarden.sidecar.approval;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.ApprovalPhase;
import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.api.v1alpha1.QueryApprovalSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Maps {@link ApprovalRequest}s to {@link QueryApproval} objects and reads their state back. Pure
 * functions only, so the gate's I/O logic stays small.
 */
final class QueryApprovals {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    private QueryApprovals() {}

    /** A DNS-1123 name chosen here, not by the server, so a waiter can be registered before creation. */
    static String newName() {
        StringBuilder name = new StringBuilder("pgw-");
        for (int i = 0; i < 12; i++) {
            name.append(NAME_ALPHABET[RANDOM.nextInt(NAME_ALPHABET.length)]);
        }
        return name.toString();
    }

    static QueryApproval build(String name, ApprovalRequest request, String pod, Instant now) {
        ApprovalSubject subject = request.subject();
        if (subject == null) {
            subject = new ApprovalSubject(null, null, null, pod);
        } else if (subject.pod() == null) {
            subject = new ApprovalSubject(subject.issuer(), subject.subject(), subject.serviceAccount(), pod);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(PgwardenLabels.POLICY, labelValue(request.policy()));
        labels.put(PgwardenLabels.APPROVAL_KEY, keyLabel(request.key()));
        labels.put(PgwardenLabels.APPROVAL_POD, labelValue(pod));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(PgwardenAnnotations.REQUESTED_AT, now.toString());
        if (request.reason() != null && !request.reason().isBlank()) {
            annotations.put(PgwardenAnnotations.APPROVAL_REASON, request.reason());
        }
        QueryApproval approval = new QueryApproval();
        approval.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withLabels(labels)
                .withAnnotations(annotations)
                .build());
        approval.setSpec(new QueryApprovalSpec(
                request.policy(),
                request.rule(),
                subject,
                request.session(),
                request.statement(),
                request.parameters() == null ? java.util.List.of() : request.parameters(),
                request.fingerprint(),
                request.expiresAt().toString(),
                Decision.Pending,
                null,
                request.agentReason(),
                request.rowsChanged(),
                request.estimates().isEmpty() ? null : request.estimates()));
        return approval;
    }

    /**
     * The key label: SHA-256 of the request key in lowercase base32 (52 characters). Label values
     * are capped at 63 characters and a restricted alphabet, and the key is arbitrary text.
     */
    static String keyLabel(String key) {
        return base32(sha256(key));
    }

    /** The value itself when it is a valid label value, otherwise a hash of it. */
    static String labelValue(String value) {
        if (value == null) {
            return "";
        }
        if (value.length() <= 63 && LABEL_VALUE.matcher(value).matches()) {
            return value;
        }
        return "h-" + base32(sha256(value));
    }

    static String reviewer(QueryApproval approval) {
        return approval.getStatus() == null ? null : approval.getStatus().reviewedBy();
    }

    static String comment(QueryApproval approval) {
        String comment = approval.getSpec() == null ? null : approval.getSpec().comment();
        return comment == null || comment.isEmpty() ? null : comment;
    }

    /** An unreadable expiry counts as already past: fail closed. */
    static boolean expired(QueryApproval approval, Instant now) {
        return !now.isBefore(approval.expiresAtOrEpoch());
    }

    /** Executed and Failed both mean the approval was used; Expired means it can never be. */
    static boolean consumedOrExpired(QueryApproval approval) {
        ApprovalPhase phase = approval.phaseOrPending();
        return phase == ApprovalPhase.Executed || phase == ApprovalPhase.Failed || phase == ApprovalPhase.Expired;
    }

    /** When the request was made, for ordering; the requested-at annotation when present. */
    static Instant requestedAt(QueryApproval approval) {
        String text = approval.annotation(PgwardenAnnotations.REQUESTED_AT);
        if (text == null) {
            text = approval.getMetadata().getCreationTimestamp();
        }
        try {
            return text == null ? Instant.EPOCH : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    /**
     * A JSON merge patch body that sets status.phase only (what the operator stamped stays). With a
     * resourceVersion, the API server applies it only to that version: an optimistic lock.
     */
    static String phasePatch(String resourceVersion, ApprovalPhase phase) {
        String status = "\"status\":{\"phase\":\"" + phase.name() + "\"}";
        if (resourceVersion == null) {
            return "{" + status + "}";
        }
        // Resource versions are opaque but never contain quotes or backslashes; refuse them anyway.
        if (!resourceVersion.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException("unexpected resourceVersion " + resourceVersion);
        }
        return "{\"metadata\":{\"resourceVersion\":\"" + resourceVersion + "\"}," + status + "}";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JRE has SHA-256", e);
        }
    }

    /** RFC 4648 base32 without padding, lowercased: only [a-z2-7], so always label-safe. */
    private static String base32(byte[] bytes) {
        final String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }
}
