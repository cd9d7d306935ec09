package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.api.v1alpha1.S3Target;
import dev.pgwarden.api.v1alpha1.SecretReference;
import dev.pgwarden.cli.recordings.RecordingFixture;
import dev.pgwarden.sidecar.recording.S3Store;
import dev.pgwarden.testkit.TestS3;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl pgwarden replay --policy NAME}: the store, endpoint and keys come from the policy
 * and its credentials Secret in the cluster, as the policy's sidecars get them.
 */
class KubectlReplayTest {
    private static final String S = "5c0ffee00001";

    @TempDir
    Path tmp;

    private TestS3 s3;
    private ReviewCluster cluster;
    private final RecordingFixture fixture = new RecordingFixture("pod-a@2026-11-23T22:00:00Z");

    @BeforeEach
    void start() throws Exception {
        s3 = TestS3.start("sessions");
        try (S3Store bucket = new S3Store("sessions", s3.endpoint(), null, TestS3.ACCESS_KEY, TestS3.SECRET_KEY)) {
            RecordingFixture.putSession(bucket, "agents/", S, fixture.sample(S), 4);
        }
        cluster = new ReviewCluster(tmp);
        cluster.policy(
                "agents",
                "recorded",
                new Recording(
                        null,
                        null,
                        new S3Target(
                                "sessions",
                                "agents/",
                                s3.endpoint().toString(),
                                "us-east-1",
                                new SecretReference("recorder-s3"))));
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
        s3.close();
    }

    private CliRun kubectl(Map<String, String> env, Object... args) {
        Object[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--kubeconfig";
        all[args.length + 1] = cluster.kubeconfig;
        return CliRun.runAs(Main.KUBECTL_PLUGIN, env, all);
    }

    @Test
    void aPolicysSessionsAreReadWithTheKeysOfItsSecret() {
        cluster.secret(
                "agents",
                "recorder-s3",
                Map.of("AWS_ACCESS_KEY_ID", TestS3.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", TestS3.SECRET_KEY));

        CliRun list = kubectl(Map.of(), "replay", "--policy", "recorded", "--list");
        CliRun session = kubectl(Map.of(), "replay", "--policy", "recorded", "-n", "agents", "--session", S);

        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains(" 5c0ffee00001 | 2026-11-23 22:27:31 |");
        assertThat(session.exit()).as(session.err()).isZero();
        assertThat(session.out()).isEqualTo(RecordingFixture.sampleTranscript(S));
    }

    @Test
    void keysInTheEnvironmentWinAndNeedNoSecret() {
        Map<String, String> env =
                Map.of("AWS_ACCESS_KEY_ID", TestS3.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", TestS3.SECRET_KEY);

        CliRun list = kubectl(env, "replay", "--policy", "recorded", "--list");

        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains(" 5c0ffee00001 |");
    }

    @Test
    void withoutTheSecretOrKeysTheUserIsToldWhatIsMissing() {
        CliRun run = kubectl(Map.of(), "replay", "--policy", "recorded", "--list");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err())
                .isEqualTo("pgwarden: no Secret recorder-s3 in namespace agents (the policy's recording credentials);"
                        + " set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to keys of your own for the bucket\n");
    }

    @Test
    void aPolicyThatRecordsNowhereSaysWhereItsSessionsAre() {
        CliRun run = kubectl(Map.of(), "replay", "--policy", ReviewCluster.POLICY, "--list");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("records to no store (spec.recording.s3 is not set)");
    }

    @Test
    void sourceAndPolicyExcludeEachOther() {
        CliRun both = kubectl(Map.of(), "replay", "s3://sessions/agents", "--policy", "recorded", "--list");
        CliRun asPgwarden = CliRun.run("replay", "--policy", "recorded", "--list");

        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("give SOURCE or --policy, not both");
        assertThat(asPgwarden.exit()).isEqualTo(2);
        assertThat(asPgwarden.err()).contains("--policy reads where a policy records from a cluster: add --cluster");
    }
}
