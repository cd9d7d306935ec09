package dev.pgwarden.operator.policy;

import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.database.AdminCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Reads the admin Secret a policy names. The operator may read every Secret in the namespace, so a
 * Secret must opt in before it is used: without that, anyone allowed to write a policy could make
 * the operator log in with a Secret they cannot read, to a server of their choosing. The label
 * says "pgwarden may use this"; optional keys {@code host}, {@code port} and {@code database}
 * pin it to one server, and a policy naming another is refused.
 */
public final class AdminSecrets {
    private final KubernetesClient client;

    public AdminSecrets(KubernetesClient client) {
        this.client = client;
    }

    public AdminCredentials read(DatabaseAccessPolicy policy) {
        String namespace = policy.getMetadata().getNamespace();
        String name = policy.getSpec().database().adminSecretRef().name();
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new ReconcileProblem(
                    ReconcileProblem.Reason.KubernetesError,
                    "could not read Secret " + namespace + "/" + name + ": " + e.getMessage(),
                    e);
        }
        if (secret == null) {
            throw new ReconcileProblem(
                    ReconcileProblem.Reason.AdminSecretMissing,
                    "Secret " + name + " (spec.database"
                            + ".adminSecretRef) does not exist in namespace " + namespace
                            + "; create it with keys username and password"
                            + " of a role that may create roles and grant on the policy's schemas");
        }
        Map<String, String> labels = secret.getMetadata().getLabels();
        if (labels == null || !"true".equals(labels.get(PgwardenLabels.ADMIN_SECRET))) {
            throw new ReconcileProblem(
                    ReconcileProblem.Reason.AdminSecretRefused,
                    "Secret " + namespace + "/" + name
                            + " is not marked for pgwarden: its owner must label it " + PgwardenLabels.ADMIN_SECRET
                            + "=true (and may pin it with"
                            + " keys host, port and database) before a policy can use it");
        }
        DatabaseTarget db = policy.getSpec().database();
        pin(secret, "host", db.host(), namespace, name);
        pin(secret, "port", Integer.toString(db.portOrDefault()), namespace, name);
        pin(secret, "database", db.name(), namespace, name);
        String username = value(secret, "username");
        String password = value(secret, "password");
        if (username == null || password == null) {
            throw new ReconcileProblem(
                    ReconcileProblem.Reason.AdminSecretMissing,
                    "Secret " + namespace + "/" + name + " must have the keys username and password");
        }
        return new AdminCredentials(username, password);
    }

    private static void pin(Secret secret, String key, String wanted, String namespace, String name) {
        String pinned = value(secret, key);
        if (pinned != null && !pinned.equals(wanted)) {
            throw new ReconcileProblem(
                    ReconcileProblem.Reason.AdminSecretRefused,
                    "Secret " + namespace + "/" + name
                            + " is pinned to " + key + " " + pinned + " but the policy names " + wanted
                            + "; use an admin Secret made for that database");
        }
    }

    private static String value(Secret secret, String key) {
        Map<String, String> data = secret.getData();
        if (data != null && data.get(key) != null) {
            return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8).strip();
        }
        Map<String, String> plain = secret.getStringData();
        return plain == null ? null : plain.get(key);
    }
}
