package dev.pgwarden.operator.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.api.v1alpha1.Access;
import dev.pgwarden.api.v1alpha1.AccessMode;
import dev.pgwarden.api.v1alpha1.Approval;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.api.v1alpha1.Reviewers;
import dev.pgwarden.api.v1alpha1.S3Target;
import dev.pgwarden.api.v1alpha1.SecretReference;
import dev.pgwarden.api.v1alpha1.Subject;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** AdmissionReview fixtures from src/test/resources/admission, and the policies they refer to. */
public final class Fixtures {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String NAMESPACE = "agents";

    private Fixtures() {}

    public static String text(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/admission/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static AdmissionReview review(String path) {
        return Admission.SERIALIZATION.unmarshal(text(path), AdmissionReview.class);
    }

    public static AdmissionReview review(JsonNode json) {
        return Admission.SERIALIZATION.unmarshal(json.toString(), AdmissionReview.class);
    }

    public static JsonNode json(String path) {
        try {
            return JSON.readTree(text(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The request's object as the API server sent it, with the response's JSONPatch applied. */
    public static JsonNode patched(JsonNode reviewJson, AdmissionResponse response) {
        JsonNode object = reviewJson.path("request").path("object");
        if (response.getPatch() == null) {
            return object;
        }
        try {
            JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.getPatch()));
            return JsonPatch.apply(patch, object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The policies the fixtures name, in namespace agents. */
    public static void createPolicies(KubernetesClient client) {
        DatabaseTarget db = new DatabaseTarget("postgres.data.svc", 5432, "app", null, new SecretReference("pg-admin"));
        List<Subject> agents = List.of(
                new Subject("agents/claude", null, null, null, null),
                new Subject("agents/helper", null, null, null, null));
        Access readOnly = new Access(AccessMode.ReadOnly, List.of("public"), "1h");
        create(
                client,
                "analytics-agent",
                new DatabaseAccessPolicySpec(
                        db,
                        agents,
                        readOnly,
                        null,
                        null,
                        null,
                        null,
                        new Approval(null, "10m", new Reviewers(List.of("dba"), List.of("carol@example.com")), null),
                        null,
                        null,
                        null));
        create(
                client,
                "recorded",
                new DatabaseAccessPolicySpec(
                        db,
                        agents,
                        readOnly,
                        null,
                        null,
                        null,
                        null,
                        null,
                        new Recording(
                                null,
                                null,
                                new S3Target(
                                        "sessions", "agents/", null, "us-east-1", new SecretReference("recorder-s3"))),
                        null,
                        null));
        create(
                client,
                "open-review",
                new DatabaseAccessPolicySpec(db, agents, readOnly, null, null, null, null, null, null, null, null));
    }

    private static void create(KubernetesClient client, String name, DatabaseAccessPolicySpec spec) {
        DatabaseAccessPolicy policy = new DatabaseAccessPolicy();
        policy.setMetadata(
                new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
        policy.setSpec(spec);
        client.resources(DatabaseAccessPolicy.class)
                .inNamespace(NAMESPACE)
                .resource(policy)
                .create();
    }
}
