package dev.pgwarden.database;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.pgwarden.testkit.ClassSize;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * src/database is what the operator and {@code pgwarden local} share: plain JDBC, no cluster. The
 * CRD records of src/api are its input; Kubernetes clients and the operator SDK stay out.
 */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.pgwarden.database");
    }

    @Test
    void importedTheModule() {
        assertThat(main.contain(PolicyDatabase.class)).isTrue();
    }

    /** Every package is a slice, the root package included. */
    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.pgwarden.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void noKubernetes() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.fabric8..", "io.javaoperatorsdk..", "dev.pgwarden.operator..", "dev.pgwarden.sidecar..")
                .check(main);
    }

    /** A class over the limit has more than one job (see ClassSize). */
    @Test
    void noMainClassIsOver400Lines() throws IOException {
        assertThat(ClassSize.tooLongInMain())
                .as("classes over " + ClassSize.MAX_LINES + " lines")
                .isEmpty();
    }
}
