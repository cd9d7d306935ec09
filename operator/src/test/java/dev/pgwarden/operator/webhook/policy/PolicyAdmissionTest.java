package dev.pgwarden.operator.webhook.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.operator.webhook.Fixtures;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import org.junit.jupiter.api.Test;

class PolicyAdmissionTest {
    private final PolicyAdmission admission = new PolicyAdmission();

    private AdmissionResponse run(String fixture) {
        return admission.handle(Fixtures.review("policies/" + fixture + ".json").getRequest());
    }

    @Test
    void admitsAValidPolicy() {
        assertThat(run("valid").getAllowed()).isTrue();
    }

    @Test
    void listsEveryProblemAtOnce() {
        AdmissionResponse response = run("many-problems");

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getCode()).isEqualTo(422);
        assertThat(response.getStatus().getMessage())
                .startsWith("pgwarden: DatabaseAccessPolicy analytics-agent has 6 problems: ")
                .contains("spec.database: required")
                .contains("spec.subjects[0].serviceAccount: must be namespace/name, was claude")
                .contains("spec.access.credentialTTL")
                .contains("spec.rules[1].name: duplicate rule name destructive-ddl")
                .contains("spec.rules[1].statements: required")
                .contains("spec.onUnparseable: must be Deny or RequireApproval");
        assertThat(response.getStatus().getDetails().getCauses())
                .extracting(StatusCause::getField)
                .containsExactlyInAnyOrder(
                        "spec.database",
                        "spec.subjects[0].serviceAccount",
                        "spec.access.credentialTTL",
                        "spec.rules[1].name",
                        "spec.rules[1].statements",
                        "spec.onUnparseable");
    }

    @Test
    void refusesAPolicyItCannotReadWithTheReason() {
        AdmissionResponse response = run("unreadable-enum");

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getMessage()).contains("cannot be read").contains("Everything");
    }

    @Test
    void refusesMovingAPolicyToAnotherDatabase() {
        AdmissionResponse response = run("moved-database");

        assertThat(response.getAllowed()).isFalse();
        assertThat(response.getStatus().getDetails().getCauses())
                .extracting(StatusCause::getField)
                .containsExactlyInAnyOrder("spec.database.host", "spec.database.name");
        assertThat(response.getStatus().getMessage())
                .contains("cannot change: the policy's roles live there")
                .contains("Delete the policy");
    }
}
