package dev.pgwarden.operator.webhook.approval;

import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Whether the user deciding an approval is the identity that asked for it (separation of duties). */
final class Requester {
    /** Set by the API server on pod-bound service account tokens. */
    static final String POD_NAME_EXTRA = "authentication.kubernetes.io/pod-name";

    private Requester() {}

    /** Why {@code user} counts as the requester of {@code subject}, if it does. */
    static Optional<String> sameAs(ApprovalSubject subject, UserInfo user) {
        if (subject == null) {
            return Optional.empty();
        }
        String username = user.getUsername();
        if (subject.serviceAccount() != null) {
            String[] parts = subject.serviceAccount().split("/", 2);
            if (parts.length == 2 && username.equals("system:serviceaccount:" + parts[0] + ":" + parts[1])) {
                return Optional.of("you are the requesting service account " + subject.serviceAccount());
            }
        }
        String sub = subject.subject();
        if (sub != null
                && !sub.isBlank()
                // The API server may prefix OIDC usernames ("oidc:alice", or "<issuer>#alice" by default).
                && (username.equals(sub) || username.endsWith(":" + sub) || username.endsWith("#" + sub))) {
            return Optional.of("you are the requesting identity " + sub);
        }
        Map<String, List<String>> extra = user.getExtra();
        List<String> pods = extra == null ? null : extra.get(POD_NAME_EXTRA);
        if (subject.pod() != null && pods != null && pods.contains(subject.pod())) {
            return Optional.of("your token is bound to the requesting pod " + subject.pod());
        }
        return Optional.empty();
    }
}
