package dev.pgwarden.operator.policy;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Reads the admin Secret a policy names, with errors that say which Secret and which key. */
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
      throw new ReconcileProblem(ReconcileProblem.Reason.KubernetesError,
          "could not read Secret " + namespace + "/" + name + ": " + e.getMessage(), e);
    }
    if (secret == null) {
      throw new ReconcileProblem(ReconcileProblem.Reason.AdminSecretMissing, "Secret " + name + " (spec.database"
          + ".adminSecretRef) does not exist in namespace " + namespace + "; create it with keys username and password"
          + " of a role that may create roles and grant on the policy's schemas");
    }
    String username = value(secret, "username");
    String password = value(secret, "password");
    if (username == null || password == null) {
      throw new ReconcileProblem(ReconcileProblem.Reason.AdminSecretMissing, "Secret " + namespace + "/" + name
          + " must have the keys username and password; it has " + keys(secret));
    }
    return new AdminCredentials(username, password);
  }

  private static String value(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    if (data != null && data.get(key) != null) {
      return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8).strip();
    }
    Map<String, String> plain = secret.getStringData();
    return plain == null ? null : plain.get(key);
  }

  private static String keys(Secret secret) {
    return secret.getData() == null ? "none" : String.join(", ", new java.util.TreeSet<>(secret.getData().keySet()));
  }
}
