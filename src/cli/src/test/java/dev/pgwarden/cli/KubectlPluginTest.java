package dev.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import dev.pgwarden.api.v1alpha1.QueryApproval;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl pgwarden approvals|approve|deny} against the mock API server, whose QueryApproval
 * writes pass through the operator's own admission webhooks, as the kubeconfig's users.
 */
class KubectlPluginTest {
    @TempDir
    Path tmp;

    private ReviewCluster cluster;
    private final Instant later = Instant.now().plus(Duration.ofMinutes(10));

    @BeforeEach
    void start() throws Exception {
        cluster = new ReviewCluster(tmp);
        cluster.request("agents", "pgw-drop", "DROP TABLE staging_events", later, "cleanup after ticket 7");
        cluster.request(
                "staging",
                "pgw-truncate",
                "TRUNCATE audit_copy",
                later,
                null,
                List.of(new ObjectEstimate("table public.audit_copy", "audit_copy", 1, 1200L, 2L << 20, null)));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    /** As kubectl runs the plugin: the name kubectl-pgwarden, the user's kubeconfig. */
    private CliRun kubectl(Object... args) {
        Object[] all = new Object[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--kubeconfig";
        all[args.length + 1] = cluster.kubeconfig;
        return CliRun.runAs(Main.KUBECTL_PLUGIN, Map.of(), all);
    }

    @Test
    void listsThePendingRequestsOfTheContextsNamespace() {
        CliRun run = kubectl("approvals");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("pgw-drop -n agents  Pending  rule destructive-ddl  subject agents/claude"
                        + "  pod claude-7d9f-abcde  expires " + later)
                .contains("    DROP TABLE staging_events")
                .contains("    reason: cleanup after ticket 7")
                .doesNotContain("pgw-truncate");
        assertThat(kubectl("approvals", "-n", "staging").out())
                .contains("pgw-truncate -n staging")
                .contains("    would remove table public.audit_copy: about 1,200 rows, 2.0 MiB")
                .doesNotContain("pgw-drop");
    }

    @Test
    void listsAcrossNamespaces() {
        CliRun run = kubectl("approvals", "--all-namespaces");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("pgw-drop -n agents", "pgw-truncate -n staging");
        assertThat(kubectl("approvals", "-n", "elsewhere").out())
                .isEqualTo("No pending approval requests in namespace elsewhere.\n");
    }

    @Test
    void approvalIsStampedWithTheKubeconfigsUserByTheWebhook() {
        CliRun run = kubectl("approve", "pgw-drop", "--comment", "staging table, fine");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("pgw-drop approved by alice@example.com: DROP TABLE staging_events\n");
        QueryApproval stored = cluster.get("agents", "pgw-drop");
        assertThat(stored.decisionOrPending()).isEqualTo(Decision.Approved);
        assertThat(stored.getSpec().comment()).isEqualTo("staging table, fine");
        assertThat(stored.annotation(PgwardenAnnotations.REVIEWED_BY)).isEqualTo(ReviewCluster.REVIEWER);
        assertThat(Instant.parse(stored.annotation(PgwardenAnnotations.REVIEWED_AT)))
                .isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        // Decided requests leave the default listing, and show who decided with --all.
        assertThat(kubectl("approvals").out()).isEqualTo("No pending approval requests in namespace agents.\n");
        assertThat(kubectl("approvals", "--all").out())
                .contains("    approved by alice@example.com: staging table, fine");
    }

    @Test
    void theRequesterCannotApproveItsOwnRequestAndIsToldWhy() {
        CliRun run = kubectl("approve", "pgw-drop", "--context", "agent");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err())
                .startsWith("pgwarden: refused by the cluster: you cannot decide your own request:"
                        + " you are the requesting service account agents/claude. Ask another reviewer to decide it");
        assertThat(cluster.get("agents", "pgw-drop").decisionOrPending()).isEqualTo(Decision.Pending);
    }

    @Test
    void denialCarriesTheComment() {
        CliRun run = kubectl("deny", "pgw-truncate", "-n", "staging", "--comment", "use a \"WHERE\" clause");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("pgw-truncate denied by alice@example.com: TRUNCATE audit_copy\n");
        QueryApproval stored = cluster.get("staging", "pgw-truncate");
        assertThat(stored.decisionOrPending()).isEqualTo(Decision.Denied);
        assertThat(stored.getSpec().comment()).isEqualTo("use a \"WHERE\" clause");
    }

    @Test
    void aDecisionIsFinal() {
        assertThat(kubectl("approve", "pgw-drop").exit()).isZero();

        CliRun again = kubectl("approve", "pgw-drop");
        CliRun deny = kubectl("deny", "pgw-drop");

        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err())
                .isEqualTo("pgwarden: pgw-drop was already Approved by alice@example.com; a decision is final\n");
        // The webhook's own refusal, passed through.
        assertThat(deny.exit()).isEqualTo(1);
        assertThat(deny.err())
                .startsWith("pgwarden: refused by the cluster: this QueryApproval was already Approved by"
                        + " alice@example.com; a decision is final");
    }

