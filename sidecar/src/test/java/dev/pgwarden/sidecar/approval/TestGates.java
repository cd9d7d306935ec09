package dev.pgwarden.sidecar.approval;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;

/** Gates with settings production does not expose, for tests in other packages. */
public final class TestGates {
    private TestGates() {}

    /** A Kubernetes gate whose open waits fail once its watch has been down for {@code watchGrace}. */
    public static KubernetesApprovalGate kubernetes(
            KubernetesClient client, String namespace, String pod, Duration watchGrace) {
        return new KubernetesApprovalGate(client, namespace, pod, watchGrace, Clock.systemUTC());
    }
}
