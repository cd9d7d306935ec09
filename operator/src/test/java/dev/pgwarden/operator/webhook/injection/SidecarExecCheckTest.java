package dev.pgwarden.operator.webhook.injection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgwarden.operator.webhook.Fixtures;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import org.junit.jupiter.api.Test;

/** {@code kubectl exec} and {@code attach}, as the API server sends them (fixture pods/exec-sidecar.json). */
class SidecarExecCheckTest {
    private final SidecarExecCheck check = new SidecarExecCheck();

    private AdmissionResponse run(String subResource, String container) {
        ObjectNode review = (ObjectNode) Fixtures.json("pods/exec-sidecar.json");
        ObjectNode request = (ObjectNode) review.get("request");
        request.put("subResource", subResource);
        ObjectNode options = (ObjectNode) request.get("object");
        options.put("kind", subResource.equals("attach") ? "PodAttachOptions" : "PodExecOptions");
        if (container == null) {
            options.remove("container");
        } else {
            options.put("container", container);
        }
        return check.handle(Fixtures.review(review).getRequest());
    }

    @Test
    void aShellInTheSidecarIsRefused() {
        AdmissionResponse response = run("exec", "pgwarden-sidecar");
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(403);
        assertThat(response.getStatus().getMessage())
                .contains("no one may exec into the pgwarden-sidecar container of pod agent-7d9f8c6b5-x2x4q")
                .contains("kubectl logs -c pgwarden-sidecar");
    }

    @Test
    void attachingToTheSidecarIsRefused() {
        AdmissionResponse response = run("attach", "pgwarden-sidecar");
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains("no one may attach to the pgwarden-sidecar container");
    }

    @Test
    void aRequestWithoutOptionsIsRefused() {
        ObjectNode review = (ObjectNode) Fixtures.json("pods/exec-sidecar.json");
        ((ObjectNode) review.get("request")).remove("object");
        AdmissionResponse response = check.handle(Fixtures.review(review).getRequest());
        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains("carries no exec or attach options");
    }

    @Test
    void execIntoAnAgentContainerIsLeftToRbac() {
        assertThat(run("exec", "agent").getAllowed()).isTrue();
        assertThat(run("exec", null).getAllowed()).isTrue();
    }
}
