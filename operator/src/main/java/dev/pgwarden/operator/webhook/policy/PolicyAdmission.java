package dev.pgwarden.operator.webhook.policy;

import dev.pgwarden.api.policy.PolicyProblem;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.StatusCauseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.javaoperatorsdk.webhook.admission.AdmissionRequestHandler;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code /validate-databaseaccesspolicies}: the same checks the sidecar and {@code pgwarden check}
 * run, so a policy the cluster accepts is one the sidecar will load. Every problem is listed at
 * once, so a user fixes them in one round.
 */
public final class PolicyAdmission implements AdmissionRequestHandler {
    private final PolicyValidator validator = new PolicyValidator(PolicyValidator.Use.CLUSTER);

    @Override
    public AdmissionResponse handle(AdmissionRequest request) {
        String operation = String.valueOf(request.getOperation());
        if (!"CREATE".equals(operation) && !"UPDATE".equals(operation)) {
            return Admission.allowed();
        }
        DatabaseAccessPolicy policy;
        try {
            policy = Admission.object(request, DatabaseAccessPolicy.class);
        } catch (IllegalArgumentException e) {
            // e.g. an enum value the schema let through; say which field rather than failing the request.
            return Admission.refused("pgwarden: the DatabaseAccessPolicy cannot be read: " + rootMessage(e));
        }
        if (policy == null) {
            return Admission.refused("pgwarden: the admission request carries no DatabaseAccessPolicy");
        }
        List<PolicyProblem> problems = new java.util.ArrayList<>(validator.validate(policy));
        if ("UPDATE".equals(operation)) {
            problems.addAll(databaseChanges(Admission.oldObject(request, DatabaseAccessPolicy.class), policy));
        }
        if (problems.isEmpty()) {
            return Admission.allowed();
        }
        String name =
                policy.getMetadata() == null ? "" : " " + policy.getMetadata().getName();
        String message = "pgwarden: DatabaseAccessPolicy" + name + " has " + problems.size()
                + (problems.size() == 1 ? " problem: " : " problems: ")
                + problems.stream().map(PolicyProblem::toString).collect(Collectors.joining("; "));
        List<StatusCause> causes = problems.stream()
                .map(p -> new StatusCauseBuilder()
                        .withField(p.path())
                        .withMessage(p.message())
                        .withReason("FieldValueInvalid")
                        .build())
                .toList();
        return Admission.invalid(message, causes);
    }

    /**
     * The policy's roles live in one database: moving it would leave the group's grants and open
     * sessions behind in the old one, so the target is fixed for the policy's life.
     */
    static List<PolicyProblem> databaseChanges(DatabaseAccessPolicy before, DatabaseAccessPolicy after) {
        if (before == null
                || before.getSpec() == null
                || before.getSpec().database() == null
                || after.getSpec() == null
                || after.getSpec().database() == null) {
            return List.of();
        }
        var was = before.getSpec().database();
        var now = after.getSpec().database();
        List<PolicyProblem> out = new java.util.ArrayList<>();
        String advice = " cannot change: the policy's roles live there. Delete the policy (its roles are dropped) and"
                + " create a new one for the other database";
        if (!java.util.Objects.equals(was.host(), now.host())) {
            out.add(new PolicyProblem("spec.database.host", was.host() + advice));
        }
        if (was.portOrDefault() != now.portOrDefault()) {
            out.add(new PolicyProblem("spec.database.port", was.portOrDefault() + advice));
        }
        if (!java.util.Objects.equals(was.name(), now.name())) {
            out.add(new PolicyProblem("spec.database.name", was.name() + advice));
        }
        return out;
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
