package dev.pgwarden.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.pgwarden.testkit.ClassSize;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The CLI's package structure and what it may use of the sidecar, as rules the build checks. */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pgwarden.cli");

    /**
     * The sidecar packages the CLI may use: its entry points and the recording format. Exact
     * packages, not their subpackages, so that nothing new becomes usable unnoticed.
     */
    private static final String[] SIDECAR_PACKAGES_FOR_THE_CLI = {
        // Entry points: Gateway, ProxyConfig, AuditOutputs, RelayOptions, Addresses.
        "dev.pgwarden.sidecar",
        // The recording format: the chain's mac (AuditChain) and the event names; local mode's audit sink.
        "dev.pgwarden.sidecar.audit",
        // The recording format: part layout, object stores, credentials; local mode's recorder.
        "dev.pgwarden.sidecar.recording",
        // pgwarden local: the loopback token issuer, the approval gate and the database it fronts.
        "dev.pgwarden.sidecar.identity",
        "dev.pgwarden.sidecar.approval",
        "dev.pgwarden.sidecar.upstream",
        // pgwarden local: the password file it keeps current, as the sidecar does in a pod.
        "dev.pgwarden.sidecar.pgpass",
        // pgwarden check: the classifier and the policy's decision, run on statements from a file.
        "dev.pgwarden.sidecar.sql",
        "dev.pgwarden.sidecar.policy",
    };

    @Test
    void usesOnlyTheSidecarsEntryPointsAndRecordingFormat() {
        noClasses()
                .should()
                .dependOnClassesThat(resideInAPackage("dev.pgwarden.sidecar..")
                        .and(not(resideInAnyPackage(SIDECAR_PACKAGES_FOR_THE_CLI))))
                .check(MAIN);
    }

    @Test
    void packagesDoNotDependOnEachOtherInCycles() {
        slices().matching("dev.pgwarden.(**)").should().beFreeOfCycles().check(MAIN);
    }

    /** A class over the limit has more than one job (see ClassSize). */
    @Test
    void noMainClassIsOver400Lines() throws IOException {
        assertThat(ClassSize.tooLongInMain())
                .as("classes over " + ClassSize.MAX_LINES + " lines")
                .isEmpty();
    }
}
