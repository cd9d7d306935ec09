package dev.pgwarden.operator.webhook.approval;

import dev.pgwarden.api.v1alpha1.Approval;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.Reviewers;
import dev.pgwarden.api.v1alpha1.Subject;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import java.util.List;
import java.util.Optional;

/** Whether a user may decide approvals under a policy. */
final class ReviewerCheck {
    private ReviewerCheck() {}

    /** Why {@code user} may not decide, if they may not. */
    static Optional<String> refusal(DatabaseAccessPolicy policy, UserInfo user) {
        DatabaseAccessPolicySpec spec = policy.getSpec();
        String username = user.getUsername();
        // An agent must not approve another agent's statement either: that would let two agents under
        // one policy clear each other's held statements without a human.
        for (Subject subject : spec == null ? List.<Subject>of() : spec.subjectsOrEmpty()) {
            if (subject.serviceAccount() != null) {
                String[] parts = subject.serviceAccount().split("/", 2);
                if (parts.length == 2 && username.equals("system:serviceaccount:" + parts[0] + ":" + parts[1])) {
                    return Optional.of("service account " + subject.serviceAccount() + " is an agent under policy "
                            + policy.getMetadata().getName() + ", and agents never decide approvals");
                }
            }
        }
        Approval approval = spec == null ? null : spec.approval();
        Reviewers reviewers = approval == null ? null : approval.reviewers();
        List<String> users = reviewers == null || reviewers.users() == null ? List.of() : reviewers.users();
        List<String> groups = reviewers == null || reviewers.groups() == null ? List.of() : reviewers.groups();
        if (users.isEmpty() && groups.isEmpty()) {
            return Optional.empty(); // the policy leaves reviewing to RBAC on queryapprovals
        }
        if (users.contains(username)) {
            return Optional.empty();
        }
        List<String> userGroups = user.getGroups() == null ? List.of() : user.getGroups();
        if (userGroups.stream().anyMatch(groups::contains)) {
            return Optional.empty();
        }
        return Optional.of(username + " is not a reviewer under policy "
                + policy.getMetadata().getName()
                + " (spec.approval.reviewers: users " + users + ", groups " + groups
                + "); ask one of them, or have the policy's owner add you");
    }
}
