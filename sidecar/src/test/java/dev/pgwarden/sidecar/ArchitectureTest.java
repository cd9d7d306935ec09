package dev.pgwarden.sidecar;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.Slice;
import dev.pgwarden.testkit.ClassSize;
import java.io.IOException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The sidecar's package structure, stated as rules the build checks on its main classes. */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pgwarden.sidecar");

    /**
     * The packages (below dev.pgwarden.sidecar) checked for cycles. Only audit and recording while
     * the others are being reshaped (issue 13); then every package is checked and this filter goes.
     */
    private static final Set<String> CHECKED_FOR_CYCLES = Set.of("audit", "recording");

    @Test
    void packagesDoNotDependOnEachOtherInCycles() {
        slices().matching("dev.pgwarden.sidecar.(*)..")
                .that(DescribedPredicate.describe(
                        "are in " + CHECKED_FOR_CYCLES,
                        (Slice slice) -> CHECKED_FOR_CYCLES.contains(slice.getNamePart(1))))
                .should()
                .beFreeOfCycles()
                .check(MAIN);
    }

    /** The recording is built on the audit chain; the audit writer hands lines to a recorder it only knows as an interface. */
    @Test
    void auditDoesNotDependOnRecording() {
        noClasses()
                .that()
                .resideInAPackage("dev.pgwarden.sidecar.audit..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.pgwarden.sidecar.recording..")
                .check(MAIN);
    }

    /** A class over the limit has more than one job (see ClassSize). */
    @Test
    void noMainClassIsOver400Lines() throws IOException {
        assertThat(ClassSize.tooLongInMain())
                .as("classes over " + ClassSize.MAX_LINES + " lines")
                .isEmpty();
    }
}
