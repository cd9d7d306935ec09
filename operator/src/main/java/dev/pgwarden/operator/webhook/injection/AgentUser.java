package dev.pgwarden.operator.webhook.injection;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.HashSet;
import java.util.Set;

/**
 * The user the agent containers run as, when the pod says so. libpq reads a password file only
 * when nobody but its owner may (mode 0600), so the sidecar that writes it must run as the agent's
 * user. A user the pod does not name (the image's own) cannot be known here; then, and when the
 * agent containers run as different users or as root, the sidecar keeps its own user.
 */
final class AgentUser {
    private AgentUser() {}

    static long forSidecar(PodSpec spec) {
        Long podUser = spec.getSecurityContext() == null
                ? null
                : spec.getSecurityContext().getRunAsUser();
        Set<Long> users = new HashSet<>();
        for (Container agent : PodChecks.agentContainers(spec)) {
            Long own = agent.getSecurityContext() == null
                    ? null
                    : agent.getSecurityContext().getRunAsUser();
            users.add(own != null ? own : podUser);
        }
        if (users.size() != 1) {
            return SidecarResources.SIDECAR_UID;
        }
        Long user = users.iterator().next();
        // runAsNonRoot holds for the sidecar: a root agent reads the sidecar's file anyway.
        return user == null || user == 0L ? SidecarResources.SIDECAR_UID : user;
    }
}
