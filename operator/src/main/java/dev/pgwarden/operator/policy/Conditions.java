package dev.pgwarden.operator.policy;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Status conditions the Kubernetes way: one entry per type, and {@code lastTransitionTime} moves
 * only when the status flips, so {@code kubectl wait} and Argo CD see real transitions.
 */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String DEGRADED = "Degraded";

    private Conditions() {}

    public static List<Condition> set(
            List<Condition> existing,
            String type,
            boolean status,
            String reason,
            String message,
            Long generation,
            Instant now) {
        List<Condition> out = new ArrayList<>();
        String value = status ? "True" : "False";
        Condition previous = find(existing, type);
        String since =
                previous != null && value.equals(previous.getStatus()) && previous.getLastTransitionTime() != null
                        ? previous.getLastTransitionTime()
                        : now.toString();
        Condition next = new ConditionBuilder()
                .withType(type)
                .withStatus(value)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(since)
                .build();
        boolean placed = false;
        if (existing != null) {
            for (Condition c : existing) {
                if (Objects.equals(c.getType(), type)) {
                    out.add(next);
                    placed = true;
                } else {
                    out.add(c);
                }
            }
        }
        if (!placed) {
            out.add(next);
        }
        return out;
    }

    public static Condition find(List<Condition> conditions, String type) {
        if (conditions == null) {
            return null;
        }
        return conditions.stream()
                .filter(c -> Objects.equals(c.getType(), type))
                .findFirst()
                .orElse(null);
    }
}
