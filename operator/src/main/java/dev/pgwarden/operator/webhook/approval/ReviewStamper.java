package dev.pgwarden.operator.webhook.approval;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.javaoperatorsdk.webhook.admission.AdmissionRequestHandler;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /mutate-queryapprovals}: when a reviewer decides, records who and when from the API
 * server's own view of the request, overwriting whatever the client wrote in those annotations.
 * The validating webhook then checks the result, so a missing stamp can never pass.
 */
public final class ReviewStamper implements AdmissionRequestHandler {
    private final Clock clock;

    public ReviewStamper(Clock clock) {
        this.clock = clock;
    }

    @Override
    public AdmissionResponse handle(AdmissionRequest request) {
        if (!"UPDATE".equals(request.getOperation())) {
            return Admission.allowed();
        }
        QueryApproval before = Admission.oldObject(request, QueryApproval.class);
        QueryApproval after = Admission.object(request, QueryApproval.class);
        String user =
                request.getUserInfo() == null ? null : request.getUserInfo().getUsername();
        if (before == null || after == null || user == null || user.isBlank() || !Decisions.decides(before, after)) {
            return Admission.allowed();
        }
        QueryApproval stamped = Admission.SERIALIZATION.clone(after);
        Map<String, String> annotations = new LinkedHashMap<>(
                stamped.getMetadata().getAnnotations() == null
                        ? Map.of()
                        : stamped.getMetadata().getAnnotations());
        annotations.put(PgwardenAnnotations.REVIEWED_BY, user);
        annotations.put(
                PgwardenAnnotations.REVIEWED_AT,
                clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        stamped.getMetadata().setAnnotations(annotations);
        return Admission.patched(after, stamped);
    }
}
