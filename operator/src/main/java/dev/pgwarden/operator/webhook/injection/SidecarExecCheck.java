package dev.pgwarden.operator.webhook.injection;

import static dev.pgwarden.operator.webhook.injection.InjectedNames.SIDECAR;

import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.javaoperatorsdk.webhook.admission.AdmissionRequestHandler;
import java.util.Map;

/**
 * {@code /validate-pod-exec}: nobody gets a shell in the sidecar ({@code kubectl exec} or
 * {@code attach} with {@code -c pgwarden-sidecar}). RBAC cannot tell one container of a pod from
 * another, and a shell there reads the database credentials, the audit key and the sidecar's API
 * token. The chart's match condition sends only requests naming that container here; the check
 * is repeated in case the condition is missing.
 */
public final class SidecarExecCheck implements AdmissionRequestHandler {
    @Override
    public AdmissionResponse handle(AdmissionRequest request) {
        @SuppressWarnings("unchecked")
        Map<String, Object> options = Admission.object(request, Map.class);
        if (options == null) {
            // The API server always sends the exec/attach options; without them nothing can be judged.
            return Admission.refused("pgwarden: the admission request carries no exec or attach options");
        }
        if (!SIDECAR.equals(options.get("container"))) {
            return Admission.allowed();
        }
        String what = "pods/attach".equals(resource(request)) ? "attach to" : "exec into";
        return Admission.refused("pgwarden: no one may " + what + " the " + SIDECAR + " container of pod "
                + request.getName() + ": it holds the database credentials and the audit key. Read its logs"
                + " (kubectl logs -c " + SIDECAR + ") or its metrics instead, or debug an agent container");
    }

    private static String resource(AdmissionRequest request) {
        if (request.getResource() == null) {
            return "";
        }
        String sub = request.getSubResource();
        return request.getResource().getResource() + (sub == null || sub.isEmpty() ? "" : "/" + sub);
    }
}
