package dev.pgwarden.operator.webhook.injection;

import dev.pgwarden.api.cluster.PolicySecret;
import java.util.Set;

/**
 * Names and paths the injection contract fixes; the sidecar and the chart rely on them. Labels and
 * annotations are in {@link dev.pgwarden.api.cluster.PgwardenLabels} and
 * {@link dev.pgwarden.api.cluster.PgwardenAnnotations}.
 */
public final class InjectedNames {
    public static final String SIDECAR = "pgwarden-sidecar";
    public static final String OPS_PORT_NAME = "pgwarden-ops";
    public static final int OPS_PORT = 9187;

    public static final String POLICY_VOLUME = "pgwarden-policy";
    public static final String SPOOL_VOLUME = "pgwarden-spool";
    public static final String KUBE_API_VOLUME = "pgwarden-kube-api";
    public static final String AGENT_TOKEN_VOLUME = "pgwarden-token";
    public static final String S3_VOLUME = "pgwarden-s3";
    /** The sidecar's /tmp: its root filesystem is read-only, and Netty unpacks its epoll/io_uring libraries there. */
    public static final String TMP_VOLUME = "pgwarden-tmp";
    /** Shared with the agent containers (read-only there): the password file the sidecar keeps current. */
    public static final String PGPASS_VOLUME = "pgwarden-pgpass";

    public static final Set<String> VOLUMES = Set.of(
            POLICY_VOLUME, SPOOL_VOLUME, KUBE_API_VOLUME, AGENT_TOKEN_VOLUME, S3_VOLUME, TMP_VOLUME, PGPASS_VOLUME);

    public static final String POLICY_DIR = "/etc/pgwarden/policy";
    public static final String S3_DIR = "/etc/pgwarden/s3";
    public static final String PGWARDEN_CONFIG_ROOT = "/etc/pgwarden";
    public static final String SPOOL_DIR = "/var/run/pgwarden/spool";
    public static final String TMP_DIR = "/tmp";
    public static final String KUBE_API_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    public static final String AGENT_TOKEN_DIR = "/var/run/secrets/pgwarden";
    public static final String AGENT_TOKEN_AUDIENCE = "pgwarden";
    public static final String AGENT_TOKEN_FILE = AGENT_TOKEN_DIR + "/token";
    public static final String PGPASS_DIR = "/var/run/pgwarden/client";
    public static final String PGPASS_FILE = PGPASS_DIR + "/pgpass";

    /** What the ServiceAccount admission plugin names the API token volume it adds before webhooks run. */
    public static final String AUTOMATIC_API_VOLUME_PREFIX = "kube-api-access-";

    private InjectedNames() {}

    public static String credentialsSecret(String policy) {
        return PolicySecret.name(policy);
    }
}
