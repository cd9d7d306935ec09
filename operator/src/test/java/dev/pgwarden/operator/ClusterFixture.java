package dev.pgwarden.operator;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** Installs the generated CRDs into a mock API server and runs the real operator against it. */
public final class ClusterFixture {
    private ClusterFixture() {}

    public static Path repoRoot() {
        return Path.of(System.getProperty("pgwarden.repo.root", ".."));
    }

    public static void installCrds(KubernetesClient client) {
        for (String file :
                new String[] {"databaseaccesspolicies.pgwarden.dev-v1.yml", "queryapprovals.pgwarden.dev-v1.yml"}) {
            try (InputStream in =
                    Files.newInputStream(repoRoot().resolve("crds").resolve(file))) {
                client.apiextensions().v1().customResourceDefinitions().load(in).create();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static Operator startOperator(KubernetesClient client, MutableClock clock, Duration approvalRetention) {
        Operator operator = Reconcilers.create(
                client,
                new Reconcilers.Settings(
                        Set.of(),
                        approvalRetention,
                        null,
                        null,
                        clock,
                        "test",
                        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                        dev.pgwarden.operator.notify.Backoff.DEFAULT));
        operator.start();
        return operator;
    }

    /**
     * Replaces a policy's spec the way {@code kubectl apply} of a whole spec would, but as one JSON
     * patch without a resourceVersion: a GET-then-PUT in a test races the operator's own status and
     * finalizer writes and fails with 409 now and then.
     */
    public static void replaceSpec(KubernetesClient client, DatabaseAccessPolicy withSpec) {
        String spec = client.getKubernetesSerialization().asJson(withSpec.getSpec());
        client.resources(DatabaseAccessPolicy.class)
                .inNamespace(withSpec.getMetadata().getNamespace())
                .withName(withSpec.getMetadata().getName())
                .patch(
                        PatchContext.of(PatchType.JSON),
                        "[{\"op\":\"replace\",\"path\":\"/spec\",\"value\":" + spec + "}]");
    }
}
