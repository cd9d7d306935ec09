package dev.pgwarden.cli.cluster;

import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.api.v1alpha1.S3Target;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * {@code kubectl pgwarden replay --policy NAME}: where a policy's sidecars record sessions
 * ({@code spec.recording.s3}), and the store's credentials from the Secret the policy names for them,
 * the one the sidecars mount.
 */
public final class RecordingLookup {
    /** The keys of the credentials Secret, as the sidecar reads them (StoreCredentials). */
    private static final String ACCESS_KEY = "AWS_ACCESS_KEY_ID";

    private static final String SECRET_KEY = "AWS_SECRET_ACCESS_KEY";

    private RecordingLookup() {}

    /** A policy's recording store: s3://BUCKET/PREFIX, its endpoint and region, and (when asked for) its keys. */
    public record PolicyRecordings(
            String source, URI endpoint, String region, String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "PolicyRecordings[" + source + ", " + endpoint + ", " + region + ", secret withheld]";
        }
    }

    /** @param withCredentials read the credentials Secret too (not when the user brings their own keys) */
    public static PolicyRecordings find(Cluster cluster, String policyName, boolean withCredentials)
            throws ClusterException {
        String ns = cluster.namespace();
        DatabaseAccessPolicy policy;
        try {
            policy = cluster.client()
                    .resources(DatabaseAccessPolicy.class)
                    .inNamespace(ns)
                    .withName(policyName)
                    .get();
        } catch (KubernetesClientException e) {
            throw ApiErrors.explain(
                    e,
                    "DatabaseAccessPolicy " + policyName + " in namespace " + ns,
                    "get",
                    "databaseaccesspolicies.pgwarden.dev");
        }
        if (policy == null) {
            throw new ClusterException("no DatabaseAccessPolicy " + policyName + " in namespace " + ns
                    + " (`kubectl -n " + ns + " get dap` lists them)");
        }
        Recording recording = policy.getSpec() == null ? null : policy.getSpec().recording();
        S3Target s3 = recording == null ? null : recording.s3();
        if (s3 == null) {
            throw new ClusterException(
                    "DatabaseAccessPolicy " + policyName + " in namespace " + ns
                            + " records to no store (spec.recording.s3 is not set): its sessions are only in the sidecars'"
                            + " audit output, `kubectl logs POD -c pgwarden-sidecar`, which `pgwarden replay` reads from a file");
        }
        String prefix = s3.prefix() == null ? "" : s3.prefix();
        String source = "s3://" + s3.bucket() + (prefix.isEmpty() || prefix.startsWith("/") ? "" : "/") + prefix;
        URI endpoint = s3.endpoint() == null ? null : URI.create(s3.endpoint());
        if (!withCredentials) {
            return new PolicyRecordings(source, endpoint, s3.region(), null, null);
        }
        if (s3.credentialsSecretRef() == null) {
            throw new ClusterException("DatabaseAccessPolicy " + policyName + " names no credentials Secret for "
                    + source + ": set " + ACCESS_KEY + " and " + SECRET_KEY);
        }
        String secretName = s3.credentialsSecretRef().name();
        Map<String, String> data = secretData(cluster, secretName);
        String access = decoded(data, ACCESS_KEY);
        String secret = decoded(data, SECRET_KEY);
        if (access == null || secret == null) {
            throw new ClusterException("Secret " + secretName + " in namespace " + ns + " lacks " + ACCESS_KEY + " or "
                    + SECRET_KEY + "; the policy's sidecars cannot record either");
        }
        return new PolicyRecordings(source, endpoint, s3.region(), access, secret);
    }

    private static Map<String, String> secretData(Cluster cluster, String name) throws ClusterException {
        String what = "Secret " + name + " in namespace " + cluster.namespace();
        Secret secret;
        try {
            secret = cluster.client()
                    .secrets()
                    .inNamespace(cluster.namespace())
                    .withName(name)
                    .get();
        } catch (KubernetesClientException e) {
            throw new ClusterException(
                    ApiErrors.explain(e, what, "get", "secrets").getMessage() + "; or set " + ACCESS_KEY + " and "
                            + SECRET_KEY + " to keys of your own for the bucket");
        }
        if (secret == null) {
            throw new ClusterException("no " + what + " (the policy's recording credentials); set " + ACCESS_KEY
                    + " and " + SECRET_KEY + " to keys of your own for the bucket");
        }
        return secret.getData() == null ? Map.of() : secret.getData();
    }

    private static String decoded(Map<String, String> data, String key) {
        String value = data.get(key);
        return value == null ? null : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8).strip();
    }
}
