package dev.pgwarden.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The label and annotation names are written into users' manifests, the chart and live objects:
 * every other test uses the constants, and this one pins what they spell, so renaming one is a
 * visible, deliberate change of the contract.
 */
class PgwardenNamesTest {

    @Test
    void labels() {
        assertThat(PgwardenLabels.INJECT).isEqualTo("pgwarden.dev/inject");
        assertThat(PgwardenLabels.POLICY).isEqualTo("pgwarden.dev/policy");
        assertThat(PgwardenLabels.ADMIN_SECRET).isEqualTo("pgwarden.dev/admin-secret");
        assertThat(PgwardenLabels.APPROVAL_KEY).isEqualTo("pgwarden.dev/key");
        assertThat(PgwardenLabels.APPROVAL_POD).isEqualTo("pgwarden.dev/pod");
        assertThat(PgwardenLabels.MANAGED_BY).isEqualTo("app.kubernetes.io/managed-by");
        assertThat(PgwardenLabels.MANAGED_BY_PGWARDEN).isEqualTo("pgwarden");
    }

    @Test
    void annotations() {
        assertThat(PgwardenAnnotations.POLICY).isEqualTo("pgwarden.dev/policy");
        assertThat(PgwardenAnnotations.INJECTION_STATUS).isEqualTo("pgwarden.dev/status");
        assertThat(PgwardenAnnotations.INJECTION_DONE).isEqualTo("injected");
        assertThat(PgwardenAnnotations.AGENT_API_TOKEN).isEqualTo("pgwarden.dev/agent-api-token");
        assertThat(PgwardenAnnotations.REVIEWED_BY).isEqualTo("pgwarden.dev/reviewed-by");
        assertThat(PgwardenAnnotations.REVIEWED_AT).isEqualTo("pgwarden.dev/reviewed-at");
        assertThat(PgwardenAnnotations.APPROVAL_REASON).isEqualTo("pgwarden.dev/reason");
        assertThat(PgwardenAnnotations.REQUESTED_AT).isEqualTo("pgwarden.dev/requested-at");
        assertThat(PgwardenAnnotations.SKIP_DATABASE_CLEANUP).isEqualTo("pgwarden.dev/skip-database-cleanup");
    }
}