    @Test
    void anUnknownRequestIsNamedWithItsNamespace() {
        CliRun run = kubectl("approve", "pgw-nope", "-n", "agents");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err())
                .startsWith("pgwarden: no QueryApproval pgw-nope in namespace agents;"
                        + " `kubectl pgwarden approvals -n agents` lists the pending ones");
    }

    @Test
    void anExpiredRequestCannotBeApproved() {
        Instant past = Instant.now().minus(Duration.ofHours(1));
        cluster.request("agents", "pgw-old", "DROP TABLE old_events", past, null);

        CliRun list = kubectl("approvals");
        CliRun run = kubectl("approve", "pgw-old");

        assertThat(list.out()).contains("pgw-old -n agents  Pending", "expired " + past);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err())
                .startsWith("pgwarden: refused by the cluster: this request expired at " + past
                        + " and can no longer be approved");
        assertThat(cluster.get("agents", "pgw-old").decisionOrPending()).isEqualTo(Decision.Pending);
    }

    @Test
    void aLoginTheClusterRefusesIsSaidSo() {
        CliRun run = kubectl("deny", "pgw-drop", "--context", "stranger");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("pgwarden: the cluster did not accept your kubeconfig's credentials");
        assertThat(cluster.get("agents", "pgw-drop").decisionOrPending()).isEqualTo(Decision.Pending);
    }

    @Test
    void anUnknownContextIsRefusedBeforeAnythingIsSent() {
        CliRun run = kubectl("approvals", "--context", "prod");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("pgwarden: no context prod in the kubeconfig " + cluster.kubeconfig);
    }

    @Test
    void asPgwardenTheClusterIsChosenWithDashDashCluster() {
        CliRun withoutSwitch = CliRun.run("approvals", "-n", "agents");
        CliRun withSwitch = CliRun.run("approvals", "--cluster", "--kubeconfig", cluster.kubeconfig);

        assertThat(withoutSwitch.exit()).isEqualTo(2);
        assertThat(withoutSwitch.err()).contains("--namespace is for a cluster: add --cluster");
        assertThat(withSwitch.exit()).as(withSwitch.err()).isZero();
        assertThat(withSwitch.out()).contains("pgw-drop -n agents");
    }

    @Test
    void theLauncherNameKubectlPgwardenSelectsTheCluster() {
        // As kubectl-pgwarden --no-cluster, approvals go to `pgwarden local` again (none runs here).
        CliRun local = CliRun.runAs(
                Main.KUBECTL_PLUGIN, Map.of(), "approvals", "--no-cluster", "--state-dir", tmp.resolve("none"));
        CliRun help = CliRun.runAs(Main.KUBECTL_PLUGIN, Map.of(), "approve", "--help");

        assertThat(local.exit()).isEqualTo(1);
        assertThat(local.err()).doesNotContain("cluster");
        assertThat(help.out()).contains("Usage: kubectl pgwarden approve");
    }
}
