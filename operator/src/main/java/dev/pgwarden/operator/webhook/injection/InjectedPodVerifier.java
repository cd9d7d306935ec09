package dev.pgwarden.operator.webhook.injection;

import static dev.pgwarden.operator.webhook.injection.InjectedNames.SIDECAR;
import static dev.pgwarden.operator.webhook.injection.InjectedNames.VOLUMES;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks a pod that arrives already marked injected. Anyone can write the status annotation, so it
 * is trusted only when the sidecar and its volumes are exactly what this operator would add: a
 * look-alike "sidecar" of the user's own making could otherwise read the credentials.
 */
final class InjectedPodVerifier {
    /** Fields the API server defaults in containers, probes and volumes; none changes what runs. */
    private static final Set<String> SERVER_DEFAULTS = Set.of(
            "terminationMessagePath",
            "terminationMessagePolicy",
            "timeoutSeconds",
            "successThreshold",
            "scheme",
            "defaultMode");
    /** How a pod the webhook injected is marked, as messages show it. */
    private static final String MARKED =
            PgwardenAnnotations.INJECTION_STATUS + ": " + PgwardenAnnotations.INJECTION_DONE;

    private final SidecarResources resources;

    InjectedPodVerifier(InjectionSettings settings) {
        this.resources = new SidecarResources(settings);
    }

    Optional<String> mismatch(PodSpec spec, String credentialsSecret, String s3Secret) {
        String fix = ": remove the " + PgwardenAnnotations.INJECTION_STATUS + " annotation, the " + SIDECAR
                + " container and the pgwarden-* volumes, and let pgwarden inject the pod";
        Container expected = resources.sidecar(s3Secret != null, AgentUser.forSidecar(spec));
        Optional<Container> actual = PodChecks.list(spec.getInitContainers()).stream()
                .filter(c -> SIDECAR.equals(c.getName()))
                .findFirst();
        if (actual.isEmpty() || !sameJson(expected, actual.get())) {
            return Optional.of("the pod is marked " + MARKED + " but its " + SIDECAR
                    + " container is not the one this operator injects" + fix);
        }
        Map<String, Volume> present = PodChecks.list(spec.getVolumes()).stream()
                .filter(v -> VOLUMES.contains(v.getName()))
                .collect(Collectors.toMap(Volume::getName, Function.identity(), (a, b) -> a));
        List<Volume> wanted = SidecarResources.volumes(credentialsSecret, s3Secret);
        boolean volumesMatch = present.size() == wanted.size()
                && wanted.stream()
                        .allMatch(v -> present.containsKey(v.getName()) && sameJson(v, present.get(v.getName())));
        if (!volumesMatch) {
            return Optional.of("the pod is marked " + MARKED + " but its pgwarden-* volumes are not the"
                    + " ones this operator injects for this policy" + fix);
        }
        return Optional.empty();
    }

    /**
     * Compared as JSON. The API server fills defaults into the pod before webhooks see it, so a few
     * extra keys are expected; any other extra key (a command, a lifecycle hook) is a mismatch.
     */
    private static boolean sameJson(Object expected, Object actual) {
        return matches(
                Admission.SERIALIZATION.convertValue(expected, Map.class),
                Admission.SERIALIZATION.convertValue(actual, Map.class));
    }

    private static boolean matches(Object want, Object have) {
        if (want instanceof Map<?, ?> wantMap && have instanceof Map<?, ?> haveMap) {
            return wantMap.entrySet().stream().allMatch(e -> matches(e.getValue(), haveMap.get(e.getKey())))
                    && haveMap.keySet().stream().allMatch(k -> wantMap.containsKey(k) || SERVER_DEFAULTS.contains(k));
        }
        if (want instanceof List<?> wantList && have instanceof List<?> haveList) {
            if (wantList.size() != haveList.size()) {
                return false;
            }
            for (int i = 0; i < wantList.size(); i++) {
                if (!matches(wantList.get(i), haveList.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (want instanceof Number && have instanceof Number) {
            return want.toString().equals(have.toString());
        }
        return Objects.equals(want, have);
    }
}
