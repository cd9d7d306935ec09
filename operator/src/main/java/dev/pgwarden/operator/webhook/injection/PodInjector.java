package dev.pgwarden.operator.webhook.injection;

import static dev.pgwarden.api.cluster.PgwardenAnnotations.AGENT_API_TOKEN;
import static dev.pgwarden.api.cluster.PgwardenAnnotations.INJECTION_DONE;
import static dev.pgwarden.api.cluster.PgwardenAnnotations.INJECTION_STATUS;
import static dev.pgwarden.api.cluster.PgwardenLabels.INJECT;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.api.v1alpha1.S3Target;
import dev.pgwarden.operator.webhook.admission.Admission;
import dev.pgwarden.operator.webhook.admission.PolicyLookup;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.webhook.admission.AdmissionRequestHandler;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /mutate-pods}: injects the pgwarden sidecar into labelled agent pods, or says why it will not. */
public final class PodInjector implements AdmissionRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PodInjector.class);

    private final PolicyLookup policies;
    private final PodChecks checks;
    private final PodMutation mutation;
    private final InjectedPodVerifier verifier;

    public PodInjector(PolicyLookup policies, InjectionSettings settings) {
        this.policies = policies;
        this.checks = new PodChecks(settings.kubernetesIssuer());
        this.mutation = new PodMutation(settings);
        this.verifier = new InjectedPodVerifier(settings);
    }

    @Override
    public AdmissionResponse handle(AdmissionRequest request) {
        Pod pod = Admission.object(request, Pod.class);
        if (pod == null || pod.getSpec() == null) {
            return Admission.refused("pgwarden: the admission request carries no pod");
        }
        if (pod.getMetadata() == null) {
            pod.setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = orEmpty(pod.getMetadata().getLabels());
        Map<String, String> annotations = orEmpty(pod.getMetadata().getAnnotations());
        if (!"true".equals(labels.get(INJECT))) {
            // The webhook configuration selects on this label; a pod without it is not ours to change.
            return Admission.allowed();
        }
        String namespace = request.getNamespace() != null
                ? request.getNamespace()
                : pod.getMetadata().getNamespace();
        String policyName = annotations.get(PgwardenAnnotations.POLICY);
        if (policyName == null || policyName.isBlank()) {
            return Admission.refused(
                    "pgwarden: pod is labelled " + INJECT + "=true but has no " + PgwardenAnnotations.POLICY
                            + " annotation: add annotation " + PgwardenAnnotations.POLICY
                            + ": <DatabaseAccessPolicy name in namespace "
                            + namespace + ">, or remove the label");
        }
        List<String> podWide = PodChecks.podWide(pod.getSpec());
        if (!podWide.isEmpty()) {
            return refusal(podWide);
        }
        Optional<DatabaseAccessPolicy> policy;
        try {
            policy = policies.find(namespace, policyName);
        } catch (KubernetesClientException e) {
            LOG.warn("Could not read DatabaseAccessPolicy {}/{}", namespace, policyName, e);
            return Admission.failed("pgwarden: could not read DatabaseAccessPolicy " + policyName + " in namespace "
                    + namespace + " (" + e.getMessage() + "); the pod was not admitted, try again");
        }
        if (policy.isEmpty()) {
            return Admission.refused("pgwarden: DatabaseAccessPolicy " + policyName + " does not exist in namespace "
                    + namespace + ": create it first, or fix the " + PgwardenAnnotations.POLICY + " annotation");
        }
        String credentialsSecret = InjectedNames.credentialsSecret(policyName);
        String s3Secret = s3CredentialsSecret(policy.get());
        Set<String> protectedSecrets = new HashSet<>();
        protectedSecrets.add(credentialsSecret);
        if (s3Secret != null) {
            protectedSecrets.add(s3Secret);
        }
        boolean allowApiToken = "true".equals(annotations.get(AGENT_API_TOKEN));
        boolean injected = INJECTION_DONE.equals(annotations.get(INJECTION_STATUS));

        List<String> problems = checks.problems(pod.getSpec(), injected, protectedSecrets, allowApiToken);
        if (!problems.isEmpty()) {
            return refusal(problems);
        }
        if (injected) {
            // A second pass (reinvocation, or a copied pod) changes nothing, once the pod proves it is ours.
            return verifier.mismatch(pod.getSpec(), credentialsSecret, s3Secret)
                    .map(m -> Admission.refused("pgwarden: " + m))
                    .orElseGet(Admission::allowed);
        }
        Pod injectedPod = Admission.SERIALIZATION.clone(pod);
        var database =
                policy.get().getSpec() == null ? null : policy.get().getSpec().database();
        mutation.apply(
                injectedPod, credentialsSecret, s3Secret, allowApiToken, database == null ? null : database.name());
        return Admission.patched(pod, injectedPod);
    }

    private static String s3CredentialsSecret(DatabaseAccessPolicy policy) {
        Recording recording = policy.getSpec() == null ? null : policy.getSpec().recording();
        S3Target s3 = recording == null ? null : recording.s3();
        return s3 == null || s3.credentialsSecretRef() == null
                ? null
                : s3.credentialsSecretRef().name();
    }

    private static AdmissionResponse refusal(List<String> problems) {
        return Admission.refused("pgwarden refused to inject this pod: " + String.join("; ", problems));
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }
}
