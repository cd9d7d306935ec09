package dev.pgwarden.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.testkit.ClassSize;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** src/api is the contract every module reads: it depends on none of them, and its packages form no cycle. */
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.pgwarden.api");
    }

    @Test
    void importedTheModule() {
        assertThat(main.contain(DatabaseAccessPolicy.class)).isTrue();
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.pgwarden.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void dependsOnNoOtherModule() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.pgwarden.sidecar..",
                        "dev.pgwarden.operator..",
                        "dev.pgwarden.database..",
                        "dev.pgwarden.cli..",
                        "io.javaoperatorsdk..")
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
