package dev.pgwarden.operator.webhook;

import dev.pgwarden.operator.webhook.admission.PolicyLookup;
import dev.pgwarden.operator.webhook.approval.ApprovalValidator;
import dev.pgwarden.operator.webhook.approval.ReviewStamper;
import dev.pgwarden.operator.webhook.approval.StatusTransitions;
import dev.pgwarden.operator.webhook.injection.EphemeralContainerCheck;
import dev.pgwarden.operator.webhook.injection.InjectionSettings;
import dev.pgwarden.operator.webhook.injection.PodInjector;
import dev.pgwarden.operator.webhook.injection.SidecarExecCheck;
import dev.pgwarden.operator.webhook.policy.PolicyAdmission;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.webhook.admission.AdmissionController;
import java.time.Clock;
import java.util.Map;

/** The paths of the webhook server and the handler behind each. */
public final class AdmissionRoutes {
    public static final String MUTATE_PODS = "/mutate-pods";
    public static final String MUTATE_QUERY_APPROVALS = "/mutate-queryapprovals";
    public static final String VALIDATE_QUERY_APPROVALS = "/validate-queryapprovals";
    public static final String VALIDATE_POLICIES = "/validate-databaseaccesspolicies";
    public static final String VALIDATE_APPROVAL_STATUS = "/validate-queryapproval-status";
    public static final String VALIDATE_EPHEMERAL_CONTAINERS = "/validate-pod-ephemeralcontainers";
    public static final String VALIDATE_POD_EXEC = "/validate-pod-exec";

    private AdmissionRoutes() {}

    public static Map<String, AdmissionController<?>> create(
            KubernetesClient client, InjectionSettings settings, Clock clock) {
        PolicyLookup policies = new PolicyLookup(client);
        return Map.of(
                MUTATE_PODS, new AdmissionController<>(new PodInjector(policies, settings)),
                MUTATE_QUERY_APPROVALS, new AdmissionController<>(new ReviewStamper(clock)),
                VALIDATE_QUERY_APPROVALS, new AdmissionController<>(new ApprovalValidator(policies, clock)),
                VALIDATE_POLICIES, new AdmissionController<>(new PolicyAdmission()),
                VALIDATE_APPROVAL_STATUS, new AdmissionController<>(new StatusTransitions()),
                VALIDATE_EPHEMERAL_CONTAINERS, new AdmissionController<>(new EphemeralContainerCheck()),
                VALIDATE_POD_EXEC, new AdmissionController<>(new SidecarExecCheck()));
    }
}
